/* Helpers shared inside cjd_trainer only: model metadata, row selection, sigmoid. */
#ifndef CJD_TRAINER_INTERNAL_H
#define CJD_TRAINER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/trainer/model.h"

/* Appends a parameter "key": value-text to the model's metadata. 0 or -ENOMEM. */
int cjd_meta_param_u64(struct cjd_trained_meta *meta, const char *key, uint64_t v);
int cjd_meta_param_double(struct cjd_trained_meta *meta, const char *key, double v);
int cjd_meta_param_bool(struct cjd_trained_meta *meta, const char *key, bool v);

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
