/* The .cjdt trace format (JSON Lines, optionally gzip): its header line. */
#ifndef CJD_COMMON_TRACE_HEADER_H
#define CJD_COMMON_TRACE_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"

#define CJD_TRACE_VERSION 1
#define CJD_TRACE_MAX_LINE (1u << 20) /* longest accepted line, bytes */

/* The header line. The event order here is the order of `counts` on disk. */
struct cjd_trace_header {
	int version;
	char host[256];
	char source[32];       /* "perf", "simpmu", "replay", ... */
	uint64_t interval_ns;
	uint32_t cpus;
	int n_events;
	enum cjd_event events[CJD_EV__COUNT];
	char created[48];      /* RFC 3339 */
	char *meta;            /* compact JSON object text; owned; NULL means {} */
};

/* Fills h with version 1, this host's name, now as `created`, no events. */
void cjd_trace_header_init(struct cjd_trace_header *h, const char *source);

/* Frees h->meta. */
void cjd_trace_header_release(struct cjd_trace_header *h);

/* Deep copy (meta included). Returns 0 or -ENOMEM. */
int cjd_trace_header_copy(struct cjd_trace_header *dst, const struct cjd_trace_header *src);

/* Sets the event list from a mask, in registry order. */
void cjd_trace_header_set_events(struct cjd_trace_header *h, cjd_event_mask mask);

/* The events of h as a mask. */
cjd_event_mask cjd_trace_header_mask(const struct cjd_trace_header *h);

/* Sets h->meta from a compact JSON object text (copied). Returns 0, -EINVAL
 * if it is not one JSON object, or -ENOMEM. */
int cjd_trace_header_set_meta(struct cjd_trace_header *h, const char *json_object);

/* Parses a header line into h (h->meta is owned afterwards). Same error contract as
 * cjd_trace_parse_sample() (trace_line.h). */
int cjd_trace_parse_header(const char *line, size_t len, struct cjd_trace_header *h,
			   struct cjd_error *err);

#endif
