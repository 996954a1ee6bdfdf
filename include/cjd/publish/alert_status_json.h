/* The status messages' serializers: metrics (cjd.metrics/1) and heartbeats (cjd.heartbeat/1). */
#ifndef CJD_PUBLISH_ALERT_STATUS_JSON_H
#define CJD_PUBLISH_ALERT_STATUS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/event.h"
#include "cjd/common/identity.h"
#include "cjd/publish/output.h"

/*
 * The per-cgroup cost summary published every M seconds on topic "metrics"
 * (schema cjd.metrics/1). Strings are borrowed for the call.
 */
struct cjd_metrics {
	uint64_t time_real_ns;     /* @timestamp; 0 means now */
	const char *host;          /* NULL: this host */
	const char *cgroup;        /* cgroup.path */
	const struct cjd_identity *identity; /* container and pod names; NULL: from the path */
	enum cjd_mode mode;
	const char *state;         /* detector state: "idle", "suspect", "firing", or NULL */
	bool has_score;            /* false before the first full window */
	float score;               /* the latest window's score */
	uint64_t interval_ns;      /* the summary period, M */
	double cpu_seconds;        /* CPU-seconds used during the period */
	double cpu_seconds_total;  /* since cjd started watching the cgroup */
	double price_per_cpu_hour; /* USD */
	double cost_usd;           /* of the period */
	double cost_usd_total;
};

/* The publisher's own counters, copied into each heartbeat. */
struct cjd_heartbeat_publish {
	uint64_t sent;          /* messages handed to ZeroMQ */
	uint64_t dropped;       /* see cjd_publisher_stats.dropped */
	uint64_t alert_seq;     /* last cjd.seq of an alert: a subscriber compares it with its own */
	uint64_t curve_refused; /* connections refused by the ZAP handler */
	const char *journal_path;  /* NULL: no journal */
	bool journal_failing;   /* the last journal write failed */
	uint64_t journal_errors;
	const char *journal_error; /* text of the last failure, or NULL */
	const struct cjd_output_stats *outputs; /* push outputs (cjd.outputs.<kind>); may be NULL */
	size_t n_outputs;
};

/* The evidence stage's figures in a heartbeat (cjd.evidence), cumulative since start. */
struct cjd_heartbeat_evidence {
	uint64_t inspections, suspect, sweep, failed; /* finished inspections, by kind; failed */
	uint64_t refused;           /* submissions refused: the queue was full */
	uint64_t queued;            /* waiting now */
	double cpu_budget;          /* evidence.cpu_budget, CPUs */
	double cpu_share;           /* CPU the inspections used over the agent's life, CPUs */
	double cpu_s;               /* their CPU time, seconds */
	uint64_t looks;             /* fpstate looks (each a pause of one thread) */
	double pause_max_ms;        /* the longest look, interrupt to detach */
	double pause_mean_ms;
	double held_max_ms;         /* the longest a thread was held stopped */
	double budget_wait_s;       /* time the worker waited to stay within the budget */
	uint64_t alerts_held;       /* firing alerts held back now (evidence.require, evidence.wait) */
	uint64_t alerts_suppressed; /* alert messages not published for want of evidence */
	uint64_t updates;           /* alert.evidence messages published */
	uint64_t fired_on_evidence; /* alerts fired by evidence, not by scores */
};

/* The agent's liveness record, every 5 s on topic "heartbeat" (cjd.heartbeat/1). */
struct cjd_heartbeat {
	uint64_t time_real_ns;  /* 0 means now */
	enum cjd_mode mode;
	uint64_t uptime_ns;
	uint64_t interval_ns;   /* the sampling interval */
	uint32_t cgroups_monitored;
	uint32_t cgroups_unmonitored; /* seen but not counted (fd budget, allowlist, errors) */
	double samples_per_s;
	uint64_t samples_dropped;     /* samples the collector lost (read errors, overruns) */
	const char *model_name;
	const char *model_version;
	bool stopping;                /* the last heartbeat before a clean shutdown */
	const struct cjd_heartbeat_evidence *evidence; /* NULL: probes off (omitted) */
};

/* Host facts shared by every message of a publisher. */
struct cjd_json_host {
	const char *name;
	const char *id;   /* NULL: omitted */
};

/* Like cjd_alert_json, for the two status messages. `seq` 0 omits cjd.seq. */
int cjd_metrics_json(const struct cjd_metrics *m, const struct cjd_json_host *host, uint64_t seq,
		     char **out, size_t *out_len);
int cjd_heartbeat_json(const struct cjd_heartbeat *hb, const struct cjd_heartbeat_publish *pub,
		       const struct cjd_json_host *host, uint64_t seq, char **out, size_t *out_len);

#endif
