/* Group read buffers to scaled deltas: a pure parser and arithmetic that trust nothing they are given. */
#include <errno.h>
#include <string.h>

#include "internal.h"

int cjd_groupread_parse(const void *buf, size_t len, uint32_t expect_n,
			struct cjd_group_values *out)
{
	const unsigned char *b = buf;
	uint64_t nr;

	if (!buf || len < 3 * sizeof(uint64_t))
		return -EPROTO;
	memcpy(&nr, b, sizeof(nr)); /* memcpy: the buffer need not be aligned */
	if (nr != expect_n || nr > CJD_GROUP_MAX || len < (3 + nr) * sizeof(uint64_t))
		return -EPROTO;
	memcpy(&out->enabled, b + 8, sizeof(uint64_t));
	memcpy(&out->running, b + 16, sizeof(uint64_t));
	out->n = (uint32_t)nr;
	memcpy(out->value, b + 24, nr * sizeof(uint64_t));
	return 0;
}

uint64_t cjd_scale_count(uint64_t raw, uint64_t enabled, uint64_t running)
{
	if (running == 0)
		return 0;
	if (running >= enabled)
		return raw;
	unsigned __int128 v = (unsigned __int128)raw * enabled / running;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

void cjd_groupread_delta(const struct cjd_group_values *prev, const struct cjd_group_values *cur,
			 struct cjd_group_delta *d)
{
	bool reset = false;

	memset(d, 0, sizeof(*d));
	d->n = cur->n > CJD_GROUP_MAX ? CJD_GROUP_MAX : cur->n;
	if (prev && prev->n == cur->n) {
		/* The kernel's counts and times only grow; anything smaller means the
		 * counter started again from zero (PERF_EVENT_IOC_RESET, re-open). */
		reset = cur->enabled < prev->enabled || cur->running < prev->running;
		for (uint32_t i = 0; i < d->n && !reset; i++)
			reset = cur->value[i] < prev->value[i];
	}
	if (!prev || prev->n != cur->n || reset) {
		d->enabled = cur->enabled;
		d->running = cur->running;
		for (uint32_t i = 0; i < d->n; i++)
			d->raw[i] = cur->value[i];
	} else {
		d->enabled = cur->enabled - prev->enabled;
		d->running = cur->running - prev->running;
		for (uint32_t i = 0; i < d->n; i++)
			d->raw[i] = cur->value[i] - prev->value[i];
	}
	d->reset = reset;
	if (d->running > d->enabled)
		d->running = d->enabled; /* rounding in the kernel; never scale up */
	/* Enabled but never scheduled: the counts are unknown, not zero. */
	d->measured = !(d->enabled > 0 && d->running == 0);
	for (uint32_t i = 0; i < d->n; i++)
		d->scaled[i] = d->measured ? cjd_scale_count(d->raw[i], d->enabled, d->running) : 0;
	/* enabled == 0: the cgroup never ran on this CPU; the raw deltas stand (0). */
	if (d->enabled == 0)
		for (uint32_t i = 0; i < d->n; i++)
			d->scaled[i] = d->raw[i];
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	if (c == 0)
		return a;
	unsigned __int128 v = (unsigned __int128)a * b / c;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static float ratio(uint64_t running, uint64_t enabled)
{
	if (enabled == 0)
		return 1.0f; /* nothing ran, nothing was missed */
	if (running >= enabled)
		return 1.0f;
	return (float)((double)running / (double)enabled);
}

void cjd_groups_to_sample(const struct cjd_plan *p, const struct cjd_group_acc *acc,
			  struct cjd_sample *s)
{
	unsigned __int128 anum = 0;
	uint64_t aden = 0, arun = 0, aen = 0, amax = 0;
	uint64_t ref = 0;

	s->events = p->mask;
	s->has_running = true;
	memset(s->count, 0, sizeof(s->count));
	for (int i = 0; i < CJD_EV__COUNT; i++)
		s->running[i] = 0.0f;

	/* The pooled anchor estimate: each group's scaled anchor, weighted by how
	 * long the group was on the PMU. */
	for (unsigned g = 0; g < p->ngroups; g++) {
		int ap = p->g[g].anchor_pos;
		if (ap < 0)
			continue;
		anum += (unsigned __int128)acc[g].scaled[ap] * acc[g].running;
		aden += acc[g].running;
		arun += acc[g].running;
		aen += acc[g].enabled;
		if (acc[g].scaled[ap] > amax)
			amax = acc[g].scaled[ap];
	}
	if (aden) {
		unsigned __int128 v = anum / aden;
		ref = v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
	} else {
		ref = amax;
	}

	for (unsigned g = 0; g < p->ngroups; g++) {
		const struct cjd_plan_group *pg = &p->g[g];
		int ap = pg->anchor_pos;
		uint64_t mine = ap >= 0 ? acc[g].scaled[ap] : 0;

		for (unsigned k = 0; k < pg->n && k < CJD_GROUP_MAX; k++) {
			enum cjd_event ev = pg->ev[k];
			if ((int)k == ap)
				continue;
			/* Rescaling by ref/mine keeps count[ev] / count[anchor] equal to
			 * the ratio inside this group; without an anchor count, keep the
			 * time-scaled value. */
			s->count[ev] = ap >= 0 && mine ? mul_div(acc[g].scaled[k], ref, mine)
						       : acc[g].scaled[k];
			s->running[ev] = ratio(acc[g].running, acc[g].enabled);
		}
	}
	if (p->anchor >= 0) {
		s->count[p->anchor] = ref;
		s->running[p->anchor] = ratio(arun, aen);
	}
}
