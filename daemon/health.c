/* The agent's one health rule, shared by the systemd watchdog (agent_notify.c) and /healthz (agent_metrics.c). */
#include <stdio.h>

#include "cjd/common/time.h"
#include "cjd/daemon/health.h"

bool cjd_health_check(const struct cjd_health_input *in, char *why, size_t len)
{
	uint64_t limit = 2 * in->interval_ns + CJD_NSEC_PER_SEC;

	if (in->collector_now_ns > in->last_tick_ns &&
	    in->collector_now_ns - in->last_tick_ns > limit) {
		snprintf(why, len, "the collector took no sample for %.1fs",
			 (double)(in->collector_now_ns - in->last_tick_ns) / 1e9);
		return false;
	}
	if (in->mono_now_ns > in->housekeeping_mono_ns &&
	    in->mono_now_ns - in->housekeeping_mono_ns > CJD_HEALTH_HOUSEKEEPING_STALE_NS) {
		snprintf(why, len, "the publisher's housekeeping has not run for %.1fs",
			 (double)(in->mono_now_ns - in->housekeeping_mono_ns) / 1e9);
		return false;
	}
	return true;
}
