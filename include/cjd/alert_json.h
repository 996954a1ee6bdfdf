/* The one serializer of cjd's wire schemas: alerts, metrics and heartbeats, as ECS JSON. */
#ifndef CJD_ALERT_JSON_H
#define CJD_ALERT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/alert.h"

/*
 * Schema identifiers, written in the top-level "schema" field. A consumer
 * switches on them; a breaking change gets a new number. docs/alerts.md and
 * the files in docs/schema/ describe each one; this file and alert_json.c /
 * alert_status_json.c are the only places that produce them.
 */
#define CJD_ALERT_SCHEMA "cjd.alert/1"
#define CJD_METRICS_SCHEMA "cjd.metrics/1"
#define CJD_HEARTBEAT_SCHEMA "cjd.heartbeat/1"

/* The ECS version the field names follow. */
#define CJD_ECS_VERSION "8.11.0"

/* cjd.processes holds at most this many entries (issue 6). */
#define CJD_ALERT_MAX_PROCS 16

/* One process of the alerting cgroup, read from /proc at alert time. */
struct cjd_process {
	int pid;
	char comm[64];     /* /proc/PID/comm, without the newline */
	char exe[512];     /* readlink /proc/PID/exe; "" when unreadable (kernel thread, gone) */
	char cmdline[1024];/* /proc/PID/cmdline, NULs turned into spaces, truncated */
};

/*
 * What an alert does not carry but its JSON needs. Every pointer may be NULL
 * (the field is then omitted, or taken from the alert). Borrowed for the call.
 */
struct cjd_alert_context {
	const char *host_name; /* host.name when alert->host is NULL */
	const char *host_id;   /* host.id (/etc/machine-id); omitted when alert->host names another host */
	const char *pod_name;  /* orchestrator.resource.name; the cgroup path never holds it */
	const struct cjd_process *procs; /* cjd.processes */
	size_t n_procs;
	size_t procs_total;    /* PIDs in cgroup.procs (may exceed n_procs) */
	bool procs_known;      /* false: cjd.processes is omitted (replay: the cgroup is not here) */
	uint64_t seq;          /* cjd.seq (publisher sequence of the alert class); 0 omits it */
};

/*
 * Renders the alert as one line of JSON (no newline) into a buffer that the
 * function allocates: *out is malloc'ed and NUL-terminated, *out_len its
 * length; the caller frees it. Strings are escaped (quotes, backslashes,
 * control characters) and invalid UTF-8 bytes become U+FFFD, in which case
 * "cjd.utf8_replaced": true is added so consumers know a name is lossy.
 * Non-finite numbers are written as null. Returns 0, -EINVAL (alert->id
 * empty: ids are assigned before serializing) or -ENOMEM. Thread-safe.
 */
int cjd_alert_json(const struct cjd_alert *alert, const struct cjd_alert_context *ctx,
		   char **out, size_t *out_len);

/*
 * Prints the alert as one JSON line (with newline) on f, with the same
 * serializer. Returns 0, -EINVAL, -ENOMEM or -EIO (write error).
 */
int cjd_alert_fprint(FILE *f, const struct cjd_alert *alert, const struct cjd_alert_context *ctx);

/*
 * A one-line human summary for logs ("FIRING /docker/0123.. score 0.97 ...").
 * Hostile bytes of the cgroup name are shown as \xHH. Always NUL-terminates.
 */
const char *cjd_alert_summary(const struct cjd_alert *alert, char *buf, size_t len);

/*
 * The per-cgroup cost summary published every M seconds on topic "metrics"
 * (schema cjd.metrics/1). Strings are borrowed for the call.
 */
struct cjd_metrics {
	uint64_t time_real_ns;     /* @timestamp; 0 means now */
	const char *host;          /* NULL: this host */
	const char *cgroup;        /* cgroup.path */
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

/*
 * Reads /etc/machine-id (or `path`, for tests) into buf: 32 lowercase hex
 * digits. Returns 0, or a negative errno (missing, malformed) leaving buf "".
 */
int cjd_machine_id(const char *path, char *buf, size_t len);

/*
 * Event ids: UUIDv7 (RFC 9562) strings, 36 characters. The first 48 bits are
 * the Unix time in ms and the next 12 a counter, so ids sort (as strings) in
 * the order they were made, even within one millisecond and when the clock
 * steps back; the last 62 bits are random per generator, so two agents (or
 * two runs) never collide. One generator per publisher; not thread-safe.
 */
struct cjd_event_idgen {
	uint64_t last_ms;
	uint32_t seq;
	uint64_t node; /* 62 random bits */
};

#define CJD_EVENT_ID_LEN 36

/* Seeds the generator (getrandom, with a time/pid fallback). Never fails. */
void cjd_event_idgen_init(struct cjd_event_idgen *g);

/* Writes the next id for wall-clock time now_real_ns into out[CJD_EVENT_ID_LEN + 1]. */
void cjd_event_id_next(struct cjd_event_idgen *g, uint64_t now_real_ns, char *out);

/* True when s has the shape of an event id (36 chars, lowercase hex, dashes). */
bool cjd_event_id_valid(const char *s);

/*
 * Reads up to `max` processes of a cgroup: PIDs from
 * <cgroup_root><cgroup>/cgroup.procs, then comm, exe and cmdline from /proc.
 * Processes that exit meanwhile are skipped. *total gets the number of PIDs
 * listed. Returns the number filled (>= 0), or a negative errno when
 * cgroup.procs cannot be read (the cgroup is gone: -ENOENT). The cgroup path
 * is attacker-influenced: ".." components are refused with -EINVAL.
 */
int cjd_procs_read(const char *cgroup_root, const char *cgroup, struct cjd_process *procs,
		   size_t max, size_t *total);

#endif
