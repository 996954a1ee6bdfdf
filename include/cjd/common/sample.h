/* The canonical sample: one cgroup over one interval, defined here once, read by everything else. */
#ifndef CJD_COMMON_SAMPLE_H
#define CJD_COMMON_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/common/event.h"

/*
 * One cgroup over one interval. Counts are indexed by enum cjd_event, not by
 * the order of a trace header; `events` says which entries are meaningful.
 * Counts are deltas over the interval, already scaled for multiplexing.
 *
 * Strings are borrowed: whoever fills a sample says how long they stay valid
 * (the trace reader: until its next read).
 */
struct cjd_sample {
	uint64_t t_ns;                  /* end of the interval, ns since trace start */
	uint64_t dt_ns;                 /* interval length, > 0 */
	const char *host;               /* NULL for "this host" */
	const char *cgroup;             /* path relative to the cgroup root, "/"-rooted */
	const char *label;              /* "benign[/name]" or "miner[/algo]", or NULL */
	cjd_event_mask events;          /* which counts are present */
	bool has_running;               /* running[] is meaningful */
	uint64_t count[CJD_EV__COUNT];  /* scaled delta per event */
	float running[CJD_EV__COUNT];   /* time_running / time_enabled, 0..1 */
};

struct cjd_error;

/*
 * What every consumer of a sample stream needs before it can file a sample: a cgroup and
 * a non-zero interval (a rate over dt = 0 is undefined). Returns 0, or -EINVAL with err
 * saying which.
 */
int cjd_sample_check_basic(const struct cjd_sample *s, struct cjd_error *err);

/* Resets a sample to "no events, no strings". */
void cjd_sample_clear(struct cjd_sample *s);

/* Checks a label against `benign[/name]` | `miner[/algorithm]`, where name is
 * 1..64 chars of [A-Za-z0-9._+-] and "/". Returns 0 or -EINVAL. */
int cjd_label_check(const char *label);

/* True for a label that starts with "miner". */
bool cjd_label_is_miner(const char *label);

#endif
