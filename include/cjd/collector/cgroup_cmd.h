/* A command run in a fresh cgroup of its own (`cjd record -- CMD`): the cgroup, the fork and exec, the clean-up. */
#ifndef CJD_COLLECTOR_CGROUP_CMD_H
#define CJD_COLLECTOR_CGROUP_CMD_H

#include <sys/types.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/common/error.h"

/* The caller's; zero it, then cjd_cgroup_cmd_make. Not thread-safe. */
struct cjd_cgroup_cmd {
	struct cjd_cgroupfs fs; /* the hierarchy perf_event counts on */
	char rel[64];           /* "/cjd-record-<pid>[-i]" below it; "" when none */
	pid_t pid;              /* CMD, 0 before it started */
	int pidfd;              /* readable when CMD exits; -1 before it started */
};

/*
 * Finds the hierarchy (root: its directory, NULL: the one perf_event lives on), removes the
 * cjd-record-<pid> cgroups left by runs that were killed (their pid gone, the cgroup empty),
 * and creates a fresh one for this process. Returns 0, or -errno with err saying why (for
 * -EACCES/-EPERM/-EROFS: that it needs root and a writable cgroup filesystem).
 */
int cjd_cgroup_cmd_make(struct cjd_cgroup_cmd *c, const char *root, struct cjd_error *err);

/*
 * Forks and execs cmd (argv, NULL-terminated, PATH searched) inside the cgroup, with the
 * signal mask cleared and SIGPIPE at its default; returns once cmd runs (or failed to start:
 * -errno, the child reaped) and sets pid and pidfd. Returns 0 or -errno with err.
 */
int cjd_cgroup_cmd_start(struct cjd_cgroup_cmd *c, char **cmd, struct cjd_error *err);

/* Kills what is left, waits up to 2 s for the cgroup to empty, removes it (rel emptied) and
 * closes pidfd. Returns 0 or -errno with err (the cgroup could not be removed). */
int cjd_cgroup_cmd_remove(struct cjd_cgroup_cmd *c, struct cjd_error *err);

#endif
