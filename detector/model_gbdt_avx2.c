/* gbdt traversal for AVX2: eight cgroups walk each tree in lockstep with gathers; the tail goes to scalar. */
#include <immintrin.h>

#include "model_internal.h"

void cjd_gbdt_eval_avx2(const struct cjd_gbdt_flat *g, const float *x, size_t pitch, size_t n,
			float *z)
{
	const unsigned depth = g->depth;
	const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256i vpitch = _mm256_set1_epi32((int)pitch), one = _mm256_set1_epi32(1);
	const __m256i inner = _mm256_set1_epi32((int)g->n_inner);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		const float *xb = x + i;
		__m256 acc = _mm256_loadu_ps(z + i);
		for (size_t t = 0; t < g->n_trees; t++) {
			const int *f = (const int *)g->feat + t * g->n_inner;
			const float *th = g->thr + t * g->n_inner;
			const float *lf = g->leaf + t * g->n_leaves;
			__m256i k = _mm256_setzero_si256();
			for (unsigned l = 0; l < depth; l++) {
				__m256i fv, off;
				__m256 tv;
				if (l == 0) { /* every lane is at the root */
					fv = _mm256_set1_epi32(f[0]);
					tv = _mm256_set1_ps(th[0]);
				} else {
					fv = _mm256_i32gather_epi32(f, k, 4);
					tv = _mm256_i32gather_ps(th, k, 4);
				}
				off = _mm256_add_epi32(_mm256_mullo_epi32(fv, vpitch), iota);
				__m256 xv = _mm256_i32gather_ps(xb, off, 4);
				__m256i right = _mm256_castps_si256(_mm256_cmp_ps(xv, tv, _CMP_GT_OQ));
				/* k = 2k + 1 + right; right is all-ones (-1) where taken */
				k = _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(k, k), one), right);
			}
			__m256 leaf = _mm256_i32gather_ps(lf, _mm256_sub_epi32(k, inner), 4);
			acc = _mm256_add_ps(acc, leaf);
		}
		_mm256_storeu_ps(z + i, acc);
	}
	if (i < n)
		cjd_gbdt_eval_scalar(g, x + i, pitch, n - i, z + i);
}
