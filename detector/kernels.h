/* The SIMD kernel table: one row per tier holding every kernel (features and gbdt), and its declarations. */
#ifndef CJD_DETECTOR_KERNELS_H
#define CJD_DETECTOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/detector/simd.h"
#include "features_internal.h"

/*
 * Which tiers this build has. The guards follow the compiler's own
 * architecture macros (as BLAKE3's blake3_dispatch.c does); cmake/CjdIsa.cmake
 * compiles the ISA files of the same architecture from CMAKE_SYSTEM_PROCESSOR,
 * so a disagreement is a link error, never a silently smaller table. Any
 * other architecture gets the portable scalar tier alone.
 */
#if defined(__x86_64__) || defined(__i386__)
#define CJD_KERNELS_X86 1
#elif defined(__aarch64__)
#define CJD_KERNELS_NEON 1
#endif

/*
 * Features. Layout: SoA, the cgroup is the lane. Every array below holds n
 * floats for lanes 0..n-1; a ring holds W rows of `pitch` floats (row s = slot s).
 *
 * All tiers perform the same IEEE operations in the same order per lane,
 * with min/max/clamps written as "a < b ? a : b" selects (what SSE's minps
 * does; NEON uses compare + select, as vminq would differ on NaN), and no
 * fused multiply-add: every kernel file is compiled -ffp-contract=off and the
 * intrinsics code uses separate multiply and add. So the tiers agree bit for
 * bit (NaN payloads aside), and the tests check that.
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
 * reference over the very buffers the kernels read (not bit-equal across tiers). */
typedef float (*cjd_fx_sum_fn)(const float *p, size_t n);

/*
 * gbdt: z[i] += sum over trees of the leaf lane i reaches, for lanes 0..n-1
 * of the feature matrix x (struct cjd_gbdt_flat is in model_internal.h).
 * offs[t * n_inner + k] is the offset of node k's feature row in x (feature
 * index * pitch), computed per call because the pitch is the caller's. Leaves
 * are added in tree order, so every tier gives the scalar bits.
 */
struct cjd_gbdt_flat;
typedef void (*cjd_gbdt_fn)(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
			    size_t n, float *z);

/*
 * The 4-lane gbdt tiers share one walk (cjd_gbdt_eval_top, in
 * model_gbdt_scalar.c) and bring only top(): for lanes 0..n-1 of x (n a
 * multiple of 4) it writes k[i], the node lane i reaches after the first
 * CJD_GBDT_TOP_LEVELS levels of the tree whose feature offsets and
 * thresholds are o and th.
 */
#define CJD_GBDT_TOP_LEVELS 3
typedef void (*cjd_gbdt_top_fn)(const int32_t *o, const float *th, const float *x, size_t n,
				int32_t *k);
void cjd_gbdt_eval_top(const struct cjd_gbdt_flat *g, const int32_t *offs, const float *x,
		       size_t n, float *z, cjd_gbdt_top_fn top);

/* One tier's kernels. A wide kernel hands its lane tail to a narrower one. */
struct cjd_kernels {
	const char *name;
	unsigned width; /* lanes per vector */
	cjd_fx_ratio_fn ratio;
	cjd_fx_stats_fn stats;
	cjd_fx_sum_fn sum;
	cjd_gbdt_fn gbdt;
};

#define CJD_KERNELS_DECLARE(tier)                                                                  \
	void cjd_fx_ratio_##tier(const float *num, const float *den, float scale, float safe,      \
				 float *out, size_t n);                                            \
	void cjd_fx_stats_##tier(const float *ring, size_t pitch, unsigned w, const float *newest, \
				 const float *oldest, float *const out[CJD_STAT__COUNT], size_t n); \
	float cjd_fx_sum_##tier(const float *p, size_t n);                                         \
	void cjd_gbdt_eval_##tier(const struct cjd_gbdt_flat *g, const int32_t *offs,              \
				  const float *x, size_t n, float *z);

CJD_KERNELS_DECLARE(scalar)
#ifdef CJD_KERNELS_X86
CJD_KERNELS_DECLARE(sse42)
CJD_KERNELS_DECLARE(avx2)
CJD_KERNELS_DECLARE(avx512)
#endif
#ifdef CJD_KERNELS_NEON
CJD_KERNELS_DECLARE(neon)
#endif

/* The scalar feature kernels again, compiled at plain -O3 with the
 * compiler's auto-vectoriser on: only for the benchmark's honest "what does
 * the compiler do alone" row (its gbdt is the scalar one). */
void cjd_fx_ratio_scalar_o3(const float *num, const float *den, float scale, float safe,
			    float *out, size_t n);
void cjd_fx_stats_scalar_o3(const float *ring, size_t pitch, unsigned w, const float *newest,
			    const float *oldest, float *const out[CJD_STAT__COUNT], size_t n);
float cjd_fx_sum_scalar_o3(const float *p, size_t n);
extern const struct cjd_kernels cjd_kernels_scalar_o3;

/*
 * The kernels of tier t, or NULL when this build has none for it (a tier of
 * another architecture, or not a tier). Non-NULL does not mean the CPU can
 * run them: the caller checks cjd_simd_cpu_supports() first (every tier this
 * returns NULL for is unsupported, so that check alone suffices).
 */
const struct cjd_kernels *cjd_kernels(enum cjd_simd_tier t);

#endif
