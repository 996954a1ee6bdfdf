/* The subscriber behind `cjd sub`: SUB socket (CURVE optional), journal catch-up, checked messages to a sink or the push outputs. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/common/loop.h"
#include "cjd/common/strmap.h"
#include "cjd/common/time.h"
#include "cjd/publish/conn_monitor.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/journal.h"
#include "cjd/publish/publish_zmq.h"
#include "cjd/publish/subscriber.h"

struct cjd_subscriber {
	struct cjd_subscriber_config cfg; /* topics, journal: never empty / NULL here */
	const char *default_topic[1];
	struct cjd_subscriber_stats st;
	struct cjd_strmap *seen_ids; /* ids delivered from the journal, while live continues */
	struct cjd_strmap *last_seq; /* "host\x1fclass" -> last cjd.seq */
	void *zctx, *zsock;
	struct cjd_conn_monitor *mon;
	struct cjd_loop *loop;
	struct cjd_output *outputs[2]; /* http, syslog_remote */
	size_t n_outputs;
	bool stopped; /* a stop signal came (loop or while waiting for an output) */
	int rc;       /* the first failure; err says why */
	struct cjd_error err;
};

/* Informational lines on stderr (stdout is the sink's). */
#define say(s, ...)                                                                                \
	do {                                                                                       \
		if (!(s)->cfg.quiet)                                                               \
			cjd_info(__VA_ARGS__);                                                     \
	} while (0)

/* Records the first runtime failure; the subscriber stops at the next check of done(). */
static void fail(struct cjd_subscriber *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct cjd_subscriber *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->rc)
		return;
	va_start(ap, fmt);
	s->rc = cjd_error_vset(&s->err, cjd_errno_runtime(rc), NULL, 0, 0, fmt, ap);
	va_end(ap);
}

static bool done(const struct cjd_subscriber *s)
{
	return s->rc || s->stopped || (s->cfg.count && s->st.delivered >= s->cfg.count);
}

static bool topic_wanted(const struct cjd_subscriber *s, const char *topic)
{
	for (size_t i = 0; i < s->cfg.n_topics; i++)
		if (strncmp(topic, s->cfg.topics[i], strlen(s->cfg.topics[i])) == 0)
			return true;
	return false;
}

/* Reports messages this subscriber missed, from gaps in the per-class cjd.seq. */
static void check_seq(struct cjd_subscriber *s, const char *topic, json_t *doc)
{
	json_t *seq = json_object_get(json_object_get(doc, "cjd"), "seq");
	const char *host = json_string_value(json_object_get(json_object_get(doc, "host"), "name"));
	char key[512];
	uint64_t *last;

	if (!json_is_integer(seq) || !host)
		return;
	uint64_t v = (uint64_t)json_integer_value(seq);
	size_t cls = strcspn(topic, ".");
	snprintf(key, sizeof(key), "%s\x1f%.*s", host, (int)cls, topic);
	if (cjd_strmap_upsert(s->last_seq, key, &last) < 0)
		return;
	if (*last && v <= *last) {
		cjd_info("sub: publisher on %s restarted (%.*s sequence began again at %" PRIu64 ")",
			 host, (int)cls, topic, v);
	} else if (*last && v > *last + 1) {
		uint64_t n = v - *last - 1;
		s->st.missed += n;
		cjd_warn("sub: missed %" PRIu64 " %.*s message%s from %s (seq %" PRIu64 "..%" PRIu64
			 ")%s",
			 n, (int)cls, topic, n == 1 ? "" : "s", host, *last + 1, v - 1,
			 strncmp(topic, "alert", 5) == 0 ? "; catch up with --since and the journal"
							 : "");
	}
	*last = v;
}

/* True when SIGINT or SIGTERM is waiting (blocked for the outputs' sake, so it stays pending). */
static bool stop_pending(void)
{
	sigset_t p;
	return sigpending(&p) == 0 && (sigismember(&p, SIGINT) || sigismember(&p, SIGTERM));
}

/*
 * Hands a message to an output, waiting for room rather than dropping it: a
 * bridge has no detection to protect, and a backfill must lose nothing. A
 * stop signal ends the wait (-EINTR; the message is not forwarded).
 */
