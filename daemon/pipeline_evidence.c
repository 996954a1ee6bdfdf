/* The pipeline's evidence stage: suspects and busy cgroups inspected off the sample path, verdicts, cjd.evidence and severity in alerts, held and follow-up alerts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/daemon/evidence_worker.h"
#include "cjd/detector/verdict.h"
#include "cjd/evidence/features.h"
#include "cjd/evidence/inspect.h"
#include "cjd/metrics/registry.h"
#include "pipeline_internal.h"

/* An alert copied with its strings, to be published later. */
struct kept {
	bool set;
	struct cjd_alert a;
	char *host, *cgroup, *label, *model_name, *model_version;
};

/* What the stage knows about one local cgroup. */
struct ev_cg {
	char *cgroup;
	/* the latest inspection */
	json_t *inspection;       /* NULL: none finished (or it failed: rc, error) */
	int rc;
	char error[320];
	enum cjd_evjob_kind kind;
	uint64_t done_mono_ns, elapsed_ns, cpu_ns;
	bool has_verdict;
	struct cjd_verdict verdict;
	bool pinned;                 /* the detector was told: mining (see on_result) */
	enum cjd_mode mode;          /* the mode its samples come in (the newest known) */
	uint64_t asked_full_mono_ns; /* last suspect submission (0: never) */
	uint64_t sweep_cpu_ns;       /* the detector's CPU count at the last sweep */
	bool sweep_seen;
	/* the alert episode */
	bool firing;                 /* the detector fired and has not resolved */
	bool published;              /* ... and the firing went out */
	bool hold_logged;
	uint64_t hold_until_mono_ns; /* held for an inspection under way until then; 0: for require */
	struct kept held;            /* the firing alert, while held */
	struct kept last;            /* the last alert of the episode that went out */
	bool sent_inspected, sent_mining;
	enum cjd_verdict_level sent_level;
};

struct pl_evidence {
	struct cjd_evworker *w;
	struct cjd_verdict_model *model;
	struct cjd_strmap *cg; /* cgroup -> struct ev_cg * (as uint64_t) */
	struct cjd_strmap *groups; /* aggregate group id -> GROUP_* bits */
	uint64_t last_sweep_mono_ns;
	uint64_t suppressed, updates, fired_on_evidence;
};

/* ---- per-cgroup records ---- */

static void kept_clear(struct kept *k)
{
	free(k->host);
	free(k->cgroup);
	free(k->label);
	free(k->model_name);
	free(k->model_version);
	memset(k, 0, sizeof(*k));
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*fail = true;
	return d;
}

/* Copies al (and the strings it borrows) into k. Returns 0 or -ENOMEM. */
static int kept_set(struct kept *k, const struct cjd_alert *al)
{
	bool fail = false;

	kept_clear(k);
	k->a = *al;
	k->a.host = k->host = dup_or_null(al->host, &fail);
	k->a.cgroup = k->cgroup = dup_or_null(al->cgroup, &fail);
	k->a.label = k->label = dup_or_null(al->label, &fail);
	k->a.model_name = k->model_name = dup_or_null(al->model_name, &fail);
	k->a.model_version = k->model_version = dup_or_null(al->model_version, &fail);
	k->a.evidence = NULL;
	k->a.action_detail = NULL;
	k->set = !fail;
	if (fail)
		kept_clear(k);
	return fail ? -ENOMEM : 0;
}

static void cg_free(struct ev_cg *e)
{
	if (!e)
		return;
	json_decref(e->inspection);
	cjd_verdict_clear(&e->verdict);
	kept_clear(&e->held);
	kept_clear(&e->last);
	free(e->cgroup);
	free(e);
}

static struct ev_cg *cg_get(struct pl_evidence *ev, const char *cgroup, bool create)
{
	uint64_t *slot = cjd_strmap_get(ev->cg, cgroup);
	struct ev_cg *e;

