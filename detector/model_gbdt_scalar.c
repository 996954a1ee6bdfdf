/* Reference gbdt traversal: one cgroup at a time through complete trees; the wide tiers' tail. */
#include "kernels.h"
#include "model_internal.h"

/* Lanes per block: a block's feature columns (66 rows x 64 lanes x 4 B,
 * about 17 KiB) stay in L1 while every tree walks over them. */
#define BLOCK 64

void cjd_gbdt_eval_scalar(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			  size_t n, float *z)
{
	const unsigned depth = g->depth;

	for (size_t b = 0; b < n; b += BLOCK) {
		size_t e = n - b < BLOCK ? n : b + BLOCK;
		for (size_t t = 0; t < g->n_trees; t++) {
			const int32_t *o = offs + t * g->n_inner;
			const float *th = g->thr + t * g->n_inner;
			const float *lf = g->leaf + t * g->n_leaves;
			for (size_t i = b; i < e; i++) {
				const float *xi = x + i;
				size_t k = 0;
				for (unsigned l = 0; l < depth; l++)
					k = 2 * k + 1 + (xi[o[k]] > th[k]);
				z[i] = z[i] + lf[k - g->n_inner];
			}
		}
	}
}

/*
 * The walk of the 4-lane tiers (SSE4.2, NEON), which have no gathers: their
 * top() resolves the first CJD_GBDT_TOP_LEVELS levels of a tree for four
 * lanes at once with contiguous loads, and the rest of the walk is this
 * loop's, one lane at a time. Same index arithmetic, same leaf order: the
 * scalar bits.
 */
void cjd_gbdt_eval_top(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
		       size_t n, float *z, cjd_gbdt_top_fn top)
{
	const unsigned depth = g->depth;
	int32_t k[BLOCK];

	if (depth < CJD_GBDT_TOP_LEVELS) {
		cjd_gbdt_eval_scalar(g, offs, x, n, z);
		return;
	}
	for (size_t b = 0; b < n; b += BLOCK) {
		size_t cnt = n - b < BLOCK ? n - b : BLOCK, vec = cnt & ~(size_t)3;
		const float *xb = x + b;
		for (size_t t = 0; t < g->n_trees; t++) {
			const int32_t *o = offs + t * g->n_inner;
			const float *th = g->thr + t * g->n_inner;
			const float *lf = g->leaf + t * g->n_leaves;
			top(o, th, xb, vec, k);
			for (size_t i = vec; i < cnt; i++) {
				size_t kk = 0;
				for (unsigned l = 0; l < CJD_GBDT_TOP_LEVELS; l++)
					kk = 2 * kk + 1 + (xb[i + o[kk]] > th[kk]);
				k[i] = (int32_t)kk;
			}
			for (size_t i = 0; i < cnt; i++) {
				const float *xi = xb + i;
				size_t kk = (size_t)k[i];
				for (unsigned l = CJD_GBDT_TOP_LEVELS; l < depth; l++)
					kk = 2 * kk + 1 + (xi[o[kk]] > th[kk]);
				z[b + i] = z[b + i] + lf[kk - g->n_inner];
			}
		}
	}
}
