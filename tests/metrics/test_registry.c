/* The series registry: the cap on cgroups and what is left out, eviction for suspects, staleness of vanished cgroups, alert counts, snapshots. */
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

#include "cjd/metrics/registry.h"
#include "cjd/metrics/render.h"

#define S 1000000000ull /* one second in ns */

static struct cjd_metrics_registry *new_reg(uint64_t stale_ns, size_t max)
{
	struct cjd_metrics_registry *r;
	struct cjd_metrics_registry_config c = {.stale_after_ns = stale_ns, .max_cgroups = max};

	assert_int_equal(cjd_metrics_registry_new(&r, &c), 0);
	return r;
}

static void put(struct cjd_metrics_registry *r, const char *cgroup, const char *state, double cpu,
		uint64_t now)
{
	struct cjd_metrics m = {.cgroup = cgroup, .state = state, .cpu_seconds_total = cpu,
				.cost_usd_total = cpu / 3600 * 0.04};
	cjd_metrics_registry_cgroup(r, &m, now);
}

/* The Prometheus text of r (caller frees). */
static char *text_of(struct cjd_metrics_registry *r)
{
	struct cjd_metrics_snapshot *s;
	char *t;
	size_t n;

	assert_int_equal(cjd_metrics_registry_snapshot(r, &s), 0);
	assert_int_equal(cjd_metrics_render(s, CJD_OM_PROMETHEUS_TEXT, &t, &n), 0);
	cjd_metrics_snapshot_unref(s);
	return t;
}

/* Whether cgroup has a series in r's output. */
static bool has(struct cjd_metrics_registry *r, const char *cgroup)
{
	char want[256];
	char *t = text_of(r);

	snprintf(want, sizeof(want), "cjd_cgroup_cpu_seconds_total{cgroup=\"%s\"}", cgroup);
	bool yes = strstr(t, want) != NULL;
	free(t);
	return yes;
}

static struct cjd_metrics_registry_stats stats(struct cjd_metrics_registry *r)
{
	struct cjd_metrics_registry_stats st;
	cjd_metrics_registry_stats(r, &st);
	return st;
}

static void test_cap_leaves_out_and_counts(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(60 * S, 3);
	char name[32];

	for (int pass = 0; pass < 2; pass++) {
		cjd_metrics_registry_begin(r, (uint64_t)pass * S);
		for (int i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "/c%d", i);
			put(r, name, "idle", i, (uint64_t)pass * S);
		}
		cjd_metrics_registry_end(r, (uint64_t)pass * S);
		assert_int_equal(stats(r).cgroups, 3);
		assert_int_equal(stats(r).left_out, 2);
		assert_int_equal(stats(r).left_out_total, 2 * (pass + 1));
	}
	/* first come, first served: the same three stay (no flapping between passes) */
	assert_true(has(r, "/c0") && has(r, "/c1") && has(r, "/c2"));
	assert_false(has(r, "/c3") || has(r, "/c4"));
	char *t = text_of(r);
	assert_non_null(strstr(t, "cjd_metrics_cgroups 3\n"));
	assert_non_null(strstr(t, "cjd_metrics_max_cgroups 3\n"));
	assert_non_null(strstr(t, "cjd_metrics_cgroups_left_out 2\n"));
	assert_non_null(strstr(t, "cjd_metrics_cgroup_updates_left_out_total 4\n"));
	free(t);
	cjd_metrics_registry_free(r);
}

