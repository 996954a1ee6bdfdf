/* The collector: perf_event counters per cgroup, turned into one cjd_sample per cgroup per tick. */
#ifndef CJD_COLLECTOR_COLLECTOR_H
#define CJD_COLLECTOR_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/collector/cgroup_layout.h"
#include "cjd/collector/tracefs.h"
#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/loop.h"
#include "cjd/common/sample.h"

/*
 * Threading: a collector belongs to one thread, the one that runs the loop it
 * is attached to; no function below may be called from another thread at the
 * same time. Callbacks run on that thread, inside cjd_collector_tick(), and
 * may call cjd_collector_stats/info/mode/now/detach but not free.
 * Errors: functions that can fail return 0 or a negative errno, never exit.
 */

#define CJD_COLLECTOR_MIN_INTERVAL_NS 10000000ull          /* 10 ms */
#define CJD_COLLECTOR_DEFAULT_INTERVAL_NS 1000000000ull    /* 1 s */
#define CJD_COLLECTOR_DEFAULT_RESCAN_NS 2000000000ull      /* 2 s */
#define CJD_COLLECTOR_NO_RESCAN UINT64_MAX

/* Which of the cgroups that pass the globs are monitored. */
enum cjd_cgroup_select {
	CJD_SELECT_LEAVES = 0, /* leaf cgroups that hold processes (the default) */
	CJD_SELECT_ALL,        /* every cgroup, leaf or not, empty or not */
};

/*
 * What to collect. Zero-initialise and set what you need; every zero field
 * means its default. Strings and arrays are copied by cjd_collector_new().
 */
struct cjd_collector_config {
	uint64_t interval_ns; /* nominal tick; 0 = 1 s; below 10 ms is -EINVAL */
	uint64_t rescan_ns;   /* cgroup re-scan period; 0 = 2 s; CJD_COLLECTOR_NO_RESCAN */

	/* Globs (fnmatch, '*' crosses '/') on the cgroup path relative to the
	 * root, "/"-rooted ("/system.slice/docker-*.scope"). With no include,
	 * every cgroup passes; exclude wins over include. The root cgroup "/"
	 * is selected only by an include glob that is exactly "/": perf counts
	 * the idle task there, so its task-clock reads as every CPU busy. */
	const char *const *include;
	size_t n_include;
	const char *const *exclude;
	size_t n_exclude;
	enum cjd_cgroup_select select;

	/* Events to count. 0 = by mode: the countable hardware and software
	 * events where there is a PMU, the countable software events where
	 * there is none. An explicit mask must be countable here entirely, or
	 * cjd_collector_new() fails naming the event and why. */
	cjd_event_mask events;
	/* Per-event encoding overrides (NULL = the registry's): a raw libpfm4
	 * string such as "amd64_fam19h_zen4::RETIRED_INSTRUCTIONS", or
	 * "tracepoint:<subsystem>:<name>". */
	const char *encoding[CJD_EV__COUNT];

	const char *cgroup_root; /* hierarchy directory to walk; NULL = discover */
	/* Monitor only this cgroup (path relative to the root, "/x/y"), with
	 * no re-scans; samples name it `only_name` when set. Used by
	 * `cjd record -- CMD`. */
	const char *only_cgroup;
	const char *only_name;
	size_t max_cgroups; /* 0 = no limit; beyond it cgroups count as unmonitored */
	bool quiet;         /* no start-up info lines: the caller prints its own banner */
};

/* Counters of the collector's own health, for banners, logs and tests. */
struct cjd_collector_stats {
	size_t monitored;       /* cgroups with open counters */
	size_t unmonitored;     /* selected but not opened: fd limit, max_cgroups, errors */
	size_t fds;             /* perf fds open now */
	size_t fds_per_cgroup;  /* events x CPUs (the fd budget is this x cgroups) */
	uint64_t fd_limit;      /* RLIMIT_NOFILE soft limit after raising it */
	unsigned cpus;          /* online CPUs counted on */
	uint64_t ticks;         /* ticks taken */
	uint64_t last_tick_ns;  /* t_ns of the last tick (0 before the first) */
	uint64_t missed_ticks;  /* timer expirations folded into a later tick (loop was late) */
	uint64_t rescans;       /* cgroup tree walks done */
	uint64_t samples;       /* samples emitted */
	uint64_t dropped;       /* samples lost to read errors (each one is logged) */
	uint64_t gone;          /* monitored cgroups that disappeared */
};

/* Facts about the collection, for trace headers and banners. Strings live
 * as long as the collector. */
struct cjd_collector_info {
	enum cjd_mode mode;
	const char *mode_reason;   /* one line: why this mode ("no hardware PMU: ...") */
	cjd_event_mask events;     /* what every sample carries */
	uint64_t interval_ns;
	unsigned cpus;
	const char *cgroup_root;   /* directory walked */
	int cgroup_version;        /* 1 or 2 */
	const char *pmu;           /* core PMU name from libpfm4, "" when none */
	const char *backend;       /* "perf" */
	unsigned groups;           /* perf event groups per (cgroup, CPU) */
	const struct cjd_cgroup_layout *layout; /* v2/hybrid/v1, systemd, container driver */
	const struct cjd_tracefs *tracefs;      /* found, mounted by the collector, or missing */
	const char *why_not[CJD_EV__COUNT];     /* events not counted: why ("" or the probe's
						 * reason); NULL for the events counted */
};

