/* What this host can count: the PMU probe and the reason for every "no". */
#ifndef CJD_COLLECTOR_PMU_PROBE_H
#define CJD_COLLECTOR_PMU_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/tracefs.h"
#include "cjd/common/event.h"

/*
 * Threading: libpfm4 keeps process-wide tables; call these from one thread
 * (the collector's), or serialise them. Nothing here exits or prints.
 */

/* Why an event cannot be counted (CJD_WHY_OK when it can). */
enum cjd_why {
	CJD_WHY_OK = 0,
	CJD_WHY_NO_PMU,        /* hardware event, and the host has no hardware PMU */
	CJD_WHY_NOT_SUPPORTED, /* the kernel/CPU does not offer this event */
	CJD_WHY_PARANOID,      /* needs kernel.perf_event_paranoid <= 0 or CAP_PERFMON */
	CJD_WHY_PERMISSION,    /* denied for another reason (tracefs, cgroup dir, LSM) */
	CJD_WHY_ENCODING,      /* libpfm4 or tracefs cannot name it */
	CJD_WHY_ERROR,         /* any other failure; the reason text says which */
};

/* "ok", "no PMU", "not supported", "paranoid", "permission", "encoding", "error" */
const char *cjd_why_name(enum cjd_why why);

/* One registry event on this host. */
struct cjd_probe_event {
	enum cjd_why why;
	int err;              /* the errno behind `why` (0 when OK) */
	char reason[200];     /* one line; "" when OK */
	char encoding[128];   /* what was encoded ("perf::cycles", "tracepoint:...") */
	uint32_t type;        /* perf_event_attr.type (valid when encoded) */
	uint64_t config;      /* perf_event_attr.config */
	bool encoded;
};

/* The result of probing the host once. */
struct cjd_probe {
	bool have_pmu;           /* a hardware PMU answered */
	bool permitted;          /* CPU-wide per-cgroup counting is allowed */
	int paranoid;            /* kernel.perf_event_paranoid (INT32_MIN if unreadable) */
	bool cap_perfmon;        /* effective CAP_PERFMON */
	bool cap_sys_admin;      /* effective CAP_SYS_ADMIN */
	char permission_fix[512]; /* when !permitted: what is wrong and the fix, one line */
	enum cjd_mode mode;      /* the mode the collector will choose */
	char mode_reason[256];   /* why */
	cjd_event_mask countable;
	struct cjd_pmu_caps caps;
	struct cjd_tracefs tracefs; /* where tracepoints are named, mounted by the probe if need be */
	struct cjd_probe_event ev[CJD_EV__COUNT];
};

/*
 * Probes every registry event the way the collector counts it: CPU-wide in
 * cgroup mode, on `cpu`, for the cgroup directory `cgroup_dir` (NULL: the
 * discovered hierarchy's root), with `overrides[ev]` (may be NULL, or hold
 * NULLs) replacing the registry's encoding. Fills p. Never fails as a whole:
 * everything it learns, including "permission denied", lands in p.
 * First makes sure tracefs is mounted (cjd_tracefs_ensure: it mounts it when
 * nothing has, which needs CAP_SYS_ADMIN, so probe before dropping
 * privileges); p->tracefs says what it found or did, and a tracepoint that
 * cannot be named because the mount failed gets that failure as its reason.
 * Initialises libpfm4 (idempotent). Not thread-safe.
 */
void cjd_probe_run(struct cjd_probe *p, const char *cgroup_dir, int cpu,
		   const char *const *overrides);

#endif
