/* The alert publisher: journal first, then a ZeroMQ PUB socket, never blocking the caller. */
#ifndef CJD_PUBLISH_PUBLISH_ZMQ_H
#define CJD_PUBLISH_PUBLISH_ZMQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/alert.h"
#include "cjd/common/error.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_status_json.h"
#include "cjd/publish/output.h"

#define CJD_PUBLISH_DEFAULT_TCP "tcp://127.0.0.1:5556"
#define CJD_PUBLISH_DEFAULT_IPC "ipc:///run/cjd/alerts.sock"
/* The endpoints `cjd run` binds when no --publish is given. */
extern const char *const cjd_publish_default_endpoints[2];

#define CJD_PUBLISH_DEFAULT_SNDHWM 10000
#define CJD_PUBLISH_DEFAULT_LINGER_MS 500
#define CJD_HEARTBEAT_INTERVAL_NS (5ull * 1000000000ull)
#define CJD_METRICS_INTERVAL_NS (10ull * 1000000000ull)

/* Topics (the first frame of every message); subscribers match by prefix. */
#define CJD_TOPIC_ALERT_PREFIX "alert." /* alert.firing, alert.ongoing, ... */
#define CJD_TOPIC_METRICS "metrics"
#define CJD_TOPIC_HEARTBEAT "heartbeat"

struct cjd_publisher_config {
	/* ZeroMQ endpoints to bind (e.g. cjd_publish_default_endpoints). 0 endpoints: no socket
	 * at all (journal and/or echo only, e.g. `cjd replay` without --publish). */
	const char *const *endpoints;
	size_t n_endpoints;
	int sndhwm;                 /* per-subscriber queue, messages; 0: default */
	int linger_ms;              /* how long free() may wait to flush; 0: default; < 0: not at all */
	/* Journal: NULL disables it (replay without --journal); `cjd run` passes
	 * CJD_JOURNAL_DEFAULT_PATH unless told otherwise. */
	const char *journal_path;
	uint64_t journal_max_bytes; /* 0: default */
	unsigned journal_keep;      /* 0: default */
	/* CURVE: both or neither. */
	const char *curve_secret_file; /* the publisher's .key */
	const char *curve_clients_dir; /* authorised subscriber .pub files */
	/* cjd.processes are read from <cgroup_root><cgroup>/cgroup.procs at alert
	 * time; NULL leaves them out (replay: the cgroups are not on this host). */
	const char *cgroup_root;
	const char *host_name;      /* NULL: gethostname() */
	const char *host_id;        /* NULL: /etc/machine-id (omitted if unreadable); "": omitted */
	FILE *echo;                 /* if set, every alert line is also written here (replay: stdout) */
	/* Push outputs (output_http.h, output_syslog.h), each with its own queue
	 * and worker. The publisher owns them from cjd_publisher_new on, also
	 * when it fails. Every message is handed to them after journaling; each
	 * sends what its topics select (alerts by default). At most
	 * CJD_PUBLISH_MAX_OUTPUTS. */
	struct cjd_output *const *outputs;
	size_t n_outputs;
};

#define CJD_PUBLISH_MAX_OUTPUTS 4

/* Counters; every field is cumulative since cjd_publisher_new. */
struct cjd_publisher_stats {
	uint64_t alerts;         /* alerts serialized (each journaled and/or published) */
	uint64_t metrics;
	uint64_t heartbeats;
	uint64_t sent;           /* messages handed to ZeroMQ */
	/*
	 * Messages at least one subscriber is known to have missed: the
	 * subscriber's queue (SNDHWM) was full, or zmq_send failed. A lower bound:
	 * libzmq hides a subscriber whose queue overflowed until it has drained,
	 * so what it misses meanwhile is invisible here. Subscribers see their own
	 * losses exactly as gaps in cjd.seq (`cjd sub` reports them).
	 */
	uint64_t dropped;
	uint64_t journal_lines;
	uint64_t journal_errors;
	bool journal_failing;
	uint64_t curve_refused;
	uint64_t curve_accepted;
	uint64_t alert_seq;      /* cjd.seq of the last alert */
	/* Subscriptions currently open, as the XPUB socket reports them (read by
	 * cjd_publisher_tick). Identical subscriptions of several subscribers are
	 * reported once by ZeroMQ, so this counts distinct topics, not peers. */
	uint64_t subscriptions;
};

