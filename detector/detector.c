/* The detector core: window engine + model + the per-cgroup state on each lane, emitting struct cjd_alert. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/allowlist.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/detector/detector.h"
#include "cjd/detector/features_table.h"
#include "aggregate_internal.h"
#include "model_internal.h"
#include "window_internal.h"

struct cjd_detector {
	struct cjd_detector_config cfg;
	struct cjd_allowlist *allow;
	const struct cjd_model *model;
	struct cjd_alert_params params;
	enum cjd_mode mode;
	int severity;
	struct cjd_win *e; /* the lanes, each with its cgroup's state (cgroup_state_internal.h) */
	cjd_alert_cb cb;
	void *ctx;
	struct cjd_agg *agg; /* aggregation across cgroups, NULL: off (aggregate.c) */
	float row[CJD_FEATURE__COUNT];
};

void cjd_detector_config_init(struct cjd_detector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->threshold = NAN;
	cfg->threshold_low = NAN;
	cfg->suspect_threshold = NAN;
	cfg->fire_windows = CJD_DETECTOR_DEFAULT_K;
	cfg->resolve_windows = CJD_DETECTOR_DEFAULT_R;
	cfg->ongoing_ns = CJD_DETECTOR_DEFAULT_ONGOING_NS;
	cfg->refire_holddown_ns = CJD_DETECTOR_DEFAULT_HOLDDOWN_NS;
	cfg->price_per_cpu_hour = CJD_DETECTOR_DEFAULT_PRICE;
	cfg->gone_intervals = CJD_DETECTOR_DEFAULT_GONE_INTERVALS;
	cfg->tier = CJD_SIMD_AUTO;
	cfg->aggregate.member_max_cpu = CJD_AGG_DEFAULT_MEMBER_MAX_CPU;
}

/* Checks cfg against model; fills the effective window and alert parameters. */
static int check_config(const struct cjd_detector_config *cfg, const struct cjd_model *model,
			unsigned *w, struct cjd_alert_params *p, struct cjd_error *err)
{
	float thr = isnan(cfg->threshold) ? cjd_model_threshold(model) : cfg->threshold;
	float low = isnan(cfg->threshold_low) ? cjd_model_threshold_low(model) : cfg->threshold_low;
	int rc;

	*w = cfg->window ? cfg->window : cjd_model_window(model);
	if ((rc = cjd_model_check_events(model, cfg->events, err)))
		return rc;
	if (!(thr >= 0.0f && thr <= 1.0f) || !(low >= 0.0f && low <= thr))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "thresholds must satisfy 0 <= threshold_low (%g) <= threshold "
				     "(%g) <= 1",
				     (double)low, (double)thr);
	if (!cfg->fire_windows || !cfg->resolve_windows || !cfg->ongoing_ns ||
	    !cfg->gone_intervals)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "fire_windows, resolve_windows, ongoing and gone_intervals must "
				     "be at least 1");
	if (!(cfg->price_per_cpu_hour >= 0.0) || !isfinite(cfg->price_per_cpu_hour))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "price_per_cpu_hour must be >= 0");
	if (*w != cjd_model_window(model))
		cjd_warn("model %s was trained on windows of %u samples; running with %u, so its "
			 "scores may be off",
			 cjd_model_name(model), cjd_model_window(model), *w);
	*p = (struct cjd_alert_params){thr, low, cfg->fire_windows, cfg->resolve_windows,
				       cfg->ongoing_ns, cfg->refire_holddown_ns};
	return 0;
}

static void apply(struct cjd_detector *d, const struct cjd_detector_config *cfg,
		  const struct cjd_model *model, const struct cjd_alert_params *p)
{
	enum cjd_simd_tier tier = d->cfg.tier;

	d->cfg = *cfg;
	d->cfg.allowlist = NULL;
	d->cfg.n_allowlist = 0;
	d->cfg.tier = tier; /* fixed at creation */
	d->model = model;
	d->params = *p;
	d->mode = cjd_model_mode(model);
	d->severity = d->mode == CJD_MODE_HARDWARE ? CJD_SEVERITY_HARDWARE : CJD_SEVERITY_SOFTWARE;
}