static int forward(struct cjd_subscriber *s, struct cjd_output *o, const char *topic,
		   const char *json, size_t len)
{
	while (cjd_output_room(o) == 0) {
		if (stop_pending()) {
			s->stopped = true;
			return -EINTR;
		}
		usleep(20000);
	}
	return cjd_output_submit(o, topic, json, len);
}

/* Hands one message to every output, then to the sink; json is the body exactly as published. */
static void deliver(struct cjd_subscriber *s, const char *topic, const char *json, size_t len,
		    json_t *doc)
{
	int rc = 0;

	for (size_t i = 0; i < s->n_outputs && !rc; i++)
		rc = forward(s, s->outputs[i], topic, json, len);
	if (rc == -EINTR)
		return;
	if (!rc && s->cfg.sink)
		rc = s->cfg.sink(topic, json, len, doc, s->cfg.sink_ctx);
	if (rc) {
		fail(s, rc, "cannot hand on a message (topic %s): %s", topic, strerror(-rc));
		return;
	}
	s->st.delivered++;
}

/* ---- the outputs ---- */

/* Starts the http and syslog_remote outputs. Returns 0 or a negative errno with err set. */
static int start_outputs(struct cjd_subscriber *s, struct cjd_error *err)
{
	static const char *const all[] = {""}; /* the topics already chose what arrives */
	const struct cjd_output_options q = {.queue = CJD_OUTPUT_DEFAULT_QUEUE,
					     .drain_ns = 10 * CJD_NSEC_PER_SEC,
					     .topics = all,
					     .n_topics = 1};
	sigset_t stop;
	int rc;

	if (!s->cfg.http && !s->cfg.syslog_remote)
		return 0;
	/* a stop signal waits (pending) until forward() or the loop sees it, so
	 * what is queued is still delivered */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (s->cfg.http) {
		struct cjd_output_http_config hc = *s->cfg.http;
		hc.queue = q;
		if ((rc = cjd_output_http_new(&s->outputs[s->n_outputs], &hc, err)))
			return cjd_errno_config(rc);
		s->n_outputs++;
	}
	if (s->cfg.syslog_remote) {
		struct cjd_output_syslog_config sc = *s->cfg.syslog_remote;
		sc.queue = q;
		if ((rc = cjd_output_syslog_new(&s->outputs[s->n_outputs], &sc, err)))
			return cjd_errno_config(rc);
		s->n_outputs++;
	}
	return 0;
}

/* Drains and stops the outputs; says what each delivered. Returns 0, or -EIO with err set. */
static int stop_outputs(struct cjd_subscriber *s, struct cjd_error *err)
{
	uint64_t lost_all = 0;

	for (size_t i = 0; i < s->n_outputs; i++) {
		struct cjd_output_stats st;
		cjd_output_stop(s->outputs[i]);
		cjd_output_stats(s->outputs[i], &st);
		uint64_t lost = st.rejected + st.abandoned + st.dropped;
		lost_all += lost;
		if (lost)
			cjd_err("sub: %s: %" PRIu64 " sent, %" PRIu64 " refused by the receiver, %" PRIu64
				" not delivered (last error: %s)",
				cjd_output_name(s->outputs[i]), st.sent, st.rejected,
				st.abandoned + st.dropped, st.last_error);
		else
			say(s, "sub: %s: %" PRIu64 " message%s sent", cjd_output_name(s->outputs[i]),
			    st.sent, st.sent == 1 ? "" : "s");
		cjd_output_free(s->outputs[i]);
	}
	s->n_outputs = 0;
	if (lost_all)
		return cjd_error_set(err, -EIO, NULL, 0, 0,
				     "%" PRIu64 " message%s not delivered to the outputs", lost_all,
				     lost_all == 1 ? "" : "s");
	return 0;
}

/* ---- journal catch-up ---- */

