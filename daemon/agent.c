/* `cjd run`'s agent: builds every part from the configuration, runs them on one loop, stops cleanly. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/daemon/privs.h"
#include "cjd/detector/model_load.h"

int cjd_agent_load_config(const struct cjd_agent_options *opts, struct cjd_config *cfg,
			  struct cjd_error *err)
{
	struct cjd_config tmp;
	int rc;

	if ((rc = cjd_config_defaults(&tmp)))
		return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	if (opts->config_path) {
		rc = cjd_config_load(&tmp, opts->config_path, err);
		/* the default path is optional; a path the user named is not */
		if (rc == -ENOENT && !opts->config_required)
			rc = 0;
		if (rc)
			goto out_fail;
	}
	for (size_t i = 0; i < opts->n_overrides; i++) {
		const struct cjd_override *o = &opts->overrides[i];
		if ((rc = cjd_config_set(&tmp, o->key, o->value, o->replace, err)))
			goto out_fail;
	}
	*cfg = tmp;
	return 0;
out_fail:
	cjd_config_release(&tmp);
	return cjd_errno_config(rc); /* an unreadable file is a configuration error too */
}

/* ---- loop callbacks ---- */

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	struct cjd_agent *a = ctx;

	struct cjd_error err;

	for (size_t i = 0; i < n; i++)
		cjd_pipeline_push(a->pipe, &s[i], &err); /* refusals are counted and logged */
	cjd_pipeline_tick(a->pipe);
	cjd_agent_metrics_progress(a); /* /healthz sees the tick */
}

static void on_added(void *ctx, const char *cgroup)
{
	struct cjd_agent *a = ctx;

	cjd_pipeline_discovered(a->pipe, cgroup); /* container names, once per container */
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	struct cjd_agent *a = ctx;

	(void)t_ns;
	cjd_debug("cgroup %s is gone", cgroup);
	cjd_pipeline_forget(a->pipe, NULL, cgroup); /* a firing one resolves as "gone" */
}

static void on_pub_tick(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	struct cjd_agent *a = ctx;

	(void)l;
	(void)exp;
	cjd_pipeline_housekeeping(a->pipe);
	a->housekeeping_mono_ns = cjd_now_mono_ns(); /* the watchdog's proof of progress */
	cjd_agent_metrics_progress(a);
	cjd_agent_metrics_publish(a); /* a new snapshot for scrapes, when anything changed */
}

static void on_metrics(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	struct cjd_agent *a = ctx;

	(void)l;
	(void)exp;
	cjd_pipeline_metrics(a->pipe);
}

static void on_sweep(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	struct cjd_agent *a = ctx;

	(void)l;
	(void)exp;
	cjd_pipeline_sweep(a->pipe);
}

static void heartbeat(struct cjd_agent *a, bool stopping)
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
		.stopping = stopping,
	};
	a->samples_at_heartbeat = st.samples;
	a->heartbeat_mono_ns = now;
	cjd_pipeline_heartbeat(a->pipe, &hb);
	if (!stopping) {
		cjd_agent_notify_status(a);
		cjd_agent_metrics_agent(a, hb.samples_per_s);
	}
}

static void on_heartbeat(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	heartbeat(ctx, false);
}

/* SIGHUP (SIGTERM and SIGINT stop the source's loop). */
static void on_sighup(struct cjd_loop *l, int signo, void *ctx)
{
	struct cjd_agent *a = ctx;

	(void)l;
	(void)signo;
	/* systemctl reload waits for READY=1: sent whether the reload took or not */
	cjd_agent_notify_reloading(a);
	cjd_agent_reload(a);
	cjd_agent_notify_ready(a);
}

/* ---- start-up ---- */

