/* SIMD tiers of the detector's kernels: names, CPU support, and the cached choice (CJD_SIMD). */
#ifndef CJD_DETECTOR_SIMD_H
#define CJD_DETECTOR_SIMD_H

#include <stdbool.h>

#include "cjd/common/error.h"

/*
 * The portable scalar reference, then the x86 tiers from narrowest to widest
 * (a wider one hands its lane tail to a narrower one), then the arm64 tier.
 * Every build knows every name; only the tiers of its own architecture are
 * compiled in, and the others are never supported (cjd_simd_why_not says so).
 * Among the supported tiers the highest is the default.
 */
enum cjd_simd_tier {
	CJD_SIMD_SCALAR = 0, /* the reference: -O3 -fno-tree-vectorize, any CPU */
	CJD_SIMD_SSE42,      /* x86: 4 lanes */
	CJD_SIMD_AVX2,       /* x86: 8 lanes */
	CJD_SIMD_AVX512,     /* x86: 16 lanes (F, DQ, VL, BW) */
	CJD_SIMD_NEON,       /* arm64: 4 lanes (Advanced SIMD, part of every AArch64 CPU) */
	CJD_SIMD__COUNT,
	CJD_SIMD_AUTO = -1,  /* in configs: "use cjd_simd_tier()" */
};

/* "scalar", "sse42", "avx2", "avx512", "neon"; "auto" for CJD_SIMD_AUTO. */
const char *cjd_simd_tier_name(enum cjd_simd_tier t);

/* Parses a tier name ("auto" included). Returns 0 or -EINVAL. */
int cjd_simd_tier_parse(const char *s, enum cjd_simd_tier *out);

/* Lanes per vector of a tier (1, 4, 8, 16, 4). */
unsigned cjd_simd_tier_width(enum cjd_simd_tier t);

/* The architecture this binary was built for: "x86-64", "x86", "arm64" or "other". */
const char *cjd_simd_build_arch(void);

/*
 * True when this binary has tier t and this CPU and its OS can run it. x86:
 * cpuid feature bits, and for AVX2/AVX-512 also OSXSAVE plus the XCR0 bits
 * saying the OS saves YMM/ZMM state. arm64: NEON, which every AArch64 CPU
 * has (the kernel's AT_HWCAP is still checked). Computed once and cached;
 * thread-safe.
 */
bool cjd_simd_cpu_supports(enum cjd_simd_tier t);

/*
 * Why tier t cannot run here, or "" when it can: "an x86 tier, and this
 * binary is built for arm64", "this CPU has no AVX-512F", "the OS does not
 * save ZMM state (XCR0)"... A static string; thread-safe.
 */
const char *cjd_simd_why_not(enum cjd_simd_tier t);

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
