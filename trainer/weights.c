/* Row weights for training: class weights, optional per-workload balance, mean 1. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cjd/trainer/dataset.h"
#include "cjd/trainer/weights.h"

void cjd_weighting_defaults(struct cjd_weighting *w)
{
	w->miner = 1.0;
	w->benign = 1.0;
	w->balance_groups = false;
}

int cjd_dataset_weights(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			const struct cjd_weighting *wt, double *w)
{
	size_t ng = cjd_dataset_groups(ds);
	size_t *count = NULL;
	size_t class_rows[2] = {0, 0}, class_groups[2] = {0, 0};
	double sum = 0.0;

	if (n == 0 || (!rows && n != cjd_dataset_rows(ds)))
		return -EINVAL;
	if (!(wt->miner > 0.0) || !(wt->benign > 0.0) || !isfinite(wt->miner) ||
	    !isfinite(wt->benign))
		return -EINVAL;
	if (wt->balance_groups) {
		count = calloc(ng ? ng : 1, sizeof(*count));
		if (!count)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			count[cjd_dataset_group(ds, rows ? rows[i] : i)]++;
		for (uint32_t g = 0; g < ng; g++) {
			if (!count[g])
				continue;
			class_rows[cjd_dataset_group_miner(ds, g)] += count[g];
			class_groups[cjd_dataset_group_miner(ds, g)]++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		bool m = cjd_dataset_miner(ds, r);
		double v = m ? wt->miner : wt->benign;
		if (count) {
			/* The class's rows shared equally among its groups present here. */
			uint32_t g = cjd_dataset_group(ds, r);
			v *= (double)class_rows[m] / ((double)class_groups[m] * (double)count[g]);
		}
		w[i] = v;
		sum += v;
	}
	for (size_t i = 0; i < n; i++)
		w[i] *= (double)n / sum;
	free(count);
	return 0;
}
