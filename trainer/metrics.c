/* Confusion counts, exact tie-aware ROC AUC, ROC points, FPR thresholds, the alert rule. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cjd/trainer/metrics.h"

void cjd_confusion_add(struct cjd_confusion *c, const float *score, const bool *miner, size_t n,
		       float thr)
{
	for (size_t i = 0; i < n; i++) {
		bool flag = score[i] >= thr;
		if (miner[i])
			*(flag ? &c->tp : &c->fn) += 1;
		else
			*(flag ? &c->fp : &c->tn) += 1;
	}
}

double cjd_confusion_tpr(const struct cjd_confusion *c)
{
	uint64_t p = c->tp + c->fn;

	return p ? (double)c->tp / (double)p : 0.0;
}

double cjd_confusion_fpr(const struct cjd_confusion *c)
{
	uint64_t q = c->fp + c->tn;

	return q ? (double)c->fp / (double)q : 0.0;
}

struct scored {
	float s;
	bool miner;
};

static int cmp_desc(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return (x < y) - (x > y);
}

/*
 * Copies and sorts by score, highest first, counting each class. -EINVAL on
 * a non-finite score; -EDOM when both classes are required and one is absent.
 */
static int sorted(const float *score, const bool *miner, size_t n, bool both, struct scored **out,
		  uint64_t *npos, uint64_t *nneg)
{
	struct scored *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*npos = *nneg = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(score[i])) {
			free(v);
			return -EINVAL;
		}
		v[i] = (struct scored){score[i], miner[i]};
		*(miner[i] ? npos : nneg) += 1;
	}
	if (both && (!*npos || !*nneg)) {
		free(v);
		return -EDOM;
	}
	qsort(v, n, sizeof(*v), cmp_desc);
	*out = v;
	return 0;
}

int cjd_roc_auc(const float *score, const bool *miner, size_t n, double *auc)
{
	struct scored *v;
	uint64_t P, N, neg_below, twice_u = 0;
	int rc = sorted(score, miner, n, true, &v, &P, &N);

	if (rc)
		return rc;
	/*
	 * Walk tie groups from the lowest score up. Each miner in a group beats
	 * every benign window below the group and ties with the group's own
	 * benign windows (half each): 2U = sum pos_g * (2 neg_below + neg_g),
	 * an exact integer.
	 */
	neg_below = 0;
	for (size_t e = n; e > 0;) {
		size_t b = e;
		uint64_t pg = 0, ng = 0;
		while (b > 0 && v[b - 1].s == v[e - 1].s) {
			b--;
			*(v[b].miner ? &pg : &ng) += 1;
		}
		twice_u += pg * (2 * neg_below + ng);
		neg_below += ng;
		e = b;
	}
	*auc = (double)twice_u / (2.0 * (double)P * (double)N);
	free(v);
	return 0;
}

int cjd_roc_curve(const float *score, const bool *miner, size_t n, struct cjd_roc_point **pts,
		  size_t *npts)
{
	struct scored *v;
	struct cjd_roc_point *p;
	uint64_t P, N, tp = 0, fp = 0;
	size_t k = 0;
	int rc = sorted(score, miner, n, true, &v, &P, &N);

	if (rc)
		return rc;
	p = malloc((n + 1) * sizeof(*p));
	if (!p) {
		free(v);
		return -ENOMEM;
	}
	p[k++] = (struct cjd_roc_point){.threshold = INFINITY, .fpr = 0.0, .tpr = 0.0};
	for (size_t i = 0; i < n;) {
		float s = v[i].s;
		for (; i < n && v[i].s == s; i++)
			*(v[i].miner ? &tp : &fp) += 1;
		p[k++] = (struct cjd_roc_point){
		    .threshold = s, .fpr = (double)fp / (double)N, .tpr = (double)tp / (double)P};
	}
	free(v);
	*pts = p;
	*npts = k;
	return 0;
}

int cjd_threshold_for_fpr(const float *score, const bool *miner, size_t n, double target_fpr,
			  float min_thr, float *thr)
{
	struct scored *v;
	uint64_t P, N;
	int rc;

	if (!(target_fpr >= 0.0 && target_fpr < 1.0) || !isfinite(min_thr))
		return -EINVAL;
	if ((rc = sorted(score, miner, n, false, &v, &P, &N)))
		return rc;
	/* The relative nudge keeps 0.001 * 1000 from flooring to 0. */
	uint64_t k = (uint64_t)floor(target_fpr * (double)N * (1.0 + 1e-12));
	float t = min_thr;
	if (k < N) {
		/* The (k+1)-th highest benign score, walking down the sorted windows. */
		uint64_t seen = 0;
		size_t i = 0;
		for (;; i++)
			if (!v[i].miner && seen++ == k)
				break;
		/* Strictly above it: at most k benign windows reach the threshold.
		 * Scores are probabilities, so the detector's [0, 1] range caps it. */
		float above = v[i].s < 1.0f ? nextafterf(v[i].s, INFINITY) : 1.0f;
		if (above > t)
			t = above;
	}
	free(v);
	*thr = t;
	return 0;
}

bool cjd_alert_sim(const float *score, size_t n, float threshold, unsigned k, size_t *windows)
{
	size_t streak = 0;

	if (k == 0)
		k = 1;
	for (size_t i = 0; i < n; i++) {
		streak = score[i] >= threshold ? streak + 1 : 0;
		if (streak >= k) {
			*windows = i + 1;
			return true;
		}
	}
	*windows = 0;
	return false;
}