	if (slot)
		return (struct ev_cg *)(uintptr_t)*slot;
	if (!create)
		return NULL;
	if (!(e = calloc(1, sizeof(*e))) || !(e->cgroup = strdup(cgroup)) ||
	    cjd_strmap_upsert(ev->cg, cgroup, &slot) < 0) {
		cg_free(e);
		cjd_warn("evidence: out of memory tracking cgroup %s", cgroup);
		return NULL;
	}
	*slot = (uint64_t)(uintptr_t)e;
	return e;
}

/* ---- the words of cjd.evidence ---- */

static const char *level_name(enum cjd_verdict_level l)
{
	const char *n = cjd_verdict_level_name(l);

	return n ? n : "none";
}

static const char *kind_name(enum cjd_evjob_kind k)
{
	return k == CJD_EVJOB_SWEEP ? "sweep" : "suspect";
}

struct view {
	struct cjd_alert_evidence ev;
	struct cjd_alert_finding f[16];
	const char *sum[CJD_PROBE__COUNT];
	struct cjd_alert_probe pr[CJD_PROBE__COUNT];
};

/* cjd.evidence for e, as of now; strings borrowed from e and the model. */
static void view_of(const struct pl_evidence *ev, const struct ev_cg *e, bool pending,
		    struct view *v)
{
	uint64_t now = cjd_now_mono_ns();

	memset(v, 0, sizeof(*v));
	if (!e || (!e->inspection && !e->rc)) {
		v->ev.status = pending ? "pending" : "not inspected";
		return;
	}
	v->ev.kind = kind_name(e->kind);
	v->ev.age_s = (double)(now - e->done_mono_ns) / 1e9;
	v->ev.elapsed_s = (double)e->elapsed_ns / 1e9;
	v->ev.cpu_s = (double)e->cpu_ns / 1e9;
	if (e->rc) {
		/* no probe ran (gone, not allowed): no verdict, but say which probe and why */
		v->ev.status = "failed";
		v->ev.error = e->error;
	} else {
		v->ev.status = "inspected";
	}
	if (!e->inspection)
		return;
	if (e->has_verdict) {
		v->ev.score = e->verdict.score;
		v->ev.level = level_name(e->verdict.level);
		v->ev.mining_specific = e->verdict.mining_specific;
		v->ev.model = cjd_verdict_model_name(ev->model);
		size_t i;
		json_t *f;
		json_array_foreach(e->verdict.findings, i, f) {
			if (v->ev.n_findings == sizeof(v->f) / sizeof(v->f[0]))
				break;
			struct cjd_alert_finding *o = &v->f[v->ev.n_findings++];
			o->probe = json_string_value(json_object_get(f, "probe"));
			o->text = json_string_value(json_object_get(f, "finding"));
			o->weight = json_number_value(json_object_get(f, "weight"));
		}
		v->ev.findings = v->f;
	}
	json_t *sum = json_object_get(e->inspection, "summary");
	for (size_t i = 0; i < json_array_size(sum) && i < CJD_PROBE__COUNT; i++)
		if (json_is_string(json_array_get(sum, i)))
			v->sum[v->ev.n_summary++] = json_string_value(json_array_get(sum, i));
	v->ev.summary = v->sum;
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		const char *name = cjd_inspect_probe_name((enum cjd_inspect_probe)p);
		json_t *o = json_object_get(e->inspection, name);
		struct cjd_alert_probe *pr = &v->pr[v->ev.n_probes++];
		pr->name = name;
		if (!o) {
			pr->status = "not run";
			pr->why = e->kind == CJD_EVJOB_SWEEP ? "not among evidence.sweep_probes"
							     : "not among evidence.probes";
			continue;
		}
		const char *st = json_string_value(json_object_get(o, "status"));
		pr->status = st && !strcmp(st, "ok") ? "ran" : st ? st : "unknown";
		pr->why = json_string_value(json_object_get(o, "why"));
		if (!pr->why)
			pr->why = json_string_value(json_object_get(o, "caveat"));
	}
	v->ev.probes = v->pr;
}

/*
 * event.severity from the evidence (docs/alerts.md, "Severity"): the
 * detector's base (73 hardware, 47 software) until an inspection has
 * spoken; then mining-specific evidence raises it, and its absence lowers a
 * software-mode alert (flat compute alone is what many batch jobs do).
 */
