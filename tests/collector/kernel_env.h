/* Shared precondition of the real-kernel collector tests: root, cgroup v2 and permission to count. */
#ifndef CJD_TEST_KERNEL_ENV_H
#define CJD_TEST_KERNEL_ENV_H

#include <stdio.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/pmu_probe.h"

/* Fills v2 and returns 0 when the test can run; otherwise prints why and
 * returns 77, CTest's SKIP_RETURN_CODE for these tests. */
static int kernel_env(struct cjd_cgroupfs *v2)
{
	struct cjd_error err;
	struct cjd_probe p;

	cjd_error_clear(&err);
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root to create cgroups and count CPU-wide\n");
		return 77;
	}
	if (cjd_cgroupfs_find(v2, NULL, NULL, &err) != 0 || v2->version != 2) {
		fprintf(stderr, "SKIP: no cgroup v2 hierarchy for perf_event (%s)\n",
			err.text[0] ? err.text : "perf_event is bound to a v1 hierarchy");
		return 77;
	}
	cjd_probe_run(&p, v2->path, -1, NULL);
	if (!p.permitted) {
		fprintf(stderr, "SKIP: %s\n", p.permission_fix);
		return 77;
	}
	return 0;
}

#endif
