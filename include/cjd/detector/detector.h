/* The detector: samples in, per-cgroup windows scored by a model, alerts out through a callback. */
#ifndef CJD_DETECTOR_DETECTOR_H
#define CJD_DETECTOR_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/alert.h"
#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/identity.h"
#include "cjd/common/sample.h"
#include "cjd/detector/featurizer.h"
#include "cjd/detector/model_predict.h"
#include "cjd/detector/simd.h"

/*
 * Flow: cjd_detector_push() stages each sample of a round; cjd_detector_tick()
 * computes the round in one batch (SIMD over cgroups): ratios into each
 * cgroup's ring, window statistics, model scores, then the alert state
 * machine of every cgroup whose window is complete. A push for a cgroup
 * that already has a staged sample ticks first, so feeding samples one by
 * one without ever calling tick also works (replay does this at speed max).
 *
 * State is keyed by (host, cgroup): split mode's many hosts never mix.
 * Time is sample time (t_ns), so replaying a trace behaves like live.
 *
 * Alert state machine per cgroup (detector/alert_state_internal.h):
 *   idle -> suspect on a window scoring >= threshold;
 *   suspect -> firing after fire_windows (K) such windows in a row
 *     (a lower score in between returns to idle: flapping never fires);
 *   firing -> resolved after resolve_windows (R) windows in a row below
 *     threshold_low (scores between the two thresholds hold the count);
 *   resolved -> firing again only once refire_holddown_ns of sample time
 *     has passed since resolving (flap suppression: a job hovering around
 *     the threshold fires once per hold-down at most, not at every swing);
 *   firing: an "ongoing" alert every ongoing_ns of sample time, carrying
 *     CPU-seconds (task-clock) and cost accumulated since firing;
 *   firing -> gone when the cgroup vanishes: cjd_detector_forget(), or no
 *     sample for gone_intervals of its own intervals while its host's other
 *     cgroups keep reporting, or cjd_detector_finish() at the end of a trace.
 * A gap in a cgroup's samples (one missing interval or more) restarts its
 * window, and a suspect run with it.
 *
 * Severity (event.severity): 73 in hardware mode, 47 in software mode,
 * where a CPU-bound benign job and a miner look alike.
 *
 * Threading: a detector is not thread-safe; use it from one thread. The
 * model is borrowed and read-only (it may be shared between detectors) and
 * must outlive the detector. Callbacks run synchronously inside push, tick,
 * forget and finish; they must not call back into the detector.
 */
struct cjd_detector;

/* Which groupings are on (bit (1 << enum cjd_agg_kind)) and the smallest group scored. */
enum cjd_agg_kind {
	CJD_AGG_POD = 0, /* the cgroups whose path names one Kubernetes pod UID */
	CJD_AGG_IMAGE,   /* the containers of one image (name:tag), from identify */
	CJD_AGG_HOST,    /* every cgroup of one host */
	CJD_AGG__KINDS
};

struct cjd_aggregate_config {
	unsigned kinds;       /* bit set of (1u << enum cjd_agg_kind); 0: off */
	uint32_t min_members; /* groups with fewer members are not scored; >= 2 (0: 2) */
	/* A member sample using more CPUs than this (task-clock / dt) is left out
	 * of its group's round: a heavy cgroup is judged well on its own, and
	 * aggregation is for work spread thin. 0: no limit. */
	float member_max_cpu;
	/* The model that scores groups; NULL: the detector's. Borrowed, with the
	 * same window and events as the detector's model. */
	const struct cjd_model *model;
};

#define CJD_AGG_DEFAULT_MEMBER_MAX_CPU 0.5f

/* "pod", "image", "host" */
const char *cjd_agg_kind_name(enum cjd_agg_kind k);

/* Parses "pod", "image" or "host". Returns 0 or -EINVAL. */
int cjd_agg_kind_parse(const char *s, enum cjd_agg_kind *out);

