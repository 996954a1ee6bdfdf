/* publish/relay.c: what cjd_relay_run refuses before it forwards anything (forwarding: test_zmq_cli). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cjd/publish/relay.h"

static void test_refuses_configuration(void **state)
{
	(void)state;
	const char *in[] = {"tcp://127.0.0.1:1"};
	struct cjd_relay_config c = {.in = in, .n_in = 1, .out = "nonsense://x"};
	struct cjd_error err;

	/* an OUT that cannot be bound is the user's to fix */
	assert_int_equal(cjd_relay_run(&c, &err), -EINVAL);
	assert_non_null(strstr(err.text, "cannot bind OUT 'nonsense://x'"));
	c.out = "inproc://cjd-test-relay";
	c.curve_secret = "/nonexistent/relay.key";
	assert_int_equal(cjd_relay_run(&c, &err), -EINVAL);
	assert_non_null(strstr(err.text, "--curve-secret alone does nothing"));
	c.curve_clients = "/nonexistent/clients";
	assert_int_equal(cjd_relay_run(&c, &err), -EINVAL);
	assert_non_null(strstr(err.file, "/nonexistent/relay.key"));
	c.curve_secret = NULL;
	assert_int_equal(cjd_relay_run(&c, &err), -EINVAL);
	assert_non_null(strstr(err.text, "need --curve-secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_configuration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
