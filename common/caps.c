/* This process's effective capabilities and kernel.perf_event_paranoid, read from /proc. */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>

#include "cjd/common/caps.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

int cjd_caps_effective(uint64_t *mask)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[256];
	int rc = -ENOENT;

	if (!fp)
		return -errno;
	while (rc && fgets(line, sizeof(line), fp))
		if (sscanf(line, "CapEff: %" SCNx64, mask) == 1)
			rc = 0;
	fclose(fp);
	return rc;
}

bool cjd_caps_have(int cap)
{
	uint64_t eff;

	return cap >= 0 && cap < 64 && cjd_caps_effective(&eff) == 0 && (eff >> cap) & 1;
}

bool cjd_caps_have_perfmon(void)
{
	uint64_t eff;

	if (cjd_caps_effective(&eff) != 0)
		return false;
	return (eff >> CAP_PERFMON) & 1 || (eff >> CAP_SYS_ADMIN) & 1;
}

int cjd_caps_perf_paranoid(void)
{
	FILE *fp = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = 2;

	if (!fp)
		return 2;
	if (fscanf(fp, "%d", &v) != 1)
		v = 2;
	fclose(fp);
	return v;
}