static int severity_of(const struct cjd_alert *al, const struct ev_cg *e)
{
	int base = al->severity;

	if (!e || !e->has_verdict)
		return base;
	if (e->verdict.mining_specific)
		return e->verdict.level == CJD_VERDICT_HIGH ? 90 : 80;
	switch (e->verdict.level) {
	case CJD_VERDICT_HIGH:
		return base + 10;
	case CJD_VERDICT_MEDIUM:
		return base;
	case CJD_VERDICT_LOW:
		return al->mode == CJD_MODE_SOFTWARE ? 30 : base - 10;
	default:
		return al->mode == CJD_MODE_SOFTWARE ? 20 : base - 20;
	}
}

/* Publishes al with e's evidence; remembers what it carried. */
static void deliver(struct cjd_pipeline *p, struct ev_cg *e, struct cjd_alert *al, bool pending)
{
	struct view v;

	view_of(p->ev, e, pending, &v);
	al->evidence = &v.ev;
	al->severity = severity_of(al, e);
	cjd_pl_deliver(p, al);
	if (al->action != CJD_ALERT_FIRING && al->action != CJD_ALERT_ONGOING &&
	    al->action != CJD_ALERT_EVIDENCE)
		return;
	al->evidence = NULL;
	if (al->action != CJD_ALERT_EVIDENCE)
		kept_set(&e->last, al);
	e->sent_inspected = e->has_verdict;
	e->sent_level = e->has_verdict ? e->verdict.level : CJD_VERDICT_NONE;
	e->sent_mining = e->has_verdict && e->verdict.mining_specific;
}

/* evidence.require as it applies in mode ("auto": verdict in software mode, none in hardware mode). */
static const char *require_in(const struct cjd_pipeline *p, enum cjd_mode mode)
{
	const char *req = p->cfg->evidence_require;

	if (!req || !strcmp(req, "auto"))
		return mode == CJD_MODE_SOFTWARE ? "verdict" : "none";
	return req;
}

static const char *require_of(const struct cjd_pipeline *p, const struct ev_cg *e)
{
	return require_in(p, e->mode);
}

/* Whether e's evidence is what evidence.require asks of a firing alert. */
static bool satisfies(const struct cjd_pipeline *p, const struct ev_cg *e)
{
	const char *req = require_of(p, e);

	if (!strcmp(req, "none"))
		return true;
	if (!e->has_verdict)
		return false;
	if (!strcmp(req, "any"))
		return e->verdict.level > CJD_VERDICT_NONE || e->verdict.mining_specific;
	if (!strcmp(req, "verdict"))
		return e->verdict.level >= CJD_VERDICT_MEDIUM || e->verdict.mining_specific;
	return e->verdict.mining_specific;
}

/*
 * Whether e's evidence fires (and keeps firing) by itself. Mining-specific
 * evidence always does. Under require=verdict the verdict decides: medium or
 * above fires, whatever screening said (the verdict already weighs the
 * screening score). A pin stays through a later inspection that still finds
 * medium or high evidence: five looks can miss RandomX's round-toward-zero,
 * a miner can pause between looks.
 */
static bool evidence_fires(const struct cjd_pipeline *p, const struct ev_cg *e)
{
	if (!e->has_verdict)
		return false;
	if (e->verdict.mining_specific)
		return true;
	bool verdict = !strcmp(require_of(p, e), "verdict");
	return (verdict || e->pinned) && e->verdict.level >= CJD_VERDICT_MEDIUM;
}

