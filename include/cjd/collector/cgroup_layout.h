/* Which cgroup layout this host has (v2, hybrid, v1), who manages it, and where containers' cgroups go. */
#ifndef CJD_COLLECTOR_CGROUP_LAYOUT_H
#define CJD_COLLECTOR_CGROUP_LAYOUT_H

#include <stdbool.h>

#include "cjd/collector/cgroup_mount.h"

/* Thread-safe (no shared state); nothing here prints or exits. */

enum cjd_cgroup_layout_kind {
	CJD_LAYOUT_UNIFIED = 0, /* cgroup v2 only */
	CJD_LAYOUT_HYBRID,      /* v2 (e.g. /sys/fs/cgroup/unified) next to v1 controllers */
	CJD_LAYOUT_LEGACY,      /* v1 hierarchies only */
	CJD_LAYOUT_OTHER,       /* an explicit cgroup root (override) */
};

/* What the layout is, for the banner and for decisions that depend on it. */
struct cjd_cgroup_layout {
	enum cjd_cgroup_layout_kind kind;
	bool perf_on_v1;          /* the perf_event controller is on a v1 hierarchy */
	bool systemd;             /* systemd manages the tree (slices, init.scope) */
	int perf_hierarchy;       /* perf_event's hierarchy id in /proc/cgroups (0: v2), -1 unknown */
	char driver[64];          /* containers' cgroups: "cgroupfs (docker)", "systemd (kubelet)",
				   * ... several joined by ", "; "" when none is seen yet */
	char text[1024];          /* one line: "hybrid: perf_event on cgroup v2 at ..., v1 ..." */
	char warning[512];        /* "" or one line on a layout that breaks per-cgroup counting */
};

/* Where the facts come from; NULL members mean the live files. Tests pass fixtures. */
struct cjd_cgroup_layout_sources {
	const char *mountinfo;    /* /proc/self/mountinfo */
	const char *proc_cgroup;  /* /proc/self/cgroup */
	const char *proc_cgroups; /* /proc/cgroups */
	const char *tree;         /* the directory holding the cgroups (fs->path) */
	bool live;                /* also ask the live system (/run/systemd/system) */
};

/*
 * Describes the layout around `fs` (the hierarchy the collector walks, from
 * cjd_cgroupfs_find). The container cgroup driver is read from the
 * directories under fs->path (or src->tree): /docker, /kubepods, /libpod_parent (cgroupfs
 * driver), /system.slice/docker-*.scope, /kubepods.slice,
 * /machine.slice/libpod-*.scope (systemd driver). systemd is recognised by
 * unit names in the process's own cgroup paths or slices at the root. The
 * warning names the case where perf_event is held by a v1 hierarchy that is
 * not mounted in this mount namespace (per-cgroup counting then fails with
 * ENOENT through v2). `src` may be NULL (all live). Returns 0 or -errno when
 * mountinfo cannot be read (l is still filled with what is known).
 */
int cjd_cgroup_layout_detect(struct cjd_cgroup_layout *l, const struct cjd_cgroupfs *fs,
			     const struct cjd_cgroup_layout_sources *src);

/* perf_event's hierarchy id from /proc/cgroups (path NULL) or a fixture: 0 when it
 * is on cgroup v2 (or not bound), > 0 for a v1 hierarchy, -errno when unreadable
 * or not listed. */
int cjd_cgroup_perf_hierarchy(const char *proc_cgroups);

/* True when perf_event is bound to a v1 hierarchy that /proc/self/mountinfo does
 * not show (per-cgroup counting through v2 then fails with ENOENT), with the
 * explanation and the fix in why. */
bool cjd_cgroup_perf_elsewhere(char *why, size_t len);

#endif
