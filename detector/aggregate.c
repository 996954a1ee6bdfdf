/* Aggregation across cgroups: per pod, image and host, members' counts summed per round into a virtual lane of an inner detector. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/identity.h"
#include "cjd/common/log.h"
#include "cjd/common/strmap.h"
#include "cjd/detector/model_predict.h"
#include "aggregate_internal.h"

#define MIN_MEMBERS_DEFAULT 2

/* A member cgroup: its names (for alerts) and its group of each kind. */
struct member {
	bool used;
	char *host;   /* owned; "" for this host */
	char *cgroup; /* owned */
	char container_id[65];
	char name[CJD_IDENTITY_NAME_MAX];
	char image[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX];
	int32_t group[CJD_AGG__KINDS];        /* index into groups, -1: none */
	uint64_t contributed[CJD_AGG__KINDS]; /* round (seq + 1) it last added a sample to */
	bool evidence;                        /* its inspection found evidence that fires */
};

/* A group: its virtual lane in the inner detector and its open round. */
struct group {
	bool used;
	enum cjd_agg_kind kind;
	char *host;   /* owned; "" for this host */
	char *key;    /* owned: the pod UID, the image reference, "" for the host */
	char *id;     /* owned: the lane's cgroup name, "pod:<uid>", "image:<ref>", "host" */
	uint32_t n_members;
	bool scoring;   /* its lane exists in the inner detector */
	bool published; /* an aggregate episode is open (its firing was published) */
	uint32_t n_evidence; /* members with evidence that fires */
	bool pinned;         /* enough of them (min_members): the lane fires on evidence */
	/* the open round: one sample per member, summed */
	uint64_t seq;
	uint32_t in_round;
	cjd_event_mask events; /* present in every sample of the round */
	uint64_t count[CJD_EV__COUNT];
	uint64_t t_max, dt_max;
	uint64_t prev_t; /* t_ns of the last virtual sample, 0: none yet */
	char *label;     /* owned: the round's label (a miner's if any member's is) */
};

/* An inner alert, held until the inner detector returns (see deliver_pending). */
struct pending {
	int32_t g;
	struct cjd_alert a;
	char label[128];
};

struct cjd_agg {
	struct cjd_aggregate_config acfg;
	uint32_t min_members;
	struct cjd_detector *inner;
	cjd_alert_cb cb;
	void *cb_ctx;
	cjd_agg_status_fn status;
	void *status_ctx;
	bool (*identify)(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id);
	void *identify_ctx;
	void (*suspect_cb)(void *ctx, const char *host, const char *cgroup, float score);
	void *suspect_ctx;

	struct member *members;
	size_t n_members, cap_members;
	struct cjd_strmap *member_index; /* host \x1f cgroup -> index + 1 */
	struct group *groups;
	size_t n_groups, cap_groups;
	struct cjd_strmap *group_index; /* host \x1f id -> index + 1 */

	struct pending *pend;
	size_t n_pend, cap_pend;
	bool delivering;
	struct cjd_alert_member mbuf[CJD_ALERT_MAX_MEMBERS];
	uint64_t refused;
	char key[8192];
};

const char *cjd_agg_kind_name(enum cjd_agg_kind k)
{
	static const char *const names[CJD_AGG__KINDS] = {"pod", "image", "host"};

	return (unsigned)k < CJD_AGG__KINDS ? names[k] : "unknown";
}

