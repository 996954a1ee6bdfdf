/* Unit tests for the configuration: defaults, strict loading with located errors, overrides, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/suggest.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/daemon/config.h"

static void test_defaults(void **state)
{
	(void)state;
	struct cjd_config c;
	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_true(c.interval_ns == 1000000000ull);
	assert_true(c.rescan_ns == 2000000000ull);
	assert_int_equal(c.window, 8);
	assert_int_equal(c.fire_windows, 3);
	assert_true(c.ongoing_ns == 60000000000ull);
	assert_true(fabs(c.price_per_cpu_hour - 0.04) < 1e-12);
	assert_true(isnan(c.threshold));
	assert_int_equal(c.endpoints.n, 2);
	assert_string_equal(c.endpoints.v[0], "tcp://127.0.0.1:5556");
	assert_string_equal(c.endpoints.v[1], "ipc:///run/cjd/alerts.sock");
	assert_string_equal(c.journal, "/var/lib/cjd/alerts.jsonl");
	assert_int_equal(c.action, CJD_ACTION_ALERT);
	assert_null(c.model);
	cjd_config_release(&c);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct cjd_config a, b;
	struct cjd_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	assert_int_equal(cjd_config_defaults(&a), 0);
	assert_int_equal(cjd_config_set(&a, "detector.allowlist", "/system.slice/*", false, &err), 0);
	/* names, and a bad entry refused with the reason (the list is unchanged) */
	assert_int_equal(cjd_config_set(&a, "detector.allowlist", "image:nginx:*", false, &err), 0);
	assert_int_equal(cjd_config_set(&a, "detector.allowlist", "namespace:kube-system", false, &err), 0);
	assert_int_equal(cjd_config_set(&a, "detector.allowlist", "pods:x", false, &err), -EINVAL);
	assert_string_equal(err.text, "detector.allowlist: \"pods:x\": unknown prefix \"pods:\"; did you mean pod:?");
	assert_int_equal(a.allowlist.n, 3);
	assert_int_equal(cjd_config_set(&a, "detector.allowlist", "/system.slice/*", true, &err), 0);
	assert_int_equal(cjd_config_set(&a, "detector.threshold", "0.9", false, &err), 0);
	assert_int_equal(cjd_config_set(&a, "collector.interval", "200ms", false, &err), 0);
	mem = open_memstream(&text, &len);
	assert_int_equal(cjd_config_write(&a, mem), 0);
	fclose(mem);
	assert_int_equal(cjd_config_defaults(&b), 0);
	assert_int_equal(cjd_config_load_string(&b, "mem", text, &err), 0);
	assert_true(b.interval_ns == 200000000ull);
	assert_true(fabs(b.threshold - 0.9) < 1e-12);
	assert_int_equal(b.allowlist.n, 1);
	assert_string_equal(b.allowlist.v[0], "/system.slice/*");
	free(text);
	cjd_config_release(&a);
	cjd_config_release(&b);
}

