/* Tests of the serializer, event ids, the process reader and the SIEM formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/publish/alert_format.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_procs.h"
#include "cjd/publish/alert_status_json.h"
#include "zt.h"

#define DOCKER_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD_UID "3f1c2a9e-4b5d-4c6e-8f70-123456789abc"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, &e);
	if (!doc)
		fail_msg("not JSON (%s at column %d): %s", e.text, e.column, s);
	return doc;
}

static json_t *at(json_t *doc, const char *path)
{
	char key[64];
	while (doc && *path) {
		size_t n = strcspn(path, ".");
		memcpy(key, path, n);
		key[n] = '\0';
		doc = json_object_get(doc, key);
		path += n + (path[n] == '.');
	}
	return doc;
}

static const char *s_at(json_t *doc, const char *path)
{
	return json_string_value(at(doc, path));
}

static char *alert_json(struct cjd_alert *a, const struct cjd_alert_context *ctx)
{
	char *out;
	size_t len;
	if (!a->id[0])
		strcpy(a->id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(cjd_alert_json(a, ctx, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	assert_null(memchr(out, '\n', len)); /* one line, always */
	return out;
}

static void validate(const char *schema, const char *json)
{
	char msg[4096];
	int rc = zt_validate(schema, json, msg, sizeof(msg));
	if (rc != 0)
		fail_msg("schema %s rejects the document (exit %d): %s\n%s", schema, rc, msg, json);
}

static void test_alert_fields(void **state)
{
	(void)state;
	struct cjd_alert a;
	struct cjd_process procs[2] = {{.pid = 4242, .comm = "xmrig", .exe = "/usr/bin/xmrig",
					.cmdline = "xmrig -o pool:3333"},
				       {.pid = 4243, .comm = "sh", .exe = "/bin/sh", .cmdline = "sh"}};
	struct cjd_alert_context ctx = {.host_name = "node-1",
					.host_id = "0123456789abcdef0123456789abcdef",
					.procs = procs, .n_procs = 2, .procs_total = 3,
					.procs_known = true, .seq = 7};
	zt_alert(&a, CJD_ALERT_FIRING, "/system.slice/docker-" DOCKER_ID ".scope");
	char *s = alert_json(&a, &ctx);
	json_t *d = parse(s);

	assert_string_equal(s_at(d, "@timestamp"), "2026-11-26T18:40:00.123456789Z");
	assert_string_equal(s_at(d, "schema"), "cjd.alert/1");
	assert_string_equal(s_at(d, "event.kind"), "alert");
	assert_string_equal(json_string_value(json_array_get(at(d, "event.category"), 0)), "malware");
	assert_string_equal(json_string_value(json_array_get(at(d, "event.category"), 1)), "process");
	assert_string_equal(s_at(d, "event.action"), "firing");
	assert_string_equal(s_at(d, "event.id"), a.id);
	assert_int_equal(json_integer_value(at(d, "event.severity")), 73);
	assert_null(at(d, "event.outcome"));
	assert_string_equal(s_at(d, "host.name"), "node-1");
	assert_string_equal(s_at(d, "host.id"), "0123456789abcdef0123456789abcdef");
	assert_string_equal(s_at(d, "container.id"), DOCKER_ID);
	assert_string_equal(s_at(d, "container.runtime"), "docker");
	assert_null(at(d, "orchestrator"));
	assert_string_equal(s_at(d, "cgroup.path"), "/system.slice/docker-" DOCKER_ID ".scope");
	assert_string_equal(json_string_value(json_array_get(at(d, "threat.technique.id"), 0)), "T1496");
	assert_string_equal(json_string_value(json_array_get(at(d, "threat.technique.name"), 0)),
			    "Resource Hijacking");
	assert_string_equal(s_at(d, "threat.framework"), "MITRE ATT&CK");
	assert_true(json_real_value(at(d, "cjd.score")) > 0.969 && json_real_value(at(d, "cjd.score")) < 0.971);
	assert_string_equal(s_at(d, "cjd.model.name"), "software-gbdt");
	assert_string_equal(s_at(d, "cjd.model.version"), "1.0.0");
	assert_string_equal(s_at(d, "cjd.mode"), "software");
	assert_int_equal(json_integer_value(at(d, "cjd.seq")), 7);
	assert_int_equal(json_object_size(at(d, "cjd.window")), 5);
	assert_true(json_number_value(at(d, "cjd.window.cpu_util")) > 0.98);
	assert_true(json_number_value(at(d, "cjd.cost.cpu_seconds")) == 3.5);
	assert_true(json_number_value(at(d, "cjd.cost.usd")) > 0);
	assert_int_equal(json_array_size(at(d, "cjd.processes")), 2);
	assert_int_equal(json_integer_value(at(d, "cjd.processes_total")), 3);
	assert_string_equal(s_at(json_array_get(at(d, "cjd.processes"), 0), "cmdline"),
			    "xmrig -o pool:3333");
	assert_string_equal(s_at(d, "cjd.label"), "miner/randomx");
	assert_null(at(d, "cjd.utf8_replaced"));
	assert_null(at(d, "cjd.response"));
	validate("docs/schema/alert-v1.json", s);
	json_decref(d);
	free(s);
}

