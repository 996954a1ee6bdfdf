/* `cjd sub`: the reference subscriber and SIEM bridge; prints, syslogs, forwards over HTTP or remote syslog, catches up. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <syslog.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/common/loop.h"
#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "cjd/publish/alert_format.h"
#include "cjd/common/time.h"
#include "cjd/publish/conn_monitor.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/journal.h"
#include "cjd/publish/journal_read.h"
#include "cjd/publish/output_http.h"
#include "cjd/publish/output_syslog.h"
#include "cjd/publish/publish_zmq.h"
#include "cli.h"

static const char sub_usage[] =
	"Usage: cjd sub [ENDPOINT...] [--topic PREFIX]... [--format FORMAT]\n"
	"               [--syslog] [--http URL [--http-format F] [--http-token-file FILE]]\n"
	"               [--syslog-remote HOST:PORT [--syslog-tls] [--syslog-format F]]\n"
	"               [--ca-file FILE] [--curve-server-key FILE --curve-secret FILE]\n"
	"               [--since all|EVENT_ID|DURATION|TIME [--journal FILE]]\n"
	"               [--count N] [-q]\n"
	"\n"
	"Subscribe to a cjd publisher (or a `cjd relay`) and print one line per\n"
	"message on stdout, or forward it: to syslog(3), to an HTTP receiver, or to\n"
	"a remote syslog receiver over TCP or TLS. ENDPOINT defaults to\n"
	"" CJD_PUBLISH_DEFAULT_TCP "; several may be given. When a publisher restarts, cjd sub\n"
	"reconnects on its own.\n"
	"\n"
	"stdout carries only messages. On stderr cjd sub says what it subscribed to\n"
	"(endpoints, topics, CURVE or not), what it caught up from the journal, that it\n"
	"is waiting, and when a connection is made, lost or refused (-q: only warnings\n"
	"and errors).\n"
	"\n"
	"Options:\n"
	"  --topic PREFIX        receive topics starting with PREFIX (repeatable). Topics\n"
	"                        are alert.firing, alert.ongoing, alert.resolved,\n"
	"                        alert.gone, alert.frozen, alert.throttled, metrics and\n"
	"                        heartbeat. Default: alert. Use --topic '' for all.\n"
	"  --format FORMAT       json: the published JSON, unchanged (default)\n"
	"                        ecs: the same document with dotted keys, flat\n"
	"                        cef: ArcSight CEF\n"
	"                        leef: IBM QRadar LEEF 2.0 (tab-separated attributes)\n"
	"                        falcosidekick, splunk-hec: the bodies --http POSTs\n"
	"                        syslog: RFC 5424 lines with [" CJD_SYSLOG_SD_ID " ...] data\n"
	"                        text: one line for a person: time, host, what happened,\n"
	"                        the container by name (\"container web-1 (image\n"
	"                        nginx:1.25, pod default/web-1)\"), score, event id\n"
	"  --syslog              send each message through syslog(3) (facility daemon)\n"
	"                        as RFC 5424 structured data plus a summary, instead of\n"
	"                        printing it; rsyslog or syslog-ng ship it to any SIEM\n"
	"  --http URL            POST each message to URL instead of printing it, as\n"
	"                        the agent's outputs.http does: in order, retried with\n"
	"                        back-off until the receiver takes it (2xx) or refuses it\n"
	"                        for good (4xx); each POST carries the event id in\n"
	"                        " CJD_HTTP_EVENT_ID_HEADER ". With --since it re-sends journaled alerts\n"
	"  --http-format F       ecs (default), falcosidekick or splunk-hec\n"
	"  --http-token-file FILE  first line: the token (Authorization: Splunk TOKEN\n"
	"                        for splunk-hec, else Bearer TOKEN); never on the command line\n"
	"  --syslog-remote HOST:PORT  send each message as RFC 5424 over TCP with octet\n"
	"                        counting (RFC 6587) instead of printing it; reconnects\n"
	"  --syslog-tls          over TLS (RFC 5425; port 6514 when HOST has none)\n"
	"  --syslog-format F     MSG: rfc5424 (structured data, default), cef, leef or json\n"
	"  --ca-file FILE        CA certificates (PEM) that verify an https:// or TLS\n"
	"                        receiver (default: the system's); verification is always on\n"
	"  --curve-server-key FILE   the publisher's public key (its .pub file)\n"
	"  --curve-secret FILE   this subscriber's keypair (a .key file from cjd keygen);\n"
	"                        its .pub must be in the publisher's --curve-clients DIR\n"
	"  --since WHEN          first print journaled alerts (rotated files included,\n"
	"                        oldest first), then, with ENDPOINT, continue live\n"
	"                        (subscribed before reading, so nothing is missed, and\n"
	"                        nothing is printed twice); without ENDPOINT, exit after\n"
	"                        the journal. WHEN is one of:\n"
	"                          all          every journaled alert\n"
	"                          EVENT_ID     the alerts after that one (its event.id)\n"
	"                          DURATION     the last 90s, 30m, 1h, 2d (@timestamp at or\n"
	"                                       after now minus DURATION)\n"
	"                          TIME         from an RFC 3339 time on: 2026-12-03T10:00:00Z,\n"
	"                                       2026-12-03T11:00:00.5+01:00, or a date\n"
	"                                       (2026-12-03: from its midnight UTC)\n"
	"  --journal FILE        the journal to read (default " CJD_JOURNAL_DEFAULT_PATH ")\n"
	"  --count N             exit after N messages\n"
	"  -q, --quiet           no informational lines on stderr (warnings and errors stay)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Gaps in a publisher's cjd.seq (messages this subscriber missed because it was\n"
	"too slow or disconnected) are reported on stderr; alerts missed that way can be\n"
	"fetched with --since. A forwarding cjd sub waits for its queue (1000 messages) to\n"
	"have room rather than drop, and on exit keeps delivering for up to 10 s; then it\n"
	"reports what was sent. Exit status: 0 ok, 1 runtime failure (a message not\n"
	"delivered included), 2 usage error.\n"
	"See docs/alerts.md for the message schemas.\n"
	"\n"
	"Examples:\n"
	"  cjd sub                                  # alerts from this host's agent\n"
	"  cjd sub --since 1h tcp://127.0.0.1:5556  # the last hour from the journal, then live\n"
	"  cjd sub --since all --format cef         # every journaled alert as CEF, then exit\n"
	"  cjd sub --topic '' --count 1             # the next message of any kind\n"
	"  cjd sub --since all --http https://hec.example:8088/services/collector/event \\\n"
	"          --http-format splunk-hec --http-token-file /etc/cjd/hec.token\n"
	"                                           # backfill Splunk from the journal, then live\n"
	"  cjd sub --syslog-remote qradar.example --syslog-tls --syslog-format leef\n";

#define MAX_TOPICS 16

struct sub {
	const char *topics[MAX_TOPICS];
	size_t n_topics;
	enum cjd_sub_format format;
	bool use_syslog;
	uint64_t count;   /* 0: unlimited */
	uint64_t printed;
	uint64_t malformed;
	struct cjd_strmap *seen_ids; /* ids printed from the journal, while live continues */
	struct cjd_strmap *last_seq; /* "host\x1fclass" -> last cjd.seq */
	void *zsock;
	struct cjd_loop *loop;
	struct cjd_conn_monitor *mon;
	bool quiet;
	bool curve;
	bool failed;
	bool interrupted; /* a stop signal came while waiting for an output */
	struct cjd_output *outputs[2]; /* --http, --syslog-remote */
	size_t n_outputs;
};

