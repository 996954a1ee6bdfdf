/* The per-cgroup alert state machine: idle -> suspect -> firing -> resolved, driven by window scores. */
#ifndef CJD_DETECTOR_ALERT_STATE_INTERNAL_H
#define CJD_DETECTOR_ALERT_STATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 *   idle/resolved --(score >= thr)--> suspect --(K windows in a row >= thr)--> firing
 *   suspect --(score < thr)--> idle (or back to resolved): flapping never fires
 *   firing --(R windows in a row < thr_low)--> resolved
 *   firing: a window in [thr_low, thr) neither resolves nor counts down:
 *           hysteresis, so a score hovering at the threshold does not flap
 *   firing --(every T of sample time)--> ongoing update
 *   firing --(cgroup vanishes)--> gone (the state is then discarded)
 *   resolved: for a hold-down H of sample time after resolving, K flagged
 *           windows in a row do not fire again; the run keeps counting, so
 *           a cgroup still (or again) flagged when H has passed fires at once.
 *           A job flapping around the threshold so pages once per H at most.
 * A gap in a cgroup's samples breaks "in a row": a suspect run restarts.
 * Allowlisted cgroups stay idle whatever they score.
 *   any state --(mining-specific evidence, cjd_alert_state_evidence)--> firing:
 *           a miner held under a CPU quota never scores high enough to fire;
 *           while the evidence stands ("pinned"), low scores do not resolve it.
 */
enum cjd_astate {
	CJD_AS_IDLE = 0,
	CJD_AS_SUSPECT,
	CJD_AS_FIRING,
	CJD_AS_RESOLVED,
};

const char *cjd_astate_name(enum cjd_astate s);

struct cjd_alert_params {
	float threshold;
	float threshold_low;
	uint32_t fire_windows;    /* K >= 1 */
	uint32_t resolve_windows; /* R >= 1 */
	uint64_t ongoing_ns;      /* T > 0, in sample time */
	uint64_t holddown_ns;     /* H: no re-firing this soon after resolving; 0: none */
};

struct cjd_alert_state {
	enum cjd_astate state;
	bool allowlisted;
	uint32_t above;           /* consecutive windows >= threshold */
	uint32_t below;           /* consecutive windows < threshold_low while firing */
	uint32_t windows;         /* windows of the current episode (since suspect) */
	uint32_t windows_flagged; /* of those, >= threshold */
	uint64_t fired_t_ns;
	uint64_t last_emit_t_ns;  /* firing or the last ongoing */
	uint64_t cpu_ns;          /* task-clock since firing (inclusive); integer ns, so
				   * that sums are exact and print without rounding noise */
	uint32_t alerts_fired;    /* firing transitions, lifetime */
	bool resolved;            /* resolved_t_ns is set (forgotten when the cgroup goes) */
	uint64_t resolved_t_ns;   /* sample time of the last resolve */
	uint32_t held;            /* suspect runs that reached K during the hold-down */
	bool pinned;              /* evidence says mining: firing does not resolve on scores */
	bool by_evidence;         /* this episode fired on evidence, not on K windows */
};

enum cjd_alert_step {
	CJD_STEP_NONE = 0,
	CJD_STEP_FIRING,
	CJD_STEP_ONGOING,
	CJD_STEP_RESOLVED,
};

/*
 * Feeds one window's score at sample time t_ns. cpu_ns is the task-clock of
 * the window's newest sample, in ns; it is added to the episode's cost
 * from the firing window on. Returns what to publish, if anything.
 */
enum cjd_alert_step cjd_alert_state_step(struct cjd_alert_state *s,
					 const struct cjd_alert_params *p, float score,
					 uint64_t t_ns, uint64_t cpu_ns);

/* Adds CPU time of a sample that produced no window (e.g. while a window
 * refills after a gap) to a firing episode. */
void cjd_alert_state_charge(struct cjd_alert_state *s, uint64_t cpu_ns);

/*
 * An inspection's verdict on the cgroup: mining-specific evidence or not
 * (detector/detector.c calls this from cjd_detector_evidence). With it, a
 * cgroup not firing fires now (held-down or not: the evidence is new) and
 * stays pinned; without, the pin goes and scores decide again. Returns
 * CJD_STEP_FIRING when it fired, else CJD_STEP_NONE.
 */
enum cjd_alert_step cjd_alert_state_evidence(struct cjd_alert_state *s, bool mining,
					     uint64_t t_ns);

/* A gap in the samples: consecutive counts restart. */
void cjd_alert_state_gap(struct cjd_alert_state *s);

/* The cgroup vanished: true when it was firing (publish "gone"). The state
 * is reset to idle either way. */
bool cjd_alert_state_gone(struct cjd_alert_state *s);

#endif