static void test_suspect_takes_the_quietest_place(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(60 * S, 3);

	cjd_metrics_registry_begin(r, 0);
	put(r, "/busy", "idle", 50, 0);
	put(r, "/quiet", "idle", 1, 0);
	put(r, "/firing", "firing", 9, 0);
	put(r, "/miner", "suspect", 30, 0); /* full: takes /quiet's place */
	put(r, "/other", "idle", 70, 0);    /* full, and quiet itself: left out */
	cjd_metrics_registry_end(r, 0);
	assert_true(has(r, "/busy") && has(r, "/firing") && has(r, "/miner"));
	assert_false(has(r, "/quiet") || has(r, "/other"));
	assert_int_equal(stats(r).evicted_total, 1);
	assert_int_equal(stats(r).left_out, 1);

	/* a firing alert of a cgroup without a series: it gets one (all are busy or hot now,
	 * but /busy is quiet) with its count */
	struct cjd_alert al = {.action = CJD_ALERT_FIRING, .cgroup = "/late"};
	cjd_metrics_registry_alert(r, &al, NULL, 1);
	assert_true(has(r, "/late"));
	assert_false(has(r, "/busy"));
	char *t = text_of(r);
	assert_non_null(strstr(t, "cjd_cgroup_alerts_total{cgroup=\"/late\",action=\"firing\"} 1\n"));
	assert_non_null(strstr(t, "cjd_cgroup_state{cgroup=\"/late\",cjd_cgroup_state=\"firing\"} 1\n"));
	free(t);
	/* nothing quiet is left: a further suspect is left out and counted */
	uint64_t before = stats(r).left_out_total;
	struct cjd_alert al2 = {.action = CJD_ALERT_FIRING, .cgroup = "/later"};
	cjd_metrics_registry_alert(r, &al2, NULL, 1);
	assert_false(has(r, "/later"));
	assert_int_equal(stats(r).left_out_total, before + 1);
	cjd_metrics_registry_free(r);
}

static void test_vanished_cgroup_stays_then_leaves(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(300 * S, 10);

	cjd_metrics_registry_begin(r, 0);
	put(r, "/a", "idle", 5, 0);
	put(r, "/b", "idle", 6, 0);
	cjd_metrics_registry_end(r, 0);
	/* /a is removed at 10 s (the collector said so) */
	cjd_metrics_registry_gone(r, NULL, "/a", 10 * S);
	for (uint64_t t = 20; t < 310; t += 10) {
		cjd_metrics_registry_begin(r, t * S);
		put(r, "/b", "idle", 6, t * S);
		cjd_metrics_registry_end(r, t * S);
		assert_true(has(r, "/a")); /* its last counts stay visible for stale_after */
	}
	cjd_metrics_registry_begin(r, 310 * S);
	put(r, "/b", "idle", 6, 310 * S);
	cjd_metrics_registry_end(r, 310 * S);
	assert_false(has(r, "/a"));
	assert_true(has(r, "/b"));

	/* a cgroup the detectors no longer report counts as gone from that pass on */
	cjd_metrics_registry_begin(r, 400 * S);
	cjd_metrics_registry_end(r, 400 * S);
	assert_true(has(r, "/b"));
	cjd_metrics_registry_begin(r, 699 * S);
	cjd_metrics_registry_end(r, 699 * S);
	assert_true(has(r, "/b"));
	cjd_metrics_registry_begin(r, 700 * S);
	cjd_metrics_registry_end(r, 700 * S);
	assert_false(has(r, "/b"));
	assert_int_equal(stats(r).cgroups, 0);

	/* stale_after 0 (a reload): a vanished cgroup leaves at the next pass, unless its path
	 * is back by then (a new cgroup there continues the series) */
	struct cjd_metrics_registry_config c = {.stale_after_ns = 0, .max_cgroups = 10};
	cjd_metrics_registry_configure(r, &c);
	cjd_metrics_registry_begin(r, 800 * S);
	put(r, "/c", "idle", 1, 800 * S);
	cjd_metrics_registry_end(r, 800 * S);
	cjd_metrics_registry_gone(r, NULL, "/c", 801 * S);
	cjd_metrics_registry_begin(r, 802 * S);
	put(r, "/c", "idle", 2, 802 * S);
	cjd_metrics_registry_end(r, 802 * S);
	assert_true(has(r, "/c"));
	cjd_metrics_registry_gone(r, NULL, "/c", 803 * S);
	cjd_metrics_registry_begin(r, 804 * S);
	cjd_metrics_registry_end(r, 804 * S);
	assert_false(has(r, "/c"));
	cjd_metrics_registry_free(r);
}

static void test_gone_series_make_room_first(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(300 * S, 2);

	cjd_metrics_registry_begin(r, 0);
	put(r, "/a", "idle", 1, 0);
	put(r, "/b", "idle", 2, 0);
	cjd_metrics_registry_end(r, 0);
	cjd_metrics_registry_gone(r, NULL, "/b", 5 * S);
	cjd_metrics_registry_begin(r, 10 * S);
	put(r, "/a", "idle", 1, 10 * S);
	put(r, "/new", "idle", 0, 10 * S); /* quiet, but /b's place is free to take */
	cjd_metrics_registry_end(r, 10 * S);
	assert_true(has(r, "/a") && has(r, "/new"));
	assert_false(has(r, "/b"));
	assert_int_equal(stats(r).evicted_total, 1);
	assert_int_equal(stats(r).left_out, 0);
	cjd_metrics_registry_free(r);
}