/* Queues a full inspection unless one is under way or was asked for within reinspect_every. */
static bool ask(struct cjd_pipeline *p, struct ev_cg *e, enum cjd_evjob_kind kind)
{
	uint64_t now = cjd_now_mono_ns();

	if (cjd_evworker_pending(p->ev->w, e->cgroup))
		return true;
	/* a cgroup this agent froze cannot be looked at (a ptrace stop waits for the thaw) */
	char key[4400];
	snprintf(key, sizeof(key), "\n%s", e->cgroup);
	if (p->cfg->action == CJD_ACTION_FREEZE && cjd_strmap_get(p->acted, key))
		return false;
	if (kind == CJD_EVJOB_SUSPECT && e->asked_full_mono_ns &&
	    now - e->asked_full_mono_ns < p->cfg->reinspect_ns)
		return false;
	int rc = cjd_evworker_submit(p->ev->w, e->cgroup, kind);
	if (rc == -ENOSPC)
		cjd_debug("evidence: queue full, %s not queued", e->cgroup);
	if (rc && rc != -EEXIST)
		return false;
	if (kind == CJD_EVJOB_SUSPECT)
		e->asked_full_mono_ns = now;
	cjd_debug("evidence: %s queued for a %s inspection", e->cgroup, kind_name(kind));
	return true;
}

static void hold(struct cjd_pipeline *p, struct ev_cg *e, const struct cjd_alert *al,
		 uint64_t until)
{
	char why[160];

	if (kept_set(&e->held, al)) {
		/* cannot keep it: never drop an alert, send it as it is */
		struct cjd_alert copy = *al;
		deliver(p, e, &copy, true);
		e->published = true;
		return;
	}
	e->hold_until_mono_ns = until;
	e->hold_logged = false;
	if (until)
		snprintf(why, sizeof(why), "waiting up to %.1f s for the inspection under way",
			 (double)p->cfg->evidence_wait_ns / 1e9);
	else
		snprintf(why, sizeof(why), "held until an inspection finds the evidence "
			 "evidence.require=%s asks for", require_of(p, e));
	cjd_info("alert for %s: %s", e->cgroup, why);
}

/* The held firing alert goes out now, with what is known. */
static void release(struct cjd_pipeline *p, struct ev_cg *e, bool pending)
{
	struct cjd_alert a = e->held.a;

	a.time_real_ns = cjd_now_real_ns();
	deliver(p, e, &a, pending);
	kept_clear(&e->held);
	e->published = true;
}

static void episode_end(struct ev_cg *e)
{
	e->firing = false;
	e->published = false;
	kept_clear(&e->held);
	kept_clear(&e->last);
}

/*
 * A group that fires on its members' evidence is as serious as the most
 * serious of them (mining-specific: 90), not the screening default its
 * lane's score gives it.
 */
static void group_severity(struct cjd_pipeline *p, struct cjd_alert *al)
{
	const struct cjd_alert_group *g = al->group;

	for (uint32_t i = 0; g && i < g->n_members; i++) {
		struct ev_cg *e = g->members[i].evidence ? cg_get(p->ev, g->members[i].cgroup, false)
							 : NULL;
		int sev = e ? severity_of(al, e) : al->severity;
		if (sev > al->severity)
			al->severity = sev;
	}
}

enum { GROUP_PUBLISHED = 1, GROUP_LOGGED = 2 };

/*
 * A group's alert under evidence.require: as for a cgroup, in software mode
 * (auto) a firing from counters alone is held back until evidence backs it,
 * here its members' (the group is pinned, cjd_agg_evidence): four CPU-limited
 * benign replicas on a quiet host sum to one flat CPU and fired otherwise.
 * Held alerts are counted and logged, never silently dropped.
 */
static void group_alert(struct cjd_pipeline *p, struct cjd_alert *al)
{
	const char *req = require_in(p, al->mode);
	bool none = !strcmp(req, "none");
	uint64_t *st = NULL;

	group_severity(p, al);
	if (none || cjd_strmap_upsert(p->ev->groups, al->cgroup, &st) < 0) {
		cjd_pl_deliver(p, al); /* cannot keep its state: never drop an alert */
		return;
	}
	bool end = al->action == CJD_ALERT_AGG_RESOLVED || al->action == CJD_ALERT_AGG_GONE;
	if (*st & GROUP_PUBLISHED) {
		cjd_pl_deliver(p, al);
	} else if (!end && al->group && al->group->on_evidence) {
		al->action = CJD_ALERT_AGG_FIRING; /* the first the subscribers hear of it */
		cjd_pl_deliver(p, al);
		*st |= GROUP_PUBLISHED;
	} else {
		p->ev->suppressed++;
		if (!(*st & GROUP_LOGGED) || end)
			cjd_info("aggregate alert for %s %s: no member found mining by inspection "
				 "(evidence.require=%s)", al->cgroup,
				 end ? "ended, never published" : "held back", req);
		*st |= GROUP_LOGGED;
	}
	if (end)
		cjd_strmap_remove(p->ev->groups, al->cgroup);
}

