/* Unit tests for group read parsing, delta scaling and anchor normalisation: hostile inputs included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "internal.h"

static size_t put(unsigned char *b, uint64_t nr, uint64_t en, uint64_t run, const uint64_t *v,
		  size_t n)
{
	memcpy(b, &nr, 8);
	memcpy(b + 8, &en, 8);
	memcpy(b + 16, &run, 8);
	memcpy(b + 24, v, n * 8);
	return 24 + n * 8;
}

static void test_parse_good_and_unaligned(void **state)
{
	(void)state;
	unsigned char raw[256];
	uint64_t v[3] = {10, 20, 30};
	struct cjd_group_values out;

	/* Offset by one byte: the parser must not assume alignment. */
	size_t len = put(raw + 1, 3, 1000, 500, v, 3);
	assert_int_equal(cjd_groupread_parse(raw + 1, len, 3, &out), 0);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.enabled, 1000);
	assert_int_equal(out.running, 500);
	assert_int_equal(out.value[2], 30);
}

static void test_parse_never_trusts_nr(void **state)
{
	(void)state;
	unsigned char raw[256];
	uint64_t v[CJD_GROUP_MAX + 4] = {0};
	struct cjd_group_values out;
	size_t len = put(raw, 3, 1, 1, v, 3);

	assert_int_equal(cjd_groupread_parse(NULL, 0, 3, &out), -EPROTO);
	assert_int_equal(cjd_groupread_parse(raw, 23, 3, &out), -EPROTO);     /* no header */
	assert_int_equal(cjd_groupread_parse(raw, len - 1, 3, &out), -EPROTO); /* cut value */
	assert_int_equal(cjd_groupread_parse(raw, len, 2, &out), -EPROTO);     /* nr mismatch */
	/* A huge nr must not make the parser read past the buffer or overflow. */
	len = put(raw, UINT64_MAX, 1, 1, v, 3);
	assert_int_equal(cjd_groupread_parse(raw, len, 3, &out), -EPROTO);
	len = put(raw, (uint64_t)1 << 61, 1, 1, v, 3);
	assert_int_equal(cjd_groupread_parse(raw, len, 3, &out), -EPROTO);
	/* nr above the group maximum is refused even when the caller expects it. */
	len = put(raw, CJD_GROUP_MAX + 1, 1, 1, v, CJD_GROUP_MAX + 1);
	assert_int_equal(cjd_groupread_parse(raw, len, CJD_GROUP_MAX + 1, &out), -EPROTO);
	/* nr = 0 is a valid (empty) group only when expected. */
	len = put(raw, 0, 5, 5, v, 0);
	assert_int_equal(cjd_groupread_parse(raw, len, 0, &out), 0);
	assert_int_equal(out.n, 0);
}

static struct cjd_group_values gv(uint64_t en, uint64_t run, uint64_t a, uint64_t b)
{
	struct cjd_group_values g = {.enabled = en, .running = run, .n = 2, .value = {a, b}};
	return g;
}

static void test_delta_plain(void **state)
{
	(void)state;
	struct cjd_group_values p = gv(1000, 1000, 100, 7), c = gv(3000, 3000, 600, 9);
	struct cjd_group_delta d;

	cjd_groupread_delta(&p, &c, &d);
	assert_true(d.measured);
	assert_false(d.reset);
	assert_int_equal(d.enabled, 2000);
	assert_int_equal(d.running, 2000);
	assert_int_equal(d.raw[0], 500);
	assert_int_equal(d.scaled[0], 500);
	assert_int_equal(d.scaled[1], 2);
}

static void test_delta_multiplexed(void **state)
{
	(void)state;
	/* On the PMU a quarter of the time: deltas scale by 4. */
	struct cjd_group_values p = gv(1000, 500, 100, 10), c = gv(5000, 1500, 350, 35);
	struct cjd_group_delta d;

	cjd_groupread_delta(&p, &c, &d);
	assert_int_equal(d.enabled, 4000);
	assert_int_equal(d.running, 1000);
	assert_int_equal(d.scaled[0], 1000);
	assert_int_equal(d.scaled[1], 100);
	/* The first read has no previous one: the whole count since open. */
	cjd_groupread_delta(NULL, &c, &d);
	assert_int_equal(d.scaled[0], cjd_scale_count(350, 5000, 1500));
}

