/* SIMD tiers of the detector's kernels: names, CPU support, and the cached choice (CJD_SIMD). */
#ifndef CJD_DETECTOR_SIMD_H
#define CJD_DETECTOR_SIMD_H

#include <stdbool.h>

#include "cjd/common/error.h"

/* Ordered from narrowest to widest; a wider tier hands its lane tail to a narrower one. */
enum cjd_simd_tier {
	CJD_SIMD_SCALAR = 0, /* the reference: -O3 -fno-tree-vectorize */
	CJD_SIMD_SSE42,      /* 4 lanes */
	CJD_SIMD_AVX2,       /* 8 lanes */
	CJD_SIMD_AVX512,     /* 16 lanes (F, DQ, VL, BW) */
	CJD_SIMD__COUNT,
	CJD_SIMD_AUTO = -1,  /* in configs: "use cjd_simd_tier()" */
};

/* "scalar", "sse42", "avx2", "avx512"; "auto" for CJD_SIMD_AUTO. */
const char *cjd_simd_tier_name(enum cjd_simd_tier t);

/* Parses a tier name ("auto" included). Returns 0 or -EINVAL. */
int cjd_simd_tier_parse(const char *s, enum cjd_simd_tier *out);

/* Lanes per vector of a tier (1, 4, 8, 16). */
unsigned cjd_simd_tier_width(enum cjd_simd_tier t);

/*
 * True when this CPU and its OS can run tier t: cpuid feature bits, and for
 * AVX2/AVX-512 also OSXSAVE plus the XCR0 bits saying the OS saves YMM/ZMM
 * state. Computed once and cached; thread-safe.
 */
bool cjd_simd_cpu_supports(enum cjd_simd_tier t);

/*
 * The tier the detector uses: $CJD_SIMD if set, else the widest tier the CPU
 * supports. Decided once per process (thread-safe) and cached. Returns 0 with
 * *out set, or -EINVAL (CJD_SIMD is not a tier name) / -ENOTSUP (CJD_SIMD
 * names a tier this CPU lacks) with err saying which and why.
 */
int cjd_simd_tier(enum cjd_simd_tier *out, struct cjd_error *err);

/* Resolves CJD_SIMD_AUTO through cjd_simd_tier(); checks an explicit tier
 * against the CPU. Same returns as cjd_simd_tier(). */
int cjd_simd_resolve(enum cjd_simd_tier want, enum cjd_simd_tier *out, struct cjd_error *err);

#endif
