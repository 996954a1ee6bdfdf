/* What the detector knows about one cgroup and one host, stored on the window engine's lane and host. */
#ifndef CJD_DETECTOR_CGROUP_STATE_INTERNAL_H
#define CJD_DETECTOR_CGROUP_STATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "alert_state_internal.h"

/*
 * One cgroup's detector state. It lives inside the cgroup's window lane
 * (struct cjd_win_lane.det), so the window engine and the detector share one
 * record per cgroup and no parallel array has to follow the engine's lanes:
 * the engine zeroes it when the lane is created or released and never reads
 * it; only detector.c writes it, one stage at a time (see the per-lane
 * stages there: sample, window, unscored sample, allowlist change, drop).
 *
 * A new per-cgroup concern (e.g. an inspection's evidence and its verdict)
 * adds its own member here, owned by the stage that drives it. Scores and
 * features stay in the engine's SoA rows (index = lane), not here.
 */
struct cjd_cgroup_state {
	/* The alert state machine, which also holds the allowlist result
	 * (as.allowlisted: decided from the cgroup and its identity when the
	 * cgroup is first seen and whenever the allowlist changes). */
	struct cjd_alert_state as;
	bool scored;              /* last_score is meaningful */
	float last_score;
	uint64_t windows;         /* scored windows, lifetime */
	uint64_t windows_flagged; /* of those, >= threshold */
	uint64_t cpu_ns;          /* task-clock since first seen, exact */
	uint32_t suspect_run;     /* consecutive windows >= the suspect threshold */
};

/* One host's detector state (struct cjd_win_host.det), zeroed on a reset. */
struct cjd_host_state {
	uint64_t scanned_ns; /* host time of the last scan for vanished cgroups */
};

#endif
