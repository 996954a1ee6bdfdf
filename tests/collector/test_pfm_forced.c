/* libpfm4 with a forced PMU (Zen 4 or Ice Lake): registry and raw encodings, and the group split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/collector/pfm_encode.h"
#include "internal.h"

/*
 * Run by CTest with LIBPFM_FORCE_PMU=amd64_fam19h_zen4 or icl and
 * LIBPFM_ENCODE_INACTIVE=1 (see CMakeLists.txt); the expected codes are
 * the vendors' published event numbers (AMD PPR for family 19h, Intel SDM
 * volume 3B / perfmon event lists), not values read back from libpfm4.
 */
static const char *forced(void)
{
	const char *f = getenv("LIBPFM_FORCE_PMU");
	return f ? f : "";
}

static bool is_zen4(void)
{
	return strcmp(forced(), "amd64_fam19h_zen4") == 0;
}

static void expect(const char *enc, uint32_t type, uint64_t config)
{
	struct perf_event_attr a;
	char why[256];
	int rc = cjd_event_encode(enc, &a, why, sizeof(why));

	if (rc)
		fail_msg("%s: %s", enc, why);
	if (a.type != type || a.config != config)
		fail_msg("%s: type %u config %#llx, expected type %u config %#llx", enc, a.type,
			 (unsigned long long)a.config, type, (unsigned long long)config);
	/* counted at user and kernel level */
	assert_int_equal(a.exclude_user, 0);
	assert_int_equal(a.exclude_kernel, 0);
	assert_int_equal(a.size, sizeof(a));
}

static void test_forced_pmu_caps(void **state)
{
	(void)state;
	struct cjd_pmu_caps caps;

	assert_int_equal(cjd_pmu_caps_get(&caps), 0);
	assert_string_equal(caps.name, forced());
	if (is_zen4()) {
		assert_int_equal(caps.generic, 6); /* six core PMCs per thread */
		assert_int_equal(caps.fixed, 0);
	} else {
		assert_true(caps.fixed >= 3);                     /* INST, CYC, REF-CYC */
		assert_true(caps.generic == 4 || caps.generic == 8); /* SMT on / off */
	}
}

/* The registry's generic events: the kernel maps them to the CPU, so they
 * encode the same on every PMU. */
