/* cjd replay on a small SYNTHETIC trace built here: the library (daemon/replay.c) and the cjd binary end to end; exactly the expected alerts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/common/trace_header.h"
#include "cjd/common/trace_writer.h"
#include "cjd/daemon/replay.h"
#include "run_cjd.h"

#define SEC 1000000000ull

static char dir[256], trace[300], summary[300], model[1024];

/*
 * The trace is synthetic, written by this test (not a recording): software
 * events at 1 s, 140 s long, host "synthetic-host".
 *   /miner          flat and busy for t=1..120, then idle (label changes)
 *   /vanish         flat and busy for t=1..40, then no samples at all
 *   /miner2         flat and busy from t=50 to the end
 *   /benign         bursty CPU and many syscalls
 *   /allowed/miner  flat and busy, but allowlisted
 *   /idle           nearly nothing
 * The model (tests/detector/data/good/sw-test.json) scores flat, busy CPU high.
 */
static void write_trace(void)
{
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_error err;
	uint64_t x = 99;

	cjd_trace_header_init(&h, "synthetic");
	snprintf(h.host, sizeof(h.host), "synthetic-host");
	snprintf(h.created, sizeof(h.created), "2026-11-26T18:00:00Z");
	h.interval_ns = SEC;
	h.cpus = 2;
	cjd_trace_header_set_events(&h, CJD_EVMASK_SOFTWARE);
	assert_int_equal(cjd_trace_header_set_meta(&h, "{\"note\":\"synthetic test trace\"}"), 0);
	assert_int_equal(cjd_trace_writer_open(&w, trace, &h, CJD_TRACE_COMPRESS_NONE, &err), 0);
	for (uint64_t t = 1; t <= 140; t++) {
		struct {
			const char *cg, *label;
			bool on;
			double util;
			uint64_t sc;
		} rows[] = {
			{"/miner", t <= 120 ? "miner/test" : "benign/idle", true,
			 t <= 120 ? 0.999 + 0.0005 * (double)(t % 3) : 0.0, t <= 120 ? 20 : 0},
			{"/vanish", "miner/test", t <= 40, 0.999 + 0.0005 * (double)(t % 3), 20},
			{"/miner2", "miner/test2", t >= 50, 0.998 + 0.0005 * (double)(t % 4), 25},
			{"/benign", "benign/noise", true, 0.1 + 0.8 * (double)((x >> 33) % 1000) / 1000,
			 100 + (x >> 20) % 900},
			{"/allowed/miner", "miner/allowed", true, 0.999 + 0.0005 * (double)(t % 3), 20},
			{"/idle", "benign/idle", true, 0.001, 3},
		};
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct cjd_sample s;
			if (!rows[i].on)
				continue;
			cjd_sample_clear(&s);
			s.t_ns = t * SEC;
			s.dt_ns = SEC;
			s.cgroup = rows[i].cg;
			s.label = rows[i].label;
			s.events = CJD_EVMASK_SOFTWARE;
			s.count[CJD_EV_TASK_CLOCK] = (uint64_t)(rows[i].util * 1e9);
			s.count[CJD_EV_CONTEXT_SWITCHES] = 5;
			s.count[CJD_EV_PAGE_FAULTS] = 1;
			s.count[CJD_EV_SYSCALLS] = rows[i].sc;
			assert_int_equal(cjd_trace_writer_write(w, &s, &err), 0);
		}
	}
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	cjd_trace_header_release(&h);
}

