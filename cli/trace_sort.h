/* `cjd trace cat --sort`: samples held in memory, then written in time order. */
#ifndef CJD_CLI_TRACE_SORT_H
#define CJD_CLI_TRACE_SORT_H

#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/common/trace_writer.h"

/*
 * Traces joined by `cjd trace cat` hold one cgroup after the other; the
 * aggregation across cgroups (detector/aggregate.c) needs the samples of a
 * round together, as a live collector delivers them. This holds every sample
 * (a copy, ~200 bytes each, strings shared) and writes them sorted by t_ns,
 * stably (samples of one time keep their order). Not thread-safe.
 */
struct trace_sort;

struct trace_sort *trace_sort_new(void);
void trace_sort_free(struct trace_sort *ts); /* accepts NULL */

/* Copies s. Returns 0 or -ENOMEM. */
int trace_sort_add(struct trace_sort *ts, const struct cjd_sample *s);

/* Writes every sample held, in time order. Returns 0 or the writer's error. */
int trace_sort_write(struct trace_sort *ts, struct cjd_trace_writer *w, struct cjd_error *err);

#endif
