/* Feature kernels for AVX-512: sixteen cgroups per vector; the last n % 16 lanes go to the AVX2 kernel. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"

void cjd_fx_ratio_avx512(const float *num, const float *den, float scale, float safe, float *out,
			 size_t n)
{
	const __m512 vscale = _mm512_set1_ps(scale), vsafe = _mm512_set1_ps(safe);
	const __m512 vmax = _mm512_set1_ps(CJD_RATIO_MAX), zero = _mm512_setzero_ps();
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m512 d = _mm512_loadu_ps(den + i);
		__m512 q = _mm512_mul_ps(_mm512_div_ps(_mm512_loadu_ps(num + i), d), vscale);
		q = _mm512_min_ps(q, vmax);
		__mmask16 pos = _mm512_cmp_ps_mask(d, zero, _CMP_GT_OQ);
		_mm512_storeu_ps(out + i, _mm512_mask_blend_ps(pos, vsafe, q));
	}
	if (i < n)
		cjd_fx_ratio_avx2(num + i, den + i, scale, safe, out + i, n - i);
}

void cjd_fx_stats_avx512(const float *ring, size_t pitch, unsigned w, const float *newest,
			 const float *oldest, float *const out[CJD_STAT__COUNT], size_t n)
{
	const __m512 inv_w = _mm512_set1_ps(1.0f / (float)w);
	const __m512 flat_k = _mm512_set1_ps((float)w * (CJD_FLAT_CV * CJD_FLAT_CV));
	const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
	const __m512 mone = _mm512_set1_ps(-1.0f);
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		const float *p = ring + i;
		__m512 x = _mm512_loadu_ps(p), sum = x, mn = x, mx = x;

		for (unsigned s = 1; s < w; s++) {
			x = _mm512_loadu_ps(p + s * pitch);
			sum = _mm512_add_ps(sum, x);
			mn = _mm512_min_ps(x, mn);
			mx = _mm512_max_ps(x, mx);
		}
		__m512 m = _mm512_mul_ps(sum, inv_w);
		__m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(p), m), prev = d0;
		__m512 ss = _mm512_mul_ps(d0, d0), cyc = zero;
		for (unsigned s = 1; s < w; s++) {
			__m512 d = _mm512_sub_ps(_mm512_loadu_ps(p + s * pitch), m);
			ss = _mm512_add_ps(ss, _mm512_mul_ps(d, d));
			cyc = _mm512_add_ps(cyc, _mm512_mul_ps(prev, d));
			prev = d;
		}
		cyc = _mm512_add_ps(cyc, _mm512_mul_ps(prev, d0));
		__m512 sd = _mm512_sqrt_ps(_mm512_mul_ps(ss, inv_w));
		/* Masked divide: lanes with m == 0 are never divided, and get 0. */
		__m512 cv = _mm512_maskz_div_ps(_mm512_cmp_ps_mask(m, zero, _CMP_GT_OQ), sd, m);
		__m512 dn = _mm512_sub_ps(_mm512_loadu_ps(newest + i), m);
		__m512 dol = _mm512_sub_ps(_mm512_loadu_ps(oldest + i), m);
		__m512 lim = _mm512_mul_ps(flat_k, _mm512_mul_ps(m, m));
		__mmask16 moving = _mm512_cmp_ps_mask(ss, lim, _CMP_GT_OQ);
		__m512 ac = _mm512_maskz_div_ps(moving, _mm512_sub_ps(cyc, _mm512_mul_ps(dn, dol)), ss);
		ac = _mm512_min_ps(_mm512_max_ps(ac, mone), one);

		_mm512_storeu_ps(out[CJD_STAT_MEAN] + i, m);
		_mm512_storeu_ps(out[CJD_STAT_STD] + i, sd);
		_mm512_storeu_ps(out[CJD_STAT_CV] + i, cv);
		_mm512_storeu_ps(out[CJD_STAT_MIN] + i, mn);
		_mm512_storeu_ps(out[CJD_STAT_MAX] + i, mx);
		_mm512_storeu_ps(out[CJD_STAT_AC1] + i, ac);
	}
	if (i < n) {
		float *tail[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			tail[k] = out[k] + i;
		cjd_fx_stats_avx2(ring + i, pitch, w, newest + i, oldest + i, tail, n - i);
	}
}

float cjd_fx_sum_avx512(const float *p, size_t n)
{
	__m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		a = _mm512_add_ps(a, _mm512_loadu_ps(p + i));
		b = _mm512_add_ps(b, _mm512_loadu_ps(p + i + 16));
		c = _mm512_add_ps(c, _mm512_loadu_ps(p + i + 32));
		d = _mm512_add_ps(d, _mm512_loadu_ps(p + i + 48));
	}
	__m512 t = _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d));
	return _mm512_reduce_add_ps(t) + cjd_fx_sum_avx2(p + i, n - i);
}
