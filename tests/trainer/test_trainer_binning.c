/* Unit tests for binning: the bin/threshold identity, constant, few-valued, huge values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "binning_internal.h"
#include "fixtures.h"

static const char *const one[] = {"x"};

static struct cjd_dataset *column(const float *v, size_t n)
{
	struct cjd_dataset *ds;

	assert_int_equal(cjd_dataset_new(&ds, 1, one, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cjd_dataset_append(ds, "benign/a", "r", i, false, &v[i], NULL), 0);
	return ds;
}

/*
 * The invariants every fit must keep: cuts finite and strictly increasing,
 * at most max_bins bins, and for every training value and every bin b,
 * bin(x) <= b exactly when x < cut[b] (the tree rule).
 */
static void check_fit(const struct cjd_bins *b, const float *v, size_t n, unsigned max_bins)
{
	size_t nc = b->off[1] - b->off[0];
	const float *c = b->cuts + b->off[0];

	assert_int_equal(b->n_bins[0], nc + 1);
	assert_true(b->n_bins[0] >= 1 && b->n_bins[0] <= max_bins);
	for (size_t k = 0; k < nc; k++) {
		assert_true(isfinite(c[k]));
		if (k)
			assert_true(c[k] > c[k - 1]);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned bin = cjd_bins_find(b, 0, v[i]);
		assert_true(bin < b->n_bins[0]);
		for (size_t k = 0; k < nc; k++)
			assert_int_equal(bin <= k, v[i] < c[k]);
	}
}

static void test_constant_feature(void **state)
{
	(void)state;
	float v[50];
	struct cjd_bins b;

	for (int i = 0; i < 50; i++)
		v[i] = 3.25f;
	struct cjd_dataset *ds = column(v, 50);
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, 50, 256, NULL), 0);
	assert_int_equal(b.n_bins[0], 1); /* never split */
	check_fit(&b, v, 50, 256);
	/* values the fit never saw still land in the one bin */
	assert_int_equal(cjd_bins_find(&b, 0, -1e30f), 0);
	assert_int_equal(cjd_bins_find(&b, 0, 1e30f), 0);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_few_distinct(void **state)
{
	(void)state;
	float v[90];
	struct cjd_bins b;

	for (int i = 0; i < 90; i++)
		v[i] = (float)(i % 3) * 10.0f; /* 0, 10, 20 */
	struct cjd_dataset *ds = column(v, 90);
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, 90, 64, NULL), 0);
	assert_int_equal(b.n_bins[0], 3);		      /* one bin per value */
	assert_true(b.cuts[0] == 5.0f && b.cuts[1] == 15.0f); /* midpoints */
	check_fit(&b, v, 90, 64);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_adjacent_floats(void **state)
{
	(void)state;
	/* No float lies strictly between a and its successor: the cut must be
	 * the upper value itself, so a goes left and b right. */
	float a = 1.0f, v[4] = {a, nextafterf(a, 2.0f), a, nextafterf(a, 2.0f)};
	struct cjd_bins b;
	struct cjd_dataset *ds = column(v, 4);

	assert_int_equal(cjd_bins_fit(&b, ds, NULL, 4, 16, NULL), 0);
	assert_int_equal(b.n_bins[0], 2);
	assert_true(b.cuts[0] == v[1]);
	check_fit(&b, v, 4, 16);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_huge_values(void **state)
{
	(void)state;
	float v[] = {-FLT_MAX, -1e38f, -1.0f, 0.0f, -0.0f, 1e-38f, 1.0f, 3e38f, FLT_MAX, FLT_MAX};
	size_t n = sizeof(v) / sizeof(v[0]);
	struct cjd_bins b;
	struct cjd_dataset *ds = column(v, n);

	/* The midpoint of -FLT_MAX and FLT_MAX-sized neighbours must not overflow. */
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, n, 256, NULL), 0);
	assert_int_equal(b.n_bins[0], 8); /* 0.0 and -0.0 are one value */
	check_fit(&b, v, n, 256);
	cjd_bins_release(&b);
	/* and with fewer bins than values */
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, n, 3, NULL), 0);
	assert_true(b.n_bins[0] <= 3 && b.n_bins[0] >= 2);
	check_fit(&b, v, n, 3);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_quantiles(void **state)
{
	(void)state;
	enum { N = 4000 };
	static float v[N];
	size_t count[64] = {0};
	struct cjd_bins b;
	uint64_t st = 3;

	for (int i = 0; i < N; i++)
		v[i] = (float)fx_uniform(&st, 0.0, 1000.0);
	struct cjd_dataset *ds = column(v, N);
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, N, 64, NULL), 0);
	assert_int_equal(b.n_bins[0], 64);
	check_fit(&b, v, N, 64);
	for (int i = 0; i < N; i++)
		count[cjd_bins_find(&b, 0, v[i])]++;
	/* about N / 64 = 62.5 per bin */
	for (int k = 0; k < 64; k++)
		assert_true(count[k] >= 60 && count[k] <= 65);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_point_mass(void **state)
{
	(void)state;
	/* Half the rows are 0 (an idle cgroup's safe value): 0 gets one bin and
	 * the other 15 bins still share the other half evenly. */
	enum { N = 3200 };
	static float v[N];
	size_t count[16] = {0};
	struct cjd_bins b;

	for (int i = 0; i < N; i++)
		v[i] = i % 2 ? (float)(i + 1) : 0.0f;
	struct cjd_dataset *ds = column(v, N);
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, N, 16, NULL), 0);
	assert_int_equal(b.n_bins[0], 16);
	check_fit(&b, v, N, 16);
	for (int i = 0; i < N; i++)
		count[cjd_bins_find(&b, 0, v[i])]++;
	assert_int_equal(count[0], N / 2);
	for (int k = 1; k < 16; k++)
		assert_true(count[k] >= 100 && count[k] <= 115);
	cjd_bins_release(&b);
	cjd_dataset_free(ds);
}

