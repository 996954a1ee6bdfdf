/* Per-cgroup series with bounded cardinality and staleness, agent-wide values, and the immutable snapshots scrapes read. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/strmap.h"
#include "cjd/metrics/om_text.h"
#include "internal.h"

const char *const cjd_metrics_state_names[CJD_METRICS_STATE__COUNT] = {"ok", "suspect", "firing"};

struct series {
	char *key;    /* "host\ncgroup" */
	char *labels; /* escaped label pairs */
	struct cjd_metrics_values val;
	bool seen;    /* in the current pass */
	bool gone;
	uint64_t gone_ns;
};

struct probe {
	char *name;
	uint64_t inspections;
	uint64_t cpu_ns;
};

struct extra {
	char *name;
	char *help;
	bool counter;
	double value;
};

struct cjd_metrics_registry {
	struct cjd_metrics_registry_config cfg;
	struct cjd_strmap *index; /* key -> position in v */
	struct series *v;
	size_t n, cap;
	struct cjd_metrics_agent agent; /* strings owned */
	struct probe *probes;
	size_t n_probes, cap_probes;
	struct extra *extras; /* in the order declared */
	size_t n_extras, cap_extras;
	uint64_t alerts[CJD_ALERT__COUNT];
	struct cjd_metrics_registry_stats st;
	size_t pass_left_out;
	struct cjd_buf scratch; /* label text being built */
	bool dirty;
};

static size_t max_cgroups(const struct cjd_metrics_registry *r)
{
	return r->cfg.max_cgroups ? r->cfg.max_cgroups : CJD_METRICS_DEFAULT_MAX_CGROUPS;
}

int cjd_metrics_registry_new(struct cjd_metrics_registry **out,
			     const struct cjd_metrics_registry_config *cfg)
{
	struct cjd_metrics_registry *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->index = cjd_strmap_new())) {
		free(r);
		return -ENOMEM;
	}
	r->cfg = *cfg;
	cjd_buf_init(&r->scratch);
	r->dirty = true;
	*out = r;
	return 0;
}

static void free_agent_strings(struct cjd_metrics_agent *a)
{
	free((char *)a->version);
	free((char *)a->model_name);
	free((char *)a->model_version);
	free((char *)a->model_kind);
}

void cjd_metrics_registry_free(struct cjd_metrics_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].labels);
	}
	free(r->v);
	for (size_t i = 0; i < r->n_probes; i++)
		free(r->probes[i].name);
	free(r->probes);
	for (size_t i = 0; i < r->n_extras; i++) {
		free(r->extras[i].name);
		free(r->extras[i].help);
	}
	free(r->extras);
	free_agent_strings(&r->agent);
	cjd_strmap_free(r->index);
	cjd_buf_release(&r->scratch);
	free(r);
}

void cjd_metrics_registry_configure(struct cjd_metrics_registry *r,
				    const struct cjd_metrics_registry_config *cfg)
{
	r->cfg = *cfg;
	r->dirty = true;
}

static const char *key_of(const char *host, const char *cgroup, char *buf, size_t len)
{
	size_t h = host ? strlen(host) : 0, c = strlen(cgroup);

	if (h + 1 + c + 1 > len)
		return NULL;
	memcpy(buf, host ? host : "", h);
	buf[h] = '\n';
	memcpy(buf + h + 1, cgroup, c + 1);
	return buf;
}

static struct series *find(struct cjd_metrics_registry *r, const char *key)
{
	uint64_t *pos = cjd_strmap_get(r->index, key);
	return pos ? &r->v[*pos] : NULL;
}

static void remove_at(struct cjd_metrics_registry *r, size_t i)
{
	uint64_t *pos;

	cjd_strmap_remove(r->index, r->v[i].key);
	free(r->v[i].key);
	free(r->v[i].labels);
	if (i != r->n - 1) {
		r->v[i] = r->v[r->n - 1];
		if (cjd_strmap_upsert(r->index, r->v[i].key, &pos) >= 0)
			*pos = i;
	}
	r->n--;
	r->dirty = true;
}

/* The series to give up for a newcomer when the table is full: the longest
 * gone first; for a hot newcomer, else the quiet one with the least CPU. */
static ptrdiff_t victim(const struct cjd_metrics_registry *r, bool hot)
{
	ptrdiff_t best = -1;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].gone && (best < 0 || r->v[i].gone_ns < r->v[best].gone_ns))
			best = (ptrdiff_t)i;
	if (best >= 0 || !hot)
		return best;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].val.state == CJD_METRICS_OK && !r->v[i].val.alerts[CJD_ALERT_FIRING] &&
		    (best < 0 || r->v[i].val.cpu_seconds < r->v[best].val.cpu_seconds))
			best = (ptrdiff_t)i;
	return best;
}

