/* The window engine: lanes per (host, cgroup), staging, ring buffers, and the batched feature tick. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "kernels.h"
#include "window_internal.h"

#define LANE_ALIGN 16 /* floats: one 64-byte line, one AVX-512 vector */

_Static_assert(offsetof(struct cjd_win_lane, cgroup) <= 64,
	       "the staging fields of a lane must stay in its first cache line");

struct cjd_win {
	unsigned w;
	cjd_event_mask events;
	enum cjd_simd_tier tier;
	const struct cjd_kernels *k;
	int n_active;
	int active[CJD_RATIO__COUNT]; /* ratios whose events are all present */
	bool op_used[CJD_OP__COUNT];

	size_t cap;     /* lanes the arrays hold */
	size_t pitch;   /* floats per SoA row: cap plus one line of padding */
	size_t n_lanes; /* high-water mark of used lanes */

	float *stage[CJD_OP__COUNT];      /* staged operands, one row each */
	float *cur[CJD_RATIO__COUNT];     /* ratios of this tick (unsynchronised path) */
	float *newest[CJD_RATIO__COUNT];
	float *oldest[CJD_RATIO__COUNT];
	float *ring[CJD_RATIO__COUNT];    /* W rows each */
	float *feat;                      /* CJD_FEATURE__COUNT rows */
	float *out;                       /* the owner's per-lane output row */
	float *slab;                      /* owns every row above */

	struct cjd_win_lane *lanes;
	uint32_t *free_lanes;
	size_t n_free;
	uint32_t *pend, *done, *ready;
	size_t n_pend, n_done, n_ready;
	uint32_t sync_head; /* head that new lanes start at, so batches stay in step */

	struct cjd_strmap *index; /* key(host, cgroup) -> lane + 1 */
	char *key;
	size_t key_cap;

	struct cjd_strmap *host_index; /* host -> id + 1 */
	struct cjd_win_host *hosts;
	size_t n_hosts, host_cap;
};

/* Rows are padded by one cache line so that the W slots of a ring, pitch
 * floats apart, do not all map to the same L1 set when cap is a power of 2. */
static size_t pitch_of(size_t cap)
{
	return cap + LANE_ALIGN;
}

/*
 * Every float row lives in one slab, so growing is all-or-nothing: a new
 * slab is filled and swapped in, or nothing changes. Row order: staged
 * operands, then per active ratio cur/newest/oldest and W ring rows, then
 * the feature matrix (contiguous, so features[f * pitch + lane] works), then
 * the output row.
 */
static size_t slab_rows(const struct cjd_win *e)
{
	size_t rows = CJD_FEATURE__COUNT + 1 + (size_t)e->n_active * (3 + e->w);

	for (int o = 0; o < CJD_OP__COUNT; o++)
		rows += e->op_used[o];
	return rows;
}

static void slab_point(struct cjd_win *e, float *slab, size_t pitch)
{
	float *p = slab;

	for (int o = 0; o < CJD_OP__COUNT; o++) {
		if (e->op_used[o]) {
			e->stage[o] = p;
			p += pitch;
		}
	}
	for (int i = 0; i < e->n_active; i++) {
		int r = e->active[i];
		e->cur[r] = p;
		e->newest[r] = p + pitch;
		e->oldest[r] = p + 2 * pitch;
		e->ring[r] = p + 3 * pitch;
		p += (3 + (size_t)e->w) * pitch;
	}
	e->feat = p;
	e->out = p + (size_t)CJD_FEATURE__COUNT * pitch;
}