static const struct {
	const char *text;
	int line, col;
	const char *msg;
} bad[] = {
	{"{\n  \"collector\": {\n    \"interval\": \"5ms\"\n  }\n}", 3, 17,
	 "collector.interval is 5ms; allowed 10ms to 1h"},
	{"{\"collector\": {\"intervall\": \"5s\"}}", 1, 16,
	 "unknown key \"intervall\" in section \"collector\"; did you mean 'interval'?"},
	{"{\"collectors\": {}}", 1, 2,
	 "unknown section \"collectors\" (sections: collector, detector, publish, journal, actions, "
	 "outputs, evidence, log, metrics); did you mean 'collector'?"},
	{"{\"colector\": {}, \"collector.interval\": \"1s\"}", 1, 2,
	 "unknown section \"colector\" (sections: collector, detector, publish, journal, actions, "
	 "outputs, evidence, log, metrics); did you mean 'collector'?"},
	{"{\"collector\": {}, \"collector.interval\": \"1s\"}", 1, 19,
	 "unknown section \"collector.interval\" (sections: collector, detector, publish, journal, "
	 "actions, outputs, evidence, log, metrics); write it as {\"collector\": {\"interval\": ...}}"},
	{"{\"detector\": {\"interval\": \"1s\"}}", 1, 15,
	 "unknown key \"interval\" in section \"detector\"; did you mean 'collector.interval'? (it "
	 "belongs in section \"collector\")"},
	{"{\"log\": {\"level\": \"warning\"}}", 1, 19,
	 "log.level must be one of error|warn|info|debug; did you mean 'warn'?"},
	{"{\"actions\": {\"action\": \"Freez\"}}", 1, 24,
	 "actions.action must be one of alert|freeze|throttle; did you mean 'freeze'?"},
	{"{\"collector\": {\"nothing_like_it\": 1}}", 1, 16,
	 "unknown key \"nothing_like_it\" in section \"collector\""},
	{"{\"detector\": {\"window\": \"8\"}}", 1, 25, "detector.window must be a whole number"},
	{"{\"detector\": {\"window\": 1}}", 1, 25, "detector.window is 1; allowed 2 to 64"},
	{"{\"detector\": {\"threshold\": 0.5, \"threshold_low\": 0.7}}", 1, 50,
	 "detector.threshold_low (0.7) is above detector.threshold (0.5)"},
	{"{\"log\": {\"level\": \"loud\"}}", 1, 19, "log.level must be one of error|warn|info|debug"},
	{"{\"actions\": {\"action\": \"kill\"}}", 1, 24, "actions.action must be one of alert|freeze|throttle"},
	{"{\"publish\": {\"endpoints\": []}}", 1, 27, "publish.endpoints must list at least one endpoint"},
	{"{\"publish\": {\"endpoints\": [\"tcp://x:1\", 7]}}", 1, 41,
	 "publish.endpoints must hold non-empty strings"},
	{"{\"publish\": {\"hwm\": -1}}", 1, 21, "publish.hwm must not be negative"},
	{"{\"collector\": {\"interval\": \"1s\", \"interval\": \"2s\"}}", 1, 43,
	 "duplicate object key near '\"interval\"'"},
	{"[1]", 1, 1, "the configuration must be a JSON object"},
	{"{\"journal\": {\"rotate_size\": \"12Q\"}}", 1, 29, "journal.rotate_size must be a size such as 64M or 1048576"},
	{"{\"detector\": {\"allowlist\": [\"/ok\",\n  \"imgae:nginx:*\"]}}", 2, 3,
	 "detector.allowlist: \"imgae:nginx:*\": unknown prefix \"imgae:\"; did you mean image:?"},
	{"{\"detector\": {\"allowlist\": [\"nginx\"]}}", 1, 29,
	 "detector.allowlist: \"nginx\" is neither a cgroup glob (starting with / or *) nor one of "
	 "image:GLOB, container:GLOB, namespace:GLOB, pod:GLOB, cgroup:GLOB"},
	{"{\"detector\": {\"allowlist\": [\"container:\"]}}", 1, 29,
	 "detector.allowlist: \"container:\" has no glob after container:"},
};

static void test_bad(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < CJD_ARRAY_SIZE(bad); i++) {
		struct cjd_config c;
		struct cjd_error err;
		assert_int_equal(cjd_config_defaults(&c), 0);
		uint64_t before = c.interval_ns;
		int rc = cjd_config_load_string(&c, "cfg.json", bad[i].text, &err);
		if (rc != -EINVAL || err.line != bad[i].line || err.column != bad[i].col ||
		    strcmp(err.text, bad[i].msg) || strcmp(err.file, "cfg.json")) {
			print_error("case %zu: rc=%d %s:%d:%d: %s\n", i, rc, err.file, err.line,
				    err.column, err.text);
			failures++;
		}
		/* a rejected file leaves the running configuration untouched */
		assert_true(c.interval_ns == before);
		cjd_config_release(&c);
	}
	assert_int_equal(failures, 0);
}

