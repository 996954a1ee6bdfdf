/* SIEM renderings of received messages: flat ECS JSON, CEF, LEEF and RFC 5424 syslog. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cjd/common/buf.h"
#include "cjd/common/identity.h"
#include "cjd/common/json_dump.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_format.h"
#include "cjd/publish/output_body.h"
#include "publish_internal.h"

int cjd_sub_format_parse(const char *s, enum cjd_sub_format *out)
{
	static const char *const names[] = {"json", "ecs",  "cef",	   "syslog",
					    "text", "leef", "falcosidekick", "splunk-hec"};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum cjd_sub_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

json_t *cjd_json_path(json_t *doc, const char *path)
{
	char key[64];

	while (doc && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		doc = json_object_get(doc, key);
		path += n + (path[n] == '.');
	}
	return doc;
}

static json_t *get(json_t *doc, const char *path)
{
	return cjd_json_path(doc, path);
}

static const char *str(json_t *doc, const char *path)
{
	return json_string_value(get(doc, path));
}

/* ---- ECS with dotted keys ---- */

static int flatten(json_t *flat, const char *prefix, json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		char *name;
		if (asprintf(&name, "%s%s%s", prefix, prefix[0] ? "." : "", k) < 0)
			return -ENOMEM;
		int rc = json_is_object(v) && json_object_size(v) > 0
				 ? flatten(flat, name, v)
				 : json_object_set(flat, name, v);
		free(name);
		if (rc)
			return -ENOMEM;
	}
	return 0;
}

static int format_ecs(json_t *doc, char **out)
{
	json_t *flat = json_object();
	int rc;

	if (!flat)
		return -ENOMEM;
	rc = flatten(flat, "", doc);
	if (!rc) {
		*out = cjd_json_dumps(flat);
		rc = *out ? 0 : -ENOMEM;
	}
	json_decref(flat);
	return rc;
}

/* ---- shared pieces ---- */

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* What a format can do with control characters (and DEL): a message is always one line. */
enum ctl_policy {
	CTL_SPACE,    /* no escape exists (CEF header): a space */
	CTL_CRLF,     /* \n and \r escaped, the rest a space (CEF extension values) */
	CTL_ESCAPE,   /* \n \r \t, others \xHH (syslog, summaries) */
};

/*
 * Writes s with a backslash before every byte of `special`, and control
 * characters handled by `policy`. The one escaper behind every text format here.
 */
static void put_escaped(struct cjd_buf *f, const char *s, const char *special,
			enum ctl_policy policy)
{
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (strchr(special, *c)) {
			cjd_buf_putc(f, '\\');
			cjd_buf_putc(f, *c);
		} else if (!is_ctl(*c)) {
			cjd_buf_putc(f, *c);
		} else if (policy != CTL_SPACE && (*c == '\n' || *c == '\r')) {
			cjd_buf_puts(f, *c == '\n' ? "\\n" : "\\r");
		} else if (policy == CTL_ESCAPE && *c == '\t') {
			cjd_buf_puts(f, "\\t");
		} else if (policy == CTL_ESCAPE) {
			cjd_buf_printf(f, "\\x%02x", *c);
		} else {
			cjd_buf_putc(f, ' ');
		}
	}
}

/* A number as text: integers as they are, reals as the shortest text that reads
 * back to the same double (exactly what the publisher wrote, never noise digits). */
static void put_number(struct cjd_buf *f, json_t *v)
{
	char b[40];

	if (json_is_integer(v))
		cjd_buf_printf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v) && cjd_fmt_double(b, sizeof(b), json_real_value(v)) > 0)
		cjd_buf_puts(f, b);
	else
		cjd_buf_puts(f, "-");
}