/* Informational lines on stderr (stdout is for messages only). */
#define say(s, ...)                                                                                \
	do {                                                                                       \
		if (!(s)->quiet)                                                                   \
			cjd_info(__VA_ARGS__);                                                     \
	} while (0)

static bool topic_wanted(const struct sub *s, const char *topic)
{
	for (size_t i = 0; i < s->n_topics; i++)
		if (strncmp(topic, s->topics[i], strlen(s->topics[i])) == 0)
			return true;
	return false;
}

/* Reports messages this subscriber missed, from gaps in the per-class cjd.seq. */
static void check_seq(struct sub *s, const char *topic, json_t *doc)
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
	if (*last && v <= *last)
		cjd_info("sub: publisher on %s restarted (%.*s sequence began again at %" PRIu64 ")",
			 host, (int)cls, topic, v);
	else if (*last && v > *last + 1)
		cjd_warn("sub: missed %" PRIu64 " %.*s message%s from %s (seq %" PRIu64 "..%" PRIu64
			 ")%s",
			 v - *last - 1, (int)cls, topic, v - *last - 1 == 1 ? "" : "s", host,
			 *last + 1, v - 1,
			 strncmp(topic, "alert", 5) == 0 ? "; catch up with --since and the journal"
							 : "");
	*last = v;
}

