/* Renders a metrics snapshot as OpenMetrics 1.0 or Prometheus text 0.0.4: every metric cjd exposes is defined here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"

#include "cjd/metrics/render.h"
#include "internal.h"

/* Header of a family (see cjd_om_family). */
#define FAMILY(name, type, unit, help) cjd_om_family(b, f, name, type, unit, help)

/* The `_total` suffix is part of a counter's sample name in both formats. */
#define TOTAL "_total"

/* The double nearest the float's shortest text, so a score prints as 0.8167237, as in alerts. */
static double float_as_double(float v)
{
	char text[40];

	if (cjd_fmt_float(text, sizeof(text), v) < 0)
		return (double)v;
	return strtod(text, NULL);
}

/* The agent's version, model, uptime and interval. */
static void identity_families(struct cjd_buf *b, enum cjd_om_format f,
			      const struct cjd_metrics_snapshot *s)
{
	const struct cjd_metrics_agent *a = &s->agent;
	char labels[1024];
	struct cjd_buf lb;
	bool first = true;

	FAMILY("cjd_build", CJD_OM_INFO, NULL, "The cjd agent's version.");
	cjd_om_sample(b, "cjd_build", "_info", NULL, "version", a->version ? a->version : "", 1);

	/* model labels: built in a small buffer, since cjd_om_sample takes pairs */
	cjd_buf_init(&lb);
	cjd_om_label(&lb, &first, "name", a->model_name);
	cjd_om_label(&lb, &first, "version", a->model_version);
	cjd_om_label(&lb, &first, "kind", a->model_kind);
	cjd_om_label(&lb, &first, "mode", cjd_mode_name(a->mode));
	snprintf(labels, sizeof(labels), "%s", lb.data && !lb.err ? lb.data : "");
	cjd_buf_release(&lb);
	FAMILY("cjd_model", CJD_OM_INFO, NULL,
	       "The model scoring this host's cgroups and the mode (hardware or software counters).");
	cjd_om_sample(b, "cjd_model", "_info", labels, NULL, NULL, 1);

	FAMILY("cjd_uptime_seconds", CJD_OM_GAUGE, "seconds",
	       "Time since the agent started, as of the last heartbeat.");
	cjd_om_sample(b, "cjd_uptime_seconds", "", NULL, NULL, NULL, a->uptime_seconds);
	FAMILY("cjd_sample_interval_seconds", CJD_OM_GAUGE, "seconds",
	       "The sampling interval (collector.interval).");
	cjd_om_sample(b, "cjd_sample_interval_seconds", "", NULL, NULL, NULL, a->interval_seconds);
}

/* Samples taken, dropped and refused; alerts published and lost. */
static void throughput_families(struct cjd_buf *b, enum cjd_om_format f,
				const struct cjd_metrics_snapshot *s)
{
	const struct cjd_metrics_agent *a = &s->agent;

	FAMILY("cjd_samples", CJD_OM_COUNTER, NULL, "Samples the collector took (one per cgroup per interval).");
	cjd_om_sample_u64(b, "cjd_samples", TOTAL, NULL, NULL, NULL, a->samples);
	FAMILY("cjd_samples_per_second", CJD_OM_GAUGE, NULL,
	       "Samples per second over the last heartbeat period.");
	cjd_om_sample(b, "cjd_samples_per_second", "", NULL, NULL, NULL, a->samples_per_second);
	FAMILY("cjd_samples_dropped", CJD_OM_COUNTER, NULL,
	       "Samples lost to counter read errors (each one is logged).");
	cjd_om_sample_u64(b, "cjd_samples_dropped", TOTAL, NULL, NULL, NULL, a->samples_dropped);
	FAMILY("cjd_samples_refused", CJD_OM_COUNTER, NULL,
	       "Samples no loaded model could score (logged once per host and mode).");
	cjd_om_sample_u64(b, "cjd_samples_refused", TOTAL, NULL, NULL, NULL, a->samples_refused);

	FAMILY("cjd_alerts", CJD_OM_COUNTER, NULL,
	       "Alerts published by event.action (firing, ongoing, resolved, gone, frozen, throttled, "
	       "and aggregate_firing, _ongoing, _resolved, _gone for groups of cgroups).");
	for (int i = 0; i < CJD_ALERT__COUNT; i++)
		cjd_om_sample_u64(b, "cjd_alerts", TOTAL, NULL, "action",
				  cjd_alert_action_name((enum cjd_alert_action)i), s->alerts[i]);
	FAMILY("cjd_publish_dropped", CJD_OM_COUNTER, NULL,
	       "ZeroMQ messages (alerts, metrics, heartbeats) a subscriber is known to have missed; "
	       "a lower bound, subscribers see exact gaps in cjd.seq. The journal keeps every alert.");
	cjd_om_sample_u64(b, "cjd_publish_dropped", TOTAL, NULL, NULL, NULL, a->publish_dropped);
	FAMILY("cjd_journal_errors", CJD_OM_COUNTER, NULL, "Failed journal writes and fsyncs.");
	cjd_om_sample_u64(b, "cjd_journal_errors", TOTAL, NULL, NULL, NULL, a->journal_errors);
}