static int journal_line(const char *file, uint64_t line, const char *json, size_t len,
			const char *id, void *ctx)
{
	struct cjd_subscriber *s = ctx;
	char topic[64];
	json_error_t jerr;
	json_t *doc;
	uint64_t *v;

	(void)file, (void)line;
	doc = json_loadb(json, len, 0, &jerr);
	if (!doc)
		return 0; /* the walker already checked it parses */
	const char *action =
		json_string_value(json_object_get(json_object_get(doc, "event"), "action"));
	snprintf(topic, sizeof(topic), "%s%s", CJD_TOPIC_ALERT_PREFIX, action ? action : "unknown");
	if (topic_wanted(s, topic)) {
		uint64_t before = s->st.delivered;
		if (s->seen_ids)
			cjd_strmap_upsert(s->seen_ids, id, &v);
		deliver(s, topic, json, len, doc);
		s->st.journaled += s->st.delivered - before;
	}
	json_decref(doc);
	return done(s) ? 1 : 0;
}

/* "after event 0190…", "since 2026-12-03T09:00:00Z", "every alert" */
static const char *since_text(const struct cjd_since *since, char *buf, size_t len)
{
	char ts[48];

	switch (since->kind) {
	case CJD_SINCE_ID: snprintf(buf, len, "alerts after event %s", since->id); break;
	case CJD_SINCE_TIME:
		snprintf(buf, len, "alerts since %s", cjd_rfc3339_sec(since->real_ns, ts, sizeof(ts)));
		break;
	default: snprintf(buf, len, "every alert"); break;
	}
	return buf;
}

/* Delivers the journaled alerts cfg.since selects. Returns 0 or a negative errno (s->err set). */
static int catch_up(struct cjd_subscriber *s)
{
	const struct cjd_since *since = s->cfg.since;
	const char *journal = s->cfg.journal;
	bool found = false, then_live = s->cfg.n_endpoints > 0;
	char what[128];
	uint64_t before = s->st.delivered;
	int rc;

	say(s, "sub: reading %s from the journal %s", since_text(since, what, sizeof(what)),
	    journal);
	rc = cjd_journal_after(journal, since, journal_line, s, &found, &s->err);
	if (rc < 0)
		return s->rc = cjd_errno_runtime(rc);
	if (!found)
		cjd_warn("sub: event id %s is not in %s (rotated away, or another host's); printed "
			 "every journaled alert with a later id",
			 since->id, journal);
	uint64_t n = s->st.delivered - before;
	say(s, "sub: %" PRIu64 " journaled alert%s %s%s", n, n == 1 ? "" : "s",
	    s->n_outputs ? "forwarded" : "printed", then_live && !done(s) ? "; now live" : "");
	return s->rc;
}

/* ---- live ---- */

static int recv_frame(void *sock, char **buf, size_t *len, bool *more)
{
	zmq_msg_t m;
	int rc;

	zmq_msg_init(&m);
	rc = zmq_msg_recv(&m, sock, ZMQ_DONTWAIT);
	if (rc < 0) {
		rc = -zmq_errno();
		zmq_msg_close(&m);
		return rc;
	}
	*len = zmq_msg_size(&m);
	*buf = malloc(*len + 1);
	if (*buf) {
		memcpy(*buf, zmq_msg_data(&m), *len);
		(*buf)[*len] = '\0';
	}
	*more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	return *buf ? 0 : -ENOMEM;
}

/* Receives [topic, body]; the frames past the second are read and dropped. *body NULL: none. */
static int recv_message(void *sock, char **topic, char **body, size_t *blen)
{
	char *extra;
	size_t tlen, xlen;
	bool more = false;
	int rc;

	*body = NULL;
	rc = recv_frame(sock, topic, &tlen, &more);
	if (rc)
		return rc;
	if (more && recv_frame(sock, body, blen, &more))
		more = false; /* the rest of the message went with the failed frame */
	while (more) {
		/* never leave the rest of a message behind */
		if (recv_frame(sock, &extra, &xlen, &more) == 0)
			free(extra);
		else
			break;
	}
	return 0;
}

