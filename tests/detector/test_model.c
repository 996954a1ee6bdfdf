/* Model loading (good files, and each bad file with its exact error) and prediction on every tier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/features_table.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"
#include "features_internal.h"
#include "kernels.h"
#include "model_internal.h"

static char *data_path(const char *rel)
{
	static char buf[1024];
	const char *dir = getenv("CJD_DETECTOR_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/detector/data", rel);
	return buf;
}

static struct cjd_model *load_ok(const char *rel)
{
	struct cjd_model *m = NULL;
	struct cjd_error err;
	char msg[1024];

	if (cjd_model_load(&m, data_path(rel), &err))
		fail_msg("%s", cjd_error_format(&err, msg, sizeof(msg)));
	return m;
}

static void test_good_logistic(void **state)
{
	(void)state;
	struct cjd_model *m = load_ok("good/sw-test.json");

	assert_string_equal(cjd_model_name(m), "sw-test");
	assert_string_equal(cjd_model_version(m), "1.0-test");
	assert_int_equal(cjd_model_kind(m), CJD_MODEL_LOGISTIC);
	assert_int_equal(cjd_model_window(m), 8);
	assert_int_equal(cjd_model_events(m), CJD_EVMASK_SOFTWARE);
	assert_int_equal(cjd_model_mode(m), CJD_MODE_SOFTWARE);
	assert_true(cjd_model_threshold(m) == 0.8f);
	assert_true(cjd_model_threshold_low(m) == 0.5f);
	assert_int_equal(cjd_model_n_features(m), 3);
	assert_string_equal(cjd_feature_name((size_t)cjd_model_feature(m, 2)),
			    "syscall_per_cpu_s.mean");

	/* z = -10 + 12 u - 40 cv - 0.1 (log1p(s) - 3) / 2, by hand. */
	float x[CJD_FEATURES_MAX] = {0};
	x[cjd_feature_lookup("cpu_util.mean")] = 1.0f;
	x[cjd_feature_lookup("cpu_util.cv")] = 0.01f;
	x[cjd_feature_lookup("syscall_per_cpu_s.mean")] = 20.0f;
	double z = -10 + 12 * 1.0 - 40 * 0.01 - 0.1 * (log1p(20.0) - 3) / 2;
	assert_true(fabs(cjd_model_predict_one(m, x) - 1 / (1 + exp(-z))) < 1e-5);
	/* Extreme inputs never make NaN. */
	x[cjd_feature_lookup("cpu_util.mean")] = 1e15f;
	x[cjd_feature_lookup("cpu_util.cv")] = 1e15f;
	float s = cjd_model_predict_one(m, x);
	assert_true(s >= 0.0f && s <= 1.0f);
	cjd_model_free(m);
}

static void test_good_gbdt(void **state)
{
	(void)state;
	struct cjd_model *m = load_ok("good/hw-gbdt.json");
	int ipc = cjd_feature_lookup("ipc.mean"), cv = cjd_feature_lookup("ipc.cv");
	int l1d = cjd_feature_lookup("l1d_mpki.mean");
	struct {
		float ipc, cv, l1d;
		double z;
	} cases[] = {
		{2.0f, 0.01f, 100.0f, -1 + 3 + 0.25},    /* cv <= 0.1 - 0.05 */
		{1.0f, 0.01f, 0.0f, -1 - 2 + 0.25},      /* ipc <= 1.5 */
		{1.5f, 0.01f, 0.0f, -1 - 2 + 0.25},      /* ties go left */
		{2.0f, 0.2f, 1.0f, -1 + 0.5 + 0.25},     /* l1d <= e^2 - 1 */
		{2.0f, 0.2f, 10.0f, -1 - 0.5 + 0.25},
		/* The inverted threshold of (cv - 0.1) / 0.05 <= -1 is cv <= 0.05 in real
		 * numbers; the float 0.05f is a hair above 0.05, so it goes right. */
		{2.0f, 0.049999997f, 10.0f, -1 + 3 + 0.25},
		{2.0f, 0.05f, 10.0f, -1 - 0.5 + 0.25},
	};

	assert_int_equal(cjd_model_kind(m), CJD_MODEL_GBDT);
	assert_int_equal(cjd_model_n_trees(m), 2);
	assert_int_equal(cjd_model_depth(m), 3);
	assert_int_equal(cjd_model_mode(m), CJD_MODE_HARDWARE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		float x[CJD_FEATURES_MAX] = {0};
		x[ipc] = cases[i].ipc;
		x[cv] = cases[i].cv;
		x[l1d] = cases[i].l1d;
		double want = 1 / (1 + exp(-cases[i].z));
		float got = cjd_model_predict_one(m, x);
		if (fabs(got - want) > 1e-5)
			fail_msg("case %zu: %g, expected %g", i, (double)got, want);
	}
	cjd_model_free(m);
}

