/* Unit tests for the training set: appending, its checks, run order, CSV, row weights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/trainer/dataset.h"
#include "cjd/trainer/dataset_csv.h"
#include "cjd/trainer/weights.h"
#include "fixtures.h"

static const char *const names2[] = {"a", "b"};

static void test_append_and_read(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_error err;
	float x[2];
	uint32_t g;
	size_t n;

	assert_int_equal(cjd_dataset_new(&ds, 2, names2, &err), 0);
	for (int i = 0; i < 5; i++) {
		x[0] = (float)i;
		x[1] = (float)-i;
		assert_int_equal(
		    cjd_dataset_append(ds, "miner/x", "r1", (uint64_t)i * 2, true, x, &err), 0);
		assert_int_equal(cjd_dataset_append(ds, "benign/y", i % 2 ? "r2" : "r3",
						    (uint64_t)i, false, x, &err),
				 0);
	}
	assert_int_equal(cjd_dataset_rows(ds), 10);
	assert_int_equal(cjd_dataset_features(ds), 2);
	assert_string_equal(cjd_dataset_feature_name(ds, 1), "b");
	assert_null(cjd_dataset_feature_name(ds, 2));
	assert_int_equal(cjd_dataset_groups(ds), 2);
	assert_int_equal(cjd_dataset_runs(ds), 3);
	assert_string_equal(cjd_dataset_group_name(ds, 0), "miner/x");
	assert_true(cjd_dataset_group_miner(ds, 0));
	assert_false(cjd_dataset_group_miner(ds, 1));
	assert_int_equal(cjd_dataset_group_rows(ds, 1), 5);
	assert_int_equal(cjd_dataset_group_find(ds, "benign/y", &g), 0);
	assert_int_equal(g, 1);
	assert_int_equal(cjd_dataset_group_find(ds, "benign/z", &g), -ENOENT);
	/* run r1 holds rows 0, 2, 4, 6, 8 in time order */
	const uint32_t *rows = cjd_dataset_run_rows(ds, 0, &n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rows[i], 2 * i);
		assert_int_equal(cjd_dataset_order(ds, rows[i]), 2 * i);
		assert_true(cjd_dataset_row(ds, rows[i])[0] == (float)i);
	}
	assert_int_equal(cjd_dataset_run_group(ds, 2), 1);
	assert_true(cjd_dataset_miner(ds, 0));
	assert_false(cjd_dataset_miner(ds, 1));
	assert_true(cjd_dataset_matrix(ds)[2 * 2 + 1] == -1.0f);
	cjd_dataset_free(ds);
	cjd_dataset_free(NULL);
}

static void test_append_rejects(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_error err;
	float x[2] = {1, 2}, bad[2] = {1, NAN}, inf[2] = {INFINITY, 0};
	static const char *const dup[] = {"a", "a"};
	static const char *const empty[] = {"a", ""};

	assert_int_equal(cjd_dataset_new(&ds, 2, dup, &err), -EINVAL);
	assert_non_null(strstr(err.text, "named twice"));
	assert_int_equal(cjd_dataset_new(&ds, 2, empty, &err), -EINVAL);
	assert_int_equal(cjd_dataset_new(&ds, 0, names2, &err), -EINVAL);

	assert_int_equal(cjd_dataset_new(&ds, 2, names2, &err), 0);
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r", 5, true, x, &err), 0);
	/* NaN and infinity never enter */
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r", 6, true, bad, &err), -EINVAL);
	assert_non_null(strstr(err.text, "feature b"));
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r", 6, true, inf, &err), -EINVAL);
	/* a group keeps its class */
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r9", 0, false, x, &err), -EINVAL);
	assert_non_null(strstr(err.text, "group miner/x is miner"));
	/* a run keeps its group */
	assert_int_equal(cjd_dataset_append(ds, "miner/y", "r", 9, true, x, &err), -EINVAL);
	assert_non_null(strstr(err.text, "belongs to group miner/x"));
	/* order strictly increases within a run */
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r", 5, true, x, &err), -EINVAL);
	assert_non_null(strstr(err.text, "increasing order"));
	assert_int_equal(cjd_dataset_append(ds, "", "r", 7, true, x, &err), -EINVAL);
	/* nothing of the failures was kept: no new group, run or row */
	assert_int_equal(cjd_dataset_rows(ds), 1);
	assert_int_equal(cjd_dataset_groups(ds), 1);
	assert_int_equal(cjd_dataset_runs(ds), 1);
	assert_int_equal(cjd_dataset_append(ds, "miner/x", "r", 6, true, x, &err), 0);
	cjd_dataset_free(ds);
}

static void test_csv_roundtrip(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(2, 30, 7), *back;
	struct cjd_error err;
	char path[64];
	FILE *f;

	assert_non_null(ds);
	snprintf(path, sizeof(path), "/tmp/cjd-trainer-csv-%d.csv", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(cjd_dataset_write_csv(ds, f), 0);
	fclose(f);
	assert_int_equal(cjd_dataset_load_csv(&back, path, &err), 0);
	assert_int_equal(cjd_dataset_rows(back), cjd_dataset_rows(ds));
	assert_int_equal(cjd_dataset_groups(back), cjd_dataset_groups(ds));
	assert_int_equal(cjd_dataset_runs(back), cjd_dataset_runs(ds));
	for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
		/* shortest round-trip floats: bit-exact */
		assert_memory_equal(cjd_dataset_row(ds, i), cjd_dataset_row(back, i),
				    3 * sizeof(float));
		assert_int_equal(cjd_dataset_miner(ds, i), cjd_dataset_miner(back, i));
		assert_int_equal(cjd_dataset_order(ds, i), cjd_dataset_order(back, i));
		assert_string_equal(cjd_dataset_group_name(ds, cjd_dataset_group(ds, i)),
				    cjd_dataset_group_name(back, cjd_dataset_group(back, i)));
	}
	cjd_dataset_free(back);
	cjd_dataset_free(ds);
	unlink(path);
}