/* One multipart message: [topic, json]; anything else is reported, counted and skipped. */
static int handle_one(struct cjd_subscriber *s)
{
	char *topic = NULL, *body = NULL;
	size_t blen = 0;
	json_error_t jerr;
	int rc;

	rc = recv_message(s->zsock, &topic, &body, &blen);
	if (rc)
		return rc;
	if (!body) {
		s->st.malformed++;
		cjd_warn("sub: skipped a message on topic '%s' without a body", topic);
		goto out;
	}
	json_t *doc = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		s->st.malformed++;
		cjd_warn("sub: skipped a message on topic '%s': not a JSON object (column %d: %s)",
			 topic, jerr.column, doc ? "wrong type" : jerr.text);
		json_decref(doc);
		goto out;
	}
	check_seq(s, topic, doc);
	const char *id = json_string_value(json_object_get(json_object_get(doc, "event"), "id"));
	if (!(s->seen_ids && id && cjd_strmap_get(s->seen_ids, id)))
		deliver(s, topic, body, blen, doc);
	json_decref(doc);
out:
	free(topic);
	free(body);
	return 0;
}

static void on_monitor(struct cjd_loop *loop, int fd, uint32_t events, void *ctx);

/* ZMQ_FD is edge-triggered: read until ZMQ_EVENTS says nothing is left. */
static void on_zmq(struct cjd_loop *loop, int fd, uint32_t events, void *ctx)
{
	struct cjd_subscriber *s = ctx;

	(void)fd, (void)events;
	if (s->mon)
		on_monitor(loop, 0, 0, s); /* "connected" before the first message it brought */
	while (!done(s)) {
		int zev = 0;
		size_t zlen = sizeof(zev);
		if (zmq_getsockopt(s->zsock, ZMQ_EVENTS, &zev, &zlen) != 0) {
			fail(s, -zmq_errno(), "ZMQ_EVENTS: %s", zmq_strerror(zmq_errno()));
			break;
		}
		if (!(zev & ZMQ_POLLIN))
			break;
		int rc = handle_one(s);
		if (rc && rc != -EAGAIN)
			fail(s, rc, "receive: %s", zmq_strerror(-rc));
	}
	if (done(s))
		cjd_loop_stop(loop);
}

/* One connection change, as a line a user can act on. */
static void say_conn(const struct cjd_subscriber *s, const struct cjd_conn_change *c)
{
	bool curve = s->cfg.curve_server_key != NULL;

	switch (c->event) {
	case CJD_CONN_UP:
		say(s, "sub: connected to %s%s", c->endpoint,
		    curve ? " (CURVE: encrypted, and this subscriber's key was accepted)" : "");
		break;
	case CJD_CONN_DOWN:
		cjd_warn("sub: lost the connection to %s; reconnecting (messages published "
			 "meanwhile are missed: catch up with --since)",
			 c->endpoint);
		break;
	case CJD_CONN_RETRYING:
		say(s, "sub: %s is not reachable yet (is cjd run publishing there?); retrying "
		       "every 2 s at most",
		    c->endpoint);
		break;
	case CJD_CONN_AUTH_FAILED:
		cjd_warn("sub: %s refused this subscriber's CURVE key: its .pub must be in the "
			 "publisher's --curve-clients directory",
			 c->endpoint);
		break;
	case CJD_CONN_FAILED:
		cjd_warn("sub: the handshake with %s failed (%s)", c->endpoint,
			 curve ? "is the publisher using CURVE with the key given by "
				 "--curve-server-key?"
			       : "does the publisher use CURVE? then give --curve-server-key "
				 "and --curve-secret");
		break;
	}
}

/* What libzmq's monitor tells about connections. */
static void on_monitor(struct cjd_loop *loop, int fd, uint32_t events, void *ctx)
{
	struct cjd_subscriber *s = ctx;
	struct cjd_conn_change c;

	(void)loop, (void)fd, (void)events;
	while (cjd_conn_monitor_next(s->mon, &c) == 0)
		say_conn(s, &c);
}

static void on_signal(struct cjd_loop *loop, int signo, void *ctx)
{
	struct cjd_subscriber *s = ctx;

	(void)signo;
	s->stopped = true;
	cjd_loop_stop(loop);
}

/* Watches the socket, its monitor and the stop signals. Returns 0 or a negative errno (s->err set). */
static int watch(struct cjd_subscriber *s, int fd)
{
	int rc = cjd_loop_new(&s->loop);

	if (rc < 0) {
		fail(s, rc, "cannot create the event loop");
		return s->rc;
	}
	if (cjd_loop_add_signal(s->loop, SIGINT, on_signal, s) < 0 ||
	    cjd_loop_add_signal(s->loop, SIGTERM, on_signal, s) < 0 ||
	    cjd_loop_add_fd(s->loop, fd, EPOLLIN, on_zmq, s) < 0 ||
	    (s->mon && cjd_loop_add_fd(s->loop, cjd_conn_monitor_fd(s->mon), EPOLLIN, on_monitor,
				       s) < 0))
		fail(s, -EIO, "cannot watch the socket or signals");
	return s->rc;
}

