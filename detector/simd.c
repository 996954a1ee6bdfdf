/* Runtime choice of the SIMD tier: cpuid + xgetbv, cached once per process, forced by CJD_SIMD. */
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/simd.h"
#include "features_kernels.h"

/* The only file that runs cpuid: nothing outside the per-ISA kernels is
 * compiled for more than the baseline, and those only run after this says so. */

static const char *const tier_names[CJD_SIMD__COUNT] = {
	[CJD_SIMD_SCALAR] = "scalar",
	[CJD_SIMD_SSE42] = "sse42",
	[CJD_SIMD_AVX2] = "avx2",
	[CJD_SIMD_AVX512] = "avx512",
};

static const struct cjd_fx_kernels kernels[CJD_SIMD__COUNT] = {
	[CJD_SIMD_SCALAR] = {"scalar", 1, cjd_fx_ratio_scalar, cjd_fx_stats_scalar,
			    cjd_fx_sum_scalar},
	[CJD_SIMD_SSE42] = {"sse42", 4, cjd_fx_ratio_sse42, cjd_fx_stats_sse42,
			    cjd_fx_sum_sse42},
	[CJD_SIMD_AVX2] = {"avx2", 8, cjd_fx_ratio_avx2, cjd_fx_stats_avx2,
			    cjd_fx_sum_avx2},
	[CJD_SIMD_AVX512] = {"avx512", 16, cjd_fx_ratio_avx512, cjd_fx_stats_avx512,
			    cjd_fx_sum_avx512},
};

const struct cjd_fx_kernels cjd_fx_kernels_scalar_o3 = {"scalar-O3", 1, cjd_fx_ratio_scalar_o3,
							cjd_fx_stats_scalar_o3, cjd_fx_sum_scalar_o3};

const char *cjd_simd_tier_name(enum cjd_simd_tier t)
{
	if (t == CJD_SIMD_AUTO)
		return "auto";
	return (unsigned)t < CJD_SIMD__COUNT ? tier_names[t] : "unknown";
}

int cjd_simd_tier_parse(const char *s, enum cjd_simd_tier *out)
{
	if (!strcmp(s, "auto")) {
		*out = CJD_SIMD_AUTO;
		return 0;
	}
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		if (!strcmp(s, tier_names[t])) {
			*out = (enum cjd_simd_tier)t;
			return 0;
		}
	}
	return -EINVAL;
}

unsigned cjd_simd_tier_width(enum cjd_simd_tier t)
{
	return (unsigned)t < CJD_SIMD__COUNT ? kernels[t].width : 1;
}

const struct cjd_fx_kernels *cjd_fx_kernels(enum cjd_simd_tier t)
{
	return (unsigned)t < CJD_SIMD__COUNT ? &kernels[t] : &kernels[CJD_SIMD_SCALAR];
}

/* ---- what the CPU and OS support (cached) ---- */

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static bool cpu_ok[CJD_SIMD__COUNT];

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	/* xgetbv is encoded by hand so this file needs no -mxsave. */
	__asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void cpu_probe(void)
{
	unsigned a, b, c, d, b7 = 0, c7, d7, a7;
	uint64_t xcr0 = 0;

	cpu_ok[CJD_SIMD_SCALAR] = true;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	bool sse42 = c & bit_SSE4_2, osxsave = c & bit_OSXSAVE, avx = c & bit_AVX;
	bool fma = c & bit_FMA;
	if (__get_cpuid_max(0, NULL) < 7 || !__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7))
		b7 = 0;
	if (osxsave)
		xcr0 = xgetbv0();
	/* XCR0: bit 1 SSE, bit 2 AVX (YMM upper halves), bits 5-7 opmask and ZMM state. */
	bool ymm_os = (xcr0 & 0x6) == 0x6;
	bool zmm_os = ymm_os && (xcr0 & 0xe0) == 0xe0;

	cpu_ok[CJD_SIMD_SSE42] = sse42;
	cpu_ok[CJD_SIMD_AVX2] = sse42 && avx && fma && ymm_os && (b7 & bit_AVX2);
	cpu_ok[CJD_SIMD_AVX512] = cpu_ok[CJD_SIMD_AVX2] && zmm_os && (b7 & bit_AVX512F) &&
				  (b7 & bit_AVX512DQ) && (b7 & bit_AVX512BW) && (b7 & bit_AVX512VL);
}

bool cjd_simd_cpu_supports(enum cjd_simd_tier t)
{
	pthread_once(&cpu_once, cpu_probe);
	return (unsigned)t < CJD_SIMD__COUNT && cpu_ok[t];
}

/* ---- the tier in use (cached) ---- */

static pthread_once_t tier_once = PTHREAD_ONCE_INIT;
static enum cjd_simd_tier tier_chosen;
static int tier_rc;
static struct cjd_error tier_err;

static const char *const tier_needs[CJD_SIMD__COUNT] = {
	[CJD_SIMD_SCALAR] = "",
	[CJD_SIMD_SSE42] = "SSE4.2",
	[CJD_SIMD_AVX2] = "AVX2 and FMA with OS-saved YMM state (OSXSAVE, XCR0)",
	[CJD_SIMD_AVX512] = "AVX-512 F/DQ/BW/VL with OS-saved ZMM state (OSXSAVE, XCR0)",
};

static int check_tier(enum cjd_simd_tier t, const char *why, struct cjd_error *err)
{
	if (cjd_simd_cpu_supports(t))
		return 0;
	return cjd_error_set(err, -ENOTSUP, NULL, 0, 0, "%s: this CPU cannot run the %s tier (it needs %s)",
			     why ? why : "SIMD tier", tier_names[t], tier_needs[t]);
}

static void tier_decide(void)
{
	const char *env = getenv("CJD_SIMD");

	if (env && *env && strcmp(env, "auto")) {
		enum cjd_simd_tier t;
		if (cjd_simd_tier_parse(env, &t)) {
			tier_rc = cjd_error_set(&tier_err, -EINVAL, NULL, 0, 0,
						"CJD_SIMD=%s: not a tier (use scalar, sse42, avx2, "
						"avx512 or auto)",
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
