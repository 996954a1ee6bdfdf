/* The kernel table: for each SIMD tier this build has, its feature and gbdt kernels. */
#include "kernels.h"

/* One row per tier, filled only for the tiers of this architecture (see
 * kernels.h); the others stay zero and cjd_kernels() returns NULL for them. */
#define ROW(TIER, tier, lanes)                                                                     \
	[CJD_SIMD_##TIER] = {#tier, lanes, cjd_fx_ratio_##tier, cjd_fx_stats_##tier,               \
			     cjd_fx_sum_##tier, cjd_gbdt_eval_##tier}

static const struct cjd_kernels table[CJD_SIMD__COUNT] = {
	ROW(SCALAR, scalar, 1),
#ifdef CJD_KERNELS_X86
	ROW(SSE42, sse42, 4),
	ROW(AVX2, avx2, 8),
	ROW(AVX512, avx512, 16),
#endif
#ifdef CJD_KERNELS_NEON
	ROW(NEON, neon, 4),
#endif
};

const struct cjd_kernels cjd_kernels_scalar_o3 = {"scalar-O3", 1, cjd_fx_ratio_scalar_o3,
						  cjd_fx_stats_scalar_o3, cjd_fx_sum_scalar_o3,
						  cjd_gbdt_eval_scalar};

const struct cjd_kernels *cjd_kernels(enum cjd_simd_tier t)
{
	return (unsigned)t < CJD_SIMD__COUNT && table[t].name ? &table[t] : NULL;
}
