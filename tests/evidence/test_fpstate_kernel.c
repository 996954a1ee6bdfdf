/* Real kernel: the fpstate probe on real processes in real cgroups - rounding, FTZ/DAZ, signals, debuggers, threads that come and go or will not stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/evidence/fpstate.h"
#include "cjd/evidence/target.h"
#include "workload.h"

/*
 * Needs root, a cgroup v2 mount and ptrace; main() exits 77 (SKIP) with the
 * reason otherwise. Each test makes its cgroups under <v2>/cjd-ev-fp-<pid>-*
 * and removes them, and kills its workloads also when an assertion fails.
 * Probes run in this process (its tracer threads) except where a signal's
 * meaning to the workload's parent is tested: the tracer must not be the
 * parent there, so those run `cjd inspect`.
 */

static char v2[4096];

struct fx {
	struct workload w[2];
	char cg[2][4400];
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fx));
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 2; i++) {
		workload_kill(&f->w[i]);
		if (f->cg[i][0])
			workload_cgroup_rm(f->cg[i]);
	}
	free(f);
	return 0;
}

static void probe_cgroup(const char *dir, const struct cjd_fpstate_opts *o,
			 struct cjd_fpstate_result *r)
{
	struct cjd_target t;
	struct cjd_error err;

	assert_int_equal(cjd_target_from_cgroup(&t, dir, true, &err), 0);
	assert_int_equal(t.npids, 1);
	if (cjd_fpstate_run(t.pids, t.npids, o, r, &err) != 0)
		fail_msg("fpstate: %s", err.text);
	cjd_target_free(&t);
}

static const struct cjd_fpstate_thread *main_thread(const struct cjd_fpstate_result *r, pid_t pid)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == pid)
			return &r->threads[i];
	fail_msg("no entry for the main thread %d", (int)pid);
	return NULL;
}