static const char *action_title(const char *topic)
{
	static const struct {
		const char *topic, *title;
	} titles[] = {
		{"alert.firing", "Cryptocurrency miner detected"},
		{"alert.ongoing", "Cryptocurrency miner still running"},
		{"alert.resolved", "Cryptocurrency miner no longer detected"},
		{"alert.gone", "Cgroup of a detected miner vanished"},
		{"alert.frozen", "Miner cgroup frozen"},
		{"alert.throttled", "Miner cgroup throttled"},
		{"alert.aggregate_firing", "Cryptocurrency miner spread over several cgroups detected"},
		{"alert.aggregate_ongoing", "Cryptocurrency miner spread over several cgroups still running"},
		{"alert.aggregate_resolved", "Spread cryptocurrency miner no longer detected"},
		{"alert.aggregate_gone", "Group of a detected spread miner dissolved"},
		{"alert.evidence", "Evidence on a suspected miner"},
		{"metrics", "Cgroup CPU cost summary"},
		{"heartbeat", "cjd heartbeat"},
	};
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(topic, titles[i].topic) == 0)
			return titles[i].title;
	return "cjd message";
}

/* The workload a message names, back from its container.* and orchestrator.* fields. */
static bool workload_of(json_t *doc, struct cjd_identity *id)
{
	memset(id, 0, sizeof(*id));
	cjd_identity_set(id->container_id, sizeof(id->container_id), str(doc, "container.id"));
	cjd_identity_set(id->name, sizeof(id->name), str(doc, "container.name"));
	cjd_identity_set(id->image, sizeof(id->image), str(doc, "container.image.name"));
	cjd_identity_set(id->image_tag, sizeof(id->image_tag),
			 json_string_value(json_array_get(get(doc, "container.image.tag"), 0)));
	cjd_identity_set(id->pod_name, sizeof(id->pod_name), str(doc, "orchestrator.resource.name"));
	cjd_identity_set(id->namespace, sizeof(id->namespace), str(doc, "orchestrator.namespace"));
	id->resolved = id->name[0] || id->image[0] || id->pod_name[0];
	return id->resolved;
}

/* "nginx:1.25" from container.image.{name,tag}, or NULL. buf holds the text. */
static const char *image_ref(json_t *doc, char *buf, size_t len)
{
	struct cjd_identity id;

	workload_of(doc, &id);
	cjd_identity_image_ref(&id, buf, len);
	return buf[0] ? buf : NULL;
}

/* "name-1 name-2 /cgroup/c" from cjd.aggregate.members: container names where known. */
static void put_members(struct cjd_buf *f, json_t *doc, const char *sep, const char *special,
			enum ctl_policy policy)
{
	json_t *m;
	size_t i;

	json_array_foreach(get(doc, "cjd.aggregate.members"), i, m) {
		const char *name = str(m, "container.name");
		if (i)
			cjd_buf_puts(f, sep);
		put_escaped(f, name && name[0] ? name : str(m, "cgroup"), special, policy);
	}
}

/* An aggregate's summary: "TITLE: image web:1 (4 cgroups: web-1 web-2 ...) score ...". */
static void put_group(struct cjd_buf *f, json_t *doc)
{
	const char *kind = str(doc, "cjd.aggregate.kind"), *key = str(doc, "cjd.aggregate.key");

	cjd_buf_puts(f, ": ");
	put_escaped(f, kind, "\\", CTL_ESCAPE);
	if (key && key[0]) {
		cjd_buf_putc(f, ' ');
		put_escaped(f, key, "\\", CTL_ESCAPE);
	}
	cjd_buf_puts(f, " (");
	put_number(f, get(doc, "cjd.aggregate.members_total"));
	cjd_buf_puts(f, " cgroups: ");
	put_members(f, doc, " ", "\\", CTL_ESCAPE);
	cjd_buf_putc(f, ')');
}