int cjd_agg_kind_parse(const char *s, enum cjd_agg_kind *out)
{
	for (int k = 0; k < CJD_AGG__KINDS; k++) {
		if (!strcmp(s, cjd_agg_kind_name((enum cjd_agg_kind)k))) {
			*out = (enum cjd_agg_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

/* "host \x1f name": NULL when it does not fit (names are bounded far below). */
static const char *map_key(struct cjd_agg *a, const char *host, const char *name)
{
	int n = snprintf(a->key, sizeof(a->key), "%s\x1f%s", host ? host : "", name);

	return n > 0 && (size_t)n < sizeof(a->key) ? a->key : NULL;
}

/* The index (group or member) of host's name in map, or -1. Values are index + 1. */
static int32_t index_find(struct cjd_agg *a, struct cjd_strmap *map, const char *host,
			  const char *name)
{
	const char *k = map_key(a, host, name);
	uint64_t *v = k ? cjd_strmap_get(map, k) : NULL;

	return v ? (int32_t)(*v - 1) : -1;
}

static int on_inner_alert(const struct cjd_alert *al, void *ctx);
static void on_inner_suspect(void *ctx, const char *host, const char *id, float score);

/* The inner detector's settings: the owner's, without what is per cgroup; a
 * suspect group is its members' suspicion (on_inner_suspect). */
static void inner_config(struct cjd_agg *a, const struct cjd_detector_config *cfg,
			 struct cjd_detector_config *ic)
{
	*ic = *cfg;
	a->suspect_cb = cfg->suspect_cb;
	a->suspect_ctx = cfg->suspect_ctx;
	ic->suspect_cb = cfg->suspect_cb ? on_inner_suspect : NULL;
	ic->suspect_ctx = a;
	ic->allowlist = NULL;
	ic->n_allowlist = 0;
	ic->identify = NULL;
	ic->identify_ctx = NULL;
	ic->aggregate.kinds = 0;
}

int cjd_agg_new(struct cjd_agg **out, const struct cjd_detector_config *cfg,
		const struct cjd_model *model, cjd_alert_cb cb, void *cb_ctx,
		cjd_agg_status_fn status, void *status_ctx, struct cjd_error *err)
{
	struct cjd_detector_config ic;
	struct cjd_agg *a;
	int rc;

	if (!(cfg->aggregate.member_max_cpu >= 0.0f))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "aggregate member_max_cpu must be >= 0 (0: no limit)");
	if (cfg->aggregate.min_members == 1)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "aggregate min_members must be at least 2 (a group of one "
				     "is its cgroup)");
	a = calloc(1, sizeof(*a));
	if (!a)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	a->acfg = cfg->aggregate;
	a->min_members = cfg->aggregate.min_members ? cfg->aggregate.min_members
						    : MIN_MEMBERS_DEFAULT;
	a->cb = cb;
	a->cb_ctx = cb_ctx;
	a->status = status;
	a->status_ctx = status_ctx;
	a->identify = cfg->identify;
	a->identify_ctx = cfg->identify_ctx;
	a->member_index = cjd_strmap_new();
	a->group_index = cjd_strmap_new();
	if (!a->member_index || !a->group_index) {
		cjd_agg_free(a);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	inner_config(a, cfg, &ic);
	if (cfg->aggregate.model)
		model = cfg->aggregate.model;
	if ((rc = cjd_detector_new(&a->inner, &ic, model, on_inner_alert, a, err))) {
		cjd_agg_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

static void group_clear_round(struct group *g)
{
	g->seq++;
	g->in_round = 0;
	g->events = 0;
	memset(g->count, 0, sizeof(g->count));
	g->t_max = g->dt_max = 0;
	free(g->label);
	g->label = NULL;
}

static void group_release(struct cjd_agg *a, int32_t gi)
{
	struct group *g = &a->groups[gi];
	const char *k = map_key(a, g->host, g->id);

	if (k)
		cjd_strmap_remove(a->group_index, k);
	free(g->host);
	free(g->key);
	free(g->id);
	free(g->label);
	memset(g, 0, sizeof(*g));
}

static void member_release(struct cjd_agg *a, int32_t mi)
{
	struct member *m = &a->members[mi];
	const char *k = map_key(a, m->host, m->cgroup);

	if (k)
		cjd_strmap_remove(a->member_index, k);
	free(m->host);
	free(m->cgroup);
	memset(m, 0, sizeof(*m));
}

void cjd_agg_free(struct cjd_agg *a)
{
	if (!a)
		return;
	cjd_detector_free(a->inner);
	for (size_t i = 0; i < a->n_members; i++)
		if (a->members[i].used)
			member_release(a, (int32_t)i);
	for (size_t i = 0; i < a->n_groups; i++)
		if (a->groups[i].used)
			group_release(a, (int32_t)i);
	free(a->members);
	free(a->groups);
	free(a->pend);
	cjd_strmap_free(a->member_index);
	cjd_strmap_free(a->group_index);
	free(a);
}

/* Group models the inner detector can swap in place, keeping its lanes: none
 * for both (the detector's own), or the same window and events. A reload
 * loads even an unchanged model file anew, so pointers differ. */
static bool same_shape(const struct cjd_model *x, const struct cjd_model *y)
{
	if (!x || !y)
		return x == y;
	return cjd_model_window(x) == cjd_model_window(y) &&
	       cjd_model_events(x) == cjd_model_events(y);
}

bool cjd_agg_same(const struct cjd_agg *a, const struct cjd_aggregate_config *cfg)
{
	uint32_t min = cfg->min_members ? cfg->min_members : MIN_MEMBERS_DEFAULT;

	return a->acfg.kinds == cfg->kinds && a->min_members == min &&
	       a->acfg.member_max_cpu == cfg->member_max_cpu &&
	       same_shape(a->acfg.model, cfg->model);
}

int cjd_agg_reconfigure(struct cjd_agg *a, const struct cjd_detector_config *cfg,
			const struct cjd_model *model, struct cjd_error *err)
{
	struct cjd_detector_config ic;
	int rc;

	inner_config(a, cfg, &ic);
	a->identify = cfg->identify;
	a->identify_ctx = cfg->identify_ctx;
	rc = cjd_detector_reconfigure(a->inner, &ic,
				      cfg->aggregate.model ? cfg->aggregate.model : model, err);
	if (!rc) /* the old one may be freed once this returns */
		a->acfg.model = cfg->aggregate.model;
	return rc;
}

/* ---- alerts ---- */

/*
 * A group's lane turned suspect: there is no such cgroup to inspect, so its
 * members are the suspects (their evidence can then fire the group,
 * cjd_agg_evidence).
 */
static void on_inner_suspect(void *ctx, const char *host, const char *id, float score)
{
	struct cjd_agg *a = ctx;
	int32_t gi = index_find(a, a->group_index, host, id);

	if (gi < 0 || !a->suspect_cb)
		return;
	for (size_t i = 0; i < a->n_members; i++) {
		const struct member *m = &a->members[i];
		if (m->used && m->group[a->groups[gi].kind] == gi)
			a->suspect_cb(a->suspect_ctx, m->host[0] ? m->host : NULL, m->cgroup, score);
	}
}

static int on_inner_alert(const struct cjd_alert *al, void *ctx)
{
	struct cjd_agg *a = ctx;
	int32_t gi = index_find(a, a->group_index, al->host, al->cgroup);

	if (gi < 0) {
		cjd_warn("aggregate alert for unknown group %s: not published", al->cgroup);
		return -ENOENT;
	}
	if (cjd_array_reserve(a->pend, a->cap_pend, a->n_pend + 1)) {
		cjd_warn("out of memory: the %s alert of group %s is not published",
			 cjd_alert_action_name(al->action), al->cgroup);
		return -ENOMEM;
	}
	struct pending *p = &a->pend[a->n_pend++];
	p->g = gi;
	p->a = *al;
	/* the inner lane (its name and label) may be released before delivery */
	p->a.cgroup = NULL;
	p->label[0] = '\0';
	if (al->label)
		snprintf(p->label, sizeof(p->label), "%s", al->label);
	p->a.label = al->label ? p->label : NULL;
	return 0;
}

/* True when a member fires on its own, or a narrower group sharing a member
 * has an aggregate alert open: then this group's alert would say it twice. */
static bool suppressed(struct cjd_agg *a, int32_t gi)
{
	const struct group *g = &a->groups[gi];

	for (size_t i = 0; i < a->n_members; i++) {
		const struct member *m = &a->members[i];
		if (!m->used || m->group[g->kind] != gi)
			continue;
		struct cjd_agg_member_info st;
		a->status(a->status_ctx, m->host[0] ? m->host : NULL, m->cgroup, &st);
		if (st.firing && !g->pinned) /* pinned: members fire on the evidence that pins it */
			return true;
		for (int k = 0; k < (int)g->kind; k++)
			if (m->group[k] >= 0 && a->groups[m->group[k]].published)
				return true;
	}
	return false;
}

static void deliver(struct cjd_agg *a, struct pending *p)
{
	struct group *g = &a->groups[p->g];
	struct cjd_alert_group grp = {cjd_agg_kind_name(g->kind), g->key, g->id, g->n_members, 0,
				      a->mbuf, g->n_evidence, g->pinned};
	enum cjd_alert_action act;

	switch (p->a.action) {
	case CJD_ALERT_FIRING:
	case CJD_ALERT_ONGOING:
		if (g->published) {
			act = p->a.action == CJD_ALERT_FIRING ? CJD_ALERT_AGG_FIRING
							      : CJD_ALERT_AGG_ONGOING;
		} else {
			if (suppressed(a, p->g))
				return;
			act = CJD_ALERT_AGG_FIRING;
			g->published = true;
		}
		break;
	case CJD_ALERT_RESOLVED:
	case CJD_ALERT_GONE:
		if (!g->published)
			return;
		g->published = false;
		act = p->a.action == CJD_ALERT_RESOLVED ? CJD_ALERT_AGG_RESOLVED : CJD_ALERT_AGG_GONE;
		break;
	default:
		return;
	}
	for (size_t i = 0; i < a->n_members && grp.n_members < CJD_ALERT_MAX_MEMBERS; i++) {
		const struct member *m = &a->members[i];
		if (!m->used || m->group[g->kind] != p->g)
			continue;
		struct cjd_agg_member_info st;
		a->status(a->status_ctx, m->host[0] ? m->host : NULL, m->cgroup, &st);
		a->mbuf[grp.n_members++] = (struct cjd_alert_member){
			m->cgroup, m->container_id, m->name, m->image,
			st.state ? st.state : "idle", st.scored, st.score, m->evidence};
	}
	struct cjd_alert out = p->a;
	out.action = act;
	out.cgroup = g->id;
	out.group = &grp;
	if (a->cb) {
		int rc = a->cb(&out, a->cb_ctx);
		if (rc)
			cjd_warn("alert callback failed (%d) for %s alert of group %s", rc,
				 cjd_alert_action_name(act), g->id);
	}
}

/* Publishes the inner detector's alerts, narrowest groups first (so a wider
 * group sharing a member sees that one open and stays quiet). */
static void deliver_pending(struct cjd_agg *a)
{
	if (a->delivering) /* a callback that forgets a cgroup lands here again */
		return;
	a->delivering = true;
	for (int k = 0; k < CJD_AGG__KINDS; k++)
		for (size_t i = 0; i < a->n_pend; i++)
			if (a->groups[a->pend[i].g].kind == (enum cjd_agg_kind)k)
				deliver(a, &a->pend[i]);
	a->n_pend = 0;
	a->delivering = false;
}

/* ---- rounds ---- */

/* Sums the open round into one virtual sample for the group's lane. */
static void close_round(struct cjd_agg *a, int32_t gi)
{
	struct group *g = &a->groups[gi];
	struct cjd_sample s;
	struct cjd_error err;

	if (!g->in_round)
		return;
	if (g->n_members >= a->min_members) {
		uint64_t t = g->t_max;
		/* consecutive rounds tile time; after a silence the round is its own length */
		uint64_t dt = g->prev_t && t - g->prev_t <= 2 * g->dt_max ? t - g->prev_t : g->dt_max;
		if (g->prev_t && t <= g->prev_t) {
			/* samples out of time order across cgroups (a trace of one cgroup
			 * after another): such a round is no round, it is not scored */
			if (a->refused++ == 0)
				cjd_warn("aggregate %s: a round ends at %.3f s, before the previous one "
					 "(%.3f s): samples are not in time order across cgroups "
					 "(cjd trace cat --sort); such rounds are counted, not scored",
					 g->id, (double)t / 1e9, (double)g->prev_t / 1e9);
			group_clear_round(g);
			return;
		}
		cjd_sample_clear(&s);
		s.t_ns = t;
		s.dt_ns = dt ? dt : 1;
		s.host = g->host[0] ? g->host : NULL;
		s.cgroup = g->id;
		s.label = g->label;
		s.events = g->events;
		memcpy(s.count, g->count, sizeof(s.count));
		if (cjd_detector_push(a->inner, &s, &err)) {
			if (a->refused++ == 0)
				cjd_warn("aggregate %s: round not scored: %s (further ones are counted)",
					 g->id, err.text);
		} else {
			g->scoring = true;
			g->prev_t = t;
			if (g->pinned) /* pinned before its lane existed: the lane learns it now */
				cjd_detector_evidence(a->inner, s.host, g->id, true);
		}
	}
	group_clear_round(g);
}

/* Adds one member sample to the group's open round (its counts unless heavy). */
static void round_add(struct group *g, const struct cjd_sample *s, bool heavy)
{
	g->events = g->in_round ? g->events & s->events : s->events;
	for (int e = 0; e < CJD_EV__COUNT; e++) {
		if (heavy || !(s->events & CJD_EVMASK(e)))
			continue;
		uint64_t sum = g->count[e] + s->count[e];
		g->count[e] = sum < g->count[e] ? UINT64_MAX : sum;
	}
	if (s->t_ns > g->t_max)
		g->t_max = s->t_ns;
	if (s->dt_ns > g->dt_max)
		g->dt_max = s->dt_ns;
	if (s->label && (!g->label || (!cjd_label_is_miner(g->label) && cjd_label_is_miner(s->label)))) {
		char *c = strdup(s->label);
		if (c) {
			free(g->label);
			g->label = c;
		}
	}
	g->in_round++;
}

/* ---- membership ---- */

static int32_t group_of(struct cjd_agg *a, enum cjd_agg_kind kind, const char *host,
			const char *key)
{
	char id[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX + 16];
	uint64_t *v;
	int32_t gi = -1;

	if (kind == CJD_AGG_HOST)
		snprintf(id, sizeof(id), "host");
	else
		snprintf(id, sizeof(id), "%s:%s", cjd_agg_kind_name(kind), key);
	const char *k = map_key(a, host, id);
	if (!k)
		return -1;
	if ((v = cjd_strmap_get(a->group_index, k)))
		return (int32_t)(*v - 1);
	for (size_t i = 0; i < a->n_groups; i++)
		if (!a->groups[i].used) {
			gi = (int32_t)i;
			break;
		}
	if (gi < 0) {
		if (cjd_array_reserve(a->groups, a->cap_groups, a->n_groups + 1))
			return -1;
		gi = (int32_t)a->n_groups++;
	}
	struct group *g = &a->groups[gi];
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->host = strdup(host);
	g->key = strdup(key);
	g->id = strdup(id);
	if (!g->host || !g->key || !g->id || cjd_strmap_upsert(a->group_index, k, &v) < 0) {
		free(g->host);
		free(g->key);
		free(g->id);
		memset(g, 0, sizeof(*g));
		return -1;
	}
	*v = (uint64_t)gi + 1;
	g->used = true;
	return gi;
}

/* The keys of a new member: the pod UID from its path, the image from its
 * owner's names (identify), the host always. */
static void member_groups(struct cjd_agg *a, int32_t mi)
{
	struct member *m = &a->members[mi];
	struct cjd_identity id, named;
	char ref[sizeof(m->image)];

	cjd_identity_parse(m->cgroup, &id);
	if ((a->acfg.kinds & (1u << CJD_AGG_IMAGE)) && a->identify &&
	    a->identify(a->identify_ctx, m->host[0] ? m->host : NULL, m->cgroup, &named))
		id = named;
	snprintf(m->container_id, sizeof(m->container_id), "%s", id.container_id);
	snprintf(m->name, sizeof(m->name), "%s", id.resolved ? id.name : "");
	snprintf(m->image, sizeof(m->image), "%s",
		 id.resolved ? cjd_identity_image_ref(&id, ref, sizeof(ref)) : "");
	const char *keys[CJD_AGG__KINDS] = {id.pod_uid, m->image, ""};
	char host[sizeof(a->key)];
	snprintf(host, sizeof(host), "%s", m->host);
	for (int k = 0; k < CJD_AGG__KINDS; k++) {
		m = &a->members[mi];
		m->group[k] = -1;
		if (!(a->acfg.kinds & (1u << k)) || (k != CJD_AGG_HOST && !keys[k][0]))
			continue;
		char key[sizeof(m->image)];
		snprintf(key, sizeof(key), "%s", keys[k]);
		int32_t gi = group_of(a, (enum cjd_agg_kind)k, host, key);
		if (gi < 0) {
			cjd_warn("out of memory: cgroup %s is in no %s group", a->members[mi].cgroup,
				 cjd_agg_kind_name((enum cjd_agg_kind)k));
			continue;
		}
		a->members[mi].group[k] = gi;
		a->groups[gi].n_members++;
	}
}

static int32_t member_of(struct cjd_agg *a, const char *host, const char *cgroup)
{
	const char *k = map_key(a, host, cgroup);
	uint64_t *v;
	int32_t mi = -1;

	if (!k)
		return -1;
	if ((v = cjd_strmap_get(a->member_index, k)))
		return (int32_t)(*v - 1);
	for (size_t i = 0; i < a->n_members; i++)
		if (!a->members[i].used) {
			mi = (int32_t)i;
			break;
		}
	if (mi < 0) {
		if (cjd_array_reserve(a->members, a->cap_members, a->n_members + 1))
			return -1;
		mi = (int32_t)a->n_members++;
	}
	struct member *m = &a->members[mi];
	memset(m, 0, sizeof(*m));
	m->host = strdup(host ? host : "");
	m->cgroup = strdup(cgroup);
	if (!m->host || !m->cgroup || cjd_strmap_upsert(a->member_index, k, &v) < 0) {
		free(m->host);
		free(m->cgroup);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	*v = (uint64_t)mi + 1;
	m->used = true;
	member_groups(a, mi);
	return mi;
}

/* The group's lane leaves the inner detector ("aggregate_gone" if it fired). */
static void group_unscore(struct cjd_agg *a, int32_t gi)
{
	struct group *g = &a->groups[gi];

	group_clear_round(g);
	if (!g->scoring)
		return;
	g->scoring = false;
	g->prev_t = 0;
	cjd_detector_forget(a->inner, g->host[0] ? g->host : NULL, g->id);
	deliver_pending(a);
	g = &a->groups[gi];
	g->published = false;
}

/*
 * Evidence corroborated across a group: when min_members of its members are
 * found mining by their own inspections (a spread miner's pieces, each too
 * light for the group's sum to look flat enough), the group's lane is pinned
 * firing, so one alert names them all, even though those members fire on
 * their own too (suppressed() lets a pinned group through). One member's
 * evidence never names its neighbours: a miner in one container of an image
 * is that container's alert. The pin stays while one such member is left:
 * one look can miss a sign a miner shows most of the time (RandomX's
 * round-toward-zero), and a member's pin coming and going must not make the
 * group flap (measured: resolved and fired again 7 s later).
 */
static void group_pin(struct cjd_agg *a, int32_t gi)
{
	struct group *g = &a->groups[gi];
	bool want = g->pinned ? g->n_evidence > 0 : g->n_evidence >= a->min_members;

	if (want == g->pinned)
		return;
	g->pinned = want;
	cjd_info("aggregate %s: %u of its %u members found mining by inspection: %s", g->id,
		 g->n_evidence, g->n_members,
		 want ? "it fires on their evidence" : "no longer pinned by evidence");
	if (g->scoring) {
		cjd_detector_evidence(a->inner, g->host[0] ? g->host : NULL, g->id, want);
		deliver_pending(a);
	}
}

/* ---- the owner's calls ---- */

void cjd_agg_sample(struct cjd_agg *a, const struct cjd_sample *s)
{
	int32_t mi = member_of(a, s->host, s->cgroup);

	if (mi < 0) {
		cjd_warn("out of memory: a sample of %s is not aggregated", s->cgroup);
		return;
	}
	/* A heavy member is judged on its own: it adds nothing to its rounds (it
	 * still counts as a member, so a round waits for it no longer). */
	bool heavy = a->acfg.member_max_cpu > 0.0f && (s->events & CJD_EVMASK(CJD_EV_TASK_CLOCK)) &&
		     (double)s->count[CJD_EV_TASK_CLOCK] >
			     (double)a->acfg.member_max_cpu * (double)s->dt_ns;
	for (int k = 0; k < CJD_AGG__KINDS; k++) {
		int32_t gi = a->members[mi].group[k];
		if (gi < 0)
			continue;
		if (a->members[mi].contributed[k] == a->groups[gi].seq + 1)
			close_round(a, gi); /* the member's next round has begun */
		round_add(&a->groups[gi], s, heavy);
		a->members[mi].contributed[k] = a->groups[gi].seq + 1;
	}
	deliver_pending(a);
}

void cjd_agg_evidence(struct cjd_agg *a, const char *host, const char *cgroup, bool mining)
{
	int32_t mi = index_find(a, a->member_index, host, cgroup);

	if (mi < 0)
		return; /* no member (yet): its first sample makes it one, without evidence */
	if (a->members[mi].evidence == mining)
		return;
	a->members[mi].evidence = mining;
	for (int kind = 0; kind < CJD_AGG__KINDS; kind++) {
		int32_t gi = a->members[mi].group[kind];
		if (gi < 0)
			continue;
		a->groups[gi].n_evidence = mining ? a->groups[gi].n_evidence + 1
						  : a->groups[gi].n_evidence - 1;
		group_pin(a, gi);
	}
}

void cjd_agg_tick(struct cjd_agg *a)
{
	for (size_t i = 0; i < a->n_groups; i++) {
		struct group *g = &a->groups[i];
		if (g->used && g->in_round && g->in_round >= g->n_members)
			close_round(a, (int32_t)i);
	}
	cjd_detector_tick(a->inner);
	deliver_pending(a);
}

void cjd_agg_forget(struct cjd_agg *a, const char *host, const char *cgroup)
{
	int32_t mi = index_find(a, a->member_index, host, cgroup);

	if (mi < 0)
		return;
	for (int kind = 0; kind < CJD_AGG__KINDS; kind++) {
		int32_t gi = a->members[mi].group[kind];
		if (gi < 0)
			continue;
		struct group *g = &a->groups[gi];
		if (a->members[mi].evidence) {
			g->n_evidence--;
			group_pin(a, gi);
			g = &a->groups[gi];
		}
		if (g->n_members < a->min_members + 1u)
			group_unscore(a, gi); /* lists the leaving member among the last */
		a->members[mi].group[kind] = -1;
		if (--a->groups[gi].n_members == 0)
			group_release(a, gi);
	}
	member_release(a, mi);
}

void cjd_agg_finish(struct cjd_agg *a)
{
	for (size_t i = 0; i < a->n_groups; i++)
		if (a->groups[i].used)
			close_round(a, (int32_t)i);
	cjd_detector_finish(a->inner); /* ticks; "gone" for what fires */
	deliver_pending(a);
	for (size_t i = 0; i < a->n_members; i++)
		if (a->members[i].used)
			member_release(a, (int32_t)i);
	for (size_t i = 0; i < a->n_groups; i++)
		if (a->groups[i].used)
			group_release(a, (int32_t)i);
	a->n_members = a->n_groups = 0;
}

size_t cjd_agg_groups(const struct cjd_agg *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_groups; i++)
		n += a->groups[i].used;
	return n;
}

size_t cjd_agg_members(const struct cjd_agg *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_members; i++)
		n += a->members[i].used;
	return n;
}

uint64_t cjd_agg_refused(const struct cjd_agg *a)
{
	return a->refused;
}