/* Why this model: the one configured, or the shipped one the counted events call for. */
static void model_why(const struct cjd_agent *a, char *why, size_t len)
{
	const char *tp = cjd_event_info(CJD_EV_SYSCALLS)->encoding;
	const char *missing = a->info.why_not[CJD_EV_SYSCALLS];

	if (a->cfg.model) {
		snprintf(why, len, ", as configured");
		return;
	}
	if (a->info.mode == CJD_MODE_HARDWARE) {
		snprintf(why, len, ", the default in hardware mode");
		return;
	}
	if (!missing) {
		snprintf(why, len, ", the default in software mode with syscalls counted");
		return;
	}
	if (!strncmp(tp, "tracepoint:", 11))
		tp += 11;
	snprintf(why, len, ", because %s cannot be counted: %s", tp,
		 missing[0] ? missing : "it is not among collector.events");
}

static void banner(const struct cjd_agent *a)
{
	struct cjd_collector_stats st;
	char events[512], fd[64], iv[32];
	const char *reason;

	cjd_collector_stats(a->collector, &st);
	cjd_collector_mode(a->collector, &reason);
	cjd_event_mask_format(a->info.events, events, sizeof(events));
	cjd_info("cjd %s: %s mode (%s)", CJD_VERSION, cjd_mode_name(a->info.mode), reason);
	if (a->info.tracefs->state == CJD_TRACEFS_MOUNTED)
		cjd_info("tracefs: %s", a->info.tracefs->text);
	else if (a->info.tracefs->state == CJD_TRACEFS_MISSING)
		cjd_warn("tracefs: %s; tracepoints (syscalls) are not counted",
			 a->info.tracefs->text);
	cjd_info("events: %s, every %s on %u CPUs", events,
		 cjd_duration_format(a->info.interval_ns, iv, sizeof(iv)), a->info.cpus);
	cjd_info("cgroups: %zu monitored, %zu unmonitored; %s", st.monitored, st.unmonitored,
		 a->info.layout->text);
	if (a->info.layout->warning[0])
		cjd_warn("cgroups: %s", a->info.layout->warning);
	snprintf(fd, sizeof(fd), "%llu", (unsigned long long)st.fd_limit);
	cjd_info("fd budget: %zu fds per cgroup (events x CPUs) x %zu cgroups = %zu fds, limit %s",
		 st.fds_per_cgroup, st.monitored, st.fds, fd);
	const char *path;
	char why[400];
	const struct cjd_model *m = cjd_pipeline_model(a->pipe, a->info.mode, &path);
	model_why(a, why, sizeof(why));
	cjd_info("model: %s %s (%s, %s), threshold %.3f%s", cjd_model_name(m), cjd_model_version(m),
		 cjd_model_kind_name(cjd_model_kind(m)), path,
		 isnan(a->cfg.threshold) ? (double)cjd_model_threshold(m) : a->cfg.threshold, why);
	if (a->cfg.aggregate.n) {
		const struct cjd_model *gm = cjd_pipeline_group_model(a->pipe, a->info.mode);
		char kinds[64] = "";
		for (size_t i = 0, n = 0; i < a->cfg.aggregate.n && n < sizeof(kinds); i++)
			n += (size_t)snprintf(kinds + n, sizeof(kinds) - n, "%s%s", i ? ", " : "",
					      a->cfg.aggregate.v[i]);
		cjd_info("aggregate: groups per %s, scored by %s %s", kinds,
			 cjd_model_name(gm ? gm : m), gm ? cjd_model_version(gm) : "(the detector's)");
	}
	for (size_t i = 0;; i++) {
		const char *ep = cjd_publisher_endpoint(cjd_pipeline_publisher(a->pipe), i);
		if (!ep)
			break;
		cjd_info("publishing alerts on %s", ep);
	}
	cjd_info("journal: %s", a->cfg.journal && a->cfg.journal[0] ? a->cfg.journal : "off");
	if (a->http)
		cjd_info("metrics: %s/metrics, health %s/healthz and /readyz",
			 cjd_metrics_http_url(a->http), cjd_metrics_http_url(a->http));
	else
		cjd_info("metrics: off");
	if (a->cfg.action == CJD_ACTION_ALERT)
		cjd_info("actions: alert only");
	else
		cjd_info("actions: %s cgroups whose alert scores >= %.2f",
			 a->cfg.action == CJD_ACTION_FREEZE ? "freeze" : "throttle",
			 a->cfg.action_min_score);
}

