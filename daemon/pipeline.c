/* The detect-and-publish pipeline shared by `cjd run`, `cjd detect` and `cjd replay`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/strmap.h"
#include "cjd/common/time.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/detector/model_load.h"
#include "cjd/publish/output_http.h"
#include "cjd/publish/output_syslog.h"
#include "pipeline_internal.h"

/*
 * What is known about a cgroup: the ids its path holds, and for a local one
 * the names cached when it was discovered (resolved now when it was not:
 * an alert is rare enough to pay for it).
 */
static const struct cjd_identity *identity_of(struct cjd_pipeline *p, const char *host,
					      const char *cgroup, bool resolve,
					      struct cjd_identity *id)
{
	if (host || !p->meta || !cgroup)
		return NULL;
	cjd_meta_cache_lookup(p->meta, cgroup, resolve, id);
	return id;
}

/* The detector's view of names, for allowlist entries such as image:nginx:*. */
static bool identify(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id)
{
	struct cjd_pipeline *p = ctx;
	if (p->opts.identify)
		return p->opts.identify(p->opts.identify_ctx, host, cgroup, id);
	return identity_of(p, host, cgroup, true, id) && id->resolved;
}

/* State keys name the host too: split mode serves many hosts from one pipeline. */
static const char *key_of(const char *host, const char *cgroup, char *buf, size_t len)
{
	snprintf(buf, len, "%s\n%s", host ? host : "", cgroup);
	return buf;
}

/* ---- building from the configuration ---- */

static void detector_config(struct cjd_pipeline *p, const struct cjd_config *cfg,
			    cjd_event_mask events, struct cjd_detector_config *dc)
{
	cjd_detector_config_init(dc);
	dc->events = events;
	dc->window = cfg->window;
	dc->threshold = isnan(cfg->threshold) ? NAN : (float)cfg->threshold;
	dc->threshold_low = isnan(cfg->threshold_low) ? NAN : (float)cfg->threshold_low;
	dc->fire_windows = cfg->fire_windows;
	dc->resolve_windows = cfg->resolve_windows;
	dc->ongoing_ns = cfg->ongoing_ns;
	dc->refire_holddown_ns = cfg->refire_holddown_ns;
	dc->price_per_cpu_hour = cfg->price_per_cpu_hour;
	dc->allowlist = (const char *const *)cfg->allowlist.v;
	dc->n_allowlist = cfg->allowlist.n;
	dc->identify = identify;
	dc->identify_ctx = p;
	if (p->ev) {
		dc->suspect_cb = cjd_pl_evidence_suspect;
		dc->suspect_ctx = p;
		dc->suspect_threshold = isnan(cfg->suspect_threshold) ? NAN
								     : (float)cfg->suspect_threshold;
		dc->suspect_windows = cfg->suspect_windows;
	}
	if (p->opts.gone_intervals)
		dc->gone_intervals = p->opts.gone_intervals;
	dc->window_cb = p->opts.window_cb;
	dc->window_ctx = p->opts.hook_ctx;
	for (size_t i = 0; i < cfg->aggregate.n; i++) {
		enum cjd_agg_kind k;
		if (cjd_agg_kind_parse(cfg->aggregate.v[i], &k) == 0) /* the config checked it */
			dc->aggregate.kinds |= 1u << k;
	}
	dc->aggregate.min_members = cfg->aggregate_min_members;
	dc->aggregate.member_max_cpu = (float)cfg->aggregate_member_max_cpu;
	dc->aggregate.model = cjd_pipeline_group_model(p, cjd_mode_of(events));
}

/*
 * The model that scores groups (detector.aggregate_model): the configured
 * one for every mode; else, with the shipped models (no detector.model) and
 * aggregation on, in software mode the shipped sw-nosyscalls (*sw_only set);
 * else the detector's own (NULL). A group's sum of duty-cycled members counts
 * one sleep and wake-up per member and cycle: its system calls per
 * CPU-second measure how the work was split, not the work (models/README.md,
 * "Aggregation across cgroups"). A configured detector.model is never
 * swapped. Returns 0 or -errno with err (-ENOENT: sw-nosyscalls.json is
 * missing from the model directories).
 */