static void test_delta_running_zero(void **state)
{
	(void)state;
	struct cjd_group_values p = gv(1000, 1000, 100, 10), c = gv(2000, 1000, 100, 10);
	struct cjd_group_delta d;

	/* Enabled for 1000 ns, never on the PMU: counts are unknown, not zero. */
	cjd_groupread_delta(&p, &c, &d);
	assert_false(d.measured);
	assert_int_equal(d.scaled[0], 0);
	/* Neither enabled nor running (the cgroup did not run here): exact zeros. */
	c = p;
	cjd_groupread_delta(&p, &c, &d);
	assert_true(d.measured);
	assert_int_equal(d.enabled, 0);
	assert_int_equal(d.scaled[0], 0);
	/* Values that moved without any time: taken as they are, no division. */
	c = gv(1000, 1000, 150, 10);
	cjd_groupread_delta(&p, &c, &d);
	assert_int_equal(d.scaled[0], 50);
}

static void test_delta_running_above_enabled(void **state)
{
	(void)state;
	struct cjd_group_values p = gv(0, 0, 0, 0), c = gv(1000, 1003, 400, 4);
	struct cjd_group_delta d;

	cjd_groupread_delta(&p, &c, &d);
	assert_int_equal(d.running, 1000); /* clamped */
	assert_int_equal(d.scaled[0], 400); /* never scaled up */
}

static void test_delta_reset(void **state)
{
	(void)state;
	struct cjd_group_values p = gv(9000, 9000, 5000, 50), c = gv(1000, 1000, 300, 3);
	struct cjd_group_delta d;

	/* Time went backwards (re-open / reset): count from zero, never wrap. */
	cjd_groupread_delta(&p, &c, &d);
	assert_true(d.reset);
	assert_int_equal(d.raw[0], 300);
	assert_int_equal(d.scaled[1], 3);
	/* Only one value went backwards (PERF_EVENT_IOC_RESET on a member). */
	p = gv(1000, 1000, 5000, 50);
	c = gv(2000, 2000, 4000, 60);
	cjd_groupread_delta(&p, &c, &d);
	assert_true(d.reset);
	assert_int_equal(d.raw[0], 4000);
	assert_int_equal(d.raw[1], 60);
	/* A different member count is treated as a fresh counter too. */
	struct cjd_group_values three = {.enabled = 1, .running = 1, .n = 3, .value = {1, 2, 3}};
	cjd_groupread_delta(&p, &three, &d);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.raw[2], 3);
}

static void test_scale_overflow(void **state)
{
	(void)state;
	assert_int_equal(cjd_scale_count(UINT64_MAX, 10, 1), UINT64_MAX); /* saturates */
	assert_int_equal(cjd_scale_count(1ull << 62, 4, 2), 1ull << 63);   /* needs 128 bits */
	assert_int_equal(cjd_scale_count(7, 0, 0), 0);
	assert_int_equal(cjd_scale_count(7, UINT64_MAX, 0), 0);
	assert_int_equal(cjd_scale_count(7, 5, 9), 7);
	assert_int_equal(cjd_scale_count(0, UINT64_MAX, 1), 0);
}

/* A hardware-like plan: group 0 {instructions, cycles, branches, branch-misses},
 * group 1 {instructions, L1D}, group 2 {task-clock}. */
static void make_plan(struct cjd_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->mask = CJD_EVMASK(CJD_EV_INSTRUCTIONS) | CJD_EVMASK(CJD_EV_CYCLES) |
		  CJD_EVMASK(CJD_EV_BRANCHES) | CJD_EVMASK(CJD_EV_BRANCH_MISSES) |
		  CJD_EVMASK(CJD_EV_L1D_LOAD_MISSES) | CJD_EVMASK(CJD_EV_TASK_CLOCK);
	p->anchor = CJD_EV_INSTRUCTIONS;
	p->ngroups = 3;
	p->g[0] = (struct cjd_plan_group){.n = 4,
					  .ev = {CJD_EV_CYCLES, CJD_EV_INSTRUCTIONS, CJD_EV_BRANCHES,
						 CJD_EV_BRANCH_MISSES},
					  .anchor_pos = 1};
	p->g[1] = (struct cjd_plan_group){
		.n = 2, .ev = {CJD_EV_INSTRUCTIONS, CJD_EV_L1D_LOAD_MISSES}, .anchor_pos = 0};
	p->g[2] = (struct cjd_plan_group){.n = 1, .ev = {CJD_EV_TASK_CLOCK}, .anchor_pos = -1};
}