struct seen {
	struct cjd_error v[16];
	size_t n;
};

static void collect(const struct cjd_error *err, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 16)
		s->v[s->n] = *err;
	s->n++;
}

/* `cjd config --check`: every problem of a file, in file order, not only the first. */
/* The evidence section's keys: every problem with its file, line and column. */
static void test_evidence_keys(void **state)
{
	(void)state;
	static const char text[] =
		"{\n"
		"  \"detector\": {\"threshold\": 0.5},\n"
		"  \"evidence\": {\"enabled\": \"yes\", \"require\": \"mining\",\n"
		"               \"cpu_budget\": 2, \"suspect_threshold\": 0.7,\n"
		"               \"probes\": \"fpstate,codesampel\", \"max_pause\": \"5s\"}\n"
		"}\n";
	static const struct {
		int line, col;
		const char *msg;
	} want[] = {
		{3, 27, "evidence.enabled must be true or false"},
		{3, 45, "evidence.require must be one of auto|none|any|verdict|mining-specific; did you mean "
			"'mining-specific'?"},
		{4, 30, "evidence.cpu_budget is 2; allowed 0.001 to 1"},
		{4, 54, "evidence.suspect_threshold (0.7) is above detector.threshold (0.5)"},
		{5, 26, NULL}, /* the probe list: the evidence library's words */
		{5, 61, "evidence.max_pause is 5s; allowed 1ms to 1s"},
	};
	struct seen seen = {.n = 0};

	assert_int_equal(cjd_config_check("cfg.json", text, collect, &seen), CJD_ARRAY_SIZE(want));
	for (size_t i = 0; i < CJD_ARRAY_SIZE(want); i++) {
		if (seen.v[i].line != want[i].line || seen.v[i].column != want[i].col ||
		    (want[i].msg && strcmp(seen.v[i].text, want[i].msg)) ||
		    (!want[i].msg && !strstr(seen.v[i].text, "codesampel")))
			fail_msg("problem %zu: got %s:%d:%d: %s", i, seen.v[i].file, seen.v[i].line,
				 seen.v[i].column, seen.v[i].text);
	}
	/* JSON booleans, and the command line's text form */
	struct cjd_config c;
	struct cjd_error err;
	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_true(c.evidence_enabled);
	assert_int_equal(cjd_config_load_string(&c, "b.json", "{\"evidence\": {\"enabled\": false}}",
						&err), 0);
	assert_false(c.evidence_enabled);
	assert_int_equal(cjd_config_set(&c, "evidence.enabled", "true", true, &err), 0);
	assert_true(c.evidence_enabled);
	assert_int_equal(cjd_config_set(&c, "evidence.enabled", "1", true, &err), -EINVAL);
	assert_string_equal(err.text, "evidence.enabled must be true or false");
	cjd_config_release(&c);
}

