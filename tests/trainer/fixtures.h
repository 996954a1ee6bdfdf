/* Small synthetic datasets for the trainer tests: they test the learners, not detection. */
#ifndef CJD_TESTS_TRAINER_FIXTURES_H
#define CJD_TESTS_TRAINER_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/trainer/dataset.h"

/* A uniform double in [lo, hi) from a splitmix64 state (self-contained, portable). */
double fx_uniform(uint64_t *state, double lo, double hi);

/*
 * Linearly separable: x0 + x1 > 0 is a miner, with a margin of 0.2 around
 * the boundary; x2 is noise. groups_per_class groups of rows_per_group
 * rows each, one run per group, named "miner/m<i>" and "benign/b<i>".
 */
struct cjd_dataset *fx_linear(unsigned groups_per_class, unsigned rows_per_group, uint64_t seed);

/* XOR: miner when x0 > 0 xor x1 > 0 (margin 0.1), x in [-1, 1]^2; same grouping. */
struct cjd_dataset *fx_xor(unsigned groups_per_class, unsigned rows_per_group, uint64_t seed);

/* Overlapping classes: miner x0 ~ U(-0.5, 1.5), benign x0 ~ U(-1.5, 0.5). */
struct cjd_dataset *fx_overlap(unsigned groups_per_class, unsigned rows_per_group, uint64_t seed);

/* Fraction of rows whose score >= 0.5 agrees with the class. */
double fx_accuracy(const struct cjd_dataset *ds, const float *score);

#endif
