/* `cjd run`'s pull side: feeds the metrics registry, serves it over HTTP, and answers /healthz and /readyz from the loop's progress. */
#include <errno.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/daemon/health.h"
#include "cjd/detector/model_predict.h"
#include "cjd/evidence/inspect.h"

static struct cjd_metrics_registry_config registry_config(const struct cjd_config *cfg)
{
	return (struct cjd_metrics_registry_config){
		.stale_after_ns = cfg->metrics_stale_ns,
		.max_cgroups = cfg->metrics_max_cgroups,
	};
}

int cjd_agent_metrics_new(struct cjd_agent *a, struct cjd_error *err)
{
	struct cjd_metrics_registry_config rc = registry_config(&a->cfg);

	if (cjd_metrics_listen_off(a->cfg.metrics_listen))
		return 0;
	if (cjd_metrics_registry_new(&a->metrics, &rc))
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	/* A place for the evidence probes' costs: at zero until the agent runs them. */
	for (int i = 0; i < CJD_PROBE__COUNT; i++)
		if (cjd_metrics_registry_probe(a->metrics, cjd_inspect_probe_name(i), 0, 0))
			return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	return 0;
}

/* /healthz, on the server's thread: the watchdog's rule on what the loop last stored. */
static bool healthy(void *ctx, char *why, size_t len)
{
	struct cjd_agent *a = ctx;
	struct cjd_health_input in = {
		/* the collector's clock origin never changes after creation: safe here */
		.collector_now_ns = cjd_collector_now(a->collector),
		.last_tick_ns = atomic_load(&a->progress_tick_ns),
		.interval_ns = a->info.interval_ns,
		.mono_now_ns = cjd_now_mono_ns(),
		.housekeeping_mono_ns = atomic_load(&a->progress_housekeeping_ns),
	};
	return cjd_health_check(&in, why, len);
}

/* /readyz, on the server's thread: what READY=1 means to systemd. */
static bool ready(void *ctx, char *why, size_t len)
{
	struct cjd_agent *a = ctx;

	switch (atomic_load(&a->readiness)) {
	case CJD_AGENT_READY:
		return true;
	case CJD_AGENT_STOPPING:
		snprintf(why, len, "stopping");
		return false;
	default:
		snprintf(why, len, "starting: opening counters and loading the model");
		return false;
	}
}

void cjd_agent_metrics_progress(struct cjd_agent *a)
{
	struct cjd_collector_stats st;

	cjd_collector_stats(a->collector, &st);
	atomic_store(&a->progress_tick_ns, st.last_tick_ns);
	atomic_store(&a->progress_housekeeping_ns, a->housekeeping_mono_ns);
}

void cjd_agent_metrics_readiness(struct cjd_agent *a, enum cjd_agent_readiness r)
{
	atomic_store(&a->readiness, (int)r);
}

int cjd_agent_metrics_serve(struct cjd_agent *a, struct cjd_error *err)
{
	struct cjd_metrics_http_config hc = {
		.listen = a->cfg.metrics_listen,
		.tls_cert_file = a->cfg.metrics_tls_cert,
		.tls_key_file = a->cfg.metrics_tls_key,
		.basic_auth_file = a->cfg.metrics_basic_auth_file,
		.healthy = healthy,
		.ready = ready,
		.ctx = a,
	};
	int rc;

	if (!a->metrics)
		return 0;
	cjd_agent_metrics_progress(a);
	if ((rc = cjd_metrics_http_new(&a->http, &hc, err)))
		return rc;
	cjd_agent_metrics_agent(a, 0);
	cjd_agent_metrics_publish(a);
	return 0;
}

void cjd_agent_metrics_agent(struct cjd_agent *a, double samples_per_s)
{
	struct cjd_collector_stats st;
	struct cjd_pipeline_stats ps;
	struct cjd_publisher_stats pub;

	if (!a->metrics)
		return;
	cjd_collector_stats(a->collector, &st);
	cjd_pipeline_stats(a->pipe, &ps);
	cjd_publisher_stats(cjd_pipeline_publisher(a->pipe), &pub);
	const struct cjd_model *m = cjd_pipeline_model(a->pipe, a->info.mode, NULL);
	struct cjd_metrics_agent v = {
		.version = CJD_VERSION,
		.mode = a->info.mode,
		.model_name = m ? cjd_model_name(m) : NULL,
		.model_version = m ? cjd_model_version(m) : NULL,
		.model_kind = m ? cjd_model_kind_name(cjd_model_kind(m)) : NULL,
		.uptime_seconds = (double)(cjd_now_mono_ns() - a->start_mono_ns) / 1e9,
		.interval_seconds = (double)a->info.interval_ns / 1e9,
		.samples_per_second = samples_per_s,
		.samples = st.samples,
		.samples_dropped = st.dropped,
		.samples_refused = ps.samples_refused,
		.cgroups_monitored = st.monitored,
		.cgroups_unmonitored = st.unmonitored,
		.perf_fds = st.fds,
		.perf_fds_per_cgroup = st.fds_per_cgroup,
		.fd_limit = st.fd_limit,
		.publish_dropped = pub.dropped,
		.journal_errors = pub.journal_errors,
	};
	cjd_metrics_registry_agent(a->metrics, &v);
}

void cjd_agent_metrics_publish(struct cjd_agent *a)
{
	struct cjd_metrics_snapshot *s;

	if (!a->http || !cjd_metrics_registry_dirty(a->metrics))
		return;
	/* out of memory: the server keeps serving the previous snapshot */
	if (cjd_metrics_registry_snapshot(a->metrics, &s) == 0)
		cjd_metrics_http_publish(a->http, s);
}

static bool same(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

void cjd_agent_metrics_reconfigure(struct cjd_agent *a, const struct cjd_config *o)
{
	const struct cjd_config *n = &a->cfg;
	struct cjd_metrics_registry_config rc = registry_config(n);

	if (!same(o->metrics_listen, n->metrics_listen) || !same(o->metrics_tls_cert, n->metrics_tls_cert) ||
	    !same(o->metrics_tls_key, n->metrics_tls_key) ||
	    !same(o->metrics_basic_auth_file, n->metrics_basic_auth_file))
		cjd_warn("reload: metrics.listen/tls/basic_auth_file changed; it takes effect after a "
			 "restart");
	if (a->metrics)
		cjd_metrics_registry_configure(a->metrics, &rc);
}

void cjd_agent_metrics_free(struct cjd_agent *a)
{
	cjd_metrics_http_free(a->http); /* first: its thread reads the collector */
	a->http = NULL;
	cjd_metrics_registry_free(a->metrics);
	a->metrics = NULL;
}