/* The series of key, made when there is room (or room can be made). NULL: left out. */
static struct series *find_or_add(struct cjd_metrics_registry *r, const char *key, bool hot)
{
	struct series *s = find(r, key);
	uint64_t *pos;

	if (s)
		return s;
	if (r->n >= max_cgroups(r)) {
		ptrdiff_t i = victim(r, hot);
		if (i < 0)
			return NULL;
		remove_at(r, (size_t)i);
		r->st.evicted_total++;
	}
	if (cjd_array_reserve(r->v, r->cap, r->n + 1))
		return NULL;
	s = &r->v[r->n];
	memset(s, 0, sizeof(*s));
	if (!(s->key = strdup(key)) || cjd_strmap_upsert(r->index, key, &pos) < 0) {
		free(s->key);
		return NULL;
	}
	*pos = r->n++;
	r->dirty = true;
	return s;
}

/* (Re)makes the label pairs of s: host, cgroup, then the container's names where known. */
static void set_labels(struct cjd_metrics_registry *r, struct series *s, const char *host,
		       const char *cgroup, const struct cjd_identity *id)
{
	struct cjd_buf *b = &r->scratch;
	char image[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX];
	bool first = true;
	char *text;

	cjd_buf_clear(b);
	cjd_om_label(b, &first, "host", host);
	cjd_om_label(b, &first, "cgroup", cgroup[0] ? cgroup : "/");
	if (id) {
		cjd_om_label(b, &first, "container", id->name);
		cjd_om_label(b, &first, "image", cjd_identity_image_ref(id, image, sizeof(image)));
		cjd_om_label(b, &first, "pod", id->pod_name);
		cjd_om_label(b, &first, "namespace", id->namespace);
	}
	if (b->err || !b->data || (s->labels && !strcmp(s->labels, b->data)))
		return; /* unchanged (or no memory: the old labels stay) */
	if (!(text = strdup(b->data)))
		return;
	free(s->labels);
	s->labels = text;
	r->dirty = true;
}

static enum cjd_metrics_state state_of(const char *detector_state)
{
	if (detector_state && !strcmp(detector_state, "suspect"))
		return CJD_METRICS_SUSPECT;
	if (detector_state && !strcmp(detector_state, "firing"))
		return CJD_METRICS_FIRING;
	return CJD_METRICS_OK; /* idle, resolved */
}

void cjd_metrics_registry_begin(struct cjd_metrics_registry *r, uint64_t now_ns)
{
	(void)now_ns;
	for (size_t i = 0; i < r->n; i++)
		r->v[i].seen = false;
	r->pass_left_out = 0;
}

void cjd_metrics_registry_cgroup(struct cjd_metrics_registry *r, const struct cjd_metrics *m,
				 uint64_t now_ns)
{
	char key[8192];
	enum cjd_metrics_state st = state_of(m->state);
	struct series *s;

	(void)now_ns;
	if (!key_of(m->host, m->cgroup, key, sizeof(key)) ||
	    !(s = find_or_add(r, key, st != CJD_METRICS_OK))) {
		r->pass_left_out++;
		r->st.left_out_total++;
		r->dirty = true;
		return;
	}
	set_labels(r, s, m->host, m->cgroup, m->identity);
	if (!s->labels) { /* no memory for its labels: not a series yet */
		remove_at(r, (size_t)(s - r->v));
		r->pass_left_out++;
		r->st.left_out_total++;
		return;
	}
	s->val.cpu_seconds = m->cpu_seconds_total;
	s->val.cost_usd = m->cost_usd_total;
	s->val.has_score = m->has_score;
	s->val.score = m->score;
	s->val.state = st;
	s->seen = true;
	s->gone = false;
	r->dirty = true;
}

void cjd_metrics_registry_end(struct cjd_metrics_registry *r, uint64_t now_ns)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!r->v[i].seen && !r->v[i].gone) {
			r->v[i].gone = true;
			r->v[i].gone_ns = now_ns;
		}
	}
	/* backwards: remove_at moves the last series into the hole */
	for (size_t i = r->n; i-- > 0;)
		if (r->v[i].gone && now_ns - r->v[i].gone_ns >= r->cfg.stale_after_ns)
			remove_at(r, i);
	r->st.left_out = r->pass_left_out;
	r->dirty = true;
}

void cjd_metrics_registry_gone(struct cjd_metrics_registry *r, const char *host,
			       const char *cgroup, uint64_t now_ns)
{
	char key[8192];
	struct series *s;

	if (!key_of(host, cgroup, key, sizeof(key)) || !(s = find(r, key)) || s->gone)
		return;
	s->gone = true;
	s->gone_ns = now_ns;
	s->val.state = CJD_METRICS_OK;
	r->dirty = true;
}

