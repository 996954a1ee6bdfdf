/* The ptrace and waitid calls of the fpstate probe, and the per-architecture FP control register read. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"

long cjd_ev_ptrace(int request, pid_t tid, void *addr, void *data)
{
	long rc;

	errno = 0;
	rc = ptrace((enum __ptrace_request)request, tid, addr, data);
	return rc == -1 && errno ? -errno : rc;
}

int cjd_ev_waitid(pid_t tid, siginfo_t *si, int options)
{
	int rc;

	do
		rc = waitid(P_PID, (id_t)tid, si, options);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

#if defined(__x86_64__)
const char *cjd_ev_fpctl_arch(void)
{
	return "x86_64 MXCSR";
}

int cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl)
{
	struct user_fpregs_struct fp;
	int rc = 0;

	if (ptrace(PTRACE_GETFPREGS, tid, NULL, &fp) != 0)
		rc = -errno;
	else
		*ctl = fp.mxcsr;
	/* the XMM registers can hold the workload's secrets: keep nothing but MXCSR */
	explicit_bzero(&fp, sizeof(fp));
	return rc;
}
#elif defined(__aarch64__)
/* Compiled for arm64 (the cross build checks it); not yet run on arm64 hardware. */
const char *cjd_ev_fpctl_arch(void)
{
	return "aarch64 FPCR";
}

int cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl)
{
	struct user_fpsimd_struct fp;
	struct iovec iov = {.iov_base = &fp, .iov_len = sizeof(fp)};
	int rc = 0;

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRFPREG, &iov) != 0)
		rc = -errno;
	else if (iov.iov_len < sizeof(fp))
		rc = -EIO;
	else
		*ctl = fp.fpcr;
	/* the V registers can hold the workload's secrets: keep nothing but FPCR */
	explicit_bzero(&fp, sizeof(fp));
	return rc;
}
#else
const char *cjd_ev_fpctl_arch(void)
{
	return NULL;
}

int cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl)
{
	(void)tid;
	(void)ctl;
	return -EOPNOTSUPP;
}
#endif
