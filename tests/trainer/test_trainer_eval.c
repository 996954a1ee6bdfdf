/* Unit tests for evaluation: hand-scored workloads, spied LOWO folds, the reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/eval_report.h"
#include "cjd/trainer/lowo.h"
#include "fixtures.h"

static const char *const names1[] = {"x"};

/*
 * Hand-built: miner/a run a1 (5 windows), miner/b runs b1 (5), b2 (3);
 * benign/c run c1 (6), benign/d run d1 (3). Scores per window below.
 */
static struct cjd_dataset *handbuilt(float **scores)
{
	static const struct {
		const char *group, *run;
		bool miner;
		float s[6];
		int n;
	} runs[] = {
	    {"miner/a", "a1", true, {0.2f, 0.9f, 0.9f, 0.9f, 0.9f}, 5},
	    {"miner/b", "b1", true, {0.9f, 0.4f, 0.9f, 0.9f, 0.9f}, 5},
	    {"miner/b", "b2", true, {0.7f, 0.7f, 0.7f}, 3},
	    {"benign/c", "c1", false, {0.1f, 0.6f, 0.6f, 0.1f, 0.1f, 0.2f}, 6},
	    {"benign/d", "d1", false, {0.6f, 0.6f, 0.6f}, 3},
	};
	static float all[22];
	struct cjd_dataset *ds;
	size_t k = 0;

	assert_int_equal(cjd_dataset_new(&ds, 1, names1, NULL), 0);
	for (size_t r = 0; r < 5; r++)
		for (int i = 0; i < runs[r].n; i++) {
			float x = runs[r].s[i];
			assert_int_equal(cjd_dataset_append(ds, runs[r].group, runs[r].run,
							    (uint64_t)i, runs[r].miner, &x, NULL),
					 0);
			all[k++] = x;
		}
	*scores = all;
	return ds;
}

static void test_eval_scores(void **state)
{
	(void)state;
	float *s;
	struct cjd_dataset *ds = handbuilt(&s);
	struct cjd_eval *e;
	struct cjd_error err;

	assert_int_equal(cjd_eval_scores(ds, s, NULL, NULL, 0.5f, 0.3f, 3, &e, &err), 0);
	assert_false(e->cross_validated);
	assert_int_equal(e->k, 3);
	/* miner windows >= 0.5: a1 4/5, b1 4/5, b2 3/3 -> tp 11, fn 2 */
	assert_int_equal(e->cm.tp, 11);
	assert_int_equal(e->cm.fn, 2);
	/* benign: c1 2/6, d1 3/3 -> fp 5, tn 4 */
	assert_int_equal(e->cm.fp, 5);
	assert_int_equal(e->cm.tn, 4);
	assert_true(fabs(e->tpr - 11.0 / 13) < 1e-15);
	assert_true(fabs(e->fpr - 5.0 / 9) < 1e-15);
	assert_true(e->has_auc);
	assert_int_equal(e->n_groups, 4);
	assert_int_equal(e->groups[1].windows, 8);
	assert_int_equal(e->groups[1].flagged, 7);
	assert_true(fabs(e->groups[1].rate - 7.0 / 8) < 1e-15);
	assert_true(e->groups[1].threshold == 0.5f && e->groups[1].threshold_low == 0.3f);
	/* alert rule K = 3: a1 fires at window 4; b1 at 5 (the dip restarts);
	 * b2 at 3; c1 never (two in a row); d1 at 3 */
	assert_true(e->runs[0].fired && e->runs[0].fire_window == 4);
	assert_true(e->runs[1].fired && e->runs[1].fire_window == 5);
	assert_true(e->runs[2].fired && e->runs[2].fire_window == 3);
	assert_false(e->runs[3].fired);
	assert_int_equal(e->runs[3].fire_window, 0);
	assert_int_equal(e->runs[3].flagged, 2);
	assert_true(e->runs[4].fired && e->runs[4].fire_window == 3);
	assert_int_equal(e->groups[1].runs, 2);
	assert_int_equal(e->groups[1].runs_fired, 2);
	assert_int_equal(e->groups[1].slowest_fire, 5);
	assert_int_equal(e->miner_runs, 3);
	assert_int_equal(e->miner_runs_fired, 3);
	assert_int_equal(e->benign_runs, 2);
	assert_int_equal(e->benign_runs_fired, 1);
	assert_int_equal(e->slowest_fire, 5);
	cjd_eval_free(e);

	/* per-group thresholds (as LOWO folds give): benign/d judged at 0.65 */
	float thr[4] = {0.5f, 0.5f, 0.5f, 0.65f}, low[4] = {0.3f, 0.3f, 0.3f, 0.3f};
	assert_int_equal(cjd_eval_scores(ds, s, thr, low, 0.0f, 0.0f, 0, &e, &err), 0);
	assert_int_equal(e->k, CJD_ALERT_K_DEFAULT);
	assert_int_equal(e->groups[3].flagged, 0);
	assert_false(e->runs[4].fired);
	assert_int_equal(e->cm.fp, 2);
	assert_true(e->row_threshold[cjd_dataset_run_rows(ds, 4, &(size_t){0})[0]] == 0.65f);
	cjd_eval_free(e);

	float bad[22];
	memcpy(bad, s, sizeof(bad));
	bad[7] = NAN;
	assert_int_equal(cjd_eval_scores(ds, bad, NULL, NULL, 0.5f, 0.3f, 3, &e, &err), -EINVAL);
	assert_non_null(strstr(err.text, "run b1"));
	cjd_eval_free(NULL);
	cjd_dataset_free(ds);
}

