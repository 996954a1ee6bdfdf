/* The reference feature kernels: one lane at a time, every other tier must agree with these. */
#include <math.h>

#include "kernels.h"

/*
 * This file is also compiled a second time as features_scalar_o3.c with the
 * auto-vectoriser on, under the suffix scalar_o3; CJD_FX_TIER picks the
 * symbol names.
 */
#ifndef CJD_FX_TIER
#define CJD_FX_TIER scalar
#endif
#define FX_CAT2(f, t) f##_##t
#define FX_CAT(f, t) FX_CAT2(f, t)
#define FX_NAME(f) FX_CAT(f, CJD_FX_TIER)

void FX_NAME(cjd_fx_ratio)(const float *num, const float *den, float scale, float safe, float *out,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float q = num[i] / den[i];
		q = q * scale;
		q = q < CJD_RATIO_MAX ? q : CJD_RATIO_MAX;
		/* Same order as the vector tiers, which divide every lane and then blend. */
		out[i] = den[i] > 0.0f ? q : safe;
	}
}

/*
 * Two passes over the window of each lane: sum, min and max first, then the
 * squared deviations and the lagged products around the mean. Two passes
 * because E[x^2] - m^2 cancels catastrophically for ratios like
 * instructions per CPU-second (~1e9) that barely move.
 */
void FX_NAME(cjd_fx_stats)(const float *ring, size_t pitch, unsigned w, const float *newest,
			   const float *oldest, float *const out[CJD_STAT__COUNT], size_t n)
{
	const float inv_w = 1.0f / (float)w;
	const float flat_k = (float)w * (CJD_FLAT_CV * CJD_FLAT_CV);

	for (size_t i = 0; i < n; i++) {
		const float *p = ring + i;
		float x = p[0], sum = x, mn = x, mx = x;

		for (unsigned s = 1; s < w; s++) {
			x = p[s * pitch];
			sum = sum + x;
			mn = x < mn ? x : mn;
			mx = x > mx ? x : mx;
		}
		float m = sum * inv_w;
		float d0 = p[0] - m, prev = d0, ss = d0 * d0, cyc = 0.0f;
		for (unsigned s = 1; s < w; s++) {
			float d = p[s * pitch] - m;
			ss = ss + d * d;
			cyc = cyc + prev * d;
			prev = d;
		}
		cyc = cyc + prev * d0; /* the wrap-around pair, slot w-1 -> slot 0 */
		float sd = sqrtf(ss * inv_w);
		float cv = sd / m;
		cv = m > 0.0f ? cv : 0.0f;
		float lag = cyc - (newest[i] - m) * (oldest[i] - m);
		float ac = lag / ss;
		ac = ac > -1.0f ? ac : -1.0f;
		ac = ac < 1.0f ? ac : 1.0f;
		ac = ss > flat_k * (m * m) ? ac : 0.0f;

		out[CJD_STAT_MEAN][i] = m;
		out[CJD_STAT_STD][i] = sd;
		out[CJD_STAT_CV][i] = cv;
		out[CJD_STAT_MIN][i] = mn;
		out[CJD_STAT_MAX][i] = mx;
		out[CJD_STAT_AC1][i] = ac;
	}
}

float FX_NAME(cjd_fx_sum)(const float *p, size_t n)
{
	/* Four chains so the scalar loop is not bound by add latency. */
	float a = 0, b = 0, c = 0, d = 0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		a += p[i];
		b += p[i + 1];
		c += p[i + 2];
		d += p[i + 3];
	}
	for (; i < n; i++)
		a += p[i];
	return (a + b) + (c + d);
}