/* Feature values for the gbdt tests: spread, or IEEE specials mixed in. */
static float feature_value(uint64_t *s, bool specials)
{
	static const float sp[] = {NAN, INFINITY, -INFINITY, FLT_MAX, -FLT_MAX, FLT_TRUE_MIN,
				   0.0f, -0.0f, 1e15f};
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	if (specials && (*s >> 61) == 0)
		return sp[(*s >> 32) % (sizeof(sp) / sizeof(sp[0]))];
	return (float)(*s >> 40) / 1024.0f;
}

/* z of lanes 0..n-1 through tier t's kernel, from the same start as scalar. */
static void gbdt_z(const struct cjd_kernels *k, const struct cjd_model *m, const float *x,
		   size_t pitch, size_t n, float *z)
{
	const struct cjd_gbdt_flat *g = &m->gbdt;
	size_t nodes = g->n_trees * g->n_inner;
	int32_t *offs = malloc((nodes + 1) * sizeof(*offs));

	assert_non_null(offs);
	for (size_t i = 0; i < nodes; i++)
		offs[i] = (int32_t)((size_t)g->feat[i] * pitch);
	for (size_t i = 0; i < n; i++)
		z[i] = g->base + (float)i; /* a different start per lane: z is added to */
	k->gbdt(g, offs, x, n, z);
	free(offs);
}

/*
 * Every compiled gbdt kernel against the scalar one, bit for bit on the
 * log-odds: every depth, lengths 0 .. 2 * width + 1 and across the 64-lane
 * blocks, on spread values and with NaN, infinities, denormals and signed
 * zeros among the features (NaN never goes right: "x > thr" is false).
 */
static void test_gbdt_tiers(void **state)
{
	(void)state;
	enum { N = 300, F = CJD_FEATURE__COUNT };
	static const size_t longer[] = {63, 64, 65, 127, 128, 129, 200, 300};
	size_t pitch = N + 16;
	float *x = calloc((size_t)F * pitch, sizeof(float));
	float ref[N], out[N + 4];
	int feats[8];

	assert_non_null(x);
	for (int j = 0; j < 8; j++)
		feats[j] = j * 7;
	for (int specials = 0; specials < 2; specials++) {
		uint64_t s = 42 + (uint64_t)specials;
		for (size_t i = 0; i < (size_t)F * pitch; i++)
			x[i] = feature_value(&s, specials);
		for (unsigned depth = 1; depth <= CJD_MODEL_MAX_DEPTH; depth++) {
			struct cjd_model *m;
			assert_int_equal(cjd_model_synthetic_gbdt(&m, feats, 8, 20, depth, x, pitch,
								  N, depth),
					 0);
			for (int t = CJD_SIMD_SCALAR + 1; t < CJD_SIMD__COUNT; t++) {
				enum cjd_simd_tier ti = (enum cjd_simd_tier)t;
				const struct cjd_kernels *k = cjd_kernels(ti);
				if (!k || !cjd_simd_cpu_supports(ti)) {
					if (depth == 1 && !specials)
						print_message("skipping %s gbdt: %s\n",
							      cjd_simd_tier_name(ti),
							      cjd_simd_why_not(ti));
					continue;
				}
				size_t maxn = 2 * k->width + 1;
				for (size_t c = 0; c <= maxn + sizeof(longer) / sizeof(longer[0]); c++) {
					size_t n = c <= maxn ? c : longer[c - maxn - 1];
					gbdt_z(cjd_kernels(CJD_SIMD_SCALAR), m, x, pitch, n, ref);
					for (size_t i = 0; i < n + 4; i++)
						out[i] = -1.0f;
					gbdt_z(k, m, x, pitch, n, out);
					for (size_t i = 0; i < n; i++)
						if (memcmp(&out[i], &ref[i], sizeof(float)))
							fail_msg("%s depth %u n %zu lane %zu%s: z %a, "
								 "scalar %a",
								 k->name, depth, n, i,
								 specials ? " (specials)" : "",
								 (double)out[i], (double)ref[i]);
					for (size_t i = n; i < n + 4; i++)
						assert_true(out[i] == -1.0f);
				}
				/* and through the public path, scores included */
				cjd_model_predict_tier(m, CJD_SIMD_SCALAR, x, pitch, N, ref);
				cjd_model_predict_tier(m, ti, x, pitch, N, out);
				assert_memory_equal(out, ref, N * sizeof(float));
			}
			cjd_model_free(m);
		}
	}
	free(x);
}

