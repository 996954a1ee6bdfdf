/* perf_event_open(2), the one syscall glibc does not wrap: for the collector and the code-sampling probe. */
#ifndef CJD_COLLECTOR_SYS_PERF_H
#define CJD_COLLECTOR_SYS_PERF_H

#include <linux/perf_event.h>
#include <sys/types.h>

/*
 * perf_event_open(2), retrying EINTR. Returns the fd or -errno. Thread-safe.
 * A function of its own so tests can replace it with
 * -Wl,--wrap=cjd_sys_perf_event_open.
 */
int cjd_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
			    unsigned long flags);

#endif
