/* Sums consecutive samples of each cgroup into samples of a longer interval (see cjd/common/resample.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/resample.h"
#include "cjd/common/strmap.h"

struct lane {
	char *host; /* NULL: this host */
	char *cgroup;
	char *label; /* of the samples being summed; NULL: none */
	bool seen;   /* a sample arrived since the last finish */
	uint64_t last_t_ns;
	/* the partial sum */
	size_t n;
	uint64_t start_ns, dt_sum;
	cjd_event_mask events;
	bool has_running;
	uint64_t count[CJD_EV__COUNT];
	double running_w[CJD_EV__COUNT]; /* sum of running * dt */
};

struct cjd_resampler {
	uint64_t interval_ns;
	cjd_resample_cb cb;
	void *ctx;
	struct cjd_strmap *index; /* "host\x1f" "cgroup" -> lane + 1 */
	struct lane *lanes;
	size_t n_lanes, cap;
	uint64_t discarded;
	char *key;
	size_t key_cap;
};

int cjd_resampler_new(struct cjd_resampler **out, uint64_t interval_ns, cjd_resample_cb cb,
		      void *ctx)
{
	struct cjd_resampler *r;

	if (interval_ns == 0 || !cb)
		return -EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	r->interval_ns = interval_ns;
	r->cb = cb;
	r->ctx = ctx;
	if (!(r->index = cjd_strmap_new())) {
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

static void lane_release(struct lane *ln)
{
	free(ln->host);
	free(ln->cgroup);
	free(ln->label);
}

void cjd_resampler_free(struct cjd_resampler *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_lanes; i++)
		lane_release(&r->lanes[i]);
	free(r->lanes);
	cjd_strmap_free(r->index);
	free(r->key);
	free(r);
}

uint64_t cjd_resampler_discarded(const struct cjd_resampler *r)
{
	return r->discarded;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *c;

	if (!s)
		return NULL;
	if (!(c = strdup(s)))
		*oom = true;
	return c;
}

/* The lane of (host, cgroup), created on first sight. */
static int lane_of(struct cjd_resampler *r, const struct cjd_sample *s, struct lane **out)
{
	const char *host = s->host ? s->host : "";
	size_t need = strlen(host) + strlen(s->cgroup) + 2;
	uint64_t *v;
	bool oom = false;
	int rc;

	if (!r->index)
		return -ENOMEM; /* a finish that could not allocate */
	if (cjd_array_reserve(r->key, r->key_cap, need))
		return -ENOMEM;
	/* \x1f cannot occur in a cgroup path or host name written by cjd */
	snprintf(r->key, r->key_cap, "%s\x1f%s", host, s->cgroup);
	if ((rc = cjd_strmap_upsert(r->index, r->key, &v)) < 0)
		return rc;
	if (rc == 0) {
		*out = &r->lanes[*v - 1];
		return 0;
	}
	if (cjd_array_reserve(r->lanes, r->cap, r->n_lanes + 1)) {
		cjd_strmap_remove(r->index, r->key);
		return -ENOMEM;
	}
	struct lane *ln = &r->lanes[r->n_lanes];
	memset(ln, 0, sizeof(*ln));
	ln->host = dup_or_null(s->host, &oom);
	ln->cgroup = dup_or_null(s->cgroup, &oom);
	if (oom) {
		lane_release(ln);
		cjd_strmap_remove(r->index, r->key);
		return -ENOMEM;
	}
	*v = ++r->n_lanes;
	*out = ln;
	return 0;
}

/* Emits the partial sum when it covers enough, else counts it as discarded;
 * either way the lane starts a new sum. full: the sum reached the target. */
static int close_sum(struct cjd_resampler *r, struct lane *ln, bool full)
{
	int rc = 0;

	if (ln->n == 0)
		return 0;
	if (full || 2 * ln->dt_sum >= r->interval_ns) {
		struct cjd_sample o;
		cjd_sample_clear(&o);
		o.t_ns = ln->last_t_ns;
		o.dt_ns = ln->last_t_ns - ln->start_ns;
		if (o.dt_ns == 0)
			o.dt_ns = ln->dt_sum; /* samples that start at 0: keep dt > 0 */
		o.host = ln->host;
		o.cgroup = ln->cgroup;
		o.label = ln->label;
		o.events = ln->events;
		o.has_running = ln->has_running;
		memcpy(o.count, ln->count, sizeof(o.count));
		for (int e = 0; e < CJD_EV__COUNT; e++)
			o.running[e] = ln->has_running && ln->dt_sum
					   ? (float)(ln->running_w[e] / (double)ln->dt_sum)
					   : 0.0f;
		rc = r->cb(&o, r->ctx);
	} else {
		r->discarded += ln->n;
	}
	ln->n = 0;
	ln->dt_sum = 0;
	memset(ln->count, 0, sizeof(ln->count));
	memset(ln->running_w, 0, sizeof(ln->running_w));
	return rc;
}

static bool same_label(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int cjd_resampler_push(struct cjd_resampler *r, const struct cjd_sample *s,
		       struct cjd_error *err)
{
	struct lane *ln;
	int rc;

	if ((rc = cjd_sample_check_basic(s, err)))
		return rc;
	if ((rc = lane_of(r, s, &ln)))
		return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	if (ln->seen && s->t_ns <= ln->last_t_ns)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "t_ns %" PRIu64 " of cgroup \"%s\" is not after its previous "
				     "sample (t_ns %" PRIu64 ")",
				     s->t_ns, s->cgroup, ln->last_t_ns);
	if (ln->n && s->events != ln->events)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "sample of cgroup \"%s\" at t_ns %" PRIu64
				     " has other events than the samples before it",
				     s->cgroup, s->t_ns);
	uint64_t start = s->t_ns > s->dt_ns ? s->t_ns - s->dt_ns : 0;
	bool gap = ln->seen && start > ln->last_t_ns + s->dt_ns / 2;
	if (ln->n && (gap || !same_label(ln->label, s->label)) && (rc = close_sum(r, ln, false)))
		return rc;
	if (ln->n == 0) {
		if (!same_label(ln->label, s->label)) {
			char *c = NULL;
			if (s->label && !(c = strdup(s->label)))
				return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
			free(ln->label);
			ln->label = c;
		}
		ln->start_ns = start;
		ln->events = s->events;
		ln->has_running = s->has_running;
	}
	ln->n++;
	ln->seen = true;
	ln->last_t_ns = s->t_ns;
	ln->dt_sum += s->dt_ns;
	ln->has_running = ln->has_running && s->has_running;
	for (int e = 0; e < CJD_EV__COUNT; e++) {
		if (!(s->events & CJD_EVMASK(e)))
			continue;
		ln->count[e] = ln->count[e] > UINT64_MAX - s->count[e] ? UINT64_MAX
									: ln->count[e] + s->count[e];
		if (s->has_running)
			ln->running_w[e] += (double)s->running[e] * (double)s->dt_ns;
	}
	/* Full when what is summed reaches the target within half this sample's
	 * interval: ticks jitter, and 9 x 100 ms + 99.8 ms is a second. */
	uint64_t covered = ln->last_t_ns - ln->start_ns;
	if (covered + s->dt_ns / 2 >= r->interval_ns)
		return close_sum(r, ln, true);
	return 0;
}

int cjd_resampler_finish(struct cjd_resampler *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->n_lanes && !rc; i++)
		rc = close_sum(r, &r->lanes[i], false);
	for (size_t i = 0; i < r->n_lanes; i++)
		lane_release(&r->lanes[i]);
	r->n_lanes = 0;
	cjd_strmap_free(r->index);
	r->index = cjd_strmap_new();
	if (!r->index && !rc)
		rc = -ENOMEM;
	return rc;
}