static int group_model_load(const struct cjd_pipeline *p, const struct cjd_config *cfg,
			    struct cjd_model **out, bool *sw_only, struct cjd_error *err)
{
	const cjd_event_mask nosys = CJD_EVMASK_SOFTWARE & ~CJD_EVMASK(CJD_EV_SYSCALLS);
	char path[4096];
	bool software = false;
	int rc;

	*out = NULL;
	*sw_only = false;
	if (cfg->aggregate_model)
		return cjd_model_load(out, cfg->aggregate_model, err);
	for (size_t w = 0; w < p->n_wants; w++)
		software |= cjd_mode_of(p->wants[w]) == CJD_MODE_SOFTWARE;
	if (cfg->model || !cfg->aggregate.n || !software)
		return 0;
	if ((rc = cjd_model_default_path(nosys, p->opts.model_dirs, p->opts.n_model_dirs, path,
					 sizeof(path), err))) {
		char why[sizeof(err->text)];
		snprintf(why, sizeof(why), "%s", err->text);
		return cjd_error_set(err, rc, NULL, 0, 0, "the group model (detector.aggregate): %s",
				     why);
	}
	*sw_only = true;
	return cjd_model_load(out, path, err);
}

/*
 * Which model samples with `events` use under cfg: the configured one, or
 * the shipped one for what the source supplies (cjd_model_default_name:
 * without syscalls, the model trained without them). A configured model is
 * never swapped: if it needs events the source lacks, the detector refuses it.
 */
static const char *model_key(const struct cjd_config *cfg, cjd_event_mask events)
{
	return cfg->model ? "" : cjd_model_default_name(events);
}

static void models_free(struct model_set *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		cjd_model_free(ms->e[i].m);
	ms->n = 0;
}

static int models_find(const struct model_set *ms, const char *key)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->e[i].key, key))
			return (int)i;
	return -ENOENT;
}

/* Loads into ms (empty) every model cfg names for the pipeline's event sets. */
static int models_load(const struct cjd_pipeline *p, const struct cjd_config *cfg,
		       struct model_set *ms, struct cjd_error *err)
{
	int rc;

	for (size_t w = 0; w < p->n_wants; w++) {
		const char *key = model_key(cfg, p->wants[w]);
		if (models_find(ms, key) >= 0)
			continue;
		char *path = ms->e[ms->n].path;
		size_t len = sizeof(ms->e[ms->n].path);
		if (cfg->model)
			snprintf(path, len, "%s", cfg->model);
		else if ((rc = cjd_model_default_path(p->wants[w], p->opts.model_dirs,
						      p->opts.n_model_dirs, path, len, err)))
			goto out_free;
		if ((rc = cjd_model_load(&ms->e[ms->n].m, path, err)))
			goto out_free;
		ms->e[ms->n++].key = key;
	}
	return 0;
out_free:
	models_free(ms);
	return rc;
}

static int actions_new(const struct cjd_pipeline *p, const struct cjd_config *cfg,
		       struct cjd_actions **out)
{
	unsigned long long q = 0, per = 0;

	*out = NULL;
	if (!p->opts.actions || cfg->action == CJD_ACTION_ALERT)
		return 0;
	if (cfg->throttle_quota && sscanf(cfg->throttle_quota, "%llu %llu", &q, &per) != 2)
		return -EINVAL; /* the config table already checked the form */
	struct cjd_actions_config ac = {
		.kind = cfg->action,
		.min_score = cfg->action_min_score,
		.quota_us = q,
		.period_us = per,
		/* a v1 perf_event root is no place for cgroup.freeze: let actions find v2 */
		.v2_root = p->opts.cgroup_version == 2 ? p->opts.cgroup_root : NULL,
		.allowlist = (const char *const *)cfg->allowlist.v,
		.n_allowlist = cfg->allowlist.n,
	};
	return cjd_actions_new(out, &ac);
}

