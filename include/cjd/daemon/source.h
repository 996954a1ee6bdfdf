/* A collector ticking on its own event loop: the wiring `cjd run`, `cjd collect` and `cjd record` share. */
#ifndef CJD_DAEMON_SOURCE_H
#define CJD_DAEMON_SOURCE_H

#include <stdbool.h>

#include "cjd/collector/collector.h"
#include "cjd/common/error.h"
#include "cjd/common/loop.h"
#include "cjd/daemon/config.h"

/*
 * A source owns a collector and the event loop it ticks on. The owner adds
 * what else runs on that loop (publisher timers, a child's pidfd, more
 * signals) through cjd_source_loop(), then calls cjd_source_run().
 *
 *   cjd_source_config(cfg, &cc, &err);     collector.* keys (or fill cc by hand)
 *   cjd_source_new(&src, &cc, &err);       counting starts now
 *   ... build what consumes the samples, from cjd_source_info() ...
 *   cjd_source_start(src, &callbacks, true);
 *   cjd_source_run(src);                   until SIGTERM/SIGINT or a failure
 *   cjd_source_free(src);
 *
 * Single-threaded, as the collector: everything runs on the thread that
 * calls cjd_source_run(), callbacks included.
 */
struct cjd_source;

/* Where samples and cgroup notices go; any may be NULL. */
struct cjd_source_callbacks {
	cjd_collector_samples_cb samples; /* one call per tick, also with n == 0 */
	cjd_collector_added_cb added;     /* a cgroup is monitored now */
	cjd_collector_gone_cb gone;       /* a monitored cgroup vanished */
	/* The collector stopped ticking with a negative errno (its only cgroup
	 * went away, ...). NULL: log "collector stopped: <why>" and stop the
	 * loop, so that cjd_source_run() returns that error. */
	void (*ended)(void *ctx, int err);
	void *ctx;
};

/*
 * The collector.* keys of cfg (interval, rescan, include, exclude, events,
 * cgroup_root) as a collector configuration; strings stay borrowed from cfg.
 * Fields the configuration has no key for stay zero (their defaults).
 * Returns 0, or -EINVAL with err naming an unknown event of collector.events.
 */
int cjd_source_config(const struct cjd_config *cfg, struct cjd_collector_config *cc,
		      struct cjd_error *err);

/*
 * Creates the collector (it mounts tracefs if needed, opens and enables the
 * counters: counting starts now) and the event loop, without ticking yet.
 * Returns 0, or a negative errno with err holding one line: -EINVAL when the
 * configuration is at fault (an interval or override the collector refuses,
 * events this host cannot count), another errno for the host (-EACCES: not
 * allowed to count, -ENOENT: no cgroup hierarchy, -ENOMEM, ...).
 */
int cjd_source_new(struct cjd_source **out, const struct cjd_collector_config *cc,
		   struct cjd_error *err);

/*
 * Sets the callbacks (cb->added hears of every cgroup monitored so far, now)
 * and starts ticking on the loop. With stop_on_signals, SIGTERM and SIGINT
 * stop the loop ("<signal>: stopping" at info); otherwise the owner handles
 * them. Returns 0 or a negative errno from the loop (nothing then ticks).
 */
int cjd_source_start(struct cjd_source *s, const struct cjd_source_callbacks *cb,
		     bool stop_on_signals);

/*
 * Runs the loop until it is stopped. Returns 0 (a signal, or the owner
 * stopped it), or the negative errno the collector stopped ticking with or
 * the loop failed with (logged); never -EINVAL, as these are runtime.
 */
int cjd_source_run(struct cjd_source *s);

/* Stops the loop (from a callback, say): cjd_source_run() returns 0. */
void cjd_source_stop(struct cjd_source *s);

/* The loop, for the owner's own timers, fds and signals. */
struct cjd_loop *cjd_source_loop(const struct cjd_source *s);

/* The collector, for its stats, info and mode (never to free). */
struct cjd_collector *cjd_source_collector(const struct cjd_source *s);

/* Stops ticking, closes every counter and the loop. Accepts NULL. */
void cjd_source_free(struct cjd_source *s);

#endif
