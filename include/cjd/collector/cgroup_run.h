/* Making, entering, signalling and removing cgroups (for `cjd record -- CMD`). */
#ifndef CJD_COLLECTOR_CGROUP_RUN_H
#define CJD_COLLECTOR_CGROUP_RUN_H

#include <stddef.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/common/error.h"

/*
 * All functions are thread-safe (no shared state; libcgroup's own lock covers
 * its part), return 0 or a negative errno, and never exit.
 */

/* Creates <fs>/<rel> (rel "/"-rooted, one level below an existing cgroup).
 * Returns 0, -EEXIST, or a negative errno with err filled. */
int cjd_cgroupfs_create(const struct cjd_cgroupfs *fs, const char *rel, struct cjd_error *err);

/* Moves the calling process into <fs>/<rel>. Async-signal-safe (for use
 * between fork and exec): no allocation, no stdio. Returns 0 or -errno. */
int cjd_cgroupfs_enter_self(const char *cgroup_dir);

/* Writes "<fs>/<rel>" into buf. Returns buf, or NULL when it does not fit. */
char *cjd_cgroupfs_join(const struct cjd_cgroupfs *fs, const char *rel, char *buf, size_t len);

/* Number of processes in <fs>/<rel> (0 when empty), or a negative errno. */
int cjd_cgroupfs_nprocs(const struct cjd_cgroupfs *fs, const char *rel);

/* Sends sig to every process in the cgroup (SIGKILL uses cgroup.kill where the
 * kernel has it). Returns the number signalled or a negative errno. */
int cjd_cgroupfs_signal(const struct cjd_cgroupfs *fs, const char *rel, int sig);

/*
 * Kills what is left in the cgroup (SIGKILL), waits up to timeout_ms for it
 * to empty, and removes it. Returns 0, -EBUSY (still populated), or a
 * negative errno with err filled.
 */
int cjd_cgroupfs_destroy(const struct cjd_cgroupfs *fs, const char *rel, int timeout_ms,
			 struct cjd_error *err);

#endif
