/* The detector core: window engine + model + per-cgroup alert state, emitting struct cjd_alert. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert_state_internal.h"
#include "cjd/common/allowlist.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/detector/detector.h"
#include "cjd/detector/features_table.h"
#include "model_internal.h"
#include "window_internal.h"

/* Per-lane detector state, parallel to the engine's lanes. */
struct dlane {
	struct cjd_alert_state as;
	bool scored;
	float last_score;
	uint64_t windows, windows_flagged;
	uint64_t cpu_ns; /* task-clock since first seen */
};

struct host_scan {
	uint64_t checked_now; /* host time of the last vanish scan */
	uint64_t min_dt;      /* shortest interval seen on the host */
};

struct cjd_detector {
	struct cjd_detector_config cfg;
	struct cjd_allowlist *allow;
	const struct cjd_model *model;
	struct cjd_alert_params params;
	enum cjd_mode mode;
	int severity;
	struct cjd_win *e;
	struct dlane *lanes;
	size_t lanes_cap;
	float *scores;
	size_t scores_cap;
	struct host_scan *hosts;
	size_t hosts_cap;
	cjd_alert_cb cb;
	void *ctx;
	float row[CJD_FEATURE__COUNT];
};

void cjd_detector_config_init(struct cjd_detector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->threshold = NAN;
	cfg->threshold_low = NAN;
	cfg->fire_windows = CJD_DETECTOR_DEFAULT_K;
	cfg->resolve_windows = CJD_DETECTOR_DEFAULT_R;
	cfg->ongoing_ns = CJD_DETECTOR_DEFAULT_ONGOING_NS;
	cfg->refire_holddown_ns = CJD_DETECTOR_DEFAULT_HOLDDOWN_NS;
	cfg->price_per_cpu_hour = CJD_DETECTOR_DEFAULT_PRICE;
	cfg->gone_intervals = CJD_DETECTOR_DEFAULT_GONE_INTERVALS;
	cfg->tier = CJD_SIMD_AUTO;
}

/*
 * Whether a cgroup is allowlisted. Entries on names need the container's
 * identity: the owner resolves it (the detector knows no runtime), the
 * detector asks only when some entry needs it.
 */