/* The queue settings shared by both push outputs (outputs.*.queue, .backoff_*, .drain, .topics). */
static struct cjd_output_options queue_options(const struct cjd_output_settings *s)
{
	return (struct cjd_output_options){
		.queue = s->queue,
		.backoff_min_ns = s->backoff_min_ns,
		.backoff_max_ns = s->backoff_max_ns,
		.drain_ns = s->drain_ns ? s->drain_ns : 1, /* 0 in the file: do not wait */
		.topics = (const char *const *)s->topics.v,
		.n_topics = s->topics.n,
	};
}

/*
 * Starts the push outputs the configuration turns on (outputs.http.url,
 * outputs.syslog.remote) into out[] (*n of them). The configuration checked
 * their settings; what is left to fail is a file (token, CA, certificate)
 * or a thread. Returns 0 or a negative errno with err set.
 */
static int start_outputs(const struct cjd_config *cfg, struct cjd_output **out, size_t *n,
			 struct cjd_error *err)
{
	const struct cjd_output_settings *h = &cfg->out_http, *sl = &cfg->out_syslog;
	int rc;

	*n = 0;
	if (h->target) {
		struct cjd_output_http_config hc = {
			.url = h->target,
			.body = {.splunk_index = h->splunk_index,
				 .splunk_source = h->splunk_source,
				 .splunk_sourcetype = h->splunk_sourcetype},
			.token_file = h->token_file,
			.headers = (const char *const *)h->headers.v,
			.n_headers = h->headers.n,
			.ca_file = h->ca_file,
			.cert_file = h->cert_file,
			.key_file = h->key_file,
			.timeout_ns = h->timeout_ns,
			.queue = queue_options(h),
		};
		if (cjd_http_format_parse(h->format, &hc.format))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0, "outputs.http.format: '%s'",
					     h->format);
		if ((rc = cjd_output_http_new(&out[*n], &hc, err)))
			return rc;
		(*n)++;
	}
	if (sl->target) {
		struct cjd_output_syslog_config sc = {
			.remote = sl->target,
			.tls = sl->transport && !strcmp(sl->transport, "tls"),
			.ca_file = sl->ca_file,
			.cert_file = sl->cert_file,
			.key_file = sl->key_file,
			.server_name = sl->server_name,
			.timeout_ns = sl->timeout_ns,
			.queue = queue_options(sl),
		};
		if (cjd_syslog_msg_format_parse(sl->format, &sc.format))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0, "outputs.syslog.format: '%s'",
					     sl->format);
		if ((rc = cjd_output_syslog_new(&out[*n], &sc, err)))
			return rc;
		(*n)++;
	}
	return 0;
}

static int on_alert(const struct cjd_alert *alert, void *ctx);

/* Starts the detector of a mode with its model, loaded already. */
static int start_mode(struct cjd_pipeline *p, enum cjd_mode mode, cjd_event_mask events,
		      struct cjd_error *err)
{
	struct mode_slot *s = &p->slot[mode];
	struct cjd_detector_config dc;
	int i = models_find(&p->models, model_key(p->cfg, events)), rc;

	if (i < 0) /* the event sets wanted at start cover every mode: a bug */
		return cjd_error_set(err, -ENOENT, NULL, 0, 0, "no model loaded for %s mode",
				     cjd_mode_name(mode));
	detector_config(p, p->cfg, events, &dc);
	if ((rc = cjd_detector_new(&s->det, &dc, p->models.e[i].m, on_alert, p, err)))
		return rc;
	s->model = p->models.e[i].m;
	s->model_path = p->models.e[i].path;
	s->events = events;
	return 0;
}

