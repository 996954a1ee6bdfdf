/* `cjd trace cat --sort`: samples held in memory, then written in time order. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/strmap.h"
#include "trace_sort.h"

struct held {
	struct cjd_sample s; /* strings point into the interned set */
	size_t seq;          /* arrival order: the sort is stable */
};

struct trace_sort {
	struct held *v;
	size_t n, cap;
	struct cjd_strmap *strings; /* interned host, cgroup and label names -> index + 1 */
	char **owned;
	size_t n_owned, cap_owned;
};

struct trace_sort *trace_sort_new(void)
{
	struct trace_sort *ts = calloc(1, sizeof(*ts));

	if (ts && !(ts->strings = cjd_strmap_new())) {
		free(ts);
		return NULL;
	}
	return ts;
}

void trace_sort_free(struct trace_sort *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n_owned; i++)
		free(ts->owned[i]);
	free(ts->owned);
	free(ts->v);
	cjd_strmap_free(ts->strings);
	free(ts);
}

/* One copy per distinct string: a trace names few cgroups many times. */
static int intern(struct trace_sort *ts, const char *s, const char **out)
{
	uint64_t *v;
	int rc;

	if (!s) {
		*out = NULL;
		return 0;
	}
	if ((rc = cjd_strmap_upsert(ts->strings, s, &v)) < 0)
		return rc;
	if (rc == 0) {
		*out = ts->owned[*v - 1];
		return 0;
	}
	if (cjd_array_reserve(ts->owned, ts->cap_owned, ts->n_owned + 1))
		goto out_undo;
	if (!(ts->owned[ts->n_owned] = strdup(s)))
		goto out_undo;
	*v = ++ts->n_owned;
	*out = ts->owned[*v - 1];
	return 0;
out_undo:
	cjd_strmap_remove(ts->strings, s);
	return -ENOMEM;
}

int trace_sort_add(struct trace_sort *ts, const struct cjd_sample *s)
{
	if (cjd_array_reserve(ts->v, ts->cap, ts->n + 1))
		return -ENOMEM;
	struct held *h = &ts->v[ts->n];
	h->s = *s;
	h->seq = ts->n;
	if (intern(ts, s->host, &h->s.host) || intern(ts, s->cgroup, &h->s.cgroup) ||
	    intern(ts, s->label, &h->s.label))
		return -ENOMEM;
	ts->n++;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->s.t_ns != y->s.t_ns)
		return x->s.t_ns < y->s.t_ns ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

int trace_sort_write(struct trace_sort *ts, struct cjd_trace_writer *w, struct cjd_error *err)
{
	int rc;

	qsort(ts->v, ts->n, sizeof(*ts->v), by_time);
	for (size_t i = 0; i < ts->n; i++)
		if ((rc = cjd_trace_writer_write(w, &ts->v[i].s, err)))
			return rc;
	return 0;
}
