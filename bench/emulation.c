/* Tells whether this process runs under an emulator (qemu-user), for the benchmarks' labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/bench/emulation.h"
#include "cjd/detector/simd.h"

/* The architecture /proc/cpuinfo describes, from fields only that architecture prints:
 * "x86", "arm64", or NULL when neither shows (or the file cannot be read). */
static const char *cpuinfo_arch(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	const char *arch = NULL;
	char line[512];

	if (!f)
		return NULL;
	while (!arch && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9))
			arch = "x86";
		else if (!strncmp(line, "CPU implementer", 15))
			arch = "arm64";
	}
	fclose(f);
	return arch;
}

bool cjd_bench_emulated(char *why, size_t len)
{
	const char *env = getenv("CJD_EMULATOR");
	const char *built = cjd_simd_build_arch();
	const char *seen = cpuinfo_arch();

	if (env && *env) {
		snprintf(why, len, "CJD_EMULATOR=%s", env);
		return true;
	}
	/* "x86-64" and "x86" binaries both run natively on an x86 CPU. */
	if (seen && strncmp(built, seen, strlen(seen)) && strcmp(built, "other")) {
		snprintf(why, len, "this %s binary sees an %s CPU in /proc/cpuinfo: qemu-user", built,
			 seen);
		return true;
	}
	if (len)
		why[0] = '\0';
	return false;
}