/* The short form of cjd.evidence: "evidence high, mining-specific", "evidence pending". */
static void put_evidence_short(struct cjd_buf *f, json_t *doc)
{
	const char *level = str(doc, "cjd.evidence.verdict.level");
	const char *status = str(doc, "cjd.evidence.status");

	if (!status)
		return;
	cjd_buf_puts(f, " evidence ");
	if (!level) {
		put_escaped(f, status, "\\", CTL_ESCAPE);
		return;
	}
	put_escaped(f, level, "\\", CTL_ESCAPE);
	if (json_is_true(get(doc, "cjd.evidence.verdict.mining_specific")))
		cjd_buf_puts(f, ", mining-specific");
}

/*
 * The human summary used as CEF msg, syslog MSG and text lines, with hostile
 * bytes escaped: "TITLE: container web-1 (image nginx:1.25, pod
 * default/web-1) cgroup /docker/ID score ..." (the cgroup alone when the
 * runtime's names are unknown).
 */
static void put_summary(struct cjd_buf *f, const char *topic, json_t *doc)
{
	const char *cg = str(doc, "cgroup.path");
	struct cjd_identity id;
	char who[1400];

	cjd_buf_puts(f, action_title(topic));
	if (get(doc, "cjd.aggregate"))
		put_group(f, doc);
	else if (workload_of(doc, &id) && cjd_identity_describe(&id, who, sizeof(who))[0]) {
		cjd_buf_puts(f, ": ");
		put_escaped(f, who, "\\", CTL_ESCAPE);
		if (cg) {
			cjd_buf_puts(f, " cgroup ");
			put_escaped(f, cg, "\\", CTL_ESCAPE);
		}
	} else if (cg) {
		cjd_buf_puts(f, ": ");
		put_escaped(f, cg, "\\", CTL_ESCAPE);
	}
	if (get(doc, "cjd.score") && !json_is_null(get(doc, "cjd.score"))) {
		cjd_buf_puts(f, " score ");
		put_number(f, get(doc, "cjd.score"));
	}
	if (get(doc, "cjd.cost.cpu_seconds")) {
		cjd_buf_puts(f, " cpu_seconds ");
		put_number(f, get(doc, "cjd.cost.cpu_seconds"));
	}
	put_evidence_short(f, doc);
}

/* ---- CEF ---- */

/* Header fields escape backslash and pipe; a newline cannot appear in a header. */
static void cef_header(struct cjd_buf *f, const char *s)
{
	put_escaped(f, s, "\\|", CTL_SPACE);
	cjd_buf_putc(f, '|');
}

/* Extension values escape backslash, equals, CR and LF (CEF spec); other
 * control characters have no CEF escape and become spaces. */
static void cef_value(struct cjd_buf *f, const char *s)
{
	put_escaped(f, s, "\\=", CTL_CRLF);
}

static void cef_pair(struct cjd_buf *f, const char *key, const char *val)
{
	if (!val)
		return;
	cjd_buf_printf(f, " %s=", key);
	cef_value(f, val);
}

static void cef_labelled(struct cjd_buf *f, const char *key, const char *label, const char *val)
{
	if (!val)
		return;
	cjd_buf_printf(f, " %sLabel=%s", key, label);
	cef_pair(f, key, val);
}

static void cef_labelled_num(struct cjd_buf *f, const char *key, const char *label, json_t *v)
{
	if (!json_is_number(v))
		return;
	cjd_buf_printf(f, " %sLabel=%s %s=", key, label, key);
	put_number(f, v);
}

/* @timestamp (RFC 3339) as ms since the epoch, CEF's preferred rt form. */
static bool rfc3339_ms(const char *ts, long long *ms)
{
	uint64_t ns;

	if (!ts || cjd_rfc3339_parse(ts, &ns))
		return false;
	*ms = (long long)(ns / 1000000);
	return true;
}

static int severity10(const char *topic, json_t *doc)
{
	json_t *sev = get(doc, "event.severity");

	if (json_is_integer(sev)) {
		long long s = json_integer_value(sev);
		return s < 0 ? 0 : s > 100 ? 10 : (int)((s + 5) / 10);
	}
	return strcmp(topic, "heartbeat") == 0 && json_is_true(get(doc, "cjd.stopping")) ? 3 : 0;
}

