/* gbdt traversal for AVX2: 8 cgroups per vector walk each tree in lockstep, 4 vectors at a time. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"
#include "model_internal.h"

/* As the AVX-512 walk: the first three levels are contiguous loads, levels
 * of up to 16 nodes come from registers (vpermd, two of them blended for
 * 16), deeper levels and the feature values gather. */
#define GROUPS 4

static inline __attribute__((always_inline)) __m256i mask_of(unsigned nl)
{
	const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nl), iota);
}

static inline __attribute__((always_inline)) void
walk(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x, float *z, const int ng)
{
	const unsigned depth = g->depth;
	const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256i one = _mm256_set1_epi32(1);
	__m256 acc[GROUPS];

	for (int q = 0; q < ng; q++)
		acc[q] = _mm256_loadu_ps(z + 8 * q);
	for (size_t t = 0; t < g->n_trees; t++) {
		const int *o = (const int *)offs + t * g->n_inner;
		const float *th = g->thr + t * g->n_inner;
		const float *lf = g->leaf + t * g->n_leaves;
		__m256i j[GROUPS];
		unsigned l0 = 1;
		if (depth >= 3) {
			/* The first three levels (7 nodes) by contiguous loads: every lane
			 * tests all 7 nodes and blends pick its path, cheaper than two
			 * levels of gathers. */
			for (int q = 0; q < ng; q++) {
				__m256 m[7];
				for (int k = 0; k < 7; k++)
					m[k] = _mm256_cmp_ps(_mm256_loadu_ps(x + o[k] + 8 * q),
							     _mm256_set1_ps(th[k]), _CMP_GT_OQ);
				__m256 b0 = m[0];
				__m256 b1 = _mm256_blendv_ps(m[1], m[2], b0);
				__m256 b2 = _mm256_blendv_ps(_mm256_blendv_ps(m[3], m[4], b1),
							     _mm256_blendv_ps(m[5], m[6], b1), b0);
				__m256i v = _mm256_and_si256(_mm256_castps_si256(b0),
							     _mm256_set1_epi32(4));
				v = _mm256_or_si256(v, _mm256_and_si256(_mm256_castps_si256(b1),
									_mm256_set1_epi32(2)));
				j[q] = _mm256_or_si256(v, _mm256_and_si256(_mm256_castps_si256(b2), one));
			}
			l0 = 3;
		} else {
			for (int q = 0; q < ng; q++) {
				__m256 xv = _mm256_loadu_ps(x + o[0] + 8 * q);
				__m256 r = _mm256_cmp_ps(xv, _mm256_set1_ps(th[0]), _CMP_GT_OQ);
				j[q] = _mm256_and_si256(_mm256_castps_si256(r), one);
			}
		}
		for (unsigned l = l0; l < depth; l++) {
			const unsigned nl = 1u << l, base = nl - 1;
			__m256i ot0 = _mm256_setzero_si256(), ot1 = ot0;
			__m256 tt0 = _mm256_setzero_ps(), tt1 = tt0;
			if (nl <= 8) {
				__m256i m = mask_of(nl);
				ot0 = _mm256_maskload_epi32(o + base, m);
				tt0 = _mm256_maskload_ps(th + base, m);
			} else if (nl == 16) {
				ot0 = _mm256_loadu_si256((const __m256i *)(o + base));
				ot1 = _mm256_loadu_si256((const __m256i *)(o + base + 8));
				tt0 = _mm256_loadu_ps(th + base);
				tt1 = _mm256_loadu_ps(th + base + 8);
			}
			for (int q = 0; q < ng; q++) {
				__m256i fo;
				__m256 tv;
				if (nl <= 8) {
					fo = _mm256_permutevar8x32_epi32(ot0, j[q]);
					tv = _mm256_permutevar8x32_ps(tt0, j[q]);
				} else if (nl == 16) {
					__m256i hi = _mm256_cmpgt_epi32(j[q], _mm256_set1_epi32(7));
					fo = _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(ot0, j[q]),
								_mm256_permutevar8x32_epi32(ot1, j[q]), hi);
					tv = _mm256_blendv_ps(_mm256_permutevar8x32_ps(tt0, j[q]),
							      _mm256_permutevar8x32_ps(tt1, j[q]),
							      _mm256_castsi256_ps(hi));
				} else {
					fo = _mm256_i32gather_epi32(o + base, j[q], 4);
					tv = _mm256_i32gather_ps(th + base, j[q], 4);
				}
				__m256 xv = _mm256_i32gather_ps(x + 8 * q, _mm256_add_epi32(fo, iota), 4);
				__m256i r = _mm256_castps_si256(_mm256_cmp_ps(xv, tv, _CMP_GT_OQ));
				/* j = 2j + 1 where right: r is all ones (-1) there */
				j[q] = _mm256_sub_epi32(_mm256_add_epi32(j[q], j[q]), r);
			}
		}
		const size_t nlf = g->n_leaves;
		for (int q = 0; q < ng; q++) {
			__m256 leaf;
			if (nlf <= 8) {
				leaf = _mm256_permutevar8x32_ps(_mm256_maskload_ps(lf, mask_of((unsigned)nlf)),
								j[q]);
			} else if (nlf == 16) {
				__m256i hi = _mm256_cmpgt_epi32(j[q], _mm256_set1_epi32(7));
				leaf = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(lf), j[q]),
							_mm256_permutevar8x32_ps(_mm256_loadu_ps(lf + 8), j[q]),
							_mm256_castsi256_ps(hi));
			} else {
				leaf = _mm256_i32gather_ps(lf, j[q], 4);
			}
			acc[q] = _mm256_add_ps(acc[q], leaf);
		}
	}
	for (int q = 0; q < ng; q++)
		_mm256_storeu_ps(z + 8 * q, acc[q]);
}

void cjd_gbdt_eval_avx2(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			size_t n, float *z)
{
	size_t i = 0;

	for (; i + 8 * GROUPS <= n; i += 8 * GROUPS)
		walk(g, offs, x + i, z + i, GROUPS);
	for (; i + 8 <= n; i += 8)
		walk(g, offs, x + i, z + i, 1);
	if (i < n)
		cjd_gbdt_eval_scalar(g, offs, x + i, n - i, z + i);
}
