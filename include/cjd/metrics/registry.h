/* The pull-side metrics: per-cgroup series with bounded cardinality, agent-wide values, and immutable snapshots for scrapers. */
#ifndef CJD_METRICS_REGISTRY_H
#define CJD_METRICS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/alert.h"
#include "cjd/common/event.h"
#include "cjd/common/identity.h"
#include "cjd/publish/alert_status_json.h"

#define CJD_METRICS_DEFAULT_STALE_AFTER_NS (300ull * 1000000000ull)
#define CJD_METRICS_DEFAULT_MAX_CGROUPS 1000

/*
 * Thread-safety contract. The registry belongs to one thread (the agent's
 * loop): every function below except the snapshot ones is unsynchronised
 * and must be called from that thread only. It never renders text and never
 * blocks: cjd_metrics_registry_snapshot() copies what a scrape needs into an
 * immutable, reference-counted snapshot, which the owner hands to the HTTP
 * server (cjd_metrics_http_publish). Readers on other threads only ever see
 * whole snapshots; cjd_metrics_snapshot_ref/unref are thread-safe.
 */
struct cjd_metrics_registry;
struct cjd_metrics_snapshot;

struct cjd_metrics_registry_config {
	/* A cgroup that vanished keeps its series this long, so a scraper sees
	 * its final counters; then it leaves the output. 0: at the next pass. */
	uint64_t stale_after_ns;
	/* At most this many cgroups have series (each has at most 12). Beyond it,
	 * new cgroups are left out and counted, except that a suspect or firing
	 * one (or one with an alert) takes the place of a vanished one or, failing
	 * that, of the quiet one with the least CPU time. 0: the default. */
	size_t max_cgroups;
};

/* Agent-wide values, refreshed by the owner (the agent: at every heartbeat). */
struct cjd_metrics_agent {
	const char *version;         /* cjd_build_info{version} */
	enum cjd_mode mode;
	const char *model_name;      /* NULL: no model loaded */
	const char *model_version;
	const char *model_kind;      /* "gbdt", "logistic" */
	double uptime_seconds;
	double interval_seconds;     /* the sampling interval */
	double samples_per_second;   /* over the last heartbeat period */
	uint64_t samples;            /* samples taken by the collector */
	uint64_t samples_dropped;    /* samples lost to read errors */
	uint64_t samples_refused;    /* samples no model could score */
	uint64_t cgroups_monitored;
	uint64_t cgroups_unmonitored;
	uint64_t perf_fds;           /* perf_event fds open now */
	uint64_t perf_fds_per_cgroup;
	uint64_t fd_limit;           /* RLIMIT_NOFILE: the fd budget */
	uint64_t publish_dropped;    /* messages a subscriber is known to have missed */
	uint64_t journal_errors;
};

/* Returns 0 or -ENOMEM. */
int cjd_metrics_registry_new(struct cjd_metrics_registry **out,
			     const struct cjd_metrics_registry_config *cfg);
void cjd_metrics_registry_free(struct cjd_metrics_registry *r);

/* New limits (a reload). A lower cap takes effect as series leave. */
void cjd_metrics_registry_configure(struct cjd_metrics_registry *r,
				    const struct cjd_metrics_registry_config *cfg);

/*
 * One pass over every cgroup the detectors know: _begin, one _cgroup per
 * cgroup (fed the very struct the `metrics` ZeroMQ message is built from),
 * _end. A cgroup not seen during a pass counts as gone from then on, and a
 * gone cgroup's series are removed stale_after later. now_ns is
 * CLOCK_MONOTONIC (the caller's, so tests control time).
 */
void cjd_metrics_registry_begin(struct cjd_metrics_registry *r, uint64_t now_ns);
void cjd_metrics_registry_cgroup(struct cjd_metrics_registry *r, const struct cjd_metrics *m,
				 uint64_t now_ns);
void cjd_metrics_registry_end(struct cjd_metrics_registry *r, uint64_t now_ns);

