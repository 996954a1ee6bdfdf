/* Unit tests for the simulated PMU: callgrind dump parsing, wait classification, cycle model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/simpmu/simpmu_dump.h"
#include "cjd/simpmu/simpmu_model.h"

/* A dump in callgrind's format, shaped like those valgrind 3.19 writes with
 * --collect-systime=nsec --dump-instr=no. It exercises: compressed names
 * defined in cfn= and used in fn=, an inclusive cost after calls= inside a
 * wait function (must not count), waits under a glibc-internal name
 * (__GI___poll), wait4 (a child: not a wait on a timer), sysCpuTime > sysTime
 * (no negative wait) and a "negative" (wrapped) sysTime. */
static const char dump_ok[] =
    "# callgrind format\n"
    "version: 1\n"
    "creator: callgrind-3.19.0\n"
    "pid: 42\n"
    "cmd:  ./x 1 2\n"
    "part: 2\n"
    "\n"
    "desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
    "desc: Trigger: --dump-every-bb=1000\n"
    "\n"
    "positions: line\n"
    "event: sysTime : sysTime (elapsed ns)\n"
    "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim sysCount sysTime sysCpuTime\n"
    "summary: 1000 100 50 4 6 2 1 2 1 201 10 5 1 3 11000500 300700\n"
    "\n"
    "\n"
    "ob=(1) /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "fl=(1) ./time/clock_nanosleep.c\n"
    "fn=(1) clock_nanosleep@@GLIBC_2.17\n"
    "34 5 0 0 0 0 0 0 0 0 1\n"
    "+2 0 0 0 0 0 0 0 0 0 0 0 0 0 1 2000000 300000\n"
    "cfn=(5) helper\n"
    "calls=1 0\n"
    "* 9 0 0 0 0 0 0 0 0 0 0 0 0 0 7777777 0\n"
    "\n"
    "fl=(2) main.c\n"
    "fn=(2) main\n"
    "0 900 100 50 4 6 2 1 2 1 200 10 5 1\n"
    "cfn=(1)\n"
    "calls=1 10\n"
    "0 5 0 0 0 0 0 0 0 0 1 0 0 0 1 2000000 300000\n"
    "cfl=(3) wait.c\n"
    "cfn=(3) wait4\n"
    "calls=1 0\n"
    "0 3 0 0 0 0 0 0 0 0 0 0 0 0 1 9000000 100\n"
    "\n"
    "fn=(3)\n"
    "* 3 0 0 0 0 0 0 0 0 0 0 0 0 1 9000000 100\n"
    "fn=(4) __GI___poll\n"
    "5 7 0 0 0 0 0 0 0 0 0 0 0 0 1 500 600\n"
    "+1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 18446744073709551000 0\n"
    "fn=(5)\n"
    "0 9\n"
    "\n"
    "totals: 1000 100 50 4 6 2 1 2 1 201 10 5 1 3 11000500 300700\n";

