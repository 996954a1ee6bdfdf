/* cjd.processes: the processes of an alerting cgroup, read from /proc at alert time. */
#ifndef CJD_PUBLISH_ALERT_PROCS_H
#define CJD_PUBLISH_ALERT_PROCS_H

#include <stddef.h>

/* cjd.processes holds at most this many entries (issue 6). */
#define CJD_ALERT_MAX_PROCS 16

/* One process of the alerting cgroup, read from /proc at alert time. */
struct cjd_process {
	int pid;
	char comm[64];     /* /proc/PID/comm, without the newline */
	char exe[512];     /* readlink /proc/PID/exe; "" when unreadable (kernel thread, gone) */
	char cmdline[1024];/* /proc/PID/cmdline, NULs turned into spaces, truncated */
};

/*
 * Reads up to `max` processes of a cgroup: PIDs from
 * <cgroup_root><cgroup>/cgroup.procs, then comm, exe and cmdline from /proc.
 * Processes that exit meanwhile are skipped. *total gets the number of PIDs
 * listed. Returns the number filled (>= 0), or a negative errno when
 * cgroup.procs cannot be read (the cgroup is gone: -ENOENT). The cgroup path
 * is attacker-influenced: ".." components are refused with -EINVAL.
 */
int cjd_procs_read(const char *cgroup_root, const char *cgroup, struct cjd_process *procs,
		   size_t max, size_t *total);

#endif