/* The configuration, with the log settings it names applied. */
static int configure(struct cjd_agent *a, struct cjd_error *err)
{
	enum cjd_log_level lvl;
	enum cjd_log_format fmt;
	int rc = cjd_agent_load_config(&a->opts, &a->cfg, err);

	if (rc)
		return rc;
	if (!cjd_log_level_parse(a->cfg.log_level, &lvl) &&
	    !cjd_log_format_parse(a->cfg.log_format, &fmt))
		cjd_log_setup(lvl, fmt);
	return 0;
}

/*
 * The collector, counting from now. A model named in the configuration is
 * checked before anything opens, so a typo costs one line, not a start-up
 * (the default one depends on the mode the collector finds).
 */
static int open_source(struct cjd_agent *a, struct cjd_error *err)
{
	struct cjd_collector_config cc;
	int rc;

	if ((rc = cjd_source_config(&a->cfg, &cc, err)))
		return rc;
	cc.quiet = true; /* the banner says it all, once everything is up */
	if (a->cfg.model) {
		struct cjd_model *m;
		if ((rc = cjd_model_load(&m, a->cfg.model, err)))
			return cjd_errno_config(rc);
		cjd_model_free(m);
	}
	if ((rc = cjd_source_new(&a->src, &cc, err)))
		return rc;
	a->collector = cjd_source_collector(a->src);
	a->loop = cjd_source_loop(a->src);
	cjd_collector_info(a->collector, &a->info);
	return 0;
}

/* Detection and publishing for the collector's mode, and actions on local cgroups. */
static int open_pipeline(struct cjd_agent *a, struct cjd_error *err)
{
	static const struct cjd_meta_config meta; /* the runtimes' standard paths */
	struct cjd_pipeline_options po = {
		.cfg = &a->cfg,
		.model_dirs = a->opts.model_dirs,
		.n_model_dirs = a->opts.n_model_dirs,
		/* v1 too: cgroup.procs lists a v1 cgroup's processes just as well */
		.cgroup_root = a->info.cgroup_root,
		.cgroup_version = a->info.cgroup_version,
		.actions = true,
		.meta = &meta,
		.evidence = true,
	};
	int rc;

	if (a->cfg.evidence_enabled) {
		/* The fpstate probe waits for its tracees' SIGCHLD with sigtimedwait on
		 * the worker thread; unblocked here, the kernel could hand it to this
		 * thread and discard it (the probe would then find the stop only at its
		 * next poll, a few ms later, with the thread held meanwhile). The agent
		 * has no children of its own. Threads created from now on inherit it. */
		sigset_t chld;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		pthread_sigmask(SIG_BLOCK, &chld, NULL);
	}

	if ((rc = cjd_agent_metrics_new(a, err)))
		return rc;
	po.metrics = a->metrics;
	/* the collector's mode is known: its detector starts now, so a model that
	 * cannot work with these events is a start-up error */
	return cjd_pipeline_new(&a->pipe, &po, 1u << a->info.mode, a->info.events, err);
}

