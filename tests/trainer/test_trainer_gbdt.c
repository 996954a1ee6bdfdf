/* Unit tests for the GBDT: separates, learns interactions, deterministic, obeys limits. */
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

#include "cjd/trainer/metrics.h"
#include "cjd/trainer/model_write.h"
#include "cjd/trainer/train.h"
#include "fixtures.h"
#include "internal.h"

static float *score_all(const struct cjd_trained_model *m, const struct cjd_dataset *ds)
{
	size_t n = cjd_dataset_rows(ds);
	float *s = malloc(n * sizeof(*s));

	assert_non_null(s);
	assert_int_equal(cjd_trained_model_score_rows(m, ds, NULL, n, s, NULL), 0);
	return s;
}

static bool *labels(const struct cjd_dataset *ds)
{
	size_t n = cjd_dataset_rows(ds);
	bool *y = malloc(n * sizeof(*y));

	for (size_t i = 0; i < n; i++)
		y[i] = cjd_dataset_miner(ds, i);
	return y;
}

static double auc_of(const struct cjd_trained_model *m, const struct cjd_dataset *ds)
{
	float *s = score_all(m, ds);
	bool *y = labels(ds);
	double auc = -1;

	assert_int_equal(cjd_roc_auc(s, y, cjd_dataset_rows(ds), &auc), 0);
	free(s);
	free(y);
	return auc;
}

static double accuracy(const struct cjd_trained_model *m, const struct cjd_dataset *ds)
{
	float *s = score_all(m, ds);
	double a = fx_accuracy(ds, s);

	free(s);
	return a;
}

static struct cjd_trained_model *train(const struct cjd_dataset *ds,
				       const struct cjd_gbdt_params *p)
{
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;
	int rc = cjd_train_gbdt(ds, NULL, cjd_dataset_rows(ds), NULL, p, NULL, NULL, &m, &err);

	if (rc)
		fail_msg("train: %s", err.text);
	return m;
}

/* Structural invariants of every tree: preorder, children after parents, depth limit. */
static void check_trees(const struct cjd_trained_model *m, unsigned max_depth)
{
	assert_int_equal(m->tree_start[0], 0);
	for (size_t t = 0; t < m->n_trees; t++) {
		const struct cjd_trained_node *nd = m->nodes + m->tree_start[t];
		int32_t nn = (int32_t)(m->tree_start[t + 1] - m->tree_start[t]);
		assert_true(nn >= 1 && nn <= 511);
		for (int32_t k = 0; k < nn; k++) {
			if (nd[k].feature < 0) {
				assert_int_equal(nd[k].left, -1);
				assert_int_equal(nd[k].right, -1);
				assert_true(isfinite(nd[k].value));
				continue;
			}
			assert_true((size_t)nd[k].feature < m->n_features);
			assert_true(isfinite(nd[k].threshold));
			assert_true(nd[k].left > k && nd[k].left < nn);
			assert_true(nd[k].right > k && nd[k].right < nn);
			assert_int_equal(nd[k].left, k + 1); /* preorder */
		}
	}
	assert_true(cjd_trained_model_depth(m) <= max_depth);
}

