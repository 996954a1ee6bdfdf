/* Real kernel: `cjd inspect` SIGKILLed mid-probe, again and again, never leaves a thread of its target stopped or traced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "workload.h"

/*
 * The kernel releases a seized tracee when its tracer dies (exit_ptrace):
 * running on if it was running, resuming if it was in a ptrace-stop, with a
 * signal it held passed on. This proves it for cjd: KILLS times, cjd
 * inspect runs on a busy multi-threaded workload and is SIGKILLed at a
 * random moment; right after it is reaped, every thread of the workload must
 * have TracerPid 0 and must not be stopped, and at the end the workload
 * still exits with its own code. Half the runs look at the threads back to
 * back (--duration 0), so that many kills land while a thread is seized or
 * stopped; the other half use the default pacing (kills land anywhere).
 * CJD_KILL_SEED repeats a run. A second test makes the worst case certain:
 * cjd is frozen at random moments until it is caught holding a stopped
 * thread, then killed there.
 */

#define KILLS 50
#define FROZEN 10

static char v2[4096];

struct fx {
	struct workload w;
	char cg[4400];
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fx));
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	workload_kill(&f->w);
	if (f->cg[0])
		workload_cgroup_rm(f->cg);
	free(f);
	return 0;
}

static pid_t start_inspect(const char *cgroup, bool back_to_back)
{
	pid_t c = fork();

	assert_true(c >= 0);
	if (c == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(getenv("CJD_BIN"), "cjd", "inspect", cgroup, "--probes", "fpstate", "--rounds",
		      "64", "--duration", back_to_back ? "0" : "2s", "--json", (char *)NULL);
		_exit(127);
	}
	return c;
}

static void test_kill_at_random(void **state)
{
	struct fx *f = *state;
	const char *s = getenv("CJD_KILL_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	int caught_traced = 0, caught_stopped = 0;

	if (!seed)
		seed = 1;
	printf("CJD_KILL_SEED=%llu\n", (unsigned long long)seed);
	workload_cgroup(v2, "kill", f->cg, sizeof(f->cg));
	workload_start(&f->w, f->cg, "round", 16, 51, false);
	for (int i = 0; i < KILLS; i++) {
		bool back_to_back = i % 2 == 0;
		/* cjd needs a few ms to start; then up to 36 ms into back-to-back looks, or
		 * anywhere in the first 400 ms of a paced run */
		uint64_t delay_us = back_to_back ? 4000 + cjd_xorshift64(&seed) % 36000
						 : cjd_xorshift64(&seed) % 400000;
		int traced, tstopped, stopped, status;
		pid_t c = start_inspect(f->cg, back_to_back);

		usleep((useconds_t)delay_us);
		/* how often the kill lands on a seized or stopped thread (racy, for the record) */
		workload_scan(f->w.pid, &traced, &tstopped, &stopped);
		caught_traced += traced > 0;
		caught_stopped += tstopped > 0;
		assert_int_equal(kill(c, SIGKILL), 0);
		assert_int_equal(waitpid(c, &status, 0), c);
		if (!WIFSIGNALED(status))
			fail_msg("kill %d: cjd inspect ended before the kill (status %#x) - the "
				 "kill came too late to test anything",
				 i, status);
		/* no grace period: the tracer is gone, so its tracees are free now */
		workload_assert_released(f->w.pid, false);
	}
	printf("%d kills at random: %d landed with a thread seized, %d with one in a "
	       "ptrace-stop\n",
	       KILLS, caught_traced, caught_stopped);
	workload_finish(&f->w);
}

/*
 * The case that matters most, made certain instead of likely: cjd is frozen
 * (SIGSTOP) at random moments while it looks at threads back to back, until
 * it is caught holding one in a ptrace-stop; only then is it killed. The
 * thread must come out of the stop.
 */
static void test_kill_holding_a_stopped_thread(void **state)
{
	struct fx *f = *state;
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	int frozen = 0, runs = 0, freezes = 0;

	workload_cgroup(v2, "freeze", f->cg, sizeof(f->cg));
	workload_start(&f->w, f->cg, "round", 4, 53, false);
	while (frozen < FROZEN && runs++ < 100) {
		pid_t c = start_inspect(f->cg, true);
		int traced, tstopped, stopped, status;
		bool held = false;

		while (!held && waitpid(c, &status, WNOHANG) == 0) {
			usleep((useconds_t)(cjd_xorshift64(&seed) % 2000));
			if (kill(c, SIGSTOP) != 0)
				break;
			/* WUNTRACED returns once every thread of cjd has stopped (or it ended) */
			if (waitpid(c, &status, WUNTRACED) != c || !WIFSTOPPED(status)) {
				c = 0;
				break;
			}
			freezes++;
			workload_scan(f->w.pid, &traced, &tstopped, &stopped);
			held = tstopped > 0;
			if (!held) {
				kill(c, SIGCONT);
				waitpid(c, &status, WCONTINUED);
			}
		}
		if (c > 0 && kill(c, SIGKILL) == 0)
			waitpid(c, &status, 0);
		workload_assert_released(f->w.pid, false);
		frozen += held;
	}
	printf("%d kills of a cjd frozen while holding a thread in a ptrace-stop (%d runs, %d "
	       "freezes)\n",
	       frozen, runs, freezes);
	assert_int_equal(frozen, FROZEN);
	workload_finish(&f->w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_at_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_holding_a_stopped_thread, setup, teardown),
	};
	return workload_main("test_inspect_kill", tests, sizeof(tests) / sizeof(tests[0]), v2, sizeof(v2));
}
