/* gbdt traversal for AVX-512: 16 cgroups per vector walk each tree in lockstep, 4 vectors at a time. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"
#include "model_internal.h"

/*
 * All lanes of a vector sit at the same level of the same tree, at
 * position j within the level. The first three levels are tested for every
 * lane with contiguous loads (7 nodes) and resolved with mask logic; the
 * feature offsets and thresholds of a deeper level of up to 32 nodes come
 * from registers by permutation, so only the feature values of levels >= 3
 * (and node data of levels > 32 nodes) need gathers. Four vectors walk
 * together so their independent chains overlap.
 */
#define GROUPS 4

static inline __attribute__((always_inline)) void
walk(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x, float *z, const int ng)
{
	const unsigned depth = g->depth;
	const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512i one = _mm512_set1_epi32(1);
	__m512 acc[GROUPS];

	for (int q = 0; q < ng; q++)
		acc[q] = _mm512_loadu_ps(z + 16 * q);
	for (size_t t = 0; t < g->n_trees; t++) {
		const int32_t *o = offs + t * g->n_inner;
		const float *th = g->thr + t * g->n_inner;
		const float *lf = g->leaf + t * g->n_leaves;
		__m512i j[GROUPS];
		unsigned l0 = 1;
		if (depth >= 3) {
			/* The first three levels (7 nodes) by contiguous loads: every lane
			 * tests all 7 nodes and mask logic picks its path, which is cheaper
			 * than two levels of gathers. */
			for (int q = 0; q < ng; q++) {
				__mmask16 m[7];
				for (int k = 0; k < 7; k++)
					m[k] = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + o[k] + 16 * q),
								  _mm512_set1_ps(th[k]), _CMP_GT_OQ);
				__mmask16 b0 = m[0];
				__mmask16 b1 = (__mmask16)((b0 & m[2]) | (~b0 & m[1]));
				__mmask16 b2 = (__mmask16)((~b0 & ~b1 & m[3]) | (~b0 & b1 & m[4]) |
							   (b0 & ~b1 & m[5]) | (b0 & b1 & m[6]));
				__m512i v = _mm512_maskz_mov_epi32(b0, _mm512_set1_epi32(4));
				v = _mm512_mask_add_epi32(v, b1, v, _mm512_set1_epi32(2));
				j[q] = _mm512_mask_add_epi32(v, b2, v, one);
			}
			l0 = 3;
		} else {
			for (int q = 0; q < ng; q++) {
				__m512 xv = _mm512_loadu_ps(x + o[0] + 16 * q);
				__mmask16 right =
					_mm512_cmp_ps_mask(xv, _mm512_set1_ps(th[0]), _CMP_GT_OQ);
				j[q] = _mm512_maskz_mov_epi32(right, one);
			}
		}
		for (unsigned l = l0; l < depth; l++) {
			const unsigned nl = 1u << l, base = nl - 1;
			__m512i ot0 = _mm512_setzero_si512(), ot1 = ot0;
			__m512 tt0 = _mm512_setzero_ps(), tt1 = tt0;
			if (nl <= 16) {
				__mmask16 m = (__mmask16)((1u << nl) - 1);
				ot0 = _mm512_maskz_loadu_epi32(m, o + base);
				tt0 = _mm512_maskz_loadu_ps(m, th + base);
			} else if (nl == 32) {
				ot0 = _mm512_loadu_si512(o + base);
				ot1 = _mm512_loadu_si512(o + base + 16);
				tt0 = _mm512_loadu_ps(th + base);
				tt1 = _mm512_loadu_ps(th + base + 16);
			}
			for (int q = 0; q < ng; q++) {
				__m512i fo;
				__m512 tv;
				if (nl <= 16) {
					fo = _mm512_permutexvar_epi32(j[q], ot0);
					tv = _mm512_permutexvar_ps(j[q], tt0);
				} else if (nl == 32) {
					fo = _mm512_permutex2var_epi32(ot0, j[q], ot1);
					tv = _mm512_permutex2var_ps(tt0, j[q], tt1);
				} else {
					fo = _mm512_i32gather_epi32(j[q], o + base, 4);
					tv = _mm512_i32gather_ps(j[q], th + base, 4);
				}
				__m512 xv = _mm512_i32gather_ps(_mm512_add_epi32(fo, iota), x + 16 * q, 4);
				__mmask16 right = _mm512_cmp_ps_mask(xv, tv, _CMP_GT_OQ);
				j[q] = _mm512_add_epi32(j[q], j[q]);
				j[q] = _mm512_mask_add_epi32(j[q], right, j[q], one);
			}
		}
		const size_t nlf = g->n_leaves;
		for (int q = 0; q < ng; q++) {
			__m512 leaf;
			if (nlf <= 16) {
				leaf = _mm512_permutexvar_ps(
					j[q], _mm512_maskz_loadu_ps((__mmask16)((1u << nlf) - 1), lf));
			} else if (nlf == 32) {
				leaf = _mm512_permutex2var_ps(_mm512_loadu_ps(lf), j[q],
							      _mm512_loadu_ps(lf + 16));
			} else if (nlf == 64) {
				__m512 lo = _mm512_permutex2var_ps(_mm512_loadu_ps(lf), j[q],
								   _mm512_loadu_ps(lf + 16));
				__m512 hi = _mm512_permutex2var_ps(_mm512_loadu_ps(lf + 32), j[q],
								   _mm512_loadu_ps(lf + 48));
				__mmask16 upper = _mm512_test_epi32_mask(j[q], _mm512_set1_epi32(32));
				leaf = _mm512_mask_blend_ps(upper, lo, hi);
			} else {
				leaf = _mm512_i32gather_ps(j[q], lf, 4);
			}
			acc[q] = _mm512_add_ps(acc[q], leaf);
		}
	}
	for (int q = 0; q < ng; q++)
		_mm512_storeu_ps(z + 16 * q, acc[q]);
}

void cjd_gbdt_eval_avx512(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			  size_t n, float *z)
{
	size_t i = 0;

	for (; i + 16 * GROUPS <= n; i += 16 * GROUPS)
		walk(g, offs, x + i, z + i, GROUPS);
	for (; i + 16 <= n; i += 16)
		walk(g, offs, x + i, z + i, 1);
	if (i < n)
		cjd_gbdt_eval_avx2(g, offs, x + i, n - i, z + i);
}