struct cjd_detector_config {
	cjd_event_mask events;       /* what the source supplies (required) */
	unsigned window;             /* W; 0: the model's */
	float threshold;             /* NaN: the model's calibrated value */
	float threshold_low;         /* NaN: the model's */
	uint32_t fire_windows;       /* K */
	uint32_t resolve_windows;    /* R */
	uint64_t ongoing_ns;         /* T, sample time */
	uint64_t refire_holddown_ns; /* H, sample time: no re-firing sooner after a resolve; 0 off */
	double price_per_cpu_hour;   /* USD */
	/* Allowlist entries (cjd/common/allowlist.h: cgroup globs, image:,
	 * container:, namespace:, pod:), copied; checked when a cgroup is first
	 * seen and when the list changes. */
	const char *const *allowlist;
	size_t n_allowlist;
	/* Optional: the names of what runs in a cgroup, for the name entries.
	 * Fills *id and returns true when names are known (host NULL: this
	 * host). Called once per new cgroup, only when some entry needs names.
	 * The detector knows no container runtime: the owner resolves. */
	bool (*identify)(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id);
	void *identify_ctx;
	uint32_t gone_intervals;     /* silence, in the cgroup's intervals, that means gone */
	enum cjd_simd_tier tier;     /* CJD_SIMD_AUTO: cjd_simd_tier() */
	/* Optional: called for every scored window (replay summaries, eval). */
	cjd_window_cb window_cb;
	void *window_ctx;
	bool window_features;        /* also fill cjd_window.features (costs a copy) */
	/* Aggregation across cgroups (detector/aggregate.c, docs/alerts.md): the
	 * cgroups of one pod, one image or one host summed into a virtual lane,
	 * scored by the same model, alerting as aggregate_* with every member
	 * named. Image groups need identify. All off by default. */
	struct cjd_aggregate_config aggregate;
	/*
	 * Optional (the agent's evidence stage): called, inside tick, for a
	 * cgroup whose windows scored at or above suspect_threshold
	 * suspect_windows times in a row, and for every such window after it
	 * until one scores lower (the owner rate-limits; it must not call back
	 * into the detector). Allowlisted cgroups are never suspects.
	 */
	void (*suspect_cb)(void *ctx, const char *host, const char *cgroup, float score);
	void *suspect_ctx;
	float suspect_threshold;     /* NaN: half the threshold */
	uint32_t suspect_windows;    /* 0: 2 */
};

#define CJD_DETECTOR_DEFAULT_K 3
#define CJD_DETECTOR_DEFAULT_R 3
#define CJD_DETECTOR_DEFAULT_ONGOING_NS (60ull * 1000000000ull)
#define CJD_DETECTOR_DEFAULT_HOLDDOWN_NS (300ull * 1000000000ull)
#define CJD_DETECTOR_DEFAULT_PRICE 0.04
#define CJD_DETECTOR_DEFAULT_GONE_INTERVALS 5

#define CJD_SEVERITY_HARDWARE 73
#define CJD_SEVERITY_SOFTWARE 47

/* Fills cfg with the defaults above (events 0: set them). */
void cjd_detector_config_init(struct cjd_detector_config *cfg);

/*
 * Creates a detector. Refuses (-ENOTSUP) a model needing events that
 * cfg->events lacks, listing them; -EINVAL for a bad setting or allowlist
 * entry; -ENOTSUP for a
 * SIMD tier the CPU lacks (CJD_SIMD). err says which.
 */
int cjd_detector_new(struct cjd_detector **out, const struct cjd_detector_config *cfg,
		     const struct cjd_model *model, cjd_alert_cb cb, void *ctx,
		     struct cjd_error *err);

/* Accepts NULL. Emits nothing (call cjd_detector_finish() first for "gone"). */
void cjd_detector_free(struct cjd_detector *d);

/*
 * Stages one sample (copied; s->host NULL means this host). Returns 0, or
 * -EINVAL with err for a sample that cannot be used (lacks an event the
 * model needs, dt_ns 0, not after the previous sample of its cgroup): the
 * caller reports it, nothing is dropped silently. -ENOMEM.
 */