static void test_alerts_and_state(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(300 * S, 10);
	struct cjd_identity id = {.resolved = true};

	snprintf(id.name, sizeof(id.name), "web-1");
	snprintf(id.image, sizeof(id.image), "nginx");
	snprintf(id.image_tag, sizeof(id.image_tag), "1.25");
	cjd_metrics_registry_begin(r, 0);
	struct cjd_metrics m = {.cgroup = "/docker/abc", .state = "suspect", .has_score = true,
				.score = 0.5f, .cpu_seconds_total = 3};
	cjd_metrics_registry_cgroup(r, &m, 0);
	cjd_metrics_registry_end(r, 0);
	char *t = text_of(r);
	/* names not known yet: the cgroup label alone */
	assert_non_null(strstr(t, "cjd_cgroup_state{cgroup=\"/docker/abc\",cjd_cgroup_state=\"suspect\"} 1\n"));
	assert_non_null(strstr(t, "cjd_cgroup_score{cgroup=\"/docker/abc\"} 0.5\n"));
	free(t);

	static const enum cjd_alert_action seq[] = {CJD_ALERT_FIRING, CJD_ALERT_FROZEN,
						   CJD_ALERT_ONGOING, CJD_ALERT_ONGOING,
						   CJD_ALERT_RESOLVED};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct cjd_alert al = {.action = seq[i], .cgroup = "/docker/abc"};
		cjd_metrics_registry_alert(r, &al, &id, 1);
		t = text_of(r);
		bool firing = strstr(t, "cjd_cgroup_state{cgroup=\"/docker/abc\",cjd_cgroup_state=\"firing\"} 1\n");
		assert_true(firing == (seq[i] != CJD_ALERT_RESOLVED));
		free(t);
	}
	/* a resolved alert of a cgroup without series is counted agent-wide only */
	struct cjd_alert al = {.action = CJD_ALERT_GONE, .cgroup = "/nowhere"};
	cjd_metrics_registry_alert(r, &al, NULL, 1);
	assert_int_equal(stats(r).cgroups, 1);

	/* the names arrive with the next pass: same series, now labelled */
	cjd_metrics_registry_begin(r, 10 * S);
	m.identity = &id;
	m.state = "resolved";
	cjd_metrics_registry_cgroup(r, &m, 10 * S);
	cjd_metrics_registry_end(r, 10 * S);
	t = text_of(r);
	const char *L = "cgroup=\"/docker/abc\",container=\"web-1\",image=\"nginx:1.25\"";
	char want[512];
	snprintf(want, sizeof(want), "cjd_cgroup_alerts_total{%s,action=\"firing\"} 1\n", L);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "cjd_cgroup_alerts_total{%s,action=\"ongoing\"} 2\n", L);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "cjd_cgroup_alerts_total{%s,action=\"frozen\"} 1\n", L);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "cjd_cgroup_alerts_total{%s,action=\"resolved\"} 1\n", L);
	assert_non_null(strstr(t, want));
	/* absent per cgroup until it happens (the agent-wide family lists every action) */
	snprintf(want, sizeof(want), "cjd_cgroup_alerts_total{%s,action=\"throttled\"}", L);
	assert_null(strstr(t, want));
	snprintf(want, sizeof(want), "cjd_cgroup_state{%s,cjd_cgroup_state=\"ok\"} 1\n", L);
	assert_non_null(strstr(t, want));
	assert_non_null(strstr(t, "cjd_alerts_total{action=\"ongoing\"} 2\n"));
	assert_non_null(strstr(t, "cjd_alerts_total{action=\"gone\"} 1\n"));
	assert_non_null(strstr(t, "cjd_alerts_total{action=\"throttled\"} 0\n"));
	free(t);
	cjd_metrics_registry_free(r);
}