static void test_alert_kubernetes_and_response(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_THROTTLED,
		 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f1c2a9e_4b5d_4c6e_8f70_123456789abc.slice/"
		 "cri-containerd-" DOCKER_ID ".scope");
	a.action_rc = -EACCES;
	a.action_detail = "cpu.max=20000 100000";
	/* the names the runtime's record gave (collector/container_meta.c) */
	struct cjd_identity id;
	cjd_identity_parse(a.cgroup, &id);
	id.resolved = true;
	strcpy(id.name, "web");
	cjd_identity_set_image(&id, "docker.io/library/nginx:1.25@sha256:0123");
	strcpy(id.pod_name, "web-7d9f");
	strcpy(id.namespace, "shop");
	struct cjd_alert_context ctx = {.identity = &id};
	char *s = alert_json(&a, &ctx);
	json_t *d = parse(s);
	assert_string_equal(s_at(d, "orchestrator.type"), "kubernetes");
	assert_string_equal(s_at(d, "orchestrator.namespace"), "shop");
	assert_string_equal(s_at(d, "orchestrator.resource.type"), "pod");
	assert_string_equal(s_at(d, "orchestrator.resource.id"), POD_UID);
	assert_string_equal(s_at(d, "orchestrator.resource.name"), "web-7d9f");
	assert_string_equal(s_at(d, "container.runtime"), "containerd");
	assert_string_equal(s_at(d, "container.name"), "web");
	assert_string_equal(s_at(d, "container.image.name"), "docker.io/library/nginx");
	/* ECS: container.image.tag is an array */
	assert_int_equal(json_array_size(at(d, "container.image.tag")), 1);
	assert_string_equal(json_string_value(json_array_get(at(d, "container.image.tag"), 0)), "1.25");
	assert_string_equal(s_at(d, "event.outcome"), "failure");
	assert_int_equal(json_integer_value(at(d, "cjd.response.errno")), EACCES);
	assert_string_equal(s_at(d, "cjd.response.detail"), "cpu.max=20000 100000");
	assert_null(at(d, "cjd.processes")); /* procs_known false: left out, not empty */
	assert_string_equal(s_at(d, "host.name"), "localhost"); /* no name given anywhere */
	validate("docs/schema/alert-v1.json", s);
	json_decref(d);
	free(s);

	/* a remote host (split mode) gets its own name and no host.id of ours */
	zt_alert(&a, CJD_ALERT_RESOLVED, "/x");
	a.host = "remote-7";
	struct cjd_alert_context mine = {.host_name = "me", .host_id = "0123456789abcdef0123456789abcdef"};
	s = alert_json(&a, &mine);
	d = parse(s);
	assert_string_equal(s_at(d, "host.name"), "remote-7");
	assert_null(at(d, "host.id"));
	validate("docs/schema/alert-v1.json", s);
	json_decref(d);
	free(s);
}

static void test_alert_needs_id(void **state)
{
	(void)state;
	struct cjd_alert a;
	char *out;
	size_t len;
	zt_alert(&a, CJD_ALERT_FIRING, "/x");
	assert_int_equal(cjd_alert_json(&a, NULL, &out, &len), -EINVAL);
	strcpy(a.id, "x");
	a.action = CJD_ALERT__COUNT;
	assert_int_equal(cjd_alert_json(&a, NULL, &out, &len), -EINVAL);
}

static void test_non_finite_is_null(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_ONGOING, "/x");
	a.features[0].value = 0.0f / 0.0f;
	char *s = alert_json(&a, NULL);
	json_t *d = parse(s);
	assert_true(json_is_null(at(d, "cjd.window.cpu_util")));
	validate("docs/schema/alert-v1.json", s);
	json_decref(d);
	free(s);
}

