/* The event registry and the collector's modes: the one table of events cjd knows by name. */
#ifndef CJD_COMMON_EVENT_H
#define CJD_COMMON_EVENT_H

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

#endif
