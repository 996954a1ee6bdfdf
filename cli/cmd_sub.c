/* `cjd sub`: options, output and exit status of the reference subscriber and SIEM bridge (publish/subscriber.c). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_format.h"
#include "cjd/publish/journal.h"
#include "cjd/publish/publish_zmq.h"
#include "cjd/publish/subscriber.h"
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
	"                        alert.gone, alert.frozen, alert.throttled, the\n"
	"                        aggregate ones (alert.aggregate_firing, _ongoing,\n"
	"                        _resolved, _gone: a group of cgroups), metrics and\n"
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

/* How messages are shown when they are not forwarded. */
struct out {
	enum cjd_sub_format format;
	bool use_syslog;
};

/* The sink: prints one message (json exactly as published) on stdout, or sends it to syslog(3). */
static int print_message(const char *topic, const char *json, size_t len, json_t *doc, void *ctx)
{
	const struct out *o = ctx;
	char *text = NULL;
	int rc = 0, sev;

	if (o->use_syslog) {
		rc = cjd_format_syslog_body(topic, doc, &text, &sev);
		if (!rc)
			syslog(sev, "%s", text);
	} else if (o->format == CJD_FMT_JSON) {
		if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF)
			rc = -EIO;
	} else {
		rc = cjd_format_message(o->format, topic, doc, &text);
		if (!rc && (fputs(text, stdout) == EOF || putchar('\n') == EOF))
			rc = -EIO;
	}
	free(text);
	if (!o->use_syslog && fflush(stdout) != 0)
		rc = -EIO;
	return rc;
}

/* Everything the command line says. */
struct sub_args {
	struct cjd_subscriber_config cfg;
	struct out out;
	const char *topics[MAX_TOPICS];
	const char *since_arg;
	struct cjd_since since;
	const char *http_format, *syslog_format;
	struct cjd_output_http_config http;
	struct cjd_output_syslog_config syslog;
	bool syslog_tls;
};

/* Parses the options into a. Returns 0, SUB_HELP when --help was printed, or CJD_EXIT_USAGE. */
#define SUB_HELP (-1)
static int sub_parse(struct sub_args *a, int argc, char **argv)
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
	struct cjd_subscriber_config *cfg = &a->cfg;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOPIC:
			if (cfg->n_topics == MAX_TOPICS)
				return cjd_cli_usage_error("sub", "at most %d --topic options",
							   MAX_TOPICS);
			a->topics[cfg->n_topics++] = optarg;
			break;
		case OPT_FORMAT:
			if (cjd_sub_format_parse(optarg, &a->out.format))
				return cjd_cli_usage_error(
					"sub",
					"--format: '%s' is not json, ecs, cef, leef, syslog, text, "
					"falcosidekick or splunk-hec",
					optarg);
			break;
		case OPT_SYSLOG: a->out.use_syslog = true; break;
		case OPT_SERVER_KEY: cfg->curve_server_key = optarg; break;
		case OPT_SECRET: cfg->curve_secret = optarg; break;
		case OPT_SINCE: a->since_arg = optarg; break;
		case 'q': cfg->quiet = true; break;
		case OPT_JOURNAL: cfg->journal = optarg; break;
		case OPT_COUNT:
			if (cjd_parse_u64(optarg, &cfg->count) || cfg->count == 0)
				return cjd_cli_usage_error("sub", "--count: '%s' is not a positive number",
							   optarg);
			break;
		case OPT_HTTP: a->http.url = optarg; break;
		case OPT_HTTP_FORMAT: a->http_format = optarg; break;
		case OPT_HTTP_TOKEN: a->http.token_file = optarg; break;
		case OPT_SYSLOG_REMOTE: a->syslog.remote = optarg; break;
		case OPT_SYSLOG_TLS: a->syslog.tls = true; break;
		case OPT_SYSLOG_FORMAT: a->syslog_format = optarg; break;
		case OPT_CA_FILE: a->http.ca_file = a->syslog.ca_file = optarg; break;
		case 'h': fputs(sub_usage, stdout); return SUB_HELP;
		default: return cjd_cli_bad_option("sub", argv, "hq");
		}
	}
	return 0;
}