/* Cgroup names are chosen by whoever runs the container: every byte must survive or be made safe. */
static const char *const hostile[] = {
	"/docker/\"quoted\"name",
	"/evil\nnewline\r\n{\"event\":{\"action\":\"resolved\"}}",
	"/a]b[c]\\back\\slash",
	"/tab\tesc\x1b[31mred\x7f",
	"/pipe|equals=cef\\|",
};

static void test_hostile_names_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct cjd_alert a;
		zt_alert(&a, CJD_ALERT_FIRING, hostile[i]);
		char *s = alert_json(&a, NULL);
		json_t *d = parse(s);
		/* valid UTF-8 round-trips byte for byte */
		assert_string_equal(s_at(d, "cgroup.path"), hostile[i]);
		assert_string_equal(s_at(d, "event.action"), "firing");
		assert_null(at(d, "cjd.utf8_replaced"));
		validate("docs/schema/alert-v1.json", s);
		json_decref(d);
		free(s);
	}
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	struct cjd_alert a;
	/* a lone continuation byte, an overlong '/', a truncated 3-byte sequence, a surrogate */
	zt_alert(&a, CJD_ALERT_FIRING, "/bad\x80x\xc0\xafy\xe2\x82z\xed\xa0\x80\xc3\xa9");
	char *s = alert_json(&a, NULL);
	json_t *d = parse(s); /* jansson rejects invalid UTF-8, so parsing proves it is gone */
	assert_string_equal(s_at(d, "cgroup.path"),
			    "/bad\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9");
	assert_true(json_is_true(at(d, "cjd.utf8_replaced")));
	validate("docs/schema/alert-v1.json", s);
	json_decref(d);
	free(s);
}

static void test_metrics_and_heartbeat(void **state)
{
	(void)state;
	struct cjd_json_host host = {.name = "node-1", .id = "0123456789abcdef0123456789abcdef"};
	struct cjd_metrics m = {.time_real_ns = 1795718400000000000ull,
				.cgroup = "/docker/" DOCKER_ID,
				.mode = CJD_MODE_HARDWARE,
				.state = "firing",
				.has_score = true,
				.score = 0.5f,
				.interval_ns = 10000000000ull,
				.cpu_seconds = 9.5,
				.cpu_seconds_total = 95,
				.price_per_cpu_hour = 0.04,
				.cost_usd = 9.5 / 3600 * 0.04,
				.cost_usd_total = 95.0 / 3600 * 0.04};
	char *s;
	size_t len;
	assert_int_equal(cjd_metrics_json(&m, &host, 3, &s, &len), 0);
	json_t *d = parse(s);
	assert_string_equal(s_at(d, "schema"), "cjd.metrics/1");
	assert_string_equal(s_at(d, "event.kind"), "metric");
	assert_string_equal(s_at(d, "container.id"), DOCKER_ID);
	assert_true(json_number_value(at(d, "cjd.cost.cpu_seconds")) == 9.5);
	assert_true(json_number_value(at(d, "cjd.interval_s")) == 10);
	assert_int_equal(json_integer_value(at(d, "cjd.seq")), 3);
	validate("docs/schema/metrics-v1.json", s);
	json_decref(d);
	free(s);
	m.has_score = false;
	assert_int_equal(cjd_metrics_json(&m, &host, 4, &s, &len), 0);
	d = parse(s);
	assert_true(json_is_null(at(d, "cjd.score")));
	validate("docs/schema/metrics-v1.json", s);
	json_decref(d);
	free(s);

	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE, .uptime_ns = 5000000000ull,
				   .interval_ns = 200000000ull, .cgroups_monitored = 12,
				   .cgroups_unmonitored = 1, .samples_per_s = 60,
				   .model_name = "m", .model_version = "1", .stopping = true};
	struct cjd_heartbeat_publish pub = {.sent = 10, .dropped = 2, .alert_seq = 4,
					    .journal_path = "/var/lib/cjd/alerts.jsonl",
					    .journal_failing = true, .journal_errors = 1,
					    .journal_error = "write to x: No space left on device"};
	assert_int_equal(cjd_heartbeat_json(&hb, &pub, &host, 1, &s, &len), 0);
	d = parse(s);
	assert_string_equal(s_at(d, "schema"), "cjd.heartbeat/1");
	assert_true(json_is_true(at(d, "cjd.stopping")));
	assert_true(json_is_true(at(d, "cjd.journal.error")));
	assert_int_equal(json_integer_value(at(d, "cjd.publish.dropped")), 2);
	assert_int_equal(json_integer_value(at(d, "cjd.cgroups.monitored")), 12);
	assert_int_equal(json_integer_value(at(d, "cjd.cgroups.unmonitored")), 1);
	assert_string_equal(s_at(d, "agent.version"), CJD_VERSION);
	validate("docs/schema/heartbeat-v1.json", s);
	json_decref(d);
	free(s);
	/* no publisher counters at all (NULL) still makes a valid heartbeat */
	assert_int_equal(cjd_heartbeat_json(&hb, NULL, &host, 2, &s, &len), 0);
	validate("docs/schema/heartbeat-v1.json", s);
	free(s);
}

