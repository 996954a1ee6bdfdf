/* Reference gbdt traversal: one cgroup at a time through complete trees; the wide tiers' tail. */
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
