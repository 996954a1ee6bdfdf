/* The window engine: per-cgroup lanes, SoA ring buffers of ratios, and the batched feature tick. */
#ifndef CJD_DETECTOR_WINDOW_INTERNAL_H
#define CJD_DETECTOR_WINDOW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/sample.h"
#include "cjd/detector/featurizer.h"
#include "cjd/detector/simd.h"
#include "cgroup_state_internal.h"
#include "features_internal.h"

#define CJD_WINDOW_MIN 2
#define CJD_WINDOW_MAX 64

/*
 * Each (host, cgroup) owns a lane: a column in every SoA array. A sample is
 * staged into its lane (counts as floats); a tick runs the ratio kernel over
 * the staged lanes, appends the ratios to each lane's ring of W slots, and
 * runs the statistics kernel, leaving the feature matrix
 * features[f * pitch + lane].
 *
 * Lanes keep their own ring head, so cgroups that appear late or skip a
 * sample never disturb others. In the usual case (every lane of the batch
 * sampled, all heads equal: a live collector round) the ratio kernel writes
 * straight into the ring row and no per-lane scatter is needed.
 *
 * Not thread-safe.
 */
struct cjd_win;

/*
 * One (host, cgroup): the engine's bookkeeping, and the detector's state of
 * the cgroup (det), so each cgroup has one record. The engine writes
 * everything but det; the detector writes only det (the engine zeroes it
 * when the lane is created or released). Pointers to lanes stay valid until
 * the next cjd_win_stage(), which may move the array.
 *
 * Layout: what staging a sample reads and writes fills the first cache line
 * (lanes are 64-byte aligned), so a round of pushes walks one line per
 * cgroup; the rest is read when a tick computes the lane.
 */
struct cjd_win_lane {
	/* staging: one cache line */
	_Alignas(64) char *label; /* owned copy of the newest sample's label, or NULL */
	uint32_t id;          /* this lane's index: its column in every SoA row */
	uint32_t host;        /* index into the host table */
	uint32_t head;        /* next ring slot to write */
	uint32_t fill;        /* valid samples in the ring, <= W */
	bool used;
	bool pending;         /* staged, not yet ticked */
	uint64_t last_t_ns;   /* end of the newest sample */
	uint64_t dt_ns;       /* interval of the newest sample */
	uint64_t task_clock_ns; /* task-clock of the newest sample */
	uint64_t samples;
	/* the rest */
	char *cgroup;         /* owned */
	uint64_t first_t_ns;  /* start of the first sample */
	uint64_t windows;     /* complete windows so far */
	struct cjd_cgroup_state det;
};

/* One host: its name, its clock, and the detector's state of it (det). */
struct cjd_win_host {
	char *name;           /* owned; "" for this host */
	uint64_t now;         /* newest sample time seen from the host */
	uint64_t min_dt_ns;   /* shortest sample interval seen from the host */
	struct cjd_host_state det;
};

int cjd_win_new(struct cjd_win **out, unsigned w, cjd_event_mask events, enum cjd_simd_tier tier,
		struct cjd_error *err);
void cjd_win_free(struct cjd_win *e);

unsigned cjd_win_w(const struct cjd_win *e);
cjd_event_mask cjd_win_events(const struct cjd_win *e);
enum cjd_simd_tier cjd_win_tier(const struct cjd_win *e);

/*
 * Stages s into its lane, creating the lane if new (then ->samples is 1),
 * and sets *lane. Returns 0; -EAGAIN when the lane already holds a staged
 * sample (tick, then stage again); -EINVAL with err for a bad sample;
 * -ENOMEM. *gap is set when the sample does not follow the previous one and
 * the window restarted.
 */
int cjd_win_stage(struct cjd_win *e, const struct cjd_sample *s, struct cjd_win_lane **lane,
		  bool *gap, struct cjd_error *err);

/* Computes the staged lanes. Afterwards cjd_win_done()/cjd_win_ready() list
 * them, until the next stage or tick. */
void cjd_win_tick(struct cjd_win *e);

bool cjd_win_has_pending(const struct cjd_win *e);

/* Lanes computed by the last tick, in lane order; and those of them whose
 * window is complete (fill == W). */
size_t cjd_win_done(const struct cjd_win *e, const uint32_t **lanes);
size_t cjd_win_ready(const struct cjd_win *e, const uint32_t **lanes);

/* The feature matrix: features[f * pitch + lane] for f < CJD_FEATURE__COUNT. */
const float *cjd_win_features(const struct cjd_win *e, size_t *pitch);

/* A row of pitch floats, one per lane, for the owner's per-lane output (the
 * detector's scores). Zeroed at creation, kept on growth; the engine never
 * reads it. Valid until the next stage. */
float *cjd_win_out_row(struct cjd_win *e);

/* Copies lane's column of the feature matrix into out[CJD_FEATURE__COUNT]. */
void cjd_win_lane_features(const struct cjd_win *e, uint32_t lane, float *out);

/*
 * Recomputes lane's features from its ring with the scalar reference
 * kernel (bitwise equal to what the batch computed, whatever the tier) into
 * out[CJD_FEATURE__COUNT]. For alerts about a lane that is not in the
 * current batch. Returns false when the ring holds no complete window.
 */
bool cjd_win_lane_recompute(const struct cjd_win *e, uint32_t lane, float *out);

/* Describes lane's newest window in *w (detector-only fields cleared);
 * strings and features are borrowed. */
void cjd_win_describe(const struct cjd_win *e, const struct cjd_win_lane *ln,
		      const float *features, struct cjd_window *w);

/* The lane array: lanes 0..*n-1 may be in use (check ->used). Valid until
 * the next stage. */
struct cjd_win_lane *cjd_win_lanes(struct cjd_win *e, size_t *n);

/* The lane of (host, cgroup), or NULL. host NULL means "". */
struct cjd_win_lane *cjd_win_find(struct cjd_win *e, const char *host, const char *cgroup);

/* Frees a lane (its state, strings and index entry); the slot is reused. */
void cjd_win_release(struct cjd_win *e, struct cjd_win_lane *ln);

/* The host table, hosts 0..*n-1 (a lane's ->host indexes it). Valid until
 * the next stage. */
struct cjd_win_host *cjd_win_hosts(struct cjd_win *e, size_t *n);

/* The name of a lane's host ("" for this host). */
const char *cjd_win_host_name(const struct cjd_win *e, const struct cjd_win_lane *ln);

/*
 * After every lane has been released (end of a trace): starts again as if
 * new, with lane numbers, ring phase, host clocks and the hosts' detector
 * state reset, so the next trace gives exactly the results it would give
 * alone.
 */
void cjd_win_reset(struct cjd_win *e);

#endif