static void test_event_ids(void **state)
{
	(void)state;
	struct cjd_event_idgen g, h;
	char prev[40] = "", id[40], other[40];
	uint64_t t = 1795718400000000000ull;

	cjd_event_idgen_init(&g);
	cjd_event_idgen_init(&h);
	for (int i = 0; i < 10000; i++) {
		/* the clock stands still, then steps back: ids still increase */
		uint64_t now = i < 5000 ? t : t - 1000000000ull;
		cjd_event_id_next(&g, now, id);
		assert_true(cjd_event_id_valid(id));
		assert_int_equal(id[14], '7'); /* version 7 */
		assert_true(strchr("89ab", id[19]) != NULL); /* RFC variant */
		assert_true(strcmp(id, prev) > 0);
		strcpy(prev, id);
	}
	/* two generators in the same millisecond differ (random node bits) */
	cjd_event_id_next(&g, t + 5000000000ull, id);
	cjd_event_id_next(&h, t + 5000000000ull, other);
	assert_string_not_equal(id, other);
	assert_memory_equal(id, other, 13); /* same millisecond prefix */
	/* a later millisecond sorts after */
	cjd_event_id_next(&h, t + 6000000000ull, other);
	assert_true(strcmp(other, id) > 0);
	assert_false(cjd_event_id_valid("0190A1B2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
	assert_false(cjd_event_id_valid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5"));
	assert_false(cjd_event_id_valid("0190a1b2c-3d4-7e5f-8a9b-0c1d2e3f4a5b"));
}

/* The test process's own cgroup (v2 line "0::/path") lists its pid. */
static void test_procs_read_own_cgroup(void **state)
{
	(void)state;
	char path[4096];
	const char *root = zt_own_cgroup(path, sizeof(path));
	if (!root) {
		print_message("SKIP: no cgroup v2 hierarchy holds this process's cgroup.procs\n");
		skip();
	}

	struct cjd_process procs[CJD_ALERT_MAX_PROCS];
	size_t total = 0;
	int n = cjd_procs_read(root, path, procs, CJD_ALERT_MAX_PROCS, &total);
	assert_true(n >= 1);
	assert_true(total >= (size_t)n);
	bool me = false;
	for (int i = 0; i < n; i++)
		if (procs[i].pid == getpid()) {
			me = true;
			assert_string_equal(procs[i].comm, "test_zmq_serial"); /* comm is 15 chars */
			assert_non_null(strstr(procs[i].exe, "test_zmq_serialize"));
			assert_non_null(strstr(procs[i].cmdline, "test_zmq_serialize"));
		}
	assert_true(me || total > CJD_ALERT_MAX_PROCS);
	assert_int_equal(cjd_procs_read(root, "/no/such/cgroup-xyz", procs, 16, &total), -ENOENT);
	assert_int_equal(cjd_procs_read(root, "/../../etc", procs, 16, &total), -EINVAL);
	assert_int_equal(cjd_procs_read(root, "/a/..", procs, 16, &total), -EINVAL);
}

static char *render(enum cjd_sub_format fmt, const char *topic, const char *json)
{
	json_t *d = parse(json);
	char *out = NULL;
	assert_int_equal(cjd_format_message(fmt, topic, d, &out), 0);
	json_decref(d);
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\r'));
	return out;
}

static void test_cef_escaping(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_FIRING, "/a=b\\c|d\ne\rf\tg]");
	char *s = alert_json(&a, NULL);
	char *cef = render(CJD_FMT_CEF, "alert.firing", s);

	assert_true(strncmp(cef, "CEF:0|cjd|cjd|" CJD_VERSION "|alert.firing|Cryptocurrency miner detected|7|", 
			    strlen("CEF:0|cjd|cjd|" CJD_VERSION "|alert.firing|Cryptocurrency miner detected|7|")) == 0);
	/* extension: \ and = escaped, newline and CR as \n \r, other controls as spaces */
	assert_non_null(strstr(cef, " cs1Label=cgroup cs1=/a\\=b\\\\c|d\\ne\\rf g]"));
	assert_non_null(strstr(cef, " externalId=0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
	assert_non_null(strstr(cef, "|7|rt=1795718400123 dvchost="));
	assert_non_null(strstr(cef, " act=firing"));
	assert_non_null(strstr(cef, " cfp1Label=score cfp1=0.97"));
	free(cef);
	free(s);

	/* a header field with | and \ (the agent version comes from the message) */
	cef = render(CJD_FMT_CEF, "heartbeat",
		     "{\"agent\":{\"version\":\"1|2\\\\3\"},\"@timestamp\":\"2026-11-26T18:40:00.5Z\"}");
	assert_true(strncmp(cef, "CEF:0|cjd|cjd|1\\|2\\\\3|heartbeat|cjd heartbeat|0|rt=1795718400500",
			    strlen("CEF:0|cjd|cjd|1\\|2\\\\3|heartbeat|cjd heartbeat|0|rt=1795718400500")) == 0);
	free(cef);
}

static void test_syslog_escaping(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_RESOLVED, "/x\"y]z\\w\nv");
	char *s = alert_json(&a, NULL);
	char *line = render(CJD_FMT_SYSLOG, "alert.resolved", s);

	/* <daemon(3)*8 + notice(5)>1, microsecond timestamp, host, app, no procid, msgid */
	assert_true(strncmp(line, "<29>1 2026-11-26T18:40:00.123456Z localhost cjd - alert.resolved [cjd@32473 ",
			    strlen("<29>1 2026-11-26T18:40:00.123456Z localhost cjd - alert.resolved [cjd@32473 ")) == 0);
	/* SD-PARAM value: " \ ] escaped with a backslash, newline as \n */
	assert_non_null(strstr(line, " cgroup=\"/x\\\"y\\]z\\\\w\\nv\""));
	assert_non_null(strstr(line, " action=\"resolved\""));
	assert_non_null(strstr(line, " score=\"0.97"));
	/* the element ends before the message, and the message escapes too (a real backslash
	 * doubled, so \n cannot be forged) */
	assert_non_null(strstr(line, "] Cryptocurrency miner no longer detected: /x\"y]z\\\\w\\nv score"));
	free(line);

	char *body;
	int sev;
	json_t *d = parse(s);
	assert_int_equal(cjd_format_syslog_body("alert.firing", d, &body, &sev), 0);
	assert_int_equal(sev, 4 /* LOG_WARNING */);
	assert_true(strncmp(body, "[cjd@32473 schema=\"cjd.alert/1\"", 31) == 0);
	free(body);
	json_decref(d);
	free(s);
}

static void test_ecs_flat(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_ONGOING, "/docker/" DOCKER_ID);
	char *s = alert_json(&a, NULL);
	char *flat = render(CJD_FMT_ECS, "alert.ongoing", s);
	json_t *d = parse(flat);
	assert_string_equal(json_string_value(json_object_get(d, "event.action")), "ongoing");
	assert_string_equal(json_string_value(json_object_get(d, "container.id")), DOCKER_ID);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "threat.technique.id"), 0)), "T1496");
	assert_non_null(json_object_get(d, "cjd.window.cpu_util"));
	assert_null(json_object_get(d, "event"));
	json_decref(d);
	free(flat);
	free(s);
	enum cjd_sub_format f;
	assert_int_equal(cjd_sub_format_parse("cef", &f), 0);
	assert_int_equal(f, CJD_FMT_CEF);
	assert_int_equal(cjd_sub_format_parse("xml", &f), -EINVAL);
}