struct spy {
	size_t calls;
	bool held[16];
	uint32_t fail_on; /* held-out group that makes training fail, or UINT32_MAX */
};

/* Checks the fold never trains on its held-out group, then trains for real. */
static int spy_train(void *ctx, const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
		     const struct cjd_train_config *cfg, struct cjd_trained_model **out,
		     struct cjd_error *err)
{
	struct spy *sp = ctx;
	size_t ng = cjd_dataset_groups(ds);
	bool present[16] = {false};

	sp->calls++;
	for (size_t i = 0; i < n; i++)
		present[cjd_dataset_group(ds, rows[i])] = true;
	/* exactly one group is missing: the held-out one, held out once only */
	uint32_t missing = UINT32_MAX;
	for (uint32_t g = 0; g < ng; g++) {
		if (present[g])
			continue;
		assert_int_equal(missing, UINT32_MAX);
		missing = g;
	}
	assert_int_not_equal(missing, UINT32_MAX);
	assert_false(sp->held[missing]);
	sp->held[missing] = true;
	assert_int_equal(n, cjd_dataset_rows(ds) - cjd_dataset_group_rows(ds, missing));
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(cjd_dataset_group(ds, rows[i]), missing);
	if (missing == sp->fail_on)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "spy refuses");
	return cjd_train(ds, rows, n, cfg, out, err);
}

static void test_lowo(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(3, 80, 21);
	struct cjd_train_config cfg;
	struct cjd_eval *e = NULL;
	struct cjd_error err;
	struct spy sp = {.fail_on = UINT32_MAX};

	cjd_train_config_defaults(&cfg);
	cfg.gbdt.n_trees = 30;
	assert_int_equal(cjd_lowo(ds, &cfg, 3, spy_train, &sp, &e, &err), 0);
	/* one fold per group, each held out exactly once */
	assert_int_equal(sp.calls, cjd_dataset_groups(ds));
	for (size_t g = 0; g < cjd_dataset_groups(ds); g++)
		assert_true(sp.held[g]);
	assert_true(e->cross_validated);
	/* separable with a margin: the gbdt's axis-aligned steps only approximate
	 * the diagonal boundary on unseen workloads, but rank nearly perfectly */
	assert_true(e->has_auc && e->auc > 0.97);
	assert_int_equal(e->miner_runs, 3);
	assert_int_equal(e->benign_runs, 3);
	for (size_t g = 0; g < e->n_groups; g++)
		assert_true(e->groups[g].threshold >= 0.5f);
	cjd_eval_free(e);

	/* a linear model generalises to the unseen workloads perfectly */
	cfg.kind = CJD_TRAINED_LOGISTIC;
	assert_int_equal(cjd_lowo(ds, &cfg, 3, NULL, NULL, &e, &err), 0);
	assert_true(e->has_auc && e->auc == 1.0);
	assert_true(e->tpr == 1.0 && e->fpr == 0.0);
	assert_int_equal(e->miner_runs_fired, 3);
	assert_int_equal(e->slowest_fire, 3);
	assert_int_equal(e->benign_runs_fired, 0);
	cjd_eval_free(e);

	/* a failing fold names its held-out workload */
	sp = (struct spy){.fail_on = 4};
	e = NULL;
	assert_int_equal(cjd_lowo(ds, &cfg, 3, spy_train, &sp, &e, &err), -EINVAL);
	assert_null(e);
	assert_non_null(strstr(err.text, "fold without benign/b1: spy refuses"));
	cjd_dataset_free(ds);

	/* too few workloads of a class */
	ds = fx_linear(1, 20, 22);
	assert_int_equal(cjd_lowo(ds, &cfg, 3, NULL, NULL, &e, &err), -EINVAL);
	assert_non_null(strstr(err.text, "at least 2 miner and 2 benign"));
	cjd_dataset_free(ds);
}

