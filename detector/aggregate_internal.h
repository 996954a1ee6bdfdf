/* Aggregation across cgroups: the cgroups of one pod, image or host summed into a virtual lane and scored as one. */
#ifndef CJD_DETECTOR_AGGREGATE_INTERNAL_H
#define CJD_DETECTOR_AGGREGATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cjd/common/alert.h"
#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/detector/detector.h"

/*
 * A miner split over several cgroups (four containers at 25 % each) stays
 * under every per-cgroup threshold. The aggregator keeps groups of cgroups
 * (per pod UID, per image, per host: cjd_aggregate_config), sums the counts
 * of a group's members over one round into a virtual sample (counts are
 * deltas, so the sum is what one cgroup running all of them would have
 * counted), and feeds those samples to an inner detector with the same model
 * and settings: a virtual lane per group, windowed, featurized, scored and
 * run through the same alert state machine. Its alerts become the
 * aggregate_* actions, naming every member.
 *
 * A round: a group's open bucket takes one sample per member; it is closed
 * (summed into one virtual sample) when a member that already contributed
 * sends again, when every member has contributed and the detector ticks,
 * or at the end of the input. So live rounds (all cgroups at one time) and
 * traces of cgroups recorded side by side (their clocks a little apart)
 * both sum one sample per member. Input must be in time order across
 * cgroups (a live collector is; `cjd trace cat --sort` makes a trace so).
 *
 * Rules against double and benign alerts (docs/alerts.md):
 *   - groups with fewer than min_members members are not scored;
 *   - allowlisted cgroups are never members (the caller leaves them out);
 *   - an aggregate alert fires only while no member fires on its own (its
 *     own alert says it already), unless min_members members are found
 *     mining by inspection (cjd_agg_evidence: then the group's alert is the
 *     news), and not when a narrower group (pod, then image, then host)
 *     sharing a member already fires;
 *   - a suppressed episode stays silent until its lane resolves.
 *
 * Not thread-safe; driven by the owning detector, one call at a time.
 */
struct cjd_agg;

/* What the owning detector knows of a member cgroup. */
struct cjd_agg_member_info {
	bool found;
	bool firing;       /* its own alert is firing */
	bool scored;
	float score;       /* its last score */
	const char *state; /* "idle", "suspect", "firing", "resolved" (static) */
};

typedef void (*cjd_agg_status_fn)(void *ctx, const char *host, const char *cgroup,
				  struct cjd_agg_member_info *out);

/*
 * Creates an aggregator for cfg->aggregate (kinds != 0) with an inner
 * detector on model (borrowed). cb gets the aggregate alerts; status answers
 * about members; cfg->identify, when set, gives image groups their names.
 * Returns 0, or an error as cjd_detector_new().
 */
int cjd_agg_new(struct cjd_agg **out, const struct cjd_detector_config *cfg,
		const struct cjd_model *model, cjd_alert_cb cb, void *cb_ctx,
		cjd_agg_status_fn status, void *status_ctx, struct cjd_error *err);

/* Accepts NULL. Emits nothing. */
void cjd_agg_free(struct cjd_agg *a);

/*
 * New thresholds, model or timing for the inner detector, keeping every
 * group (cfg->aggregate must be what the aggregator was made with: a change
 * of groupings needs a new aggregator). Errors as cjd_detector_reconfigure().
 */
int cjd_agg_reconfigure(struct cjd_agg *a, const struct cjd_detector_config *cfg,
			const struct cjd_model *model, struct cjd_error *err);

/* True when cfg->aggregate asks for the groupings a was made with, and a group
 * model cjd_agg_reconfigure() can swap in (none for both, or one of the same
 * window and events: a reload's fresh copy of the same file). */
bool cjd_agg_same(const struct cjd_agg *a, const struct cjd_aggregate_config *cfg);

/* One sample of a member cgroup (already accepted by the owning detector). */
void cjd_agg_sample(struct cjd_agg *a, const struct cjd_sample *s);

/*
 * An inspection's verdict on a member (cjd_detector_evidence): whether it
 * found evidence that fires. A group with min_members such members fires on
 * that evidence, naming every member, even while they fire on their own;
 * below that, the usual rules. Not a member: nothing.
 */
void cjd_agg_evidence(struct cjd_agg *a, const char *host, const char *cgroup, bool mining);

/* The owning detector ticked: complete rounds are scored. */
void cjd_agg_tick(struct cjd_agg *a);

/* A cgroup is gone: it leaves its groups (a group left too small is forgotten). */
void cjd_agg_forget(struct cjd_agg *a, const char *host, const char *cgroup);

/* End of input: open rounds are scored, then every group is forgotten. */
void cjd_agg_finish(struct cjd_agg *a);

/* Groups and member cgroups known (for tests). */
size_t cjd_agg_groups(const struct cjd_agg *a);
size_t cjd_agg_members(const struct cjd_agg *a);

/* Virtual samples the inner detector refused (out of order): counted, warned once. */
uint64_t cjd_agg_refused(const struct cjd_agg *a);

#endif