/* Samples into the pipeline; publisher, metrics and heartbeat timers; SIGHUP; systemd. */
static int start_loop(struct cjd_agent *a, struct cjd_error *err)
{
	struct cjd_source_callbacks cb = {
		.samples = on_samples, .gone = on_gone, .added = on_added, .ctx = a};
	int rc;

	if ((rc = cjd_source_start(a->src, &cb, true)) ||
	    (rc = cjd_loop_add_timer(a->loop, CJD_NSEC_PER_SEC / 2, on_pub_tick, a)) < 0 ||
	    (rc = cjd_loop_add_timer(a->loop, a->cfg.metrics_ns, on_metrics, a)) < 0 ||
	    (rc = cjd_loop_add_timer(a->loop, a->cfg.heartbeat_ns, on_heartbeat, a)) < 0 ||
	    (cjd_pipeline_evidence_on(a->pipe) && a->cfg.sweep_ns &&
	     (rc = cjd_loop_add_timer(a->loop, a->cfg.sweep_ns, on_sweep, a)) < 0) ||
	    (rc = cjd_loop_add_signal(a->loop, SIGHUP, on_sighup, a)) ||
	    (rc = cjd_agent_notify_start(a)))
		return cjd_error_set(err, cjd_errno_runtime(rc), NULL, 0, 0, "event loop: %s",
				     strerror(-rc));
	return 0;
}

static void drop_privileges(const struct cjd_agent *a)
{
	bool acts = a->cfg.action != CJD_ACTION_ALERT;
	bool ev = cjd_pipeline_evidence_on(a->pipe);
	char why[256];

	if (cjd_privs_drop(acts, ev, why, sizeof(why)))
		cjd_warn("could not drop privileges: %s", why);
	else
		cjd_info("privileges: kept only the perf capability%s%s",
			 acts ? ", CAP_DAC_OVERRIDE (actions)" : "",
			 ev ? ", CAP_SYS_PTRACE, CAP_SYS_NICE and CAP_SYS_ADMIN (evidence probes; "
			      "--no-evidence drops them)"
			    : "");
}

int cjd_agent_new(struct cjd_agent **out, const struct cjd_agent_options *opts,
		  struct cjd_error *err)
{
	struct cjd_agent *a = calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	if (!a)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "agent: out of memory");
	a->opts = *opts;
	a->start_mono_ns = a->heartbeat_mono_ns = cjd_now_mono_ns();
	if ((rc = configure(a, err)))
		goto out_free;
	/* A full disk must fail a journal write, not kill the agent; a gone
	 * subscriber must not kill it through a write to a dead socket. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = open_source(a, err)) || (rc = open_pipeline(a, err)) ||
	    (rc = start_loop(a, err)))
		goto out_free;
	/* after the loop blocked its signals; an address in use fails the start like an endpoint */
	if ((rc = cjd_agent_metrics_serve(a, err))) {
		/* a file it names (TLS, auth) is the configuration's fault; a port in use is not */
		rc = err->file[0] || rc == -EINVAL ? -EINVAL : cjd_errno_runtime(rc);
		goto out_free;
	}
	banner(a);
	if (opts->drop_privileges)
		drop_privileges(a);
	/* after the drop: what the probes can do with what was kept */
	cjd_agent_evidence_banner(a);
	*out = a;
	return 0;
out_free:
	cjd_agent_free(a);
	return rc;
}

int cjd_agent_run(struct cjd_agent *a)
{
	int rc;

	cjd_agent_notify_ready(a); /* counters are open and enabled, sockets bound */
	cjd_agent_metrics_readiness(a, CJD_AGENT_READY);
	rc = cjd_source_run(a->src);
	cjd_agent_metrics_readiness(a, CJD_AGENT_STOPPING);
	cjd_agent_notify_stopping(a);
	/* The last word to subscribers, then the journal is fsynced by free(). */
	heartbeat(a, true);
	cjd_pipeline_housekeeping(a->pipe);
	return rc;
}

void cjd_agent_free(struct cjd_agent *a)
{
	if (!a)
		return;
	cjd_agent_notify_free(a);
	cjd_pipeline_free(a->pipe);
	cjd_agent_metrics_free(a); /* its server thread reads the collector: stopped first */
	cjd_source_free(a->src); /* stops ticking, closes the counters and the loop */
	cjd_config_release(&a->cfg);
	free(a);
}