static int grow(struct cjd_win *e, size_t cap)
{
	size_t rows = slab_rows(e), np = pitch_of(cap);
	size_t bytes = rows * np * sizeof(float);
	float *slab = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	struct cjd_win_lane *nl = NULL;
	uint32_t *lists[4] = {NULL};

	if (!slab)
		goto out_nomem;
	nl = aligned_alloc(_Alignof(struct cjd_win_lane), cap * sizeof(*nl));
	if (!nl)
		goto out_nomem;
	memset(nl, 0, cap * sizeof(*nl));
	for (size_t i = 0; i < CJD_ARRAY_SIZE(lists); i++)
		if (!(lists[i] = calloc(cap, sizeof(uint32_t))))
			goto out_nomem;
	memset(slab, 0, bytes);
	if (e->slab)
		for (size_t r = 0; r < rows; r++)
			memcpy(slab + r * np, e->slab + r * e->pitch, e->cap * sizeof(float));
	if (e->cap) {
		memcpy(nl, e->lanes, e->cap * sizeof(*nl));
		memcpy(lists[0], e->free_lanes, e->n_free * sizeof(uint32_t));
		memcpy(lists[1], e->pend, e->n_pend * sizeof(uint32_t));
		memcpy(lists[2], e->done, e->n_done * sizeof(uint32_t));
		memcpy(lists[3], e->ready, e->n_ready * sizeof(uint32_t));
	}
	free(e->slab);
	free(e->lanes);
	free(e->free_lanes);
	free(e->pend);
	free(e->done);
	free(e->ready);
	e->slab = slab;
	e->lanes = nl;
	e->free_lanes = lists[0];
	e->pend = lists[1];
	e->done = lists[2];
	e->ready = lists[3];
	e->cap = cap;
	e->pitch = np;
	slab_point(e, slab, np);
	return 0;
out_nomem:
	free(slab);
	free(nl);
	for (size_t i = 0; i < CJD_ARRAY_SIZE(lists); i++)
		free(lists[i]);
	return -ENOMEM;
}

int cjd_win_new(struct cjd_win **out, unsigned w, cjd_event_mask events, enum cjd_simd_tier tier,
		struct cjd_error *err)
{
	struct cjd_win *e;
	int rc;

	if (w < CJD_WINDOW_MIN || w > CJD_WINDOW_MAX)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "window %u is out of range (%d to %d)",
				     w, CJD_WINDOW_MIN, CJD_WINDOW_MAX);
	if ((rc = cjd_simd_resolve(tier, &tier, err)))
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	e->w = w;
	e->events = events;
	e->tier = tier;
	e->k = cjd_kernels(tier);
	for (int r = 0; r < CJD_RATIO__COUNT; r++) {
		const struct cjd_ratio_info *ri = cjd_ratio_info(r);
		if ((ri->events & events) != ri->events)
			continue;
		e->active[e->n_active++] = r;
		e->op_used[ri->num] = e->op_used[ri->den] = true;
	}
	e->index = cjd_strmap_new();
	e->host_index = cjd_strmap_new();
	if (!e->index || !e->host_index || grow(e, 64)) {
		cjd_win_free(e);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	*out = e;
	return 0;
}

void cjd_win_free(struct cjd_win *e)
{
	if (!e)
		return;
	free(e->slab);
	for (size_t l = 0; l < e->cap; l++) {
		free(e->lanes[l].cgroup);
		free(e->lanes[l].label);
	}
	free(e->lanes);
	free(e->free_lanes);
	free(e->pend);
	free(e->done);
	free(e->ready);
	cjd_strmap_free(e->index);
	free(e->key);
	cjd_strmap_free(e->host_index);
	for (size_t h = 0; h < e->n_hosts; h++)
		free(e->hosts[h].name);
	free(e->hosts);
	free(e);
}

unsigned cjd_win_w(const struct cjd_win *e)
{
	return e->w;
}

cjd_event_mask cjd_win_events(const struct cjd_win *e)
{
	return e->events;
}

enum cjd_simd_tier cjd_win_tier(const struct cjd_win *e)
{
	return e->tier;
}

/* ---- hosts and lane keys ---- */

static int host_id(struct cjd_win *e, const char *host, uint32_t *id)
{
	uint64_t *v;
	int rc = cjd_strmap_upsert(e->host_index, host, &v);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		*id = (uint32_t)(*v - 1);
		return 0;
	}
	if (cjd_array_reserve(e->hosts, e->host_cap, e->n_hosts + 1))
		goto out_undo;
	struct cjd_win_host *h = &e->hosts[e->n_hosts];
	memset(h, 0, sizeof(*h));
	if (!(h->name = strdup(host)))
		goto out_undo;
	*id = (uint32_t)e->n_hosts++;
	*v = *id + 1;
	return 0;
out_undo:
	cjd_strmap_remove(e->host_index, host);
	return -ENOMEM;
}

/* "<host length>:<host><cgroup>": unambiguous whatever bytes the names hold.
 * Built by hand: this runs for every sample, and snprintf cost a third of it. */
