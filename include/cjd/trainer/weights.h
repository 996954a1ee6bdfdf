/* Row weights for training: class weights, optional per-workload balance, mean 1. */
#ifndef CJD_TRAINER_WEIGHTS_H
#define CJD_TRAINER_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"

/*
 * Row weights for training. Each row weighs its class weight; with
 * balance_groups, the rows of each group also share their class's total
 * equally among the class's groups (a workload recorded for 10 minutes then
 * counts no more than one recorded for 1), which keeps one long benign run
 * from deciding the threshold alone. Weights are finally scaled to average 1
 * over the selected rows, so hessian-based limits (min_child_weight) keep
 * their meaning whatever the weighting.
 */
struct cjd_weighting {
	double miner;  /* class weight of miner rows, > 0 (default 1) */
	double benign; /* class weight of benign rows, > 0 (default 1; raise it to push FPR down) */
	bool balance_groups; /* default false */
};

/* The defaults above. */
void cjd_weighting_defaults(struct cjd_weighting *w);

/*
 * Fills w[0..n) for rows[0..n) of ds (rows NULL: all rows, n must equal the
 * row count). Returns 0, -EINVAL (a class weight not > 0 or not finite, n 0)
 * or -ENOMEM.
 */
int cjd_dataset_weights(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			const struct cjd_weighting *wt, double *w);

#endif