static int setup(void **state)
{
	(void)state;
	const char *data = getenv("CJD_DETECTOR_DATA");

	snprintf(dir, sizeof(dir), "/tmp/cjd-test-replay-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(dir))
		return -1;
	snprintf(trace, sizeof(trace), "%s/synthetic.cjdt", dir);
	snprintf(summary, sizeof(summary), "%s/summary.json", dir);
	snprintf(model, sizeof(model), "%s/good/sw-test.json", data ? data : "tests/detector/data");
	write_trace();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(trace);
	unlink(summary);
	rmdir(dir);
	return 0;
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void test_replay_fires_expected_alerts(void **state)
{
	(void)state;
	static const struct {
		const char *action, *cgroup, *label;
		uint64_t t;
	} want[] = {
		{"firing", "/miner", "miner/test", 10},
		{"firing", "/vanish", "miner/test", 10},
		{"gone", "/vanish", "miner/test", 46}, /* silent for more than 5 intervals */
		{"firing", "/miner2", "miner/test2", 59},
		{"ongoing", "/miner", "miner/test", 70},
		{"ongoing", "/miner2", "miner/test2", 119},
		{"resolved", "/miner", "benign/idle", 123},
		{"gone", "/miner2", "miner/test2", 140}, /* still firing at the end of the trace */
	};
	char args[2048];
	int code;

	snprintf(args, sizeof(args), "replay --model '%s' --allowlist '/allowed/*' --summary-json "
				     "'%s' --quiet '%s'",
		 model, summary, trace);
	char *out = run_cjd(args, &code);
	assert_int_equal(code, 0);

	size_t i = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), i++) {
		json_error_t je;
		json_t *a = json_loads(line, JSON_REJECT_DUPLICATES, &je);
		if (!a)
			fail_msg("line %zu is not JSON (%s): %s", i + 1, je.text, line);
		if (i >= sizeof(want) / sizeof(want[0]))
			fail_msg("unexpected alert %zu: %s", i + 1, line);
		json_t *cjd = json_object_get(a, "cjd");
		uint64_t t = (uint64_t)json_integer_value(json_object_get(cjd, "t_ns"));
		if (strcmp(jstr(a, "event", "action"), want[i].action) ||
		    strcmp(jstr(a, "cgroup", "path"), want[i].cgroup) || t != want[i].t * SEC ||
		    strcmp(json_string_value(json_object_get(cjd, "label")), want[i].label))
			fail_msg("alert %zu: %s, expected %s %s at %llus", i + 1, line,
				 want[i].action, want[i].cgroup, (unsigned long long)want[i].t);
		assert_string_equal(jstr(a, "host", "name"), "synthetic-host");
		assert_string_equal(jstr(cjd, "model", "name"), "sw-test");
		assert_string_equal(json_string_value(json_object_get(cjd, "mode")), "software");
		/* @timestamp is trace time: created + t_ns */
		char ts[64];
		snprintf(ts, sizeof(ts), "2026-11-26T18:%02llu:%02llu.000000000Z",
			 (unsigned long long)(want[i].t / 60), (unsigned long long)(want[i].t % 60));
		assert_string_equal(json_string_value(json_object_get(a, "@timestamp")), ts);
		assert_int_equal(json_object_size(json_object_get(cjd, "window")), 3);
		json_decref(a);
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	free(out);

	/* The summary: per cgroup and label. */
	json_error_t je;
	json_t *s = json_load_file(summary, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(s);
	assert_int_equal(json_integer_value(json_object_get(s, "samples")),
			 120 + 20 + 40 + 91 + 140 * 3);
	size_t k;
	json_t *row;
	int seen = 0;
	json_array_foreach(json_object_get(s, "cgroups"), k, row) {
		const char *cg = json_string_value(json_object_get(row, "cgroup"));
		json_t *label = json_object_get(row, "label");
		json_t *first = json_object_get(row, "time_to_first_alert_s");
		int firing = (int)json_integer_value(
			json_object_get(json_object_get(row, "alerts"), "firing"));
		if (!strcmp(cg, "/miner") && !strcmp(json_string_value(label), "miner/test")) {
			assert_int_equal(json_integer_value(json_object_get(row, "windows")), 113);
			assert_true(json_number_value(first) == 10.0);
			assert_int_equal(firing, 1);
			seen++;
		} else if (!strcmp(cg, "/miner2")) {
			assert_true(json_number_value(first) == 10.0);
			seen++;
		} else if (!strcmp(cg, "/benign") || !strcmp(cg, "/allowed/miner") ||
			   !strcmp(cg, "/idle")) {
			assert_true(json_is_null(first));
			assert_int_equal(firing, 0);
			seen++;
		}
	}
	assert_int_equal(seen, 5);
	json_decref(s);
}


/* A replay's configuration as cjd replay builds it: no endpoint, no journal, the model's window. */
static void replay_config(struct cjd_config *cfg, const char *model_path)
{
	struct cjd_error err;

	assert_int_equal(cjd_config_defaults(cfg), 0);
	assert_int_equal(cjd_config_set(cfg, "detector.model", model_path, true, &err), 0);
	assert_int_equal(cjd_config_set(cfg, "detector.allowlist", "/allowed/*", false, &err), 0);
	assert_int_equal(cjd_config_unset(cfg, "publish.endpoints"), 0);
	assert_int_equal(cjd_config_unset(cfg, "journal.path"), 0);
	assert_int_equal(cjd_config_unset(cfg, "detector.window"), 0);
	assert_int_equal(cjd_config_unset(cfg, "no.such_key"), -ENOENT);
}

/* The library: the alerts echoed, the summary, the totals and the publisher's count agree. */
static void test_replay_library(void **state)
{
	(void)state;
	const char *files[] = {trace};
	struct cjd_config cfg;
	struct cjd_replay *r;
	struct cjd_error err;
	char *echo = NULL, *js = NULL;
	size_t echo_len = 0, js_len = 0;

	replay_config(&cfg, model);
	FILE *out = open_memstream(&echo, &echo_len);
	assert_non_null(out);
	struct cjd_replay_options o = {.cfg = &cfg, .files = files, .n_files = 1, .echo = out};
	assert_int_equal(cjd_replay_new(&r, &o, &err), 0);
	assert_int_equal(cjd_replay_run(r, &err), 0);
	fclose(out);
	size_t lines = 0;
	for (char *p = echo; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 8); /* as test_replay_fires_expected_alerts lists them */

	struct cjd_replay_totals t;
	cjd_replay_totals(r, &t);
	assert_int_equal(t.samples, 120 + 20 + 40 + 91 + 140 * 3);
	assert_string_equal(t.model_name, "sw-test");
	assert_int_equal(t.window, 8); /* the model's: the configuration said 0 */
	assert_int_equal(t.fire_windows, 3);
	struct cjd_publisher_stats st;
	cjd_replay_publisher_stats(r, &st);
	assert_int_equal(st.alerts, 8);
	assert_int_equal(st.journal_lines, 0);

	FILE *jf = open_memstream(&js, &js_len);
	assert_int_equal(cjd_replay_summary_json(cjd_replay_summary(r), files, &t, jf), 0);
	fclose(jf);
	json_error_t je;
	json_t *j = json_loads(js, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "samples")), (json_int_t)t.samples);
	json_decref(j);
	cjd_replay_free(r);
	cjd_config_release(&cfg);
	free(echo);
	free(js);
}

