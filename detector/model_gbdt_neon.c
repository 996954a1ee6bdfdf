/* gbdt traversal for NEON: four cgroups per vector take each tree's first three levels together. */
#if !defined(__aarch64__)
#error "an arm64 kernel file: cmake/CjdIsa.cmake compiles it only for aarch64 targets"
#endif
#include <arm_neon.h>

#include "kernels.h"
#include "model_internal.h"

/*
 * As the SSE4.2 tier: NEON has no gathers, so the first three levels (7
 * nodes) are tested for every lane with contiguous loads and bit selects
 * pick each lane's path; the shared one-lane loop walks the rest.
 * vcgtq_f32 is false on NaN, as the scalar ">" is.
 */
static void top(const int32_t *o, const float *th, const float *x, size_t n, int32_t *k)
{
	const uint32x4_t four = vdupq_n_u32(4), two = vdupq_n_u32(2), one = vdupq_n_u32(1);
	const uint32x4_t first = vdupq_n_u32(7); /* node index of position 0 on level 3 */

	for (size_t i = 0; i < n; i += 4) {
		uint32x4_t m[7];
		for (int j = 0; j < 7; j++)
			m[j] = vcgtq_f32(vld1q_f32(x + o[j] + i), vdupq_n_f32(th[j]));
		uint32x4_t b0 = m[0];
		uint32x4_t b1 = vbslq_u32(b0, m[2], m[1]);
		uint32x4_t b2 = vbslq_u32(b0, vbslq_u32(b1, m[6], m[5]), vbslq_u32(b1, m[4], m[3]));
		uint32x4_t v = vandq_u32(b0, four);
		v = vorrq_u32(v, vandq_u32(b1, two));
		v = vorrq_u32(v, vandq_u32(b2, one));
		vst1q_s32(k + i, vreinterpretq_s32_u32(vaddq_u32(v, first)));
	}
}

void cjd_gbdt_eval_neon(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			size_t n, float *z)
{
	cjd_gbdt_eval_top(g, offs, x, n, z, top);
}