void cjd_metrics_registry_alert(struct cjd_metrics_registry *r, const struct cjd_alert *al,
				const struct cjd_identity *id, uint64_t now_ns)
{
	char key[8192];
	bool hot = al->action != CJD_ALERT_RESOLVED && al->action != CJD_ALERT_GONE;
	struct series *s;

	(void)now_ns;
	if ((unsigned)al->action >= CJD_ALERT__COUNT)
		return;
	r->alerts[al->action]++;
	r->dirty = true;
	/* an aggregate's cgroup is its group's id: counted agent-wide, no cgroup series */
	if (!al->cgroup || al->group || !key_of(al->host, al->cgroup, key, sizeof(key)))
		return;
	/* a resolved or gone cgroup without a series does not need one now */
	if (!(s = hot ? find_or_add(r, key, true) : find(r, key))) {
		if (hot)
			r->st.left_out_total++;
		return;
	}
	if (!s->labels) {
		set_labels(r, s, al->host, al->cgroup, id);
		if (!s->labels) {
			remove_at(r, (size_t)(s - r->v));
			r->st.left_out_total++;
			return;
		}
		s->seen = true; /* counts as present until the next pass says otherwise */
	}
	s->val.alerts[al->action]++;
	s->val.state = hot ? CJD_METRICS_FIRING : CJD_METRICS_OK;
}

static int dup_into(const char **dst, const char *src)
{
	char *copy = NULL;

	if (*dst && src && !strcmp(*dst, src))
		return 0;
	if (src && !(copy = strdup(src)))
		return -ENOMEM;
	free((char *)*dst);
	*dst = copy;
	return 0;
}

void cjd_metrics_registry_agent(struct cjd_metrics_registry *r, const struct cjd_metrics_agent *a)
{
	struct cjd_metrics_agent keep = r->agent;

	r->agent = *a;
	r->agent.version = keep.version;
	r->agent.model_name = keep.model_name;
	r->agent.model_version = keep.model_version;
	r->agent.model_kind = keep.model_kind;
	/* a string that cannot be copied keeps its old value */
	dup_into(&r->agent.version, a->version);
	dup_into(&r->agent.model_name, a->model_name);
	dup_into(&r->agent.model_version, a->model_version);
	dup_into(&r->agent.model_kind, a->model_kind);
	r->dirty = true;
}

int cjd_metrics_registry_probe(struct cjd_metrics_registry *r, const char *name,
			       uint64_t inspections, uint64_t cpu_ns)
{
	size_t i;

	for (i = 0; i < r->n_probes; i++)
		if (!strcmp(r->probes[i].name, name))
			break;
	if (i == r->n_probes) {
		int rc = cjd_array_reserve(r->probes, r->cap_probes, r->n_probes + 1);
		if (rc)
			return rc;
		if (!(r->probes[i].name = strdup(name)))
			return -ENOMEM;
		r->probes[i].inspections = r->probes[i].cpu_ns = 0;
		r->n_probes++;
	}
	r->probes[i].inspections += inspections;
	r->probes[i].cpu_ns += cpu_ns;
	r->dirty = true;
	return 0;
}

/* The name rule of cjd_metrics_registry_gauge_set, short of clashes with built-ins. */
static bool extra_name_ok(const char *name)
{
	static const char *const reserved[] = {"_total", "_info", "_created", "_count", "_sum",
					       "_bucket"};
	size_t n = strlen(name);

	if (n <= 4 || n > 100 || strncmp(name, "cjd_", 4) || name[n - 1] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t k = strlen(reserved[i]);
		if (n >= k && !strcmp(name + n - k, reserved[i]))
			return false;
	}
	return true;
}

/* Finds or declares the added metric name of its kind: 0 with *out set, or -errno. */
static int extra_find(struct cjd_metrics_registry *r, const char *name, const char *help,
		      bool counter, struct extra **out)
{
	struct extra *e;
	int rc;

	for (size_t i = 0; i < r->n_extras; i++)
		if (!strcmp(r->extras[i].name, name)) {
			if (r->extras[i].counter != counter)
				return -EEXIST;
			*out = &r->extras[i];
			return 0;
		}
	if (!extra_name_ok(name) || !help || !help[0])
		return -EINVAL;
	if ((rc = cjd_metrics_render_clashes(name, counter)))
		return rc < 0 ? rc : -EINVAL;
	if ((rc = cjd_array_reserve(r->extras, r->cap_extras, r->n_extras + 1)))
		return rc;
	e = &r->extras[r->n_extras];
	*e = (struct extra){.name = strdup(name), .help = strdup(help), .counter = counter};
	if (!e->name || !e->help) {
		free(e->name);
		free(e->help);
		return -ENOMEM;
	}
	r->n_extras++;
	*out = e;
	return 0;
}

