/* The alert as a C struct: what the detector decides, before anyone serialises it. */
#ifndef CJD_COMMON_ALERT_H
#define CJD_COMMON_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/common/event.h"

/*
 * event.action of the alert schema (docs/alerts.md). The detector's state
 * machine emits FIRING, ONGOING, RESOLVED and GONE; the daemon's response
 * actions emit FROZEN and THROTTLED; the aggregation across cgroups
 * (detector/aggregate.c) emits the AGG_ ones, about a group of cgroups
 * (cjd_alert.group set) scored as one; the agent's evidence stage emits EVIDENCE.
 */
enum cjd_alert_action {
	CJD_ALERT_FIRING = 0,
	CJD_ALERT_ONGOING,
	CJD_ALERT_RESOLVED,
	CJD_ALERT_GONE, /* the cgroup vanished while firing */
	CJD_ALERT_FROZEN,
	CJD_ALERT_THROTTLED,
	CJD_ALERT_AGG_FIRING, /* "aggregate_firing": a group of cgroups, none firing alone */
	CJD_ALERT_AGG_ONGOING,
	CJD_ALERT_AGG_RESOLVED,
	CJD_ALERT_AGG_GONE, /* the group fell below its minimum of members while firing */
	CJD_ALERT_EVIDENCE, /* an inspection finished after its firing alert went out: the update */
	CJD_ALERT__COUNT
};

/* "firing", "ongoing", ... "aggregate_firing" ... */
const char *cjd_alert_action_name(enum cjd_alert_action a);

/* True for the AGG_ actions. */
bool cjd_alert_action_is_aggregate(enum cjd_alert_action a);

#define CJD_ALERT_MAX_FEATURES 64
#define CJD_ALERT_MAX_MEMBERS 64 /* members itemised in an aggregate alert */

/* One cgroup of an aggregate alert's group (cjd.aggregate.members). */
struct cjd_alert_member {
	const char *cgroup;
	const char *container_id; /* "" when the path names no container */
	const char *name;         /* container name, "" when unknown */
	const char *image;        /* "name:tag", "" when unknown */
	const char *state;        /* its own alert state: "idle", "suspect", ... */
	bool scored;              /* score is meaningful */
	float score;              /* its own last score */
	bool evidence;            /* an inspection of it found evidence that fires */
};

/* The group an aggregate alert is about (cjd.aggregate). */
struct cjd_alert_group {
	const char *kind; /* "pod", "image" or "host" */
	const char *key;  /* the pod UID, the image "name:tag", or "" for the host */
	const char *id;   /* "pod:<uid>", "image:<ref>", "host": the group's lane */
	uint32_t members_total;
	uint32_t n_members; /* itemised, <= CJD_ALERT_MAX_MEMBERS */
	const struct cjd_alert_member *members;
	uint32_t members_with_evidence; /* members whose inspection found evidence that fires */
	bool on_evidence;               /* the group fires on its members' evidence (pinned) */
};

/* One feature value of the window that decided the alert (cjd.window). */
struct cjd_alert_feature {
	const char *name; /* static, from the feature table */
	float value;
};

/*
 * An alert. Strings are borrowed from the producer and valid only during the
 * callback that delivers the alert; a consumer that keeps it copies what it
 * needs. Fields the producer cannot know are left zero/NULL and filled later
 * in the pipeline: `id` by the journal/publisher, processes by the serializer
 * (it reads cgroup.procs at alert time), container identity from `cgroup`.
 */
struct cjd_alert {
	enum cjd_alert_action action;
	char id[48];                /* event.id, unique; "" until assigned */
	uint64_t time_real_ns;      /* @timestamp, CLOCK_REALTIME */
	uint64_t t_ns;              /* sample time of the deciding window (trace time) */
	const char *host;           /* host.name; NULL means this host */
	const char *cgroup;         /* cgroup.path */
	const char *label;          /* ground-truth label of the sample (replay only), or NULL */
	enum cjd_mode mode;         /* cjd.mode */
	int severity;               /* event.severity, 0..100 (ECS: higher is worse) */
	float score;                /* cjd.score, 0..1 */
	float threshold;            /* the threshold the score was held against */
	const char *model_name;     /* cjd.model.name */
	const char *model_version;  /* cjd.model.version */
	uint64_t fired_t_ns;        /* trace time the alert first fired */
	uint32_t windows;           /* windows seen while suspect/firing */
	uint32_t windows_flagged;   /* of those, windows at or above threshold */
	double cpu_seconds;         /* cjd.cost.cpu_seconds accumulated since firing */
	double cost_usd;            /* cjd.cost.usd = cpu_seconds / 3600 * price_per_cpu_hour */
	int n_features;
	struct cjd_alert_feature features[CJD_ALERT_MAX_FEATURES];
	bool by_evidence;           /* fired on mining-specific evidence, not on K windows */
	/* cjd.evidence, filled by the agent's pipeline (NULL: omitted, e.g. replays) */
	const struct cjd_alert_evidence *evidence;
	/* response actions only (FROZEN/THROTTLED): outcome, 0 or a negative errno */
	int action_rc;
	const char *action_detail;  /* e.g. "cpu.max=20000 100000", or the error text */
	/* aggregate alerts only (AGG_ actions), else NULL; cgroup is then the group's id */
	const struct cjd_alert_group *group;
};

/* One probe's part in the inspection behind cjd.evidence. */
struct cjd_alert_probe {
	const char *name;   /* "fpstate" */
	const char *status; /* "ran", "unavailable", "failed" */
	const char *why;    /* why not / a caveat; NULL or "" for none */
};

/* One finding of the verdict: a sentence a responder can act on. */
struct cjd_alert_finding {
	const char *probe;
	const char *text;
	double weight;
};

/*
 * cjd.evidence (docs/alerts.md): what the inspection of the cgroup found
 * and the verdict on it. Borrowed like the rest of the alert.
 */
struct cjd_alert_evidence {
	const char *status;        /* "inspected", "pending" (queued or under way), "failed",
				    * "not inspected" */
	const char *kind;          /* "suspect" (every probe) or "sweep" (the cheap ones); NULL */
	double score;              /* the verdict's score, 0..1 (inspected only) */
	const char *level;         /* "none", "low", "medium", "high" */
	bool mining_specific;
	const char *model;         /* the verdict model's name */
	const struct cjd_alert_finding *findings;
	size_t n_findings;
	const char *const *summary; /* one sentence per probe */
	size_t n_summary;
	const struct cjd_alert_probe *probes;
	size_t n_probes;
	double age_s;              /* since the inspection finished */
	double elapsed_s, cpu_s;   /* its wall time and CPU cost */
	const char *error;         /* status "failed": why; else NULL */
};

/* Called once per alert; returning non-zero is logged, never retried. */
typedef int (*cjd_alert_cb)(const struct cjd_alert *alert, void *ctx);

#endif
