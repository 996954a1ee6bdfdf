/* The agent's inspection worker: runs the evidence probes on queued cgroups on a thread of its own, within a CPU budget, and measures what they cost. */
#ifndef CJD_DAEMON_EVIDENCE_WORKER_H
#define CJD_DAEMON_EVIDENCE_WORKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * Inspections never run on the sample path: the loop submits a cgroup and
 * goes on; one worker thread runs cjd_inspect_run() on it (about 2.5 s with
 * every probe, 0.6 s with the cheap ones) and queues the result, which the
 * loop collects with cjd_evworker_poll().
 *
 * The budget: after an inspection that cost C of CPU time (the worker
 * thread's own, plus the fpstate probe's tracer threads), the next one
 * starts no sooner than C / cpu_budget after this one started, so over any
 * run of inspections the probes use at most cpu_budget of one CPU. The
 * fpstate probe's pause per look is capped at max_pause_ns. Both are
 * measured and reported by cjd_evworker_stats().
 *
 * Threading: every function is called from the owner's thread (the loop);
 * the worker thread is internal. Not for use from several owner threads.
 */
struct cjd_evworker;

enum cjd_evjob_kind {
	CJD_EVJOB_SUSPECT, /* screening flagged it: every probe */
	CJD_EVJOB_SWEEP,   /* busy but not flagged: the cheap probes only */
};

struct cjd_evworker_config {
	const char *cgroup_root;   /* the hierarchy cgroup names are relative to (copied) */
	double cpu_budget;         /* share of one CPU, (0, 1] */
	uint64_t max_pause_ns;     /* fpstate: one look at most about this (0: the probe's default) */
	unsigned probes[2];        /* probe masks per kind (1u << CJD_PROBE_x); 0: every probe */
	size_t max_queue;          /* jobs waiting, at most (0: 64) */
};

/* A finished inspection, handed to the poll callback (borrowed for the call). */
struct cjd_evresult {
	const char *cgroup;          /* as submitted */
	enum cjd_evjob_kind kind;
	int rc;                      /* 0, or why no probe ran (-ENOENT: the cgroup is gone) */
	const char *error;           /* rc != 0: in words */
	json_t *inspection;          /* cjd_inspect_to_json(), also for -ENODATA (no probe could
				      * run: the statuses say why); else NULL. The callback may
				      * take a reference. */
	uint64_t done_mono_ns;       /* CLOCK_MONOTONIC when it finished */
	uint64_t elapsed_ns;         /* wall time of the inspection */
	uint64_t cpu_ns;             /* its CPU cost, as the budget counts it */
	uint64_t pause_max_ns;       /* fpstate: the longest look (0: no look) */
	size_t looks;                /* fpstate: looks taken */
};

typedef void (*cjd_evresult_cb)(const struct cjd_evresult *r, void *ctx);

struct cjd_evworker_stats {
	uint64_t inspections;        /* finished, by kind below */
	uint64_t suspect, sweep;
	uint64_t failed;             /* of them, no probe ran (the cgroup was gone, say) */
	uint64_t refused;            /* submissions refused: the queue was full */
	size_t queued;               /* waiting now */
	uint64_t cpu_ns;             /* CPU time of every inspection so far */
	double cpu_share;            /* cpu_ns over the worker's lifetime, in CPUs */
	uint64_t looks;              /* fpstate looks, all inspections */
	uint64_t pause_max_ns;       /* the longest look of any inspection */
	uint64_t pause_total_ns;     /* the sum of every look's pause */
	uint64_t held_max_ns;        /* the longest time a thread was held stopped */
	uint64_t wait_ns;            /* time the worker waited to stay within the budget */
};

/* Starts the worker thread. Returns 0, -EINVAL (bad config, err says which), -ENOMEM or -errno. */
int cjd_evworker_new(struct cjd_evworker **out, const struct cjd_evworker_config *cfg,
		     struct cjd_error *err);

/* Stops the worker (an inspection under way finishes first: a few seconds at most),
 * drops what is queued or unpolled. NULL is allowed. */
void cjd_evworker_free(struct cjd_evworker *w);

/*
 * Queues an inspection of cgroup (relative to the root, as alerts name it).
 * A cgroup already queued is not queued twice; a SUSPECT submission
 * upgrades a queued SWEEP one. Returns 0, -EEXIST (already queued), or
 * -ENOSPC (queue full: counted in refused).
 */
int cjd_evworker_submit(struct cjd_evworker *w, const char *cgroup, enum cjd_evjob_kind kind);

/* Whether cgroup is queued or being inspected now. */
bool cjd_evworker_pending(struct cjd_evworker *w, const char *cgroup);

/* Hands every finished inspection to cb, oldest first, on the caller's thread. Returns how many. */
size_t cjd_evworker_poll(struct cjd_evworker *w, cjd_evresult_cb cb, void *ctx);

void cjd_evworker_stats(struct cjd_evworker *w, struct cjd_evworker_stats *st);

#endif
