/* One mechanism under every push output: a bounded queue the detection thread fills in O(1), drained in order by a worker thread into a transport. */
#ifndef CJD_PUBLISH_OUTPUT_H
#define CJD_PUBLISH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CJD_OUTPUT_DEFAULT_QUEUE 1000
#define CJD_OUTPUT_DEFAULT_TIMEOUT_NS (10ull * 1000000000ull)
#define CJD_OUTPUT_DEFAULT_BACKOFF_MIN_NS (500ull * 1000000ull)
#define CJD_OUTPUT_DEFAULT_BACKOFF_MAX_NS (30ull * 1000000000ull)
#define CJD_OUTPUT_DEFAULT_DRAIN_NS (5ull * 1000000000ull)

/*
 * What a transport's deliver() made of one attempt.
 *   SENT      the receiver has it (HTTP 2xx; the syslog frame was written):
 *             the message leaves the queue.
 *   RETRY     a transient failure (connection refused, timeout, HTTP 5xx,
 *             408, 429, a TLS error): the message stays at the head of the
 *             queue and is tried again after a back-off.
 *   REJECTED  the receiver refused this message for good (HTTP 4xx other
 *             than 408/429): retrying cannot help, so it leaves the queue,
 *             counted and logged (it stays in the journal).
 */
enum cjd_output_result {
	CJD_OUTPUT_SENT = 0,
	CJD_OUTPUT_RETRY,
	CJD_OUTPUT_REJECTED,
};

/* One attempt: deliver() fills why (the reason of a failure) and may ask
 * for a longer wait (HTTP Retry-After). */
struct cjd_output_attempt {
	uint64_t deadline_mono_ns; /* give up this attempt by then (CLOCK_MONOTONIC) */
	char why[256];             /* set on RETRY/REJECTED */
	uint64_t retry_after_ns;   /* 0: the queue's own back-off */
};

/*
 * How long this attempt may take: timeout_ns, or less when the drain
 * deadline is nearer. 0 when no time is left (a->why says so: the
 * transport returns CJD_OUTPUT_RETRY without trying).
 */
uint64_t cjd_output_attempt_budget(struct cjd_output_attempt *a, uint64_t timeout_ns);

/*
 * The verdict on a message the transport could not render (rc, a negative
 * errno from its renderer; what: "build the body"): -EINVAL (the message is
 * not a JSON object) is rejected for good, anything else is tried again.
 * Sets a->why.
 */
enum cjd_output_result cjd_output_render_failed(struct cjd_output_attempt *a, const char *topic,
						const char *what, int rc);

/*
 * A transport: how one message reaches one receiver. Every call is made on
 * the output's worker thread, one at a time, so a transport needs no lock.
 */
struct cjd_output_transport {
	const char *kind; /* "http", "syslog": in logs and heartbeats */
	/* Delivers [topic, json] (the message body exactly as published). */
	enum cjd_output_result (*deliver)(void *ctx, const char *topic, const char *json,
					  size_t len, struct cjd_output_attempt *a);
	/* The worker's last call, before it exits (on its thread, signals
	 * blocked): a place to close a session politely. May be NULL. */
	void (*stop)(void *ctx);
	void (*free)(void *ctx); /* may be NULL; called on the thread that frees the output */
};

/* The queue's settings, shared by every transport. */
struct cjd_output_options {
	size_t queue;            /* messages; 0: CJD_OUTPUT_DEFAULT_QUEUE */
	uint64_t backoff_min_ns; /* first retry delay; 0: default */
	uint64_t backoff_max_ns; /* the delay doubles up to this; 0: default */
	uint64_t drain_ns;       /* how long free() keeps delivering; 0: default; UINT64_MAX: until empty */
	/* Topic prefixes to send ("alert" for every alert); other messages are
	 * skipped at submit. NULL/0: alerts only. "" matches every topic. */
	const char *const *topics;
	size_t n_topics;
};

