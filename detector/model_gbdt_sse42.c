/* gbdt traversal for SSE4.2: four cgroups per vector take each tree's first three levels together. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"
#include "model_internal.h"

/*
 * SSE4.2 has no gathers, so lanes cannot fetch the feature of their own node
 * deeper down in one instruction. The first three levels (7 nodes) need
 * none: every lane tests all 7 nodes with contiguous loads and blends pick
 * its path, which replaces three dependent loads per lane. The rest of the
 * walk is the shared one-lane loop.
 */
static void top(const int32_t *o, const float *th, const float *x, size_t n, int32_t *k)
{
	const __m128i four = _mm_set1_epi32(4), two = _mm_set1_epi32(2), one = _mm_set1_epi32(1);
	const __m128i first = _mm_set1_epi32(7); /* node index of position 0 on level 3 */

	for (size_t i = 0; i < n; i += 4) {
		__m128 m[7];
		for (int j = 0; j < 7; j++)
			m[j] = _mm_cmpgt_ps(_mm_loadu_ps(x + o[j] + i), _mm_set1_ps(th[j]));
		__m128 b0 = m[0];
		__m128 b1 = _mm_blendv_ps(m[1], m[2], b0);
		__m128 b2 = _mm_blendv_ps(_mm_blendv_ps(m[3], m[4], b1),
					  _mm_blendv_ps(m[5], m[6], b1), b0);
		__m128i v = _mm_and_si128(_mm_castps_si128(b0), four);
		v = _mm_or_si128(v, _mm_and_si128(_mm_castps_si128(b1), two));
		v = _mm_or_si128(v, _mm_and_si128(_mm_castps_si128(b2), one));
		_mm_storeu_si128((__m128i *)(k + i), _mm_add_epi32(v, first));
	}
}

void cjd_gbdt_eval_sse42(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			 size_t n, float *z)
{
	cjd_gbdt_eval_top(g, offs, x, n, z, top);
}
