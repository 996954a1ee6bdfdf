/* The agent's path to the push outputs: outputs.* keys -> pipeline -> publisher -> a local HTTP and syslog receiver, fed by a recorded miner trace. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/trace_reader.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/config.h"
#include "cjd/daemon/pipeline.h"
#include "zt.h"

static char *dir;

static void set(struct cjd_config *cfg, const char *key, const char *value, bool replace)
{
	struct cjd_error err;
	if (cjd_config_set(cfg, key, value, replace, &err))
		fail_msg("%s=%s: %s", key, value, err.text);
}

static void base_config(struct cjd_config *cfg)
{
	char model[600], ep[700], journal[700];

	assert_int_equal(cjd_config_defaults(cfg), 0);
	snprintf(ep, sizeof(ep), "ipc://%s/pub.sock", dir);
	snprintf(journal, sizeof(journal), "%s/alerts.jsonl", dir);
	set(cfg, "detector.model", zt_source("models/sw-default.json", model, sizeof(model)), true);
	set(cfg, "publish.endpoints", ep, true);
	set(cfg, "journal.path", journal, true);
	set(cfg, "outputs.http.backoff_min", "50ms", true);
	set(cfg, "outputs.syslog.backoff_min", "50ms", true);
}

/* Feeds the example trace (a RandomX miner; it fires once) through the pipeline as replay does. */
static void feed(struct cjd_pipeline *p)
{
	struct cjd_trace_reader *r;
	struct cjd_sample s;
	struct cjd_error err;
	char trace[600];
	uint64_t last = UINT64_MAX;
	int rc;

	zt_source("docs/examples/alert-example.cjdt", trace, sizeof(trace));
	assert_int_equal(cjd_trace_reader_open(&r, trace, &err), 0);
	while ((rc = cjd_trace_reader_next(r, &s, &err)) > 0) {
		s.host = NULL; /* as the local agent's own samples */
		if (s.t_ns != last && last != UINT64_MAX)
			cjd_pipeline_tick(p);
		last = s.t_ns;
		cjd_pipeline_push(p, &s, &err);
	}
	assert_int_equal(rc, 0);
	cjd_pipeline_tick(p);
	cjd_trace_reader_free(r);
}

static void test_outputs_from_config(void **state)
{
	(void)state;
	struct zt_child hrx, srx;
	struct cjd_config cfg;
	struct cjd_pipeline *p;
	struct cjd_error err;
	char hport_file[700], hlog[700], sport_file[700], slog[700], url[128], remote[64];

	snprintf(hport_file, sizeof(hport_file), "%s/h.port", dir);
	snprintf(hlog, sizeof(hlog), "%s/h.log", dir);
	snprintf(sport_file, sizeof(sport_file), "%s/s.port", dir);
	snprintf(slog, sizeof(slog), "%s/s.log", dir);
	char *hargs[] = {"--port-file", hport_file, "--log", hlog, "--expect", "falcosidekick", NULL};
	char *sargs[] = {"--port-file", sport_file, "--log", slog, NULL};
	int hport = zt_spawn_python(&hrx, "tests/publish/http_receiver.py", hargs, hport_file);
	int sport = zt_spawn_python(&srx, "tests/publish/syslog_receiver.py", sargs, sport_file);
	assert_true(hport > 0 && sport > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/falco", hport);
	snprintf(remote, sizeof(remote), "127.0.0.1:%d", sport);

	base_config(&cfg);
	set(&cfg, "outputs.http.url", url, true);
	set(&cfg, "outputs.http.format", "falcosidekick", true);
	set(&cfg, "outputs.http.topics", "alert", true);
	set(&cfg, "outputs.http.topics", "heartbeat", false);
	set(&cfg, "outputs.syslog.remote", remote, true);
	set(&cfg, "outputs.syslog.format", "leef", true);
	struct cjd_pipeline_options po = {.cfg = &cfg};
	int rc = cjd_pipeline_new(&p, &po, 0, 0, &err);
	if (rc)
		fail_msg("pipeline: %s:%d: %s", err.file, err.line, err.text);
	feed(p);
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE, .stopping = true};
	cjd_pipeline_heartbeat(p, &hb);
	cjd_pipeline_free(p); /* drains both outputs */
	cjd_config_release(&cfg);
	/* the syslog receiver logs what it read a moment after the write */
	for (int i = 0; i < 500; i++) {
		json_t *l = zt_json_lines(slog);
		size_t n = json_array_size(l);
		json_decref(l);
		if (n >= 1)
			break;
		usleep(20000);
	}

	json_t *h = zt_json_lines(hlog), *e;
	size_t i;
	int firing = 0, heartbeats = 0;
	json_array_foreach (h, i, e) {
		json_t *b = json_object_get(e, "body");
		assert_int_equal(json_integer_value(json_object_get(e, "status")), 200);
		const char *rule = json_string_value(json_object_get(b, "rule"));
		if (!strcmp(rule, "cjd cryptomining: sw-default software")) {
			firing++;
			assert_string_equal(json_string_value(json_object_get(b, "priority")), "Warning");
		} else if (!strcmp(rule, "heartbeat")) {
			heartbeats++;
			json_t *of = json_object_get(b, "output_fields");
			assert_true(json_is_true(json_object_get(of, "cjd.stopping")));
		}
	}
	assert_int_equal(firing, 1);
	assert_int_equal(heartbeats, 1);
	json_decref(h);

	json_t *sl = zt_json_lines(slog);
	int leef = 0;
	json_array_foreach (sl, i, e) {
		assert_null(json_object_get(e, "error"));
		const char *msg = json_string_value(json_object_get(e, "msg"));
		if (msg && strstr(msg, " cjd - alert.firing - LEEF:2.0|cjd|cjd|") &&
		    strstr(msg, "\truleId=cjd:sw-default:alert.firing\t"))
			leef++;
	}
	assert_int_equal(leef, 1); /* alerts only: no heartbeat on this one */
	assert_int_equal(json_array_size(sl), 1);
	json_decref(sl);
	zt_kill_wait(&hrx, SIGTERM);
	zt_kill_wait(&srx, SIGTERM);
	zt_child_close(&hrx);
	zt_child_close(&srx);
}

/* A token file that cannot be read stops the start as a configuration error naming it. */
static void test_output_file_errors_are_config_errors(void **state)
{
	(void)state;
	struct cjd_config cfg;
	struct cjd_pipeline *p;
	struct cjd_error err;

	base_config(&cfg);
	set(&cfg, "outputs.http.url", "https://siem.example/", true);
	set(&cfg, "outputs.http.token_file", "/nonexistent/cjd.token", true);
	struct cjd_pipeline_options po = {.cfg = &cfg};
	int rc = cjd_pipeline_new(&p, &po, 0, 0, &err);
	if (rc != -EINVAL)
		fail_msg("pipeline: %d %s:%d: %s", rc, err.file, err.line, err.text);
	assert_string_equal(err.file, "/nonexistent/cjd.token");
	cjd_config_release(&cfg);
}

static int setup(void **state)
{
	(void)state;
	return zt_receivers_setup("pipeline-outputs", false, &dir);
}

static int teardown(void **state)
{
	(void)state;
	return zt_receivers_teardown(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_from_config),
		cmocka_unit_test(test_output_file_errors_are_config_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
