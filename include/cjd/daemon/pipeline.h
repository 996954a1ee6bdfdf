/* From samples to published alerts: detectors per mode, the publisher, actions, metrics, heartbeats. */
#ifndef CJD_DAEMON_PIPELINE_H
#define CJD_DAEMON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/collector/container_meta.h"
#include "cjd/common/event.h"
#include "cjd/common/sample.h"
#include "cjd/daemon/actions.h"
#include "cjd/daemon/config.h"
#include "cjd/detector/detector.h"
#include "cjd/metrics/registry.h"
#include "cjd/publish/publish_zmq.h"

/*
 * The part `cjd run` and `cjd detect` share. A pipeline keeps one detector per
 * mode (hardware, software), each with the model of its mode, so a central
 * detector can serve hosts with and without a PMU at once; state inside each
 * detector is keyed by (host, cgroup). Single-threaded: one loop owns it.
 */
struct cjd_pipeline;

struct cjd_pipeline_options {
	/* Borrowed: the owner keeps it alive (and swaps it on reload). Its
	 * detector.window may be 0: each model's own window (replay). */
	const struct cjd_config *cfg;
	const char *const *model_dirs; /* where default models are searched, after $CJD_MODEL_DIR */
	size_t n_model_dirs;
	const char *cgroup_root;       /* for cjd.processes and actions; NULL: remote hosts */
	int cgroup_version;            /* of cgroup_root: 2, or 1 (actions then find v2 themselves) */
	bool actions;                  /* act on local cgroups (run), or never (detect) */
	/* Container names of local cgroups from the runtimes' records (run);
	 * NULL: none, alerts carry the ids the cgroup paths hold (detect). */
	const struct cjd_meta_config *meta;
	/* Inspect local suspects and busy cgroups with the evidence probes and put the
	 * verdict in alerts (run), when cfg->evidence_enabled; false: never (detect). */
	bool evidence;
	/* For replay (all optional): */
	FILE *echo;                    /* every alert also as a JSON line here (stdout) */
	bool quiet;                    /* no summary line per alert on stderr */
	bool strict;                   /* a sample no model can take fails cjd_pipeline_push */
	uint32_t gone_intervals;       /* silence that means gone; 0: the detector's default */
	/* Called with every alert before it is published; may change it (replay
	 * stamps trace time). */
	void (*alert_hook)(void *ctx, struct cjd_alert *alert);
	cjd_window_cb window_cb;       /* every scored window (replay's summary) */
	void *hook_ctx;                /* for alert_hook and window_cb */
	/* Container identities of the cgroups when no runtime can be asked (replay
	 * --identities); NULL: from meta as above. */
	bool (*identify)(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id);
	void *identify_ctx;
	/* Per-cgroup series and alert counts for /metrics (run), fed from the same
	 * data as the `metrics` messages; NULL: none (detect). Borrowed. */
	struct cjd_metrics_registry *metrics;
};

/*
 * Creates the publisher (binding its endpoints, opening the journal), loads
 * every model the pipeline can need, and creates the detector of each mode
 * in `modes` (bit 1 << enum cjd_mode) now, so configuration errors surface
 * at start-up and a sample never loads a file. `events` is what the source
 * supplies (0: the mode's full set). modes 0 means a source of unknown kind
 * (split mode): the models of every kind of source are loaded now (the
 * configured one, or each default), and each mode's detector is created
 * from them on the first sample of that mode.
 * Returns 0, or a negative errno with err holding one line: -EINVAL for a
 * configuration problem (a model that cannot be loaded or cannot serve these
 * events, a key file or endpoint that cannot be used), another errno for a
 * runtime failure (an endpoint in use, a journal that cannot be written,
 * -ENOMEM).
 */
int cjd_pipeline_new(struct cjd_pipeline **out, const struct cjd_pipeline_options *opts,
		     unsigned modes, cjd_event_mask events, struct cjd_error *err);
void cjd_pipeline_free(struct cjd_pipeline *p);

/*
 * A source will send samples carrying `events` (a new trace): starts the
 * detector of their mode now if it is not running, and checks that its
 * model can score them, so that a mismatch is a start-up error rather than
 * one per sample. Returns 0, -EINVAL with err saying why no model can, or
 * -ENOMEM.
 */