void cjd_pl_evidence_alert(struct cjd_pipeline *p, struct cjd_alert *al)
{
	if (cjd_alert_action_is_aggregate(al->action)) {
		group_alert(p, al);
		return;
	}
	struct ev_cg *e = cg_get(p->ev, al->cgroup, true);
	uint64_t now = cjd_now_mono_ns();

	if (!e) {
		cjd_pl_deliver(p, al);
		return;
	}
	switch (al->action) {
	case CJD_ALERT_FIRING: {
		e->mode = al->mode;
		bool none = !strcmp(require_of(p, e), "none");
		bool fresh = e->done_mono_ns && now - e->done_mono_ns < p->cfg->reinspect_ns;
		bool asked = !fresh && ask(p, e, CJD_EVJOB_SUSPECT);

		e->firing = true;
		e->published = false;
		p->ev->fired_on_evidence += al->by_evidence;
		if (!none && !satisfies(p, e)) {
			hold(p, e, al, 0);
			return;
		}
		if (none && !e->has_verdict && asked && p->cfg->evidence_wait_ns) {
			hold(p, e, al, now + p->cfg->evidence_wait_ns);
			return;
		}
		deliver(p, e, al, asked);
		e->published = true;
		return;
	}
	case CJD_ALERT_ONGOING:
		if (e->published) {
			deliver(p, e, al, false);
		} else {
			p->ev->suppressed++;
			if (!e->hold_logged) {
				cjd_info("alert for %s still held back: no evidence yet that "
					 "evidence.require=%s accepts", e->cgroup, require_of(p, e));
				e->hold_logged = true;
			}
		}
		return;
	case CJD_ALERT_RESOLVED:
	case CJD_ALERT_GONE:
		if (e->published || !e->firing) {
			deliver(p, e, al, false);
		} else {
			p->ev->suppressed++;
			cjd_info("alert for %s %s before it had the evidence evidence.require=%s asks "
				 "for: never published",
				 e->cgroup, cjd_alert_action_name(al->action), require_of(p, e));
		}
		episode_end(e);
		return;
	default:
		cjd_pl_deliver(p, al);
		return;
	}
}

void cjd_pl_evidence_suspect(void *ctx, const char *host, const char *cgroup, float score)
{
	struct cjd_pipeline *p = ctx;
	struct ev_cg *e;

	(void)score;
	if (host || !(e = cg_get(p->ev, cgroup, true)))
		return; /* remote hosts are not ours to inspect */
	ask(p, e, CJD_EVJOB_SUSPECT);
}

/* ---- results ---- */

/* The latest screening score of e's cgroup, 0 when it has none; notes the mode it came in. */
static double screen_score(const struct cjd_pipeline *p, struct ev_cg *e)
{
	struct cjd_cgroup_summary s;

	for (int m = 0; m < 2; m++)
		if (p->slot[m].det && !cjd_detector_summary(p->slot[m].det, NULL, e->cgroup, &s) &&
		    s.scored) {
			e->mode = (enum cjd_mode)m;
			return s.last_score;
		}
	if (!p->slot[CJD_MODE_HARDWARE].det)
		e->mode = CJD_MODE_SOFTWARE; /* not scored yet, but software is all there is */
	return 0;
}

static void verdict_of(struct cjd_pipeline *p, struct ev_cg *e)
{
	struct cjd_evfeat feat;
	struct cjd_error err;

	cjd_verdict_clear(&e->verdict);
	e->has_verdict = false;
	if (!e->inspection || e->rc)
		return; /* no probe ran: nothing to judge by (the severity stays the detector's) */
	if (cjd_evfeat_from_json(e->inspection, &feat, &err) ||
	    cjd_verdict_score(p->ev->model, screen_score(p, e), &feat, &e->verdict, &err)) {
		cjd_warn("evidence: no verdict on %s: %s", e->cgroup, err.text);
		return;
	}
	e->has_verdict = true;
}