static int format_cef(const char *topic, json_t *doc, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;
	long long ms;
	char num[32];

	cjd_buf_puts(&b, "CEF:0|");
	cef_header(&b, "cjd");
	cef_header(&b, "cjd");
	cef_header(&b, str(doc, "agent.version"));
	cef_header(&b, topic);
	cef_header(&b, action_title(topic));
	cjd_buf_printf(&b, "%d|", severity10(topic, doc));
	/* the extension starts without a leading space; every pair adds one */
	if (rfc3339_ms(str(doc, "@timestamp"), &ms)) {
		snprintf(num, sizeof(num), "%lld", ms);
		cjd_buf_printf(&b, "rt=%s", num);
	} else {
		cjd_buf_puts(&b, "rt=0");
	}
	cef_pair(&b, "dvchost", str(doc, "host.name"));
	cef_pair(&b, "externalId", str(doc, "event.id"));
	cef_pair(&b, "act", str(doc, "event.action"));
	cef_pair(&b, "outcome", str(doc, "event.outcome"));
	cef_labelled(&b, "cs1", "cgroup", str(doc, "cgroup.path"));
	cef_labelled(&b, "cs2", "containerId", str(doc, "container.id"));
	cef_labelled(&b, "cs3", "model", str(doc, "cjd.model.name"));
	cef_labelled(&b, "cs4", "podUid", str(doc, "orchestrator.resource.id"));
	cef_labelled(&b, "cs5", "mode", str(doc, "cjd.mode"));
	cef_labelled(&b, "cs6", "schema", str(doc, "schema"));
	{
		char image[700];
		cef_labelled(&b, "flexString1", "containerName", str(doc, "container.name"));
		cef_labelled(&b, "flexString2", "image", image_ref(doc, image, sizeof(image)));
		/* CEF has no standard key for these: vendor keys, as the specification allows */
		cef_pair(&b, "cjdPodName", str(doc, "orchestrator.resource.name"));
		cef_pair(&b, "cjdNamespace", str(doc, "orchestrator.namespace"));
		cef_pair(&b, "cjdEvidence",
			 str(doc, "cjd.evidence.verdict.level") ? str(doc, "cjd.evidence.verdict.level")
								: str(doc, "cjd.evidence.status"));
		json_t *mspec = get(doc, "cjd.evidence.verdict.mining_specific");
		if (json_is_boolean(mspec))
			cef_pair(&b, "cjdMiningSpecific", json_is_true(mspec) ? "true" : "false");
	}
	if (get(doc, "cjd.aggregate")) {
		/* an aggregate: its group and every member (vendor keys) */
		cef_pair(&b, "cjdGroup", str(doc, "cjd.aggregate.id"));
		cef_pair(&b, "cjdGroupKind", str(doc, "cjd.aggregate.kind"));
		if (json_is_integer(get(doc, "cjd.aggregate.members_total")))
			cjd_buf_printf(&b, " cjdMembersTotal=%lld",
				       (long long)json_integer_value(
					       get(doc, "cjd.aggregate.members_total")));
		cjd_buf_puts(&b, " cjdMembers=");
		put_members(&b, doc, ",", "\\=", CTL_CRLF);
	}
	cef_labelled_num(&b, "cfp1", "score", get(doc, "cjd.score"));
	cef_labelled_num(&b, "cfp2", "cpuSeconds", get(doc, "cjd.cost.cpu_seconds"));
	cef_labelled_num(&b, "cfp3", "costUsd", get(doc, "cjd.cost.usd"));
	cef_labelled_num(&b, "cn1", "seq", get(doc, "cjd.seq"));
	cef_labelled_num(&b, "cn2", "dropped", get(doc, "cjd.publish.dropped"));
	cef_labelled_num(&b, "cn3", "cgroupsMonitored", get(doc, "cjd.cgroups.monitored"));
	json_t *p0 = json_array_get(get(doc, "cjd.processes"), 0);
	if (p0) {
		cef_pair(&b, "dproc", str(p0, "comm"));
		if (json_is_integer(json_object_get(p0, "pid")))
			cjd_buf_printf(&b, " dpid=%lld",
				       (long long)json_integer_value(json_object_get(p0, "pid")));
	}
	cjd_buf_puts(&b, " msg=");
	{
		/* the summary goes through the extension escaping too */
		struct cjd_buf s = CJD_BUF_INIT;
		char *text;
		put_summary(&s, topic, doc);
		if (cjd_buf_steal(&s, &text, NULL) == 0) {
			cef_value(&b, text);
			free(text);
		}
	}
	return cjd_buf_steal(&b, out, NULL);
}