/*
 * The event sets samples may come with: what the source supplies for the
 * modes it names, or, from an unknown source (split mode), every kind a
 * collector sends.
 */
static void set_wants(struct cjd_pipeline *p, unsigned modes, cjd_event_mask events)
{
	if (modes) {
		for (int m = 0; m < 2; m++)
			if (modes & (1u << m))
				p->wants[p->n_wants++] =
					events ? events
					       : (m == CJD_MODE_HARDWARE ? CJD_EVMASK_HARDWARE
									: CJD_EVMASK_SOFTWARE);
		return;
	}
	p->wants[p->n_wants++] = CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE;
	p->wants[p->n_wants++] = CJD_EVMASK_SOFTWARE;
	p->wants[p->n_wants++] = CJD_EVMASK_SOFTWARE & ~CJD_EVMASK(CJD_EV_SYSCALLS);
}

int cjd_pipeline_new(struct cjd_pipeline **out, const struct cjd_pipeline_options *opts,
		     unsigned modes, cjd_event_mask events, struct cjd_error *err)
{
	struct cjd_pipeline *p = calloc(1, sizeof(*p));
	const struct cjd_config *cfg = opts->cfg;
	int rc;

	*out = NULL;
	if (!p)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	p->opts = *opts;
	p->cfg = cfg;
	p->acted = cjd_strmap_new();
	p->metrics_prev = cjd_strmap_new();
	p->refused = cjd_strmap_new();
	if (!p->acted || !p->metrics_prev || !p->refused ||
	    (opts->meta && cjd_meta_cache_new(&p->meta, opts->meta))) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	set_wants(p, modes, events);
	if ((rc = models_load(p, cfg, &p->models, err))) {
		rc = cjd_errno_config(rc); /* a model that cannot be found or loaded */
		goto out_free;
	}
	if ((rc = group_model_load(p, cfg, &p->agg_model, &p->agg_sw_only, err))) {
		rc = cjd_errno_config(rc); /* a group model that cannot be found or loaded */
		goto out_free;
	}
	/* before the detectors: they get its suspect callback */
	if (opts->evidence && cfg->evidence_enabled && (rc = cjd_pl_evidence_new(p, err))) {
		rc = cjd_errno_config(rc); /* a verdict model that cannot be loaded, bad probe lists */
		goto out_free;
	}
	for (int m = 0; m < 2; m++) {
		if (!(modes & (1u << m)))
			continue;
		if ((rc = start_mode(p, (enum cjd_mode)m, events, err))) {
			rc = cjd_errno_config(rc); /* a model that cannot serve this source */
			goto out_free;
		}
	}
	if ((rc = actions_new(p, cfg, &p->actions))) {
		rc = cjd_error_set(err, cjd_errno_runtime(rc), NULL, 0, 0,
				   "actions: %s (is a cgroup hierarchy mounted?)", strerror(-rc));
		goto out_free;
	}
	/* The publisher last among the parts that can refuse: its sockets and
	 * threads are the most expensive thing to unwind. Its push outputs
	 * just before it: a token or CA file that cannot be read is a
	 * configuration error. */
	struct cjd_output *outs[2];
	size_t n_outs = 0;
	if ((rc = start_outputs(cfg, outs, &n_outs, err))) {
		for (size_t i = 0; i < n_outs; i++)
			cjd_output_free(outs[i]);
		rc = cjd_errno_config(rc); /* a token or CA file that cannot be read */
		goto out_free;
	}
	struct cjd_publisher_config pc = {
		.endpoints = (const char *const *)cfg->endpoints.v,
		.n_endpoints = cfg->endpoints.n,
		.sndhwm = (int)cfg->hwm,
		.journal_path = cfg->journal && cfg->journal[0] ? cfg->journal : NULL,
		.journal_max_bytes = cfg->journal_rotate_bytes,
		.journal_keep = cfg->journal_keep,
		.curve_secret_file = cfg->curve_secret,
		.curve_clients_dir = cfg->curve_clients,
		.cgroup_root = opts->cgroup_root,
		.echo = opts->echo,
		.outputs = outs,
		.n_outputs = n_outs, /* the publisher owns them now */
	};
	/* -EINVAL: a key file or endpoint that cannot be used; else runtime (in use, ...) */
	if ((rc = cjd_publisher_new(&p->pub, &pc, err)))
		goto out_free;
	*out = p;
	return 0;
out_free:
	cjd_pipeline_free(p);
	return rc;
}

