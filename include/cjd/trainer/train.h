/* Training entry points: histogram GBDT, L2 logistic regression, and the calibrated whole. */
#ifndef CJD_TRAINER_TRAIN_H
#define CJD_TRAINER_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/model.h"
#include "cjd/trainer/weights.h"

/*
 * Progress of long work: `done` of `total` units of `what` ("tree", "fold").
 * Called from the training thread; may print (cjd_progress_update). A
 * non-zero return cancels the work, which then returns that value.
 */
typedef int (*cjd_train_progress_fn)(void *ctx, const char *what, size_t done, size_t total);

/*
 * Gradient-boosted trees for the binary logistic loss.
 *
 * Each feature is cut into at most max_bins quantile bins over the training
 * rows (bin edges sit between distinct values, so a feature with few distinct
 * values gets one bin per value and a constant feature one bin, which is
 * never split). Trees grow depth-first to max_depth; a split maximises the
 * usual second-order gain G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2) and is
 * kept only when the gain exceeds min_split_gain and both children hold at
 * least min_samples_leaf rows and min_child_weight hessian. Leaf value =
 * -learning_rate * G / (H + l2). The base score is the weighted prior
 * log-odds. Each tree sees a row_subsample fraction of the rows (Bernoulli)
 * and a col_subsample fraction of the features, drawn from a xoshiro256**
 * stream seeded with `seed`: the same data, weights, parameters and seed give
 * the identical model on every run and every machine with IEEE doubles.
 * Ties between equally good splits go to the lower feature index, then the
 * lower bin, so they are deterministic too.
 */
struct cjd_gbdt_params {
	unsigned n_trees;	   /* 1..10000, default 100 */
	unsigned max_depth;	   /* 1..8, default 6 */
	double learning_rate;	   /* (0, 1], default 0.1 */
	unsigned max_bins;	   /* 2..256, default 256 */
	unsigned min_samples_leaf; /* >= 1, default 20 */
	double min_child_weight;   /* hessian per child, >= 0, default 1 */
	double l2;		   /* leaf L2 regularisation, >= 0, default 1 */
	double min_split_gain;	   /* >= 0, default 0 */
	double row_subsample;	   /* (0, 1], default 0.8 */
	double col_subsample;	   /* (0, 1], default 0.8; at least one feature per tree */
	uint64_t seed;		   /* 0..2^63-1 (it is written to JSON), default 1 */
	/*
	 * Monotone constraints, [n_features] of the dataset or NULL (none;
	 * borrowed): +1 makes the model's score non-decreasing in that feature
	 * (all else equal), -1 non-increasing, 0 leaves it free. Domain knowledge
	 * a tree would otherwise trade for a pocket of the training data ("a busy
	 * cgroup is less suspicious than a half-idle one"). Enforced per tree the
	 * usual way: a split on a constrained feature must order its children's
	 * values, and their mid-point bounds every leaf below each child.
	 */
	const int8_t *monotone;
};

void cjd_gbdt_params_defaults(struct cjd_gbdt_params *p);

/*
 * L2-regularised logistic regression, solved by Newton's method (IRLS) with
 * a Cholesky solve and step halving, from zero weights: a fixed deterministic
 * schedule with no randomness at all. Minimises
 *   sum_i w_i * logloss_i / sum_i w_i  +  l2/2 * |weights|^2   (bias unpenalised)
 * over standardised features: z_j = (g(x_j) - mean_j) / scale_j with mean and
 * scale learned on the training rows (scale = population std, 1 for a
 * constant feature), g = log1p where log1p[j] is set (heavy-tailed
 * nonnegative rates; a negative training value of such a feature is an
 * error), else identity.
 */
struct cjd_logistic_params {
	double l2;	   /* > 0, default 1e-3 */
	unsigned max_iter; /* >= 1, default 100 */
	double tol;	   /* stop when max |gradient| < tol, default 1e-9 */
	const bool *log1p; /* [n_features] or NULL (none); borrowed */
};

void cjd_logistic_params_defaults(struct cjd_logistic_params *p);

/*
 * The raw trainers. rows[0..n) selects training rows of ds (rows NULL: all,
 * n must then equal the row count); w[0..n) are their weights (NULL: all 1).
 * Both classes must be present among the rows. *out gets a new model with
 * threshold 0.5/threshold_low 0.5 and empty metadata; cjd_train() does the
 * rest. Returns 0, -EINVAL (bad parameters, one class only, ...) with err,
 * -ENOMEM, or a progress callback's non-zero value.
 */
int cjd_train_gbdt(const struct cjd_dataset *ds, const uint32_t *rows, size_t n, const double *w,
		   const struct cjd_gbdt_params *p, cjd_train_progress_fn progress, void *ctx,
		   struct cjd_trained_model **out, struct cjd_error *err);
int cjd_train_logistic(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
		       const double *w, const struct cjd_logistic_params *p,
		       struct cjd_trained_model **out, struct cjd_error *err);

/*
 * Threshold calibration on the training rows (see cjd_threshold_for_fpr in
 * metrics.h): threshold is the lowest score that keeps the benign window FPR
 * at or below target_fpr, never below min_threshold; threshold_low does the
 * same for target_fpr_low (>= target_fpr) and is clamped to <= threshold, so
 * a firing alert rides out dips that benign work rarely reaches.
 */
struct cjd_calibration {
	double target_fpr;     /* [0, 1), default 0.001 */
	double target_fpr_low; /* [target_fpr, 1), default 0.01 */
	float min_threshold;   /* default 0.5 */
};

void cjd_calibration_defaults(struct cjd_calibration *c);

/* Everything cjd_train needs; one config serves a final model and every LOWO fold. */
struct cjd_train_config {
	enum cjd_trained_kind kind;
	struct cjd_gbdt_params gbdt;
	struct cjd_logistic_params logistic;
	struct cjd_weighting weighting;
	struct cjd_calibration calibration;
	cjd_train_progress_fn progress; /* may be NULL */
	void *progress_ctx;
};

/* GBDT with all the defaults above. */
void cjd_train_config_defaults(struct cjd_train_config *c);

/*
 * Trains cfg->kind on rows[0..n) of ds (NULL: all): weights them, trains,
 * scores the training rows, calibrates threshold/threshold_low and fills the
 * metadata (training summary, seed, parameters). The caller then sets name,
 * version, description, window and events and saves. Returns as the raw
 * trainers do.
 */
int cjd_train(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
	      const struct cjd_train_config *cfg, struct cjd_trained_model **out,
	      struct cjd_error *err);

/*
 * Scores rows[0..n) of ds (NULL: all) with m into score[0..n). The model's
 * features must be the dataset's, in the same order (checked: -EINVAL).
 */
int cjd_trained_model_score_rows(const struct cjd_trained_model *m, const struct cjd_dataset *ds,
				 const uint32_t *rows, size_t n, float *score,
				 struct cjd_error *err);

#endif