/* ---- RFC 5424 ---- */

/* PARAM-VALUE: '"', '\\' and ']' must be escaped (section 6.3.3); control
 * characters are escaped too so that a message stays on one line. */
static void sd_value(struct cjd_buf *f, const char *s)
{
	put_escaped(f, s, "\"\\]", CTL_ESCAPE);
}

static void sd_param(struct cjd_buf *f, const char *name, const char *val)
{
	if (!val)
		return;
	cjd_buf_printf(f, " %s=\"", name);
	sd_value(f, val);
	cjd_buf_putc(f, '"');
}

static void sd_param_num(struct cjd_buf *f, const char *name, json_t *v)
{
	if (!json_is_number(v))
		return;
	cjd_buf_printf(f, " %s=\"", name);
	put_number(f, v);
	cjd_buf_putc(f, '"');
}

static void sd_param_bool(struct cjd_buf *f, const char *name, json_t *v)
{
	if (json_is_boolean(v))
		cjd_buf_printf(f, " %s=\"%s\"", name, json_is_true(v) ? "true" : "false");
}

static void put_sd(struct cjd_buf *f, json_t *doc)
{
	cjd_buf_puts(f, "[" CJD_SYSLOG_SD_ID);
	sd_param(f, "schema", str(doc, "schema"));
	sd_param(f, "id", str(doc, "event.id"));
	sd_param(f, "action", str(doc, "event.action"));
	sd_param_num(f, "severity", get(doc, "event.severity"));
	sd_param(f, "cgroup", str(doc, "cgroup.path"));
	sd_param(f, "container", str(doc, "container.id"));
	sd_param(f, "container_name", str(doc, "container.name"));
	{
		char image[700];
		sd_param(f, "image", image_ref(doc, image, sizeof(image)));
	}
	sd_param(f, "pod", str(doc, "orchestrator.resource.name"));
	sd_param(f, "namespace", str(doc, "orchestrator.namespace"));
	sd_param(f, "pod_uid", str(doc, "orchestrator.resource.id"));
	if (get(doc, "cjd.aggregate")) {
		sd_param(f, "group", str(doc, "cjd.aggregate.id"));
		sd_param(f, "group_kind", str(doc, "cjd.aggregate.kind"));
		sd_param_num(f, "members_total", get(doc, "cjd.aggregate.members_total"));
		cjd_buf_puts(f, " members=\"");
		put_members(f, doc, ",", "\"\\]", CTL_ESCAPE);
		cjd_buf_putc(f, '"');
	}
	sd_param_num(f, "score", get(doc, "cjd.score"));
	sd_param(f, "mode", str(doc, "cjd.mode"));
	sd_param(f, "model", str(doc, "cjd.model.name"));
	sd_param_num(f, "cpu_seconds", get(doc, "cjd.cost.cpu_seconds"));
	sd_param_num(f, "cost_usd", get(doc, "cjd.cost.usd"));
	sd_param(f, "evidence", str(doc, "cjd.evidence.verdict.level")
					? str(doc, "cjd.evidence.verdict.level")
					: str(doc, "cjd.evidence.status"));
	sd_param_bool(f, "mining_specific", get(doc, "cjd.evidence.verdict.mining_specific"));
	sd_param_num(f, "seq", get(doc, "cjd.seq"));
	sd_param_num(f, "dropped", get(doc, "cjd.publish.dropped"));
	sd_param_bool(f, "journal_error", get(doc, "cjd.journal.error"));
	sd_param_bool(f, "stopping", get(doc, "cjd.stopping"));
	cjd_buf_putc(f, ']');
}

