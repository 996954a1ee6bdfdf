/* Feature kernels for NEON (arm64): four cgroups per vector; the last n % 4 lanes go to the scalar kernel. */
#if !defined(__aarch64__)
#error "an arm64 kernel file: cmake/CjdIsa.cmake compiles it only for aarch64 targets"
#endif
#include <arm_neon.h>

#include "kernels.h"

/*
 * Bit for bit the scalar reference, as the x86 tiers are: the same IEEE
 * operations in the same order (vdivq_f32 and vsqrtq_f32 are correctly
 * rounded, as "/" and sqrtf are), separate vmulq/vaddq and never vfmaq
 * (the file is compiled -ffp-contract=off, and arm_neon.h's vmulq/vaddq
 * are plain C operators the compiler could otherwise fuse), and every
 * min/max/clamp as the scalar "a < b ? a : b" select: vminq/vmaxq would
 * return NaN where the scalar select returns b.
 */
static inline float32x4_t lt_select(float32x4_t a, float32x4_t b) /* a < b ? a : b */
{
	return vbslq_f32(vcltq_f32(a, b), a, b);
}

static inline float32x4_t gt_select(float32x4_t a, float32x4_t b) /* a > b ? a : b */
{
	return vbslq_f32(vcgtq_f32(a, b), a, b);
}

void cjd_fx_ratio_neon(const float *num, const float *den, float scale, float safe, float *out,
		       size_t n)
{
	const float32x4_t vscale = vdupq_n_f32(scale), vsafe = vdupq_n_f32(safe);
	const float32x4_t vmax = vdupq_n_f32(CJD_RATIO_MAX), zero = vdupq_n_f32(0.0f);
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		float32x4_t d = vld1q_f32(den + i);
		float32x4_t q = vmulq_f32(vdivq_f32(vld1q_f32(num + i), d), vscale);
		q = lt_select(q, vmax);
		vst1q_f32(out + i, vbslq_f32(vcgtq_f32(d, zero), q, vsafe));
	}
	if (i < n)
		cjd_fx_ratio_scalar(num + i, den + i, scale, safe, out + i, n - i);
}

void cjd_fx_stats_neon(const float *ring, size_t pitch, unsigned w, const float *newest,
		       const float *oldest, float *const out[CJD_STAT__COUNT], size_t n)
{
	const float32x4_t inv_w = vdupq_n_f32(1.0f / (float)w);
	const float32x4_t flat_k = vdupq_n_f32((float)w * (CJD_FLAT_CV * CJD_FLAT_CV));
	const float32x4_t zero = vdupq_n_f32(0.0f), one = vdupq_n_f32(1.0f);
	const float32x4_t mone = vdupq_n_f32(-1.0f);
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		const float *p = ring + i;
		float32x4_t x = vld1q_f32(p), sum = x, mn = x, mx = x;

		for (unsigned s = 1; s < w; s++) {
			x = vld1q_f32(p + s * pitch);
			sum = vaddq_f32(sum, x);
			mn = lt_select(x, mn);
			mx = gt_select(x, mx);
		}
		float32x4_t m = vmulq_f32(sum, inv_w);
		float32x4_t d0 = vsubq_f32(vld1q_f32(p), m), prev = d0;
		float32x4_t ss = vmulq_f32(d0, d0), cyc = zero;
		for (unsigned s = 1; s < w; s++) {
			float32x4_t d = vsubq_f32(vld1q_f32(p + s * pitch), m);
			ss = vaddq_f32(ss, vmulq_f32(d, d));
			cyc = vaddq_f32(cyc, vmulq_f32(prev, d));
			prev = d;
		}
		cyc = vaddq_f32(cyc, vmulq_f32(prev, d0));
		float32x4_t sd = vsqrtq_f32(vmulq_f32(ss, inv_w));
		float32x4_t cv = vbslq_f32(vcgtq_f32(m, zero), vdivq_f32(sd, m), zero);
		float32x4_t dn = vsubq_f32(vld1q_f32(newest + i), m);
		float32x4_t dol = vsubq_f32(vld1q_f32(oldest + i), m);
		float32x4_t ac = vdivq_f32(vsubq_f32(cyc, vmulq_f32(dn, dol)), ss);
		ac = lt_select(gt_select(ac, mone), one);
		float32x4_t lim = vmulq_f32(flat_k, vmulq_f32(m, m));
		ac = vbslq_f32(vcgtq_f32(ss, lim), ac, zero);

		vst1q_f32(out[CJD_STAT_MEAN] + i, m);
		vst1q_f32(out[CJD_STAT_STD] + i, sd);
		vst1q_f32(out[CJD_STAT_CV] + i, cv);
		vst1q_f32(out[CJD_STAT_MIN] + i, mn);
		vst1q_f32(out[CJD_STAT_MAX] + i, mx);
		vst1q_f32(out[CJD_STAT_AC1] + i, ac);
	}
	if (i < n) {
		float *tail[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			tail[k] = out[k] + i;
		cjd_fx_stats_scalar(ring + i, pitch, w, newest + i, oldest + i, tail, n - i);
	}
}

float cjd_fx_sum_neon(const float *p, size_t n)
{
	float32x4_t a = vdupq_n_f32(0.0f), b = a, c = a, d = a;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		a = vaddq_f32(a, vld1q_f32(p + i));
		b = vaddq_f32(b, vld1q_f32(p + i + 4));
		c = vaddq_f32(c, vld1q_f32(p + i + 8));
		d = vaddq_f32(d, vld1q_f32(p + i + 12));
	}
	return vaddvq_f32(vaddq_f32(vaddq_f32(a, b), vaddq_f32(c, d))) +
	       cjd_fx_sum_scalar(p + i, n - i);
}
