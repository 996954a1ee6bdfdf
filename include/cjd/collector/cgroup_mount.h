/* The cgroup filesystem: which hierarchy perf_event lives on, from libcgroup and /proc/self/mountinfo. */
#ifndef CJD_COLLECTOR_CGROUP_MOUNT_H
#define CJD_COLLECTOR_CGROUP_MOUNT_H

#include "cjd/common/error.h"

/*
 * All functions are thread-safe (no shared state; libcgroup's own lock covers
 * its part), return 0 or a negative errno, and never exit.
 */

/* The hierarchy per-cgroup perf counting uses. */
struct cjd_cgroupfs {
	char path[4096]; /* mount point (or override) */
	int version;     /* 2, or 1 for a v1 perf_event hierarchy */
	char how[64];    /* "mountinfo", "libcgroup", "override" */
};

/*
 * Finds the hierarchy: with `override`, that directory (its version from
 * statfs). Otherwise the v2 hierarchy (/sys/fs/cgroup, then
 * /sys/fs/cgroup/unified, then any cgroup2 mount) unless the perf_event
 * controller is bound to a v1 hierarchy (libcgroup, then mountinfo) - then
 * that one, because the kernel offers perf_event on one hierarchy only.
 * `mountinfo` NULL means /proc/self/mountinfo (tests pass fixtures).
 * Returns 0, or -ENOENT with err naming what to mount.
 */
int cjd_cgroupfs_find(struct cjd_cgroupfs *fs, const char *override, const char *mountinfo,
		      struct cjd_error *err);

/* What /proc/self/mountinfo says about cgroup hierarchies (and tracefs). */
struct cjd_mounts {
	char v2[4][4096];   /* cgroup2 mount points, in mountinfo order */
	int n_v2;
	char perf_v1[4096]; /* a v1 hierarchy carrying perf_event, "" if none */
	char cpu_v1[4096];  /* a v1 hierarchy carrying the cpu controller, "" if none */
	char freezer_v1[4096]; /* a v1 hierarchy carrying the freezer, "" if none */
	int n_v1;           /* v1 hierarchies mounted */
	char v1_parent[4096];      /* the directory the first v1 hierarchy is mounted in */
	char v1_controllers[256];  /* their controllers, "cpu,cpuacct,...,name=systemd" */
	char tracefs[4096]; /* tracefs mount point, "" if none */
};

/* Parses a mountinfo file (NULL: /proc/self/mountinfo; octal escapes decoded).
 * Returns 0 or -errno. */
int cjd_mounts_parse(const char *mountinfo, struct cjd_mounts *m);

/* The v2 mount to use: /sys/fs/cgroup, then the hybrid /sys/fs/cgroup/unified,
 * then the first one. NULL when there is none. */
const char *cjd_mounts_v2(const struct cjd_mounts *m);

#endif