static int syslog_severity(const char *topic)
{
	if (!strcmp(topic, "alert.firing") || !strcmp(topic, "alert.ongoing") ||
	    !strcmp(topic, "alert.frozen") || !strcmp(topic, "alert.throttled") ||
	    !strcmp(topic, "alert.aggregate_firing") || !strcmp(topic, "alert.aggregate_ongoing") ||
	    !strcmp(topic, "alert.evidence"))
		return LOG_WARNING;
	if (!strcmp(topic, "alert.resolved") || !strcmp(topic, "alert.gone") ||
	    !strcmp(topic, "alert.aggregate_resolved") || !strcmp(topic, "alert.aggregate_gone"))
		return LOG_NOTICE;
	return LOG_INFO;
}

/* PRINTUSASCII only (HOSTNAME, MSGID): anything else becomes '_'; empty is NILVALUE. */
static void put_token(struct cjd_buf *f, const char *s, size_t max)
{
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c && n < max; c++, n++)
		cjd_buf_putc(f, *c > 32 && *c < 127 ? *c : '_');
	if (n == 0)
		cjd_buf_putc(f, '-');
}

int cjd_format_syslog_body(const char *topic, json_t *doc, char **out, int *severity)
{
	struct cjd_buf b = CJD_BUF_INIT;
	struct cjd_buf s = CJD_BUF_INIT;
	char *summary;

	put_sd(&b, doc);
	cjd_buf_putc(&b, ' ');
	put_summary(&s, topic, doc);
	if (cjd_buf_steal(&s, &summary, NULL) == 0) {
		cjd_buf_puts(&b, summary);
		free(summary);
	}
	*severity = syslog_severity(topic);
	return cjd_buf_steal(&b, out, NULL);
}

/* "<PRI>1 TIMESTAMP HOST cjd - TOPIC ": the RFC 5424 header every syslog rendering shares. */
static void put_syslog_header(struct cjd_buf *f, const char *topic, json_t *doc, int sev)
{
	const char *ts = str(doc, "@timestamp");

	cjd_buf_printf(f, "<%d>1 ", LOG_DAEMON | sev);
	/* TIME-SECFRAC allows at most 6 digits: cut our ns to us */
	if (ts && strlen(ts) == 30 && ts[19] == '.' && ts[29] == 'Z')
		cjd_buf_printf(f, "%.26sZ ", ts);
	else
		put_token(f, ts, 64), cjd_buf_putc(f, ' ');
	put_token(f, str(doc, "host.name"), 255);
	cjd_buf_puts(f, " cjd - ");
	put_token(f, topic, 32);
	cjd_buf_putc(f, ' ');
}

static int format_syslog(const char *topic, json_t *doc, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;
	char *body;
	int sev, rc;

	rc = cjd_format_syslog_body(topic, doc, &body, &sev);
	if (rc)
		return rc;
	put_syslog_header(&b, topic, doc, sev);
	cjd_buf_puts(&b, body);
	free(body);
	return cjd_buf_steal(&b, out, NULL);
}

int cjd_format_syslog_wrap(const char *topic, json_t *doc, const char *msg, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;

	put_syslog_header(&b, topic, doc, syslog_severity(topic));
	cjd_buf_puts(&b, "- "); /* no structured data: the MSG carries everything */
	cjd_buf_puts(&b, msg);
	return cjd_buf_steal(&b, out, NULL);
}