static void test_subset_and_apply(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(2, 50, 11);
	struct cjd_bins b;
	uint32_t rows[] = {1, 5, 9, 150, 199};
	uint8_t out[5 * 3];

	assert_non_null(ds);
	assert_int_equal(cjd_bins_fit(&b, ds, rows, 5, 256, NULL), 0);
	for (size_t j = 0; j < 3; j++)
		assert_int_equal(b.n_bins[j], 5); /* five distinct values per feature */
	cjd_bins_apply(&b, ds, rows, 5, out);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 3; j++)
			assert_int_equal(out[i * 3 + j],
					 cjd_bins_find(&b, j, cjd_dataset_row(ds, rows[i])[j]));
	cjd_bins_release(&b);
	cjd_dataset_free(ds);

	/* The binned matrix the fit writes from its sorted order equals a
	 * search per value: many ties, negatives, -0.0 next to 0.0, a subset. */
	static const char *const names3[] = {"a", "b", "c"};
	enum { M = 3000 };
	static uint8_t fused[M * 3], searched[M * 3];
	static uint32_t sub[M / 2];
	uint64_t st = 13;
	assert_int_equal(cjd_dataset_new(&ds, 3, names3, NULL), 0);
	for (int i = 0; i < M; i++) {
		float x[3] = {(float)floor(fx_uniform(&st, -20, 20)) / 4.0f,
			      (float)fx_uniform(&st, -1e6, 1e6), i % 3 ? 0.0f : -0.0f};
		assert_int_equal(
		    cjd_dataset_append(ds, "benign/a", "r", (uint64_t)i, false, x, NULL), 0);
	}
	for (int i = 0; i < M / 2; i++)
		sub[i] = (uint32_t)(2 * i + (i % 5 == 0));
	for (int pass = 0; pass < 2; pass++) {
		const uint32_t *sel = pass ? sub : NULL;
		size_t n = pass ? M / 2 : M;
		for (unsigned mb = 2; mb <= 256; mb *= 4) {
			assert_int_equal(cjd_bins_fit(&b, ds, sel, n, mb, fused), 0);
			cjd_bins_apply(&b, ds, sel, n, searched);
			assert_memory_equal(fused, searched, n * 3);
			assert_int_equal(b.n_bins[2], 1); /* -0.0 and 0.0 are one value */
			cjd_bins_release(&b);
		}
	}
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, 200, 1, NULL), -EINVAL);
	assert_int_equal(cjd_bins_fit(&b, ds, NULL, 200, 257, NULL), -EINVAL);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constant_feature), cmocka_unit_test(test_few_distinct),
	    cmocka_unit_test(test_adjacent_floats),  cmocka_unit_test(test_huge_values),
	    cmocka_unit_test(test_quantiles),	     cmocka_unit_test(test_point_mass),
	    cmocka_unit_test(test_subset_and_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
