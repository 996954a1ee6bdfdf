/* Quantile binning for the histogram GBDT: cut points per feature and the binned matrix. */
#ifndef CJD_TRAINER_BINNING_INTERNAL_H
#define CJD_TRAINER_BINNING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/trainer/dataset.h"

#define CJD_BINS_MAX 256 /* a bin index fits a uint8_t */

/*
 * Feature j has n_bins[j] bins separated by n_bins[j] - 1 ascending cut
 * points cuts[off[j] .. off[j+1]). The bin of x is the number of cuts <= x,
 * so
 *     bin(x) <= b   exactly when   x < cuts[off[j] + b]
 * which is why a split "bins 0..b go left" becomes the tree rule
 * "x < threshold goes left" with threshold = that cut, with no rounding
 * between training and prediction.
 *
 * Each cut lies strictly above one distinct training value and at or below
 * the next (their midpoint, or the upper value when the midpoint rounds down
 * onto the lower one), so it never coincides with a value on the left.
 */
struct cjd_bins {
	size_t d;
	uint16_t *n_bins; /* [d], 1..CJD_BINS_MAX; 1 = constant, never split */
	size_t *off;	  /* [d + 1] */
	float *cuts;
};

/*
 * Fits at most max_bins (2..CJD_BINS_MAX) bins per feature over rows[0..n)
 * of ds (NULL: all rows). A feature with at most max_bins distinct values
 * gets one bin per value; otherwise bins hold about equal row counts, a
 * value heavier than a bin getting a bin of its own and the remaining bins
 * shared over the rest. When out is not NULL it also receives the binned
 * rows (n × d, row-major, as cjd_bins_apply would write them), read off the
 * sorted order instead of searched. Returns 0, -EINVAL, -ENOMEM.
 */
int cjd_bins_fit(struct cjd_bins *b, const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
		 unsigned max_bins, uint8_t *out);
void cjd_bins_release(struct cjd_bins *b);

/* The bin of x for feature j. */
unsigned cjd_bins_find(const struct cjd_bins *b, size_t j, float x);

/* Bins rows[0..n) of ds (NULL: all) into out[n * d], row-major. */
void cjd_bins_apply(const struct cjd_bins *b, const struct cjd_dataset *ds, const uint32_t *rows,
		    size_t n, uint8_t *out);

#endif