/* True when SIGINT or SIGTERM is waiting (blocked for the loop's signalfd, so it stays pending). */
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
static int forward(struct sub *s, struct cjd_output *o, const char *topic, const char *json,
		   size_t len)
{
	while (cjd_output_room(o) == 0) {
		if (stop_pending()) {
			s->interrupted = true;
			return -EINTR;
		}
		usleep(20000);
	}
	return cjd_output_submit(o, topic, json, len);
}

/* Prints or forwards one message; json is the body exactly as published. */
static int emit(struct sub *s, const char *topic, const char *json, size_t len, json_t *doc)
{
	char *text = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n_outputs && !rc; i++)
		rc = forward(s, s->outputs[i], topic, json, len);
	if (rc == -EINTR)
		return rc;
	if (s->n_outputs) {
		/* forwarded: nothing to print */
	} else if (s->use_syslog) {
		int sev;
		rc = cjd_format_syslog_body(topic, doc, &text, &sev);
		if (!rc)
			syslog(sev, "%s", text);
	} else if (s->format == CJD_FMT_JSON) {
		if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
			rc = -EIO;
	} else {
		rc = cjd_format_message(s->format, topic, doc, &text);
		if (!rc && (fputs(text, stdout) == EOF || putchar('\n') == EOF))
			rc = -EIO;
	}
	free(text);
	if (!s->use_syslog && !s->n_outputs && fflush(stdout) != 0)
		rc = -EIO;
	if (rc) {
		cjd_err("sub: cannot write a message: %s", strerror(-rc));
		s->failed = true;
		return rc;
	}
	s->printed++;
	return 0;
}

static bool done(const struct sub *s)
{
	return s->failed || s->interrupted || (s->count && s->printed >= s->count);
}

/* ---- journal catch-up ---- */

