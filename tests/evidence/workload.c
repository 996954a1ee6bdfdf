/* Real-process fixtures for the evidence integration tests: fpmode workloads in cgroups of their own, and checks that nothing was left traced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/evidence/fpstate.h"
#include "cjd/evidence/memory.h"
#include "workload.h"

int workload_env(char *v2, size_t len)
{
	char why[256];

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root (cgroups, and ptrace of processes it did not "
				"start)\n");
		return 77;
	}
	if (cjd_memory_cgroup_mount(NULL, NULL, v2, len) != 0) {
		fprintf(stderr, "SKIP: no cgroup v2 hierarchy mounted\n");
		return 77;
	}
	if (!getenv("CJD_FPMODE") || !getenv("CJD_FPMODE_FASTMATH") || !getenv("CJD_BIN")) {
		fprintf(stderr, "SKIP: CJD_FPMODE, CJD_FPMODE_FASTMATH and CJD_BIN must be set (run "
				"with ctest)\n");
		return 77;
	}
	if (!cjd_fpstate_available(why, sizeof(why))) {
		fprintf(stderr, "SKIP: the fpstate probe cannot run here: %s\n", why);
		return 77;
	}
	return 0;
}

int workload_main(const char *name, const struct CMUnitTest *tests, size_t n, char *v2,
		  size_t len)
{
	int rc = workload_env(v2, len);

	if (rc)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

void workload_cgroup(const char *v2, const char *name, char *dir, size_t len)
{
	snprintf(dir, len, "%s/cjd-ev-fp-%d-%s", v2, (int)getpid(), name);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
}

void workload_cgroup_rm(const char *dir)
{
	/* processes leave the cgroup as they are reaped; allow a moment */
	for (int i = 0; i < 200 && rmdir(dir) != 0 && errno == EBUSY; i++)
		usleep(10000);
}

/* Starts argv[0] with argv in cgroup dir, its stdin and stdout pipes to us; waits for "ready". */
static void spawn(struct workload *w, const char *dir, char *const argv[])
{
	int in[2], out[2];
	char buf[16] = "";
	ssize_t n;

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	w->pid = fork();
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		if (dir) {
			char procs[4200];
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
			int fd = open(procs, O_WRONLY);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(120);
			close(fd);
		}
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], argv);
		_exit(121);
	}
	close(in[0]);
	close(out[1]);
	w->in_fd = in[1];
	n = read(out[0], buf, sizeof(buf) - 1);
	close(out[0]);
	if (n != 6 || strncmp(buf, "ready\n", 6) != 0)
		fail_msg("%s %s did not start (read %zd bytes)", argv[0], argv[1], n);
}

void workload_start(struct workload *w, const char *dir, const char *mode, int threads, int code,
		    bool fastmath)
{
	char nthreads[16], scode[16];
	char *argv[] = {getenv(fastmath ? "CJD_FPMODE_FASTMATH" : "CJD_FPMODE"), (char *)mode,
			nthreads, scode, NULL};

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(scode, sizeof(scode), "%d", code);
	w->code = code;
	spawn(w, dir, argv);
}

void workload_start_randomx(struct workload *w, const char *dir, int threads, int code)
{
	char nthreads[16], scode[16];
	char *argv[] = {getenv("CJD_RXLOOP"), nthreads, scode, NULL};

	if (!argv[0]) {
		printf("SKIP: no RandomX workload: librandomx is not installed (apt-get install "
		       "librandomx-dev)\n");
		skip();
	}
	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(scode, sizeof(scode), "%d", code);
	w->code = code;
	spawn(w, dir, argv);
}

void workload_finish(struct workload *w)
{
	int status;

	close(w->in_fd);
	assert_int_equal(waitpid(w->pid, &status, 0), w->pid);
	w->pid = 0;
	if (!WIFEXITED(status))
		fail_msg("the workload did not exit normally (status %#x)", status);
	assert_int_equal(WEXITSTATUS(status), w->code);
}

void workload_kill(struct workload *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		close(w->in_fd);
		w->pid = 0;
	}
}

static char task_state(pid_t pid, pid_t tid, long *tracer)
{
	char path[128], line[256], state = '?';
	FILE *fp;

	*tracer = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return '?';
	while (fgets(line, sizeof(line), fp)) {
		sscanf(line, "State: %c", &state);
		sscanf(line, "TracerPid: %ld", tracer);
	}
	fclose(fp);
	return state;
}

int workload_scan(pid_t pid, int *traced, int *ptrace_stopped, int *stopped)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	*traced = *ptrace_stopped = *stopped = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long tracer;
		char st;
		if (e->d_name[0] == '.')
			continue;
		st = task_state(pid, (pid_t)atoi(e->d_name), &tracer);
		if (st == '?')
			continue; /* exited meanwhile */
		n++;
		*traced += tracer != 0;
		*ptrace_stopped += st == 't';
		*stopped += st == 'T';
	}
	closedir(d);
	return n;
}

void workload_assert_released(pid_t pid, bool stopped_ok)
{
	int traced, tstopped, stopped;
	int n = workload_scan(pid, &traced, &tstopped, &stopped);

	if (!n)
		fail_msg("process %d has no threads left", (int)pid);
	if (traced || tstopped || (!stopped_ok && stopped))
		fail_msg("process %d: %d of %d threads still traced, %d in a ptrace-stop, %d "
			 "stopped",
			 (int)pid, traced, n, tstopped, stopped);
}

unsigned long long workload_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}