static bool allowlisted(const struct cjd_detector *d, const char *host, const char *cgroup)
{
	struct cjd_identity id;
	const struct cjd_identity *idp = NULL;

	if (cjd_allowlist_needs_identity(d->allow) && d->cfg.identify &&
	    d->cfg.identify(d->cfg.identify_ctx, host && host[0] ? host : NULL, cgroup, &id))
		idp = &id;
	return cjd_allowlist_match(d->allow, cgroup, idp) != NULL;
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
	*out = d;
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
	cjd_win_free(d->e);
	cjd_allowlist_free(d->allow);
	free(d->lanes);
	free(d->scores);
	free(d->hosts);
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

/* Keeps the per-lane arrays as large as the engine's. */
static int fit(struct cjd_detector *d)
{
	size_t cap = cjd_win_capacity(d->e), pitch;

	cjd_win_features(d->e, &pitch);
	if (cap > d->lanes_cap) {
		struct dlane *n = realloc(d->lanes, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + d->lanes_cap, 0, (cap - d->lanes_cap) * sizeof(*n));
		d->lanes = n;
		d->lanes_cap = cap;
	}
	if (pitch > d->scores_cap) {
		float *s = realloc(d->scores, pitch * sizeof(*s));
		if (!s)
			return -ENOMEM;
		d->scores = s;
		d->scores_cap = pitch;
	}
	size_t nh = cjd_win_hosts(d->e);
	if (nh > d->hosts_cap) {
		struct host_scan *h = realloc(d->hosts, nh * 2 * sizeof(*h));
		if (!h)
			return -ENOMEM;
		memset(h + d->hosts_cap, 0, (nh * 2 - d->hosts_cap) * sizeof(*h));
		d->hosts = h;
		d->hosts_cap = nh * 2;
	}
	return 0;
}

/* ---- alerts ---- */

static void emit(struct cjd_detector *d, enum cjd_alert_action action, uint32_t lane,
		 const struct cjd_alert_state *as, uint64_t t_ns)
{
	const struct cjd_win_lane *ln = cjd_win_lane(d->e, lane);
	const struct dlane *dl = &d->lanes[lane];
	const char *host = cjd_win_host_name(d->e, ln->host);
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
	a.score = dl->last_score;
	a.threshold = d->params.threshold;
	a.model_name = cjd_model_name(d->model);
	a.model_version = cjd_model_version(d->model);
	a.fired_t_ns = as->fired_t_ns;
	a.windows = as->windows;
	a.windows_flagged = as->windows_flagged;
	a.cpu_seconds = (double)as->cpu_ns / 1e9;
	a.cost_usd = a.cpu_seconds / 3600.0 * d->cfg.price_per_cpu_hour;
	/* The deciding window is still in the lane's ring (for "gone" too, unless a
	 * gap emptied it): recompute it rather than copy features every window. */
	if (cjd_win_lane_recompute(d->e, lane, d->row)) {
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

/* Forgets a lane: "gone" if it was firing. */
static void drop_lane(struct cjd_detector *d, uint32_t lane, uint64_t t_ns)
{
	struct dlane *dl = &d->lanes[lane];
	struct cjd_alert_state before = dl->as;

	if (cjd_alert_state_gone(&dl->as))
		emit(d, CJD_ALERT_GONE, lane, &before, t_ns);
	memset(dl, 0, sizeof(*dl));
	cjd_win_release(d->e, lane);
}

/* Cgroups silent for gone_intervals of their interval while their host moved on. */
static void scan_vanished(struct cjd_detector *d)
{
	size_t nh = cjd_win_hosts(d->e), nl = cjd_win_lanes(d->e);
	bool any = false;

	for (uint32_t h = 0; h < nh; h++)
		if (cjd_win_host_now(d->e, h) >= d->hosts[h].checked_now + d->hosts[h].min_dt)
			any = true;
	if (!any)
		return;
	for (uint32_t l = 0; l < nl; l++) {
		const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
		if (!ln->used || ln->pending)
			continue;
		uint64_t now = cjd_win_host_now(d->e, ln->host);
		if (now - ln->last_t_ns > (uint64_t)d->cfg.gone_intervals * ln->dt_ns)
			drop_lane(d, l, now);
	}
	for (uint32_t h = 0; h < nh; h++)
		d->hosts[h].checked_now = cjd_win_host_now(d->e, h);
}

/* ---- samples and ticks ---- */

int cjd_detector_push(struct cjd_detector *d, const struct cjd_sample *s, struct cjd_error *err)
{
	bool gap;
	int rc = cjd_win_stage(d->e, s, &gap, err);

	if (rc == -EAGAIN) {
		if ((rc = cjd_detector_tick(d)))
			return rc;
		rc = cjd_win_stage(d->e, s, &gap, err);
	}
	if (rc < 0)
		return rc;
	uint32_t lane = (uint32_t)rc;
	if (fit(d)) {
		/* Only a new lane or host grows the arrays: drop the new lane so engine
		 * and detector stay in step. */
		if (cjd_win_lane(d->e, lane)->samples == 1)
			cjd_win_release(d->e, lane);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	struct dlane *dl = &d->lanes[lane];
	const struct cjd_win_lane *ln = cjd_win_lane(d->e, lane);
	if (ln->samples == 1)
		dl->as.allowlisted = allowlisted(d, cjd_win_host_name(d->e, ln->host), ln->cgroup);
	if (gap)
		cjd_alert_state_gap(&dl->as);
	struct host_scan *hs = &d->hosts[ln->host];
	if (!hs->min_dt || s->dt_ns < hs->min_dt)
		hs->min_dt = s->dt_ns;
	return 0;
}

static int window_done(struct cjd_detector *d, uint32_t l, float score)
{
	const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
	struct dlane *dl = &d->lanes[l];
	bool flagged = score >= d->params.threshold;

	dl->scored = true;
	dl->last_score = score;
	dl->windows++;
	dl->windows_flagged += flagged;
	enum cjd_alert_step step =
		cjd_alert_state_step(&dl->as, &d->params, score, ln->last_t_ns, ln->task_clock_ns);
	static const enum cjd_alert_action act[] = {
		[CJD_STEP_FIRING] = CJD_ALERT_FIRING,
		[CJD_STEP_ONGOING] = CJD_ALERT_ONGOING,
		[CJD_STEP_RESOLVED] = CJD_ALERT_RESOLVED,
	};
	if (step != CJD_STEP_NONE)
		emit(d, act[step], l, &dl->as, ln->last_t_ns);
	if (!d->cfg.window_cb)
		return 0;
	if (d->cfg.window_features)
		cjd_win_lane_features(d->e, l, d->row);
	struct cjd_window w;
	cjd_win_describe(d->e, l, d->cfg.window_features ? d->row : NULL, &w);
	w.scored = true;
	w.score = score;
	w.flagged = flagged;
	w.state = cjd_astate_name(dl->as.state);
	return d->cfg.window_cb(&w, d->cfg.window_ctx);
}

int cjd_detector_tick(struct cjd_detector *d)
{
	const uint32_t *done, *ready;
	size_t n_done, n_ready, pitch;
	int rc = 0;

	if (cjd_win_has_pending(d->e)) {
		cjd_win_tick(d->e);
		n_done = cjd_win_done(d->e, &done);
		n_ready = cjd_win_ready(d->e, &ready);
		if (n_ready) {
			/* Score the span of ready lanes in one batch. */
			const float *f = cjd_win_features(d->e, &pitch);
			size_t lo = ready[0], hi = (size_t)ready[n_ready - 1] + 1;
			cjd_model_predict_tier(d->model, d->cfg.tier, f + lo, pitch, hi - lo,
					       d->scores + lo);
		}
		size_t r = 0;
		for (size_t i = 0; i < n_done; i++) {
			uint32_t l = done[i];
			const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
			d->lanes[l].cpu_ns += ln->task_clock_ns;
			if (r < n_ready && ready[r] == l) {
				r++;
				int cbrc = window_done(d, l, d->scores[l]);
				if (cbrc && !rc)
					rc = cbrc;
			} else {
				cjd_alert_state_charge(&d->lanes[l].as, ln->task_clock_ns);
			}
		}
	}
	scan_vanished(d);
	return rc;
}

int cjd_detector_forget(struct cjd_detector *d, const char *host, const char *cgroup)
{
	int lane = cjd_win_find(d->e, host, cgroup);

	if (lane < 0)
		return -ENOENT;
	/* A staged sample of the cgroup still counts: compute it first. */
	if (cjd_win_lane(d->e, (uint32_t)lane)->pending)
		cjd_detector_tick(d);
	lane = cjd_win_find(d->e, host, cgroup);
	if (lane < 0)
		return 0;
	const struct cjd_win_lane *ln = cjd_win_lane(d->e, (uint32_t)lane);
	drop_lane(d, (uint32_t)lane, cjd_win_host_now(d->e, ln->host));
	return 0;
}

int cjd_detector_finish(struct cjd_detector *d)
{
	int rc = cjd_detector_tick(d);
	size_t n = cjd_win_lanes(d->e);

	for (uint32_t l = 0; l < n; l++) {
		const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
		if (ln->used)
			drop_lane(d, l, ln->last_t_ns);
	}
	/* The next input (another trace, maybe of the same host, its clock from 0)
	 * then behaves exactly as it would alone. */
	cjd_win_reset(d->e);
	memset(d->hosts, 0, d->hosts_cap * sizeof(*d->hosts));
	return rc;
}

int cjd_detector_set_allowlist(struct cjd_detector *d, const char *const *globs, size_t n)
{
	struct cjd_allowlist *v;
	char why[600];
	int rc;

	if ((rc = cjd_allowlist_new(&v, globs, n, why, sizeof(why))))
		return rc;
	cjd_allowlist_free(d->allow);
	d->allow = v;
	size_t nl = cjd_win_lanes(d->e);
	for (uint32_t l = 0; l < nl; l++) {
		const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
		if (!ln->used)
			continue;
		bool allow = allowlisted(d, cjd_win_host_name(d->e, ln->host), ln->cgroup);
		/* Newly allowlisted while firing: say it stopped, as for a vanished one. */
		if (allow && !d->lanes[l].as.allowlisted) {
			struct cjd_alert_state before = d->lanes[l].as;
			if (cjd_alert_state_gone(&d->lanes[l].as))
				emit(d, CJD_ALERT_RESOLVED, l, &before, ln->last_t_ns);
		}
		d->lanes[l].as.allowlisted = allow;
	}
	return 0;
}

/* ---- summaries ---- */

static void summarise(const struct cjd_detector *d, uint32_t l, struct cjd_cgroup_summary *s)
{
	const struct cjd_win_lane *ln = cjd_win_lane(d->e, l);
	const struct dlane *dl = &d->lanes[l];

	*s = (struct cjd_cgroup_summary){
		.host = cjd_win_host_name(d->e, ln->host),
		.cgroup = ln->cgroup,
		.label = ln->label,
		.mode = d->mode,
		.state = cjd_astate_name(dl->as.state),
		.allowlisted = dl->as.allowlisted,
		.scored = dl->scored,
		.last_score = dl->last_score,
		.samples = ln->samples,
		.windows = dl->windows,
		.windows_flagged = dl->windows_flagged,
		.cpu_ns = dl->cpu_ns,
		.cpu_seconds = (double)dl->cpu_ns / 1e9,
		.cost_usd = (double)dl->cpu_ns / 1e9 / 3600.0 * d->cfg.price_per_cpu_hour,
		.first_t_ns = ln->first_t_ns,
		.last_t_ns = ln->last_t_ns,
		.alerts_fired = dl->as.alerts_fired,
	};
}

int cjd_detector_foreach(const struct cjd_detector *d,
			 int (*fn)(const struct cjd_cgroup_summary *sum, void *ctx), void *ctx)
{
	size_t n = cjd_win_lanes(d->e);
	struct cjd_cgroup_summary s;

	for (uint32_t l = 0; l < n; l++) {
		if (!cjd_win_lane(d->e, l)->used)
			continue;
		summarise(d, l, &s);
		int rc = fn(&s, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int cjd_detector_summary(const struct cjd_detector *d, const char *host, const char *cgroup,
			 struct cjd_cgroup_summary *out)
{
	int lane = cjd_win_find(d->e, host, cgroup);

	if (lane < 0)
		return -ENOENT;
	summarise(d, (uint32_t)lane, out);
	return 0;
}

size_t cjd_detector_cgroups(const struct cjd_detector *d)
{
	size_t n = cjd_win_lanes(d->e), c = 0;

	for (uint32_t l = 0; l < n; l++)
		c += cjd_win_lane(d->e, l)->used;
	return c;
}
