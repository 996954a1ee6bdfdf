/* The canonical sample and the event registry: defined here once, read by everything else. */
#ifndef CJD_SAMPLE_H
#define CJD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The event registry. The enum order is the registry order; it is also the
 * bit position of an event in a cjd_event_mask. Appending is compatible,
 * reordering is not (split-mode framing carries masks).
 */
enum cjd_event {
	CJD_EV_CYCLES = 0,
	CJD_EV_INSTRUCTIONS,
	CJD_EV_BRANCHES,
	CJD_EV_BRANCH_MISSES,
	CJD_EV_CACHE_REFERENCES,
	CJD_EV_CACHE_MISSES,
	CJD_EV_L1D_LOAD_MISSES,
	CJD_EV_LLC_LOAD_MISSES,
	CJD_EV_TASK_CLOCK,
	CJD_EV_CONTEXT_SWITCHES,
	CJD_EV_CPU_MIGRATIONS,
	CJD_EV_PAGE_FAULTS,
	CJD_EV_SYSCALLS,
	CJD_EV__COUNT
};

enum cjd_event_kind {
	CJD_EVK_HARDWARE = 0,
	CJD_EVK_SOFTWARE,
	CJD_EVK_TRACEPOINT,
};

/* One row of the registry. All strings are static. */
struct cjd_event_info {
	const char *name;        /* canonical name, as written in traces */
	enum cjd_event_kind kind;
	const char *unit;        /* "count" or "ns" */
	const char *encoding;    /* libpfm4 string, or "tracepoint:<subsys>:<name>" */
	const char *description; /* one line, for `cjd events` */
};

/* A set of events; bit i is enum cjd_event i. */
typedef uint32_t cjd_event_mask;

#define CJD_EVMASK(ev) ((cjd_event_mask)1u << (ev))
#define CJD_EVMASK_ALL ((cjd_event_mask)((1u << CJD_EV__COUNT) - 1u))

/* The hardware set and the software set, as modes of the collector. */
#define CJD_EVMASK_HARDWARE                                                                        \
	(CJD_EVMASK(CJD_EV_CYCLES) | CJD_EVMASK(CJD_EV_INSTRUCTIONS) | CJD_EVMASK(CJD_EV_BRANCHES) | \
	 CJD_EVMASK(CJD_EV_BRANCH_MISSES) | CJD_EVMASK(CJD_EV_CACHE_REFERENCES) |                  \
	 CJD_EVMASK(CJD_EV_CACHE_MISSES) | CJD_EVMASK(CJD_EV_L1D_LOAD_MISSES) |                    \
	 CJD_EVMASK(CJD_EV_LLC_LOAD_MISSES))
#define CJD_EVMASK_SOFTWARE                                                                     \
	(CJD_EVMASK(CJD_EV_TASK_CLOCK) | CJD_EVMASK(CJD_EV_CONTEXT_SWITCHES) |                   \
	 CJD_EVMASK(CJD_EV_CPU_MIGRATIONS) | CJD_EVMASK(CJD_EV_PAGE_FAULTS) |                    \
	 CJD_EVMASK(CJD_EV_SYSCALLS))

/*
 * What the counters can tell: hardware mode has the PMU events (IPC, miss
 * rates); software mode, on hosts without a PMU, only the software events.
 */
enum cjd_mode {
	CJD_MODE_HARDWARE = 0,
	CJD_MODE_SOFTWARE,
};

/* "hardware" / "software" */
const char *cjd_mode_name(enum cjd_mode mode);

/* Hardware when mask holds both cycles and instructions, software otherwise. */
enum cjd_mode cjd_mode_of(cjd_event_mask mask);

/* Registry row for ev; NULL when ev is out of range. */
const struct cjd_event_info *cjd_event_info(enum cjd_event ev);

/* Looks up a canonical name. Returns the event (>= 0) or -ENOENT. */
int cjd_event_lookup(const char *name);

/* Writes "a,b,c" for the events in mask, in registry order, into buf.
 * Returns the length it needed (like snprintf). */
size_t cjd_event_mask_format(cjd_event_mask mask, char *buf, size_t len);

/* Parses a comma-separated list of canonical names into *mask.
 * Returns 0, or -ENOENT with the offending name copied into bad (if given). */
int cjd_event_mask_parse(const char *list, cjd_event_mask *mask, char *bad, size_t badlen);

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
