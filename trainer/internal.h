/* Helpers shared inside cjd_trainer only: model metadata, row selection, sigmoid. */
#ifndef CJD_TRAINER_INTERNAL_H
#define CJD_TRAINER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/trainer/model.h"
#include "cjd/trainer/train.h"

/* Appends a parameter "key": value-text to the model's metadata. 0 or -ENOMEM. */
int cjd_meta_param_u64(struct cjd_trained_meta *meta, const char *key, uint64_t v);
int cjd_meta_param_double(struct cjd_trained_meta *meta, const char *key, double v);
int cjd_meta_param_bool(struct cjd_trained_meta *meta, const char *key, bool v);

/*
 * cjd_train_gbdt that also hands back the training rows' final logits
 * (logits[0..n), may be NULL). They are bit-identical to what the reference
 * scorer computes for those rows (same leaves, same double sums in tree
 * order), so calibration can use them instead of scoring again.
 */
int cjd_gbdt_train_logits(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			  const double *w, const struct cjd_gbdt_params *p,
			  cjd_train_progress_fn progress, void *ctx, struct cjd_trained_model **out,
			  double *logits, struct cjd_error *err);

/* Row i of a selection (rows NULL: the identity). */
static inline uint32_t cjd_sel(const uint32_t *rows, size_t i)
{
	return rows ? rows[i] : (uint32_t)i;
}

static inline double cjd_sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

#endif