/* /metrics: each probe that ran, and its CPU time (the whole process's while it ran). */
static void probe_costs(struct cjd_pipeline *p, const json_t *insp)
{
	if (!p->opts.metrics || !insp)
		return;
	for (int i = 0; i < CJD_PROBE__COUNT; i++) {
		const char *name = cjd_inspect_probe_name((enum cjd_inspect_probe)i);
		json_t *o = json_object_get(insp, name);
		const char *st = json_string_value(json_object_get(o, "status"));
		if (!st || strcmp(st, "ok"))
			continue;
		json_t *cpu = json_object_get(o, "probe_cpu_ns");
		cjd_metrics_registry_probe(p->opts.metrics, name, 1,
					   json_is_integer(cpu) ? (uint64_t)json_integer_value(cpu) : 0);
	}
}

static void on_result(const struct cjd_evresult *r, void *ctx)
{
	struct cjd_pipeline *p = ctx;
	struct ev_cg *e = cg_get(p->ev, r->cgroup, false);

	if (!e) {
		cjd_debug("evidence: %s is gone; its inspection is dropped", r->cgroup);
		return;
	}
	json_decref(e->inspection);
	e->inspection = r->inspection ? json_incref(r->inspection) : NULL;
	e->rc = r->rc;
	snprintf(e->error, sizeof(e->error), "%s", r->error ? r->error : "");
	e->kind = r->kind;
	e->done_mono_ns = r->done_mono_ns;
	e->elapsed_ns = r->elapsed_ns;
	e->cpu_ns = r->cpu_ns;
	probe_costs(p, r->inspection);
	verdict_of(p, e);
	cjd_debug("evidence: %s inspected (%s, %.2f s, %.1f ms CPU): %s%s", e->cgroup,
		  kind_name(r->kind), (double)r->elapsed_ns / 1e9, (double)r->cpu_ns / 1e6,
		  e->has_verdict ? level_name(e->verdict.level) : r->error,
		  e->has_verdict && e->verdict.mining_specific ? ", mining-specific" : "");
	/*
	 * The detector learns the verdict: evidence that fires (evidence_fires)
	 * pins the cgroup firing; the pin goes when an inspection finds little or
	 * nothing, or the cgroup has no processes left.
	 */
	bool mining = evidence_fires(p, e);
	e->pinned = mining;
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_evidence(p->slot[m].det, NULL, e->cgroup, mining);
	if (e->held.set) {
		if (satisfies(p, e))
			release(p, e, false);
		else if (!e->hold_logged) {
			cjd_info("alert for %s held back: the inspection found %s evidence, "
				 "evidence.require=%s",
				 e->cgroup, e->has_verdict ? level_name(e->verdict.level) : "no",
				 require_of(p, e));
			e->hold_logged = true;
		}
		return;
	}
	if (!e->published || !e->last.set)
		return;
	mining = e->has_verdict && e->verdict.mining_specific;
	enum cjd_verdict_level lvl = e->has_verdict ? e->verdict.level : CJD_VERDICT_NONE;
	if (e->sent_inspected == e->has_verdict && e->sent_level == lvl && e->sent_mining == mining)
		return;
	/* the alert went out before this evidence: say so, never silently */
	struct cjd_alert a = e->last.a;
	a.action = CJD_ALERT_EVIDENCE;
	a.id[0] = '\0';
	a.time_real_ns = cjd_now_real_ns();
	p->ev->updates++;
	deliver(p, e, &a, false);
}

void cjd_pl_evidence_poll(struct cjd_pipeline *p)
{
	uint64_t now = cjd_now_mono_ns();
	const char *key;
	uint64_t *val;
	size_t it = 0;

	cjd_evworker_poll(p->ev->w, on_result, p);
	/* held for an inspection under way (require none): out when the wait is over */
	while (cjd_strmap_next(p->ev->cg, &it, &key, &val)) {
		struct ev_cg *e = (struct ev_cg *)(uintptr_t)*val;
		if (e->held.set && e->hold_until_mono_ns && now >= e->hold_until_mono_ns)
			release(p, e, cjd_evworker_pending(p->ev->w, e->cgroup));
	}
}