int cjd_metrics_registry_gauge_set(struct cjd_metrics_registry *r, const char *name,
				   const char *help, double value)
{
	struct extra *e;
	int rc;

	if (!isfinite(value))
		return -EINVAL;
	if ((rc = extra_find(r, name, help, false, &e)))
		return rc;
	e->value = value;
	r->dirty = true;
	return 0;
}

int cjd_metrics_registry_counter_add(struct cjd_metrics_registry *r, const char *name,
				     const char *help, double delta)
{
	struct extra *e;
	int rc;

	if (!isfinite(delta) || delta < 0)
		return -EINVAL;
	if ((rc = extra_find(r, name, help, true, &e)))
		return rc;
	e->value += delta;
	r->dirty = true;
	return 0;
}

bool cjd_metrics_registry_dirty(const struct cjd_metrics_registry *r)
{
	return r->dirty;
}

void cjd_metrics_registry_stats(const struct cjd_metrics_registry *r,
				struct cjd_metrics_registry_stats *st)
{
	*st = r->st;
	st->cgroups = r->n;
}

/* ---- snapshots ---- */

static int cmp_series(const void *a, const void *b)
{
	const struct series *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

/* Copies s into the arena at *pos (NULL stays NULL). */
static const char *put(char *arena, size_t *pos, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = arena + *pos;
	memcpy(d, s, n);
	*pos += n;
	return d;
}

static size_t len0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

int cjd_metrics_registry_snapshot(struct cjd_metrics_registry *r,
				  struct cjd_metrics_snapshot **out)
{
	struct cjd_metrics_snapshot *s = calloc(1, sizeof(*s));
	const struct series **order = NULL;
	size_t arena = 0, pos = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	arena += len0(r->agent.version) + len0(r->agent.model_name) +
		 len0(r->agent.model_version) + len0(r->agent.model_kind);
	for (size_t i = 0; i < r->n; i++)
		arena += len0(r->v[i].labels);
	for (size_t i = 0; i < r->n_probes; i++)
		arena += len0(r->probes[i].name);
	for (size_t i = 0; i < r->n_extras; i++)
		arena += len0(r->extras[i].name) + len0(r->extras[i].help);
	if (!(s->arena = malloc(arena ? arena : 1)) ||
	    (r->n && !(s->rows = calloc(r->n, sizeof(*s->rows)))) ||
	    (r->n && !(order = malloc(r->n * sizeof(*order)))) ||
	    (r->n_probes && !(s->probes = calloc(r->n_probes, sizeof(*s->probes)))) ||
	    (r->n_extras && !(s->extras = calloc(r->n_extras, sizeof(*s->extras))))) {
		free(order);
		atomic_init(&s->refs, 1);
		cjd_metrics_snapshot_unref(s);
		return -ENOMEM;
	}
	atomic_init(&s->refs, 1);
	s->agent = r->agent;
	s->agent.version = put(s->arena, &pos, r->agent.version);
	s->agent.model_name = put(s->arena, &pos, r->agent.model_name);
	s->agent.model_version = put(s->arena, &pos, r->agent.model_version);
	s->agent.model_kind = put(s->arena, &pos, r->agent.model_kind);
	memcpy(s->alerts, r->alerts, sizeof(s->alerts));
	cjd_metrics_registry_stats(r, &s->st);
	s->max_cgroups = max_cgroups(r);
	for (size_t i = 0; i < r->n; i++)
		order[i] = &r->v[i];
	if (r->n)
		qsort(order, r->n, sizeof(*order), cmp_series);
	for (size_t i = 0; i < r->n; i++) {
		const struct series *v = order[i];
		struct cjd_metrics_row *row = &s->rows[s->n_rows];
		if (!v->labels)
			continue;
		row->labels = put(s->arena, &pos, v->labels);
		row->v = v->val;
		s->n_rows++;
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		s->probes[i].name = put(s->arena, &pos, r->probes[i].name);
		s->probes[i].inspections = r->probes[i].inspections;
		s->probes[i].cpu_seconds = (double)r->probes[i].cpu_ns / 1e9;
	}
	s->n_probes = r->n_probes;
	for (size_t i = 0; i < r->n_extras; i++) {
		s->extras[i].name = put(s->arena, &pos, r->extras[i].name);
		s->extras[i].help = put(s->arena, &pos, r->extras[i].help);
		s->extras[i].counter = r->extras[i].counter;
		s->extras[i].value = r->extras[i].value;
	}
	s->n_extras = r->n_extras;
	free(order);
	r->dirty = false;
	*out = s;
	return 0;
}

struct cjd_metrics_snapshot *cjd_metrics_snapshot_ref(struct cjd_metrics_snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void cjd_metrics_snapshot_unref(struct cjd_metrics_snapshot *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(s->rows);
	free(s->probes);
	free(s->extras);
	free(s->arena);
	free(s);
}
