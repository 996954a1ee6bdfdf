/* Samples -> per-window features: the one path detection and training share. */
#ifndef CJD_DETECTOR_FEATURIZER_H
#define CJD_DETECTOR_FEATURIZER_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/sample.h"
#include "cjd/detector/simd.h"

/*
 * One completed window of one cgroup: the last W samples, consecutive in
 * time. Strings and `features` are borrowed for the duration of the callback.
 */
struct cjd_window {
	const char *host;         /* "" for this host */
	const char *cgroup;
	const char *label;        /* label of the newest sample, or NULL */
	uint64_t t_ns;            /* end of the newest sample */
	uint64_t dt_ns;           /* its interval */
	uint64_t task_clock_ns;   /* its task-clock (0 when not counted) */
	uint64_t index;           /* windows of this cgroup so far, 0-based */
	cjd_event_mask events;    /* the events the features were computed from */
	const float *features;    /* cjd_feature_count() values by index; a feature
	                           * whose events are not in `events` is 0 */
	/* Set by the detector only (cjd_detector_config.window_cb). */
	bool scored;
	float score;              /* model score, 0..1 */
	bool flagged;             /* score >= threshold */
	const char *state;        /* alert state after this window: "idle", "suspect", ... */
};

/* Returning non-zero stops the push/tick that called it, which returns that value. */
typedef int (*cjd_window_cb)(const struct cjd_window *w, void *ctx);

/*
 * Turns a stream of samples (one cgroup after another, any interleaving,
 * each cgroup in time order) into per-window feature vectors. It is the
 * detector's own extraction: same ring buffers, same kernels, same batching,
 * so a model trained on its output sees exactly what the detector sees.
 *
 * A window is the last W samples of a cgroup; one is emitted per sample once
 * W have arrived (a sliding window, hop 1). A gap (a sample starting more
 * than half an interval after the previous one ended) restarts the window.
 *
 * Not thread-safe: one featurizer per thread.
 */
struct cjd_featurizer;

/*
 * window: W, 2..64. events: what the samples carry; ratios needing other
 * events are not computed (their features stay 0). tier: CJD_SIMD_AUTO or a
 * tier the CPU has. Returns 0, -EINVAL, -ENOTSUP (tier) or -ENOMEM, with err.
 */
int cjd_featurizer_new(struct cjd_featurizer **out, unsigned window, cjd_event_mask events,
		       enum cjd_simd_tier tier, cjd_window_cb cb, void *ctx, struct cjd_error *err);

/*
 * Stages one sample (copied). Samples are processed in batches: a batch is
 * computed when a sample arrives for a cgroup that already has one staged,
 * or on cjd_featurizer_tick(). Windows are delivered during those calls.
 * Returns 0, the callback's non-zero value, or -EINVAL (a sample that lacks
 * one of `events`, has dt_ns 0, or is not after the previous sample of its
 * cgroup) with err->text saying which; the sample is then not used.
 */
int cjd_featurizer_push(struct cjd_featurizer *f, const struct cjd_sample *s,
			struct cjd_error *err);

/* Computes what is staged (call at the end of a timestamp or of the input). */
int cjd_featurizer_tick(struct cjd_featurizer *f);

/* Accepts NULL. */
void cjd_featurizer_free(struct cjd_featurizer *f);

#endif
