/* Tests that dropping privileges leaves exactly the perf capability (and DAC override with actions, the probes' capabilities with evidence). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/common/caps.h"
#include "cjd/daemon/privs.h"

/* Drops in a child so the test process keeps its own capabilities. With
 * without_perfmon, the child first gives up CAP_PERFMON, as a container given
 * only SYS_ADMIN (Docker 20.10 knows no PERFMON). */
static uint64_t drop_in_child(int actions, int without_perfmon, int evidence)
{
	int p[2];
	uint64_t got = ~0ull;
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char why[160];
		uint64_t m = ~0ull;
		if (without_perfmon) {
			cap_t c = cap_get_proc();
			cap_value_t pm = CAP_PERFMON;
			if (!c || cap_set_flag(c, CAP_PERMITTED, 1, &pm, CAP_CLEAR) ||
			    cap_set_flag(c, CAP_EFFECTIVE, 1, &pm, CAP_CLEAR) || cap_set_proc(c))
				_exit(1);
			cap_free(c);
		}
		if (cjd_privs_drop(actions, evidence, why, sizeof(why)) == 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
			cjd_caps_effective(&m);
		if (write(p[1], &m, sizeof(m)) != sizeof(m))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &got, sizeof(got)), sizeof(got));
	close(p[0]);
	waitpid(pid, NULL, 0);
	return got;
}

static void test_drop(void **state)
{
	(void)state;
	uint64_t before;
	assert_int_equal(cjd_caps_effective(&before), 0);
	uint64_t perf = 1ull << cjd_privs_perf_cap();
	if ((before & perf) == 0) {
		print_message("skip: this process does not hold the perf capability to keep\n");
		skip();
	}
	assert_true(drop_in_child(0, 0, 0) == perf);
	assert_true(drop_in_child(1, 0, 0) == (perf | (1ull << CAP_DAC_OVERRIDE)));
}

/* Probes on: ptrace, SCHED_FIFO and setns are kept too; off (above): they go. */
static void test_drop_keeps_probe_caps(void **state)
{
	(void)state;
	uint64_t before, perf = 1ull << cjd_privs_perf_cap();
	uint64_t probes = (1ull << CAP_SYS_PTRACE) | (1ull << CAP_SYS_NICE) | (1ull << CAP_SYS_ADMIN);
	assert_int_equal(cjd_caps_effective(&before), 0);
	if ((before & (perf | probes)) != (perf | probes)) {
		print_message("skip: this process does not hold the capabilities to keep\n");
		skip();
	}
	assert_true(drop_in_child(0, 0, 1) == (perf | probes));
	assert_true(drop_in_child(1, 0, 1) == (perf | probes | (1ull << CAP_DAC_OVERRIDE)));
}

/* Granted SYS_ADMIN but not PERFMON: SYS_ADMIN is the perf capability to keep. */
static void test_drop_keeps_sys_admin(void **state)
{
	(void)state;
	uint64_t before, admin = 1ull << CAP_SYS_ADMIN;
	assert_int_equal(cjd_caps_effective(&before), 0);
	if (cjd_privs_perf_cap() != CAP_PERFMON) {
		print_message("skip: this kernel has no CAP_PERFMON\n");
		skip();
	}
	if ((before & admin) == 0) {
		print_message("skip: this process does not hold CAP_SYS_ADMIN\n");
		skip();
	}
	assert_true(drop_in_child(0, 1, 0) == admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_drop),
					   cmocka_unit_test(test_drop_keeps_sys_admin),
					   cmocka_unit_test(test_drop_keeps_probe_caps)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
