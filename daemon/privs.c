/* Dropping capabilities with libcap once counters are open. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "cjd/daemon/privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

static int last_cap(void)
{
	FILE *fp = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	if (fp) {
		if (fscanf(fp, "%d", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

int cjd_privs_perf_cap(void)
{
	/* CAP_PERFMON arrived in 5.8; older kernels gate perf on CAP_SYS_ADMIN */
	return last_cap() >= CAP_PERFMON ? CAP_PERFMON : CAP_SYS_ADMIN;
}

/* Whether this process holds cap in its permitted set. */
static bool permitted(int cap)
{
	cap_t have = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!have)
		return false;
	cap_get_flag(have, (cap_value_t)cap, CAP_PERMITTED, &v);
	cap_free(have);
	return v == CAP_SET;
}

/*
 * The perf capability to keep: the kernel's, or CAP_SYS_ADMIN when only that
 * one was granted (Docker 20.10 knows no CAP_PERFMON, so images run with
 * --cap-add SYS_ADMIN); keeping a CAP_PERFMON we do not hold would leave
 * cgroups found later uncountable.
 */
static int perf_cap_held(void)
{
	int cap = cjd_privs_perf_cap();

	if (cap == CAP_PERFMON && !permitted(CAP_PERFMON) && permitted(CAP_SYS_ADMIN))
		return CAP_SYS_ADMIN;
	return cap;
}

int cjd_privs_drop(bool actions, bool evidence, char *why, size_t whylen)
{
	cap_value_t keep[5];
	int nkeep = 0, top = last_cap(), rc = 0;
	cap_t caps;

	keep[nkeep++] = perf_cap_held();
	if (actions)
		keep[nkeep++] = CAP_DAC_OVERRIDE;
	if (evidence) {
		/* fpstate's ptrace, other users' /proc/PID/fd, maps and code,
		 * stratum's process_vm_readv of their memory */
		keep[nkeep++] = CAP_SYS_PTRACE;
		/* fpstate's SCHED_FIFO tracer (a stopped thread waits less) */
		keep[nkeep++] = CAP_SYS_NICE;
		/* the network probe enters other network namespaces (setns) for byte
		 * counters; the perf capability may be this one already */
		if (keep[0] != CAP_SYS_ADMIN)
			keep[nkeep++] = CAP_SYS_ADMIN;
	}
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	for (int c = 0; c <= top; c++) {
		bool kept = false;
		for (int k = 0; k < nkeep; k++)
			kept |= keep[k] == c;
		if (!kept && CAP_IS_SUPPORTED(c) && cap_get_bound(c) == 1 && cap_drop_bound(c) != 0 &&
		    errno != EPERM) {
			snprintf(why, whylen, "cannot drop capability %d from the bounding set: %s", c,
				 strerror(errno));
			return -errno;
		}
	}
	caps = cap_init();
	if (!caps) {
		snprintf(why, whylen, "cap_init: %s", strerror(errno));
		return -ENOMEM;
	}
	/* only what we hold can be kept: ask for the intersection */
	cap_t have = cap_get_proc();
	for (int k = 0; k < nkeep && have; k++) {
		cap_flag_value_t v = CAP_CLEAR;
		cap_get_flag(have, keep[k], CAP_PERMITTED, &v);
		if (v == CAP_SET) {
			cap_set_flag(caps, CAP_PERMITTED, 1, &keep[k], CAP_SET);
			cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep[k], CAP_SET);
		}
	}
	if (have)
		cap_free(have);
	if (cap_set_proc(caps) != 0) {
		rc = -errno;
		snprintf(why, whylen, "cap_set_proc: %s", strerror(errno));
		goto out_caps;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		rc = -errno;
		snprintf(why, whylen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	}
out_caps:
	cap_free(caps);
	return rc;
}