static int journal_line(const char *file, uint64_t line, const char *json, size_t len,
			const char *id, void *ctx)
{
	struct sub *s = ctx;
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
		if (s->seen_ids)
			cjd_strmap_upsert(s->seen_ids, id, &v);
		emit(s, topic, json, len, doc);
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

static int catch_up(struct sub *s, const char *journal, const struct cjd_since *since,
		    bool then_live)
{
	struct cjd_error err;
	bool found = false;
	char msg[700], what[128];
	uint64_t before = s->printed;
	int rc;

	say(s, "sub: reading %s from the journal %s", since_text(since, what, sizeof(what)),
	    journal);
	rc = cjd_journal_after(journal, since, journal_line, s, &found, &err);
	if (rc < 0) {
		cjd_err("sub: %s", cjd_error_format(&err, msg, sizeof(msg)));
		if (rc == -ENOENT)
			cjd_err("sub: give the agent's journal with --journal FILE (cjd run "
				"--journal, or journal.path in its configuration)");
		return rc;
	}
	if (!found)
		cjd_warn("sub: event id %s is not in %s (rotated away, or another host's); printed "
			 "every journaled alert with a later id",
			 since->id, journal);
	uint64_t n = s->printed - before;
	say(s, "sub: %" PRIu64 " journaled alert%s %s%s", n, n == 1 ? "" : "s",
	    s->n_outputs ? "forwarded" : "printed", then_live && !done(s) ? "; now live" : "");
	return 0;
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

/* One multipart message: [topic, json]; anything else is reported and skipped. */
static int handle_one(struct sub *s)
{
	char *topic = NULL, *body = NULL, *extra;
	size_t tlen, blen, xlen;
	bool more = false;
	json_error_t jerr;
	int rc;

	rc = recv_frame(s->zsock, &topic, &tlen, &more);
	if (rc)
		return rc;
	if (more)
		rc = recv_frame(s->zsock, &body, &blen, &more);
	while (!rc && more) {
		/* never leave the rest of a message behind */
		if (recv_frame(s->zsock, &extra, &xlen, &more) == 0)
			free(extra);
		else
			break;
	}
	if (rc || !body) {
		s->malformed++;
		cjd_warn("sub: skipped a message on topic '%s' without a body", topic);
		goto out;
	}
	json_t *doc = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		s->malformed++;
		cjd_warn("sub: skipped a message on topic '%s': not a JSON object (column %d: %s)",
			 topic, jerr.column, doc ? "wrong type" : jerr.text);
		json_decref(doc);
		goto out;
	}
	check_seq(s, topic, doc);
	const char *id = json_string_value(json_object_get(json_object_get(doc, "event"), "id"));
	if (!(s->seen_ids && id && cjd_strmap_get(s->seen_ids, id)))
		emit(s, topic, body, blen, doc);
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
	struct sub *s = ctx;

	(void)fd, (void)events;
	if (s->mon)
		on_monitor(loop, 0, 0, s); /* "connected" before the first message it brought */
	for (;;) {
		int zev = 0;
		size_t zlen = sizeof(zev);
		if (done(s))
			break;
		if (zmq_getsockopt(s->zsock, ZMQ_EVENTS, &zev, &zlen) != 0) {
			cjd_err("sub: ZMQ_EVENTS: %s", zmq_strerror(zmq_errno()));
			s->failed = true;
			break;
		}
		if (!(zev & ZMQ_POLLIN))
			break;
		int rc = handle_one(s);
		if (rc && rc != -EAGAIN) {
			cjd_err("sub: receive: %s", zmq_strerror(-rc));
			s->failed = true;
			break;
		}
	}
	if (done(s))
		cjd_loop_stop(loop);
}

/* What libzmq's monitor tells about connections, as lines a user can act on. */
static void on_monitor(struct cjd_loop *loop, int fd, uint32_t events, void *ctx)
{
	struct sub *s = ctx;
	struct cjd_conn_change c;
	int rc;

	(void)loop, (void)fd, (void)events;
	while ((rc = cjd_conn_monitor_next(s->mon, &c)) == 0) {
		switch (c.event) {
		case CJD_CONN_UP:
			say(s, "sub: connected to %s%s", c.endpoint,
			    s->curve ? " (CURVE: encrypted, and this subscriber's key was accepted)"
				     : "");
			break;
		case CJD_CONN_DOWN:
			cjd_warn("sub: lost the connection to %s; reconnecting (messages published "
				 "meanwhile are missed: catch up with --since)",
				 c.endpoint);
			break;
		case CJD_CONN_RETRYING:
			say(s, "sub: %s is not reachable yet (is cjd run publishing there?); retrying "
			       "every 2 s at most",
			    c.endpoint);
			break;
		case CJD_CONN_AUTH_FAILED:
			cjd_warn("sub: %s refused this subscriber's CURVE key: its .pub must be in the "
				 "publisher's --curve-clients directory",
				 c.endpoint);
			break;
		case CJD_CONN_FAILED:
			cjd_warn("sub: the handshake with %s failed (%s)", c.endpoint,
				 s->curve ? "is the publisher using CURVE with the key given by "
					    "--curve-server-key?"
					  : "does the publisher use CURVE? then give --curve-server-key "
					    "and --curve-secret");
			break;
		}
	}
}

static void on_signal(struct cjd_loop *loop, int signo, void *ctx)
{
	(void)signo, (void)ctx;
	cjd_loop_stop(loop);
}

static int setup_curve(void *sock, const char *server_key, const char *secret)
{
	struct cjd_curve_keypair srv, me;
	struct cjd_error err;
	char msg[700];
	int rc = 0;

	if (cjd_curve_read(server_key, false, false, &srv, &err) ||
	    cjd_curve_read(secret, true, false, &me, &err)) {
		cjd_err("sub: %s", cjd_error_format(&err, msg, sizeof(msg)));
		return -EINVAL;
	}
	if (srv.secret_z85[0])
		cjd_warn("sub: %s holds a secret key; a subscriber needs only the publisher's .pub",
			 server_key);
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, srv.public_z85, CJD_CURVE_Z85_LEN) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, me.public_z85, CJD_CURVE_Z85_LEN) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, me.secret_z85, CJD_CURVE_Z85_LEN)) {
		cjd_err("sub: CURVE setup: %s", zmq_strerror(zmq_errno()));
		rc = -EINVAL;
	}
	explicit_bzero(&me, sizeof(me));
	explicit_bzero(&srv, sizeof(srv));
	return rc;
}

