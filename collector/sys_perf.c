/* perf_event_open(2) through syscall(2), in a file of its own so tests can wrap it. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cjd/collector/sys_perf.h"

int cjd_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
			    unsigned long flags)
{
	long fd;

	do
		fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}