/* The forwarding options: each needs its destination, and their formats must be known. */
static int sub_check_bridge(struct sub_args *a)
{
	const char *ca = a->http.ca_file, *url = a->http.url;

	if (!url && (a->http_format || a->http.token_file))
		return cjd_cli_usage_error("sub", "--http-format and --http-token-file need --http URL");
	if (!a->syslog.remote && (a->syslog.tls || a->syslog_format))
		return cjd_cli_usage_error("sub", "--syslog-tls and --syslog-format need --syslog-remote");
	if (ca && !a->syslog.tls && !(url && !strncasecmp(url, "https:", 6)))
		return cjd_cli_usage_error("sub", "--ca-file needs an https:// --http URL or --syslog-tls");
	if (a->http_format && cjd_http_format_parse(a->http_format, &a->http.format))
		return cjd_cli_usage_error("sub", "--http-format: '%s' is not ecs, falcosidekick or "
						  "splunk-hec",
					   a->http_format);
	if (a->syslog_format && cjd_syslog_msg_format_parse(a->syslog_format, &a->syslog.format))
		return cjd_cli_usage_error("sub", "--syslog-format: '%s' is not rfc5424, cef, leef or "
						  "json",
					   a->syslog_format);
	a->cfg.http = url ? &a->http : NULL;
	a->cfg.syslog_remote = a->syslog.remote ? &a->syslog : NULL;
	return 0;
}

/* Checks what the options say together and fills a->cfg. Returns 0 or CJD_EXIT_USAGE. */
static int sub_check(struct sub_args *a, int argc, char **argv)
{
	static const char *const default_ep[] = {CJD_PUBLISH_DEFAULT_TCP};
	char why[300];
	int rc;

	if (!a->cfg.curve_server_key != !a->cfg.curve_secret)
		return cjd_cli_usage_error("sub", "--curve-server-key and --curve-secret go together");
	if ((rc = sub_check_bridge(a)))
		return rc;
	if (a->since_arg) {
		if (cjd_since_parse(a->since_arg, cjd_now_real_ns(), &a->since, why, sizeof(why)))
			return cjd_cli_usage_error("sub", "--since: %s", why);
		a->cfg.since = &a->since;
		if (a->since.kind == CJD_SINCE_TIME && a->since.real_ns > cjd_now_real_ns())
			cjd_warn("sub: --since %s is in the future: no journaled alert is that new",
				 a->since_arg);
	}
	a->cfg.topics = a->topics;
	a->cfg.endpoints = (const char *const *)argv + optind;
	a->cfg.n_endpoints = (size_t)(argc - optind);
	if (!a->cfg.n_endpoints && !a->cfg.since) {
		a->cfg.endpoints = default_ep;
		a->cfg.n_endpoints = 1;
	}
	/* forwarded messages are not printed */
	if (!a->cfg.http && !a->cfg.syslog_remote) {
		a->cfg.sink = print_message;
		a->cfg.sink_ctx = &a->out;
	}
	return 0;
}

/* Says what was skipped, and what to do about a journal that is not there. */
static void sub_epilogue(const struct cjd_subscriber *s, int rc)
{
	struct cjd_subscriber_stats st;

	if (rc == -ENOENT)
		cjd_err("sub: give the agent's journal with --journal FILE (cjd run --journal, or "
			"journal.path in its configuration)");
	if (!s)
		return;
	cjd_subscriber_stats(s, &st);
	if (st.malformed)
		cjd_warn("sub: %" PRIu64 " malformed message%s skipped", st.malformed,
			 st.malformed == 1 ? "" : "s");
}

int cmd_sub(int argc, char **argv)
{
	struct sub_args a = {.out.format = CJD_FMT_JSON};
	struct cjd_subscriber *s = NULL;
	struct cjd_error err;
	int rc;

	if ((rc = sub_parse(&a, argc, argv)))
		return rc == SUB_HELP ? CJD_EXIT_OK : rc;
	if ((rc = sub_check(&a, argc, argv)))
		return rc;
	if (a.out.use_syslog)
		openlog("cjd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	int erc = cjd_subscriber_new(&s, &a.cfg, &err);
	if (!erc)
		erc = cjd_subscriber_run(s, &err);
	rc = cjd_cli_report("sub", erc, &err); /* the error first, then what follows from it */
	sub_epilogue(s, erc);
	cjd_subscriber_free(s);
	if (a.out.use_syslog)
		closelog();
	return rc;
}