/* ---- the sweep ---- */

struct sweep_ctx {
	struct cjd_pipeline *p;
	uint64_t period_ns, now;
};

static int sweep_one(const struct cjd_cgroup_summary *s, void *ctx)
{
	struct sweep_ctx *sc = ctx;
	struct cjd_pipeline *p = sc->p;
	struct ev_cg *e;

	if (s->host[0] || s->allowlisted || !(e = cg_get(p->ev, s->cgroup, true)))
		return 0;
	uint64_t before = e->sweep_cpu_ns;
	uint64_t span = s->last_t_ns > s->first_t_ns ? s->last_t_ns - s->first_t_ns : 0;
	bool seen = e->sweep_seen;
	double cpus;
	e->sweep_cpu_ns = s->cpu_ns;
	e->sweep_seen = true;
	e->mode = s->mode;
	if (seen && sc->period_ns && s->cpu_ns >= before)
		cpus = (double)(s->cpu_ns - before) / (double)sc->period_ns;
	else if (!seen && span >= 1000000000ull)
		/* first sight: judged by its CPU since it was first counted (a second or
		 * more of it), so that a miner already running is looked at now, not a
		 * whole sweep period later */
		cpus = (double)s->cpu_ns / (double)span;
	else
		return 0;
	bool recent = e->done_mono_ns && sc->now - e->done_mono_ns < p->cfg->sweep_ns;
	cjd_debug("evidence: sweep: %s used %.2f CPUs%s", s->cgroup, cpus,
		  recent ? ", inspected lately" : "");
	/* firing on evidence: look again, so that the pin goes when the miner does */
	bool pinned = e->firing && e->pinned;
	if (pinned && !(e->done_mono_ns && sc->now - e->done_mono_ns < p->cfg->reinspect_ns))
		ask(p, e, CJD_EVJOB_SWEEP);
	else if (cpus >= p->cfg->sweep_min_cpu && !recent)
		ask(p, e, CJD_EVJOB_SWEEP);
	return 0;
}

void cjd_pl_evidence_sweep(struct cjd_pipeline *p)
{
	struct sweep_ctx sc = {.p = p, .now = cjd_now_mono_ns()};

	sc.period_ns = p->ev->last_sweep_mono_ns ? sc.now - p->ev->last_sweep_mono_ns : 0;
	p->ev->last_sweep_mono_ns = sc.now;
	for (int m = 0; m < 2; m++)
		if (p->slot[m].det)
			cjd_detector_foreach(p->slot[m].det, sweep_one, &sc);
}

/* ---- life ---- */

/* The configured verdict model, or the shipped one (verdict-rule.json) from the model directories. */
static int verdict_load(const struct cjd_pipeline *p, struct cjd_verdict_model **out,
			struct cjd_error *err)
{
	char path[4096];
	int rc;

	if (p->cfg->verdict_model)
		return cjd_verdict_model_load(p->cfg->verdict_model, out, err);
	if ((rc = cjd_verdict_default_path(p->opts.model_dirs, p->opts.n_model_dirs, path,
					   sizeof(path), err)))
		return rc;
	return cjd_verdict_model_load(path, out, err);
}

