/* Integration: the detector loads what the trainer writes and scores it as the trainer does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/features_table.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"
#include "cjd/trainer/model_write.h"
#include "cjd/trainer/train.h"
#include "fixtures.h"

/*
 * Built only when the detector is in the tree (tests/trainer/CMakeLists.txt).
 * A dataset over the detector's real software feature names, with a rule
 * that needs an interaction and heavy-tailed rates; both kinds are trained,
 * written by trainer/model_write.c, loaded by cjd_model_load_string, and
 * every window must get the same flag from both scorers.
 */
static void check_kind(enum cjd_trained_kind kind)
{
	const char *names[CJD_FEATURES_MAX];
	int idx[CJD_FEATURES_MAX];
	bool nonneg[CJD_FEATURES_MAX];
	cjd_event_mask events = 0;
	size_t d = 0;
	uint64_t st = 77;
	struct cjd_error err;
	char where[512];

	for (size_t i = 0; i < cjd_feature_count(); i++) {
		struct cjd_feature_desc fd;
		assert_int_equal(cjd_feature_describe(i, &fd), 0);
		if (strcmp(fd.set, "sw"))
			continue;
		names[d] = fd.name;
		idx[d] = (int)i;
		nonneg[d] = fd.nonnegative;
		events |= fd.events;
		d++;
	}
	assert_true(d >= 6);
	struct cjd_dataset *ds;
	assert_int_equal(cjd_dataset_new(&ds, d, names, &err), 0);
	for (int i = 0; i < 3000; i++) {
		float x[CJD_FEATURES_MAX];
		for (size_t j = 0; j < d; j++)
			x[j] = nonneg[j] ? (float)pow(10, fx_uniform(&st, 0, 6))
					 : (float)fx_uniform(&st, -1, 1);
		bool miner = (log10(x[0]) + log10(x[d - 1] + 2.0f) > 3.0) ^ (x[1] > 1e3f);
		char g[32];
		snprintf(g, sizeof(g), "%s/w%d", miner ? "miner" : "benign", i % 4);
		assert_int_equal(cjd_dataset_append(ds, g, g, (uint64_t)i, miner, x, &err), 0);
	}
	struct cjd_train_config cfg;
	struct cjd_trained_model *m;
	cjd_train_config_defaults(&cfg);
	cfg.kind = kind;
	cfg.gbdt.n_trees = 40;
	cfg.logistic.log1p = nonneg; /* exercises log1p_standard */
	assert_int_equal(cjd_train(ds, NULL, cjd_dataset_rows(ds), &cfg, &m, &err), 0);
	m->window = 8;
	m->events = events;
	char *json;
	size_t len;
	assert_int_equal(cjd_trained_model_to_json(m, &json, &len, &err), 0);
	struct cjd_model *dm;
	if (cjd_model_load_string(&dm, "trained.json", json, len, &err))
		fail_msg("the detector refuses the trainer's model: %s",
			 cjd_error_format(&err, where, sizeof(where)));
	assert_true(cjd_model_threshold(dm) == m->threshold);
	assert_true(cjd_model_threshold_low(dm) == m->threshold_low);
	size_t disagree = 0;
	double maxdiff = 0;
	for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
		float full[CJD_FEATURES_MAX] = {0};
		const float *r = cjd_dataset_row(ds, i);
		for (size_t j = 0; j < d; j++)
			full[idx[j]] = r[j];
		float a = cjd_trained_model_score(m, r), b = cjd_model_predict_one(dm, full);
		maxdiff = fmax(maxdiff, fabs((double)a - (double)b));
		/* float sums in the detector, double here: a flag may differ only
		 * for a score within rounding of the threshold */
		if ((a >= m->threshold) != (b >= m->threshold) &&
		    fabs((double)a - (double)m->threshold) > 1e-5)
			disagree++;
	}
	printf("%s: max |score difference| %.3g\n", cjd_trained_kind_name(kind), maxdiff);
	assert_int_equal(disagree, 0);
	assert_true(maxdiff < 1e-4);
	free(json);
	cjd_model_free(dm);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_gbdt(void **state)
{
	(void)state;
	check_kind(CJD_TRAINED_GBDT);
}

static void test_logistic(void **state)
{
	(void)state;
	check_kind(CJD_TRAINED_LOGISTIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_gbdt),
					   cmocka_unit_test(test_logistic)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