static void member_status(void *ctx, const char *host, const char *cgroup,
			  struct cjd_agg_member_info *out);

/* The aggregator, when cfg asks for one, sees every sample and asks about members. */
static int agg_start(struct cjd_detector *d, const struct cjd_detector_config *cfg,
		     const struct cjd_model *model, struct cjd_error *err)
{
	if (!cfg->aggregate.kinds)
		return 0;
	return cjd_agg_new(&d->agg, cfg, model, d->cb, d->ctx, member_status, d, err);
}

int cjd_detector_new(struct cjd_detector **out, const struct cjd_detector_config *cfg,
		     const struct cjd_model *model, cjd_alert_cb cb, void *ctx,
		     struct cjd_error *err)
{
	struct cjd_alert_params p;
	struct cjd_detector *d;
	unsigned w;
	int rc;

	if ((rc = check_config(cfg, model, &w, &p, err)))
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	d->cfg.tier = CJD_SIMD_AUTO;
	apply(d, cfg, model, &p);
	d->cb = cb;
	d->ctx = ctx;
	{
		char why[600];
		if ((rc = cjd_allowlist_new(&d->allow, cfg->allowlist, cfg->n_allowlist, why,
					    sizeof(why)))) {
			free(d);
			return cjd_error_set(err, rc, NULL, 0, 0, "%s", why);
		}
	}
	/* The engine computes what the model can use; samples may carry more. */
	if ((rc = cjd_win_new(&d->e, w, cjd_model_events(model), cfg->tier, err))) {
		cjd_detector_free(d);
		return rc;
	}
	d->cfg.tier = cjd_win_tier(d->e);
	if ((rc = agg_start(d, cfg, model, err))) {
		cjd_detector_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* Same groupings: the groups stay; other groupings: the old groups end
 * ("aggregate_gone" for those firing) and new ones form from the next samples. */
static int agg_reconfigure(struct cjd_detector *d, const struct cjd_detector_config *cfg,
			   const struct cjd_model *model, struct cjd_error *err)
{
	struct cjd_agg *old = d->agg;
	int rc;

	if (old && cjd_agg_same(old, &cfg->aggregate))
		return cjd_agg_reconfigure(old, cfg, model, err);
	d->agg = NULL;
	if ((rc = agg_start(d, cfg, model, err))) {
		d->agg = old;
		return rc;
	}
	if (old) {
		cjd_agg_finish(old);
		cjd_agg_free(old);
	}
	return 0;
}

int cjd_detector_reconfigure(struct cjd_detector *d, const struct cjd_detector_config *cfg,
			     const struct cjd_model *model, struct cjd_error *err)
{
	struct cjd_alert_params p;
	unsigned w;
	int rc;

	if ((rc = check_config(cfg, model, &w, &p, err)))
		return rc;
	if (w != cjd_win_w(d->e) || cjd_model_events(model) != cjd_win_events(d->e))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "the new window length or model events change what is computed: "
				     "this needs a new detector");
	if ((rc = agg_reconfigure(d, cfg, model, err)))
		return rc;
	if ((rc = cjd_detector_set_allowlist(d, cfg->allowlist, cfg->n_allowlist)))
		return cjd_error_set(err, rc, NULL, 0, 0, "%s",
				     rc == -ENOMEM ? "out of memory" : "invalid allowlist entry");
	apply(d, cfg, model, &p);
	return 0;
}

void cjd_detector_free(struct cjd_detector *d)
{
	if (!d)
		return;
	cjd_agg_free(d->agg);
	cjd_win_free(d->e);
	cjd_allowlist_free(d->allow);
	free(d);
}

enum cjd_simd_tier cjd_detector_tier(const struct cjd_detector *d)
{
	return d->cfg.tier;
}

unsigned cjd_detector_window(const struct cjd_detector *d)
{
	return cjd_win_w(d->e);
}

/* ---- alerts ---- */

static void emit(struct cjd_detector *d, enum cjd_alert_action action,
		 const struct cjd_win_lane *ln, const struct cjd_alert_state *as, uint64_t t_ns)
{
	const char *host = cjd_win_host_name(d->e, ln);
	struct cjd_alert a;

	if (!d->cb)
		return;
	memset(&a, 0, sizeof(a));
	a.action = action;
	a.time_real_ns = cjd_now_real_ns();
	a.t_ns = t_ns;
	a.host = host[0] ? host : NULL;
	a.cgroup = ln->cgroup;
	a.label = ln->label;
	a.mode = d->mode;
	a.severity = d->severity;
	a.score = ln->det.last_score;
	a.threshold = d->params.threshold;
	a.model_name = cjd_model_name(d->model);
	a.model_version = cjd_model_version(d->model);
	a.fired_t_ns = as->fired_t_ns;
	a.by_evidence = as->by_evidence;
	a.windows = as->windows;
	a.windows_flagged = as->windows_flagged;
	a.cpu_seconds = (double)as->cpu_ns / 1e9;
	a.cost_usd = a.cpu_seconds / 3600.0 * d->cfg.price_per_cpu_hour;
	/* The deciding window is still in the lane's ring (for "gone" too, unless a
	 * gap emptied it): recompute it rather than copy features every window. */
	if (cjd_win_lane_recompute(d->e, ln->id, d->row)) {
		a.n_features = (int)cjd_model_n_features(d->model);
		for (int j = 0; j < a.n_features; j++) {
			int f = cjd_model_feature(d->model, (size_t)j);
			a.features[j].name = cjd_feature_name((size_t)f);
			a.features[j].value = d->row[f];
		}
	}
	int rc = d->cb(&a, d->ctx);
	if (rc)
		cjd_warn("alert callback failed (%d) for %s alert of cgroup %s", rc,
			 cjd_alert_action_name(action), ln->cgroup);
}

/*
 * ---- the per-lane stages ----
 * Each takes one lane and works on its cgroup's state (ln->det), which it
 * owns for the duration; the lane's other fields are the engine's, read
 * only. Push runs lane_sampled; tick runs lane_windowed or lane_unscored on
 * every lane it computed; lane_drop ends a lane (vanished, forgotten, end
 * of input); lane_allowlist re-decides the allowlist. A new per-cgroup stage
 * (an inspection between suspect and firing, say) hooks in here, keeping
 * its state in struct cjd_cgroup_state.
 */

/*
 * Whether a cgroup is allowlisted. Entries on names need the container's
 * identity: the owner resolves it (the detector knows no runtime), the
 * detector asks only when some entry needs it.
 */
static bool allowlisted(const struct cjd_detector *d, const struct cjd_win_lane *ln)
{
	const char *host = cjd_win_host_name(d->e, ln);
	struct cjd_identity id;
	const struct cjd_identity *idp = NULL;

	if (cjd_allowlist_needs_identity(d->allow) && d->cfg.identify &&
	    d->cfg.identify(d->cfg.identify_ctx, host[0] ? host : NULL, ln->cgroup, &id))
		idp = &id;
	return cjd_allowlist_match(d->allow, ln->cgroup, idp) != NULL;
}

/* A sample was staged: a new cgroup is checked against the allowlist; a gap
 * breaks the alert state's runs. */
static void lane_sampled(struct cjd_detector *d, struct cjd_win_lane *ln, bool gap)
{
	if (ln->samples == 1)
		ln->det.as.allowlisted = allowlisted(d, ln);
	if (gap) {
		cjd_alert_state_gap(&ln->det.as);
		ln->det.suspect_run = 0;
	}
}

/* The evidence stage: a run of windows at or above the suspect threshold
 * hands the cgroup to the owner for inspection. */
static void lane_suspect(struct cjd_detector *d, struct cjd_win_lane *ln, float score)
{
	struct cjd_cgroup_state *st = &ln->det;
	float thr = isnan(d->cfg.suspect_threshold) ? d->params.threshold / 2
						    : d->cfg.suspect_threshold;
	uint32_t need = d->cfg.suspect_windows ? d->cfg.suspect_windows : 2;

	if (!d->cfg.suspect_cb)
		return;
	if (score < thr || st->as.allowlisted) {
		st->suspect_run = 0;
		return;
	}
	if (++st->suspect_run >= need) {
		const char *host = cjd_win_host_name(d->e, ln);
		d->cfg.suspect_cb(d->cfg.suspect_ctx, host[0] ? host : NULL, ln->cgroup, score);
	}
}

/* A complete window scored: counters, the alert state machine, then the
 * window callback. Returns the callback's value. */
static int lane_windowed(struct cjd_detector *d, struct cjd_win_lane *ln, float score)
{
	struct cjd_cgroup_state *st = &ln->det;
	bool flagged = score >= d->params.threshold;
	static const enum cjd_alert_action act[] = {
		[CJD_STEP_FIRING] = CJD_ALERT_FIRING,
		[CJD_STEP_ONGOING] = CJD_ALERT_ONGOING,
		[CJD_STEP_RESOLVED] = CJD_ALERT_RESOLVED,
	};

	st->cpu_ns += ln->task_clock_ns;
	st->scored = true;
	st->last_score = score;
	st->windows++;
	st->windows_flagged += flagged;
	lane_suspect(d, ln, score);
	enum cjd_alert_step step =
		cjd_alert_state_step(&st->as, &d->params, score, ln->last_t_ns, ln->task_clock_ns);
	if (step != CJD_STEP_NONE)
		emit(d, act[step], ln, &st->as, ln->last_t_ns);
	if (!d->cfg.window_cb)
		return 0;
	if (d->cfg.window_features)
		cjd_win_lane_features(d->e, ln->id, d->row);
	struct cjd_window w;
	cjd_win_describe(d->e, ln, d->cfg.window_features ? d->row : NULL, &w);
	w.scored = true;
	w.score = score;
	w.flagged = flagged;
	w.state = cjd_astate_name(st->as.state);
	return d->cfg.window_cb(&w, d->cfg.window_ctx);
}

/* A sample computed without a complete window (the window is filling). */
static void lane_unscored(struct cjd_win_lane *ln)
{
	ln->det.cpu_ns += ln->task_clock_ns;
	cjd_alert_state_charge(&ln->det.as, ln->task_clock_ns);
}

/* Forgets a lane: "gone" if it was firing. */
static void lane_drop(struct cjd_detector *d, struct cjd_win_lane *ln, uint64_t t_ns)
{
	struct cjd_alert_state before = ln->det.as;

	if (cjd_alert_state_gone(&ln->det.as))
		emit(d, CJD_ALERT_GONE, ln, &before, t_ns);
	if (d->agg)
		cjd_agg_forget(d->agg, cjd_win_host_name(d->e, ln), ln->cgroup);
	cjd_win_release(d->e, ln); /* clears ln->det with the rest */
}

/* The allowlist changed: newly allowlisted while firing says it stopped, as
 * for a vanished cgroup. */
static void lane_allowlist(struct cjd_detector *d, struct cjd_win_lane *ln)
{
	bool allow = allowlisted(d, ln);
	struct cjd_alert_state *as = &ln->det.as;

	if (allow && !as->allowlisted) {
		struct cjd_alert_state before = *as;
		if (cjd_alert_state_gone(as))
			emit(d, CJD_ALERT_RESOLVED, ln, &before, ln->last_t_ns);
		if (d->agg) /* trusted work is no member of any group */
			cjd_agg_forget(d->agg, cjd_win_host_name(d->e, ln), ln->cgroup);
	}
	as->allowlisted = allow;
}

/* ---- samples and ticks ---- */

/* Cgroups silent for gone_intervals of their interval while their host moved on. */
static void scan_vanished(struct cjd_detector *d)
{
	size_t nh, nl;
	struct cjd_win_host *hosts = cjd_win_hosts(d->e, &nh);
	struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &nl);
	bool any = false;