/* "alert", "alert.firing, metrics", "every topic" */
static const char *topics_text(const struct sub *s, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_topics && pos < len; i++) {
		if (!s->topics[i][0]) {
			snprintf(buf, len, "every topic");
			return buf;
		}
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s*", i ? ", " : "", s->topics[i]);
	}
	return buf;
}

static void say_subscribed(const struct sub *s, char **endpoints, size_t n_ep,
			   const char *server_key)
{
	char topics[256], eps[1024];
	size_t pos = 0;

	eps[0] = '\0';
	for (size_t i = 0; i < n_ep && pos < sizeof(eps); i++)
		pos += (size_t)snprintf(eps + pos, sizeof(eps) - pos, "%s%s", i ? ", " : "",
					endpoints[i]);
	say(s, "sub: subscribed to topics %s on %s; %s%s", topics_text(s, topics, sizeof(topics)), eps,
	    server_key ? "CURVE with the publisher key in " : "no CURVE (plain text)",
	    server_key ? server_key : "");
}

static int run_live(struct sub *s, void *zctx, char **endpoints, size_t n_ep,
		    const char *server_key, const char *secret, const char *journal,
		    const struct cjd_since *since)
{
	int rc = CJD_EXIT_FAIL, fd;
	size_t fdlen = sizeof(fd);
	int hwm = 100000, ivl_max = 2000;

	s->zsock = zmq_socket(zctx, ZMQ_SUB);
	if (!s->zsock)
		return cjd_cli_fail("sub", "zmq_socket: %s", zmq_strerror(zmq_errno()));
	zmq_setsockopt(s->zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	/* back off to 2 s between attempts while a publisher is down */
	zmq_setsockopt(s->zsock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max));
	if (server_key && setup_curve(s->zsock, server_key, secret))
		return CJD_EXIT_USAGE;
	s->curve = server_key != NULL;
	/* before connecting, so the first connection is reported too */
	int mrc = cjd_conn_monitor_new(&s->mon, zctx, s->zsock);
	if (mrc)
		cjd_warn("sub: connections will not be reported (socket monitor: %s)",
			 zmq_strerror(-mrc));
	for (size_t i = 0; i < s->n_topics; i++)
		zmq_setsockopt(s->zsock, ZMQ_SUBSCRIBE, s->topics[i], strlen(s->topics[i]));
	for (size_t i = 0; i < n_ep; i++)
		if (zmq_connect(s->zsock, endpoints[i]) != 0)
			return cjd_cli_usage_error("sub", "cannot connect to '%s': %s", endpoints[i],
						   zmq_strerror(zmq_errno()));
	say_subscribed(s, endpoints, n_ep, server_key);
	/* subscribed before reading the journal: an alert published meanwhile is
	 * either in the journal part or arrives live (printed once, see seen_ids) */
	if (since && catch_up(s, journal, since, true) < 0)
		return CJD_EXIT_FAIL;
	if (done(s))
		return s->failed ? CJD_EXIT_FAIL : CJD_EXIT_OK;
	if (zmq_getsockopt(s->zsock, ZMQ_FD, &fd, &fdlen) != 0)
		return cjd_cli_fail("sub", "ZMQ_FD: %s", zmq_strerror(zmq_errno()));
	if (cjd_loop_new(&s->loop) < 0)
		return cjd_cli_fail("sub", "cannot create the event loop");
	if (cjd_loop_add_signal(s->loop, SIGINT, on_signal, s) < 0 ||
	    cjd_loop_add_signal(s->loop, SIGTERM, on_signal, s) < 0 ||
	    cjd_loop_add_fd(s->loop, fd, EPOLLIN, on_zmq, s) < 0 ||
	    (s->mon && cjd_loop_add_fd(s->loop, cjd_conn_monitor_fd(s->mon), EPOLLIN, on_monitor,
				       s) < 0)) {
		rc = cjd_cli_fail("sub", "cannot watch the socket or signals");
		goto out_loop;
	}
	say(s, "sub: waiting for messages%s (Ctrl-C stops)",
	    s->count	     ? ""
	    : s->n_outputs ? ", forwarding each as it arrives"
			     : ", printing each on stdout as it arrives");
	if (s->mon)
		on_monitor(s->loop, 0, 0, s); /* what happened before the watch began */
	on_zmq(s->loop, fd, 0, s); /* messages that arrived before the watch began */
	if (!done(s) && cjd_loop_run(s->loop) < 0) {
		rc = cjd_cli_fail("sub", "event loop failed");
		goto out_loop;
	}
	rc = s->failed ? CJD_EXIT_FAIL : CJD_EXIT_OK;
out_loop:
	cjd_loop_free(s->loop);
	return rc;
}

