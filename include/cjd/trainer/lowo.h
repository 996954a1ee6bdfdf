/* Leave-one-workload-out cross-validation: one fold per group, out-of-fold scores. */
#ifndef CJD_TRAINER_LOWO_H
#define CJD_TRAINER_LOWO_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/eval.h"
#include "cjd/trainer/model.h"
#include "cjd/trainer/train.h"

/*
 * Trains one fold. The default is cjd_train(); tests pass a spy. Must not
 * keep rows after returning.
 */
typedef int (*cjd_fold_train_fn)(void *ctx, const struct cjd_dataset *ds, const uint32_t *rows,
				 size_t n, const struct cjd_train_config *cfg,
				 struct cjd_trained_model **out, struct cjd_error *err);

/*
 * Scores one fold: rows train[0..nt) are every row whose group is not g, held[0..nh) the
 * rows of g. Fills score[i] for held[i] (0..1), and *thr / *thr_low, the fold's thresholds
 * (a held row scoring >= *thr is flagged). Must not keep the arrays. Returns 0 or -errno
 * with err filled.
 */
typedef int (*cjd_lowo_fold_fn)(void *ctx, const struct cjd_dataset *ds, uint32_t g,
				const uint32_t *train, size_t nt, const uint32_t *held, size_t nh,
				float *score, float *thr, float *thr_low, struct cjd_error *err);

/*
 * The one leave-one-workload-out loop: one fold per group, in group order, each scored by
 * `fold` (a trainer and its model, the detector's loading path, a verdict model...); the
 * out-of-fold scores are summarised as cjd_eval_scores does (cross_validated = true).
 * Needs >= 2 miner and >= 2 benign groups (each fold must keep both classes).
 * progress (may be NULL) gets ("fold", g + 1, groups) after each fold; a non-zero return
 * stops. Errors of a fold are prefixed with "fold without <group>: ". Returns 0, -EINVAL
 * (too few groups, a fold's error), -ENOMEM, or a callback's value.
 */
int cjd_lowo_scored(const struct cjd_dataset *ds, unsigned k, cjd_lowo_fold_fn fold, void *ctx,
		    cjd_train_progress_fn progress, void *progress_ctx, struct cjd_eval **out,
		    struct cjd_error *err);

/*
 * Leave-one-workload-out cross-validation of a trainer (cjd_lowo_scored with a fold that
 * trains and scores with cjd_trained_model_score_rows): one fold per group, in group
 * order. Fold g trains on every row whose group is not g (so its
 * calibration sees no row of g either), scores the rows of g, and judges
 * them at that fold's threshold. The folds' out-of-fold scores are then
 * summarised as cjd_eval_scores does (cross_validated = true).
 * Needs >= 2 miner and >= 2 benign groups (each fold must keep both
 * classes). train NULL means cjd_train. Progress: cfg->progress gets
 * ("fold", g + 1, groups) after each fold (and the trainer's own "tree" calls).
 * Returns 0, -EINVAL with err (too few groups, a fold's training error, which
 * err prefixes with the held-out group), -ENOMEM, or a callback's value.
 */
int cjd_lowo(const struct cjd_dataset *ds, const struct cjd_train_config *cfg, unsigned k,
	     cjd_fold_train_fn train, void *train_ctx, struct cjd_eval **out,
	     struct cjd_error *err);

#endif