	for (size_t h = 0; h < nh; h++)
		if (hosts[h].now >= hosts[h].det.scanned_ns + hosts[h].min_dt_ns)
			any = true;
	if (!any)
		return;
	for (size_t l = 0; l < nl; l++) {
		struct cjd_win_lane *ln = &lanes[l];
		if (!ln->used || ln->pending)
			continue;
		uint64_t now = hosts[ln->host].now;
		if (now - ln->last_t_ns > (uint64_t)d->cfg.gone_intervals * ln->dt_ns)
			lane_drop(d, ln, now);
	}
	for (size_t h = 0; h < nh; h++)
		hosts[h].det.scanned_ns = hosts[h].now;
}

int cjd_detector_push(struct cjd_detector *d, const struct cjd_sample *s, struct cjd_error *err)
{
	struct cjd_win_lane *ln;
	bool gap;
	int rc = cjd_win_stage(d->e, s, &ln, &gap, err);

	if (rc == -EAGAIN) {
		if ((rc = cjd_detector_tick(d)))
			return rc;
		rc = cjd_win_stage(d->e, s, &ln, &gap, err);
	}
	if (rc < 0)
		return rc;
	lane_sampled(d, ln, gap);
	if (d->agg && !ln->det.as.allowlisted)
		cjd_agg_sample(d->agg, s);
	return 0;
}