/*
 * One tick: every monitored cgroup's sample, all with the same t_ns. The
 * array and its strings are valid only during the call. Called exactly once
 * per tick, also when n == 0, so its return is the "tick done" point.
 * Samples: t_ns is ns since the collector was created (monotonic), dt_ns the
 * real elapsed time of this cgroup's interval (shorter for a cgroup first
 * counted mid-interval), counts are deltas scaled for multiplexing and
 * summed over CPUs, running[] the fraction of time counted.
 */
typedef void (*cjd_collector_samples_cb)(void *ctx, const struct cjd_sample *samples, size_t n);

/*
 * A monitored cgroup disappeared (removed, or replaced by a new cgroup at
 * the same path). `cgroup` is the name its samples carried; valid only
 * during the call. Called after the samples of the tick that noticed it.
 */
typedef void (*cjd_collector_gone_cb)(void *ctx, const char *cgroup, uint64_t t_ns);

/*
 * A cgroup is now monitored (found by a re-scan; those found at creation are
 * announced by cjd_collector_set_callbacks). Called before its first sample,
 * so the owner can learn what runs in it (container names) off the sample
 * path. `cgroup` is the name its samples will carry; valid during the call.
 */
typedef void (*cjd_collector_added_cb)(void *ctx, const char *cgroup);

struct cjd_collector_callbacks {
	cjd_collector_samples_cb samples; /* may be NULL */
	cjd_collector_gone_cb gone;       /* may be NULL */
	cjd_collector_added_cb added;     /* may be NULL */
	void *ctx;
};

struct cjd_collector;

/*
 * Creates a collector: mounts tracefs when nothing has (cjd_probe_run; this
 * needs CAP_SYS_ADMIN, so create collectors before dropping privileges),
 * probes the PMU and permissions once, picks the mode,
 * finds the cgroup hierarchy, walks it, raises RLIMIT_NOFILE as far as
 * allowed and opens and enables the counters of the selected cgroups, so
 * counting starts now (t_ns 0). Unless cfg->quiet, logs what it did to tracefs,
 * the mode, the cgroup layout and the fd budget at info.
 *
 * Returns 0 with *out owned by the caller (cjd_collector_free), or a
 * negative errno with err filled with one line naming the fix:
 *   -EINVAL      bad config (interval below 10 ms, bad override string)
 *   -EACCES      not allowed to count CPU-wide (paranoid / capabilities)
 *   -ENOENT      no usable cgroup hierarchy, or only_cgroup does not exist
 *   -EOPNOTSUPP  a requested event cannot be counted here (named in err)
 *   -ENOMEM, or another errno from the first open
 * An empty selection is not an error: new cgroups are picked up by re-scans.
 * Not thread-safe: one collector belongs to one thread (the loop's).
 */
int cjd_collector_new(struct cjd_collector **out, const struct cjd_collector_config *cfg,
		      struct cjd_error *err);

/* Sets where samples and "added"/"gone" notices go (copied), and announces
 * every cgroup monitored so far to `added`. Call before ticking; without it,
 * ticks read and discard. */
void cjd_collector_set_callbacks(struct cjd_collector *c, const struct cjd_collector_callbacks *cbs);

/*
 * Takes one tick now: reads every monitored cgroup, emits the batch, and
 * re-scans the tree when a re-scan is due. For callers that drive time
 * themselves (tests, a final partial sample at exit); cjd_collector_attach()
 * calls it from a timer.
 * Returns 0, or -ENOENT when the only_cgroup is gone (nothing left to
 * monitor: the caller should stop). Read errors of single cgroups are
 * logged and counted, never returned.
 */
int cjd_collector_tick(struct cjd_collector *c);

/*
 * Ticks from a drift-free periodic timer on `loop` (the caller's: the
 * collector never owns a loop). Expirations the loop missed are counted in
 * stats.missed_ticks and folded into the next tick's dt_ns. When a tick
 * returns an error the timer is removed and `on_end` (may be NULL) is called
 * with it, so the owner can stop. Returns 0, -EBUSY when already attached, or
 * a negative errno from the loop.
 */
int cjd_collector_attach(struct cjd_collector *c, struct cjd_loop *loop,
			 void (*on_end)(void *ctx, int err), void *ctx);

/* Removes the timer (no-op when not attached). */
void cjd_collector_detach(struct cjd_collector *c);

/* The mode, and (when reason is non-NULL) why, e.g. "no hardware PMU (...)". */
enum cjd_mode cjd_collector_mode(const struct cjd_collector *c, const char **reason);

/* Facts for headers and banners (see the struct). */
void cjd_collector_info(const struct cjd_collector *c, struct cjd_collector_info *info);

/* Copies the current counters. */
void cjd_collector_stats(const struct cjd_collector *c, struct cjd_collector_stats *st);

/* Nanoseconds since the collector's t_ns origin, on the same clock as t_ns. */
uint64_t cjd_collector_now(const struct cjd_collector *c);

/* Detaches, closes every counter and frees. Accepts NULL. */
void cjd_collector_free(struct cjd_collector *c);

#endif
