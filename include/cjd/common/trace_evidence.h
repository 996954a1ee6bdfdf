/* Evidence records of a .cjdt trace: one inspection of one cgroup at one time (docs/trace-format.md). */
#ifndef CJD_COMMON_TRACE_EVIDENCE_H
#define CJD_COMMON_TRACE_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * {"type":"evidence","t_ns":N,"cgroup":"/name","inspection":{...}}: the JSON cjd inspect
 * --json prints (cjd_inspect_to_json), taken at t_ns (ns since the trace start, when the
 * inspection started) of cgroup (as the samples name it). "type" comes first, so that a
 * reader tells the record from a sample by its start.
 */
struct cjd_trace_evidence {
	uint64_t t_ns;
	const char *cgroup;     /* borrowed: valid until the reader's next call */
	json_t *inspection;     /* borrowed (the reader's reference): ditto; json_incref to keep */
};

/* Whether a trace line (no newline needed) is an evidence record rather than a sample. */
bool cjd_trace_is_evidence(const char *line, size_t len);

/*
 * Parses an evidence line strictly: exactly the four keys, t_ns an integer >= 0, cgroup a
 * string starting with '/', inspection an object. On success ev->cgroup and ev->inspection
 * point into *holder, a new JSON object the caller must json_decref when done with ev. Returns 0 or -EINVAL with err->column and
 * err->text set (file and line are the caller's).
 */
int cjd_trace_parse_evidence(const char *line, size_t len, struct cjd_trace_evidence *ev,
			     json_t **holder, struct cjd_error *err);

/* Renders ev as one line (with '\n') into a new malloc'd string (*out, length *n).
 * Returns 0, -EINVAL (cgroup not starting with '/', inspection not an object) or -ENOMEM. */
int cjd_trace_format_evidence(const struct cjd_trace_evidence *ev, char **out, size_t *n);

#endif
