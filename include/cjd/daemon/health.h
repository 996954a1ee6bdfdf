/* The agent's one health rule, shared by the systemd watchdog and the /healthz endpoint. */
#ifndef CJD_DAEMON_HEALTH_H
#define CJD_DAEMON_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Publisher housekeeping runs every 0.5 s; this much silence means it is stuck. */
#define CJD_HEALTH_HOUSEKEEPING_STALE_NS (5ull * 1000000000ull)

/* What the rule looks at: two clocks, each with "now" and the last sign of progress. */
struct cjd_health_input {
	uint64_t collector_now_ns; /* cjd_collector_now() */
	uint64_t last_tick_ns;     /* the collector's last tick, same clock (0 before the first) */
	uint64_t interval_ns;      /* the sampling interval */
	uint64_t mono_now_ns;      /* CLOCK_MONOTONIC */
	uint64_t housekeeping_mono_ns; /* the publisher's last housekeeping, same clock */
};

/*
 * Whether the parts the agent vouches for made progress lately: the
 * collector took a sample within two intervals (plus a second of slack for a
 * late loop), and the publisher's housekeeping ran within 5 s. When not,
 * returns false with why saying which part and for how long ("the collector
 * took no sample for 3.4s"). Pure: safe from any thread given its input.
 */
bool cjd_health_check(const struct cjd_health_input *in, char *why, size_t len);

#endif
