/* The alert state machine on hand-built score sequences: firing, flapping, hysteresis, ongoing, gaps, gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "alert_state_internal.h"

#define SEC 1000000000ull

static const struct cjd_alert_params P = {
	.threshold = 0.8f,
	.threshold_low = 0.5f,
	.fire_windows = 3,
	.resolve_windows = 3,
	.ongoing_ns = 60 * SEC,
};

/* Sample time of the next window: one window a second, continuing across
 * run() calls within a test, from 0 at the start of each test. */
static uint64_t t_next;

static int reset_clock(void **state)
{
	(void)state;
	t_next = 0;
	return 0;
}

/* Runs scores and writes the steps as a string: '.' none, 'F' firing,
 * 'O' ongoing, 'R' resolved. */
static void run(struct cjd_alert_state *s, const struct cjd_alert_params *p, const float *scores,
		size_t n, char *out)
{
	static const char code[] = {'.', 'F', 'O', 'R'};

	for (size_t i = 0; i < n; i++, t_next += SEC)
		out[i] = code[cjd_alert_state_step(s, p, scores[i], t_next, 1.0)];
	out[n] = '\0';
}

#define RUN(s, scores, out) run(s, &P, scores, sizeof(scores) / sizeof(scores[0]), out)

static void test_fires_after_k(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float sc[] = {0.1f, 0.9f, 0.9f, 0.9f, 0.9f};
	char out[16];

	RUN(&s, sc, out);
	assert_string_equal(out, "...F.");
	assert_int_equal(s.state, CJD_AS_FIRING);
	assert_int_equal(s.fired_t_ns, 3 * SEC);
	assert_int_equal(s.windows, 4);
	assert_int_equal(s.windows_flagged, 4);
	assert_int_equal(s.alerts_fired, 1);
	/* CPU time counts from the firing window on: windows at t=3 and t=4. */
	assert_true(s.cpu_seconds == 2.0);
}

static void test_threshold_is_inclusive(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float sc[] = {0.8f, 0.8f, 0.8f};
	char out[8];

	RUN(&s, sc, out);
	assert_string_equal(out, "..F");
}

static void test_flapping_never_fires(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float sc[] = {0.9f, 0.9f, 0.7f, 0.9f, 0.9f, 0.1f, 0.9f, 0.95f, 0.79f, 0.9f, 0.9f};
	char out[16];

	RUN(&s, sc, out);
	assert_string_equal(out, "...........");
	assert_int_equal(s.state, CJD_AS_SUSPECT);
	assert_int_equal(s.alerts_fired, 0);
}

static void test_hysteresis_and_resolve(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	/* fire; hover between the thresholds (holds); two lows, one mid (resets), three lows */
	const float sc[] = {0.9f, 0.9f, 0.9f, 0.6f, 0.7f, 0.6f, 0.6f, 0.4f,
			    0.4f, 0.6f, 0.4f, 0.3f, 0.2f, 0.1f};
	char out[20];

	RUN(&s, sc, out);
	assert_string_equal(out, "..F.........R.");
	assert_int_equal(s.state, CJD_AS_RESOLVED);
	/* A resolved cgroup can fire again. */
	const float again[] = {0.9f, 0.9f, 0.9f};
	RUN(&s, again, out);
	assert_string_equal(out, "..F");
	assert_int_equal(s.alerts_fired, 2);
}

static void test_suspect_falls_back_to_resolved(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float sc[] = {0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f, 0.9f, 0.1f};
	char out[16];

	RUN(&s, sc, out);
	assert_string_equal(out, "..F..R..");
	assert_int_equal(s.state, CJD_AS_RESOLVED);
}

static void test_ongoing_every_t(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	float sc[200];
	char out[201];

	for (size_t i = 0; i < 200; i++)
		sc[i] = 0.95f;
	run(&s, &P, sc, 200, out);
	/* fires at t=2 s; ongoing at 62, 122, 182 s of sample time */
	for (size_t i = 0; i < 200; i++) {
		char want = i == 2 ? 'F' : (i == 62 || i == 122 || i == 182) ? 'O' : '.';
		if (out[i] != want)
			fail_msg("window %zu: '%c', expected '%c'", i, out[i], want);
	}
	assert_true(s.cpu_seconds == 198.0);
	assert_int_equal(s.last_emit_t_ns, 182 * SEC);
}

static void test_gap_restarts_suspect_run(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float a[] = {0.9f, 0.9f}, b[] = {0.9f, 0.9f, 0.9f};
	char out[8];

	RUN(&s, a, out);
	assert_string_equal(out, "..");
	cjd_alert_state_gap(&s);
	RUN(&s, b, out);
	assert_string_equal(out, "..F");
	/* While firing a gap interrupts the resolve count but not the alert. */
	const float lows[] = {0.1f, 0.1f};
	RUN(&s, lows, out);
	cjd_alert_state_gap(&s);
	assert_int_equal(s.state, CJD_AS_FIRING);
	const float more[] = {0.1f, 0.1f, 0.1f};
	RUN(&s, more, out);
	assert_string_equal(out, "..R");
}

static void test_gone(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float fire[] = {0.9f, 0.9f, 0.9f}, two[] = {0.9f, 0.9f};
	char out[8];

	RUN(&s, fire, out);
	cjd_alert_state_charge(&s, 5.0);
	assert_true(s.cpu_seconds == 6.0);
	assert_true(cjd_alert_state_gone(&s));
	assert_int_equal(s.state, CJD_AS_IDLE);
	/* Suspect or idle cgroups vanish quietly. */
	RUN(&s, two, out);
	assert_false(cjd_alert_state_gone(&s));
	assert_false(cjd_alert_state_gone(&s));
}

static void test_allowlisted_never_fires(void **state)
{
	(void)state;
	struct cjd_alert_state s = {.allowlisted = true};
	float sc[100];
	char out[101];

	for (size_t i = 0; i < 100; i++)
		sc[i] = 1.0f;
	run(&s, &P, sc, 100, out);
	assert_null(strpbrk(out, "FOR"));
	assert_int_equal(s.state, CJD_AS_IDLE);
	assert_false(cjd_alert_state_gone(&s));
	assert_true(s.allowlisted);
}

static void test_k_one(void **state)
{
	(void)state;
	struct cjd_alert_params p = P;
	struct cjd_alert_state s = {0};
	const float sc[] = {0.9f, 0.1f, 0.1f, 0.1f};
	char out[8];

	p.fire_windows = 1;
	p.resolve_windows = 1;
	run(&s, &p, sc, 4, out);
	assert_string_equal(out, "FR..");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fires_after_k, reset_clock),
		cmocka_unit_test_setup(test_threshold_is_inclusive, reset_clock),
		cmocka_unit_test_setup(test_flapping_never_fires, reset_clock),
		cmocka_unit_test_setup(test_hysteresis_and_resolve, reset_clock),
		cmocka_unit_test_setup(test_suspect_falls_back_to_resolved, reset_clock),
		cmocka_unit_test_setup(test_ongoing_every_t, reset_clock),
		cmocka_unit_test_setup(test_gap_restarts_suspect_run, reset_clock),
		cmocka_unit_test_setup(test_gone, reset_clock),
		cmocka_unit_test_setup(test_allowlisted_never_fires, reset_clock),
		cmocka_unit_test_setup(test_k_one, reset_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