static const char *lane_key(struct cjd_win *e, const char *host, const char *cgroup)
{
	size_t hl = strlen(host), cl = strlen(cgroup), need = hl + cl + 24;
	char num[24];
	int nd = 0;

	if (need > e->key_cap) {
		char *k = realloc(e->key, need * 2);
		if (!k)
			return NULL;
		e->key = k;
		e->key_cap = need * 2;
	}
	size_t v = hl;
	do {
		num[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char *p = e->key;
	while (nd)
		*p++ = num[--nd];
	*p++ = ':';
	memcpy(p, host, hl);
	memcpy(p + hl, cgroup, cl + 1);
	return e->key;
}

struct cjd_win_lane *cjd_win_find(struct cjd_win *e, const char *host, const char *cgroup)
{
	const char *k = lane_key(e, host ? host : "", cgroup);
	uint64_t *v = k ? cjd_strmap_get(e->index, k) : NULL;

	return v ? &e->lanes[*v - 1] : NULL;
}

static int lane_new(struct cjd_win *e, const char *key, uint32_t host, const char *cgroup,
		    uint32_t *out)
{
	uint32_t l;

	if (e->n_free) {
		l = e->free_lanes[--e->n_free];
	} else {
		if (e->n_lanes == e->cap && grow(e, e->cap * 2))
			return -ENOMEM;
		l = (uint32_t)e->n_lanes++;
	}
	struct cjd_win_lane *ln = &e->lanes[l];
	memset(ln, 0, sizeof(*ln));
	ln->cgroup = strdup(cgroup);
	uint64_t *v;
	if (!ln->cgroup || cjd_strmap_upsert(e->index, key, &v) < 0) {
		free(ln->cgroup);
		ln->cgroup = NULL;
		e->free_lanes[e->n_free++] = l;
		return -ENOMEM;
	}
	*v = (uint64_t)l + 1;
	ln->id = l;
	ln->used = true;
	ln->host = host;
	ln->head = e->sync_head;
	*out = l;
	return 0;
}

/* ---- staging ---- */

static int set_label(struct cjd_win_lane *ln, const char *label)
{
	if (!label) {
		free(ln->label);
		ln->label = NULL;
		return 0;
	}
	if (ln->label && !strcmp(ln->label, label))
		return 0;
	char *c = strdup(label);
	if (!c)
		return -ENOMEM;
	free(ln->label);
	ln->label = c;
	return 0;
}

int cjd_win_stage(struct cjd_win *e, const struct cjd_sample *s, struct cjd_win_lane **lane,
		  bool *gap, struct cjd_error *err)
{
	const char *host = s->host ? s->host : "";
	uint32_t hid, l;
	int rc;

	*gap = false;
	if ((rc = cjd_sample_check_basic(s, err)))
		return rc;
	if ((s->events & e->events) != e->events) {
		char missing[256];
		cjd_event_mask_format(e->events & ~s->events, missing, sizeof(missing));
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "sample of cgroup \"%s\" lacks events the detector uses: %s",
				     s->cgroup, missing);
	}
	const char *key = lane_key(e, host, s->cgroup);
	if (!key)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	uint64_t *v = cjd_strmap_get(e->index, key);
	if (v) {
		l = (uint32_t)(*v - 1);
	} else {
		if ((rc = host_id(e, host, &hid)) || (rc = lane_new(e, key, hid, s->cgroup, &l)))
			return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	}
	struct cjd_win_lane *ln = &e->lanes[l];
	if (ln->pending)
		return -EAGAIN;
	if (ln->samples && s->t_ns <= ln->last_t_ns)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "t_ns %" PRIu64 " of cgroup \"%s\" is not after its previous "
				     "sample (t_ns %" PRIu64 ")",
				     s->t_ns, s->cgroup, ln->last_t_ns);
	if (set_label(ln, s->label))
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");

	uint64_t start = s->t_ns > s->dt_ns ? s->t_ns - s->dt_ns : 0;
	if (ln->samples && start > ln->last_t_ns + s->dt_ns / 2) {
		ln->fill = 0; /* a missing interval: the window must be consecutive */
		*gap = true;
	}
	if (!ln->samples)
		ln->first_t_ns = start;
	for (int o = 0; o < CJD_EV__COUNT; o++)
		if (e->op_used[o])
			e->stage[o][l] = (float)s->count[o];
	if (e->op_used[CJD_OP_DT])
		e->stage[CJD_OP_DT][l] = (float)s->dt_ns;
	ln->last_t_ns = s->t_ns;
	ln->dt_ns = s->dt_ns;
	ln->task_clock_ns = (s->events & CJD_EVMASK(CJD_EV_TASK_CLOCK)) ? s->count[CJD_EV_TASK_CLOCK]
									 : 0;
	ln->samples++;
	ln->pending = true;
	struct cjd_win_host *h = &e->hosts[ln->host];
	if (s->t_ns > h->now)
		h->now = s->t_ns;
	if (!h->min_dt_ns || s->dt_ns < h->min_dt_ns)
		h->min_dt_ns = s->dt_ns;
	if (e->n_pend == 0) {
		e->n_done = 0;
		e->n_ready = 0;
	}
	e->pend[e->n_pend++] = l;
	*lane = ln;
	return 0;
}