/* The forwarding destinations given on the command line. */
struct bridge {
	const char *http_url, *http_format, *token_file;
	const char *syslog_remote, *syslog_format;
	bool syslog_tls;
	const char *ca_file;
};

/* Starts the outputs of --http and --syslog-remote. Returns 0 or an exit status. */
static int start_bridge(struct sub *s, const struct bridge *b)
{
	static const char *const all[] = {""}; /* --topic already chose what arrives */
	const struct cjd_output_options q = {.queue = CJD_OUTPUT_DEFAULT_QUEUE,
					     .drain_ns = 10 * CJD_NSEC_PER_SEC,
					     .topics = all,
					     .n_topics = 1};
	struct cjd_error err;
	char msg[700];

	if (b->http_url) {
		struct cjd_output_http_config hc = {.url = b->http_url,
						    .token_file = b->token_file,
						    .ca_file = b->ca_file,
						    .queue = q};
		if (b->http_format && cjd_http_format_parse(b->http_format, &hc.format))
			return cjd_cli_usage_error("sub", "--http-format: '%s' is not ecs, "
							  "falcosidekick or splunk-hec",
						   b->http_format);
		if (cjd_output_http_new(&s->outputs[s->n_outputs], &hc, &err))
			return cjd_cli_usage_error("sub", "--http: %s",
						   cjd_error_format(&err, msg, sizeof(msg)));
		s->n_outputs++;
	}
	if (b->syslog_remote) {
		struct cjd_output_syslog_config sc = {.remote = b->syslog_remote,
						      .tls = b->syslog_tls,
						      .ca_file = b->ca_file,
						      .queue = q};
		if (b->syslog_format && cjd_syslog_msg_format_parse(b->syslog_format, &sc.format))
			return cjd_cli_usage_error("sub", "--syslog-format: '%s' is not rfc5424, cef, "
							  "leef or json",
						   b->syslog_format);
		if (cjd_output_syslog_new(&s->outputs[s->n_outputs], &sc, &err))
			return cjd_cli_usage_error("sub", "--syslog-remote: %s",
						   cjd_error_format(&err, msg, sizeof(msg)));
		s->n_outputs++;
	}
	return 0;
}

