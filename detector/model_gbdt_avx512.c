/* gbdt traversal for AVX-512: sixteen cgroups walk each tree in lockstep; the tail goes to AVX2. */
#include <immintrin.h>

#include "model_internal.h"

void cjd_gbdt_eval_avx512(const struct cjd_gbdt_flat *g, const float *x, size_t pitch, size_t n,
			  float *z)
{
	const unsigned depth = g->depth;
	const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512i vpitch = _mm512_set1_epi32((int)pitch), one = _mm512_set1_epi32(1);
	const __m512i inner = _mm512_set1_epi32((int)g->n_inner);
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		const float *xb = x + i;
		__m512 acc = _mm512_loadu_ps(z + i);
		for (size_t t = 0; t < g->n_trees; t++) {
			const int *f = (const int *)g->feat + t * g->n_inner;
			const float *th = g->thr + t * g->n_inner;
			const float *lf = g->leaf + t * g->n_leaves;
			__m512i k = _mm512_setzero_si512();
			for (unsigned l = 0; l < depth; l++) {
				__m512i fv;
				__m512 tv;
				if (l == 0) { /* every lane is at the root */
					fv = _mm512_set1_epi32(f[0]);
					tv = _mm512_set1_ps(th[0]);
				} else {
					fv = _mm512_i32gather_epi32(k, f, 4);
					tv = _mm512_i32gather_ps(k, th, 4);
				}
				__m512i off = _mm512_add_epi32(_mm512_mullo_epi32(fv, vpitch), iota);
				__m512 xv = _mm512_i32gather_ps(off, xb, 4);
				__mmask16 right = _mm512_cmp_ps_mask(xv, tv, _CMP_GT_OQ);
				k = _mm512_add_epi32(_mm512_add_epi32(k, k), one);
				k = _mm512_mask_add_epi32(k, right, k, one);
			}
			__m512 leaf = _mm512_i32gather_ps(_mm512_sub_epi32(k, inner), lf, 4);
			acc = _mm512_add_ps(acc, leaf);
		}
		_mm512_storeu_ps(z + i, acc);
	}
	if (i < n)
		cjd_gbdt_eval_avx2(g, x + i, pitch, n - i, z + i);
}