bool cjd_win_has_pending(const struct cjd_win *e)
{
	return e->n_pend > 0;
}

/* ---- the tick ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* True when every used lane in [lo, hi) is staged and at the same head: then
 * the ratio kernel can write the ring row directly. */
static bool in_step(const struct cjd_win *e, size_t lo, size_t hi, uint32_t *head)
{
	uint32_t h = e->lanes[e->pend[0]].head;

	for (size_t l = lo; l < hi; l++) {
		const struct cjd_win_lane *ln = &e->lanes[l];
		if (ln->used && (!ln->pending || ln->head != h))
			return false;
	}
	*head = h;
	return true;
}

void cjd_win_tick(struct cjd_win *e)
{
	const size_t pitch = e->pitch;
	const unsigned w = e->w;
	uint32_t h = 0;

	if (!e->n_pend)
		return;
	/* A collector visits cgroups in the same order every round, so lanes are
	 * usually staged in order already; sort only when they are not. */
	for (size_t p = 1; p < e->n_pend; p++) {
		if (e->pend[p] < e->pend[p - 1]) {
			qsort(e->pend, e->n_pend, sizeof(uint32_t), cmp_u32);
			break;
		}
	}
	/* The span of staged lanes, widened to whole vectors (lanes beyond
	 * n_lanes are zero padding inside cap). */
	size_t lo = e->pend[0] & ~(size_t)(LANE_ALIGN - 1);
	size_t hi = (e->pend[e->n_pend - 1] + LANE_ALIGN) & ~(size_t)(LANE_ALIGN - 1);
	if (hi > e->cap)
		hi = e->cap;
	size_t n = hi - lo;
	bool step = in_step(e, lo, hi, &h);
	const float *newest[CJD_RATIO__COUNT], *oldest[CJD_RATIO__COUNT];

	for (int i = 0; i < e->n_active; i++) {
		int r = e->active[i];
		const struct cjd_ratio_info *ri = cjd_ratio_info(r);
		float *dst = step ? e->ring[r] + (size_t)h * pitch : e->cur[r];
		e->k->ratio(e->stage[ri->num] + lo, e->stage[ri->den] + lo, ri->scale, ri->safe,
			    dst + lo, n);
		if (step) {
			newest[r] = dst;
			oldest[r] = e->ring[r] + (size_t)((h + 1) % w) * pitch;
			continue;
		}
		/* Lanes out of step: scatter each into its own slot. */
		for (size_t p = 0; p < e->n_pend; p++) {
			uint32_t l = e->pend[p];
			uint32_t hd = e->lanes[l].head;
			float v = e->cur[r][l];
			e->ring[r][(size_t)hd * pitch + l] = v;
			e->newest[r][l] = v;
			e->oldest[r][l] = e->ring[r][(size_t)((hd + 1) % w) * pitch + l];
		}
		newest[r] = e->newest[r];
		oldest[r] = e->oldest[r];
	}
	if (step)
		e->sync_head = (h + 1) % w;

	e->n_done = e->n_ready = 0;
	for (size_t p = 0; p < e->n_pend; p++) {
		uint32_t l = e->pend[p];
		struct cjd_win_lane *ln = &e->lanes[l];
		ln->head = (ln->head + 1) % w;
		if (ln->fill < w)
			ln->fill++;
		ln->pending = false;
		e->done[e->n_done++] = l;
		if (ln->fill == w) {
			e->ready[e->n_ready++] = l;
			ln->windows++;
		}
	}
	e->n_pend = 0;
	if (!e->n_ready)
		return;

	for (int i = 0; i < e->n_active; i++) {
		int r = e->active[i];
		float *out[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			out[k] = e->feat + (size_t)CJD_FEATURE(r, k) * pitch + lo;
		e->k->stats(e->ring[r] + lo, pitch, w, newest[r] + lo, oldest[r] + lo, out, n);
	}
}

size_t cjd_win_done(const struct cjd_win *e, const uint32_t **lanes)
{
	*lanes = e->done;
	return e->n_done;
}

size_t cjd_win_ready(const struct cjd_win *e, const uint32_t **lanes)
{
	*lanes = e->ready;
	return e->n_ready;
}

const float *cjd_win_features(const struct cjd_win *e, size_t *pitch)
{
	*pitch = e->pitch;
	return e->feat;
}

void cjd_win_lane_features(const struct cjd_win *e, uint32_t lane, float *out)
{
	for (size_t f = 0; f < CJD_FEATURE__COUNT; f++)
		out[f] = e->feat[f * e->pitch + lane];
}

bool cjd_win_lane_recompute(const struct cjd_win *e, uint32_t lane, float *out)
{
	const struct cjd_win_lane *ln;

	memset(out, 0, CJD_FEATURE__COUNT * sizeof(float));
	if (lane >= e->n_lanes || !(ln = &e->lanes[lane])->used || ln->fill < e->w)
		return false;
	/* The lane is not staged, so head is the oldest slot and head - 1 the newest. */
	size_t oldest = (size_t)ln->head * e->pitch, newest = (size_t)((ln->head + e->w - 1) % e->w) * e->pitch;
	for (int i = 0; i < e->n_active; i++) {
		int r = e->active[i];
		float *o[CJD_STAT__COUNT];
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			o[k] = out + CJD_FEATURE(r, k);
		cjd_fx_stats_scalar(e->ring[r] + lane, e->pitch, e->w, e->ring[r] + newest + lane,
				    e->ring[r] + oldest + lane, o, 1);
	}
	return true;
}

void cjd_win_describe(const struct cjd_win *e, const struct cjd_win_lane *ln,
		      const float *features, struct cjd_window *w)
{
	*w = (struct cjd_window){
		.host = cjd_win_host_name(e, ln),
		.cgroup = ln->cgroup,
		.label = ln->label,
		.t_ns = ln->last_t_ns,
		.dt_ns = ln->dt_ns,
		.task_clock_ns = ln->task_clock_ns,
		.index = ln->windows ? ln->windows - 1 : 0,
		.events = e->events,
		.features = features,
	};
}

struct cjd_win_lane *cjd_win_lanes(struct cjd_win *e, size_t *n)
{
	*n = e->n_lanes;
	return e->lanes;
}

float *cjd_win_out_row(struct cjd_win *e)
{
	return e->out;
}

void cjd_win_release(struct cjd_win *e, struct cjd_win_lane *ln)
{
	uint32_t lane = ln->id;

	if (!ln->used)
		return;
	const char *key = lane_key(e, e->hosts[ln->host].name, ln->cgroup);
	if (key)
		cjd_strmap_remove(e->index, key);
	if (ln->pending) {
		for (size_t p = 0; p < e->n_pend; p++) {
			if (e->pend[p] == lane) {
				e->pend[p] = e->pend[--e->n_pend];
				break;
			}
		}
	}
	free(ln->cgroup);
	free(ln->label);
	memset(ln, 0, sizeof(*ln));
	e->free_lanes[e->n_free++] = lane;
}

struct cjd_win_host *cjd_win_hosts(struct cjd_win *e, size_t *n)
{
	*n = e->n_hosts;
	return e->hosts;
}

const char *cjd_win_host_name(const struct cjd_win *e, const struct cjd_win_lane *ln)
{
	return ln->host < e->n_hosts ? e->hosts[ln->host].name : "";
}

void cjd_win_reset(struct cjd_win *e)
{
	for (size_t l = 0; l < e->n_lanes; l++)
		if (e->lanes[l].used)
			return; /* not empty: a caller bug, keep going safely */
	e->n_lanes = 0;
	e->n_free = 0;
	e->n_pend = e->n_done = e->n_ready = 0;
	e->sync_head = 0;
	for (size_t h = 0; h < e->n_hosts; h++) {
		char *name = e->hosts[h].name;
		memset(&e->hosts[h], 0, sizeof(e->hosts[h]));
		e->hosts[h].name = name;
	}
}
