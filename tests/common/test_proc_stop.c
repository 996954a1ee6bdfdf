/* Stopping what a command leaves running: finding descendants that left the session, and the SIGTERM -> SIGKILL escalation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/proc_stop.h"
#include "cjd/common/time.h"

#define MS 1000000ull

/* A child that starts a daemon the way gpg starts gpg-agent: a new session (so its own
 * process group too), SIGTERM ignored; the child itself exits at once. The daemon's
 * pid comes back through a pipe. */
static pid_t start_daemon(void)
{
	int fds[2];
	pid_t daemon_pid = -1;

	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		if (fork() == 0) {
			/* ready only once it is what the test needs: its own session, TERM ignored */
			setsid();
			signal(SIGTERM, SIG_IGN);
			pid_t me = getpid();
			if (write(fds[1], &me, sizeof(me)) != (ssize_t)sizeof(me))
				_exit(2);
			close(fds[0]);
			close(fds[1]);
			for (;;)
				pause();
		}
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &daemon_pid, sizeof(daemon_pid)), (ssize_t)sizeof(daemon_pid));
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(child, &st, 0), child);
	return daemon_pid;
}

static bool alive(pid_t pid)
{
	/* reaps it if it died: we are its subreaper */
	int st;
	if (waitpid(pid, &st, WNOHANG) == pid)
		return false;
	return kill(pid, 0) == 0;
}

static int signal_mine(void *ctx, int sig)
{
	(void)ctx;
	return cjd_proc_signal_descendants(getpid(), sig);
}

static void test_daemon_outside_the_session_is_stopped(void **state)
{
	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t d = start_daemon();
	/* orphaned, re-parented to us, in a session of its own: kill(-pgid) would miss it */
	assert_true(getpgid(d) != getpgid(0));
	assert_int_equal(cjd_proc_signal_descendants(getpid(), 0), 1);

	struct cjd_stopper s;
	cjd_stopper_init(&s, "test", "the daemon", 200 * MS, signal_mine, NULL);
	uint64_t t0 = cjd_now_mono_ns();
	cjd_stopper_begin(&s, t0, "its parent exited");
	assert_true(cjd_stopper_started(&s));
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	assert_true(alive(d)); /* SIGTERM ignored */
	assert_false(cjd_stopper_poll(&s, t0 + 100 * MS)); /* grace not over */
	assert_true(cjd_stopper_poll(&s, t0 + 200 * MS));
	assert_true(cjd_stopper_killed(&s));
	int st;
	assert_int_equal(waitpid(d, &st, 0), d);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(cjd_proc_signal_descendants(getpid(), 0), 0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

struct fake {
	int sigs[8];
	int n;
	int procs;
};

static int fake_signal(void *ctx, int sig)
{
	struct fake *f = ctx;
	if (f->n < 8)
		f->sigs[f->n++] = sig;
	return f->procs;
}

static void test_escalation_happens_once(void **state)
{
	(void)state;
	struct fake f = {.procs = 2};
	struct cjd_stopper s;

	cjd_stopper_init(&s, "test", "fake", 0, fake_signal, &f);
	assert_true(s.grace_ns == CJD_STOP_GRACE_DEFAULT_NS); /* 0: the default */
	assert_false(cjd_stopper_poll(&s, 1000 * MS));       /* not started: nothing */
	cjd_stopper_begin(&s, 1000 * MS, NULL);
	cjd_stopper_begin(&s, 2000 * MS, "again");           /* once only */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.sigs[0], SIGTERM);
	assert_false(cjd_stopper_poll(&s, 1000 * MS + CJD_STOP_GRACE_DEFAULT_NS - 1));
	assert_true(cjd_stopper_poll(&s, 1000 * MS + CJD_STOP_GRACE_DEFAULT_NS));
	assert_false(cjd_stopper_poll(&s, 99999 * MS));
	assert_int_equal(f.n, 3);
	assert_int_equal(f.sigs[1], 0); /* counted first */
	assert_int_equal(f.sigs[2], SIGKILL);

	/* all gone before the grace ended: no SIGKILL at all */
	struct fake none = {.procs = 0};
	cjd_stopper_init(&s, "test", "fake", 0, fake_signal, &none);
	cjd_stopper_begin(&s, 1000 * MS, NULL);
	assert_true(cjd_stopper_poll(&s, 1000 * MS + CJD_STOP_GRACE_DEFAULT_NS));
	assert_int_equal(none.n, 2);
	assert_int_equal(none.sigs[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daemon_outside_the_session_is_stopped),
		cmocka_unit_test(test_escalation_happens_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