int cjd_format_summary(const char *topic, json_t *doc, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;

	put_summary(&b, topic, doc);
	return cjd_buf_steal(&b, out, NULL);
}

/* ---- LEEF 2.0 (IBM QRadar) ---- */

/*
 * Attribute values: LEEF has no escape for its delimiter, so the delimiter is
 * a tab and every control character, tabs included, is written as \t \n \r
 * or \xHH (a real backslash as \\): no value, however hostile, can hold the
 * delimiter or end the line. '=' needs nothing (a value runs to the next
 * delimiter).
 */
static void leef_value(struct cjd_buf *f, const char *s)
{
	put_escaped(f, s, "\\", CTL_ESCAPE);
}

static void leef_pair(struct cjd_buf *f, const char *key, const char *val)
{
	if (!val)
		return;
	cjd_buf_printf(f, "\t%s=", key);
	leef_value(f, val);
}

static void leef_num(struct cjd_buf *f, const char *key, json_t *v)
{
	if (!json_is_number(v))
		return;
	cjd_buf_printf(f, "\t%s=", key);
	put_number(f, v);
}

/* LEEF sev is 1..10: event.severity / 10, rounded, at least 1. */
static int leef_sev(const char *topic, json_t *doc)
{
	int s = severity10(topic, doc);
	return s < 1 ? 1 : s;
}

static int format_leef(const char *topic, json_t *doc, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;
	uint64_t ns;
	const char *ts = str(doc, "@timestamp");
	bool alert = strncmp(topic, "alert.", 6) == 0;

	cjd_buf_puts(&b, "LEEF:2.0|");
	/* header fields escape \ and | as in CEF (they are ours, but the topic is not checked) */
	cef_header(&b, "cjd");
	cef_header(&b, "cjd");
	cef_header(&b, str(doc, "agent.version"));
	cef_header(&b, topic);
	cjd_buf_puts(&b, "x09|"); /* the attribute delimiter, a tab, in LEEF 2.0's hex form */
	/* the first attribute has no delimiter before it; every later one does */
	cjd_buf_puts(&b, "cat=");
	leef_value(&b, alert ? "cryptomining" : topic);
	cjd_buf_printf(&b, "\tsev=%d", leef_sev(topic, doc));
	/* devTime in the form devTimeFormat names (Java SimpleDateFormat), to the ms */
	if (ts && !cjd_rfc3339_parse(ts, &ns)) {
		char sec[32];
		time_t t = (time_t)(ns / 1000000000ull);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
		cjd_buf_printf(&b, "\tdevTime=%s.%03uZ\tdevTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX", sec,
			(unsigned)(ns / 1000000ull % 1000));
	}
	leef_pair(&b, "host", str(doc, "host.name"));
	leef_pair(&b, "eventId", str(doc, "event.id"));
	leef_pair(&b, "action", str(doc, "event.action"));
	leef_pair(&b, "outcome", str(doc, "event.outcome"));
	leef_pair(&b, "ruleName", str(doc, "rule.name"));
	leef_pair(&b, "ruleId", str(doc, "rule.id"));
	leef_pair(&b, "cgroup", str(doc, "cgroup.path"));
	leef_pair(&b, "containerId", str(doc, "container.id"));
	leef_pair(&b, "container", str(doc, "container.name"));
	{
		char image[700];
		leef_pair(&b, "image", image_ref(doc, image, sizeof(image)));
	}
	leef_pair(&b, "pod", str(doc, "orchestrator.resource.name"));
	leef_pair(&b, "namespace", str(doc, "orchestrator.namespace"));
	leef_pair(&b, "podUid", str(doc, "orchestrator.resource.id"));
	if (get(doc, "cjd.aggregate")) { /* an aggregate: its group and every member */
		leef_pair(&b, "group", str(doc, "cjd.aggregate.id"));
		leef_pair(&b, "groupKind", str(doc, "cjd.aggregate.kind"));
		leef_num(&b, "membersTotal", get(doc, "cjd.aggregate.members_total"));
		cjd_buf_puts(&b, "\tmembers=");
		put_members(&b, doc, ",", "\\", CTL_ESCAPE);
	}
	leef_num(&b, "score", get(doc, "cjd.score"));
	leef_pair(&b, "model", str(doc, "cjd.model.name"));
	leef_pair(&b, "modelVersion", str(doc, "cjd.model.version"));
	leef_pair(&b, "mode", str(doc, "cjd.mode"));
	leef_num(&b, "cpuSeconds", get(doc, "cjd.cost.cpu_seconds"));
	leef_num(&b, "costUsd", get(doc, "cjd.cost.usd"));
	leef_num(&b, "seq", get(doc, "cjd.seq"));
	leef_num(&b, "dropped", get(doc, "cjd.publish.dropped"));
	leef_num(&b, "cgroupsMonitored", get(doc, "cjd.cgroups.monitored"));
	json_t *p0 = json_array_get(get(doc, "cjd.processes"), 0);
	if (p0) {
		leef_pair(&b, "proc", str(p0, "comm"));
		leef_num(&b, "pid", json_object_get(p0, "pid"));
	}
	{
		struct cjd_buf s = CJD_BUF_INIT;
		char *text;
		put_summary(&s, topic, doc);
		if (cjd_buf_steal(&s, &text, NULL) == 0) {
			/* the summary is escaped already (control characters as
			 * \t \n \xHH, backslashes doubled): no second pass */
			cjd_buf_printf(&b, "\tmsg=%s", text);
			free(text);
		}
	}
	return cjd_buf_steal(&b, out, NULL);
}