/* Cgroups counted and the perf_event file descriptors they cost. */
static void fd_families(struct cjd_buf *b, enum cjd_om_format f,
			const struct cjd_metrics_snapshot *s)
{
	const struct cjd_metrics_agent *a = &s->agent;

	FAMILY("cjd_cgroups_monitored", CJD_OM_GAUGE, NULL, "Cgroups whose counters are open.");
	cjd_om_sample_u64(b, "cjd_cgroups_monitored", "", NULL, NULL, NULL, a->cgroups_monitored);
	FAMILY("cjd_cgroups_unmonitored", CJD_OM_GAUGE, NULL,
	       "Cgroups selected but not counted (fd budget, errors).");
	cjd_om_sample_u64(b, "cjd_cgroups_unmonitored", "", NULL, NULL, NULL, a->cgroups_unmonitored);
	FAMILY("cjd_perf_fds", CJD_OM_GAUGE, NULL, "perf_event file descriptors open now.");
	cjd_om_sample_u64(b, "cjd_perf_fds", "", NULL, NULL, NULL, a->perf_fds);
	FAMILY("cjd_perf_fds_per_cgroup", CJD_OM_GAUGE, NULL,
	       "perf_event file descriptors each cgroup needs (events x CPUs).");
	cjd_om_sample_u64(b, "cjd_perf_fds_per_cgroup", "", NULL, NULL, NULL, a->perf_fds_per_cgroup);
	FAMILY("cjd_fd_limit", CJD_OM_GAUGE, NULL,
	       "The file descriptor budget: RLIMIT_NOFILE after raising it.");
	cjd_om_sample_u64(b, "cjd_fd_limit", "", NULL, NULL, NULL, a->fd_limit);
}

/* Evidence probes' runs and CPU, and the series other modules added. */
static void probe_families(struct cjd_buf *b, enum cjd_om_format f,
			   const struct cjd_metrics_snapshot *s)
{
	FAMILY("cjd_probe_inspections", CJD_OM_COUNTER, NULL,
	       "Evidence probe runs on suspects, by probe (zero until the agent runs probes).");
	for (size_t i = 0; i < s->n_probes; i++)
		cjd_om_sample_u64(b, "cjd_probe_inspections", TOTAL, NULL, "probe", s->probes[i].name,
				  s->probes[i].inspections);
	FAMILY("cjd_probe_cpu_seconds", CJD_OM_COUNTER, "seconds",
	       "CPU time spent in evidence probes, by probe.");
	for (size_t i = 0; i < s->n_probes; i++)
		cjd_om_sample(b, "cjd_probe_cpu_seconds", TOTAL, NULL, "probe", s->probes[i].name,
			      s->probes[i].cpu_seconds);

	/* those added by other modules (cjd_metrics_registry_gauge_set/_counter_add) */
	for (size_t i = 0; i < s->n_extras; i++) {
		const struct cjd_metrics_extra_row *e = &s->extras[i];
		FAMILY(e->name, e->counter ? CJD_OM_COUNTER : CJD_OM_GAUGE, NULL, e->help);
		cjd_om_sample(b, e->name, e->counter ? TOTAL : "", NULL, NULL, NULL, e->value);
	}
}

/* The metrics registry's own limits: cgroups with series, left out, evicted. */
static void self_families(struct cjd_buf *b, enum cjd_om_format f,
			  const struct cjd_metrics_snapshot *s)
{
	FAMILY("cjd_metrics_cgroups", CJD_OM_GAUGE, NULL, "Cgroups with series in this output.");
	cjd_om_sample_u64(b, "cjd_metrics_cgroups", "", NULL, NULL, NULL, s->st.cgroups);
	FAMILY("cjd_metrics_max_cgroups", CJD_OM_GAUGE, NULL,
	       "The most cgroups with series (metrics.max_cgroups).");
	cjd_om_sample_u64(b, "cjd_metrics_max_cgroups", "", NULL, NULL, NULL, s->max_cgroups);
	FAMILY("cjd_metrics_cgroups_left_out", CJD_OM_GAUGE, NULL,
	       "Cgroups of the last update without series: metrics.max_cgroups was reached.");
	cjd_om_sample_u64(b, "cjd_metrics_cgroups_left_out", "", NULL, NULL, NULL, s->st.left_out);
	FAMILY("cjd_metrics_cgroup_updates_left_out", CJD_OM_COUNTER, NULL,
	       "Per-cgroup updates that found no room for a series, since start.");
	cjd_om_sample_u64(b, "cjd_metrics_cgroup_updates_left_out", TOTAL, NULL, NULL, NULL,
			  s->st.left_out_total);
	FAMILY("cjd_metrics_series_evicted", CJD_OM_COUNTER, NULL,
	       "Series removed before their time to make room: a vanished cgroup's for any newcomer, "
	       "a quiet cgroup's for a suspect or firing one.");
	cjd_om_sample_u64(b, "cjd_metrics_series_evicted", TOTAL, NULL, NULL, NULL,
			  s->st.evicted_total);
}