/* Scores the span of ready lanes in one batch, into the engine's output row. */
static const float *score_ready(struct cjd_detector *d, const uint32_t *ready, size_t n_ready)
{
	float *scores = cjd_win_out_row(d->e);
	size_t pitch;
	const float *f = cjd_win_features(d->e, &pitch);
	size_t lo = ready[0], hi = (size_t)ready[n_ready - 1] + 1;

	cjd_model_predict_tier(d->model, d->cfg.tier, f + lo, pitch, hi - lo, scores + lo);
	return scores;
}

int cjd_detector_tick(struct cjd_detector *d)
{
	const uint32_t *done, *ready;
	size_t n_lanes;
	int rc = 0;

	if (cjd_win_has_pending(d->e)) {
		cjd_win_tick(d->e);
		size_t n_done = cjd_win_done(d->e, &done);
		size_t n_ready = cjd_win_ready(d->e, &ready);
		const float *scores = n_ready ? score_ready(d, ready, n_ready) : NULL;
		struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &n_lanes);
		size_t r = 0;
		for (size_t i = 0; i < n_done; i++) {
			struct cjd_win_lane *ln = &lanes[done[i]];
			if (r < n_ready && ready[r] == ln->id) {
				r++;
				int cbrc = lane_windowed(d, ln, scores[ln->id]);
				if (cbrc && !rc)
					rc = cbrc;
			} else {
				lane_unscored(ln);
			}
		}
	}
	scan_vanished(d);
	if (d->agg)
		cjd_agg_tick(d->agg);
	return rc;
}