int cjd_detector_push(struct cjd_detector *d, const struct cjd_sample *s, struct cjd_error *err);

/* Computes everything staged and runs the state machines. Returns 0 or a
 * non-zero value from window_cb. */
int cjd_detector_tick(struct cjd_detector *d);

/* The cgroup is gone (the collector saw it removed): emits "gone" if it was
 * firing and forgets its state. Returns 0 or -ENOENT. host NULL: this host. */
int cjd_detector_forget(struct cjd_detector *d, const char *host, const char *cgroup);

/* End of input: ticks, then forgets every cgroup ("gone" for those firing)
 * and every host's clock, so the detector can take another trace. */
int cjd_detector_finish(struct cjd_detector *d);

/*
 * Applies a new configuration and/or model (SIGHUP) keeping every cgroup's
 * windows and alert state. Possible when the window length and the model's
 * events stay the same; otherwise returns -EINVAL ("needs a new detector")
 * and changes nothing. Validation errors as cjd_detector_new(), with nothing
 * changed. cfg->tier is ignored (the tier stays). The old model may be freed
 * once this returns 0.
 */
int cjd_detector_reconfigure(struct cjd_detector *d, const struct cjd_detector_config *cfg,
			     const struct cjd_model *model, struct cjd_error *err);

/*
 * An inspection's verdict on a cgroup (host NULL: this host): mining-specific
 * evidence or not. Mining-specific evidence makes a cgroup that is not firing
 * fire now (the alert has by_evidence set), whatever its score, and keeps it
 * from resolving on low scores until a later call says otherwise (a miner
 * held under a CPU quota never scores high). Allowlisted cgroups are left
 * alone. The cgroup's aggregate groups learn it too: one with
 * aggregate.min_members members found mining fires on it, naming them all.
 * Returns 0 or -ENOENT (unknown cgroup).
 */
int cjd_detector_evidence(struct cjd_detector *d, const char *host, const char *cgroup,
			  bool mining_specific);

/* Replaces the allowlist (e.g. on SIGHUP); applies to known cgroups too.
 * Returns 0, -EINVAL (a bad entry: nothing changes) or -ENOMEM. */
int cjd_detector_set_allowlist(struct cjd_detector *d, const char *const *globs, size_t n);

struct cjd_cgroup_summary {
	const char *host;          /* "" for this host */
	const char *cgroup;
	const char *label;         /* newest sample's label, or NULL */
	enum cjd_mode mode;
	const char *state;         /* "idle", "suspect", "firing", "resolved" */
	bool allowlisted;
	bool scored;               /* last_score is meaningful */
	float last_score;
	uint64_t samples;
	uint64_t windows;
	uint64_t windows_flagged;
	uint64_t cpu_ns;           /* task-clock since first seen, exact */
	double cpu_seconds;        /* the same in seconds */
	double cost_usd;           /* cpu_seconds at price_per_cpu_hour */
	uint64_t first_t_ns;       /* start of the first sample */
	uint64_t last_t_ns;        /* end of the newest sample */
	uint32_t alerts_fired;
};

/* Calls fn for every known cgroup (strings valid during the call). Stops
 * and returns fn's value when it is non-zero. For metrics. */
int cjd_detector_foreach(const struct cjd_detector *d,
			 int (*fn)(const struct cjd_cgroup_summary *sum, void *ctx), void *ctx);

/* One cgroup's summary. Returns 0 or -ENOENT. */
int cjd_detector_summary(const struct cjd_detector *d, const char *host, const char *cgroup,
			 struct cjd_cgroup_summary *out);

size_t cjd_detector_cgroups(const struct cjd_detector *d);

/* The tier and window in use (for banners and benchmarks). */
enum cjd_simd_tier cjd_detector_tier(const struct cjd_detector *d);
unsigned cjd_detector_window(const struct cjd_detector *d);

#endif