static void agent_families(struct cjd_buf *b, enum cjd_om_format f,
			   const struct cjd_metrics_snapshot *s)
{
	identity_families(b, f, s);
	throughput_families(b, f, s);
	fd_families(b, f, s);
	probe_families(b, f, s);
	self_families(b, f, s);
}

static void cgroup_families(struct cjd_buf *b, enum cjd_om_format f,
			    const struct cjd_metrics_snapshot *s)
{
	FAMILY("cjd_cgroup_cpu_seconds", CJD_OM_COUNTER, "seconds",
	       "CPU time the cgroup used since cjd began watching it (task-clock).");
	for (size_t i = 0; i < s->n_rows; i++)
		cjd_om_sample(b, "cjd_cgroup_cpu_seconds", TOTAL, s->rows[i].labels, NULL, NULL,
			      s->rows[i].v.cpu_seconds);
	FAMILY("cjd_cgroup_cost_usd", CJD_OM_COUNTER, "usd",
	       "Cost of that CPU time at detector.price_per_cpu_hour.");
	for (size_t i = 0; i < s->n_rows; i++)
		cjd_om_sample(b, "cjd_cgroup_cost_usd", TOTAL, s->rows[i].labels, NULL, NULL,
			      s->rows[i].v.cost_usd);
	FAMILY("cjd_cgroup_score", CJD_OM_GAUGE, NULL,
	       "The latest window's model score, 0 to 1 (absent before the first full window).");
	for (size_t i = 0; i < s->n_rows; i++)
		if (s->rows[i].v.has_score)
			cjd_om_sample(b, "cjd_cgroup_score", "", s->rows[i].labels, NULL, NULL,
				      float_as_double(s->rows[i].v.score));
	FAMILY("cjd_cgroup_state", CJD_OM_STATESET, NULL,
	       "The detector's state of the cgroup: ok, suspect (flagged, not yet firing) or firing.");
	for (size_t i = 0; i < s->n_rows; i++)
		for (int k = 0; k < CJD_METRICS_STATE__COUNT; k++)
			cjd_om_sample_u64(b, "cjd_cgroup_state", "", s->rows[i].labels,
					  "cjd_cgroup_state", cjd_metrics_state_names[k],
					  s->rows[i].v.state == (enum cjd_metrics_state)k);
	FAMILY("cjd_cgroup_alerts", CJD_OM_COUNTER, NULL,
	       "Alerts published for the cgroup by event.action: firing always, the others once "
	       "they happened.");
	for (size_t i = 0; i < s->n_rows; i++)
		for (int k = 0; k < CJD_ALERT__COUNT; k++)
			if (k == CJD_ALERT_FIRING || s->rows[i].v.alerts[k])
				cjd_om_sample_u64(b, "cjd_cgroup_alerts", TOTAL, s->rows[i].labels,
						  "action",
						  cjd_alert_action_name((enum cjd_alert_action)k),
						  s->rows[i].v.alerts[k]);
}

int cjd_metrics_render(const struct cjd_metrics_snapshot *s, enum cjd_om_format f, char **out,
		       size_t *len)
{
	struct cjd_buf b;

	cjd_buf_init(&b);
	agent_families(&b, f, s);
	cgroup_families(&b, f, s);
	cjd_om_end(&b, f);
	return cjd_buf_steal(&b, out, len);
}

/* Whether family or sample name x of one side equals one of the other's. */
static bool names_meet(const char *fam, const char *type, const char *name, bool counter)
{
	char a[3][160], n[2][160];
	int na = 1;

	snprintf(a[0], sizeof(a[0]), "%s", fam);
	if (!strcmp(type, "counter")) {
		snprintf(a[na++], sizeof(a[0]), "%s_total", fam);
		snprintf(a[na++], sizeof(a[0]), "%s_created", fam);
	} else if (!strcmp(type, "info")) {
		snprintf(a[na++], sizeof(a[0]), "%s_info", fam);
	}
	snprintf(n[0], sizeof(n[0]), "%s", name);
	snprintf(n[1], sizeof(n[1]), "%s%s", name, counter ? "_total" : "");
	for (int i = 0; i < na; i++)
		for (int j = 0; j < 2; j++)
			if (!strcmp(a[i], n[j]))
				return true;
	return false;
}

int cjd_metrics_render_clashes(const char *name, bool counter)
{
	static const struct cjd_metrics_snapshot empty; /* every built-in family, no series */
	char *text, *line, *save = NULL;
	size_t len;
	int clash = 0;

	if (cjd_metrics_render(&empty, CJD_OM_OPENMETRICS, &text, &len))
		return -ENOMEM;
	for (line = strtok_r(text, "\n", &save); line && !clash; line = strtok_r(NULL, "\n", &save)) {
		char fam[128], type[16];
		if (sscanf(line, "# TYPE %127s %15s", fam, type) == 2 &&
		    names_meet(fam, type, name, counter))
			clash = 1;
	}
	free(text);
	return clash;
}
