/* Runtime choice of the SIMD tier: what this CPU and OS support, cached once per process, forced by CJD_SIMD. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/simd.h"
#include "kernels.h"

/*
 * The only file that asks the CPU what it can do (cpuid and xgetbv on x86,
 * AT_HWCAP on arm64): nothing outside the per-ISA kernel files is compiled
 * for more than the baseline, and those only run after this says so. Every
 * architecture-specific line sits under the compiler's architecture guard,
 * so the file builds anywhere and leaves only the scalar tier elsewhere.
 */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#if defined(__x86_64__)
#define BUILD_ARCH "x86-64"
#elif defined(__i386__)
#define BUILD_ARCH "x86"
#elif defined(__aarch64__)
#define BUILD_ARCH "arm64"
#else
#define BUILD_ARCH "other"
#endif

#define ELSEWHERE(arch) "an " arch " tier, and this binary is built for " BUILD_ARCH

static const struct {
	const char *name;
	unsigned width;
	const char *elsewhere; /* why_not when the build lacks the tier */
} tiers[CJD_SIMD__COUNT] = {
	[CJD_SIMD_SCALAR] = {"scalar", 1, "not built (a build error)"},
	[CJD_SIMD_SSE42] = {"sse42", 4, ELSEWHERE("x86")},
	[CJD_SIMD_AVX2] = {"avx2", 8, ELSEWHERE("x86")},
	[CJD_SIMD_AVX512] = {"avx512", 16, ELSEWHERE("x86")},
	[CJD_SIMD_NEON] = {"neon", 4, ELSEWHERE("arm64")},
};

const char *cjd_simd_tier_name(enum cjd_simd_tier t)
{
	if (t == CJD_SIMD_AUTO)
		return "auto";
	return (unsigned)t < CJD_SIMD__COUNT ? tiers[t].name : "unknown";
}

int cjd_simd_tier_parse(const char *s, enum cjd_simd_tier *out)
{
	if (!strcmp(s, "auto")) {
		*out = CJD_SIMD_AUTO;
		return 0;
	}
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		if (!strcmp(s, tiers[t].name)) {
			*out = (enum cjd_simd_tier)t;
			return 0;
		}
	}
	return -EINVAL;
}

unsigned cjd_simd_tier_width(enum cjd_simd_tier t)
{
	return (unsigned)t < CJD_SIMD__COUNT ? tiers[t].width : 1;
}

const char *cjd_simd_build_arch(void)
{
	return BUILD_ARCH;
}

/* ---- what the CPU and OS support (cached) ---- */

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static bool cpu_ok[CJD_SIMD__COUNT];
static const char *cpu_why[CJD_SIMD__COUNT];

/* A requirement of a tier, and how to say it is missing. */
struct need {
	bool ok;
	const char *why;
};

/* Tier t runs when every need holds; else the first missing one is the reason. */
static void decide(enum cjd_simd_tier t, const struct need *needs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!needs[i].ok) {
			cpu_why[t] = needs[i].why;
			return;
		}
	}
	cpu_ok[t] = cjd_kernels(t) != NULL;
	cpu_why[t] = cpu_ok[t] ? "" : tiers[t].elsewhere;
}

#define DECIDE(t, ...)                                                                             \
	do {                                                                                       \
		const struct need needs_[] = {__VA_ARGS__};                                        \
		decide(t, needs_, sizeof(needs_) / sizeof(needs_[0]));                             \
	} while (0)

#ifdef CJD_KERNELS_X86
static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	/* xgetbv is encoded by hand so this file needs no -mxsave. */
	__asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void probe_x86(void)
{
	unsigned a, b, c = 0, d, a7, b7 = 0, c7, d7;
	uint64_t xcr0 = 0;

	bool leaf1 = __get_cpuid(1, &a, &b, &c, &d);
	if (__get_cpuid_max(0, NULL) < 7 || !__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7))
		b7 = 0;
	bool osxsave = c & bit_OSXSAVE;
	if (osxsave)
		xcr0 = xgetbv0();
	/* XCR0: bit 1 SSE, bit 2 AVX (YMM upper halves), bits 5-7 opmask and ZMM state. */
	bool ymm_os = (xcr0 & 0x6) == 0x6;
	bool zmm_os = ymm_os && (xcr0 & 0xe0) == 0xe0;
	const struct need sse42 = {leaf1 && (c & bit_SSE4_2), "this CPU has no SSE4.2"};
	const struct need avx2[] = {
		sse42,
		{c & bit_AVX, "this CPU has no AVX"},
		{c & bit_FMA, "this CPU has no FMA"},
		{b7 & bit_AVX2, "this CPU has no AVX2"},
		{osxsave, "the OS has not enabled XSAVE (no OSXSAVE)"},
		{ymm_os, "the OS does not save YMM state (XCR0)"},
	};

	DECIDE(CJD_SIMD_SSE42, sse42);
	decide(CJD_SIMD_AVX2, avx2, sizeof(avx2) / sizeof(avx2[0]));
	DECIDE(CJD_SIMD_AVX512, {cpu_ok[CJD_SIMD_AVX2], cpu_why[CJD_SIMD_AVX2]},
	       {b7 & bit_AVX512F, "this CPU has no AVX-512F"},
	       {b7 & bit_AVX512DQ, "this CPU has no AVX-512DQ"},
	       {b7 & bit_AVX512BW, "this CPU has no AVX-512BW"},
	       {b7 & bit_AVX512VL, "this CPU has no AVX-512VL"},
	       {zmm_os, "the OS does not save ZMM state (XCR0)"});
}
#endif