/* A cgroup of host (NULL: this host) vanished now. */
void cjd_metrics_registry_gone(struct cjd_metrics_registry *r, const char *host,
			       const char *cgroup, uint64_t now_ns);

/*
 * An alert was published: counted agent-wide by action always, and on the
 * cgroup's series (created with id's names when it has none and there is
 * room). Firing, ongoing, frozen and throttled alerts set the cgroup's state
 * to firing, resolved and gone ones to ok, until the next pass says better.
 */
void cjd_metrics_registry_alert(struct cjd_metrics_registry *r, const struct cjd_alert *al,
				const struct cjd_identity *id, uint64_t now_ns);

/* Replaces the agent-wide values (strings are copied). */
void cjd_metrics_registry_agent(struct cjd_metrics_registry *r, const struct cjd_metrics_agent *a);

/*
 * A place for the evidence probes' costs: adds `inspections` runs of probe
 * `name` that used cpu_ns of CPU time. Declaring a probe with 0, 0 makes it
 * appear (at zero) before it ever runs. Returns 0 or -ENOMEM.
 */
int cjd_metrics_registry_probe(struct cjd_metrics_registry *r, const char *name,
			       uint64_t inspections, uint64_t cpu_ns);

/*
 * Agent-wide metrics a module adds without editing this library (render.c
 * defines the built-in ones): a label-free gauge set to value, or a counter
 * that grows by delta, each rendered after the built-in agent-wide families
 * in the order first declared, with help as its HELP text (copied when the
 * name is first seen; later calls may pass the same text or NULL).
 *
 * name: "cjd_" then [a-z0-9_], at most 100 characters, not ending in '_' or
 * in a suffix the formats reserve (_total, _info, _created, _count, _sum,
 * _bucket): a counter is named without its _total, which the rendering adds.
 * Returns 0; -EINVAL for such a name, for a name whose samples would clash
 * with a built-in family's, for a missing help on first use, for a NaN or
 * infinite value, or for a negative delta (counters never go down); -EEXIST
 * when name was declared as the other kind; -ENOMEM. On error nothing
 * changes. Loop thread only, like the rest of the registry.
 *
 * Example: cjd_metrics_registry_counter_add(r, "cjd_inspect_runs", "Suspects
 * inspected.", 1) renders `cjd_inspect_runs_total 1` (docs/metrics.md).
 */
int cjd_metrics_registry_gauge_set(struct cjd_metrics_registry *r, const char *name,
				   const char *help, double value);
int cjd_metrics_registry_counter_add(struct cjd_metrics_registry *r, const char *name,
				     const char *help, double delta);

/* True when something changed since the last snapshot. */
bool cjd_metrics_registry_dirty(const struct cjd_metrics_registry *r);

/* Counters of the registry itself (also in every snapshot). */
struct cjd_metrics_registry_stats {
	size_t cgroups;          /* cgroups with series now */
	size_t left_out;         /* cgroups of the last pass that had no room */
	uint64_t left_out_total; /* cgroup updates that found no room, since start */
	uint64_t evicted_total;  /* series removed early to make room for a suspect/firing cgroup */
};
void cjd_metrics_registry_stats(const struct cjd_metrics_registry *r,
				struct cjd_metrics_registry_stats *st);

/*
 * Copies the current state into a new immutable snapshot (reference count 1,
 * owned by the caller) and clears the dirty flag. Series are ordered by
 * host and cgroup path, so the output is stable. Returns 0 or -ENOMEM.
 */
int cjd_metrics_registry_snapshot(struct cjd_metrics_registry *r,
				  struct cjd_metrics_snapshot **out);

/* Takes another reference. Thread-safe. Returns s. */
struct cjd_metrics_snapshot *cjd_metrics_snapshot_ref(struct cjd_metrics_snapshot *s);

/* Drops a reference, freeing on the last. Thread-safe. Accepts NULL. */
void cjd_metrics_snapshot_unref(struct cjd_metrics_snapshot *s);

#endif