void cjd_pipeline_free(struct cjd_pipeline *p)
{
	if (!p)
		return;
	cjd_pl_evidence_free(p); /* the worker stops first: it finishes what it inspects */
	for (int m = 0; m < 2; m++)
		cjd_detector_free(p->slot[m].det);
	models_free(&p->models);
	cjd_model_free(p->agg_model); /* after the detectors that borrowed it */
	cjd_publisher_free(p->pub); /* fsyncs the journal, lets queued messages leave */
	cjd_actions_free(p->actions);
	cjd_strmap_free(p->acted);
	cjd_strmap_free(p->metrics_prev);
	cjd_strmap_free(p->refused);
	cjd_meta_cache_free(p->meta);
	free(p);
}

/* ---- alerts ---- */

static void publish(struct cjd_pipeline *p, struct cjd_alert *al)
{
	char line[2048];
	struct cjd_identity id;
	/* an aggregate's cgroup is its group's id: its members carry their names */
	struct cjd_alert_context ctx = {
		.identity = al->group ? NULL : identity_of(p, al->host, al->cgroup, true, &id)};
	int rc = cjd_publisher_alert(p->pub, al, &ctx);

	if (p->opts.metrics) /* after the publisher: it counts what went out */
		cjd_metrics_registry_alert(p->opts.metrics, al, ctx.identity, cjd_now_mono_ns());

	/* journal trouble is logged and flagged by the publisher; the alert went out */
	if (rc == -ENOMEM || rc == -EINVAL)
		cjd_err("alert for %s could not be serialized: %s", al->cgroup, strerror(-rc));
	if (p->opts.quiet)
		return;
	cjd_alert_summary(al, ctx.identity, line, sizeof(line));
	cjd_log(al->action == CJD_ALERT_FIRING || al->action == CJD_ALERT_FROZEN ||
				al->action == CJD_ALERT_THROTTLED ||
				al->action == CJD_ALERT_AGG_FIRING
			? CJD_LOG_WARN
			: CJD_LOG_INFO,
		"%s", line);
}

/*
 * At most one action per firing episode of a cgroup: the first alert of the
 * episode whose score reaches actions.min_score. A failure is reported as an
 * alert with its reason and never retried until the cgroup resolves and
 * fires again. Only local cgroups are acted on.
 */
static void maybe_act(struct cjd_pipeline *p, const struct cjd_alert *al)
{
	struct cjd_action_result res;
	char key[4400];
	uint64_t *seen;

	if (!p->actions || al->host)
		return;
	key_of(al->host, al->cgroup, key, sizeof(key));
	if (cjd_strmap_get(p->acted, key))
		return;
	struct cjd_identity id;
	cjd_actions_apply(p->actions, al->cgroup, identity_of(p, al->host, al->cgroup, false, &id),
			  al->score, &res);
	if (res.outcome == CJD_ACT_SKIPPED)
		return; /* below min_score: a later, higher-scoring alert may still act */
	if (cjd_strmap_upsert(p->acted, key, &seen) < 0)
		cjd_warn("out of memory remembering the action on %s", al->cgroup);

	struct cjd_alert act = *al;
	act.id[0] = '\0';
	act.action = p->cfg->action == CJD_ACTION_FREEZE ? CJD_ALERT_FROZEN : CJD_ALERT_THROTTLED;
	act.action_rc = res.rc;
	act.action_detail = res.detail;
	act.time_real_ns = 0;
	if (res.outcome != CJD_ACT_DONE)
		cjd_err("%s %s failed: %s",
			p->cfg->action == CJD_ACTION_FREEZE ? "freezing" : "throttling", al->cgroup,
			res.detail);
	publish(p, &act);
}