static void test_separable(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(3, 100, 1);
	struct cjd_gbdt_params p;

	cjd_gbdt_params_defaults(&p);
	struct cjd_trained_model *m = train(ds, &p);
	check_trees(m, 6);
	assert_int_equal(m->n_trees, 100);
	assert_true(auc_of(m, ds) == 1.0);
	assert_true(accuracy(m, ds) == 1.0); /* zero errors at 0.5 */
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_xor_needs_depth(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_xor(2, 150, 2);
	struct cjd_gbdt_params p;

	cjd_gbdt_params_defaults(&p);
	p.max_depth = 2; /* one interaction level is enough for XOR */
	p.row_subsample = 1.0;
	p.col_subsample = 1.0;
	struct cjd_trained_model *m = train(ds, &p);
	check_trees(m, 2);
	assert_true(auc_of(m, ds) == 1.0);
	assert_true(accuracy(m, ds) == 1.0);
	cjd_trained_model_free(m);

	/* Stumps (depth 1) are additive in the features and cannot express XOR. */
	p.max_depth = 1;
	m = train(ds, &p);
	check_trees(m, 1);
	assert_true(accuracy(m, ds) < 0.8);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_overlap(2, 200, 3);
	struct cjd_gbdt_params p;
	char *a, *b, *c;
	size_t la, lb, lc;

	cjd_gbdt_params_defaults(&p); /* subsampling on: the seed matters */
	p.n_trees = 30;
	struct cjd_trained_model *m1 = train(ds, &p), *m2 = train(ds, &p);
	p.seed = 2;
	struct cjd_trained_model *m3 = train(ds, &p);
	for (struct cjd_trained_model **m = (struct cjd_trained_model *[]){m1, m2, m3, NULL}; *m;
	     m++) {
		(*m)->window = 8;
		(*m)->events = CJD_EVMASK_SOFTWARE;
		cjd_trained_model_set_string(&(*m)->name, "t");
		cjd_trained_model_set_string(&(*m)->version, "1");
	}
	assert_int_equal(cjd_trained_model_to_json(m1, &a, &la, NULL), 0);
	assert_int_equal(cjd_trained_model_to_json(m2, &b, &lb, NULL), 0);
	assert_int_equal(cjd_trained_model_to_json(m3, &c, &lc, NULL), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la); /* byte-identical */
	assert_true(la != lc || memcmp(a, c, la) != 0);
	assert_non_null(strstr(a, "\"seed\": 1,"));
	assert_non_null(strstr(c, "\"seed\": 2,"));
	free(a);
	free(b);
	free(c);
	cjd_trained_model_free(m1);
	cjd_trained_model_free(m2);
	cjd_trained_model_free(m3);
	cjd_dataset_free(ds);
}

/* Rows reaching each leaf (by the model's own rule) are at least min_samples_leaf. */
/* The logits training ends with are bit-identical to the reference scorer's,
 * so calibrating on them is the same as scoring the rows again. */
static void test_training_logits(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_overlap(2, 200, 9);
	size_t n = cjd_dataset_rows(ds);
	struct cjd_gbdt_params p;
	struct cjd_trained_model *m = NULL;
	double *logits = malloc(n * sizeof(*logits));

	cjd_gbdt_params_defaults(&p);
	p.n_trees = 25;
	assert_int_equal(cjd_gbdt_train_logits(ds, NULL, n, NULL, &p, NULL, NULL, &m, logits, NULL),
			 0);
	for (size_t i = 0; i < n; i++) {
		double z = cjd_trained_model_logit(m, cjd_dataset_row(ds, i));
		assert_memory_equal(&z, &logits[i], sizeof(z));
	}
	cjd_trained_model_free(m);
	free(logits);
	cjd_dataset_free(ds);
}

static void test_min_samples_leaf(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_overlap(2, 150, 4);
	struct cjd_gbdt_params p;

	cjd_gbdt_params_defaults(&p);
	p.n_trees = 10;
	p.row_subsample = 1.0; /* every row is in every tree's sample */
	p.min_samples_leaf = 37;
	p.min_child_weight = 0;
	struct cjd_trained_model *m = train(ds, &p);
	for (size_t t = 0; t < m->n_trees; t++) {
		const struct cjd_trained_node *nd = m->nodes + m->tree_start[t];
		size_t nn = m->tree_start[t + 1] - m->tree_start[t];
		size_t *count = calloc(nn, sizeof(*count));
		for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
			const float *x = cjd_dataset_row(ds, i);
			int32_t k = 0;
			while (nd[k].feature >= 0)
				k = x[nd[k].feature] < nd[k].threshold ? nd[k].left : nd[k].right;
			count[k]++;
		}
		for (size_t k = 0; k < nn; k++)
			if (nd[k].feature < 0)
				assert_true(count[k] >= 37);
		free(count);
	}
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_constant_features(void **state)
{
	(void)state;
	static const char *const names[] = {"c"};
	struct cjd_dataset *ds;
	struct cjd_gbdt_params p;
	float x = 7.0f;

	assert_int_equal(cjd_dataset_new(&ds, 1, names, NULL), 0);
	for (int i = 0; i < 30; i++)
		assert_int_equal(cjd_dataset_append(ds, i < 10 ? "miner/a" : "benign/b",
						    i < 10 ? "ra" : "rb", (uint64_t)i, i < 10, &x,
						    NULL),
				 0);
	cjd_gbdt_params_defaults(&p);
	p.row_subsample = 1.0;
	p.n_trees = 5;
	struct cjd_trained_model *m = train(ds, &p);
	for (size_t t = 0; t < m->n_trees; t++)
		assert_int_equal(m->tree_start[t + 1] - m->tree_start[t], 1); /* a lone leaf */
	/* nothing to learn: the prior, 10 miners to 20 benign */
	assert_true(fabs(cjd_trained_model_logit(m, &x) - log(0.5)) < 1e-5);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_class_weight(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_overlap(2, 300, 6);
	size_t n = cjd_dataset_rows(ds);
	struct cjd_weighting wt;
	struct cjd_gbdt_params p;
	struct cjd_trained_model *m1, *m5;
	double *w = malloc(n * sizeof(*w));
	double fpr[2];

	cjd_gbdt_params_defaults(&p);
	p.n_trees = 30;
	cjd_weighting_defaults(&wt);
	for (int k = 0; k < 2; k++) {
		struct cjd_trained_model **m = k ? &m5 : &m1;
		wt.benign = k ? 5.0 : 1.0;
		assert_int_equal(cjd_dataset_weights(ds, NULL, n, &wt, w), 0);
		assert_int_equal(cjd_train_gbdt(ds, NULL, n, w, &p, NULL, NULL, m, NULL), 0);
		float *s = score_all(*m, ds);
		size_t fp = 0, neg = 0;
		for (size_t i = 0; i < n; i++) {
			if (cjd_dataset_miner(ds, i))
				continue;
			neg++;
			fp += s[i] >= 0.5f;
		}
		fpr[k] = (double)fp / (double)neg;
		free(s);
	}
	/* heavier benign windows push the benign false positives down */
	assert_true(fpr[1] < fpr[0] * 0.6);
	assert_true(m5->base_score < m1->base_score);
	cjd_trained_model_free(m1);
	cjd_trained_model_free(m5);
	free(w);
	cjd_dataset_free(ds);
}

static int count_progress(void *ctx, const char *what, size_t done, size_t total)
{
	size_t *calls = ctx;

	assert_string_equal(what, "tree");
	assert_int_equal(done, ++*calls);
	assert_int_equal(total, 7);
	return done == 4 ? -ECANCELED : 0;
}

static void test_errors_and_progress(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(1, 20, 8);
	struct cjd_gbdt_params p;
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;
	size_t n = cjd_dataset_rows(ds), calls = 0;

	cjd_gbdt_params_defaults(&p);
	p.n_trees = 7;
	p.min_samples_leaf = 1;
	assert_int_equal(cjd_train_gbdt(ds, NULL, n, NULL, &p, count_progress, &calls, &m, &err),
			 -ECANCELED);
	assert_int_equal(calls, 4);
	assert_null(m);

	/* every parameter out of range is refused, naming it */
	struct cjd_gbdt_params q;
#define BAD(field, value)                                                                          \
	do {                                                                                       \
		q = p;                                                                             \
		q.field = value;                                                                   \
		assert_int_equal(cjd_train_gbdt(ds, NULL, n, NULL, &q, NULL, NULL, &m, &err),      \
				 -EINVAL);                                                         \
		assert_non_null(strstr(err.text, #field));                                         \
	} while (0)
	BAD(n_trees, 0);
	BAD(max_depth, 0);
	BAD(max_depth, 9);
	BAD(learning_rate, 0.0);
	BAD(learning_rate, NAN);
	BAD(max_bins, 1);
	BAD(max_bins, 257);
	BAD(min_samples_leaf, 0);
	BAD(min_child_weight, -1.0);
	BAD(l2, INFINITY);
	BAD(min_split_gain, -1.0);
	BAD(row_subsample, 0.0);
	BAD(col_subsample, 1.5);
	BAD(seed, UINT64_MAX);
#undef BAD
	/* one class only */
	uint32_t miners[] = {0, 1, 2, 3};
	assert_int_equal(cjd_train_gbdt(ds, miners, 4, NULL, &p, NULL, NULL, &m, &err), -EINVAL);
	assert_non_null(strstr(err.text, "both classes"));
	/* a negative weight */
	double *w = calloc(n, sizeof(*w));
	w[3] = -1;
	assert_int_equal(cjd_train_gbdt(ds, NULL, n, w, &p, NULL, NULL, &m, &err), -EINVAL);
	free(w);
	assert_null(m);
	cjd_dataset_free(ds);
}

/* Miner at both ends of x0, benign in the middle: a pocket only a free tree carves out. */
static struct cjd_dataset *pocket_set(void)
{
	const char *names[] = {"x0", "x1"};
	struct cjd_dataset *ds;
	uint64_t st = 99;

	assert_int_equal(cjd_dataset_new(&ds, 2, names, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		float x[2] = {(float)fx_uniform(&st, 0, 1), (float)fx_uniform(&st, 0, 1)};
		bool miner = x[0] < 0.3f || x[0] > 0.7f;
		char g[32];
		snprintf(g, sizeof(g), "%s/g%d", miner ? "miner" : "benign", i % 3);
		assert_int_equal(cjd_dataset_append(ds, g, g, (uint64_t)i, miner, x, NULL), 0);
	}
	return ds;
}

/* Largest drop (direction +1) or rise (-1) of the score along x0 on a grid. */
static double worst_violation(const struct cjd_trained_model *m, int dir)
{
	double worst = 0.0;

	for (int a = 0; a <= 10; a++) {
		float x[2] = {0.0f, (float)a / 10.0f};
		double prev = cjd_trained_model_logit(m, x);
		for (int k = 1; k <= 400; k++) {
			x[0] = (float)k / 400.0f;
			double v = cjd_trained_model_logit(m, x);
			worst = fmax(worst, dir > 0 ? prev - v : v - prev);
			prev = v;
		}
	}
	return worst;
}

static void test_monotone(void **state)
{
	(void)state;
	struct cjd_dataset *ds = pocket_set();
	struct cjd_gbdt_params p;
	struct cjd_trained_model *free_m, *up, *down, *zero;
	struct cjd_error err;
	int8_t inc[2] = {1, 0}, dec[2] = {-1, 0}, none[2] = {0, 0}, bad[2] = {2, 0};

	cjd_gbdt_params_defaults(&p);
	p.n_trees = 30;
	free_m = train(ds, &p);
	/* the free model learns the pocket: its score falls from x0 = 0.2 to 0.5 */
	assert_true(worst_violation(free_m, +1) > 1.0);
	assert_true(worst_violation(free_m, -1) > 1.0);
	p.monotone = inc;
	up = train(ds, &p);
	assert_true(worst_violation(up, +1) == 0.0);
	p.monotone = dec;
	down = train(ds, &p);
	assert_true(worst_violation(down, -1) == 0.0);
	/* all-free constraints are no constraints, bit for bit */
	p.monotone = none;
	zero = train(ds, &p);
	assert_int_equal(free_m->n_trees, zero->n_trees);
	assert_true(free_m->base_score == zero->base_score);
	assert_memory_equal(free_m->tree_start, zero->tree_start,
			    (free_m->n_trees + 1) * sizeof(size_t));
	assert_memory_equal(free_m->nodes, zero->nodes,
			    free_m->tree_start[free_m->n_trees] * sizeof(*free_m->nodes));
	/* a value other than -1, 0, 1 is refused */
	struct cjd_trained_model *m = NULL;
	p.monotone = bad;
	assert_int_equal(cjd_train_gbdt(ds, NULL, cjd_dataset_rows(ds), NULL, &p, NULL, NULL, &m,
					&err),
			 -EINVAL);
	assert_non_null(strstr(err.text, "monotone"));
	cjd_trained_model_free(free_m);
	cjd_trained_model_free(up);
	cjd_trained_model_free(down);
	cjd_trained_model_free(zero);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_separable),	    cmocka_unit_test(test_xor_needs_depth),
	    cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_min_samples_leaf),
	    cmocka_unit_test(test_training_logits), cmocka_unit_test(test_constant_features),
	    cmocka_unit_test(test_class_weight),    cmocka_unit_test(test_errors_and_progress),
	    cmocka_unit_test(test_monotone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