static void test_snapshots_are_immutable_and_ordered(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(300 * S, 10);
	struct cjd_metrics_snapshot *s1, *s2;
	char *t1, *t1b, *t2;
	size_t n;

	assert_true(cjd_metrics_registry_dirty(r));
	cjd_metrics_registry_begin(r, 0);
	put(r, "/z", "idle", 1, 0);
	put(r, "/a", "idle", 2, 0);
	cjd_metrics_registry_end(r, 0);
	assert_int_equal(cjd_metrics_registry_snapshot(r, &s1), 0);
	assert_false(cjd_metrics_registry_dirty(r));
	assert_int_equal(cjd_metrics_render(s1, CJD_OM_OPENMETRICS, &t1, &n), 0);
	/* ordered by path, whatever the order of the pass */
	assert_true(strstr(t1, "{cgroup=\"/a\"} 2") < strstr(t1, "{cgroup=\"/z\"} 1"));

	cjd_metrics_registry_begin(r, S);
	put(r, "/a", "idle", 20, S);
	put(r, "/m", "idle", 3, S);
	cjd_metrics_registry_end(r, S);
	assert_true(cjd_metrics_registry_dirty(r));
	assert_int_equal(cjd_metrics_registry_snapshot(r, &s2), 0);
	/* the old snapshot still renders what it held */
	assert_int_equal(cjd_metrics_render(s1, CJD_OM_OPENMETRICS, &t1b, &n), 0);
	assert_string_equal(t1, t1b);
	assert_int_equal(cjd_metrics_render(s2, CJD_OM_OPENMETRICS, &t2, &n), 0);
	assert_non_null(strstr(t2, "{cgroup=\"/a\"} 20"));
	assert_non_null(strstr(t2, "{cgroup=\"/m\"} 3"));
	/* a reference outlives the registry */
	cjd_metrics_snapshot_ref(s2);
	cjd_metrics_snapshot_unref(s2);
	cjd_metrics_registry_free(r);
	free(t2);
	assert_int_equal(cjd_metrics_render(s2, CJD_OM_OPENMETRICS, &t2, &n), 0);
	assert_non_null(strstr(t2, "{cgroup=\"/m\"} 3"));
	cjd_metrics_snapshot_unref(s1);
	cjd_metrics_snapshot_unref(s2);
	cjd_metrics_snapshot_unref(NULL);
	free(t1);
	free(t1b);
	free(t2);
}

static void test_agent_values_and_probes(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(0, 0);
	struct cjd_metrics_agent a = {.version = "0.1.0", .mode = CJD_MODE_HARDWARE,
				      .samples = 10, .samples_per_second = 2.5,
				      .cgroups_monitored = 4, .cgroups_unmonitored = 1,
				      .perf_fds = 80, .perf_fds_per_cgroup = 20, .fd_limit = 1024};
	char *t;

	cjd_metrics_registry_agent(r, &a);
	assert_int_equal(cjd_metrics_registry_probe(r, "fpstate", 0, 0), 0);
	t = text_of(r);
	assert_non_null(strstr(t, "cjd_model_info{mode=\"hardware\"} 1\n")); /* no model yet */
	assert_non_null(strstr(t, "cjd_samples_per_second 2.5\n"));
	assert_non_null(strstr(t, "cjd_perf_fds 80\n"));
	assert_non_null(strstr(t, "cjd_fd_limit 1024\n"));
	assert_non_null(strstr(t, "cjd_metrics_max_cgroups 1000\n")); /* 0 means the default */
	assert_non_null(strstr(t, "cjd_probe_inspections_total{probe=\"fpstate\"} 0\n"));
	free(t);
	/* strings are the registry's own copies; a probe run adds up */
	char name[16] = "sw-default";
	a.model_name = name;
	cjd_metrics_registry_agent(r, &a);
	name[0] = 'X';
	assert_int_equal(cjd_metrics_registry_probe(r, "fpstate", 3, 2500000000ull), 0);
	t = text_of(r);
	assert_non_null(strstr(t, "cjd_model_info{name=\"sw-default\",mode=\"hardware\"} 1\n"));
	assert_non_null(strstr(t, "cjd_probe_inspections_total{probe=\"fpstate\"} 3\n"));
	assert_non_null(strstr(t, "cjd_probe_cpu_seconds_total{probe=\"fpstate\"} 2.5\n"));
	free(t);
	cjd_metrics_registry_free(r);
	cjd_metrics_registry_free(NULL);
}

