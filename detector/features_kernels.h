/* The SIMD kernels of feature extraction, one set per ISA tier, and the dispatch that picks one. */
#ifndef CJD_DETECTOR_FEATURES_KERNELS_H
#define CJD_DETECTOR_FEATURES_KERNELS_H

#include <stddef.h>

#include "cjd/detector/simd.h"
#include "features_internal.h"

/*
 * Layout: SoA, the cgroup is the lane. Every array below holds n floats for
 * lanes 0..n-1; a ring holds W rows of `pitch` floats (row s = slot s).
 *
 * All tiers perform the same IEEE operations in the same order per lane
 * (no FMA contraction: the build is ISO C, -ffp-contract=off, and the
 * intrinsics code uses separate mul/add), so tiers agree bit for bit; the
 * tests still only demand 1e-5 relative / 1e-6 absolute.
 */

/*
 * out[i] = den[i] > 0 ? min(num[i] / den[i] * scale, CJD_RATIO_MAX) : safe
 * Inputs are counts as floats (>= 0, finite), so out is finite and >= 0.
 */
typedef void (*cjd_fx_ratio_fn)(const float *num, const float *den, float scale, float safe,
				float *out, size_t n);

/*
 * The CJD_STAT__COUNT statistics of one ratio over a full window of every
 * lane: out[k][i] for k in enum cjd_stat. ring row s holds slot s; slots are
 * in any rotation, and newest[i]/oldest[i] give the lane's newest and oldest
 * values so that ac1 can drop the wrap-around pair: the sum over all cyclic
 * neighbour pairs minus (newest - m)(oldest - m) is the sum over time-order
 * pairs, whatever the lane's ring head.
 */
typedef void (*cjd_fx_stats_fn)(const float *ring, size_t pitch, unsigned w, const float *newest,
				const float *oldest, float *const out[CJD_STAT__COUNT], size_t n);

/* Sum of n floats, read once front to back: the benchmark's memory-bandwidth
 * reference over the very buffers the kernels read. */
typedef float (*cjd_fx_sum_fn)(const float *p, size_t n);

struct cjd_fx_kernels {
	const char *name;
	unsigned width;
	cjd_fx_ratio_fn ratio;
	cjd_fx_stats_fn stats;
	cjd_fx_sum_fn sum;
};

#define CJD_FX_DECLARE(tier)                                                                       \
	void cjd_fx_ratio_##tier(const float *num, const float *den, float scale, float safe,      \
				 float *out, size_t n);                                            \
	void cjd_fx_stats_##tier(const float *ring, size_t pitch, unsigned w, const float *newest, \
				 const float *oldest, float *const out[CJD_STAT__COUNT], size_t n); \
	float cjd_fx_sum_##tier(const float *p, size_t n);

CJD_FX_DECLARE(scalar)
CJD_FX_DECLARE(scalar_o3)
CJD_FX_DECLARE(sse42)
CJD_FX_DECLARE(avx2)
CJD_FX_DECLARE(avx512)

/* The kernels of a tier (always non-NULL for a valid tier; the caller checks
 * cjd_simd_cpu_supports() before calling them). */
const struct cjd_fx_kernels *cjd_fx_kernels(enum cjd_simd_tier t);

/* The scalar kernel compiled at plain -O3 with auto-vectorisation on: only
 * for the benchmark's honest "what does the compiler do alone" row. */
extern const struct cjd_fx_kernels cjd_fx_kernels_scalar_o3;

#endif
