/* Quantile cut points per feature (sort, walk the distinct values) and the binned training matrix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binning.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* A cut c with a < c <= b for floats a < b: the midpoint unless it rounds onto a. */
static float cut_between(float a, float b)
{
	float c = (float)((double)a + ((double)b - (double)a) / 2.0);

	return c > a ? c : b;
}

/*
 * Cuts for one feature over its sorted values v[0..n). Writes at most
 * max_bins - 1 cuts to out and returns their count.
 */
static size_t fit_one(const float *v, size_t n, unsigned max_bins, float *out)
{
	size_t distinct = 0, ncut = 0, seen = 0;
	size_t bin_start = 0; /* rows before the open bin */

	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			distinct++;
	/* Walk the distinct values: [i, e) holds copies of v[i]. */
	for (size_t i = 0; i < n;) {
		size_t e = i + 1;
		while (e < n && v[e] == v[i])
			e++;
		seen++;
		if (e == n)
			break;
		size_t bins_left = max_bins - ncut; /* including the open bin */
		if (bins_left <= 1)
			break;
		size_t distinct_after = distinct - seen;
		/* Aim for equal counts over what is left; cut anyway when every
		 * remaining value can still have a bin of its own. */
		double target = (double)(n - bin_start) / (double)bins_left;
		if ((double)(e - bin_start) >= target || distinct_after <= bins_left - 1) {
			out[ncut++] = cut_between(v[i], v[e]);
			bin_start = e;
		}
		i = e;
	}
	return ncut;
}

int cjd_bins_fit(struct cjd_bins *b, const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
		 unsigned max_bins)
{
	size_t d = cjd_dataset_features(ds);
	float *v = NULL, *tmp = NULL;
	int rc = -ENOMEM;

	memset(b, 0, sizeof(*b));
	if (max_bins < 2 || max_bins > CJD_BINS_MAX || n == 0)
		return -EINVAL;
	b->d = d;
	b->n_bins = calloc(d, sizeof(*b->n_bins));
	b->off = calloc(d + 1, sizeof(*b->off));
	b->cuts = malloc(d * (max_bins - 1) * sizeof(*b->cuts));
	v = malloc(n * sizeof(*v));
	tmp = malloc((max_bins - 1) * sizeof(*tmp));
	if (!b->n_bins || !b->off || !b->cuts || !v || !tmp)
		goto out;
	for (size_t j = 0; j < d; j++) {
		for (size_t i = 0; i < n; i++)
			v[i] = cjd_dataset_row(ds, rows ? rows[i] : i)[j];
		qsort(v, n, sizeof(*v), cmp_float);
		size_t nc = fit_one(v, n, max_bins, tmp);
		memcpy(b->cuts + b->off[j], tmp, nc * sizeof(*tmp));
		b->off[j + 1] = b->off[j] + nc;
		b->n_bins[j] = (uint16_t)(nc + 1);
	}
	rc = 0;
out:
	free(v);
	free(tmp);
	if (rc)
		cjd_bins_release(b);
	return rc;
}

void cjd_bins_release(struct cjd_bins *b)
{
	free(b->n_bins);
	free(b->off);
	free(b->cuts);
	memset(b, 0, sizeof(*b));
}

unsigned cjd_bins_find(const struct cjd_bins *b, size_t j, float x)
{
	const float *c = b->cuts + b->off[j];
	size_t lo = 0, hi = b->off[j + 1] - b->off[j];

	/* upper_bound: the number of cuts <= x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (unsigned)lo;
}

void cjd_bins_apply(const struct cjd_bins *b, const struct cjd_dataset *ds, const uint32_t *rows,
		    size_t n, uint8_t *out)
{
	size_t d = b->d;

	for (size_t i = 0; i < n; i++) {
		const float *x = cjd_dataset_row(ds, rows ? rows[i] : i);
		for (size_t j = 0; j < d; j++)
			out[i * d + j] = (uint8_t)cjd_bins_find(b, j, x[j]);
	}
}