void cjd_pl_deliver(struct cjd_pipeline *p, struct cjd_alert *al)
{
	char key[4400];

	if (p->opts.alert_hook)
		p->opts.alert_hook(p->opts.hook_ctx, al);
	publish(p, al);
	switch (al->action) {
	case CJD_ALERT_FIRING:
	case CJD_ALERT_ONGOING:
		maybe_act(p, al);
		break;
	case CJD_ALERT_RESOLVED:
	case CJD_ALERT_GONE:
		cjd_strmap_remove(p->acted, key_of(al->host, al->cgroup, key, sizeof(key)));
		break;
	default:
		break;
	}
}

static int on_alert(const struct cjd_alert *alert, void *ctx)
{
	struct cjd_pipeline *p = ctx;
	struct cjd_alert copy = *alert;

	if (p->ev && !alert->host)
		cjd_pl_evidence_alert(p, &copy); /* local cgroups: evidence decides when */
	else
		cjd_pl_deliver(p, &copy);
	return 0;
}

/* ---- samples ---- */

static void refuse(struct cjd_pipeline *p, const struct cjd_sample *s, enum cjd_mode mode,
		   const char *why)
{
	char key[512];
	uint64_t *v;

	p->st.samples_refused++;
	snprintf(key, sizeof(key), "%d\n%s", (int)mode, s->host ? s->host : "");
	if (cjd_strmap_upsert(p->refused, key, &v) == 1)
		cjd_warn("%s mode samples from %s cannot be scored: %s (further ones are counted)",
			 cjd_mode_name(mode), s->host ? s->host : "this host", why);
}

int cjd_pipeline_expect(struct cjd_pipeline *p, cjd_event_mask events, struct cjd_error *err)
{
	enum cjd_mode mode = cjd_mode_of(events);
	struct mode_slot *slot = &p->slot[mode];
	int rc;

	if (!slot->det)
		rc = start_mode(p, mode, events, err);
	else
		rc = cjd_model_check_events(slot->model, events, err);
	return rc ? cjd_errno_config(rc) : 0;
}

int cjd_pipeline_push(struct cjd_pipeline *p, const struct cjd_sample *s, struct cjd_error *err)
{
	enum cjd_mode mode = cjd_mode_of(s->events);
	struct mode_slot *slot = &p->slot[mode];
	int rc;

	p->st.samples++;
	if ((!slot->det && (rc = start_mode(p, mode, s->events, err))) ||
	    (rc = cjd_detector_push(slot->det, s, err))) {
		if (rc == -ENOMEM)
			return rc;
		if (p->opts.strict)
			return -EINVAL;
		refuse(p, s, mode, err->text);
	}
	return 0;
}

void cjd_pipeline_tick(struct cjd_pipeline *p)
{
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_tick(p->slot[m].det);
	if (p->ev)
		cjd_pl_evidence_poll(p);
}

void cjd_pipeline_sweep(struct cjd_pipeline *p)
{
	if (p->ev)
		cjd_pl_evidence_sweep(p);
}

bool cjd_pipeline_evidence_on(const struct cjd_pipeline *p)
{
	return p->ev != NULL;
}

void cjd_pipeline_finish(struct cjd_pipeline *p)
{
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_finish(p->slot[m].det);
}