/*
 * Exact short numbers in every rendering: a float score prints as the
 * shortest text of the float (not of its double: 0.9631089568138123), and
 * ECS, CEF and syslog re-print what they parsed without adding digits
 * (jansson's dumper wrote 0.96310896000000001, CEF's %.9g cut costs).
 */
static void test_exact_numbers(void **state)
{
	(void)state;
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_ONGOING, "/x");
	a.score = 0.96310896f;
	a.threshold = 0.8f;
	a.features[0].value = 0.1f;
	a.features[1].value = 1e-7f;
	a.cpu_seconds = 123456789.125;
	a.cost_usd = a.cpu_seconds / 3600.0 * 0.04; /* 1371.7421013888888 */
	char *s = alert_json(&a, NULL);
	static const char *const in_json[] = {
		"\"score\":0.96310896,", "\"threshold\":0.8,", "\"cpu_util\":0.1,",
		"\"ctx_switches_per_cpu_s\":1e-07,", "\"cpu_seconds\":123456789.125,",
		"\"usd\":1371.7421013888888"};
	for (size_t i = 0; i < sizeof(in_json) / sizeof(in_json[0]); i++)
		if (!strstr(s, in_json[i]))
			fail_msg("JSON lacks %s: %s", in_json[i], s);

	char *ecs = render(CJD_FMT_ECS, "alert.ongoing", s);
	static const char *const in_ecs[] = {
		"\"cjd.score\":0.96310896,", "\"cjd.threshold\":0.8,", "\"cjd.window.cpu_util\":0.1,",
		"\"cjd.window.ctx_switches_per_cpu_s\":1e-07,",
		"\"cjd.cost.cpu_seconds\":123456789.125,", "\"cjd.cost.usd\":1371.7421013888888"};
	for (size_t i = 0; i < sizeof(in_ecs) / sizeof(in_ecs[0]); i++)
		if (!strstr(ecs, in_ecs[i]))
			fail_msg("ECS lacks %s: %s", in_ecs[i], ecs);
	/* integers stay integers, floats that print whole stay as the publisher wrote them */
	assert_non_null(strstr(ecs, "\"cjd.window.syscalls_per_cpu_s\":3,"));
	assert_null(strstr(ecs, "00000001"));
	assert_null(strstr(ecs, "99999999"));

	char *cef = render(CJD_FMT_CEF, "alert.ongoing", s);
	assert_non_null(strstr(cef, " cfp1=0.96310896 "));
	assert_non_null(strstr(cef, " cfp2=123456789.125 "));
	assert_non_null(strstr(cef, " cfp3=1371.7421013888888 "));
	assert_non_null(strstr(cef, "score 0.96310896 cpu_seconds 123456789.125"));

	char *sys = render(CJD_FMT_SYSLOG, "alert.ongoing", s);
	assert_non_null(strstr(sys, " score=\"0.96310896\""));
	assert_non_null(strstr(sys, " cpu_seconds=\"123456789.125\""));
	assert_non_null(strstr(sys, " cost_usd=\"1371.7421013888888\""));
	free(sys);
	free(cef);
	free(ecs);
	free(s);
}

