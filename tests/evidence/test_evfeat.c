/* The evidence feature vector: computed from real inspections (tests/evidence/data/inspect/), absent when a probe did not run, errors named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cjd/evidence/features.h"
#include "evidence_fixtures.h"

#define HAS(f, id) (((f)->present >> CJD_EVFEAT_##id) & 1)
#define V(f, id) ((f)->v[CJD_EVFEAT_##id])

/* The inspection `cjd inspect --json` printed for a workload (README of data/inspect). */
static json_t *load(const char *name)
{
	char rel[128];
	json_error_t je;
	json_t *j;

	snprintf(rel, sizeof(rel), "inspect/%s.json", name);
	j = json_load_file(fixture_data(rel), JSON_REJECT_DUPLICATES, &je);
	if (!j)
		fail_msg("%s:%d: %s", je.source, je.line, je.text);
	return j;
}

static void feats(const char *name, struct cjd_evfeat *f)
{
	struct cjd_error err = { 0 };
	json_t *j = load(name);
	int rc = cjd_evfeat_from_json(j, f, &err);

	json_decref(j);
	if (rc)
		fail_msg("%s: %s", name, err.text);
}

static void test_names(void **state)
{
	(void)state;
	for (unsigned i = 0; i < CJD_EVFEAT__COUNT; i++) {
		assert_non_null(cjd_evfeat_name(i));
		assert_non_null(cjd_evfeat_what(i));
		assert_int_equal(cjd_evfeat_find(cjd_evfeat_name(i)), (int)i);
	}
	assert_null(cjd_evfeat_name(CJD_EVFEAT__COUNT));
	assert_null(cjd_evfeat_what(CJD_EVFEAT__COUNT));
	assert_int_equal(cjd_evfeat_find("no_such_feature"), -ENOENT);
	assert_string_equal(cjd_evfeat_name(CJD_EVFEAT_fp_toward_zero_threads), "fp_toward_zero_threads");
}

/* RandomX light mode with a stratum connection: rounding through toward-zero, JIT code, the
 * pool connection, the 256 MiB cache. */
static void test_randomx(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("randomx-light", &f);
	assert_true(HAS(&f, fp_toward_zero_threads));
	assert_true(V(&f, fp_toward_zero_threads) >= 1);
	assert_true(V(&f, fp_changed_rounding_share) > 0.5);
	assert_true(V(&f, fp_ftz_share) > 0.5);
	assert_true(V(&f, code_anon_share) > 0.9);
	assert_true(V(&f, code_offdisk_share) > 0.9);
	assert_true(V(&f, mix_mul64) > 0.1);
	assert_true(V(&f, mix_alu) > 0.4);
	assert_true(fabs(V(&f, code_hot90_log10_bytes) - log10(4096)) < 0.5);
	assert_true(V(&f, net_outbound) == 1 && V(&f, net_small_regular) == 1);
	assert_true(V(&f, net_pool_port) == 0); /* 34977 is no pool port */
	assert_true(V(&f, net_listening) == 0);
	assert_true(V(&f, mem_anon_log2_mib) > 8); /* > 255 MiB */
	assert_true(V(&f, mem_huge_share) == 0);
	/* every probe ran but stratum (the inspection predates it) */
	assert_int_equal(f.present, ((UINT64_C(1) << CJD_EVFEAT__COUNT) - 1) &
					    ~(UINT64_C(1) << CJD_EVFEAT_st_markers |
					      UINT64_C(1) << CJD_EVFEAT_st_processes));
}

/* sha256sum in a loop: flat and CPU-bound, but nothing of a miner's. */
static void test_sha256sum(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("sha256sum", &f);
	assert_true(HAS(&f, fp_changed_rounding_share) && V(&f, fp_changed_rounding_share) == 0);
	assert_true(V(&f, fp_toward_zero_threads) == 0 && V(&f, fp_ftz_share) == 0);
	assert_true(HAS(&f, code_offdisk_share) && V(&f, code_offdisk_share) < 0.02);
	assert_true(V(&f, mix_alu) > 0.5);
	assert_true(HAS(&f, net_outbound) && V(&f, net_outbound) == 0);
	assert_true(V(&f, net_small_regular) == 0);
	assert_true(V(&f, mem_anon_log2_mib) < 1);
}

/* -ffast-math: FTZ and DAZ on every thread, the rounding mode never changed. */
static void test_fastmath(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("numeric-fastmath", &f);
	assert_true(V(&f, fp_ftz_share) == 1 && V(&f, fp_daz_share) == 1);
	assert_true(V(&f, fp_changed_rounding_share) == 0 && V(&f, fp_toward_zero_threads) == 0);
	assert_true(V(&f, mix_fp) > 0.3);
	assert_true(V(&f, net_outbound) == 0);
}

/* Interval arithmetic: changes the rounding mode, never toward zero. */
static void test_interval(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("interval", &f);
	assert_true(V(&f, fp_changed_rounding_share) > 0);
	assert_true(HAS(&f, fp_toward_zero_threads) && V(&f, fp_toward_zero_threads) == 0);
}

/* A sha256d miner speaking stratum: a connection quiet in the 1 s watched but long-lived and
 * with data 1.6 s before counts as small and regular. */