static void test_anchor_normalisation(void **state)
{
	(void)state;
	struct cjd_plan p;
	struct cjd_group_acc acc[3] = {0};
	struct cjd_sample s;

	make_plan(&p);
	/* Group 0 ran in a busy phase (IPC 2), group 1 in a quieter one: their
	 * scaled instruction counts disagree. */
	acc[0] = (struct cjd_group_acc){.enabled = 1000, .running = 600,
					.scaled = {500000, 1000000, 200000, 2000}};
	acc[1] = (struct cjd_group_acc){.enabled = 1000, .running = 400,
					.scaled = {600000, 30000}};
	acc[2] = (struct cjd_group_acc){.enabled = 1000, .running = 1000, .scaled = {999}};
	cjd_groups_to_sample(&p, acc, &s);

	assert_int_equal(s.events, p.mask);
	assert_true(s.has_running);
	/* Pooled anchor: (1e6 * 600 + 6e5 * 400) / 1000 */
	assert_int_equal(s.count[CJD_EV_INSTRUCTIONS], 840000);
	/* Each ratio against instructions equals the one measured inside its group. */
	double ipc = (double)s.count[CJD_EV_INSTRUCTIONS] / (double)s.count[CJD_EV_CYCLES];
	assert_true(fabs(ipc - 2.0) < 1e-5);
	double l1_pki = 1000.0 * (double)s.count[CJD_EV_L1D_LOAD_MISSES] /
			(double)s.count[CJD_EV_INSTRUCTIONS];
	assert_true(fabs(l1_pki - 50.0) < 1e-3);
	double bmr = (double)s.count[CJD_EV_BRANCH_MISSES] / (double)s.count[CJD_EV_BRANCHES];
	assert_true(fabs(bmr - 0.01) < 1e-6);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 999);
	assert_true(fabsf(s.running[CJD_EV_CYCLES] - 0.6f) < 1e-6f);
	assert_true(fabsf(s.running[CJD_EV_L1D_LOAD_MISSES] - 0.4f) < 1e-6f);
	assert_true(fabsf(s.running[CJD_EV_INSTRUCTIONS] - 0.5f) < 1e-6f);
	assert_true(s.running[CJD_EV_TASK_CLOCK] == 1.0f);
}

static void test_anchor_zero_and_unmeasured(void **state)
{
	(void)state;
	struct cjd_plan p;
	struct cjd_group_acc acc[3] = {0};
	struct cjd_sample s;

	make_plan(&p);
	/* Group 1 never ran: its anchor is 0, nothing divides by it. */
	acc[0] = (struct cjd_group_acc){.enabled = 1000, .running = 1000,
					.scaled = {10, 20, 5, 1}};
	acc[1] = (struct cjd_group_acc){.enabled = 1000, .running = 0, .scaled = {0, 0}};
	cjd_groups_to_sample(&p, acc, &s);
	assert_int_equal(s.count[CJD_EV_INSTRUCTIONS], 20);
	assert_int_equal(s.count[CJD_EV_L1D_LOAD_MISSES], 0);
	assert_true(s.running[CJD_EV_L1D_LOAD_MISSES] == 0.0f);
	assert_true(s.running[CJD_EV_TASK_CLOCK] == 1.0f); /* enabled 0: nothing missed */

	/* All zero, nothing ran: zeros everywhere, no NaN. */
	memset(acc, 0, sizeof(acc));
	cjd_groups_to_sample(&p, acc, &s);
	for (int i = 0; i < CJD_EV__COUNT; i++) {
		assert_int_equal(s.count[i], 0);
		assert_false(isnan(s.running[i]));
	}
	/* Huge counts saturate instead of wrapping. */
	acc[0] = (struct cjd_group_acc){.enabled = 10, .running = 10,
					.scaled = {UINT64_MAX, 1, UINT64_MAX, 1}};
	acc[1] = (struct cjd_group_acc){.enabled = 10, .running = 10,
					.scaled = {UINT64_MAX, UINT64_MAX}};
	cjd_groups_to_sample(&p, acc, &s);
	assert_true(s.count[CJD_EV_CYCLES] == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_and_unaligned),
		cmocka_unit_test(test_parse_never_trusts_nr),
		cmocka_unit_test(test_delta_plain),
		cmocka_unit_test(test_delta_multiplexed),
		cmocka_unit_test(test_delta_running_zero),
		cmocka_unit_test(test_delta_running_above_enabled),
		cmocka_unit_test(test_delta_reset),
		cmocka_unit_test(test_scale_overflow),
		cmocka_unit_test(test_anchor_normalisation),
		cmocka_unit_test(test_anchor_zero_and_unmeasured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
