/* What a probe looks at: the processes and threads of a cgroup directory or of one process. */
#ifndef CJD_EVIDENCE_TARGET_H
#define CJD_EVIDENCE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * A snapshot of a target's processes and threads, taken once. Probes that run
 * for a while re-read the threads of each process themselves (they come and
 * go); this is where they start from.
 *
 * The struct is the caller's; its arrays are heap memory that
 * cjd_target_free() releases. Nothing here is shared between threads.
 */
struct cjd_target {
	char path[4096];       /* the cgroup directory, absolute; "" for a process target */
	int version;           /* 2 (cgroup.threads), 1 (tasks), 0 for a process target */
	pid_t pid;             /* the process of a process target, 0 for a cgroup */
	char pid_cgroup[4096]; /* process target: its cgroup v2 directory when known, else "" */
	pid_t *pids;           /* processes (thread-group ids), ascending, no duplicates */
	size_t npids;
	pid_t *tids;           /* threads, ascending, no duplicates */
	size_t ntids;
	size_t ncgroups;       /* cgroup directories read: 1 + the descendants visited */
};

/*
 * Turns a CGROUP argument into a directory: an existing directory on a cgroup
 * filesystem is taken as it is (/sys/fs/cgroup/memory/foo); anything else is
 * a name relative to `root` (the hierarchy cjd monitors), with or without a
 * leading '/', as alerts print them (/system.slice/foo.service). Writes the
 * absolute directory into dir. Returns 0, -ENOENT (no such cgroup: err says
 * where it looked), -ENOTDIR, or -ENAMETOOLONG.
 */
int cjd_target_resolve(const char *arg, const char *root, char *dir, size_t len,
		       struct cjd_error *err);

/*
 * Reads the processes and threads of the cgroup directory `dir`: cgroup.procs
 * and cgroup.threads (v2) or cgroup.procs and tasks (v1), and with
 * `recursive` those of every descendant cgroup too (what perf counts for a
 * cgroup). The version is told by the files present, so fixture trees work.
 * Returns 0 (t filled; an empty cgroup is not an error), -ENOENT (no such
 * directory), -EINVAL (a file that is not one id per line: err names the
 * file and line), -EACCES, or -ENOMEM. On error t is left empty.
 */
int cjd_target_from_cgroup(struct cjd_target *t, const char *dir, bool recursive,
			   struct cjd_error *err);

/*
 * The process `pid` (a thread id names its process) and its threads, from
 * `proc` (NULL: "/proc"). Also notes the process's cgroup v2 directory in
 * pid_cgroup when `v2_root` (the cgroup2 mount point) is given and the
 * process is in it. Returns 0, -ESRCH (no such process: err says so), or
 * -errno.
 */
int cjd_target_from_pid(struct cjd_target *t, pid_t pid, const char *proc, const char *v2_root,
			struct cjd_error *err);

/*
 * The cgroup of process `pid` on the hierarchy carrying `controller` (NULL:
 * the cgroup v2 hierarchy, line "0::"), from <proc>/<pid>/cgroup, written as
 * the path relative to that hierarchy's root ("/system.slice/x.scope").
 * Returns 0, -ENOENT (no such line), -ESRCH (no such process), or -errno.
 */
int cjd_target_cgroup_of(pid_t pid, const char *proc, const char *controller, char *rel,
			 size_t len);

/* Frees the arrays of t (t itself is the caller's) and empties it. NULL is allowed. */
void cjd_target_free(struct cjd_target *t);

/* Reads the thread ids of process pid from <proc>/<pid>/task, ascending, into a
 * new array (*tids, free()). Returns the count, -ESRCH (process gone) or -errno. */
int cjd_target_list_tids(pid_t pid, const char *proc, pid_t **tids);

#endif
