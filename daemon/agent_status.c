/* The agent's periodic messages: per-cgroup cost `metrics` and the `heartbeat`. */
#include <math.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/log.h"
#include "cjd/util.h"

struct metrics_walk {
	struct cjd_agent *a;
	uint64_t now;
};

static int one_cgroup(const struct cjd_cgroup_summary *s, void *ctx)
{
	struct metrics_walk *w = ctx;
	struct cjd_agent *a = w->a;
	uint64_t *prev;
	double before = 0;

	/* CPU-seconds at the previous message, kept as the bits of a double */
	if (cjd_strmap_upsert(a->metrics_prev, s->cgroup, &prev) == 0)
		memcpy(&before, prev, sizeof(before));
	else if (!prev)
		return 0;
	double period = s->cpu_seconds >= before ? s->cpu_seconds - before : s->cpu_seconds;
	memcpy(prev, &s->cpu_seconds, sizeof(*prev));

	struct cjd_metrics m = {
		.cgroup = s->cgroup,
		.mode = s->mode,
		.state = s->state,
		.has_score = s->scored,
		.score = s->last_score,
		.interval_ns = a->cfg.metrics_ns,
		.cpu_seconds = period,
		.cpu_seconds_total = s->cpu_seconds,
		.price_per_cpu_hour = a->cfg.price_per_cpu_hour,
		.cost_usd = period / 3600.0 * a->cfg.price_per_cpu_hour,
		.cost_usd_total = s->cost_usd,
	};
	cjd_publisher_metrics(a->pub, &m);
	return 0;
}

void cjd_agent_publish_metrics(struct cjd_agent *a)
{
	struct metrics_walk w = {.a = a, .now = cjd_now_mono_ns()};

	cjd_detector_foreach(a->detector, one_cgroup, &w);
}

void cjd_agent_publish_heartbeat(struct cjd_agent *a, bool stopping)
{
	struct cjd_collector_stats st;
	uint64_t now = cjd_now_mono_ns();

	cjd_collector_stats(a->collector, &st);
	double secs = (double)(now - a->heartbeat_mono_ns) / 1e9;
	struct cjd_heartbeat hb = {
		.mode = a->info.mode,
		.uptime_ns = now - a->start_mono_ns,
		.interval_ns = a->info.interval_ns,
		.cgroups_monitored = (uint32_t)st.monitored,
		.cgroups_unmonitored = (uint32_t)st.unmonitored,
		.samples_per_s = secs > 0 ? (double)(st.samples - a->samples_at_heartbeat) / secs : 0,
		.samples_dropped = st.dropped,
		.model_name = cjd_model_name(a->model),
		.model_version = cjd_model_version(a->model),
		.stopping = stopping,
	};
	a->samples_at_heartbeat = st.samples;
	a->heartbeat_mono_ns = now;
	cjd_publisher_heartbeat(a->pub, &hb);
}