void cjd_pipeline_forget(struct cjd_pipeline *p, const char *host, const char *cgroup)
{
	char key[4400];

	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_forget(p->slot[m].det, host, cgroup);
	key_of(host, cgroup, key, sizeof(key));
	cjd_strmap_remove(p->acted, key);
	cjd_strmap_remove(p->metrics_prev, key);
	if (p->ev)
		cjd_pl_evidence_forget(p, host, cgroup);
	if (p->opts.metrics)
		cjd_metrics_registry_gone(p->opts.metrics, host, cgroup, cjd_now_mono_ns());
	if (!host)
		cjd_meta_cache_forget(p->meta, cgroup);
}

void cjd_pipeline_discovered(struct cjd_pipeline *p, const char *cgroup)
{
	struct cjd_identity id;

	identity_of(p, NULL, cgroup, true, &id);
}

/* ---- metrics and heartbeat ---- */

static int one_cgroup(const struct cjd_cgroup_summary *s, void *ctx)
{
	struct cjd_pipeline *p = ctx;
	char key[4400];
	uint64_t *prev, before = 0;

	/* task-clock ns at the previous message: integers, so the period is exact */
	int rc = cjd_strmap_upsert(p->metrics_prev, key_of(s->host[0] ? s->host : NULL, s->cgroup,
							   key, sizeof(key)), &prev);
	if (rc < 0)
		return 0;
	if (rc == 0)
		before = *prev;
	double period = (double)(s->cpu_ns >= before ? s->cpu_ns - before : s->cpu_ns) / 1e9;
	*prev = s->cpu_ns;

	struct cjd_identity id;
	struct cjd_metrics m = {
		.host = s->host[0] ? s->host : NULL,
		.cgroup = s->cgroup,
		.identity = identity_of(p, s->host[0] ? s->host : NULL, s->cgroup, false, &id),
		.mode = s->mode,
		.state = s->state,
		.has_score = s->scored,
		.score = s->last_score,
		.interval_ns = p->cfg->metrics_ns,
		.cpu_seconds = period,
		.cpu_seconds_total = s->cpu_seconds,
		.price_per_cpu_hour = p->cfg->price_per_cpu_hour,
		.cost_usd = period / 3600.0 * p->cfg->price_per_cpu_hour,
		.cost_usd_total = s->cost_usd,
	};
	cjd_publisher_metrics(p->pub, &m);
	if (p->opts.metrics) /* the /metrics series, from this very message */
		cjd_metrics_registry_cgroup(p->opts.metrics, &m, cjd_now_mono_ns());
	return 0;
}

void cjd_pipeline_metrics(struct cjd_pipeline *p)
{
	if (p->opts.metrics)
		cjd_metrics_registry_begin(p->opts.metrics, cjd_now_mono_ns());
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_foreach(p->slot[m].det, one_cgroup, p);
	if (p->opts.metrics)
		cjd_metrics_registry_end(p->opts.metrics, cjd_now_mono_ns());
}

void cjd_pipeline_heartbeat(struct cjd_pipeline *p, struct cjd_heartbeat *hb)
{
	const struct cjd_model *m = p->slot[hb->mode].model;

	struct cjd_heartbeat_evidence ev;

	if (m && !hb->model_name) {
		hb->model_name = cjd_model_name(m);
		hb->model_version = cjd_model_version(m);
	}
	if (p->ev) {
		cjd_pl_evidence_stats(p, &ev);
		hb->evidence = &ev;
	}
	cjd_publisher_heartbeat(p->pub, hb);
}

void cjd_pipeline_housekeeping(struct cjd_pipeline *p)
{
	if (p->ev) /* results arrive whether samples do or not */
		cjd_pl_evidence_poll(p);
	cjd_publisher_tick(p->pub, cjd_now_mono_ns());
}

/* ---- reload ---- */

/* Puts the detectors of modes [0, upto) back on the current configuration
 * after a later one refused the new one. */
static void reconfigure_undo(struct cjd_pipeline *p, int upto)
{
	struct cjd_detector_config dc;
	struct cjd_error ignore;

	for (int k = 0; k < upto; k++) {
		if (!p->slot[k].det)
			continue;
		detector_config(p, p->cfg, p->slot[k].events, &dc);
		cjd_detector_reconfigure(p->slot[k].det, &dc, p->slot[k].model, &ignore);
	}
}