/* A sample the detector refuses ends the replay naming the file and line;
 * a trace that cannot be opened is a runtime error, a model that cannot
 * score the trace a configuration one. */
static void test_replay_library_errors(void **state)
{
	(void)state;
	char bad[400], hw[1100];
	const char *data = getenv("CJD_DETECTOR_DATA");
	struct cjd_config cfg;
	struct cjd_replay *r;
	struct cjd_error err;

	/* two samples of one cgroup, the second older than the first */
	snprintf(bad, sizeof(bad), "%s/backwards.cjdt", dir);
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	fprintf(f, "{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"synthetic\","
		   "\"interval_ns\":1000000000,\"cpus\":1,\"events\":[\"task-clock\","
		   "\"context-switches\",\"cpu-migrations\",\"page-faults\",\"syscalls\"],"
		   "\"created\":\"2026-11-26T18:00:00Z\"}\n");
	for (int t = 2; t >= 1; t--)
		fprintf(f, "{\"t_ns\":%d000000000,\"dt_ns\":1000000000,\"cgroup\":\"/a\","
			   "\"counts\":[1000,1,0,1,1]}\n", t);
	fclose(f);
	replay_config(&cfg, model);
	const char *files[] = {bad};
	struct cjd_replay_options o = {.cfg = &cfg, .files = files, .n_files = 1};
	assert_int_equal(cjd_replay_new(&r, &o, &err), 0);
	assert_int_equal(cjd_replay_run(r, &err), -EIO);
	assert_string_equal(err.file, bad);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.text, "is not after the previous sample"));
	cjd_replay_free(r);
	unlink(bad);

	const char *missing[] = {"/nonexistent/cjd-test.cjdt"};
	o.files = missing;
	assert_true(cjd_replay_new(&r, &o, &err) < 0);
	assert_int_not_equal(cjd_replay_new(&r, &o, &err), -EINVAL);
	assert_null(r);

	snprintf(hw, sizeof(hw), "%s/good/hw-gbdt.json", data ? data : "tests/detector/data");
	cjd_config_release(&cfg);
	replay_config(&cfg, hw); /* whole-configuration rules: set before the unsets */
	o.files = (const char *[]){trace};
	assert_int_equal(cjd_replay_new(&r, &o, &err), -EINVAL);
	assert_non_null(strstr(err.text, "needs events the source cannot supply"));
	cjd_config_release(&cfg);
}