/* Counters of one output. submitted = sent + rejected + abandoned + queued
 * + (in flight, counted in queued); dropped messages were never queued. */
struct cjd_output_stats {
	char kind[16];          /* the transport's kind */
	uint64_t submitted;     /* messages accepted into the queue */
	uint64_t sent;          /* delivered */
	uint64_t dropped;       /* refused at submit: the queue was full */
	uint64_t rejected;      /* refused by the receiver for good (HTTP 4xx) */
	uint64_t retries;       /* failed attempts that were tried again */
	uint64_t abandoned;     /* still queued when the drain time ran out at shutdown */
	uint64_t queued;        /* in the queue now, the one in flight included */
	bool failing;           /* the last attempt failed */
	char last_error[256];   /* why the last failed attempt failed ("" if none yet) */
};

struct cjd_output;

/*
 * Starts an output: a queue of opts->queue messages and its worker thread,
 * which owns `transport_ctx` from now on (freed with transport->free, also
 * when this fails). `name` ("http https://siem.example/", "syslog
 * tls://10.0.0.5:6514") prefixes its log lines. The worker blocks every
 * signal (they belong to the main loop), so a write to a closed socket is
 * EPIPE there, never a SIGPIPE. Returns 0, -ENOMEM, or the pthread error.
 */
int cjd_output_new(struct cjd_output **out, const char *name,
		   const struct cjd_output_options *opts,
		   const struct cjd_output_transport *transport, void *transport_ctx);

/* Whether a message on `topic` is sent by this output (its topic prefixes). */
bool cjd_output_wants(const struct cjd_output *o, const char *topic);

/*
 * Queues a copy of [topic, json] for the worker, when the topic is wanted.
 * Never waits on the network: it takes the queue's lock (held by the worker
 * only to pop or push a pointer), copies, links, signals. When the queue is
 * full the message is dropped and counted (the first drop of a burst is
 * logged, and the burst's total when the queue has room again). A caller
 * that may wait (the `cjd sub` bridge) checks cjd_output_room() first.
 * Thread-safe.
 * Returns 0 (queued, or not wanted), -ENOBUFS (dropped) or -ENOMEM (counted
 * as dropped too).
 */
int cjd_output_submit(struct cjd_output *o, const char *topic, const char *json, size_t len);

/* What opts->topics select, for a log line: "alerts", "every message", "alert*, heartbeat*". */
const char *cjd_output_topics_text(const struct cjd_output_options *opts, char *buf, size_t len);

/* Free places in the queue now (0 when stopped). Thread-safe. */
size_t cjd_output_room(const struct cjd_output *o);

/* A consistent copy of the counters. Thread-safe. */
void cjd_output_stats(const struct cjd_output *o, struct cjd_output_stats *st);

/* Name given at creation. */
const char *cjd_output_name(const struct cjd_output *o);

/*
 * Stops the output: the worker keeps delivering (retries included) until the
 * queue is empty or opts.drain_ns has passed, whichever is first; an attempt
 * in flight is cut at that deadline. What is left is counted as abandoned and
 * logged with its number (those alerts are in the journal). Returns after at
 * most drain_ns plus one attempt's setup; the counters are final then (a
 * later submit is dropped). Idempotent. Not thread-safe against itself.
 */
void cjd_output_stop(struct cjd_output *o);

/* Stops the output (cjd_output_stop) and frees it and its transport. Accepts NULL. */
void cjd_output_free(struct cjd_output *o);

/*
 * The back-off before retry number `attempt` (1 = the first retry): min *
 * 2^(attempt-1), capped at max, then "equal jitter": a uniform value in
 * [d/2, d] drawn from rnd (0..UINT64_MAX). Pure; exposed for tests.
 */
uint64_t cjd_output_backoff_ns(unsigned attempt, uint64_t min_ns, uint64_t max_ns, uint64_t rnd);

#endif