static void test_check_events(void **state)
{
	(void)state;
	struct cjd_model *m = load_ok("good/hw-gbdt.json");
	struct cjd_error err;

	assert_int_equal(cjd_model_check_events(m, CJD_EVMASK_ALL, &err), 0);
	assert_int_equal(cjd_model_check_events(m, CJD_EVMASK_SOFTWARE, &err), -ENOTSUP);
	assert_string_equal(err.text,
			    "model hw-test needs events the source cannot supply: cycles,"
			    "instructions,branches,branch-misses,L1-dcache-load-misses,"
			    "LLC-load-misses (the source has: task-clock,context-switches,"
			    "cpu-migrations,page-faults,syscalls)");
	cjd_model_free(m);
}

static void test_default_path(void **state)
{
	(void)state;
	char path[1024];
	struct cjd_error err;
	const char *dirs[] = {"/nonexistent-cjd-a", "/nonexistent-cjd-b"};

	unsetenv("CJD_MODEL_DIR");
	assert_int_equal(cjd_model_default_path(CJD_EVMASK_SOFTWARE, dirs, 2, path, sizeof(path), &err),
			 -ENOENT);
	assert_string_equal(err.text, "no software model found: looked for sw-default.json in "
				      "/nonexistent-cjd-a, /nonexistent-cjd-b (give one with "
				      "--model, or set CJD_MODEL_DIR)");
	/* $CJD_MODEL_DIR comes first. */
	setenv("CJD_MODEL_DIR", data_path("defaults"), 1);
	assert_int_equal(cjd_model_default_path(CJD_EVMASK_SOFTWARE, dirs, 2, path, sizeof(path), &err),
			 0);
	assert_non_null(strstr(path, "defaults/sw-default.json"));
	unsetenv("CJD_MODEL_DIR");

	/* The pick follows the events: no syscalls, the model trained without them. */
	assert_string_equal(cjd_model_default_name(CJD_EVMASK_SOFTWARE), "sw-default");
	assert_string_equal(cjd_model_default_name(0), "sw-default");
	assert_string_equal(cjd_model_default_name(CJD_EVMASK_SOFTWARE &
						   ~CJD_EVMASK(CJD_EV_SYSCALLS)),
			    "sw-nosyscalls");
	assert_string_equal(cjd_model_default_name(CJD_EVMASK_HARDWARE |
						   CJD_EVMASK(CJD_EV_TASK_CLOCK)),
			    "hw-default");
	assert_int_equal(cjd_model_default_path(CJD_EVMASK(CJD_EV_TASK_CLOCK), dirs, 2, path,
						sizeof(path), &err),
			 -ENOENT);
	assert_string_equal(err.text, "no software model found: looked for sw-nosyscalls.json in "
				      "/nonexistent-cjd-a, /nonexistent-cjd-b (give one with "
				      "--model, or set CJD_MODEL_DIR)");
}

/* Each bad file and the exact error it gets ("line:column: text"). */
static const struct {
	const char *file;
	const char *error;
} bad[] = {
#include "bad_models.inc"
};

static void test_bad_models(void **state)
{
	(void)state;
	int failures = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cjd_model *m = NULL;
		struct cjd_error err;
		char rel[256], got[1024];
		snprintf(rel, sizeof(rel), "bad/%s", bad[i].file);
		int rc = cjd_model_load(&m, data_path(rel), &err);
		snprintf(got, sizeof(got), "%d:%d: %s", err.line, err.column, err.text);
		if (rc != -EINVAL || m || strcmp(got, bad[i].error)) {
			print_error("%s: rc %d, got\n  %s\nexpected\n  %s\n", bad[i].file, rc, got,
				    bad[i].error);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct cjd_model *m = NULL;
	struct cjd_error err;

	assert_int_equal(cjd_model_load(&m, "/nonexistent/model.json", &err), -ENOENT);
	assert_string_equal(err.text, "cannot open model: No such file or directory");
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_logistic),  cmocka_unit_test(test_good_gbdt),
		cmocka_unit_test(test_gbdt_tiers),     cmocka_unit_test(test_check_events),
		cmocka_unit_test(test_default_path),   cmocka_unit_test(test_bad_models),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
