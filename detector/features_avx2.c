/* Feature kernels for AVX2: eight cgroups per vector; the last n % 8 lanes go to the SSE4.2 kernel. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"

void cjd_fx_ratio_avx2(const float *num, const float *den, float scale, float safe, float *out,
			size_t n)
{
	const __m256 vscale = _mm256_set1_ps(scale), vsafe = _mm256_set1_ps(safe);
	const __m256 vmax = _mm256_set1_ps(CJD_RATIO_MAX), zero = _mm256_setzero_ps();
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 d = _mm256_loadu_ps(den + i);
		__m256 q = _mm256_mul_ps(_mm256_div_ps(_mm256_loadu_ps(num + i), d), vscale);
		q = _mm256_min_ps(q, vmax);
		_mm256_storeu_ps(out + i, _mm256_blendv_ps(vsafe, q, _mm256_cmp_ps(d, zero, _CMP_GT_OQ)));
	}
	if (i < n)
		cjd_fx_ratio_sse42(num + i, den + i, scale, safe, out + i, n - i);
}

void cjd_fx_stats_avx2(const float *ring, size_t pitch, unsigned w, const float *newest,
			const float *oldest, float *const out[CJD_STAT__COUNT], size_t n)
{
	const __m256 inv_w = _mm256_set1_ps(1.0f / (float)w);
	const __m256 flat_k = _mm256_set1_ps((float)w * (CJD_FLAT_CV * CJD_FLAT_CV));
	const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), mone = _mm256_set1_ps(-1.0f);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		const float *p = ring + i;
		__m256 x = _mm256_loadu_ps(p), sum = x, mn = x, mx = x;

		for (unsigned s = 1; s < w; s++) {
			x = _mm256_loadu_ps(p + s * pitch);
			sum = _mm256_add_ps(sum, x);
			mn = _mm256_min_ps(x, mn);
			mx = _mm256_max_ps(x, mx);
		}
		__m256 m = _mm256_mul_ps(sum, inv_w);
		__m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(p), m), prev = d0;
		__m256 ss = _mm256_mul_ps(d0, d0), cyc = zero;
		for (unsigned s = 1; s < w; s++) {
			__m256 d = _mm256_sub_ps(_mm256_loadu_ps(p + s * pitch), m);
			ss = _mm256_add_ps(ss, _mm256_mul_ps(d, d));
			cyc = _mm256_add_ps(cyc, _mm256_mul_ps(prev, d));
			prev = d;
		}
		cyc = _mm256_add_ps(cyc, _mm256_mul_ps(prev, d0));
		__m256 sd = _mm256_sqrt_ps(_mm256_mul_ps(ss, inv_w));
		__m256 cv = _mm256_blendv_ps(zero, _mm256_div_ps(sd, m),
					     _mm256_cmp_ps(m, zero, _CMP_GT_OQ));
		__m256 dn = _mm256_sub_ps(_mm256_loadu_ps(newest + i), m);
		__m256 dol = _mm256_sub_ps(_mm256_loadu_ps(oldest + i), m);
		__m256 ac = _mm256_div_ps(_mm256_sub_ps(cyc, _mm256_mul_ps(dn, dol)), ss);
		ac = _mm256_min_ps(_mm256_max_ps(ac, mone), one);
		__m256 lim = _mm256_mul_ps(flat_k, _mm256_mul_ps(m, m));
		ac = _mm256_blendv_ps(zero, ac, _mm256_cmp_ps(ss, lim, _CMP_GT_OQ));

		_mm256_storeu_ps(out[CJD_STAT_MEAN] + i, m);
		_mm256_storeu_ps(out[CJD_STAT_STD] + i, sd);
		_mm256_storeu_ps(out[CJD_STAT_CV] + i, cv);
		_mm256_storeu_ps(out[CJD_STAT_MIN] + i, mn);
		_mm256_storeu_ps(out[CJD_STAT_MAX] + i, mx);
		_mm256_storeu_ps(out[CJD_STAT_AC1] + i, ac);
	}
	if (i < n) {
		float *tail[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			tail[k] = out[k] + i;
		cjd_fx_stats_sse42(ring + i, pitch, w, newest + i, oldest + i, tail, n - i);
	}
}

float cjd_fx_sum_avx2(const float *p, size_t n)
{
	__m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		a = _mm256_add_ps(a, _mm256_loadu_ps(p + i));
		b = _mm256_add_ps(b, _mm256_loadu_ps(p + i + 8));
		c = _mm256_add_ps(c, _mm256_loadu_ps(p + i + 16));
		d = _mm256_add_ps(d, _mm256_loadu_ps(p + i + 24));
	}
	float lanes[8], s = 0;
	_mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
	for (int k = 0; k < 8; k++)
		s += lanes[k];
	return s + cjd_fx_sum_sse42(p + i, n - i);
}