/* Writes text to a temp file, loads it, expects rc and the error at line:column. */
static void expect_csv(const char *text, int rc, int line, int column, const char *what)
{
	struct cjd_dataset *ds = NULL;
	struct cjd_error err;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/cjd-trainer-bad-%d.csv", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(cjd_dataset_load_csv(&ds, path, &err), rc);
	if (rc) {
		assert_null(ds);
		assert_string_equal(err.file, path);
		assert_int_equal(err.line, line);
		assert_int_equal(err.column, column);
		assert_non_null(strstr(err.text, what));
	}
	cjd_dataset_free(ds);
	unlink(path);
}

static void test_csv_errors(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_error err;

	expect_csv("group,run,order,miner,f\nminer/a,r,0,1,0.5\n\n", 0, 0, 0, "");
	expect_csv("", -EINVAL, 1, 0, "empty file");
	expect_csv("group,run,order,label,f\n", -EINVAL, 1, 17, "expected \"miner\"");
	expect_csv("group,run,order,miner\n", -EINVAL, 1, 0, "at least one feature");
	expect_csv("group,run,order,miner,f\nminer/a,r,0,1,0.5,9\n", -EINVAL, 2, 0, "6 fields");
	expect_csv("group,run,order,miner,f\nminer/a,r,x,1,0.5\n", -EINVAL, 2, 11,
		   "not an unsigned integer");
	expect_csv("group,run,order,miner,f\nminer/a,r,0,2,0.5\n", -EINVAL, 2, 13,
		   "expected 0 or 1");
	expect_csv("group,run,order,miner,f\nminer/a,r,0,1,nan\n", -EINVAL, 2, 15,
		   "not a finite float");
	expect_csv("group,run,order,miner,f\nminer/a,r,0,1,1e99\n", -EINVAL, 2, 15,
		   "not a finite float");
	expect_csv("group,run,order,miner,f\nminer/a,r,1,1,1\nminer/a,r,1,1,1\n", -EINVAL, 3, 0,
		   "increasing order");
	assert_int_equal(cjd_dataset_load_csv(&ds, "/nonexistent/x.csv", &err), -ENOENT);
}

static void test_weights(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_weighting wt;
	float x[2] = {0, 0};
	double w[10], sum = 0;

	/* miner/a: 6 rows, benign/b: 3 rows, benign/c: 1 row */
	assert_int_equal(cjd_dataset_new(&ds, 2, names2, NULL), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(
		    cjd_dataset_append(ds, "miner/a", "ra", (uint64_t)i, true, x, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    cjd_dataset_append(ds, "benign/b", "rb", (uint64_t)i, false, x, NULL), 0);
	assert_int_equal(cjd_dataset_append(ds, "benign/c", "rc", 0, false, x, NULL), 0);

	cjd_weighting_defaults(&wt);
	assert_int_equal(cjd_dataset_weights(ds, NULL, 10, &wt, w), 0);
	for (int i = 0; i < 10; i++)
		assert_true(fabs(w[i] - 1.0) < 1e-12);

	/* benign weighs 4x a miner row; mean stays 1 */
	wt.benign = 4.0;
	assert_int_equal(cjd_dataset_weights(ds, NULL, 10, &wt, w), 0);
	for (int i = 0; i < 10; i++)
		sum += w[i];
	assert_true(fabs(sum - 10.0) < 1e-9);
	assert_true(fabs(w[6] / w[0] - 4.0) < 1e-12);

	/* balanced: benign/b's 3 rows and benign/c's 1 row carry the same total */
	wt.benign = 1.0;
	wt.balance_groups = true;
	assert_int_equal(cjd_dataset_weights(ds, NULL, 10, &wt, w), 0);
	assert_true(fabs((w[6] + w[7] + w[8]) - w[9]) < 1e-12);
	/* and the class totals are kept: miners 6 rows' worth, benign 4 */
	assert_true(fabs((w[0] * 6) / (w[6] * 3 + w[9]) - 6.0 / 4.0) < 1e-12);

	/* a subset: rows 6..9 only */
	uint32_t rows[] = {6, 7, 9};
	assert_int_equal(cjd_dataset_weights(ds, rows, 3, &wt, w), 0);
	assert_true(fabs((w[0] + w[1]) - w[2]) < 1e-12);

	wt.miner = 0;
	assert_int_equal(cjd_dataset_weights(ds, NULL, 10, &wt, w), -EINVAL);
	wt.miner = NAN;
	assert_int_equal(cjd_dataset_weights(ds, NULL, 10, &wt, w), -EINVAL);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_append_and_read), cmocka_unit_test(test_append_rejects),
	    cmocka_unit_test(test_csv_roundtrip),   cmocka_unit_test(test_csv_errors),
	    cmocka_unit_test(test_weights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