#ifdef CJD_KERNELS_NEON
static void probe_neon(void)
{
	/* Advanced SIMD is mandatory in AArch64; the kernel's word is checked anyway. */
	DECIDE(CJD_SIMD_NEON,
	       {getauxval(AT_HWCAP) & HWCAP_ASIMD, "the kernel reports no Advanced SIMD (AT_HWCAP)"});
}
#endif

static void cpu_probe(void)
{
	for (int t = 0; t < CJD_SIMD__COUNT; t++)
		cpu_why[t] = tiers[t].elsewhere;
	DECIDE(CJD_SIMD_SCALAR, {true, ""});
#ifdef CJD_KERNELS_X86
	probe_x86();
#endif
#ifdef CJD_KERNELS_NEON
	probe_neon();
#endif
}

bool cjd_simd_cpu_supports(enum cjd_simd_tier t)
{
	pthread_once(&cpu_once, cpu_probe);
	return (unsigned)t < CJD_SIMD__COUNT && cpu_ok[t];
}

const char *cjd_simd_why_not(enum cjd_simd_tier t)
{
	pthread_once(&cpu_once, cpu_probe);
	return (unsigned)t < CJD_SIMD__COUNT ? cpu_why[t] : "not a tier";
}

/* ---- the tier in use (cached) ---- */

static pthread_once_t tier_once = PTHREAD_ONCE_INIT;
static enum cjd_simd_tier tier_chosen;
static int tier_rc;
static struct cjd_error tier_err;

static int check_tier(enum cjd_simd_tier t, const char *why, struct cjd_error *err)
{
	if (cjd_simd_cpu_supports(t))
		return 0;
	return cjd_error_set(err, -ENOTSUP, NULL, 0, 0, "%s: this CPU cannot run the %s tier (%s)",
			     why ? why : "SIMD tier", tiers[t].name, cjd_simd_why_not(t));
}

static void tier_decide(void)
{
	const char *env = getenv("CJD_SIMD");

	if (env && *env && strcmp(env, "auto")) {
		enum cjd_simd_tier t;
		if (cjd_simd_tier_parse(env, &t)) {
			tier_rc = cjd_error_set(&tier_err, -EINVAL, NULL, 0, 0,
						"CJD_SIMD=%s: not a tier (use scalar, sse42, avx2, "
						"avx512, neon or auto)",
						env);
			return;
		}
		char why[64];
		snprintf(why, sizeof(why), "CJD_SIMD=%s", env);
		tier_rc = check_tier(t, why, &tier_err);
		tier_chosen = t;
		return;
	}
	tier_chosen = CJD_SIMD_SCALAR;
	for (int t = CJD_SIMD__COUNT - 1; t > 0; t--) {
		if (cjd_simd_cpu_supports((enum cjd_simd_tier)t)) {
			tier_chosen = (enum cjd_simd_tier)t;
			break;
		}
	}
}

int cjd_simd_tier(enum cjd_simd_tier *out, struct cjd_error *err)
{
	pthread_once(&tier_once, tier_decide);
	if (tier_rc) {
		if (err)
			*err = tier_err;
		return tier_rc;
	}
	*out = tier_chosen;
	return 0;
}

int cjd_simd_resolve(enum cjd_simd_tier want, enum cjd_simd_tier *out, struct cjd_error *err)
{
	if (want == CJD_SIMD_AUTO)
		return cjd_simd_tier(out, err);
	if ((unsigned)want >= CJD_SIMD__COUNT)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "SIMD tier %d out of range", (int)want);
	int rc = check_tier(want, NULL, err);
	if (!rc)
		*out = want;
	return rc;
}