/*
 * Drops what legitimately differs between two replays of the same input: the
 * event ids (UUIDv7, unique per alert) and the publisher's sequence numbers
 * (which keep counting across files). Everything else must match.
 */
static void normalize(char *s)
{
	static const char *const keys[] = {"\"id\":\"", "\"seq\":"};
	for (size_t k = 0; k < 2; k++) {
		char *p;
		while ((p = strstr(s, keys[k])) != NULL) {
			char *e = p + strlen(keys[k]);
			if (k == 0)
				e = strchr(e, '"') + 1;
			else
				while (*e >= '0' && *e <= '9')
					e++;
			if (*e == ',')
				e++;
			memmove(p, e, strlen(e) + 1);
		}
	}
}

static void test_replay_speed_paces(void **state)
{
	(void)state;
	char args[2048];
	int code;

	/* 140 s of trace at 400x: about 0.35 s. Checks that pacing gives the same
	 * alerts as max speed; timing itself is the benchmark's business. */
	snprintf(args, sizeof(args), "replay -q --speed 400 --model '%s' '%s'", model, trace);
	char *paced = run_cjd(args, &code);
	assert_int_equal(code, 0);
	snprintf(args, sizeof(args), "replay -q --speed max --model '%s' '%s'", model, trace);
	char *fast = run_cjd(args, &code);
	assert_int_equal(code, 0);
	normalize(paced);
	normalize(fast);
	assert_string_equal(paced, fast);
	/* Without the allowlist its miner fires too: 8 + firing, 2 ongoing, gone. */
	size_t lines = 0;
	for (char *p = fast; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 12);
	free(paced);
	free(fast);
}

/* Two traces of the same host one after the other: each starts afresh. */
static void test_replay_two_files(void **state)
{
	(void)state;
	char args[2048];
	int code;

	snprintf(args, sizeof(args), "replay -q --allowlist '/allowed/*' --model '%s' '%s'", model,
		 trace);
	char *one = run_cjd(args, &code);
	assert_int_equal(code, 0);
	snprintf(args, sizeof(args), "replay -q --allowlist '/allowed/*' --model '%s' '%s' '%s'",
		 model, trace, trace);
	char *two = run_cjd(args, &code);
	assert_int_equal(code, 0);
	normalize(one);
	normalize(two);
	size_t n = strlen(one);
	assert_int_equal(strlen(two), 2 * n);
	assert_memory_equal(two, one, n);
	assert_memory_equal(two + n, one, n);
	free(one);
	free(two);
}

static void test_replay_refuses(void **state)
{
	(void)state;
	char args[2048], hw[1100];
	int code;
	const char *data = getenv("CJD_DETECTOR_DATA");

	snprintf(hw, sizeof(hw), "%s/good/hw-gbdt.json", data ? data : "tests/detector/data");
	snprintf(args, sizeof(args), "replay --model '%s' '%s' 2>&1", hw, trace);
	char *out = run_cjd(args, &code);
	assert_int_equal(code, 2);
	assert_non_null(strstr(out, "needs events the source cannot supply: cycles,instructions"));
	free(out);
	/* Without --model the default is picked by the trace's events. */
	snprintf(args, sizeof(args), "replay -q '%s'", trace);
	char moddir[1200];
	snprintf(moddir, sizeof(moddir), "%s/defaults", data ? data : "tests/detector/data");
	setenv("CJD_MODEL_DIR", moddir, 1);
	out = run_cjd(args, &code);
	unsetenv("CJD_MODEL_DIR");
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "\"name\":\"sw-default\""));
	free(out);
	snprintf(args, sizeof(args), "replay --speed fast '%s' 2>&1", trace);
	out = run_cjd(args, &code);
	assert_int_equal(code, 2);
	assert_non_null(strstr(out, "--speed: 'fast' is not a positive number or max"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_library),
		cmocka_unit_test(test_replay_library_errors),
		cmocka_unit_test(test_replay_fires_expected_alerts),
		cmocka_unit_test(test_replay_speed_paces),
		cmocka_unit_test(test_replay_two_files),
		cmocka_unit_test(test_replay_refuses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