/* Delivers live messages until done. Returns 0 or a negative errno (s->err set). */
static int run_live(struct cjd_subscriber *s)
{
	int fd;
	size_t fdlen = sizeof(fd);

	if (zmq_getsockopt(s->zsock, ZMQ_FD, &fd, &fdlen) != 0) {
		fail(s, -zmq_errno(), "ZMQ_FD: %s", zmq_strerror(zmq_errno()));
		return s->rc;
	}
	if (watch(s, fd))
		return s->rc;
	say(s, "sub: waiting for messages%s (Ctrl-C stops)",
	    s->cfg.count     ? ""
	    : s->n_outputs ? ", forwarding each as it arrives"
			     : ", printing each on stdout as it arrives");
	if (s->mon)
		on_monitor(s->loop, 0, 0, s); /* what happened before the watch began */
	on_zmq(s->loop, fd, 0, s); /* messages that arrived before the watch began */
	if (!done(s) && cjd_loop_run(s->loop) < 0)
		fail(s, -EIO, "event loop failed");
	return s->rc;
}

int cjd_subscriber_run(struct cjd_subscriber *s, struct cjd_error *err)
{
	/* subscribed (in new) before reading the journal: an alert published
	 * meanwhile is either in the journal part or arrives live (delivered
	 * once, see seen_ids) */
	if (s->cfg.since)
		catch_up(s);
	if (!done(s) && s->zsock)
		run_live(s);
	if (err)
		*err = s->err;
	int orc = stop_outputs(s, s->rc ? NULL : err);
	return s->rc ? s->rc : orc;
}

/* ---- setup ---- */

static int set_curve(struct cjd_subscriber *s, struct cjd_error *err)
{
	const char *server_key = s->cfg.curve_server_key;
	struct cjd_curve_keypair srv, me;
	int rc = 0;

	if ((rc = cjd_curve_read(server_key, false, false, &srv, err)) ||
	    (rc = cjd_curve_read(s->cfg.curve_secret, true, false, &me, err)))
		return cjd_errno_config(rc);
	if (srv.secret_z85[0])
		cjd_warn("sub: %s holds a secret key; a subscriber needs only the publisher's .pub",
			 server_key);
	if (zmq_setsockopt(s->zsock, ZMQ_CURVE_SERVERKEY, srv.public_z85, CJD_CURVE_Z85_LEN) ||
	    zmq_setsockopt(s->zsock, ZMQ_CURVE_PUBLICKEY, me.public_z85, CJD_CURVE_Z85_LEN) ||
	    zmq_setsockopt(s->zsock, ZMQ_CURVE_SECRETKEY, me.secret_z85, CJD_CURVE_Z85_LEN))
		rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "CURVE setup: %s",
				   zmq_strerror(zmq_errno()));
	explicit_bzero(&me, sizeof(me));
	explicit_bzero(&srv, sizeof(srv));
	return rc;
}

/* "alert", "alert.firing, metrics", "every topic" */
static const char *topics_text(const struct cjd_subscriber *s, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->cfg.n_topics && pos < len; i++) {
		if (!s->cfg.topics[i][0]) {
			snprintf(buf, len, "every topic");
			return buf;
		}
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s*", i ? ", " : "",
					s->cfg.topics[i]);
	}
	return buf;
}

static void say_subscribed(const struct cjd_subscriber *s)
{
	const char *server_key = s->cfg.curve_server_key;
	char topics[256], eps[1024];
	size_t pos = 0;

	eps[0] = '\0';
	for (size_t i = 0; i < s->cfg.n_endpoints && pos < sizeof(eps); i++)
		pos += (size_t)snprintf(eps + pos, sizeof(eps) - pos, "%s%s", i ? ", " : "",
					s->cfg.endpoints[i]);
	say(s, "sub: subscribed to topics %s on %s; %s%s", topics_text(s, topics, sizeof(topics)), eps,
	    server_key ? "CURVE with the publisher key in " : "no CURVE (plain text)",
	    server_key ? server_key : "");
}

