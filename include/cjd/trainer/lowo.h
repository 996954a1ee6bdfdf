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
 * Leave-one-workload-out cross-validation: one fold per group, in group
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
