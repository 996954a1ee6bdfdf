/* The process_vm_readv call of the stratum probe, in a file of its own so tests can wrap it. */
#include <errno.h>
#include <sys/uio.h>

#include "internal.h"

ssize_t cjd_ev_vm_read(pid_t pid, void *buf, uint64_t addr, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t got;

	do
		got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -errno : got;
}
