/* The agent's one health rule (watchdog and /healthz): which part stalled, for how long, and clocks read out of order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cjd/daemon/health.h"

#define S 1000000000ull

static void test_health_rule(void **state)
{
	(void)state;
	char why[160];
	/* 1 s interval: the collector may be silent 2 intervals plus 1 s */
	struct cjd_health_input in = {.collector_now_ns = 100 * S, .last_tick_ns = 97 * S,
				      .interval_ns = S, .mono_now_ns = 500 * S,
				      .housekeeping_mono_ns = 495 * S};

	assert_true(cjd_health_check(&in, why, sizeof(why)));
	in.last_tick_ns = 97 * S - 1;
	assert_false(cjd_health_check(&in, why, sizeof(why)));
	assert_string_equal(why, "the collector took no sample for 3.0s");
	in.last_tick_ns = 99 * S;
	in.housekeeping_mono_ns = 495 * S - 1;
	assert_false(cjd_health_check(&in, why, sizeof(why)));
	assert_string_equal(why, "the publisher's housekeeping has not run for 5.0s");
	/* a stamp newer than the reader's clock (another thread stored it meanwhile) is progress */
	in.housekeeping_mono_ns = 501 * S;
	in.last_tick_ns = 101 * S;
	assert_true(cjd_health_check(&in, why, sizeof(why)));
	/* 200 ms interval: 1.4 s of silence is the limit */
	in = (struct cjd_health_input){.collector_now_ns = 10 * S, .last_tick_ns = 10 * S - 1400000000ull,
				       .interval_ns = 200000000ull, .mono_now_ns = 1, .housekeeping_mono_ns = 1};
	assert_true(cjd_health_check(&in, why, sizeof(why)));
	in.last_tick_ns--;
	assert_false(cjd_health_check(&in, why, sizeof(why)));
	assert_string_equal(why, "the collector took no sample for 1.4s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_health_rule)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