static char *write_tmp(const char *text, size_t len)
{
	char *path = strdup("/tmp/cjd-test-simpmu-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static int parse_text(const char *text, size_t len, struct cjd_simpmu_costs *c,
		      struct cjd_error *err)
{
	char *path = write_tmp(text, len);
	int rc = cjd_simpmu_parse_dump(path, c, err);

	unlink(path);
	free(path);
	return rc;
}

static void test_parse_totals_and_waits(void **state)
{
	struct cjd_simpmu_costs c;
	struct cjd_error err;

	(void)state;
	assert_int_equal(parse_text(dump_ok, strlen(dump_ok), &c, &err), 0);
	assert_int_equal(c.ir, 1000);
	assert_int_equal(c.bc, 201);
	assert_int_equal(c.bcm, 10);
	assert_int_equal(c.bi, 5);
	assert_int_equal(c.bim, 1);
	assert_int_equal(c.i1mr, 4);
	assert_int_equal(c.d1mr, 6);
	assert_int_equal(c.d1mw, 2);
	assert_int_equal(c.ilmr, 1);
	assert_int_equal(c.dlmr, 2);
	assert_int_equal(c.dlmw, 1);
	assert_int_equal(c.sys_count, 3);
	assert_int_equal(c.sys_ns, 11000500);
	/* Only clock_nanosleep's own blocked time: 2000000 - 300000. */
	assert_int_equal(c.wait_ns, 1700000);
	assert_int_equal(c.dumps, 1);
}

static void test_parse_incomplete(void **state)
{
	const char *cut = strstr(dump_ok, "totals:");
	struct cjd_simpmu_costs c;
	struct cjd_error err;

	(void)state;
	/* No totals line yet: still being written. */
	assert_int_equal(parse_text(dump_ok, (size_t)(cut - dump_ok), &c, &err), -EAGAIN);
	/* The totals line without its newline: still being written. */
	assert_int_equal(parse_text(dump_ok, strlen(dump_ok) - 1, &c, &err), -EAGAIN);
}

static void test_parse_errors(void **state)
{
	static const char no_branch[] = "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
					"totals: 1 2 3 4 5 6 7 8 9\n";
	static const char bad_ref[] =
	    "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim\n"
	    "fn=(7)\n"
	    "totals: 1\n";
	static const char bad_num[] =
	    "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim\n"
	    "totals: 1 x\n";
	struct cjd_simpmu_costs c;
	struct cjd_error err;

	(void)state;
	assert_int_equal(parse_text(no_branch, strlen(no_branch), &c, &err), -EINVAL);
	assert_non_null(strstr(err.text, "'Bc'"));
	assert_int_equal(err.line, 1);
	assert_int_equal(parse_text(bad_ref, strlen(bad_ref), &c, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(parse_text(bad_num, strlen(bad_num), &c, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(cjd_simpmu_parse_dump("/nonexistent/cjd-dump", &c, &err), -ENOENT);
}

static void test_wait_functions(void **state)
{
	(void)state;
	assert_true(cjd_simpmu_is_wait_function("clock_nanosleep@@GLIBC_2.17"));
	assert_true(cjd_simpmu_is_wait_function("nanosleep"));
	assert_true(cjd_simpmu_is_wait_function("__GI___poll"));
	assert_true(cjd_simpmu_is_wait_function("__libc_recv"));
	assert_true(cjd_simpmu_is_wait_function("epoll_wait"));
	assert_true(cjd_simpmu_is_wait_function("accept4"));
	assert_false(cjd_simpmu_is_wait_function("wait4"));
	assert_false(cjd_simpmu_is_wait_function("futex"));
	assert_false(cjd_simpmu_is_wait_function("syscall"));
	assert_false(cjd_simpmu_is_wait_function("read"));
	assert_false(cjd_simpmu_is_wait_function("nanosleeper"));
	assert_false(cjd_simpmu_is_wait_function(""));
	assert_false(cjd_simpmu_is_wait_function("0x000000000001ab70"));
}

static void test_cycle_model(void **state)
{
	struct cjd_simpmu_costs c = {.ir = 1000,
				     .bc = 201,
				     .bcm = 10,
				     .bi = 5,
				     .bim = 1,
				     .i1mr = 4,
				     .d1mr = 6,
				     .d1mw = 2,
				     .ilmr = 1,
				     .dlmr = 2,
				     .dlmw = 1,
				     .wait_ns = 1700000};
	struct cjd_simpmu_model m;
	struct cjd_sample s;

	(void)state;
	cjd_simpmu_model_default(&m);
	/* 1000*0.5 + (12-4)*10 + 3*80 + 1*20 + 11*15 = 500 + 80 + 240 + 20 + 165 */
	assert_int_equal(cjd_simpmu_cycles(&m, &c), 1005);
	cjd_sample_clear(&s);
	cjd_simpmu_fill_sample(&m, &c, &s);
	assert_int_equal(s.events, CJD_SIMPMU_EVENTS);
	assert_int_equal(s.count[CJD_EV_CYCLES], 1005);
	assert_int_equal(s.count[CJD_EV_INSTRUCTIONS], 1000);
	assert_int_equal(s.count[CJD_EV_BRANCHES], 206);
	assert_int_equal(s.count[CJD_EV_BRANCH_MISSES], 11);
	assert_int_equal(s.count[CJD_EV_CACHE_REFERENCES], 12);
	assert_int_equal(s.count[CJD_EV_CACHE_MISSES], 4);
	assert_int_equal(s.count[CJD_EV_L1D_LOAD_MISSES], 6);
	assert_int_equal(s.count[CJD_EV_LLC_LOAD_MISSES], 2);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 335); /* 1005 cycles / 3 GHz */
	assert_int_equal(s.dt_ns, 335 + 1700000);

	/* An empty interval still has a positive length. */
	memset(&c, 0, sizeof(c));
	cjd_simpmu_fill_sample(&m, &c, &s);
	assert_int_equal(s.dt_ns, 1);
}

static void test_costs_add(void **state)
{
	struct cjd_simpmu_costs a = {.ir = 1, .bc = 2, .wait_ns = 3, .dumps = 1};
	struct cjd_simpmu_costs b = {.ir = 10, .bc = 20, .wait_ns = 30, .dlmw = 4, .dumps = 1};

	(void)state;
	cjd_simpmu_costs_add(&a, &b);
	assert_int_equal(a.ir, 11);
	assert_int_equal(a.bc, 22);
	assert_int_equal(a.wait_ns, 33);
	assert_int_equal(a.dlmw, 4);
	assert_int_equal(a.dumps, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_totals_and_waits),
	    cmocka_unit_test(test_parse_incomplete),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_wait_functions),
	    cmocka_unit_test(test_cycle_model),
	    cmocka_unit_test(test_costs_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