/* A program that changes the rounding mode in a loop against one that does not. */
static void test_round_vs_plain(void **state)
{
	struct fx *f = *state;
	/* a generous pause cap: on a loaded host a runnable thread may wait long for a CPU,
	 * and this test is about what the looks see, not about how fast they are */
	struct cjd_fpstate_opts o = {.rounds = 10, .interval_ns = 30 * 1000 * 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	char buf[1024];
	unsigned long long before;

	workload_cgroup(v2, "round", f->cg[0], sizeof(f->cg[0]));
	workload_cgroup(v2, "plain", f->cg[1], sizeof(f->cg[1]));
	workload_start(&f->w[0], f->cg[0], "round", 3, 42, false);
	workload_start(&f->w[1], f->cg[1], "plain", 3, 43, false);

	probe_cgroup(f->cg[0], &o, &r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	printf("round: %s\n", buf);
	assert_int_equal(r.nthreads, 4);
	assert_int_equal(r.n_looked, 4);
	/* every worker changes modes every few microseconds: 10 looks see more than one (a
	 * worker showing one mode 10 times has odds of 4^-9) */
	assert_int_equal(r.n_changed, 3);
	assert_int_equal(r.n_nondefault, 3);
	/* a quarter of the time in round-toward-zero: each worker misses it in 10 looks with
	 * odds of (3/4)^10, all three together (3/4)^30 */
	assert_true(r.n_toward_zero >= 1);
	assert_int_equal(main_thread(&r, f->w[0].pid)->modes_seen, 1u << CJD_FP_ROUND_NEAREST);
	assert_int_equal(r.n_ftz, 0);
	assert_int_equal(r.npauses, 40);
	cjd_fpstate_result_free(&r);

	probe_cgroup(f->cg[1], &o, &r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	printf("plain: %s (pause median %llu ns, max %llu ns)\n", buf,
	       (unsigned long long)r.pause_median_ns, (unsigned long long)r.pause_max_ns);
	assert_int_equal(r.n_looked, 4);
	assert_int_equal(r.n_changed, 0);
	assert_int_equal(r.n_nondefault, 0);
	assert_int_equal(r.n_ftz, 0);
	assert_int_equal(r.n_daz, 0);
	assert_int_equal(r.n_skipped, 0);
	cjd_fpstate_result_free(&r);

	/* still running, nothing traced, and they end with their own exit codes */
	for (int i = 0; i < 2; i++) {
		workload_assert_released(f->w[i].pid, false);
		before = workload_cpu_ticks(f->w[i].pid);
		usleep(200 * 1000);
		assert_true(workload_cpu_ticks(f->w[i].pid) > before);
		workload_finish(&f->w[i]);
	}
}

/* Interval arithmetic switches between rounding down and up: a changed mode, never toward
 * zero, and the words say what that looks like. */
static void test_interval_arithmetic(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 10, .interval_ns = 20 * 1000 * 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	char buf[1024];

	workload_start(&f->w[0], NULL, "updown", 2, 54, false);
	assert_int_equal(cjd_fpstate_run(&f->w[0].pid, 1, &o, &r, &err), 0);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	printf("updown: %s\n", buf);
	assert_int_equal(r.n_changed, 2);
	assert_int_equal(r.n_toward_zero, 0);
	assert_non_null(strstr(buf, "interval arithmetic does this"));
	cjd_fpstate_result_free(&r);
	workload_assert_released(f->w[0].pid, false);
	workload_finish(&f->w[0]);
}

/* The real thing: RandomX (Debian's librandomx, light mode) hashing on two threads. */
static void test_randomx(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 10, .interval_ns = 30 * 1000 * 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	char buf[1024];

	workload_cgroup(v2, "randomx", f->cg[0], sizeof(f->cg[0]));
	workload_start_randomx(&f->w[0], f->cg[0], 2, 50);
	probe_cgroup(f->cg[0], &o, &r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	printf("randomx: %s\n", buf);
	assert_int_equal(r.n_looked, 3);
	/* the two hashing threads; the main thread waits in read() at the default */
	assert_int_equal(r.n_changed, 2);
	assert_int_equal(main_thread(&r, f->w[0].pid)->modes_seen, 1u << CJD_FP_ROUND_NEAREST);
	cjd_fpstate_result_free(&r);
	workload_assert_released(f->w[0].pid, false);
	workload_finish(&f->w[0]);
}

/* FTZ/DAZ set by the program itself, and by -ffast-math start-up code, against none. */
static void test_ftz_daz(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 3, .interval_ns = 20 * 1000 * 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	char buf[1024];

	workload_cgroup(v2, "ftz", f->cg[0], sizeof(f->cg[0]));
	workload_cgroup(v2, "fastmath", f->cg[1], sizeof(f->cg[1]));
	workload_start(&f->w[0], f->cg[0], "ftz", 2, 44, false);
	workload_start(&f->w[1], f->cg[1], "plain", 2, 45, true);
	for (int i = 0; i < 2; i++) {
		probe_cgroup(f->cg[i], &o, &r);
		cjd_fpstate_describe(&r, buf, sizeof(buf));
		printf("%s: %s\n", i ? "fast-math" : "ftz", buf);
		assert_int_equal(r.n_looked, 3);
		assert_int_equal(r.n_ftz, 3); /* set before the workers start: they inherit it */
#if defined(__x86_64__)
		assert_int_equal(r.n_daz, 3);
#endif
		assert_int_equal(r.n_changed, 0);
		assert_non_null(strstr(buf, "3 of 3 set flush-to-zero"));
		cjd_fpstate_result_free(&r);
		workload_assert_released(f->w[i].pid, false);
		workload_finish(&f->w[i]);
	}
}

/* A debugger already holds one thread: skipped and named, the others looked at. */
static void test_already_traced(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 2, .interval_ns = 10 * 1000 * 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	pid_t *tids, victim;
	int n, status;
	char want[64];

	workload_start(&f->w[0], NULL, "plain", 2, 46, false);
	n = cjd_target_list_tids(f->w[0].pid, NULL, &tids);
	assert_int_equal(n, 3);
	victim = tids[1];
	free(tids);
	assert_int_equal(ptrace(PTRACE_SEIZE, victim, NULL, NULL), 0);
	assert_int_equal(cjd_fpstate_run(&f->w[0].pid, 1, &o, &r, &err), 0);
	assert_int_equal(r.n_traced, 1);
	assert_int_equal(r.n_looked, 2);
	for (size_t i = 0; i < r.nthreads; i++)
		if (r.threads[i].tid == victim) {
			assert_int_equal(r.threads[i].traced_by, getpid());
			snprintf(want, sizeof(want), "already traced by PID %d (", (int)getpid());
			assert_non_null(strstr(r.threads[i].why, want));
			assert_int_equal(r.threads[i].looks, 0);
		}
	cjd_fpstate_result_free(&r);
	/* our own hold is still ours, untouched: let it go the proper way */
	assert_int_equal(ptrace(PTRACE_INTERRUPT, victim, NULL, NULL), 0);
	assert_int_equal(waitpid(victim, &status, __WALL), victim);
	assert_int_equal(ptrace(PTRACE_DETACH, victim, NULL, NULL), 0);
	workload_assert_released(f->w[0].pid, false);
	workload_finish(&f->w[0]);
}

/* A thread in uninterruptible sleep (a vfork parent) does not stop: given up on, released,
 * and it carries on undisturbed when it wakes. */
static void test_will_not_stop(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 3, .interval_ns = 20 * 1000 * 1000,
				     .max_pause_ns = 5 * 1000 * 1000};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	const struct cjd_fpstate_thread *m;

	workload_start(&f->w[0], NULL, "vfork", 1, 47, false);
	usleep(50 * 1000); /* the main thread is in vfork() for 2 s from now */
	assert_int_equal(cjd_fpstate_run(&f->w[0].pid, 1, &o, &r, &err), 0);
	m = main_thread(&r, f->w[0].pid);
	printf("vfork parent: %s\n", m->why);
	assert_int_equal(m->gave_up, 1); /* asleep: never tried again */
	assert_true(m->asleep);
	assert_int_equal(m->looks, 0);
	assert_non_null(strstr(m->why, "did not stop within 5 ms (state D)"));
	/* the busy worker was tried every round, by fresh tracers; on a loaded host it may
	 * itself wait more than 5 ms for a CPU now and then ('R': given up, tried again) */
	assert_int_equal(r.nthreads, 2);
	for (size_t i = 0; i < r.nthreads; i++)
		if (r.threads[i].tid != f->w[0].pid) {
			assert_int_equal(r.threads[i].looks + r.threads[i].gave_up, 3);
			assert_false(r.threads[i].asleep);
		}
	cjd_fpstate_result_free(&r);
	workload_assert_released(f->w[0].pid, false);
	sleep(2); /* the vfork child exits; the parent must run on, not stop for us */
	workload_assert_released(f->w[0].pid, false);
	workload_finish(&f->w[0]);
}

/* Threads that appear and exit all the time, looked at back to back. */
static void test_churn(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 20, .interval_ns = 5 * 1000 * 1000};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	size_t exited = 0;

	workload_cgroup(v2, "churn", f->cg[0], sizeof(f->cg[0]));
	workload_start(&f->w[0], f->cg[0], "churn", 2, 48, false);
	for (int k = 0; k < 5; k++) {
		assert_int_equal(cjd_fpstate_run(&f->w[0].pid, 1, &o, &r, &err), 0);
		for (size_t i = 0; i < r.nthreads; i++)
			exited += r.threads[i].exited;
		assert_true(r.n_looked >= 3);
		cjd_fpstate_result_free(&r);
		workload_assert_released(f->w[0].pid, false);
	}
	printf("churn: %zu threads exited while the probe was at them\n", exited);
	workload_finish(&f->w[0]);
}

/* Signals that arrive while a thread is held are handed on (a timer at 10 kHz: many looks
 * catch one in delivery); the program's handler keeps running and nothing dies of them. */
static void test_signals_in_delivery(void **state)
{
	struct fx *f = *state;
	struct cjd_fpstate_opts o = {.rounds = 64, .interval_ns = 1000,
				     .max_pause_ns = 500 * 1000 * 1000};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	unsigned signals = 0;

	workload_start(&f->w[0], NULL, "timer", 2, 52, false);
	/* about one look in a hundred catches one: a few runs are plenty */
	for (int k = 0; k < 30 && signals < 3; k++) {
		assert_int_equal(cjd_fpstate_run(&f->w[0].pid, 1, &o, &r, &err), 0);
		for (size_t i = 0; i < r.nthreads; i++)
			signals += r.threads[i].signals;
		assert_int_equal(r.n_looked, 3);
		cjd_fpstate_result_free(&r);
		workload_assert_released(f->w[0].pid, false);
	}
	printf("timer: %u looks caught a SIGALRM in delivery and passed it on\n", signals);
	assert_true(signals > 0);
	workload_finish(&f->w[0]);
}

/* Runs `cjd inspect --pid PID --probes fpstate ...` to completion; returns its JSON. */
static json_t *inspect(pid_t pid, const char *rounds, const char *duration, void (*during)(pid_t))
{
	char spid[16], out[] = "/tmp/cjd-ev-fp-inspect-XXXXXX";
	int fd = mkstemp(out), status;
	json_error_t jerr;
	json_t *j;
	pid_t c;

	assert_true(fd >= 0);
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		dup2(fd, 1);
		/* a generous pause cap: a stopped process's threads must get a CPU to move to
		 * the ptrace-stop, which on a loaded host takes a while */
		execl(getenv("CJD_BIN"), "cjd", "inspect", "--pid", spid, "--probes", "fpstate",
		      "--rounds", rounds, "--duration", duration, "--max-pause", "1s", "--json",
		      (char *)NULL);
		_exit(127);
	}
	if (during)
		during(pid);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	j = json_load_file(out, 0, &jerr);
	unlink(out);
	close(fd);
	if (!j)
		fail_msg("cjd inspect output: %s", jerr.text);
	return j;
}

/* Sums a per-thread counter of the fpstate JSON. */
static long sum_threads(const json_t *j, const char *key)
{
	json_t *t, *threads = json_object_get(json_object_get(j, "fpstate"), "threads");
	size_t i;
	long n = 0;

	json_array_foreach(threads, i, t) n += (long)json_integer_value(json_object_get(t, key));
	return n;
}

static void stop_midway(pid_t pid)
{
	usleep(150 * 1000);
	assert_int_equal(kill(pid, SIGSTOP), 0);
}

static void stop_and_continue_midway(pid_t pid)
{
	usleep(100 * 1000);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	usleep(100 * 1000);
	assert_int_equal(kill(pid, SIGCONT), 0);
}

/*
 * Every thread of pid is group-stopped ('T') and none is traced. A thread
 * the probe detached during the group-stop goes back into it by itself (the
 * kernel re-arms the stop at detach), but it must get a CPU to do so and is
 * runnable ('R') until then - without running any of its own code. On a
 * loaded host that takes a while: up to 5 s are allowed; a thread left
 * running for good would fail.
 */
static void assert_all_stopped(pid_t pid)
{
	int traced, tstopped, stopped, n = 0;

	for (int i = 0; i < 500; i++) {
		n = workload_scan(pid, &traced, &tstopped, &stopped);
		assert_int_equal(traced, 0);
		assert_int_equal(tstopped, 0);
		if (stopped == n)
			return;
		usleep(10 * 1000);
	}
	fail_msg("%d of %d threads of %d are not group-stopped", n - stopped, n, (int)pid);
}

/* The parent must see the stop (WUNTRACED), and the whole process must be stopped. */
static void assert_stopped_for_parent(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, WUNTRACED | WNOHANG), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(WSTOPSIG(status), SIGSTOP);
	assert_all_stopped(pid);
}

