/* What the metrics library's files share: the snapshot a scrape renders. */
#ifndef CJD_METRICS_INTERNAL_H
#define CJD_METRICS_INTERNAL_H

#include <stdatomic.h>

#include "cjd/metrics/registry.h"

/* The detector's states as operators read them: idle and resolved are ok. */
enum cjd_metrics_state {
	CJD_METRICS_OK = 0,
	CJD_METRICS_SUSPECT,
	CJD_METRICS_FIRING,
	CJD_METRICS_STATE__COUNT
};

extern const char *const cjd_metrics_state_names[CJD_METRICS_STATE__COUNT];

/* What a cgroup's series say. */
struct cjd_metrics_values {
	double cpu_seconds;
	double cost_usd;
	bool has_score;
	float score;
	enum cjd_metrics_state state;
	uint64_t alerts[CJD_ALERT__COUNT];
};

/* One cgroup's series, as of the snapshot. */
struct cjd_metrics_row {
	const char *labels; /* escaped label pairs (cjd_om_label), never empty: cgroup is always there */
	struct cjd_metrics_values v;
};

struct cjd_metrics_probe_row {
	const char *name;
	uint64_t inspections;
	double cpu_seconds;
};

/* An agent-wide metric added through cjd_metrics_registry_gauge_set/_counter_add. */
struct cjd_metrics_extra_row {
	const char *name;
	const char *help;
	bool counter;
	double value;
};

/* Immutable once built; freed with its last reference. Strings live in `arena`. */
struct cjd_metrics_snapshot {
	atomic_uint refs;
	struct cjd_metrics_agent agent;
	uint64_t alerts[CJD_ALERT__COUNT]; /* agent-wide, by action */
	struct cjd_metrics_registry_stats st;
	size_t max_cgroups;
	size_t n_rows;
	struct cjd_metrics_row *rows;
	size_t n_probes;
	struct cjd_metrics_probe_row *probes;
	size_t n_extras;
	struct cjd_metrics_extra_row *extras;
	char *arena;
};

/*
 * Whether an added metric called name (a counter: its samples are
 * name_total) would share a family or sample name with a built-in family:
 * 1 if so, 0 if not, -ENOMEM. Found by rendering an empty snapshot, so the
 * built-in names are written down once, in render.c.
 */
int cjd_metrics_render_clashes(const char *name, bool counter);

#endif