int cjd_pl_evidence_new(struct cjd_pipeline *p, struct cjd_error *err)
{
	const struct cjd_config *cfg = p->cfg;
	struct pl_evidence *ev = calloc(1, sizeof(*ev));
	int rc;

	if (!ev || !(ev->cg = cjd_strmap_new()) || !(ev->groups = cjd_strmap_new())) {
		if (ev)
			cjd_strmap_free(ev->cg);
		free(ev);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	p->ev = ev;
	struct cjd_evworker_config wc = {
		.cgroup_root = p->opts.cgroup_root,
		.cpu_budget = cfg->evidence_cpu_budget,
		.max_pause_ns = cfg->evidence_max_pause_ns,
	};
	if ((rc = cjd_inspect_parse_probes(cfg->evidence_probes, &wc.probes[CJD_EVJOB_SUSPECT],
					   err)) ||
	    (rc = cjd_inspect_parse_probes(cfg->sweep_probes, &wc.probes[CJD_EVJOB_SWEEP], err)) ||
	    (rc = verdict_load(p, &ev->model, err)) ||
	    (rc = cjd_evworker_new(&ev->w, &wc, err))) {
		cjd_pl_evidence_free(p);
		return rc;
	}
	return 0;
}

void cjd_pl_evidence_free(struct cjd_pipeline *p)
{
	struct pl_evidence *ev = p->ev;
	const char *key;
	uint64_t *val;
	size_t it = 0;

	if (!ev)
		return;
	cjd_evworker_free(ev->w);
	while (ev->cg && cjd_strmap_next(ev->cg, &it, &key, &val))
		cg_free((struct ev_cg *)(uintptr_t)*val);
	cjd_strmap_free(ev->cg);
	cjd_strmap_free(ev->groups);
	cjd_verdict_model_free(ev->model);
	free(ev);
	p->ev = NULL;
}

void cjd_pl_evidence_forget(struct cjd_pipeline *p, const char *host, const char *cgroup)
{
	struct ev_cg *e;

	if (host || !(e = cg_get(p->ev, cgroup, false)))
		return;
	if (e->held.set) {
		p->ev->suppressed++;
		cjd_info("alert for %s: the cgroup vanished while its alert was held back: never "
			 "published", cgroup);
	}
	cjd_strmap_remove(p->ev->cg, cgroup);
	cg_free(e);
}

void cjd_pl_evidence_stats(struct cjd_pipeline *p, struct cjd_heartbeat_evidence *out)
{
	struct cjd_evworker_stats st;
	const char *key;
	uint64_t *val;
	size_t it = 0, held = 0;

	cjd_evworker_stats(p->ev->w, &st);
	while (cjd_strmap_next(p->ev->cg, &it, &key, &val))
		held += ((struct ev_cg *)(uintptr_t)*val)->held.set;
	*out = (struct cjd_heartbeat_evidence){
		.inspections = st.inspections,
		.suspect = st.suspect,
		.sweep = st.sweep,
		.failed = st.failed,
		.refused = st.refused,
		.queued = st.queued,
		.cpu_budget = p->cfg->evidence_cpu_budget,
		.cpu_share = st.cpu_share,
		.cpu_s = (double)st.cpu_ns / 1e9,
		.looks = st.looks,
		.pause_max_ms = (double)st.pause_max_ns / 1e6,
		.pause_mean_ms = st.looks ? (double)st.pause_total_ns / (double)st.looks / 1e6 : 0,
		.held_max_ms = (double)st.held_max_ns / 1e6,
		.budget_wait_s = (double)st.wait_ns / 1e9,
		.alerts_held = held,
		.alerts_suppressed = p->ev->suppressed,
		.updates = p->ev->updates,
		.fired_on_evidence = p->ev->fired_on_evidence,
	};
	if (p->opts.metrics) {
		struct cjd_metrics_registry *m = p->opts.metrics;
		cjd_metrics_registry_gauge_set(m, "cjd_evidence_cpu_share",
					       "CPUs the evidence inspections used over the agent's life "
					       "(evidence.cpu_budget bounds it).",
					       out->cpu_share);
		cjd_metrics_registry_gauge_set(m, "cjd_evidence_pause_max_seconds",
					       "The fpstate probe's longest look, interrupt to detach.",
					       out->pause_max_ms / 1e3);
		cjd_metrics_registry_gauge_set(m, "cjd_evidence_held_max_seconds",
					       "The longest a thread was held stopped by the fpstate probe.",
					       out->held_max_ms / 1e3);
		cjd_metrics_registry_gauge_set(m, "cjd_evidence_alerts_held",
					       "Firing alerts held back for evidence now (evidence.require, "
					       "evidence.wait).",
					       (double)held);
		cjd_metrics_registry_gauge_set(m, "cjd_evidence_alerts_suppressed",
					       "Alert messages not published for want of evidence, since "
					       "start.",
					       (double)p->ev->suppressed);
	}
}
