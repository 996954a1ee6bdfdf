/* tracefs, where tracepoints (raw_syscalls:sys_enter) are named: found, or mounted the way perf mounts it. */
#ifndef CJD_COLLECTOR_TRACEFS_H
#define CJD_COLLECTOR_TRACEFS_H

#include <stddef.h>

/*
 * Nothing here prints or exits. Not thread-safe only in the sense that two
 * threads mounting at once may both try (the second gets EBUSY and then finds
 * the first one's mount); call it from the collector's thread.
 */

enum cjd_tracefs_state {
	CJD_TRACEFS_FOUND = 0, /* already mounted (by the system, perf, or an earlier cjd) */
	CJD_TRACEFS_MOUNTED,   /* not mounted; this call mounted it, and leaves it mounted */
	CJD_TRACEFS_MISSING,   /* not mounted, and mounting it failed: err and text say why */
};

struct cjd_tracefs {
	enum cjd_tracefs_state state;
	char path[256];  /* the directory holding events/ ("" when MISSING) */
	int err;         /* MISSING: the errno of the failed mount (EPERM, EROFS, ENODEV...) */
	char cause[96];  /* MISSING: short, for other lines: "tracefs could not be mounted (EPERM)" */
	char text[400];  /* one line for the banner: where it is, that it was mounted, or why not */
};

/*
 * Where tracefs is, without mounting anything: a tracefs mount in
 * /proc/self/mountinfo (`mountinfo` NULL) or a fixture, then the places perf
 * knows (/sys/kernel/tracing, /sys/kernel/debug/tracing) checked by their
 * filesystem magic. Copies the directory that holds events/ into path.
 * Returns 0, or -ENOENT when tracefs is nowhere.
 */
int cjd_tracefs_find(const char *mountinfo, char *path, size_t len);

/*
 * Finds tracefs; when it is nowhere, mounts it (nosuid,nodev,noexec) at
 * /sys/kernel/tracing, or, on kernels without that directory, at
 * /sys/kernel/debug/tracing when debugfs is mounted there - what perf does
 * (tools/lib/api/fs). A mount made here stays: other tools and the next start
 * use it, and unmounting under a running tracer would break it. Mounting needs
 * CAP_SYS_ADMIN in the initial user namespace and a writable /sys, so call this
 * before dropping privileges. `mountinfo` NULL means /proc/self/mountinfo.
 * Fills t and returns 0 (FOUND or MOUNTED) or the negative errno of the failed
 * mount (MISSING).
 */
int cjd_tracefs_ensure(struct cjd_tracefs *t, const char *mountinfo);

/* The reason a mount failed with `err` (positive errno), with what to do, e.g.
 * "needs CAP_SYS_ADMIN ...". Never NULL. */
const char *cjd_tracefs_hint(int err);

#endif
