/* What the pipeline's files share: the pipeline struct, and the evidence stage's entry points. */
#ifndef CJD_DAEMON_PIPELINE_INTERNAL_H
#define CJD_DAEMON_PIPELINE_INTERNAL_H

#include "cjd/common/strmap.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/publish/alert_status_json.h"

struct pl_evidence;

/*
 * The models the pipeline may need, loaded (and so validated) at start-up
 * and on reload, all or nothing: a sample never waits for a file. Entries
 * are keyed by model_key(): one per distinct model, shared by the modes
 * that use it (a detector borrows its model).
 */
#define MAX_MODELS 3

struct model_set {
	size_t n;
	struct {
		const char *key; /* static: "" for the configured model, else a default's name */
		char path[4096];
		struct cjd_model *m;
	} e[MAX_MODELS];
};

struct mode_slot {
	const struct cjd_model *model; /* borrowed from models */
	const char *model_path;        /* likewise */
	struct cjd_detector *det;
	cjd_event_mask events; /* what the source supplies in this mode */
};

struct cjd_pipeline {
	struct cjd_pipeline_options opts;
	const struct cjd_config *cfg;
	struct cjd_publisher *pub;
	struct model_set models;
	cjd_event_mask wants[MAX_MODELS]; /* the event sets samples may come with */
	size_t n_wants;
	struct mode_slot slot[2]; /* indexed by enum cjd_mode */
	struct cjd_actions *actions;
	struct cjd_strmap *acted;        /* "host\ncgroup" acted on in this firing episode */
	struct cjd_strmap *metrics_prev; /* "host\ncgroup" -> CPU-seconds at the last metrics (bits) */
	struct cjd_strmap *refused;      /* "mode\nhost" already warned about */
	struct cjd_meta_cache *meta;     /* names of local containers; NULL: none */
	struct cjd_model *agg_model;     /* the model scoring groups; NULL: each mode's own */
	bool agg_sw_only;                /* agg_model is the software default (group_model_load) */
	struct cjd_pipeline_stats st;
	struct pl_evidence *ev;          /* the evidence stage (pipeline_evidence.c); NULL: off */
};

/*
 * Publishes an alert (journal, subscribers, log line) and does what follows
 * it: a response action for firing/ongoing, forgetting the action for
 * resolved/gone. The evidence stage calls it for the alerts it lets out.
 */
void cjd_pl_deliver(struct cjd_pipeline *p, struct cjd_alert *al);

/* ---- pipeline_evidence.c: suspects, inspections, verdicts, cjd.evidence ---- */

/* Starts the stage (the worker thread, the verdict model) from p->cfg. Returns 0 or -errno with err. */
int cjd_pl_evidence_new(struct cjd_pipeline *p, struct cjd_error *err);
void cjd_pl_evidence_free(struct cjd_pipeline *p);

/* The detector's suspect callback (ctx: the pipeline). */
void cjd_pl_evidence_suspect(void *ctx, const char *host, const char *cgroup, float score);

/* An alert from a detector: delivered now with its evidence, held for it, or suppressed. */
void cjd_pl_evidence_alert(struct cjd_pipeline *p, struct cjd_alert *al);

/* Collects finished inspections: verdicts, evidence updates, held alerts released or timed out. */
void cjd_pl_evidence_poll(struct cjd_pipeline *p);

/* The sweep: queues busy cgroups not inspected lately for the cheap probes. */
void cjd_pl_evidence_sweep(struct cjd_pipeline *p);

/* A cgroup vanished: its evidence goes. */
void cjd_pl_evidence_forget(struct cjd_pipeline *p, const char *host, const char *cgroup);

/* The heartbeat's figures. */
void cjd_pl_evidence_stats(struct cjd_pipeline *p, struct cjd_heartbeat_evidence *out);

#endif