/* Drains and stops the outputs; says what each delivered. Returns true when all went out. */
static bool stop_bridge(struct sub *s)
{
	bool ok = true;

	for (size_t i = 0; i < s->n_outputs; i++) {
		struct cjd_output_stats st;
		cjd_output_stop(s->outputs[i]);
		cjd_output_stats(s->outputs[i], &st);
		uint64_t lost = st.rejected + st.abandoned + st.dropped;
		if (lost) {
			ok = false;
			cjd_err("sub: %s: %" PRIu64 " sent, %" PRIu64 " refused by the receiver, %" PRIu64
				" not delivered (last error: %s)",
				cjd_output_name(s->outputs[i]), st.sent, st.rejected,
				st.abandoned + st.dropped, st.last_error);
		} else {
			say(s, "sub: %s: %" PRIu64 " message%s sent", cjd_output_name(s->outputs[i]),
			    st.sent, st.sent == 1 ? "" : "s");
		}
		cjd_output_free(s->outputs[i]);
	}
	s->n_outputs = 0;
	return ok;
}

int cmd_sub(int argc, char **argv)
{
	enum { OPT_TOPIC = 256, OPT_FORMAT, OPT_SYSLOG, OPT_SERVER_KEY, OPT_SECRET, OPT_SINCE,
	       OPT_JOURNAL, OPT_COUNT, OPT_HTTP, OPT_HTTP_FORMAT, OPT_HTTP_TOKEN, OPT_SYSLOG_REMOTE,
	       OPT_SYSLOG_TLS, OPT_SYSLOG_FORMAT, OPT_CA_FILE };
	static const struct option opts[] = {
		{"topic", required_argument, NULL, OPT_TOPIC},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"syslog", no_argument, NULL, OPT_SYSLOG},
		{"curve-server-key", required_argument, NULL, OPT_SERVER_KEY},
		{"curve-secret", required_argument, NULL, OPT_SECRET},
		{"since", required_argument, NULL, OPT_SINCE},
		{"journal", required_argument, NULL, OPT_JOURNAL},
		{"count", required_argument, NULL, OPT_COUNT},
		{"http", required_argument, NULL, OPT_HTTP},
		{"http-format", required_argument, NULL, OPT_HTTP_FORMAT},
		{"http-token-file", required_argument, NULL, OPT_HTTP_TOKEN},
		{"syslog-remote", required_argument, NULL, OPT_SYSLOG_REMOTE},
		{"syslog-tls", no_argument, NULL, OPT_SYSLOG_TLS},
		{"syslog-format", required_argument, NULL, OPT_SYSLOG_FORMAT},
		{"ca-file", required_argument, NULL, OPT_CA_FILE},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct sub s = {.format = CJD_FMT_JSON};
	const char *server_key = NULL, *secret = NULL, *since_arg = NULL;
	struct cjd_since since_buf, *since = NULL;
	char why[300];
	const char *journal = CJD_JOURNAL_DEFAULT_PATH;
	char *default_ep[] = {CJD_PUBLISH_DEFAULT_TCP};
	struct bridge br = {0};
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOPIC:
			if (s.n_topics == MAX_TOPICS)
				return cjd_cli_usage_error("sub", "at most %d --topic options",
							   MAX_TOPICS);
			s.topics[s.n_topics++] = optarg;
			break;
		case OPT_FORMAT:
			if (cjd_sub_format_parse(optarg, &s.format))
				return cjd_cli_usage_error(
					"sub",
					"--format: '%s' is not json, ecs, cef, leef, syslog, text, "
					"falcosidekick or splunk-hec",
					optarg);
			break;
		case OPT_SYSLOG: s.use_syslog = true; break;
		case OPT_SERVER_KEY: server_key = optarg; break;
		case OPT_SECRET: secret = optarg; break;
		case OPT_SINCE: since_arg = optarg; break;
		case 'q': s.quiet = true; break;
		case OPT_JOURNAL: journal = optarg; break;
		case OPT_COUNT:
			if (cjd_parse_u64(optarg, &s.count) || s.count == 0)
				return cjd_cli_usage_error("sub", "--count: '%s' is not a positive number",
							   optarg);
			break;
		case OPT_HTTP: br.http_url = optarg; break;
		case OPT_HTTP_FORMAT: br.http_format = optarg; break;
		case OPT_HTTP_TOKEN: br.token_file = optarg; break;
		case OPT_SYSLOG_REMOTE: br.syslog_remote = optarg; break;
		case OPT_SYSLOG_TLS: br.syslog_tls = true; break;
		case OPT_SYSLOG_FORMAT: br.syslog_format = optarg; break;
		case OPT_CA_FILE: br.ca_file = optarg; break;
		case 'h': fputs(sub_usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("sub", argv, "hq");
		}
	}
	if (!server_key != !secret)
		return cjd_cli_usage_error("sub", "--curve-server-key and --curve-secret go together");
	if (!br.http_url && (br.http_format || br.token_file))
		return cjd_cli_usage_error("sub", "--http-format and --http-token-file need --http URL");
	if (!br.syslog_remote && (br.syslog_tls || br.syslog_format))
		return cjd_cli_usage_error("sub", "--syslog-tls and --syslog-format need --syslog-remote");
	if (br.ca_file && !br.syslog_tls && !(br.http_url && !strncasecmp(br.http_url, "https:", 6)))
		return cjd_cli_usage_error("sub", "--ca-file needs an https:// --http URL or --syslog-tls");
	if (since_arg) {
		if (cjd_since_parse(since_arg, cjd_now_real_ns(), &since_buf, why, sizeof(why)))
			return cjd_cli_usage_error("sub", "--since: %s", why);
		since = &since_buf;
		if (since->kind == CJD_SINCE_TIME && since->real_ns > cjd_now_real_ns())
			cjd_warn("sub: --since %s is in the future: no journaled alert is that new",
				 since_arg);
	}
	if (s.n_topics == 0)
		s.topics[s.n_topics++] = "alert";
	if (br.http_url || br.syslog_remote) {
		/* a stop signal waits (pending) until forward() or the loop sees it, so
		 * what is queued is still delivered */
		sigset_t stop;
		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		sigprocmask(SIG_BLOCK, &stop, NULL);
		if ((rc = start_bridge(&s, &br))) {
			stop_bridge(&s);
			return rc;
		}
	}
	if (s.use_syslog)
		openlog("cjd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	s.last_seq = cjd_strmap_new();
	if (!s.last_seq) {
		stop_bridge(&s);
		return cjd_cli_fail("sub", "out of memory");
	}

	size_t n_ep = (size_t)(argc - optind);
	if (since && n_ep == 0) {
		/* catch-up only: no socket, exit when the journal is printed */
		rc = catch_up(&s, journal, since, false) < 0 || s.failed ? CJD_EXIT_FAIL : CJD_EXIT_OK;
		if (!stop_bridge(&s) && rc == CJD_EXIT_OK)
			rc = CJD_EXIT_FAIL;
		cjd_strmap_free(s.last_seq);
		return rc;
	}
	if (since && !(s.seen_ids = cjd_strmap_new())) {
		stop_bridge(&s);
		cjd_strmap_free(s.last_seq);
		return cjd_cli_fail("sub", "out of memory");
	}
	void *zctx = zmq_ctx_new();
	if (!zctx) {
		rc = cjd_cli_fail("sub", "zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
	} else {
		rc = run_live(&s, zctx, n_ep ? argv + optind : default_ep, n_ep ? n_ep : 1, server_key,
			      secret, journal, since);
		cjd_conn_monitor_free(s.mon);
		if (s.zsock) {
			int zero = 0;
			zmq_setsockopt(s.zsock, ZMQ_LINGER, &zero, sizeof(zero));
			zmq_close(s.zsock);
		}
		zmq_ctx_term(zctx);
	}
	if (!stop_bridge(&s) && rc == CJD_EXIT_OK)
		rc = CJD_EXIT_FAIL;
	if (s.malformed)
		cjd_warn("sub: %" PRIu64 " malformed message%s skipped", s.malformed,
			 s.malformed == 1 ? "" : "s");
	cjd_strmap_free(s.seen_ids);
	cjd_strmap_free(s.last_seq);
	if (s.use_syslog)
		closelog();
	return rc;
}
