/* Serializers of the status messages: metrics (cjd.metrics/1), heartbeats (cjd.heartbeat/1). */
#include <errno.h>

#include "cjd/common/time.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_status_json.h"
#include "publish_internal.h"

static double seconds(uint64_t ns)
{
	return (double)ns / (double)CJD_NSEC_PER_SEC;
}

int cjd_metrics_json(const struct cjd_metrics *m, const struct cjd_json_host *host, uint64_t seq,
		     char **out, size_t *out_len)
{
	struct cjd_jw w;

	cjd_jw_init(&w, CJD_JW_UTF8_REPLACE);
	cjd_jw_header(&w, m->time_real_ns, CJD_METRICS_SCHEMA, "metric", "cjd.metrics");
	cjd_jw_end(&w, '}'); /* event */
	cjd_jw_host(&w, m->host, host ? host->name : NULL, host ? host->id : NULL);
	cjd_jw_workload(&w, m->cgroup, m->identity);
	cjd_jw_obj(&w, "cjd");
	if (seq)
		cjd_jw_u64(&w, "seq", seq);
	cjd_jw_str(&w, "mode", cjd_mode_name(m->mode));
	if (m->state)
		cjd_jw_str(&w, "state", m->state);
	if (m->has_score)
		cjd_jw_float(&w, "score", m->score);
	else
		cjd_jw_null(&w, "score");
	cjd_jw_double(&w, "interval_s", seconds(m->interval_ns));
	cjd_jw_obj(&w, "cost");
	cjd_jw_double(&w, "cpu_seconds", m->cpu_seconds);
	cjd_jw_double(&w, "usd", m->cost_usd);
	cjd_jw_double(&w, "cpu_seconds_total", m->cpu_seconds_total);
	cjd_jw_double(&w, "usd_total", m->cost_usd_total);
	cjd_jw_double(&w, "price_per_cpu_hour", m->price_per_cpu_hour);
	cjd_jw_end(&w, '}');
	return cjd_jw_finish(&w, out, out_len); /* closes cjd and the document */
}

/* cjd.evidence of a heartbeat: what the inspections cost and what came of them. */
static void heartbeat_evidence(struct cjd_jw *w, const struct cjd_heartbeat_evidence *e)
{
	cjd_jw_obj(w, "evidence");
	cjd_jw_u64(w, "inspections", e->inspections);
	cjd_jw_u64(w, "suspect", e->suspect);
	cjd_jw_u64(w, "sweep", e->sweep);
	cjd_jw_u64(w, "failed", e->failed);
	cjd_jw_u64(w, "refused", e->refused);
	cjd_jw_u64(w, "queued", e->queued);
	cjd_jw_double(w, "cpu_budget", e->cpu_budget);
	cjd_jw_double(w, "cpu_share", e->cpu_share);
	cjd_jw_double(w, "cpu_s", e->cpu_s);
	cjd_jw_u64(w, "looks", e->looks);
	cjd_jw_double(w, "pause_max_ms", e->pause_max_ms);
	cjd_jw_double(w, "pause_mean_ms", e->pause_mean_ms);
	cjd_jw_double(w, "held_max_ms", e->held_max_ms);
	cjd_jw_double(w, "budget_wait_s", e->budget_wait_s);
	cjd_jw_u64(w, "alerts_held", e->alerts_held);
	cjd_jw_u64(w, "alerts_suppressed", e->alerts_suppressed);
	cjd_jw_u64(w, "updates", e->updates);
	cjd_jw_u64(w, "fired_on_evidence", e->fired_on_evidence);
	cjd_jw_end(w, '}');
}

int cjd_heartbeat_json(const struct cjd_heartbeat *hb, const struct cjd_heartbeat_publish *pub,
		       const struct cjd_json_host *host, uint64_t seq, char **out, size_t *out_len)
{
	static const struct cjd_heartbeat_publish nopub;
	struct cjd_jw w;

	if (!pub)
		pub = &nopub;
	cjd_jw_init(&w, CJD_JW_UTF8_REPLACE);
	cjd_jw_header(&w, hb->time_real_ns, CJD_HEARTBEAT_SCHEMA, "state", "cjd.heartbeat");
	cjd_jw_end(&w, '}'); /* event */
	cjd_jw_host(&w, NULL, host ? host->name : NULL, host ? host->id : NULL);
	cjd_jw_obj(&w, "cjd");
	if (seq)
		cjd_jw_u64(&w, "seq", seq);
	cjd_jw_str(&w, "mode", cjd_mode_name(hb->mode));
	cjd_jw_bool(&w, "stopping", hb->stopping);
	cjd_jw_double(&w, "uptime_s", seconds(hb->uptime_ns));
	cjd_jw_double(&w, "interval_s", seconds(hb->interval_ns));
	cjd_jw_obj(&w, "cgroups");
	cjd_jw_u64(&w, "monitored", hb->cgroups_monitored);
	cjd_jw_u64(&w, "unmonitored", hb->cgroups_unmonitored);
	cjd_jw_end(&w, '}');
	cjd_jw_double(&w, "samples_per_s", hb->samples_per_s);
	cjd_jw_u64(&w, "samples_dropped", hb->samples_dropped);
	cjd_jw_obj(&w, "model");
	cjd_jw_str(&w, "name", hb->model_name ? hb->model_name : "");
	cjd_jw_str(&w, "version", hb->model_version ? hb->model_version : "");
	cjd_jw_end(&w, '}');
	cjd_jw_obj(&w, "publish");
	cjd_jw_u64(&w, "sent", pub->sent);
	cjd_jw_u64(&w, "dropped", pub->dropped);
	cjd_jw_u64(&w, "alert_seq", pub->alert_seq);
	cjd_jw_u64(&w, "curve_refused", pub->curve_refused);
	cjd_jw_end(&w, '}');
	cjd_jw_obj(&w, "journal");
	cjd_jw_bool(&w, "enabled", pub->journal_path != NULL);
	if (pub->journal_path)
		cjd_jw_str(&w, "path", pub->journal_path);
	cjd_jw_bool(&w, "error", pub->journal_failing);
	cjd_jw_u64(&w, "errors", pub->journal_errors);
	if (pub->journal_error)
		cjd_jw_str(&w, "last_error", pub->journal_error);
	cjd_jw_end(&w, '}');
	if (pub->n_outputs) {
		cjd_jw_obj(&w, "outputs");
		for (size_t i = 0; i < pub->n_outputs; i++) {
			const struct cjd_output_stats *o = &pub->outputs[i];
			cjd_jw_obj(&w, o->kind);
			cjd_jw_u64(&w, "sent", o->sent);
			cjd_jw_u64(&w, "dropped", o->dropped);
			cjd_jw_u64(&w, "rejected", o->rejected);
			cjd_jw_u64(&w, "retries", o->retries);
			cjd_jw_u64(&w, "abandoned", o->abandoned);
			cjd_jw_u64(&w, "queued", o->queued);
			cjd_jw_bool(&w, "failing", o->failing);
			if (o->last_error[0])
				cjd_jw_str(&w, "last_error", o->last_error);
			cjd_jw_end(&w, '}');
		}
		cjd_jw_end(&w, '}');
	}
	if (hb->evidence)
		heartbeat_evidence(&w, hb->evidence);
	return cjd_jw_finish(&w, out, out_len); /* closes cjd and the document */
}