int cjd_detector_forget(struct cjd_detector *d, const char *host, const char *cgroup)
{
	struct cjd_win_lane *ln = cjd_win_find(d->e, host, cgroup);
	size_t nh;

	if (!ln)
		return -ENOENT;
	/* A staged sample of the cgroup still counts: compute it first (which
	 * may find the cgroup vanished and drop it already). */
	if (ln->pending) {
		cjd_detector_tick(d);
		if (!(ln = cjd_win_find(d->e, host, cgroup)))
			return 0;
	}
	lane_drop(d, ln, cjd_win_hosts(d->e, &nh)[ln->host].now);
	return 0;
}

int cjd_detector_finish(struct cjd_detector *d)
{
	int rc = cjd_detector_tick(d);
	size_t n;

	if (d->agg) /* the open rounds are scored while every member is known */
		cjd_agg_finish(d->agg);
	struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &n);

	for (size_t l = 0; l < n; l++)
		if (lanes[l].used)
			lane_drop(d, &lanes[l], lanes[l].last_t_ns);
	/* The next input (another trace, maybe of the same host, its clock from 0)
	 * then behaves exactly as it would alone. */
	cjd_win_reset(d->e);
	return rc;
}

int cjd_detector_evidence(struct cjd_detector *d, const char *host, const char *cgroup,
			  bool mining_specific)
{
	struct cjd_win_lane *ln = cjd_win_find(d->e, host, cgroup);

	if (!ln)
		return -ENOENT;
	if (cjd_alert_state_evidence(&ln->det.as, mining_specific, ln->last_t_ns) ==
	    CJD_STEP_FIRING)
		emit(d, CJD_ALERT_FIRING, ln, &ln->det.as, ln->last_t_ns);
	if (d->agg && !ln->det.as.allowlisted)
		cjd_agg_evidence(d->agg, host, cgroup, mining_specific);
	return 0;
}