static void test_stratum(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("sha256d-stratum", &f);
	assert_true(V(&f, net_outbound) == 1 && V(&f, net_small_regular) == 1);
	assert_true(V(&f, fp_changed_rounding_share) == 0);
	feats("cryptonight", &f);
	assert_true(V(&f, net_small_regular) == 1);
	assert_true(V(&f, mix_aes) > 0 && V(&f, mix_mul64) > 0);
	assert_true(V(&f, mix_clmul) == 0);
}

/* node: V8's JIT puts some of the time in anonymous memory; no rounding changes. */
static void test_node(void **state)
{
	struct cjd_evfeat f;

	(void)state;
	feats("node", &f);
	assert_true(V(&f, code_anon_share) > 0.05 && V(&f, code_anon_share) < 0.9);
	assert_true(V(&f, fp_threads) >= 2);
	assert_true(V(&f, fp_changed_rounding_share) == 0);
}

/* Probes that did not run leave their features absent, never zero. */
static void test_absent(void **state)
{
	struct cjd_error err = { 0 };
	struct cjd_evfeat f;
	json_t *j = load("randomx-light");

	(void)state;
	json_object_del(j, "fpstate");
	json_object_set_new(json_object_get(j, "network"), "status", json_string("unavailable"));
	json_object_set_new(json_object_get(j, "memory"), "status", json_string("failed"));
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), 0);
	assert_false(HAS(&f, fp_threads) || HAS(&f, fp_toward_zero_threads) || HAS(&f, fp_traced_share));
	assert_false(HAS(&f, net_outbound) || HAS(&f, net_small_regular) || HAS(&f, net_listening));
	assert_false(HAS(&f, mem_anon_log2_mib) || HAS(&f, mem_huge_share));
	assert_true(HAS(&f, code_anon_share) && HAS(&f, mix_mul64));
	for (unsigned i = 0; i < CJD_EVFEAT__COUNT; i++)
		if (!((f.present >> i) & 1))
			assert_true(f.v[i] == 0);
	json_decref(j);

	/* no user samples: where the time went is not measured */
	j = load("randomx-light");
	json_object_set_new(json_object_get(json_object_get(j, "codesample"), "samples"), "user",
			    json_integer(0));
	json_object_set_new(json_object_get(json_object_get(j, "codesample"), "mix"), "available",
			    json_false());
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), 0);
	assert_false(HAS(&f, code_anon_share) || HAS(&f, code_samples) || HAS(&f, mix_alu));
	assert_true(HAS(&f, fp_toward_zero_threads));
	json_decref(j);

	/* the mix unavailable (no Capstone for this architecture): only the mix is absent */
	j = load("randomx-light");
	json_object_set_new(json_object_get(json_object_get(j, "codesample"), "mix"), "available",
			    json_false());
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), 0);
	assert_true(HAS(&f, code_anon_share));
	assert_false(HAS(&f, mix_alu) || HAS(&f, mix_aes));
	json_decref(j);

	/* an empty inspection: nothing present */
	j = json_object();
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), 0);
	assert_int_equal(f.present, 0);
	json_decref(j);
}

/* A member of a probe that ran with the wrong type is an error naming it. */
static void test_errors(void **state)
{
	struct cjd_error err = { 0 };
	struct cjd_evfeat f;
	json_t *j = load("randomx-light");

	(void)state;
	json_object_set_new(json_object_get(j, "fpstate"), "threads_toward_zero", json_string("2"));
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), -EINVAL);
	assert_non_null(strstr(err.text, "fpstate.threads_toward_zero"));
	assert_int_equal(f.present, 0);
	json_decref(j);

	j = load("randomx-light");
	json_object_del(json_object_get(json_object_get(j, "codesample"), "hot90"), "bytes");
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), -EINVAL);
	assert_non_null(strstr(err.text, "codesample.hot90.bytes is missing"));
	json_decref(j);

	j = load("randomx-light");
	json_object_del(json_object_get(json_array_get(json_object_get(json_object_get(j, "network"),
									"sockets"),
						       0),
					"tcp"),
			"window_segs_in");
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), -EINVAL);
	assert_non_null(strstr(err.text, "network.sockets[0].tcp.window_segs_in"));
	json_decref(j);

	j = json_array();
	assert_int_equal(cjd_evfeat_from_json(j, &f, &err), -EINVAL);
	json_decref(j);
}

static void test_to_json(void **state)
{
	struct cjd_evfeat f = { 0 };
	json_t *o;

	(void)state;
	f.v[CJD_EVFEAT_mix_aes] = 0.25;
	f.present = UINT64_C(1) << CJD_EVFEAT_mix_aes;
	assert_int_equal(cjd_evfeat_to_json(&f, &o), 0);
	assert_int_equal(json_object_size(o), 1);
	assert_true(json_real_value(json_object_get(o, "mix_aes")) == 0.25);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),     cmocka_unit_test(test_randomx),
		cmocka_unit_test(test_sha256sum), cmocka_unit_test(test_fastmath),
		cmocka_unit_test(test_interval),  cmocka_unit_test(test_stratum),
		cmocka_unit_test(test_node),      cmocka_unit_test(test_absent),
		cmocka_unit_test(test_errors),    cmocka_unit_test(test_to_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