static int fold_progress(void *ctx, const char *what, size_t done, size_t total)
{
	size_t *folds = ctx;

	if (strcmp(what, "fold"))
		return 0;
	assert_int_equal(done, ++*folds);
	assert_int_equal(total, 4);
	return 0;
}

static void test_lowo_progress(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(2, 40, 23);
	struct cjd_train_config cfg;
	struct cjd_eval *e;
	size_t folds = 0;

	cjd_train_config_defaults(&cfg);
	cfg.gbdt.n_trees = 5;
	cfg.progress = fold_progress;
	cfg.progress_ctx = &folds;
	assert_int_equal(cjd_lowo(ds, &cfg, 3, NULL, NULL, &e, NULL), 0);
	assert_int_equal(folds, 4);
	cjd_eval_free(e);
	cjd_dataset_free(ds);
}

static void test_reports(void **state)
{
	(void)state;
	float *s;
	struct cjd_dataset *ds = handbuilt(&s);
	struct cjd_eval *e;
	char buf[8192];
	json_error_t je;

	assert_int_equal(cjd_eval_scores(ds, s, NULL, NULL, 0.5f, 0.3f, 3, &e, NULL), 0);
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(cjd_eval_write_json(e, ds, f), 0);
	fclose(f);
	assert_non_null(strchr(buf, '\n'));
	json_t *root = json_loads(buf, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("%s: %s", je.text, buf);
	assert_true(fabs(json_number_value(json_object_get(root, "tpr")) - 11.0 / 13) < 1e-15);
	assert_true(fabs(json_number_value(json_object_get(root, "fpr")) - 5.0 / 9) < 1e-15);
	assert_true(json_number_value(json_object_get(root, "auc")) == e->auc);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(root, "confusion"), "fp")), 5);
	json_t *wl = json_object_get(root, "workloads");
	assert_int_equal(json_array_size(wl), 4);
	json_t *b = json_array_get(wl, 1), *c = json_array_get(wl, 2);
	assert_string_equal(json_string_value(json_object_get(b, "name")), "miner/b");
	assert_true(fabs(json_number_value(json_object_get(b, "tpr")) - 7.0 / 8) < 1e-15);
	assert_null(json_object_get(b, "fpr"));
	assert_string_equal(json_string_value(json_object_get(c, "class")), "benign");
	assert_non_null(json_object_get(c, "fpr"));
	json_t *runs = json_object_get(b, "runs");
	assert_int_equal(json_array_size(runs), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(runs, 0), "fire_window")), 5);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(c, "runs"), 0), "fire_window")));
	assert_int_equal(json_integer_value(
			     json_object_get(json_object_get(root, "alerts"), "benign_runs_fired")),
			 1);
	json_decref(root);

	/* an evaluation of another dataset is refused, not read out of bounds */
	struct cjd_dataset *other = fx_linear(1, 5, 1);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(cjd_eval_write_text(e, other, f), -EINVAL);
	assert_int_equal(cjd_eval_write_json(e, other, f), -EINVAL);
	fclose(f);
	cjd_dataset_free(other);

	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(cjd_eval_write_text(e, ds, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "miner/b   "));
	assert_non_null(strstr(buf, "confusion matrix"));
	assert_non_null(strstr(buf, "miner runs fired 3/3 (slowest after 5 windows)"));
	assert_non_null(strstr(buf, "benign runs fired 1/2"));
	cjd_eval_free(e);
	cjd_dataset_free(ds);
}

static void test_eval_model(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(2, 50, 24);
	struct cjd_train_config cfg;
	struct cjd_trained_model *m;
	struct cjd_eval *e;

	cjd_train_config_defaults(&cfg);
	cfg.gbdt.n_trees = 20;
	assert_int_equal(cjd_train(ds, NULL, cjd_dataset_rows(ds), &cfg, &m, NULL), 0);
	/* calibrated on the training rows: no benign window at or above the threshold */
	assert_true(m->threshold >= cfg.calibration.min_threshold);
	assert_true(m->threshold_low <= m->threshold);
	assert_true(m->meta.train_fpr == 0.0);
	assert_int_equal(m->meta.groups, 4);
	assert_int_equal(m->meta.rows, 200);
	assert_int_equal(cjd_eval_model(m, ds, 3, &e, NULL), 0);
	assert_true(e->groups[0].threshold == m->threshold);
	/* evaluating on the training rows reproduces the calibration's figures */
	assert_true(e->fpr == 0.0);
	assert_true(e->tpr == m->meta.train_tpr);
	assert_true(e->tpr > 0.8);
	cjd_eval_free(e);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eval_scores),	  cmocka_unit_test(test_lowo),
	    cmocka_unit_test(test_lowo_progress), cmocka_unit_test(test_reports),
	    cmocka_unit_test(test_eval_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