int cjd_pipeline_reconfigure(struct cjd_pipeline *p, const struct cjd_config *cfg,
			     struct cjd_error *err)
{
	struct model_set nm = {0};
	int idx[2] = {-1, -1};
	struct cjd_actions *na = NULL;
	struct cjd_detector_config dc;
	struct cjd_model *agg_old = p->agg_model, *agg_new = NULL;
	bool sw_old = p->agg_sw_only, sw_new;
	int rc = 0;

	/* everything that can fail first, for every mode, before anything changes */
	if ((rc = models_load(p, cfg, &nm, err)))
		goto out_fail;
	if ((rc = group_model_load(p, cfg, &agg_new, &sw_new, err)))
		goto out_fail;
	for (int m = 0; m < 2; m++) {
		if (!p->slot[m].det)
			continue;
		idx[m] = models_find(&nm, model_key(cfg, p->slot[m].events));
		if ((rc = cjd_model_check_events(nm.e[idx[m]].m, p->slot[m].events, err)))
			goto out_fail;
	}
	if ((rc = actions_new(p, cfg, &na))) {
		cjd_error_set(err, rc, NULL, 0, 0, "actions: %s", strerror(-rc));
		goto out_fail;
	}
	p->agg_model = agg_new; /* what detector_config hands the detectors */
	p->agg_sw_only = sw_new;
	for (int m = 0; m < 2; m++) {
		if (!p->slot[m].det)
			continue;
		detector_config(p, cfg, p->slot[m].events, &dc);
		if ((rc = cjd_detector_reconfigure(p->slot[m].det, &dc, nm.e[idx[m]].m, err))) {
			p->agg_model = agg_old;
			p->agg_sw_only = sw_old;
			/* Only a change of W or of the model's events fails here, and for
			 * the first mode it leaves nothing changed; a later mode failing
			 * after an earlier one switched cannot be undone cleanly, so
			 * put the earlier one back. */
			reconfigure_undo(p, m);
			goto out_fail;
		}
	}
	/* committed: the set moves in (its paths with it), the old one goes */
	models_free(&p->models);
	p->models = nm;
	for (int m = 0; m < 2; m++) {
		if (!p->slot[m].det)
			continue;
		p->slot[m].model = p->models.e[idx[m]].m;
		p->slot[m].model_path = p->models.e[idx[m]].path;
	}
	cjd_actions_free(p->actions);
	p->actions = na;
	cjd_model_free(agg_old);
	return 0;
out_fail:
	p->agg_model = agg_old;
	p->agg_sw_only = sw_old;
	cjd_model_free(agg_new);
	cjd_actions_free(na);
	models_free(&nm);
	return rc ? rc : -EINVAL;
}

void cjd_pipeline_stats(const struct cjd_pipeline *p, struct cjd_pipeline_stats *st)
{
	*st = p->st;
	st->cgroups = 0;
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			st->cgroups += cjd_detector_cgroups(p->slot[m].det);
}

const struct cjd_model *cjd_pipeline_model(const struct cjd_pipeline *p, enum cjd_mode mode,
					   const char **path)
{
	if (path)
		*path = p->slot[mode].model_path ? p->slot[mode].model_path : "";
	return p->slot[mode].model;
}

const struct cjd_model *cjd_pipeline_group_model(const struct cjd_pipeline *p,
						 enum cjd_mode mode)
{
	return !p->agg_sw_only || mode == CJD_MODE_SOFTWARE ? p->agg_model : NULL;
}

const struct cjd_detector *cjd_pipeline_detector(const struct cjd_pipeline *p, enum cjd_mode mode)
{
	return p->slot[mode].det;
}

struct cjd_publisher *cjd_pipeline_publisher(const struct cjd_pipeline *p)
{
	return p->pub;
}
