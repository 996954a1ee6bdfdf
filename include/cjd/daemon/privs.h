/* Least privilege: after the perf fds are open, keep only the capabilities cjd still needs. */
#ifndef CJD_DAEMON_PRIVS_H
#define CJD_DAEMON_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Keeps, in the effective and permitted sets, only CAP_PERFMON (or
 * CAP_SYS_ADMIN on kernels older than 5.8, which lack it, and where only
 * CAP_SYS_ADMIN was granted) so new cgroups can still be opened, plus CAP_DAC_OVERRIDE when `actions` is true (writing
 * cgroup.freeze / cpu.max of cgroups owned by others), plus, when `evidence`
 * is true (the probes are on), CAP_SYS_PTRACE (fpstate's ptrace; reading other
 * users' /proc/PID/fd, maps and code), CAP_SYS_NICE (fpstate's SCHED_FIFO
 * tracer) and CAP_SYS_ADMIN (the network probe's setns into other network
 * namespaces, for byte counters). Everything else is
 * dropped, the bounding set is cut to match, and no_new_privs is set, so
 * nothing cjd later runs can regain more. Idempotent. Returns 0, or a negative
 * errno with a reason in why (e.g. -EPERM when not allowed to change them).
 */
int cjd_privs_drop(bool actions, bool evidence, char *why, size_t whylen);

/* The capability cjd needs to count per cgroup on this kernel: CAP_PERFMON or CAP_SYS_ADMIN. */
int cjd_privs_perf_cap(void);

/* The effective set itself is read by cjd_caps_effective() (cjd/common/caps.h). */

#endif