int cjd_detector_set_allowlist(struct cjd_detector *d, const char *const *globs, size_t n)
{
	struct cjd_allowlist *v;
	char why[600];
	size_t nl;
	int rc;

	if ((rc = cjd_allowlist_new(&v, globs, n, why, sizeof(why))))
		return rc;
	cjd_allowlist_free(d->allow);
	d->allow = v;
	struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &nl);
	for (size_t l = 0; l < nl; l++)
		if (lanes[l].used)
			lane_allowlist(d, &lanes[l]);
	return 0;
}

/* What the aggregator needs of a member cgroup: whether it fires on its own. */
static void member_status(void *ctx, const char *host, const char *cgroup,
			  struct cjd_agg_member_info *out)
{
	struct cjd_detector *d = ctx;
	const struct cjd_win_lane *ln = cjd_win_find(d->e, host, cgroup);

	*out = (struct cjd_agg_member_info){.state = "idle"};
	if (!ln)
		return;
	out->found = true;
	out->firing = ln->det.as.state == CJD_AS_FIRING;
	out->scored = ln->det.scored;
	out->score = ln->det.last_score;
	out->state = cjd_astate_name(ln->det.as.state);
}

/* ---- summaries ---- */

static void summarise(const struct cjd_detector *d, const struct cjd_win_lane *ln,
		      struct cjd_cgroup_summary *s)
{
	const struct cjd_cgroup_state *st = &ln->det;

	*s = (struct cjd_cgroup_summary){
		.host = cjd_win_host_name(d->e, ln),
		.cgroup = ln->cgroup,
		.label = ln->label,
		.mode = d->mode,
		.state = cjd_astate_name(st->as.state),
		.allowlisted = st->as.allowlisted,
		.scored = st->scored,
		.last_score = st->last_score,
		.samples = ln->samples,
		.windows = st->windows,
		.windows_flagged = st->windows_flagged,
		.cpu_ns = st->cpu_ns,
		.cpu_seconds = (double)st->cpu_ns / 1e9,
		.cost_usd = (double)st->cpu_ns / 1e9 / 3600.0 * d->cfg.price_per_cpu_hour,
		.first_t_ns = ln->first_t_ns,
		.last_t_ns = ln->last_t_ns,
		.alerts_fired = st->as.alerts_fired,
	};
}

int cjd_detector_foreach(const struct cjd_detector *d,
			 int (*fn)(const struct cjd_cgroup_summary *sum, void *ctx), void *ctx)
{
	size_t n;
	const struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &n);
	struct cjd_cgroup_summary s;

	for (size_t l = 0; l < n; l++) {
		if (!lanes[l].used)
			continue;
		summarise(d, &lanes[l], &s);
		int rc = fn(&s, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int cjd_detector_summary(const struct cjd_detector *d, const char *host, const char *cgroup,
			 struct cjd_cgroup_summary *out)
{
	const struct cjd_win_lane *ln = cjd_win_find(d->e, host, cgroup);

	if (!ln)
		return -ENOENT;
	summarise(d, ln, out);
	return 0;
}

size_t cjd_detector_cgroups(const struct cjd_detector *d)
{
	size_t n, c = 0;
	const struct cjd_win_lane *lanes = cjd_win_lanes(d->e, &n);

	for (size_t l = 0; l < n; l++)
		c += lanes[l].used;
	return c;
}