int cjd_pipeline_expect(struct cjd_pipeline *p, cjd_event_mask events, struct cjd_error *err);

/*
 * Feeds one sample to the detector of its mode. A sample no model can take
 * (or that cannot be used: not after its cgroup's previous one, ...) is
 * counted and logged once per (host, mode), and returns 0 - unless the
 * pipeline is strict: then it returns -EINVAL with err saying why, and
 * logs nothing. -ENOMEM.
 */
int cjd_pipeline_push(struct cjd_pipeline *p, const struct cjd_sample *s, struct cjd_error *err);

/* Computes the windows of everything pushed since the last tick. */
void cjd_pipeline_tick(struct cjd_pipeline *p);

/* End of the input (a trace): ticks, reports what still fires as gone, and
 * forgets every cgroup and host clock, so that another input starts afresh. */
void cjd_pipeline_finish(struct cjd_pipeline *p);

/* A cgroup of host (NULL: this host) vanished: a firing alert resolves as gone. */
void cjd_pipeline_forget(struct cjd_pipeline *p, const char *host, const char *cgroup);

/* A local cgroup was discovered: learns the names of its container now (once
 * per container id, see cjd_meta_cache_lookup), off the sample path. */
void cjd_pipeline_discovered(struct cjd_pipeline *p, const char *cgroup);

/* The evidence sweep (evidence.sweep_every): busy cgroups not inspected lately are
 * queued for the cheap probes. No-op when evidence is off. */
void cjd_pipeline_sweep(struct cjd_pipeline *p);

/* Whether the evidence stage runs. */
bool cjd_pipeline_evidence_on(const struct cjd_pipeline *p);

/* Per-cgroup `metrics` messages. */
void cjd_pipeline_metrics(struct cjd_pipeline *p);

/* A `heartbeat`; the caller fills what only it knows (mode, cgroups, samples). */
void cjd_pipeline_heartbeat(struct cjd_pipeline *p, struct cjd_heartbeat *hb);

/* Publisher housekeeping; call at least once a second. */
void cjd_pipeline_housekeeping(struct cjd_pipeline *p);

/*
 * Applies a new configuration (already loaded and validated): new models,
 * thresholds, allowlist and actions, all or nothing. Returns 0, or a negative
 * errno with err saying why (the old configuration then stays). On success
 * the owner must move `cfg` into the object opts->cfg points at (the
 * pipeline keeps borrowing that one; the actions borrow its allowlist).
 */
int cjd_pipeline_reconfigure(struct cjd_pipeline *p, const struct cjd_config *cfg,
			     struct cjd_error *err);

/* Totals for banners and heartbeats. */
struct cjd_pipeline_stats {
	uint64_t samples;          /* samples pushed */
	uint64_t samples_refused;  /* samples no detector could take */
	size_t cgroups;            /* cgroups the detectors hold */
};
void cjd_pipeline_stats(const struct cjd_pipeline *p, struct cjd_pipeline_stats *st);

/* The model of a mode's detector, or NULL when that mode has not started
 * (no sample of it yet); its path in *path ("" then). */
const struct cjd_model *cjd_pipeline_model(const struct cjd_pipeline *p, enum cjd_mode mode,
					   const char **path);
/* The model that scores the groups across cgroups in `mode` (detector.aggregate_model,
 * or by default sw-nosyscalls in software mode with the shipped models), or NULL when
 * groups are scored by the mode's own model or aggregation is off. Borrowed. */
const struct cjd_model *cjd_pipeline_group_model(const struct cjd_pipeline *p,
						 enum cjd_mode mode);
/* The detector of a mode, or NULL when it has not started (for its window and tier). */
const struct cjd_detector *cjd_pipeline_detector(const struct cjd_pipeline *p, enum cjd_mode mode);

/* The publisher; the pipeline keeps it (its stats, its endpoints, replay's wait for a
 * subscriber). */
struct cjd_publisher *cjd_pipeline_publisher(const struct cjd_pipeline *p);

#endif