/* Agent-wide gauges and counters another module adds: the name rule, clashes with built-in
 * families (by family and by sample name), kinds kept apart, counters only grow, nothing
 * changes on error, rendered in the order declared, snapshots keep their values. */
static void test_added_gauges_and_counters(void **state)
{
	(void)state;
	struct cjd_metrics_registry *r = new_reg(0, 0);
	static const char *const bad[] = {
		"", "cjd_", "inspect_runs", "cjd_Inspect", "cjd_inspect-runs", "cjd_runs_",
		"cjd_runs_total", "cjd_x_info", "cjd_x_created", "cjd_x_count", "cjd_x_sum",
		"cjd_x_bucket", "cjd_\xc3\xa9",
		/* built-in: a family, a counter's family and sample names, an info's sample name */
		"cjd_fd_limit", "cjd_samples", "cjd_build", "cjd_metrics_series_evicted",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cjd_metrics_registry_gauge_set(r, bad[i], "h", 1) != -EINVAL)
			fail_msg("gauge \"%s\" accepted", bad[i]);
		if (cjd_metrics_registry_counter_add(r, bad[i], "h", 1) != -EINVAL)
			fail_msg("counter \"%s\" accepted", bad[i]);
	}
	char longname[110];
	snprintf(longname, sizeof(longname), "cjd_%097d", 0);
	assert_int_equal(cjd_metrics_registry_gauge_set(r, longname, "h", 1), -EINVAL);
	/* a gauge named as a built-in counter's sample, a counter whose sample is a built-in gauge */
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_build_info", "h", 1), -EINVAL);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_cgroup_cpu_seconds", "h", 1), -EINVAL);
	/* help is needed on first use, values must be numbers, counters never go down */
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_queue_depth", NULL, 1), -EINVAL);
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_queue_depth", "", 1), -EINVAL);
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_queue_depth", "h", NAN), -EINVAL);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", "h", -1), -EINVAL);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", "h", INFINITY), -EINVAL);
	char *t = text_of(r);
	assert_null(strstr(t, "cjd_queue_depth"));
	assert_null(strstr(t, "cjd_inspect_runs"));
	free(t);

	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", "Suspects inspected.", 1), 0);
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_queue_depth", "Inspections waiting.", 7), 0);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", NULL, 2.5), 0);
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_queue_depth", NULL, 3), 0);
	/* one name, one kind */
	assert_int_equal(cjd_metrics_registry_gauge_set(r, "cjd_inspect_runs", "h", 1), -EEXIST);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_queue_depth", "h", 1), -EEXIST);
	assert_true(cjd_metrics_registry_dirty(r));

	struct cjd_metrics_snapshot *s;
	assert_int_equal(cjd_metrics_registry_snapshot(r, &s), 0);
	assert_int_equal(cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", NULL, 1), 0);
	char *om;
	size_t n;
	assert_int_equal(cjd_metrics_render(s, CJD_OM_OPENMETRICS, &om, &n), 0);
	const char *c = strstr(om, "# TYPE cjd_inspect_runs counter\n# HELP cjd_inspect_runs Suspects inspected.\n"
				   "cjd_inspect_runs_total 3.5\n");
	const char *g = strstr(om, "# TYPE cjd_queue_depth gauge\n# HELP cjd_queue_depth Inspections waiting.\n"
				   "cjd_queue_depth 3\n");
	if (!c || !g || g < c)
		fail_msg("added metrics missing or out of order:\n%s", om);
	free(om);
	cjd_metrics_snapshot_unref(s);
	t = text_of(r);
	assert_non_null(strstr(t, "# TYPE cjd_inspect_runs_total counter\n"));
	assert_non_null(strstr(t, "cjd_inspect_runs_total 4.5\n"));
	free(t);
	cjd_metrics_registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_leaves_out_and_counts),
		cmocka_unit_test(test_suspect_takes_the_quietest_place),
		cmocka_unit_test(test_vanished_cgroup_stays_then_leaves),
		cmocka_unit_test(test_gone_series_make_room_first),
		cmocka_unit_test(test_alerts_and_state),
		cmocka_unit_test(test_snapshots_are_immutable_and_ordered),
		cmocka_unit_test(test_agent_values_and_probes),
		cmocka_unit_test(test_added_gauges_and_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
