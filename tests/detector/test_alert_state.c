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
		out[i] = code[cjd_alert_state_step(s, p, scores[i], t_next, SEC)];
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
	assert_int_equal(s.cpu_ns, 2 * SEC);
}

/* Mining-specific evidence fires a cgroup screening does not flag, and pins it: low scores do
 * not resolve it until the evidence goes; allowlisted cgroups are left alone. */
static void test_evidence_fires_and_pins(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	const float low[] = {0.1f, 0.1f, 0.1f, 0.1f};
	char out[16];

	RUN(&s, low, out);
	assert_string_equal(out, "....");
	assert_int_equal(cjd_alert_state_evidence(&s, true, t_next), CJD_STEP_FIRING);
	assert_int_equal(s.state, CJD_AS_FIRING);
	assert_true(s.by_evidence);
	assert_int_equal(s.alerts_fired, 1);
	/* already firing: no second firing */
	assert_int_equal(cjd_alert_state_evidence(&s, true, t_next), CJD_STEP_NONE);
	RUN(&s, low, out);
	assert_string_equal(out, "...."); /* pinned: no resolve */
	/* the evidence goes: scores decide again, R low windows resolve */
	assert_int_equal(cjd_alert_state_evidence(&s, false, t_next), CJD_STEP_NONE);
	RUN(&s, low, out);
	assert_string_equal(out, "..R.");
	/* a screening firing is not by evidence */
	const float high[] = {0.9f, 0.9f, 0.9f};
	struct cjd_alert_state h = {0};
	RUN(&h, high, out);
	assert_string_equal(out, "..F");
	assert_false(h.by_evidence);
	/* allowlisted: never */
	struct cjd_alert_state a = {.allowlisted = true};
	assert_int_equal(cjd_alert_state_evidence(&a, true, t_next), CJD_STEP_NONE);
	assert_int_equal(a.state, CJD_AS_IDLE);
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
	assert_int_equal(s.cpu_ns, 198 * SEC);
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
	cjd_alert_state_charge(&s, 5 * SEC);
	assert_int_equal(s.cpu_ns, 6 * SEC);
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

/*
 * Flap suppression. A benign two-process hashing benchmark once went
 * firing/resolved 16 times in 90 s: busy for a few seconds, idle for a few.
 * This sequence does the same (5 windows flagged, 4 low, every 9 s).
 */
static size_t count(const char *out, char c)
{
	size_t n = 0;
	for (; *out; out++)
		n += *out == c;
	return n;
}

static void flapping(float *sc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc[i] = i % 9 < 5 ? 0.95f : 0.1f;
}

static void test_flapping_without_holddown_pages_every_swing(void **state)
{
	(void)state;
	struct cjd_alert_state s = {0};
	float sc[90];
	char out[91];

	flapping(sc, 90);
	run(&s, &P, sc, 90, out); /* P: holddown 0 */
	assert_int_equal(count(out, 'F'), 10);
	assert_int_equal(count(out, 'R'), 10);
}

static void test_holddown_suppresses_flapping(void **state)
{
	(void)state;
	struct cjd_alert_params p = P;
	struct cjd_alert_state s = {0};
	float sc[90];
	char out[91];

	p.holddown_ns = 60 * SEC;
	flapping(sc, 90);
	run(&s, &p, sc, 90, out);
	/* fires at t=2, resolves at t=7; the swings starting at 9, 18, ... 54 are held; at
	 * t=67 (60 s after resolving) the run that started at 63 is still flagged and fires;
	 * it resolves at 70, and the two swings after that are held again */
	for (size_t i = 0; i < 90; i++) {
		char want = i == 2 || i == 67 ? 'F' : i == 7 || i == 70 ? 'R' : '.';
		if (out[i] != want)
			fail_msg("window %zu: '%c', expected '%c' (%s)", i, out[i], want, out);
	}
	assert_int_equal(s.alerts_fired, 2);
	assert_int_equal(s.held, 2); /* since the last resolve: the runs from 72 and 81 */
	assert_int_equal(s.state, CJD_AS_RESOLVED);
}

static void test_holddown_then_still_flagged_fires_at_once(void **state)
{
	(void)state;
	struct cjd_alert_params p = P;
	struct cjd_alert_state s = {0};
	const float fire[] = {0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f};
	float hot[40];
	char out[41];

	p.holddown_ns = 30 * SEC;
	RUN(&s, fire, out);
	assert_string_equal(out, "..F..R"); /* resolved at t=5 */
	for (size_t i = 0; i < 40; i++)
		hot[i] = 0.9f;
	run(&s, &p, hot, 40, out); /* t = 6..45: flagged throughout */
	/* held until t=35 (5 + 30), then it fires, with the whole run in its counts */
	for (size_t i = 0; i < 40; i++) {
		char want = i == 29 ? 'F' : '.';
		if (out[i] != want)
			fail_msg("window %zu (t=%zu): '%c', expected '%c'", i, i + 6, out[i], want);
	}
	assert_int_equal(s.fired_t_ns, 35 * SEC);
	assert_int_equal(s.windows, 40);
	assert_int_equal(s.held, 1);
	/* after it resolves the hold-down starts again, and the count with it */
	const float lows[] = {0.1f, 0.1f, 0.1f};
	RUN(&s, lows, out);
	assert_string_equal(out, "..R");
	assert_int_equal(s.held, 0);
}

static void test_holddown_forgotten_when_gone(void **state)
{
	(void)state;
	struct cjd_alert_params p = P;
	struct cjd_alert_state s = {0};
	const float cycle[] = {0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f}, fire[] = {0.9f, 0.9f, 0.9f};
	char out[8];

	p.holddown_ns = 300 * SEC;
	run(&s, &p, cycle, 6, out);
	assert_string_equal(out, "..F..R");
	/* a new cgroup at the same path (or a new trace) starts without a hold-down */
	assert_false(cjd_alert_state_gone(&s));
	run(&s, &p, fire, 3, out);
	assert_string_equal(out, "..F");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fires_after_k, reset_clock),
		cmocka_unit_test_setup(test_evidence_fires_and_pins, reset_clock),
		cmocka_unit_test_setup(test_threshold_is_inclusive, reset_clock),
		cmocka_unit_test_setup(test_flapping_never_fires, reset_clock),
		cmocka_unit_test_setup(test_hysteresis_and_resolve, reset_clock),
		cmocka_unit_test_setup(test_suspect_falls_back_to_resolved, reset_clock),
		cmocka_unit_test_setup(test_ongoing_every_t, reset_clock),
		cmocka_unit_test_setup(test_gap_restarts_suspect_run, reset_clock),
		cmocka_unit_test_setup(test_gone, reset_clock),
		cmocka_unit_test_setup(test_allowlisted_never_fires, reset_clock),
		cmocka_unit_test_setup(test_k_one, reset_clock),
		cmocka_unit_test_setup(test_flapping_without_holddown_pages_every_swing, reset_clock),
		cmocka_unit_test_setup(test_holddown_suppresses_flapping, reset_clock),
		cmocka_unit_test_setup(test_holddown_then_still_flagged_fires_at_once, reset_clock),
		cmocka_unit_test_setup(test_holddown_forgotten_when_gone, reset_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