struct cjd_publisher;

/*
 * Opens the journal, creates the socket, starts the ZAP handler (CURVE) and
 * binds every endpoint (creating the directory of an ipc:// path, and
 * refusing an ipc:// path another live process is bound to). Everything that
 * can fail at startup fails here, with err naming the endpoint, file or
 * directory. Returns 0 or a negative errno; *out is NULL on failure:
 * -EINVAL for what the configuration got wrong (a CURVE key file or clients
 * directory that cannot be used, an endpoint that is not one), another errno
 * for the host's state (-EADDRINUSE, a journal directory not writable, ...).
 * Must be called before any fork of the process (ZeroMQ threads).
 */
int cjd_publisher_new(struct cjd_publisher **out, const struct cjd_publisher_config *cfg,
		      struct cjd_error *err);

/*
 * Publishes an alert: assigns alert->id if it is empty (UUIDv7; an id set
 * by an upstream cjd is kept), fills cjd.processes if configured, serializes
 * once, appends the line to the journal, then sends [alert.<action>, json]
 * without blocking, and echoes the line if configured. A journal failure is
 * logged and flagged (heartbeat) but the alert is still published; the
 * return value is then that error (-ENOSPC, ...), else 0, or -ENOMEM when
 * the alert could not be serialized at all. ctx may be NULL (host from cfg).
 * Single-threaded: call from the thread that owns the publisher.
 */
int cjd_publisher_alert(struct cjd_publisher *p, struct cjd_alert *alert,
			const struct cjd_alert_context *ctx);

/* Publishes one cgroup's cost summary on "metrics" (not journaled). */
int cjd_publisher_metrics(struct cjd_publisher *p, const struct cjd_metrics *m);

/*
 * Publishes a heartbeat, adding host, version, the publisher's counters and
 * the journal error flag. With hb->stopping set, call it just before
 * cjd_publisher_free(), whose linger then gives it time to leave.
 */
int cjd_publisher_heartbeat(struct cjd_publisher *p, const struct cjd_heartbeat *hb);

/*
 * Housekeeping; call at least once a second (the daemon: from a 1 s loop
 * timer). It fsyncs what the journal received since the last fsync and reads
 * the subscription messages ZeroMQ queues for the socket. now_mono_ns is
 * CLOCK_MONOTONIC. Returns 0 or the fsync error (also logged and flagged).
 */
int cjd_publisher_tick(struct cjd_publisher *p, uint64_t now_mono_ns);

void cjd_publisher_stats(const struct cjd_publisher *p, struct cjd_publisher_stats *st);

/* The push outputs' counters (at most max, in the order given); returns how many there are. */
size_t cjd_publisher_outputs(const struct cjd_publisher *p, struct cjd_output_stats *st,
			     size_t max);

/* The i-th bound endpoint as ZeroMQ reports it (a "tcp://...:*" bind gets its port), or NULL. */
const char *cjd_publisher_endpoint(const struct cjd_publisher *p, size_t i);

/* Host name and id as they appear in messages. */
const struct cjd_json_host *cjd_publisher_host(const struct cjd_publisher *p);

/*
 * Fsyncs and closes the journal, then closes the socket, waiting at most
 * linger_ms for queued messages, stops the ZAP handler, and stops the push
 * outputs, each draining its queue for at most its drain time. Accepts NULL.
 */
void cjd_publisher_free(struct cjd_publisher *p);

#endif
