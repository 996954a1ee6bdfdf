/* Feature kernels for SSE4.2: four cgroups per vector; the last n % 4 lanes go to the scalar kernel. */
#if !defined(__x86_64__) && !defined(__i386__)
#error "an x86 kernel file: cmake/CjdIsa.cmake compiles it only for x86 targets"
#endif
#include <immintrin.h>

#include "kernels.h"

void cjd_fx_ratio_sse42(const float *num, const float *den, float scale, float safe, float *out,
			size_t n)
{
	const __m128 vscale = _mm_set1_ps(scale), vsafe = _mm_set1_ps(safe);
	const __m128 vmax = _mm_set1_ps(CJD_RATIO_MAX), zero = _mm_setzero_ps();
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		__m128 d = _mm_loadu_ps(den + i);
		__m128 q = _mm_mul_ps(_mm_div_ps(_mm_loadu_ps(num + i), d), vscale);
		q = _mm_min_ps(q, vmax);
		_mm_storeu_ps(out + i, _mm_blendv_ps(vsafe, q, _mm_cmpgt_ps(d, zero)));
	}
	if (i < n)
		cjd_fx_ratio_scalar(num + i, den + i, scale, safe, out + i, n - i);
}

void cjd_fx_stats_sse42(const float *ring, size_t pitch, unsigned w, const float *newest,
			const float *oldest, float *const out[CJD_STAT__COUNT], size_t n)
{
	const __m128 inv_w = _mm_set1_ps(1.0f / (float)w);
	const __m128 flat_k = _mm_set1_ps((float)w * (CJD_FLAT_CV * CJD_FLAT_CV));
	const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f), mone = _mm_set1_ps(-1.0f);
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		const float *p = ring + i;
		__m128 x = _mm_loadu_ps(p), sum = x, mn = x, mx = x;

		for (unsigned s = 1; s < w; s++) {
			x = _mm_loadu_ps(p + s * pitch);
			sum = _mm_add_ps(sum, x);
			mn = _mm_min_ps(x, mn);
			mx = _mm_max_ps(x, mx);
		}
		__m128 m = _mm_mul_ps(sum, inv_w);
		__m128 d0 = _mm_sub_ps(_mm_loadu_ps(p), m), prev = d0;
		__m128 ss = _mm_mul_ps(d0, d0), cyc = zero;
		for (unsigned s = 1; s < w; s++) {
			__m128 d = _mm_sub_ps(_mm_loadu_ps(p + s * pitch), m);
			ss = _mm_add_ps(ss, _mm_mul_ps(d, d));
			cyc = _mm_add_ps(cyc, _mm_mul_ps(prev, d));
			prev = d;
		}
		cyc = _mm_add_ps(cyc, _mm_mul_ps(prev, d0));
		__m128 sd = _mm_sqrt_ps(_mm_mul_ps(ss, inv_w));
		__m128 cv = _mm_blendv_ps(zero, _mm_div_ps(sd, m), _mm_cmpgt_ps(m, zero));
		__m128 dn = _mm_sub_ps(_mm_loadu_ps(newest + i), m);
		__m128 dol = _mm_sub_ps(_mm_loadu_ps(oldest + i), m);
		__m128 ac = _mm_div_ps(_mm_sub_ps(cyc, _mm_mul_ps(dn, dol)), ss);
		ac = _mm_min_ps(_mm_max_ps(ac, mone), one);
		ac = _mm_blendv_ps(zero, ac, _mm_cmpgt_ps(ss, _mm_mul_ps(flat_k, _mm_mul_ps(m, m))));

		_mm_storeu_ps(out[CJD_STAT_MEAN] + i, m);
		_mm_storeu_ps(out[CJD_STAT_STD] + i, sd);
		_mm_storeu_ps(out[CJD_STAT_CV] + i, cv);
		_mm_storeu_ps(out[CJD_STAT_MIN] + i, mn);
		_mm_storeu_ps(out[CJD_STAT_MAX] + i, mx);
		_mm_storeu_ps(out[CJD_STAT_AC1] + i, ac);
	}
	if (i < n) {
		float *tail[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			tail[k] = out[k] + i;
		cjd_fx_stats_scalar(ring + i, pitch, w, newest + i, oldest + i, tail, n - i);
	}
}

float cjd_fx_sum_sse42(const float *p, size_t n)
{
	__m128 a = _mm_setzero_ps(), b = a, c = a, d = a;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		a = _mm_add_ps(a, _mm_loadu_ps(p + i));
		b = _mm_add_ps(b, _mm_loadu_ps(p + i + 4));
		c = _mm_add_ps(c, _mm_loadu_ps(p + i + 8));
		d = _mm_add_ps(d, _mm_loadu_ps(p + i + 12));
	}
	float lanes[4];
	_mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(a, b), _mm_add_ps(c, d)));
	return lanes[0] + lanes[1] + lanes[2] + lanes[3] + cjd_fx_sum_scalar(p + i, n - i);
}
