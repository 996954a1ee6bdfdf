/* Tests that dropping privileges leaves exactly the perf capability (and DAC override with actions). */
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

/* Drops in a child so the test process keeps its own capabilities. */
static uint64_t drop_in_child(int actions)
{
	int p[2];
	uint64_t got = ~0ull;
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char why[160];
		uint64_t m = ~0ull;
		if (cjd_privs_drop(actions, why, sizeof(why)) == 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
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
	assert_true(drop_in_child(0) == perf);
	assert_true(drop_in_child(1) == (perf | (1ull << CAP_DAC_OVERRIDE)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_drop)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
