/* Unit tests for logistic regression: separable, standardised, log1p, fails XOR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/metrics.h"
#include "cjd/trainer/train.h"
#include "fixtures.h"

static struct cjd_trained_model *train(const struct cjd_dataset *ds,
				       const struct cjd_logistic_params *p)
{
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;

	if (cjd_train_logistic(ds, NULL, cjd_dataset_rows(ds), NULL, p, &m, &err))
		fail_msg("train: %s", err.text);
	return m;
}

/* Training AUC and accuracy at 0.5 of m on ds. */
static void judge(const struct cjd_trained_model *m, const struct cjd_dataset *ds, double *auc,
		  double *acc)
{
	size_t n = cjd_dataset_rows(ds);
	float *s = malloc(n * sizeof(*s));
	bool *y = malloc(n * sizeof(*y));

	assert_int_equal(cjd_trained_model_score_rows(m, ds, NULL, n, s, NULL), 0);
	for (size_t i = 0; i < n; i++)
		y[i] = cjd_dataset_miner(ds, i);
	assert_int_equal(cjd_roc_auc(s, y, n, auc), 0);
	*acc = fx_accuracy(ds, s);
	free(s);
	free(y);
}

static void test_separable(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(3, 100, 1);
	struct cjd_logistic_params p;
	double auc, acc;

	cjd_logistic_params_defaults(&p);
	struct cjd_trained_model *m = train(ds, &p);
	assert_int_equal(m->kind, CJD_TRAINED_LOGISTIC);
	judge(m, ds, &auc, &acc);
	assert_true(auc == 1.0);
	assert_true(acc == 1.0);
	/* the boundary is x0 + x1 = 0; x2 is noise */
	double w0 = m->weights[0] / m->scale[0], w1 = m->weights[1] / m->scale[1];
	assert_true(w0 > 0 && w1 > 0);
	assert_true(fabs(w0 / w1 - 1.0) < 0.2);
	assert_true(fabs(m->weights[2]) < 0.2 * fabs(m->weights[0]));
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_standardisation(void **state)
{
	(void)state;
	static const char *const names[] = {"big", "const", "rate"};
	struct cjd_dataset *ds;
	struct cjd_logistic_params p;
	bool log1p_mask[] = {false, false, true};
	uint64_t st = 9;
	double sum = 0, sq = 0;

	assert_int_equal(cjd_dataset_new(&ds, 3, names, NULL), 0);
	for (int i = 0; i < 400; i++) {
		bool miner = i % 2;
		float x[3] = {(float)(1e6 + fx_uniform(&st, 0, 1000) + (miner ? 600 : 0)), 5.0f,
			      (float)fx_uniform(&st, 0, 1e9)};
		sum += x[0];
		sq += (double)x[0] * x[0];
		assert_int_equal(cjd_dataset_append(ds, miner ? "miner/a" : "benign/b",
						    miner ? "ra" : "rb", (uint64_t)i, miner, x,
						    NULL),
				 0);
	}
	cjd_logistic_params_defaults(&p);
	p.log1p = log1p_mask;
	struct cjd_trained_model *m = train(ds, &p);
	/* mean and population std of the raw feature */
	double mean = sum / 400, sd = sqrt(sq / 400 - mean * mean);
	assert_int_equal(m->norm[0], CJD_TRAINED_NORM_STANDARD);
	assert_true(fabs(m->mean[0] - mean) < 1e-6 * mean);
	assert_true(fabs(m->scale[0] - sd) < 1e-3 * sd);
	/* a constant feature: scale 1, weight exactly 0 (its gradient is 0) */
	assert_true(m->mean[1] == 5.0 && m->scale[1] == 1.0);
	assert_true(m->weights[1] == 0.0);
	/* log1p: statistics in log space */
	assert_int_equal(m->norm[2], CJD_TRAINED_NORM_LOG1P_STANDARD);
	assert_true(m->mean[2] > 15 && m->mean[2] < 21.5); /* log1p of ~0..1e9 */
	assert_true(m->weights[0] > 0);
	cjd_trained_model_free(m);

	/* a log1p feature with a negative training value is refused */
	float neg[3] = {1e6f, 5.0f, -1.0f};
	struct cjd_error err;
	assert_int_equal(cjd_dataset_append(ds, "benign/b", "rb", 1000, false, neg, NULL), 0);
	assert_int_equal(cjd_train_logistic(ds, NULL, cjd_dataset_rows(ds), NULL, &p, &m, &err),
			 -EINVAL);
	assert_non_null(strstr(err.text, "rate is log1p-normalised"));
	cjd_dataset_free(ds);
}

static void test_xor_is_beyond_it(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_xor(2, 150, 2);
	struct cjd_logistic_params p;
	double auc, acc;

	cjd_logistic_params_defaults(&p);
	struct cjd_trained_model *m = train(ds, &p);
	judge(m, ds, &auc, &acc);
	/* a linear model cannot separate XOR: near chance (the gbdt gets 1.0) */
	assert_true(auc < 0.65);
	assert_true(acc < 0.7);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_deterministic_and_errors(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_overlap(2, 100, 4);
	struct cjd_logistic_params p;
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;
	size_t n = cjd_dataset_rows(ds);

	cjd_logistic_params_defaults(&p);
	struct cjd_trained_model *a = train(ds, &p), *b = train(ds, &p);
	assert_true(a->bias == b->bias);
	assert_memory_equal(a->weights, b->weights, 3 * sizeof(double));
	/* the optimum: the gradient of the objective vanishes, so a second run
	 * from it would not move; check the bias' stationarity directly */
	double g = 0;
	for (size_t i = 0; i < n; i++) {
		double pr = 1 / (1 + exp(-cjd_trained_model_logit(a, cjd_dataset_row(ds, i))));
		g += pr - (cjd_dataset_miner(ds, i) ? 1 : 0);
	}
	assert_true(fabs(g / (double)n) < 1e-8);
	cjd_trained_model_free(a);
	cjd_trained_model_free(b);

	p.l2 = 0;
	assert_int_equal(cjd_train_logistic(ds, NULL, n, NULL, &p, &m, &err), -EINVAL);
	cjd_logistic_params_defaults(&p);
	uint32_t benign[] = {200, 201, 202};
	assert_int_equal(cjd_train_logistic(ds, benign, 3, NULL, &p, &m, &err), -EINVAL);
	assert_non_null(strstr(err.text, "both classes"));
	assert_null(m);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_separable),
	    cmocka_unit_test(test_standardisation),
	    cmocka_unit_test(test_xor_is_beyond_it),
	    cmocka_unit_test(test_deterministic_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
