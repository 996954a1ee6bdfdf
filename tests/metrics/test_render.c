/* The exposition text: label escaping of hostile names, both formats' headers and numbers, and the whole output checked by promtool and strict parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/metrics/om_text.h"
#include "cjd/metrics/registry.h"
#include "cjd/metrics/render.h"

/* Escapes s as a label value and returns the text (static buffer). */
static const char *esc(const char *s)
{
	static char out[1024];
	struct cjd_buf b;
	char *t;

	cjd_buf_init(&b);
	cjd_om_escape_label(&b, s);
	assert_int_equal(cjd_buf_steal(&b, &t, NULL), 0);
	snprintf(out, sizeof(out), "%s", t);
	free(t);
	return out;
}

#define FFFD "\xEF\xBF\xBD"

static void test_escape_label(void **state)
{
	(void)state;
	assert_string_equal(esc(NULL), "");
	assert_string_equal(esc("web-1"), "web-1");
	/* the three escapes of both formats */
	assert_string_equal(esc("a\"b"), "a\\\"b");
	assert_string_equal(esc("a\\b"), "a\\\\b");
	assert_string_equal(esc("a\nb"), "a\\nb");
	assert_string_equal(esc("\\\"\n"), "\\\\\\\"\\n");
	/* a name that tries to end the label set and add a sample of its own */
	assert_string_equal(esc("x\"} 1\ncjd_evil 1\n#"), "x\\\"} 1\\ncjd_evil 1\\n#");
	/* well-formed UTF-8 and tab stay as they are */
	assert_string_equal(esc("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x90\xB3\tx"),
			    "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x90\xB3\tx");
	/* bytes that are not UTF-8: one U+FFFD each, then the text resumes */
	assert_string_equal(esc("a\xFF" "b"), "a" FFFD "b");
	assert_string_equal(esc("\xE2\x82"), FFFD FFFD);               /* a truncated sequence */
	assert_string_equal(esc("\xC0\xAF"), FFFD FFFD);               /* overlong '/' */
	assert_string_equal(esc("\xED\xA0\x80" "z"), FFFD FFFD FFFD "z"); /* a UTF-16 surrogate */
	assert_string_equal(esc("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD); /* beyond U+10FFFF */
	assert_string_equal(esc("\xFF\"\xFF"), FFFD "\\\"" FFFD);
	/* controls with no escape would break lines or terminals: replaced */
	assert_string_equal(esc("a\rb\x1B[31mc\x7F"), "a" FFFD "b" FFFD "[31mc" FFFD);
}

static void test_label_pairs(void **state)
{
	(void)state;
	struct cjd_buf b;
	bool first = true;
	char *t;

	cjd_buf_init(&b);
	cjd_om_label(&b, &first, "host", NULL); /* unknown: left out, not sent empty */
	cjd_om_label(&b, &first, "cgroup", "/a\"b");
	cjd_om_label(&b, &first, "container", "");
	cjd_om_label(&b, &first, "image", "nginx:1.25");
	assert_int_equal(cjd_buf_steal(&b, &t, NULL), 0);
	assert_string_equal(t, "cgroup=\"/a\\\"b\",image=\"nginx:1.25\"");
	free(t);
}

static char *family(enum cjd_om_format f, const char *name, enum cjd_om_type type, const char *unit)
{
	struct cjd_buf b;
	char *t;

	cjd_buf_init(&b);
	cjd_om_family(&b, f, name, type, unit, "Say \"hi\" \\ then\nstop.");
	assert_int_equal(cjd_buf_steal(&b, &t, NULL), 0);
	return t;
}

static void test_family_headers(void **state)
{
	(void)state;
	char *t;

	t = family(CJD_OM_OPENMETRICS, "cjd_x_seconds", CJD_OM_COUNTER, "seconds");
	assert_string_equal(t, "# TYPE cjd_x_seconds counter\n# UNIT cjd_x_seconds seconds\n"
			       "# HELP cjd_x_seconds Say \\\"hi\\\" \\\\ then\\nstop.\n");
	free(t);
	t = family(CJD_OM_PROMETHEUS_TEXT, "cjd_x_seconds", CJD_OM_COUNTER, "seconds");
	assert_string_equal(t, "# TYPE cjd_x_seconds_total counter\n"
			       "# HELP cjd_x_seconds_total Say \"hi\" \\\\ then\\nstop.\n");
	free(t);
	t = family(CJD_OM_OPENMETRICS, "cjd_build", CJD_OM_INFO, NULL);
	assert_non_null(strstr(t, "# TYPE cjd_build info\n"));
	free(t);
	t = family(CJD_OM_PROMETHEUS_TEXT, "cjd_build", CJD_OM_INFO, NULL);
	assert_non_null(strstr(t, "# TYPE cjd_build_info gauge\n"));
	free(t);
	t = family(CJD_OM_OPENMETRICS, "cjd_s", CJD_OM_STATESET, NULL);
	assert_non_null(strstr(t, "# TYPE cjd_s stateset\n"));
	free(t);
	t = family(CJD_OM_PROMETHEUS_TEXT, "cjd_s", CJD_OM_STATESET, NULL);
	assert_non_null(strstr(t, "# TYPE cjd_s gauge\n"));
	free(t);
}

static void test_sample_numbers(void **state)
{
	(void)state;
	struct cjd_buf b;
	char *t;

	cjd_buf_init(&b);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, 0.1);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, 3);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, 1e-7);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, NAN);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, INFINITY);
	cjd_om_sample(&b, "m", "", NULL, NULL, NULL, -INFINITY);
	cjd_om_sample_u64(&b, "m", "_total", "a=\"1\"", "action", "fir\"ing", UINT64_MAX);
	cjd_om_sample_u64(&b, "m", "", NULL, "k", "v", 7);
	assert_int_equal(cjd_buf_steal(&b, &t, NULL), 0);
	assert_string_equal(t, "m 0.1\nm 3\nm 1e-07\nm NaN\nm +Inf\nm -Inf\n"
			       "m_total{a=\"1\",action=\"fir\\\"ing\"} 18446744073709551615\nm{k=\"v\"} 7\n");
	free(t);
}