static void resume(pid_t pid)
{
	int status;

	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(waitpid(pid, &status, WCONTINUED), pid);
	assert_true(WIFCONTINUED(status));
	usleep(50 * 1000);
	workload_assert_released(pid, false);
}

/* SIGSTOP and SIGCONT sent by someone else while the probe runs keep their meaning. */
static void test_group_stop(void **state)
{
	struct fx *f = *state;
	unsigned long long before;
	json_t *j;
	int status;

	workload_start(&f->w[0], NULL, "plain", 2, 49, false);

	/* stopped in the middle of the probe: stays stopped, and its parent is told */
	j = inspect(f->w[0].pid, "30", "600ms", stop_midway);
	printf("stopped midway: %ld looks found a group-stop, %ld a signal in delivery\n",
	       sum_threads(j, "group_stops"), sum_threads(j, "signals_passed_on"));
	/* the looks after the stop found the threads group-stopped, and let them be */
	assert_true(sum_threads(j, "group_stops") > 0);
	json_decref(j);
	assert_stopped_for_parent(f->w[0].pid);
	resume(f->w[0].pid);

	/* already stopped when the probe starts: looked at, left stopped, nobody told twice */
	assert_int_equal(kill(f->w[0].pid, SIGSTOP), 0);
	assert_int_equal(waitpid(f->w[0].pid, &status, WUNTRACED), f->w[0].pid);
	assert_true(WIFSTOPPED(status));
	j = inspect(f->w[0].pid, "3", "100ms", NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "fpstate"),
							     "threads_looked")),
			 3);
	assert_int_equal(sum_threads(j, "group_stops"), 9);
	json_decref(j);
	assert_all_stopped(f->w[0].pid);
	/* no second stop report for the parent: the stop was reported once already */
	assert_int_equal(waitpid(f->w[0].pid, &status, WUNTRACED | WNOHANG), 0);
	resume(f->w[0].pid);

	/* stopped and continued during the probe: running at the end */
	j = inspect(f->w[0].pid, "30", "600ms", stop_and_continue_midway);
	printf("stopped and continued midway: %ld looks found a group-stop, %ld a signal in "
	       "delivery\n",
	       sum_threads(j, "group_stops"), sum_threads(j, "signals_passed_on"));
	json_decref(j);
	usleep(50 * 1000);
	workload_assert_released(f->w[0].pid, false);
	before = workload_cpu_ticks(f->w[0].pid);
	usleep(200 * 1000);
	assert_true(workload_cpu_ticks(f->w[0].pid) > before);
	workload_finish(&f->w[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_vs_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_randomx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ftz_daz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_traced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_will_not_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_in_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_stop, setup, teardown),
	};
	return workload_main("test_fpstate_kernel", tests, sizeof(tests) / sizeof(tests[0]), v2, sizeof(v2));
}