static void test_fprint_and_summary(void **state)
{
	(void)state;
	struct cjd_alert a;
	char buf[256], *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	zt_alert(&a, CJD_ALERT_FIRING, "/evil\n\x1b[2J");
	assert_int_equal(cjd_alert_fprint(m, &a, NULL), -EINVAL); /* no id yet */
	strcpy(a.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(cjd_alert_fprint(m, &a, NULL), 0);
	fclose(m);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	free(text);
	cjd_alert_summary(&a, NULL, buf, sizeof(buf));
	assert_true(strncmp(buf, "FIRING /evil\\x0a\\x1b[2J score 0.970", 35) == 0);
}

/* cjd.evidence: the inspection and verdict as the agent attaches them, valid against the
 * schema, and its short form in text, CEF and syslog. */
static void test_alert_evidence(void **state)
{
	(void)state;
	struct cjd_alert a;
	static const struct cjd_alert_finding f[] = {
		{"fpstate", "2 thread(s) changed the SSE rounding mode", 5}};
	static const char *const sum[] = {"fpstate: 2 of 3 threads changed the rounding mode."};
	static const struct cjd_alert_probe pr[] = {
		{"fpstate", "ran", NULL},
		{"codesample", "unavailable", "no CAP_PERFMON"},
		{"network", "not run", "the sweep runs the cheap probes only"}};
	struct cjd_alert_evidence ev = {
		.status = "inspected", .kind = "sweep", .score = 0.88, .level = "high",
		.mining_specific = true, .model = "verdict-rule", .findings = f, .n_findings = 1,
		.summary = sum, .n_summary = 1, .probes = pr, .n_probes = 3, .age_s = 0.5,
		.elapsed_s = 1.5, .cpu_s = 0.01};

	zt_alert(&a, CJD_ALERT_EVIDENCE, "/docker/x");
	a.evidence = &ev;
	a.by_evidence = true;
	a.severity = 90;
	char *s = alert_json(&a, NULL);
	json_t *d = parse(s);
	assert_string_equal(s_at(d, "event.action"), "evidence");
	assert_string_equal(s_at(d, "cjd.evidence.status"), "inspected");
	assert_string_equal(s_at(d, "cjd.evidence.inspection"), "sweep");
	assert_true(json_is_true(at(d, "cjd.evidence.fired_on_evidence")));
	assert_string_equal(s_at(d, "cjd.evidence.verdict.level"), "high");
	assert_true(json_is_true(at(d, "cjd.evidence.verdict.mining_specific")));
	assert_int_equal(json_array_size(at(d, "cjd.evidence.findings")), 1);
	assert_int_equal(json_array_size(at(d, "cjd.evidence.probes")), 3);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(at(d, "cjd.evidence.probes"), 1), "why")),
			    "no CAP_PERFMON");
	/* a probe without a reason has no "why" */
	assert_null(json_object_get(json_array_get(at(d, "cjd.evidence.probes"), 0), "why"));
	validate("docs/schema/alert-v1.json", s);
	char *text = render(CJD_FMT_TEXT, "alert.evidence", s);
	assert_non_null(strstr(text, "Evidence on a suspected miner: /docker/x"));
	assert_non_null(strstr(text, " evidence high, mining-specific"));
	char *cef = render(CJD_FMT_CEF, "alert.evidence", s);
	assert_non_null(strstr(cef, " cjdEvidence=high cjdMiningSpecific=true"));
	assert_non_null(strstr(cef, "|9|")); /* severity 90 / 10 */
	char *sl = render(CJD_FMT_SYSLOG, "alert.evidence", s);
	assert_non_null(strstr(sl, " evidence=\"high\" mining_specific=\"true\""));
	free(text);
	free(cef);
	free(sl);
	json_decref(d);
	free(s);
	/* before any inspection: the status alone */
	struct cjd_alert_evidence pending = {.status = "pending"};
	zt_alert(&a, CJD_ALERT_FIRING, "/docker/x");
	a.evidence = &pending;
	s = alert_json(&a, NULL);
	d = parse(s);
	assert_string_equal(s_at(d, "cjd.evidence.status"), "pending");
	assert_null(at(d, "cjd.evidence.verdict"));
	validate("docs/schema/alert-v1.json", s);
	text = render(CJD_FMT_TEXT, "alert.firing", s);
	assert_non_null(strstr(text, " evidence pending"));
	free(text);
	json_decref(d);
	free(s);
}

