/* Response actions on a cgroup that fired: freeze it (v2) or throttle its CPU (v2 cpu.max / v1 CFS quota). */
#ifndef CJD_DAEMON_ACTIONS_H
#define CJD_DAEMON_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/daemon/config.h"

struct cjd_actions;

/* Where the hierarchies are; NULL fields are discovered from /proc/self/mountinfo. */
struct cjd_actions_config {
	enum cjd_action_kind kind;
	double min_score;
	uint64_t quota_us, period_us;   /* throttle: cpu.max "quota period" */
	const char *v2_root;            /* cgroup2 mount, e.g. /sys/fs/cgroup/unified */
	const char *v1_cpu_root;        /* v1 cpu controller mount, e.g. /sys/fs/cgroup/cpu */
	const char *const *allowlist;   /* globs of cgroups never acted on */
	size_t n_allowlist;
	const char *self_cgroup;        /* cjd's own v2 cgroup; NULL reads /proc/self/cgroup */
};

enum cjd_action_outcome {
	CJD_ACT_SKIPPED = 0, /* alert-only mode, or score below min_score: nothing to report */
	CJD_ACT_REFUSED,     /* root, cjd's own cgroup, allowlisted, or an unsafe path */
	CJD_ACT_DONE,
	CJD_ACT_FAILED,
};

struct cjd_action_result {
	enum cjd_action_outcome outcome;
	int rc;             /* 0 or the negative errno of the failure */
	char detail[256];   /* what was written where, or why not */
};

/* Returns 0 or a negative errno (-ENOMEM; -ENOENT when a needed hierarchy is missing). */
int cjd_actions_new(struct cjd_actions **out, const struct cjd_actions_config *cfg);
void cjd_actions_free(struct cjd_actions *a);

/*
 * Acts on cgroup (a path relative to the cgroup root, as in samples) for an
 * alert with `score`. Never follows symlinks and never leaves the hierarchy:
 * the file is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * relative to the root. One attempt only; the caller reports the result and
 * must not retry in a loop. Always fills *res; returns res->rc.
 */
int cjd_actions_apply(struct cjd_actions *a, const char *cgroup, double score,
		      struct cjd_action_result *res);

/* Checks a cgroup path without acting: 0 if acting on it would be allowed,
 * or -EPERM with the reason in why. Exposed for tests and `cjd run` logging. */
int cjd_actions_check(const struct cjd_actions *a, const char *cgroup, char *why, size_t whylen);

#endif
