/* The subscriber behind `cjd sub`: SUB socket (CURVE optional), journal catch-up, checked messages to a sink or the push outputs. */
#ifndef CJD_PUBLISH_SUBSCRIBER_H
#define CJD_PUBLISH_SUBSCRIBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cjd/common/error.h"
#include "cjd/publish/journal_read.h"
#include "cjd/publish/output_http.h"
#include "cjd/publish/output_syslog.h"

struct cjd_subscriber;

/*
 * Receives one message to deliver: `topic` and `json` (`len` bytes,
 * NUL-terminated) exactly as published (or as journaled), `doc` the body
 * parsed, always a JSON object. All three are valid only during the call.
 * Returns 0, or a negative errno: the subscriber stops and
 * cjd_subscriber_run() returns it (as a runtime failure).
 */
typedef int (*cjd_subscriber_sink)(const char *topic, const char *json, size_t len, json_t *doc,
				   void *ctx);

/* What to subscribe to and where messages go. Every string must outlive the subscriber. */
struct cjd_subscriber_config {
	const char *const *endpoints; /* publishers (or relays) to connect to */
	size_t n_endpoints;           /* 0: the journal only (then `since` is required) */
	const char *const *topics;    /* topic prefixes ("" for every topic) */
	size_t n_topics;              /* 0: "alert" */
	const char *curve_server_key; /* the publisher's .pub; with curve_secret, or neither */
	const char *curve_secret;     /* this subscriber's keypair (.key) */
	const struct cjd_since *since; /* first the journaled alerts it selects; NULL: live only */
	const char *journal;          /* the journal `since` reads; NULL: CJD_JOURNAL_DEFAULT_PATH */
	uint64_t count;               /* stop after this many delivered messages; 0: never */
	/* Forward every message to these outputs (NULL: not); their `queue`
	 * member is ignored: the subscriber's queue holds
	 * CJD_OUTPUT_DEFAULT_QUEUE messages of every topic and drains for 10 s. */
	const struct cjd_output_http_config *http;
	const struct cjd_output_syslog_config *syslog_remote;
	cjd_subscriber_sink sink;     /* called for each message after the outputs; NULL: none */
	void *sink_ctx;
	bool quiet;                   /* no informational lines on stderr (warnings stay) */
};

/* What a subscriber did so far. */
struct cjd_subscriber_stats {
	uint64_t delivered; /* messages handed to every output and the sink */
	uint64_t journaled; /* of those, read from the journal */
	uint64_t malformed; /* received messages skipped: no body, not a JSON object, duplicate keys */
	uint64_t missed;    /* messages the publishers' cjd.seq says never arrived */
};

/*
 * Checks cfg, reads the CURVE keys, starts the outputs, and with endpoints
 * creates the SUB socket, subscribes and connects (libzmq reconnects on its
 * own, backing off to 2 s, whenever a publisher goes away). With outputs it
 * first blocks SIGINT and SIGTERM in the calling thread (their threads
 * inherit the mask), so that a stop lets queued messages still go out; the
 * mask stays. Logs "sub: subscribed to ..." unless quiet. Returns 0 with *out
 * owned by the caller, or -EINVAL with err saying why when the configuration
 * is at fault (a key file, an endpoint, an output's settings), or another
 * negative errno (-ENOMEM, a libzmq failure); *out is NULL then. Not
 * thread-safe: use a subscriber from one thread.
 */
int cjd_subscriber_new(struct cjd_subscriber **out, const struct cjd_subscriber_config *cfg,
		       struct cjd_error *err);

/*
 * Delivers messages until done: first, with `since`, the journaled alerts it
 * selects whose topic is wanted; then, with endpoints, live messages (an
 * alert already delivered from the journal is not delivered again). Gaps and
 * restarts in a publisher's cjd.seq and connection changes are logged.
 * Malformed messages are logged, counted and skipped. Stops after `count`
 * messages, on SIGINT/SIGTERM (while live, or while waiting for an output's
 * room), after the journal when there are no endpoints, or on a failure.
 * Then drains and stops the outputs (at most 10 s) and logs what each sent.
 * Returns 0; -EIO with err when an output did not deliver everything;
 * another negative errno with err on a runtime failure (the journal cannot
 * be read: -ENOENT when it does not exist; the sink's error; libzmq's).
 * Call once.
 */
int cjd_subscriber_run(struct cjd_subscriber *s, struct cjd_error *err);

/* A copy of the counters (valid at any time, final after cjd_subscriber_run). */
void cjd_subscriber_stats(const struct cjd_subscriber *s, struct cjd_subscriber_stats *st);

/* Stops the outputs (if run did not), closes the socket and frees s. Accepts NULL. */
void cjd_subscriber_free(struct cjd_subscriber *s);

#endif