static void test_registry_hardware_encodings(void **state)
{
	(void)state;
	const struct {
		enum cjd_event ev;
		uint32_t type;
		uint64_t config;
	} want[] = {
		{CJD_EV_CYCLES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
		{CJD_EV_INSTRUCTIONS, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
		{CJD_EV_BRANCHES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
		{CJD_EV_BRANCH_MISSES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
		{CJD_EV_CACHE_REFERENCES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
		{CJD_EV_CACHE_MISSES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
		{CJD_EV_L1D_LOAD_MISSES, PERF_TYPE_HW_CACHE,
		 PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			 (PERF_COUNT_HW_CACHE_RESULT_MISS << 16)},
		{CJD_EV_LLC_LOAD_MISSES, PERF_TYPE_HW_CACHE,
		 PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			 (PERF_COUNT_HW_CACHE_RESULT_MISS << 16)},
		{CJD_EV_TASK_CLOCK, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
		{CJD_EV_CONTEXT_SWITCHES, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
		{CJD_EV_CPU_MIGRATIONS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
		{CJD_EV_PAGE_FAULTS, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		expect(cjd_event_info(want[i].ev)->encoding, want[i].type, want[i].config);
}

/* Raw, PMU-specific strings, usable as `--events NAME=STRING` overrides. */
static void test_raw_encodings(void **state)
{
	(void)state;
	if (is_zen4()) {
		expect("amd64_fam19h_zen4::RETIRED_INSTRUCTIONS", PERF_TYPE_RAW, 0xc0);
		expect("amd64_fam19h_zen4::CYCLES_NOT_IN_HALT", PERF_TYPE_RAW, 0x76);
		expect("amd64_fam19h_zen4::RETIRED_BRANCH_INSTRUCTIONS", PERF_TYPE_RAW, 0xc2);
		expect("amd64_fam19h_zen4::RETIRED_BRANCH_INSTRUCTIONS_MISPREDICTED", PERF_TYPE_RAW,
		       0xc3);
	} else {
		expect("icl::INST_RETIRED:ANY_P", PERF_TYPE_RAW, 0x00c0);
		expect("icl::CPU_CLK_UNHALTED:THREAD_P", PERF_TYPE_RAW, 0x003c);
		expect("icl::BR_INST_RETIRED:ALL_BRANCHES", PERF_TYPE_RAW, 0x00c4);
		expect("icl::BR_MISP_RETIRED:ALL_BRANCHES", PERF_TYPE_RAW, 0x00c5);
		expect("icl::MEM_LOAD_RETIRED:L3_MISS", PERF_TYPE_RAW, 0x20d1);
		expect("icl::L1D:REPLACEMENT", PERF_TYPE_RAW, 0x0151);
	}
	struct perf_event_attr a;
	char why[256];
	assert_int_equal(cjd_event_encode("nosuchpmu::NOSUCH", &a, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "nosuchpmu::NOSUCH"));
	assert_int_equal(cjd_event_encode("tracepoint:../x:id", &a, why, sizeof(why)), -EINVAL);
	assert_int_equal(cjd_event_encode("tracepoint:nosys", &a, why, sizeof(why)), -EINVAL);
}

/* ---- the group split ---- */

static bool together(const struct cjd_plan *p, enum cjd_event a, enum cjd_event b)
{
	for (unsigned g = 0; g < p->ngroups; g++) {
		bool ha = false, hb = false;
		for (unsigned k = 0; k < p->g[g].n; k++) {
			ha |= p->g[g].ev[k] == a;
			hb |= p->g[g].ev[k] == b;
		}
		if (ha && hb)
			return true;
	}
	return false;
}

static int cost_of(const struct cjd_plan_group *g, const struct cjd_pmu_caps *caps)
{
	int c = 0;
	for (unsigned k = 0; k < g->n; k++) {
		if (caps->fixed >= 2 && g->ev[k] == CJD_EV_INSTRUCTIONS)
			continue;
		if (caps->fixed >= 2 && g->ev[k] == CJD_EV_CYCLES && !caps->watchdog)
			continue;
		c++;
	}
	return c;
}

/* Every pair the detector divides shares a group; instructions is in every
 * hardware group; no group needs more counters than there are; every event
 * is somewhere. */
static void check_plan(const struct cjd_plan *p, const struct cjd_pmu_caps *caps,
		       cjd_event_mask mask)
{
	int capacity = caps->generic - (caps->watchdog && caps->fixed == 0 ? 1 : 0);
	cjd_event_mask seen = 0;

	assert_true(together(p, CJD_EV_CYCLES, CJD_EV_INSTRUCTIONS));
	assert_true(together(p, CJD_EV_BRANCHES, CJD_EV_BRANCH_MISSES));
	assert_true(together(p, CJD_EV_BRANCHES, CJD_EV_INSTRUCTIONS));
	assert_true(together(p, CJD_EV_CACHE_REFERENCES, CJD_EV_CACHE_MISSES));
	assert_true(together(p, CJD_EV_L1D_LOAD_MISSES, CJD_EV_INSTRUCTIONS));
	assert_true(together(p, CJD_EV_LLC_LOAD_MISSES, CJD_EV_INSTRUCTIONS));
	for (unsigned g = 0; g < p->ngroups; g++) {
		bool hw = cjd_event_info(p->g[g].ev[0])->kind == CJD_EVK_HARDWARE;
		for (unsigned k = 0; k < p->g[g].n; k++)
			seen |= CJD_EVMASK(p->g[g].ev[k]);
		if (hw) {
			assert_true(p->g[g].anchor_pos >= 0);
			assert_true(cost_of(&p->g[g], caps) <= capacity);
		} else {
			assert_int_equal(p->g[g].anchor_pos, -1);
		}
		/* leader disabled, members enabled */
		assert_int_equal(p->g[g].attr[0].disabled, 1);
		for (unsigned k = 1; k < p->g[g].n; k++)
			assert_int_equal(p->g[g].attr[k].disabled, 0);
	}
	assert_int_equal(seen, mask);
}

static void build(struct cjd_plan *p, const struct cjd_pmu_caps *caps, cjd_event_mask mask)
{
	struct perf_event_attr attrs[CJD_EV__COUNT];
	char why[256];

	for (int ev = 0; ev < CJD_EV__COUNT; ev++)
		if (mask & CJD_EVMASK(ev)) {
			int rc = cjd_event_encode(cjd_event_info((enum cjd_event)ev)->encoding,
						  &attrs[ev], why, sizeof(why));
			/* tracefs may be unreadable; the plan only needs an attr */
			if (rc)
				memset(&attrs[ev], 0, sizeof(attrs[ev]));
		}
	int rc = cjd_plan_build(p, mask, caps, attrs, why, sizeof(why));
	if (rc)
		fail_msg("plan: %s", why);
}

static unsigned hw_groups(const struct cjd_plan *p)
{
	unsigned n = 0;
	for (unsigned g = 0; g < p->ngroups; g++)
		n += cjd_event_info(p->g[g].ev[0])->kind == CJD_EVK_HARDWARE;
	return n;
}

static void test_split_for_forced_pmu(void **state)
{
	(void)state;
	static struct cjd_plan p;
	struct cjd_pmu_caps caps;
	cjd_event_mask all = CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE;

	assert_int_equal(cjd_pmu_caps_get(&caps), 0);
	caps.watchdog = false; /* a host setting; the cases below set it explicitly */
	build(&p, &caps, all);
	check_plan(&p, &caps, all);
	if (is_zen4()) {
		/* 6 counters: {ins cyc br brm cr cm} {ins L1D LLC} + software */
		assert_int_equal(hw_groups(&p), 2);
		assert_int_equal(p.g[0].n, 6);
		assert_int_equal(p.g[1].n, 3);
	} else if (caps.generic == 4) {
		/* fixed ins/cyc + 4 generic: {ins cyc br brm cr cm} {ins L1D LLC} */
		assert_int_equal(hw_groups(&p), 2);
	} else {
		assert_int_equal(hw_groups(&p), 1); /* 8 generic: all in one group */
	}
	assert_int_equal(p.ngroups, hw_groups(&p) + 1);
}

static void test_split_cases(void **state)
{
	(void)state;
	static struct cjd_plan p;
	cjd_event_mask hw = CJD_EVMASK_HARDWARE;
	char why[256];

	/* Zen 4 with the NMI watchdog on one counter: 5 left. */
	struct cjd_pmu_caps zen_wd = {.name = "amd64_fam19h_zen4", .generic = 6, .watchdog = true};
	build(&p, &zen_wd, hw);
	check_plan(&p, &zen_wd, hw);
	assert_int_equal(p.ngroups, 2);

	/* Intel, SMT on, watchdog holding fixed cycles: cycles takes a generic counter. */
	struct cjd_pmu_caps icl_wd = {.name = "icl", .generic = 4, .fixed = 4, .watchdog = true};
	build(&p, &icl_wd, hw);
	check_plan(&p, &icl_wd, hw);
	assert_int_equal(p.ngroups, 2);

	/* Tiny PMU: 3 counters still fit instructions plus one pair per group. */
	struct cjd_pmu_caps tiny = {.name = "tiny", .generic = 3};
	build(&p, &tiny, hw);
	check_plan(&p, &tiny, hw);
	assert_int_equal(p.ngroups, 4);

	/* Too small for a pair next to instructions: refused with a reason, never split apart. */
	struct cjd_pmu_caps two = {.name = "two", .generic = 2};
	struct perf_event_attr attrs[CJD_EV__COUNT];
	memset(attrs, 0, sizeof(attrs));
	assert_int_equal(cjd_plan_build(&p, hw, &two, attrs, why, sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "counters"));

	/* Without instructions there is no anchor, and pairs still stay together. */
	cjd_event_mask m = CJD_EVMASK(CJD_EV_BRANCHES) | CJD_EVMASK(CJD_EV_BRANCH_MISSES) |
			   CJD_EVMASK(CJD_EV_CACHE_REFERENCES) | CJD_EVMASK(CJD_EV_CACHE_MISSES);
	assert_int_equal(cjd_plan_build(&p, m, &two, attrs, why, sizeof(why)), 0);
	assert_int_equal(p.anchor, -1);
	assert_int_equal(p.ngroups, 2);
	assert_true(together(&p, CJD_EV_BRANCHES, CJD_EV_BRANCH_MISSES));
	assert_true(together(&p, CJD_EV_CACHE_REFERENCES, CJD_EV_CACHE_MISSES));

	/* Software only: one group, task-clock leads. */
	assert_int_equal(cjd_plan_build(&p, CJD_EVMASK_SOFTWARE, &two, attrs, why, sizeof(why)), 0);
	assert_int_equal(p.ngroups, 1);
	assert_int_equal(p.g[0].ev[0], CJD_EV_TASK_CLOCK);
	assert_int_equal(cjd_plan_fds_per_cpu(&p), 5);
}

int main(void)
{
	if (!getenv("LIBPFM_FORCE_PMU")) {
		fprintf(stderr, "test_pfm_forced: run me with LIBPFM_FORCE_PMU set (ctest does)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forced_pmu_caps),
		cmocka_unit_test(test_registry_hardware_encodings),
		cmocka_unit_test(test_raw_encodings),
		cmocka_unit_test(test_split_for_forced_pmu),
		cmocka_unit_test(test_split_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