static int zmq_fail(struct cjd_error *err, const char *what)
{
	int e = zmq_errno();
	return cjd_error_set(err, e ? -e : -EIO, NULL, 0, 0, "%s: %s", what, zmq_strerror(e));
}

/* The SUB socket: options, CURVE, monitor, subscriptions, connections. Returns 0 or -errno (err). */
static int open_socket(struct cjd_subscriber *s, struct cjd_error *err)
{
	int hwm = 100000, ivl_max = 2000, rc;

	if (!(s->zctx = zmq_ctx_new()))
		return zmq_fail(err, "zmq_ctx_new");
	if (!(s->zsock = zmq_socket(s->zctx, ZMQ_SUB)))
		return zmq_fail(err, "zmq_socket");
	zmq_setsockopt(s->zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	/* back off to 2 s between attempts while a publisher is down */
	zmq_setsockopt(s->zsock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max));
	if (s->cfg.curve_server_key && (rc = set_curve(s, err)))
		return rc;
	/* before connecting, so the first connection is reported too */
	if ((rc = cjd_conn_monitor_new(&s->mon, s->zctx, s->zsock)))
		cjd_warn("sub: connections will not be reported (socket monitor: %s)",
			 zmq_strerror(-rc));
	for (size_t i = 0; i < s->cfg.n_topics; i++)
		zmq_setsockopt(s->zsock, ZMQ_SUBSCRIBE, s->cfg.topics[i], strlen(s->cfg.topics[i]));
	for (size_t i = 0; i < s->cfg.n_endpoints; i++)
		if (zmq_connect(s->zsock, s->cfg.endpoints[i]) != 0)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0, "cannot connect to '%s': %s",
					     s->cfg.endpoints[i], zmq_strerror(zmq_errno()));
	say_subscribed(s);
	return 0;
}

/* The configuration's own consistency, before anything is opened. */
static int check_config(const struct cjd_subscriber_config *cfg, struct cjd_error *err)
{
	if (!cfg->curve_server_key != !cfg->curve_secret)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "the publisher's key and this subscriber's keypair go together");
	if (!cfg->n_endpoints && !cfg->since)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "nothing to subscribe to: no endpoint, and no journal to read");
	return 0;
}

int cjd_subscriber_new(struct cjd_subscriber **out, const struct cjd_subscriber_config *cfg,
		       struct cjd_error *err)
{
	struct cjd_subscriber *s;
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	if ((rc = check_config(cfg, err)))
		return rc;
	if (!(s = calloc(1, sizeof(*s))))
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	s->cfg = *cfg;
	if (!s->cfg.n_topics) {
		s->default_topic[0] = "alert";
		s->cfg.topics = s->default_topic;
		s->cfg.n_topics = 1;
	}
	if (!s->cfg.journal)
		s->cfg.journal = CJD_JOURNAL_DEFAULT_PATH;
	rc = -ENOMEM;
	if (!(s->last_seq = cjd_strmap_new()) ||
	    (cfg->since && cfg->n_endpoints && !(s->seen_ids = cjd_strmap_new()))) {
		cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	if ((rc = start_outputs(s, err)))
		goto out_free;
	if (cfg->n_endpoints && (rc = open_socket(s, err)))
		goto out_free;
	*out = s;
	return 0;
out_free:
	cjd_subscriber_free(s);
	return rc;
}

void cjd_subscriber_stats(const struct cjd_subscriber *s, struct cjd_subscriber_stats *st)
{
	*st = s->st;
}

void cjd_subscriber_free(struct cjd_subscriber *s)
{
	if (!s)
		return;
	stop_outputs(s, NULL);
	cjd_loop_free(s->loop);
	cjd_conn_monitor_free(s->mon);
	if (s->zsock) {
		int zero = 0;
		zmq_setsockopt(s->zsock, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(s->zsock);
	}
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	cjd_strmap_free(s->seen_ids);
	cjd_strmap_free(s->last_seq);
	free(s);
}