/* One line for a person: "TIMESTAMP HOST SUMMARY id ID", hostile bytes escaped. */
static int format_text(const char *topic, json_t *doc, char **out)
{
	struct cjd_buf b = CJD_BUF_INIT;
	const char *id = str(doc, "event.id");

	put_token(&b, str(doc, "@timestamp"), 64);
	cjd_buf_putc(&b, ' ');
	put_token(&b, str(doc, "host.name"), 255);
	cjd_buf_putc(&b, ' ');
	put_summary(&b, topic, doc);
	if (id) {
		cjd_buf_puts(&b, " id ");
		put_escaped(&b, id, "", CTL_ESCAPE);
	}
	return cjd_buf_steal(&b, out, NULL);
}

/* The HTTP output's bodies, as they would be POSTed (default Splunk metadata). */
static int format_http_body(enum cjd_sub_format fmt, const char *topic, json_t *doc, char **out)
{
	char *json = cjd_json_dumps(doc);
	size_t len;
	int rc;

	if (!json)
		return -ENOMEM;
	rc = cjd_http_body(fmt == CJD_FMT_FALCOSIDEKICK ? CJD_HTTP_FALCOSIDEKICK : CJD_HTTP_SPLUNK_HEC,
			   NULL, topic, json, strlen(json), out, &len);
	free(json);
	return rc;
}

int cjd_format_message(enum cjd_sub_format fmt, const char *topic, json_t *doc, char **out)
{
	switch (fmt) {
	case CJD_FMT_TEXT: return format_text(topic, doc, out);
	case CJD_FMT_ECS: return format_ecs(doc, out);
	case CJD_FMT_CEF: return format_cef(topic, doc, out);
	case CJD_FMT_SYSLOG: return format_syslog(topic, doc, out);
	case CJD_FMT_LEEF: return format_leef(topic, doc, out);
	case CJD_FMT_FALCOSIDEKICK:
	case CJD_FMT_SPLUNK_HEC: return format_http_body(fmt, topic, doc, out);
	default: return -EINVAL;
	}
}
