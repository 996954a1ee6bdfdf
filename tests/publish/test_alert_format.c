/* The SIEM renderings name the container: text, CEF and syslog lines with names, images and pods, hostile ones escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/publish/alert_format.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_status_json.h"
#include "zt.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CG "/kubepods/burstable/pod3f1c2a9e-4b5d-4c6e-8f70-123456789abc/" ID64

/* An alert for CG with the given names, serialized and parsed back, as a subscriber gets it. */
static json_t *alert_doc(const char *name, const char *image, const char *pod, const char *ns,
			 char **json)
{
	struct cjd_identity id;
	struct cjd_alert a;
	size_t len;

	zt_alert(&a, CJD_ALERT_FIRING, CG);
	strcpy(a.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	cjd_identity_parse(CG, &id);
	id.resolved = true;
	cjd_identity_set(id.name, sizeof(id.name), name);
	cjd_identity_set_image(&id, image);
	cjd_identity_set(id.pod_name, sizeof(id.pod_name), pod);
	cjd_identity_set(id.namespace, sizeof(id.namespace), ns);
	struct cjd_alert_context ctx = {.host_name = "node-17", .identity = &id};
	assert_int_equal(cjd_alert_json(&a, &ctx, json, &len), 0);
	json_t *d = json_loads(*json, 0, NULL);
	assert_non_null(d);
	return d;
}

static char *render(enum cjd_sub_format f, json_t *d)
{
	char *out = NULL;
	assert_int_equal(cjd_format_message(f, "alert.firing", d, &out), 0);
	assert_null(strchr(out, '\n'));
	return out;
}

static void test_names_in_every_format(void **state)
{
	(void)state;
	char *json, msg[4096];
	json_t *d = alert_doc("web-1", "nginx:1.25", "web-1", "default", &json);
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", json, msg, sizeof(msg)), 0);

	char *t = render(CJD_FMT_TEXT, d);
	assert_non_null(strstr(t, "2026-11-26T18:40:00.123456789Z node-17 Cryptocurrency miner "
				  "detected: container web-1 (image nginx:1.25, pod default/web-1) "
				  "cgroup " CG " score "));
	assert_non_null(strstr(t, " id 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
	free(t);

	char *c = render(CJD_FMT_CEF, d);
	assert_non_null(strstr(c, " flexString1Label=containerName flexString1=web-1"));
	assert_non_null(strstr(c, " flexString2Label=image flexString2=nginx:1.25"));
	assert_non_null(strstr(c, " cjdPodName=web-1 cjdNamespace=default"));
	assert_non_null(strstr(c, " cs2Label=containerId cs2=" ID64));
	assert_non_null(strstr(c, "msg=Cryptocurrency miner detected: container web-1 (image nginx:1.25, pod default/web-1)"));
	free(c);

	char *s = render(CJD_FMT_SYSLOG, d);
	assert_non_null(strstr(s, " container=\"" ID64 "\" container_name=\"web-1\" image=\"nginx:1.25\" "
				  "pod=\"web-1\" namespace=\"default\" pod_uid=\"3f1c2a9e-4b5d-4c6e-8f70-123456789abc\""));
	free(s);

	char *e = render(CJD_FMT_ECS, d);
	json_t *flat = json_loads(e, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(flat, "container.name")), "web-1");
	assert_string_equal(json_string_value(json_object_get(flat, "container.image.name")), "nginx");
	assert_string_equal(json_string_value(json_object_get(flat, "orchestrator.namespace")), "default");
	json_decref(flat);
	free(e);
	json_decref(d);
	free(json);
}

static void test_without_names(void **state)
{
	(void)state;
	char *json;
	json_t *d = alert_doc(NULL, NULL, NULL, NULL, &json);
	char *t = render(CJD_FMT_TEXT, d);
	/* no runtime record: the cgroup, as before */
	assert_non_null(strstr(t, "Cryptocurrency miner detected: " CG " score"));
	free(t);
	char *c = render(CJD_FMT_CEF, d);
	assert_null(strstr(c, "flexString1"));
	free(c);
	json_decref(d);
	free(json);
}

static void test_hostile_names(void **state)
{
	(void)state;
	char *json, msg[4096];
	/* a name that tries to end a line, a field or a value, and a terminal escape */
	json_t *d = alert_doc("x\n<13>1 forged\"] =|\\\x1b[2J", "evil\rimg:t=1", "p]\"", "ns|=", &json);
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", json, msg, sizeof(msg)), 0);
	assert_non_null(strstr(json, "\"name\":\"x\\n<13>1 forged\\\"] =|\\\\\\u001b[2J\""));

	char *t = render(CJD_FMT_TEXT, d);
	assert_non_null(strstr(t, "container x\\n<13>1 forged\"] =|\\\\\\x1b[2J (image evil\\rimg:t=1, pod ns|=/p]\")"));
	free(t);
	char *c = render(CJD_FMT_CEF, d);
	assert_non_null(strstr(c, "flexString1=x\\n<13>1 forged\"] \\=|\\\\ [2J"));
	assert_non_null(strstr(c, "cjdNamespace=ns|\\="));
	free(c);
	char *s = render(CJD_FMT_SYSLOG, d);
	assert_non_null(strstr(s, "container_name=\"x\\n<13>1 forged\\\"\\] =|\\\\\\x1b[2J\""));
	assert_non_null(strstr(s, "pod=\"p\\]\\\"\""));
	free(s);
	json_decref(d);
	free(json);
}

/* Undoes LEEF value escaping (\t \n \r \\ \xHH) into out. */
static void leef_unescape(const char *v, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *c = v; *c && o + 1 < cap; c++) {
		if (*c != '\\') {
			out[o++] = *c;
			continue;
		}
		c++;
		if (*c == 't')
			out[o++] = '\t';
		else if (*c == 'n')
			out[o++] = '\n';
		else if (*c == 'r')
			out[o++] = '\r';
		else if (*c == 'x') {
			char hex[3] = {c[1], c[2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			c += 2;
		} else
			out[o++] = *c;
	}
	out[o] = '\0';
}

/*
 * LEEF with names that try to add an attribute (a tab), a line, a second
 * header (|), and to forge key=value: split on the delimiter as QRadar does,
 * every attribute is key=value with a known key once, and unescaping gives
 * the names back byte for byte.
 */
static void test_leef_tricky_values(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"cat", "sev", "devTime", "devTimeFormat", "host", "eventId", "action", "ruleName",
		"ruleId", "cgroup", "containerId", "container", "image", "pod", "namespace", "podUid",
		"score", "model", "modelVersion", "mode", "cpuSeconds", "costUsd", "msg"};
	const char *name = "web\t1\tsev=10\ncat=x|LEEF:2.0|a|b|c|d|x09|\\\x1b[2J=";
	char *json;
	json_t *d = alert_doc(name, "evil\timg:t=1", "p\tod", "ns|=", &json);
	char *l = render(CJD_FMT_LEEF, d);

	assert_int_equal(strncmp(l, "LEEF:2.0|cjd|cjd|", 17), 0);
	assert_non_null(strstr(l, "|alert.firing|x09|cat=cryptomining\tsev=7\tdevTime=2026-11-26T18:40:00.123Z\t"
				  "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX\t"));
	/* exactly six header pipes before the attributes: the names added none */
	char *attrs = l;
	for (int i = 0; i < 6; i++)
		attrs = strchr(attrs, '|') + 1;
	assert_int_equal(strncmp(attrs, "cat=", 4), 0);
	int seen[sizeof(keys) / sizeof(keys[0])] = {0};
	size_t n = 0;
	for (char *save = NULL, *a = strtok_r(attrs, "\t", &save); a; a = strtok_r(NULL, "\t", &save)) {
		char *eq = strchr(a, '=');
		assert_non_null(eq);
		*eq = '\0';
		size_t k;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(a, keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			fail_msg("unknown LEEF key '%s'", a);
		assert_int_equal(seen[k]++, 0);
		n++;
		char back[1024];
		leef_unescape(eq + 1, back, sizeof(back));
		if (!strcmp(a, "container"))
			assert_string_equal(back, name);
		if (!strcmp(a, "image"))
			assert_string_equal(back, "evil\timg:t=1");
		if (!strcmp(a, "pod"))
			assert_string_equal(back, "p\tod");
		if (!strcmp(a, "namespace"))
			assert_string_equal(back, "ns|=");
		if (!strcmp(a, "sev"))
			assert_string_equal(eq + 1, "7"); /* severity 73 */
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!seen[k])
			fail_msg("LEEF key %s is missing", keys[k]);
	assert_int_equal(n, sizeof(keys) / sizeof(keys[0]));
	free(l);
	json_decref(d);
	free(json);
}

/* sev stays within LEEF's 1..10; a message without a severity gets 1. */
static void test_leef_status_messages(void **state)
{
	(void)state;
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE, .cgroups_monitored = 12};
	struct cjd_json_host h = {.name = "node\t17"};
	char *json, *l = NULL;
	size_t len;

	assert_int_equal(cjd_heartbeat_json(&hb, NULL, &h, 1, &json, &len), 0);
	json_t *d = json_loads(json, 0, NULL);
	assert_int_equal(cjd_format_message(CJD_FMT_LEEF, "heartbeat", d, &l), 0);
	assert_non_null(strstr(l, "|heartbeat|x09|cat=heartbeat\tsev=1\t"));
	assert_non_null(strstr(l, "\thost=node\\t17\t"));
	assert_non_null(strstr(l, "\tcgroupsMonitored=12"));
	assert_null(strchr(l, '\n'));
	free(l);
	json_decref(d);
	free(json);
}

/* rule.* names the model and mode; rule.id is stable per model and topic. */
static void test_rule_fields(void **state)
{
	(void)state;
	struct cjd_alert a;
	char *json, msg[4096];
	size_t len;
	struct cjd_alert_context ctx = {.host_name = "node-17"};

	zt_alert(&a, CJD_ALERT_FIRING, CG);
	strcpy(a.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(cjd_alert_json(&a, &ctx, &json, &len), 0);
	assert_non_null(strstr(json, "\"rule\":{\"name\":\"cjd cryptomining: software-gbdt software\","
				     "\"id\":\"cjd:software-gbdt:alert.firing\",\"ruleset\":\"cjd\","
				     "\"version\":\"1.0.0\"}"));
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", json, msg, sizeof(msg)), 0);
	free(json);

	a.mode = CJD_MODE_HARDWARE;
	a.action = CJD_ALERT_RESOLVED;
	a.model_version = NULL;
	assert_int_equal(cjd_alert_json(&a, &ctx, &json, &len), 0);
	assert_non_null(strstr(json, "\"rule\":{\"name\":\"cjd cryptomining: software-gbdt hardware\","
				     "\"id\":\"cjd:software-gbdt:alert.resolved\",\"ruleset\":\"cjd\"}"));
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", json, msg, sizeof(msg)), 0);
	free(json);

	a.model_name = NULL;
	assert_int_equal(cjd_alert_json(&a, &ctx, &json, &len), 0);
	assert_non_null(strstr(json, "\"rule\":{\"name\":\"cjd cryptomining: hardware\","
				     "\"id\":\"cjd:alert.resolved\""));
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", json, msg, sizeof(msg)), 0);
	free(json);
}

static void test_metrics_names(void **state)
{
	(void)state;
	struct cjd_identity id;
	char *json, msg[4096];
	size_t len;

	cjd_identity_parse("/docker/" ID64, &id);
	id.resolved = true;
	strcpy(id.name, "web-1");
	cjd_identity_set_image(&id, "nginx:1.25");
	struct cjd_metrics m = {.cgroup = "/docker/" ID64, .identity = &id, .mode = CJD_MODE_SOFTWARE,
				.state = "idle", .interval_ns = 10000000000ull, .price_per_cpu_hour = 0.04};
	struct cjd_json_host h = {.name = "node-17"};
	assert_int_equal(cjd_metrics_json(&m, &h, 3, &json, &len), 0);
	assert_int_equal(zt_validate("docs/schema/metrics-v1.json", json, msg, sizeof(msg)), 0);
	assert_non_null(strstr(json, "\"container\":{\"id\":\"" ID64 "\",\"runtime\":\"docker\","
				     "\"name\":\"web-1\",\"image\":{\"name\":\"nginx\",\"tag\":[\"1.25\"]}}"));
	json_t *d = json_loads(json, 0, NULL);
	char *t = NULL;
	assert_int_equal(cjd_format_message(CJD_FMT_TEXT, "metrics", d, &t), 0);
	assert_non_null(strstr(t, "Cgroup CPU cost summary: container web-1 (image nginx:1.25) cgroup /docker/"));
	free(t);
	json_decref(d);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_in_every_format), cmocka_unit_test(test_without_names),
		cmocka_unit_test(test_hostile_names), cmocka_unit_test(test_leef_tricky_values),
		cmocka_unit_test(test_leef_status_messages), cmocka_unit_test(test_rule_fields),
		cmocka_unit_test(test_metrics_names)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
