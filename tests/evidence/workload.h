/* Real-process fixtures for the evidence integration tests: fpmode workloads in cgroups of their own, and checks that nothing was left traced. */
#ifndef CJD_TEST_EVIDENCE_WORKLOAD_H
#define CJD_TEST_EVIDENCE_WORKLOAD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Returns 0 when the integration tests can run here (root, a cgroup v2
 * mount, the fpmode binaries, ptrace allowed), filling v2 with the mount;
 * otherwise prints "SKIP: why" and returns 77.
 */
int workload_env(char *v2, size_t len);

struct CMUnitTest;

/* main() of an integration test: workload_env into v2, then the tests (line-buffered
 * output, so progress shows in CTest's log). Returns the exit code. */
int workload_main(const char *name, const struct CMUnitTest *tests, size_t n, char *v2,
		  size_t len);

/* A test's own cgroup: "<v2>/cjd-ev-fp-<pid>-<name>". Created, and removed by workload_cgroup_rm. */
void workload_cgroup(const char *v2, const char *name, char *dir, size_t len);
void workload_cgroup_rm(const char *dir);

struct workload {
	pid_t pid;
	int in_fd; /* the workload's stdin: closing it ends the workload */
	int code;  /* the exit code it was told to use */
};

/* Starts `fpmode MODE THREADS CODE` (fast-math build when fastmath) in cgroup dir (NULL:
 * ours), and waits for its "ready". */
void workload_start(struct workload *w, const char *dir, const char *mode, int threads, int code,
		    bool fastmath);

/* Starts the real RandomX loop `rxloop THREADS CODE` in cgroup dir (NULL: ours) and waits for
 * its "ready" (the cache takes a few seconds). Skips the test, saying why, without it. */
void workload_start_randomx(struct workload *w, const char *dir, int threads, int code);

/* Ends the workload (closes its stdin) and checks it exits with its own code. */
void workload_finish(struct workload *w);

/* Kills the workload, if it still runs (teardown after a failure). */
void workload_kill(struct workload *w);

/* How many threads of pid are traced (TracerPid != 0) or in a ptrace-stop ('t'), and how
 * many are job-control stopped ('T'). Returns the number of threads seen. */
int workload_scan(pid_t pid, int *traced, int *ptrace_stopped, int *stopped);

/* Fails the test unless every thread of pid has TracerPid 0 and is not in a ptrace-stop
 * (and, unless stopped_ok, not stopped either). */
void workload_assert_released(pid_t pid, bool stopped_ok);

/* utime + stime of pid, in clock ticks. */
unsigned long long workload_cpu_ticks(pid_t pid);

#endif
