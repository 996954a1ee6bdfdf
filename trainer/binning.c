/* Quantile cut points per feature (radix sort, walk the distinct values) and the binned rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binning_internal.h"

/*
 * Sorting is most of the fit, so it is an LSD radix sort of (key, position)
 * pairs: 4 passes of 8 bits, stable, O(n). The key maps a float's bits to an
 * unsigned integer in the same order (negatives flipped whole, positives
 * with the sign bit set); -0.0 sorts just before 0.0, and the fit compares
 * the floats themselves, so the two still count as one value.
 */
static uint32_t float_key(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static float key_float(uint32_t k)
{
	uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

struct kp {
	uint32_t key, pos;
};

/* Sorts a[0..n) by key using tmp[0..n); the result ends up in a. */
static void radix_sort(struct kp *a, struct kp *tmp, size_t n)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((a[i].key >> shift) & 0xff) + 1]++;
		for (int c = 0; c < 256; c++)
			count[c + 1] += count[c];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i].key >> shift) & 0xff]++] = a[i];
		struct kp *t = a;
		a = tmp;
		tmp = t;
	}
	/* four passes: the sorted data is back in the caller's a */
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
		 unsigned max_bins, uint8_t *out)
{
	size_t d = cjd_dataset_features(ds);
	struct kp *a = NULL, *tmp = NULL;
	float *v = NULL;
	int rc = -ENOMEM;

	memset(b, 0, sizeof(*b));
	if (max_bins < 2 || max_bins > CJD_BINS_MAX || n == 0)
		return -EINVAL;
	b->d = d;
	b->n_bins = calloc(d, sizeof(*b->n_bins));
	b->off = calloc(d + 1, sizeof(*b->off));
	b->cuts = malloc(d * (max_bins - 1) * sizeof(*b->cuts));
	a = malloc(n * sizeof(*a));
	tmp = malloc(n * sizeof(*tmp));
	v = malloc(n * sizeof(*v));
	if (!b->n_bins || !b->off || !b->cuts || !a || !tmp || !v)
		goto out;
	for (size_t j = 0; j < d; j++) {
		for (size_t i = 0; i < n; i++)
			a[i] = (struct kp){float_key(cjd_dataset_row(ds, rows ? rows[i] : i)[j]),
					   (uint32_t)i};
		radix_sort(a, tmp, n);
		for (size_t i = 0; i < n; i++)
			v[i] = key_float(a[i].key);
		float *cuts = b->cuts + b->off[j];
		size_t nc = fit_one(v, n, max_bins, cuts);
		b->off[j + 1] = b->off[j] + nc;
		b->n_bins[j] = (uint16_t)(nc + 1);
		if (!out)
			continue;
		/* In sorted order the bin only grows: bin = number of cuts <= v. */
		size_t bin = 0;
		for (size_t i = 0; i < n; i++) {
			while (bin < nc && cuts[bin] <= v[i])
				bin++;
			out[(size_t)a[i].pos * d + j] = (uint8_t)bin;
		}
	}
	rc = 0;
out:
	free(a);
	free(tmp);
	free(v);
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
