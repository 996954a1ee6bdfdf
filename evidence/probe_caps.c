/* Capability and perf_event_paranoid checks behind the probes' _available() answers. */
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe_caps_internal.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

/* CapEff from /proc/self/status: no libcap needed for a read-only question. */
static unsigned long long cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long mask = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &mask) == 1)
			break;
	fclose(f);
	return mask;
}

bool cjd_probe_has_cap(int cap)
{
	return cap >= 0 && cap < 64 && (cap_eff() >> cap) & 1;
}

bool cjd_probe_has_perfmon(void)
{
	unsigned long long eff = cap_eff();

	return (eff >> CAP_PERFMON) & 1 || (eff >> CAP_SYS_ADMIN) & 1;
}

int cjd_probe_perf_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = 2;

	if (!f)
		return 2;
	if (fscanf(f, "%d", &v) != 1)
		v = 2;
	fclose(f);
	return v;
}