/* ---- the whole exposition, checked by other programs ---- */

static struct cjd_metrics_registry *reg;
static char tmpdir[] = "/tmp/cjd-metrics-render-XXXXXX";

static int setup(void **state)
{
	(void)state;
	struct cjd_metrics_registry_config rc = {.stale_after_ns = 60000000000ull, .max_cgroups = 10};

	if (!mkdtemp(tmpdir) || cjd_metrics_registry_new(&reg, &rc))
		return -1;
	/* hostile names where a runtime's records put them; one cgroup with none */
	struct cjd_identity evil = {.resolved = true};
	snprintf(evil.name, sizeof(evil.name), "we\"b\\1\nx\xFF\xE2\x82y\x1B[31m");
	snprintf(evil.image, sizeof(evil.image), "reg:5000/app\"} 1\ncjd_fake 1");
	snprintf(evil.image_tag, sizeof(evil.image_tag), "v1");
	snprintf(evil.pod_name, sizeof(evil.pod_name), "p\xC3\xA9");
	snprintf(evil.namespace, sizeof(evil.namespace), "ns");
	struct cjd_metrics m = {.cgroup = "/kubepods/pod\"x\"/ctr\\1", .identity = &evil,
				.mode = CJD_MODE_SOFTWARE, .state = "firing", .has_score = true,
				.score = 0.96310896f, .cpu_seconds_total = 12.5,
				.cost_usd_total = 12.5 / 3600 * 0.04};
	cjd_metrics_registry_begin(reg, 1);
	cjd_metrics_registry_cgroup(reg, &m, 1);
	struct cjd_metrics plain = {.cgroup = "/system.slice/cron.service", .state = "idle"};
	cjd_metrics_registry_cgroup(reg, &plain, 1);
	cjd_metrics_registry_end(reg, 1);
	struct cjd_alert al = {.action = CJD_ALERT_FIRING, .cgroup = m.cgroup};
	cjd_metrics_registry_alert(reg, &al, &evil, 2);
	struct cjd_metrics_agent a = {.version = "0.1.0", .mode = CJD_MODE_SOFTWARE,
				      .model_name = "sw-default", .model_version = "2026.11.26",
				      .model_kind = "gbdt", .uptime_seconds = 42.5,
				      .interval_seconds = 1, .samples = 1234, .fd_limit = 20000};
	cjd_metrics_registry_agent(reg, &a);
	cjd_metrics_registry_probe(reg, "fpstate", 0, 0);
	cjd_metrics_registry_probe(reg, "memory", 2, 1500000);
	/* metrics another module adds, with a help text that needs escaping */
	cjd_metrics_registry_counter_add(reg, "cjd_test_added_seconds", "Added \\ counter\nline.", 0.25);
	cjd_metrics_registry_gauge_set(reg, "cjd_test_added_depth", "Added gauge.", 4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[200];
	cjd_metrics_registry_free(reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Renders the registry in f into DIR/name and returns the text. */
static char *render_to(enum cjd_om_format f, const char *name, char *path, size_t len)
{
	struct cjd_metrics_snapshot *s;
	char *text;
	size_t n;

	assert_int_equal(cjd_metrics_registry_snapshot(reg, &s), 0);
	assert_int_equal(cjd_metrics_render(s, f, &text, &n), 0);
	cjd_metrics_snapshot_unref(s);
	assert_int_equal(strlen(text), n);
	snprintf(path, len, "%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(text, 1, n, fp);
	fclose(fp);
	return text;
}

/* Runs cmd, returns its exit status with stdout+stderr in *out (malloc'ed). */
static int run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);

	assert_non_null(p);
	for (size_t n; (n = fread(buf + len, 1, cap - len - 1, p)) > 0;) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	*out = buf;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *parser(char *buf, size_t len)
{
	const char *src = getenv("CJD_SOURCE_DIR");
	snprintf(buf, len, "/usr/bin/python3 %s/tests/metrics/om_parse.py", src ? src : ".");
	return buf;
}

static void test_render_text_format(void **state)
{
	(void)state;
	char path[256], cmd[600], py[300];
	char *out, *text = render_to(CJD_OM_PROMETHEUS_TEXT, "text.prom", path, sizeof(path));

	/* the text format names counters and info metrics by their samples, and has no UNIT/EOF */
	assert_non_null(strstr(text, "# TYPE cjd_cgroup_cpu_seconds_total counter\n"));
	assert_non_null(strstr(text, "# TYPE cjd_build_info gauge\n"));
	assert_non_null(strstr(text, "# TYPE cjd_cgroup_state gauge\n"));
	assert_null(strstr(text, "# UNIT"));
	assert_null(strstr(text, "# EOF"));
	/* one sample per line: no name broke out of its quotes */
	assert_null(strstr(text, "\ncjd_fake"));
	assert_non_null(strstr(text, "cjd_cgroup_score{cgroup=\"/kubepods/pod\\\"x\\\"/ctr\\\\1\","
				     "container=\"we\\\"b\\\\1\\nx" FFFD FFFD FFFD "y" FFFD "[31m\","
				     "image=\"reg:5000/app\\\"} 1\\ncjd_fake 1:v1\",pod=\"p\xC3\xA9\","
				     "namespace=\"ns\"} 0.96310896\n"));
	assert_non_null(strstr(text, "cjd_cgroup_cpu_seconds_total{cgroup=\"/system.slice/cron.service\"} 0\n"));
	/* the state is a stateset: one sample per state, exactly one at 1 */
	assert_non_null(strstr(text, "cjd_cgroup_state{cgroup=\"/system.slice/cron.service\",cjd_cgroup_state=\"ok\"} 1\n"));
	assert_non_null(strstr(text, "cjd_cgroup_state{cgroup=\"/system.slice/cron.service\",cjd_cgroup_state=\"firing\"} 0\n"));
	assert_non_null(strstr(text, "cjd_probe_cpu_seconds_total{probe=\"memory\"} 0.0015\n"));
	assert_non_null(strstr(text, "cjd_alerts_total{action=\"firing\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE cjd_test_added_seconds_total counter\n"
				     "# HELP cjd_test_added_seconds_total Added \\\\ counter\\nline.\n"
				     "cjd_test_added_seconds_total 0.25\n"));
	assert_non_null(strstr(text, "# TYPE cjd_test_added_depth gauge\n"));
	assert_non_null(strstr(text, "cjd_model_info{name=\"sw-default\",version=\"2026.11.26\","
				     "kind=\"gbdt\",mode=\"software\"} 1\n"));

	/* promtool's linter (Prometheus 2.42 reads the text format only) */
	if (access("/usr/bin/promtool", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
		int rc = run(cmd, &out);
		if (rc != 0)
			fail_msg("promtool check metrics (exit %d):\n%s", rc, out);
		free(out);
	} else {
		print_message("skip: promtool is not installed (Debian package prometheus)\n");
	}
	/* prometheus_client's text parser reads the hostile name back exactly as sent */
	snprintf(cmd, sizeof(cmd), "%s text %s 2>&1", parser(py, sizeof(py)), path);
	int rc = run(cmd, &out);
	if (rc == 77) {
		print_message("%s", out);
	} else {
		if (rc != 0)
			fail_msg("text parser (exit %d):\n%s", rc, out);
		assert_non_null(strstr(out, "\"container\": \"we\\\"b\\\\1\\nx\xEF\xBF\xBD\xEF\xBF\xBD"
					    "\xEF\xBF\xBDy\xEF\xBF\xBD[31m\""));
		assert_non_null(strstr(out, "\"image\": \"reg:5000/app\\\"} 1\\ncjd_fake 1:v1\""));
		assert_null(strstr(out, "[\"cjd_fake\""));
	}
	free(out);
	free(text);
}

static void test_render_openmetrics(void **state)
{
	(void)state;
	char path[256], cmd[600], py[300];
	char *out, *text = render_to(CJD_OM_OPENMETRICS, "om.txt", path, sizeof(path));
	size_t n = strlen(text);

	assert_true(n > 6 && !strcmp(text + n - 6, "# EOF\n"));
	assert_non_null(strstr(text, "# TYPE cjd_cgroup_cpu_seconds counter\n"
				     "# UNIT cjd_cgroup_cpu_seconds seconds\n"));
	assert_non_null(strstr(text, "# TYPE cjd_cgroup_cost_usd counter\n# UNIT cjd_cgroup_cost_usd usd\n"));
	assert_non_null(strstr(text, "# TYPE cjd_build info\n"));
	assert_non_null(strstr(text, "cjd_build_info{version=\"0.1.0\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE cjd_cgroup_state stateset\n"));
	assert_non_null(strstr(text, "# TYPE cjd_test_added_seconds counter\n"));
	assert_non_null(strstr(text, "cjd_test_added_seconds_total 0.25\n"));
	assert_non_null(strstr(text, "cjd_test_added_depth 4\n"));
	/* the alert counted on its cgroup, the firing count present (at 0) for the quiet one */
	assert_non_null(strstr(text, "cjd_cgroup_alerts_total{cgroup=\"/system.slice/cron.service\",action=\"firing\"} 0\n"));
	assert_null(strstr(text, "action=\"ongoing\"} 0\ncjd_cgroup")); /* only firing is always there */

	snprintf(cmd, sizeof(cmd), "%s openmetrics %s 2>&1", parser(py, sizeof(py)), path);
	int rc = run(cmd, &out);
	if (rc == 77) {
		print_message("%s", out);
	} else {
		if (rc != 0)
			fail_msg("OpenMetrics parser (exit %d):\n%s\n--- the text:\n%s", rc, out, text);
		assert_non_null(strstr(out, "\"container\": \"we\\\"b\\\\1\\nx\xEF\xBF\xBD\xEF\xBF\xBD"
					    "\xEF\xBF\xBDy\xEF\xBF\xBD[31m\""));
		if (!strstr(out, "[\"cjd_cgroup_cost_usd_total\", {\"cgroup\": \"/system.slice/cron.service\"}, 0, \"counter\", \"usd\"]"))
			fail_msg("no cost sample of cron.service in the parsed output:\n%s", out);
		assert_non_null(strstr(out, "[\"cjd_cgroup_state\", {\"cgroup\": \"/system.slice/cron.service\", \"cjd_cgroup_state\": \"ok\"}, 1, \"stateset\", \"\"]"));
		assert_non_null(strstr(out, "\"cjd_model_info\""));
	}
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_label),
		cmocka_unit_test(test_label_pairs),
		cmocka_unit_test(test_family_headers),
		cmocka_unit_test(test_sample_numbers),
		cmocka_unit_test(test_render_text_format),
		cmocka_unit_test(test_render_openmetrics),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
