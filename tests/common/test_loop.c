/* Unit tests for the event loop: timers keep their cadence, fds and signals dispatch, removal is safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cjd/common/loop.h"

struct tick_state {
	int ticks;
	uint64_t missed;
	int stop_at;
	int id;
};

static void on_tick(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	struct tick_state *t = ctx;
	t->ticks++;
	t->missed += exp - 1;
	if (t->ticks == 2)
		usleep(35000); /* a slow callback: the next deadline must not move */
	if (t->ticks >= t->stop_at) {
		cjd_loop_del_timer(l, t->id);
		cjd_loop_stop(l);
	}
}

/* Counts ticks, not time: the assertion is about expirations the kernel reports,
 * which do not depend on how loaded the machine is. */
static void test_timer_counts_missed_ticks(void **state)
{
	(void)state;
	struct cjd_loop *l;
	struct tick_state t = {.stop_at = 5};
	assert_int_equal(cjd_loop_new(&l), 0);
	t.id = cjd_loop_add_timer(l, 10 * 1000 * 1000, on_tick, &t);
	assert_true(t.id >= 0);
	assert_int_equal(cjd_loop_run(l), 0);
	assert_int_equal(t.ticks, 5);
	/* the 35 ms sleep spans >= 3 periods of 10 ms: at least 2 expirations were folded */
	assert_true(t.missed >= 2);
	cjd_loop_free(l);
}

struct fd_state {
	int reads;
	int fd;
};

static void on_readable(struct cjd_loop *l, int fd, uint32_t events, void *ctx)
{
	struct fd_state *s = ctx;
	char c;
	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	s->reads++;
	cjd_loop_del_fd(l, fd);
	cjd_loop_stop(l);
}

static void test_fd_dispatch(void **state)
{
	(void)state;
	struct cjd_loop *l;
	struct fd_state s = {0};
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cjd_loop_new(&l), 0);
	assert_int_equal(cjd_loop_add_fd(l, p[0], EPOLLIN, on_readable, &s), 0);
	assert_int_equal(cjd_loop_add_fd(l, p[0], EPOLLIN, on_readable, &s), -EEXIST);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(cjd_loop_run(l), 0);
	assert_int_equal(s.reads, 1);
	assert_int_equal(cjd_loop_del_fd(l, p[0]), -ENOENT);
	cjd_loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void on_signal(struct cjd_loop *l, int signo, void *ctx)
{
	*(int *)ctx = signo;
	cjd_loop_stop(l);
}

static void test_signal_dispatch(void **state)
{
	(void)state;
	struct cjd_loop *l;
	int got = 0;
	assert_int_equal(cjd_loop_new(&l), 0);
	assert_int_equal(cjd_loop_add_signal(l, SIGUSR1, on_signal, &got), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(cjd_loop_run(l), 0);
	assert_int_equal(got, SIGUSR1);
	cjd_loop_free(l);
	cjd_loop_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_counts_missed_ticks),
		cmocka_unit_test(test_fd_dispatch),
		cmocka_unit_test(test_signal_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