static void test_check_reports_all(void **state)
{
	(void)state;
	static const char text[] =
		"{\n"
		"  \"collector\": {\"intervall\": \"1s\", \"rescan\": \"5ms\",\n"
		"                \"include\": [\"/a\", 7]},\n"
		"  \"detectr\": {},\n"
		"  \"detector\": {\"threshold\": 0.5, \"threshold_low\": 0.7},\n"
		"  \"log\": {\"level\": \"warning\"},\n"
		"  \"publish\": {\"endpoints\": []}\n"
		"}\n";
	static const struct {
		int line, col;
		const char *msg;
	} want[] = {
		{2, 17, "unknown key \"intervall\" in section \"collector\"; did you mean 'interval'?"},
		{2, 46, "collector.rescan is 5ms; allowed 100ms to 1h"},
		{3, 35, "collector.include must hold non-empty strings"},
		{4, 3, "unknown section \"detectr\" (sections: collector, detector, publish, journal, "
		       "actions, outputs, evidence, log, metrics); did you mean 'detector'?"},
		{5, 51, "detector.threshold_low (0.7) is above detector.threshold (0.5)"},
		{6, 20, "log.level must be one of error|warn|info|debug; did you mean 'warn'?"},
		{7, 28, "publish.endpoints must list at least one endpoint"},
	};
	struct seen seen = {.n = 0};

	assert_int_equal(cjd_config_check("cfg.json", text, collect, &seen), CJD_ARRAY_SIZE(want));
	assert_int_equal(seen.n, CJD_ARRAY_SIZE(want));
	for (size_t i = 0; i < CJD_ARRAY_SIZE(want); i++) {
		if (seen.v[i].line != want[i].line || seen.v[i].column != want[i].col ||
		    strcmp(seen.v[i].text, want[i].msg) || strcmp(seen.v[i].file, "cfg.json"))
			fail_msg("problem %zu: got %s:%d:%d: %s", i, seen.v[i].file, seen.v[i].line,
				 seen.v[i].column, seen.v[i].text);
	}
	/* the loader gives the first of them */
	struct cjd_config c;
	struct cjd_error err;
	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_int_equal(cjd_config_load_string(&c, "cfg.json", text, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 17);
	cjd_config_release(&c);

	/* a valid file: no problem; a syntax error: one, where jansson found it */
	seen.n = 0;
	assert_int_equal(cjd_config_check("ok.json", "{\"log\": {\"level\": \"debug\"}}", collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(cjd_config_check("syn.json", "{\n  \"log\": {\"level\": }\n}", collect, &seen), 1);
	assert_int_equal(seen.v[0].line, 2);
	/* an unreadable file is one problem, named */
	seen.n = 0;
	assert_int_equal(cjd_config_check("/nonexistent/cjd.json", NULL, collect, &seen), 1);
	assert_string_equal(seen.v[0].file, "/nonexistent/cjd.json");
	assert_string_equal(seen.v[0].text, "cannot open: No such file or directory");
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const names[] = {"interval", "rescan", "include", "exclude", "events"};
	assert_int_equal(cjd_edit_distance("interval", "interval"), 0);
	assert_int_equal(cjd_edit_distance("intreval", "interval"), 1); /* a swap is one edit */
	assert_int_equal(cjd_edit_distance("Interval", "interval"), 0);
	assert_int_equal(cjd_edit_distance("", "abc"), 3);
	assert_int_equal(cjd_edit_distance("kitten", "sitting"), 3);
	assert_string_equal(cjd_suggest("intervall", names, 5), "interval");
	assert_string_equal(cjd_suggest("includ", names, 5), "include");
	assert_string_equal(cjd_suggest("exlcude", names, 5), "exclude");
	assert_string_equal(cjd_suggest("evnts", names, 5), "events");
	assert_null(cjd_suggest("zzz", names, 5));
	assert_null(cjd_suggest("cgroup_root", names, 5));
	char longer[100];
	memset(longer, 'a', 99);
	longer[99] = '\0';
	assert_null(cjd_suggest(longer, names, 5));
}

static void test_set_overrides(void **state)
{
	(void)state;
	struct cjd_config c;
	struct cjd_error err;
	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://127.0.0.1:7000", true, &err), 0);
	assert_int_equal(c.endpoints.n, 1);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "ipc:///tmp/x", false, &err), 0);
	assert_int_equal(c.endpoints.n, 2);
	assert_int_equal(cjd_config_set(&c, "collector.interval", "abc", false, &err), -EINVAL);
	assert_string_equal(err.text, "collector.interval must be a duration such as 200ms, 1s or 2m");
	assert_int_equal(cjd_config_set(&c, "nope", "1", false, &err), -ENOENT);
	assert_int_equal(cjd_config_set(&c, "detector.treshold", "1", false, &err), -ENOENT);
	assert_string_equal(err.text, "unknown configuration key \"detector.treshold\"; did you mean "
				      "'detector.threshold'?");
	assert_int_equal(cjd_config_set(&c, "actions.throttle_quota", NULL, false, &err), 0);
	assert_int_equal(cjd_config_set(&c, "actions.action", "throttle", false, &err), -EINVAL);
	assert_string_equal(err.text, "actions.action is throttle but actions.throttle_quota is null");
	assert_int_equal(c.action, CJD_ACTION_ALERT);
	cjd_config_release(&c);
}

/* Runs fn with stderr going to a temporary file; returns what was written (static buffer). */
static const char *stderr_of(void (*fn)(void))
{
	static char buf[4096];
	char path[] = "/tmp/cjd-test-config-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* The image's entrypoint and the DaemonSet's args both say --publish tcp://0.0.0.0:5556
 * (cjd run: the first --publish replaces the defaults, the next ones append). */
static void entrypoint_then_args(void)
{
	struct cjd_config c;
	struct cjd_error err;

	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://0.0.0.0:5556", true, &err), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "ipc:///run/cjd/a.sock", false, &err), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://0.0.0.0:5556", false, &err), 0);
	/* the same wildcard written the other way binds the same port */
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://*:5556", false, &err), 0);
	/* not repeats: another port, another address, a longer port */
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://0.0.0.0:5557", false, &err), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://127.0.0.1:5556", false, &err), 0);
	assert_int_equal(cjd_config_set(&c, "publish.endpoints", "tcp://*:55566", false, &err), 0);
	assert_int_equal(c.endpoints.n, 5);
	assert_string_equal(c.endpoints.v[0], "tcp://0.0.0.0:5556");
	assert_string_equal(c.endpoints.v[1], "ipc:///run/cjd/a.sock");
	assert_string_equal(c.endpoints.v[2], "tcp://0.0.0.0:5557");
	assert_string_equal(c.endpoints.v[3], "tcp://127.0.0.1:5556");
	assert_string_equal(c.endpoints.v[4], "tcp://*:55566");
	/* other lists keep what they are given */
	assert_int_equal(cjd_config_set(&c, "detector.allowlist", "/a/*", false, &err), 0);
	assert_int_equal(cjd_config_set(&c, "detector.allowlist", "/a/*", false, &err), 0);
	assert_int_equal(c.allowlist.n, 2);
	cjd_config_release(&c);
}

/* A file listing one endpoint twice. */
static void file_repeats(void)
{
	struct cjd_config c;
	struct cjd_error err;

	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_int_equal(cjd_config_load_string(&c, "t.json",
						"{\"publish\": {\"endpoints\": [\"ipc:///run/x\", "
						"\"tcp://*:6000\", \"ipc:///run/x\"]}}",
						&err),
			 0);
	assert_int_equal(c.endpoints.n, 2);
	assert_string_equal(c.endpoints.v[0], "ipc:///run/x");
	assert_string_equal(c.endpoints.v[1], "tcp://*:6000");
	cjd_config_release(&c);
}

/* outputs.* live one level deeper ({"outputs": {"http": {...}}}): loaded, written back nested,
 * and every mistake reported with its place, the rules across keys included. */
static void test_outputs_keys(void **state)
{
	(void)state;
	static const char good[] =
		"{\"outputs\": {\"http\": {\"url\": \"https://hec.example:8088/services/collector/event\",\n"
		"                          \"format\": \"splunk-hec\", \"queue\": 50,\n"
		"                          \"headers\": [\"X-Tenant: blue\"], \"topics\": [\"alert\", \"heartbeat\"]},\n"
		"             \"syslog\": {\"remote\": \"[2001:db8::5]\", \"transport\": \"tls\",\n"
		"                          \"format\": \"leef\", \"ca_file\": \"/etc/cjd/ca.pem\"}}}\n";
	static const char broken[] =
		"{\"outputs\": {\"http\": {\"url\": \"ftp://x\", \"frmat\": \"ecs\",\n"
		"                          \"backoff_min\": \"1m\", \"backoff_max\": \"1s\",\n"
		"                          \"headers\": [\"Bad Name: 1\"], \"topics\": [\"alerts\"]},\n"
		"             \"syslog\": {\"remote\": \"h:70000\", \"ca_file\": \"/x\", \"cert_file\": \"/c\"},\n"
		"             \"url\": \"x\", \"http2\": 1}}\n";
	static const struct {
		int line, col;
		const char *msg;
	} want[] = {
		{1, 30, "outputs.http.url must start with http:// or https://, not \"ftp://x\""},
		{1, 41, "unknown key \"frmat\" in section \"outputs.http\"; did you mean 'format'?"},
		{2, 42, "outputs.http.backoff_min is longer than outputs.http.backoff_max"},
		{3, 39, "header 'Bad Name: 1' is not \"Name: value\" (the name: letters, digits and "
			"!#$%&'*+-.^_`|~)"},
		{3, 66, "topic 'alerts' matches no topic cjd publishes (alert, alert.firing, "
			"alert.ongoing, alert.resolved, alert.gone, alert.frozen, alert.throttled, "
			"alert.aggregate_firing, alert.aggregate_ongoing, alert.aggregate_resolved, "
			"alert.aggregate_gone, alert.evidence, metrics, heartbeat)"},
		{4, 35, "outputs.syslog.remote: 'h:70000': the port must be a number from 1 to 65535"},
		{4, 57, "outputs.syslog.ca_file is set but outputs.syslog.transport is not tls"},
		{4, 76, "outputs.syslog.cert_file and outputs.syslog.key_file go together"},
		{5, 14, "unknown key \"url\" in section \"outputs\"; did you mean 'outputs.http.url'? (it "
			"belongs in section \"outputs.http\")"},
		{5, 26, "unknown key \"http2\" in section \"outputs\""},
	};
	struct cjd_config a, b;
	struct cjd_error err;
	struct seen seen = {.n = 0};
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(cjd_config_defaults(&a), 0);
	assert_null(a.out_http.target);
	assert_int_equal(a.out_http.queue, 1000);
	assert_string_equal(a.out_syslog.format, "rfc5424");
	assert_int_equal(cjd_config_load_string(&a, "good.json", good, &err), 0);
	assert_string_equal(a.out_http.format, "splunk-hec");
	assert_int_equal(a.out_http.queue, 50);
	assert_int_equal(a.out_http.topics.n, 2);
	assert_string_equal(a.out_syslog.target, "[2001:db8::5]");
	FILE *mem = open_memstream(&text, &len);
	assert_int_equal(cjd_config_write(&a, mem), 0);
	fclose(mem);
	assert_non_null(strstr(text, "  \"outputs\": {\n    \"http\": {\n      \"url\": "
				     "\"https://hec.example:8088/services/collector/event\",\n"));
	assert_int_equal(cjd_config_defaults(&b), 0);
	assert_false(cjd_config_same(&a, &b, "outputs."));
	assert_int_equal(cjd_config_load_string(&b, "mem", text, &err), 0);
	assert_true(cjd_config_same(&a, &b, "outputs."));
	assert_string_equal(b.out_http.headers.v[0], "X-Tenant: blue");
	assert_int_equal(cjd_config_set(&b, "outputs.syslog.transport", "tcp", true, &err), -EINVAL);
	assert_string_equal(err.text,
			    "outputs.syslog.ca_file is set but outputs.syslog.transport is not tls");
	assert_int_equal(cjd_config_set(&b, "outputs.http.drain", "0s", true, &err), 0);
	free(text);
	cjd_config_release(&a);
	cjd_config_release(&b);

	assert_int_equal(cjd_config_check("bad.json", broken, collect, &seen), CJD_ARRAY_SIZE(want));
	for (size_t i = 0; i < CJD_ARRAY_SIZE(want); i++) {
		if (seen.v[i].line != want[i].line || seen.v[i].column != want[i].col ||
		    strcmp(seen.v[i].text, want[i].msg))
			fail_msg("problem %zu: got %s:%d:%d: %s", i, seen.v[i].file, seen.v[i].line,
				 seen.v[i].column, seen.v[i].text);
	}
	seen.n = 0;
	assert_int_equal(cjd_config_check("sub.json", "{\"outputs\": {\"http\": 3}}", collect, &seen), 1);
	assert_string_equal(seen.v[0].text, "\"outputs.http\" must be an object");
}

static void test_endpoints_once(void **state)
{
	(void)state;
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_TEXT);
	assert_string_equal(stderr_of(entrypoint_then_args),
			    "cjd: publish.endpoints: tcp://0.0.0.0:5556 is given more than once (as "
			    "tcp://0.0.0.0:5556); binding it once\n"
			    "cjd: publish.endpoints: tcp://*:5556 is given more than once (as "
			    "tcp://0.0.0.0:5556); binding it once\n");
	assert_string_equal(stderr_of(file_repeats),
			    "cjd: publish.endpoints: ipc:///run/x is given more than once (as "
			    "ipc:///run/x); binding it once\n");
}

/* metrics.*: the defaults, addresses checked where they are set, TLS files in pairs. */
static void test_metrics_keys(void **state)
{
	(void)state;
	struct cjd_config c;
	struct cjd_error err;

	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_string_equal(c.metrics_listen, "127.0.0.1:5558");
	assert_int_equal(c.metrics_stale_ns, 300000000000ull);
	assert_int_equal(c.metrics_max_cgroups, 1000);
	assert_null(c.metrics_tls_cert);
	assert_int_equal(cjd_config_set(&c, "metrics.listen", "off", true, &err), 0);
	assert_int_equal(cjd_config_set(&c, "metrics.listen", "[::]:9", true, &err), 0);
	assert_int_equal(cjd_config_set(&c, "metrics.listen", "example.com:80", true, &err), -EINVAL);
	assert_string_equal(err.text, "metrics.listen \"example.com:80\": \"example.com\" is not a numeric "
				      "IPv4 address (write IPv6 as [::1]:PORT)");
	assert_string_equal(c.metrics_listen, "[::]:9"); /* a rejected value changes nothing */
	assert_int_equal(cjd_config_set(&c, "metrics.tls_cert", "/c.pem", true, &err), -EINVAL);
	assert_string_equal(err.text, "metrics.tls_cert and metrics.tls_key go together: set both or neither");
	assert_int_equal(cjd_config_set(&c, "metrics.max_cgroups", "0", true, &err), -EINVAL);
	assert_string_equal(err.text, "metrics.max_cgroups is 0; allowed 1 to 1e+06");
	cjd_config_release(&c);

	static const char text[] = "{\n  \"metrics\": {\"listen\": \"127.0.0.1\", \"stale_after\": \"1m\",\n"
				   "  \"tls_key\": \"/k.pem\"}\n}\n";
	assert_int_equal(cjd_config_defaults(&c), 0);
	assert_int_equal(cjd_config_load_string(&c, "m.json", text, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.text, "metrics.listen \"127.0.0.1\" is not an address"));
	assert_int_equal(cjd_config_load_string(&c, "m.json",
						"{\"metrics\": {\"listen\": \"0.0.0.0:5558\", \"stale_after\": \"1m\", "
						"\"tls_cert\": \"/c.pem\", \"tls_key\": \"/k.pem\"}}",
						&err), 0);
	assert_string_equal(c.metrics_listen, "0.0.0.0:5558");
	assert_int_equal(c.metrics_stale_ns, 60000000000ull);
	cjd_config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_set_overrides),
		cmocka_unit_test(test_check_reports_all),
		cmocka_unit_test(test_evidence_keys),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_endpoints_once),
		cmocka_unit_test(test_outputs_keys),
		cmocka_unit_test(test_metrics_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