static void test_machine_id(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("mid"), path[300], id[40];
	snprintf(path, sizeof(path), "%s/machine-id", dir);
	FILE *f = fopen(path, "w");
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	assert_int_equal(cjd_machine_id(path, id, sizeof(id)), 0);
	assert_string_equal(id, "0123456789abcdef0123456789abcdef");
	f = fopen(path, "w");
	fputs("not-an-id\n", f);
	fclose(f);
	assert_int_equal(cjd_machine_id(path, id, sizeof(id)), -EINVAL);
	assert_string_equal(id, "");
	assert_int_equal(cjd_machine_id("/nonexistent/machine-id", id, sizeof(id)), -ENOENT);
	zt_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alert_fields),
		cmocka_unit_test(test_alert_evidence),
		cmocka_unit_test(test_alert_kubernetes_and_response),
		cmocka_unit_test(test_alert_needs_id),
		cmocka_unit_test(test_non_finite_is_null),
		cmocka_unit_test(test_hostile_names_json),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_metrics_and_heartbeat),
		cmocka_unit_test(test_event_ids),
		cmocka_unit_test(test_procs_read_own_cgroup),
		cmocka_unit_test(test_cef_escaping),
		cmocka_unit_test(test_syslog_escaping),
		cmocka_unit_test(test_ecs_flat),
		cmocka_unit_test(test_exact_numbers),
		cmocka_unit_test(test_fprint_and_summary),
		cmocka_unit_test(test_machine_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
