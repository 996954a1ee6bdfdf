/* Probes once what this host can count per cgroup, and says why for everything it cannot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "cjd/collector/cgroup_layout.h"
#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/pmu_probe.h"
#include "cjd/collector/tracefs.h"
#include "internal.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

const char *cjd_why_name(enum cjd_why why)
{
	static const char *const names[] = {"ok",         "no PMU",   "not supported", "paranoid",
					    "permission", "encoding", "error"};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "error";
}

static bool cap_effective(cap_t caps, cap_value_t v)
{
	cap_flag_value_t f = CAP_CLEAR;

	return caps && cap_get_flag(caps, v, CAP_EFFECTIVE, &f) == 0 && f == CAP_SET;
}

/* A core PMU shows up in sysfs under one of these names (x86, hybrid x86, arm64). */
static bool sysfs_core_pmu(void)
{
	static const char *const names[] = {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3",
					    "armv8_pmuv3_0"};
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s", names[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

static bool not_supported_errno(int e)
{
	return e == ENOENT || e == EOPNOTSUPP || e == ENODEV || e == EINVAL;
}

/* Opens attr the collector's way (cgroup, one CPU) or per task; returns 0 or -errno. */
static int try_open(struct perf_event_attr *attr, int cgfd, int cpu)
{
	int fd = cgfd >= 0 ? cjd_sys_perf_event_open(attr, cgfd, cpu, -1,
						      PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC)
			   : cjd_sys_perf_event_open(attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static void permission_text(struct cjd_probe *p)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	if (p->paranoid > 0 && !p->cap_perfmon && !p->cap_sys_admin)
		snprintf(p->permission_fix, sizeof(p->permission_fix),
			 "counting per cgroup on every CPU needs CAP_PERFMON (or CAP_SYS_ADMIN) or "
			 "kernel.perf_event_paranoid <= 0 (it is %d); fix: run as root, or "
			 "'setcap cap_perfmon+ep %.200s', or 'sysctl -w kernel.perf_event_paranoid=0'",
			 p->paranoid, exe[0] ? exe : "cjd");
	else
		snprintf(p->permission_fix, sizeof(p->permission_fix),
			 "perf_event_open was denied although perf_event_paranoid is %d and "
			 "CAP_PERFMON is %s: a security module or seccomp filter is blocking "
			 "perf; run cjd as root outside that policy",
			 p->paranoid, p->cap_perfmon ? "held" : "not held");
}

static void probe_pmu_presence(struct cjd_probe *p, char *why, size_t len)
{
	struct perf_event_attr a;
	int rc;

	/* Per task and user-only: allowed at paranoid 2, so this answers even
	 * without privileges. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	rc = try_open(&a, -1, -1);
	if (rc == 0) {
		p->have_pmu = true;
	} else if (not_supported_errno(-rc)) {
		p->have_pmu = false;
	} else {
		p->have_pmu = sysfs_core_pmu();
	}
	if (p->have_pmu)
		snprintf(why, len, "hardware PMU present (perf_event_open(cycles): %s)",
			 rc ? strerror(-rc) : "ok");
	else
		snprintf(why, len,
			 "no hardware PMU: perf_event_open(cycles) says '%s' and "
			 "/sys/bus/event_source/devices has %s, as in VMs without a virtual PMU",
			 strerror(-rc), sysfs_core_pmu() ? "a core PMU" : "no core PMU");
}

static void probe_event(struct cjd_probe *p, enum cjd_event ev, const char *encoding, int cgfd,
			int cpu)
{
	struct cjd_probe_event *pe = &p->ev[ev];
	const struct cjd_event_info *info = cjd_event_info(ev);
	struct perf_event_attr a;
	int rc;

	snprintf(pe->encoding, sizeof(pe->encoding), "%s", encoding);
	rc = cjd_event_encode(encoding, &a, pe->reason, sizeof(pe->reason));
	if (rc) {
		pe->err = -rc;
		pe->why = rc == -EACCES ? CJD_WHY_PERMISSION : CJD_WHY_ENCODING;
		/* the cause, not its symptom: the failed mount */
		if (rc == -ENOENT && p->tracefs.state == CJD_TRACEFS_MISSING &&
		    strncmp(encoding, "tracepoint:", 11) == 0)
			snprintf(pe->reason, sizeof(pe->reason), "%s", p->tracefs.cause);
		return;
	}
	pe->encoded = true;
	pe->type = a.type;
	pe->config = a.config;
	if (info->kind == CJD_EVK_HARDWARE && !p->have_pmu) {
		pe->why = CJD_WHY_NO_PMU;
		pe->err = ENOENT;
		snprintf(pe->reason, sizeof(pe->reason), "no hardware PMU on this host");
		return;
	}
	rc = try_open(&a, cgfd, cpu);
	if (rc == 0) {
		pe->why = CJD_WHY_OK;
		p->countable |= CJD_EVMASK(ev);
		return;
	}
	pe->err = -rc;
	if (rc == -EACCES || rc == -EPERM) {
		bool paranoid = p->paranoid > 0 && !p->cap_perfmon && !p->cap_sys_admin;
		pe->why = paranoid ? CJD_WHY_PARANOID : CJD_WHY_PERMISSION;
		snprintf(pe->reason, sizeof(pe->reason),
			 paranoid ? "needs kernel.perf_event_paranoid <= 0 or CAP_PERFMON (%s)"
				  : "permission denied (%s)",
			 strerror(-rc));
	} else if (not_supported_errno(-rc)) {
		pe->why = CJD_WHY_NOT_SUPPORTED;
		snprintf(pe->reason, sizeof(pe->reason),
			 "not supported by this kernel/CPU in cgroup mode (%s)", strerror(-rc));
	} else {
		pe->why = CJD_WHY_ERROR;
		snprintf(pe->reason, sizeof(pe->reason), "perf_event_open: %s", strerror(-rc));
	}
}

void cjd_probe_run(struct cjd_probe *p, const char *cgroup_dir, int cpu,
		   const char *const *overrides)
{
	struct cjd_cgroupfs fs;
	struct perf_event_attr a;
	char pmu_why[200];
	cap_t caps;
	int cgfd = -1, open_err = 0, rc;

	memset(p, 0, sizeof(*p));
	/* Before anything is encoded: tracepoints are named under tracefs, and
	 * nothing may have mounted it yet on a freshly booted host. */
	cjd_tracefs_ensure(&p->tracefs, NULL);
	p->paranoid = cjd_read_int_file("/proc/sys/kernel/perf_event_paranoid", INT32_MIN);
	caps = cap_get_proc();
	p->cap_perfmon = cap_effective(caps, CAP_PERFMON);
	p->cap_sys_admin = cap_effective(caps, CAP_SYS_ADMIN);
	if (caps)
		cap_free(caps);
	if (!cgroup_dir && cjd_cgroupfs_find(&fs, NULL, NULL, NULL) == 0)
		cgroup_dir = fs.path;
	if (cgroup_dir && (cgfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		open_err = errno;
	if (cpu < 0)
		cpu = 0;
	cjd_pmu_caps_get(&p->caps);
	probe_pmu_presence(p, pmu_why, sizeof(pmu_why));

	/* The question every other answer depends on: may we count CPU-wide? */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	rc = try_open(&a, cgfd, cpu);
	p->permitted = rc == 0 && cgfd >= 0;
	if (rc == -EACCES || rc == -EPERM)
		permission_text(p);
	else if (cgfd < 0)
		snprintf(p->permission_fix, sizeof(p->permission_fix),
			 "cannot open the cgroup directory %.200s: %s",
			 cgroup_dir ? cgroup_dir : "(none found)",
			 open_err ? strerror(open_err) : "no cgroup hierarchy");
	else if (rc == -ENOENT &&
		 cjd_cgroup_perf_elsewhere(p->permission_fix, sizeof(p->permission_fix)))
		; /* the reason is in permission_fix */
	else if (rc)
		snprintf(p->permission_fix, sizeof(p->permission_fix),
			 "perf_event_open(task-clock, cgroup %.200s, cpu %d): %s", cgroup_dir, cpu,
			 strerror(-rc));

	for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
		const char *enc = overrides && overrides[ev] ? overrides[ev]
							     : cjd_event_info((enum cjd_event)ev)->encoding;
		probe_event(p, (enum cjd_event)ev, enc, cgfd, cpu);
	}
	if (cgfd >= 0)
		close(cgfd);

	cjd_event_mask need = CJD_EVMASK(CJD_EV_CYCLES) | CJD_EVMASK(CJD_EV_INSTRUCTIONS);
	if ((p->countable & need) == need) {
		p->mode = CJD_MODE_HARDWARE;
		snprintf(p->mode_reason, sizeof(p->mode_reason), "hardware PMU %s (%d generic, %d fixed counters)",
			 p->caps.name[0] ? p->caps.name : "(unknown to libpfm4)", p->caps.generic,
			 p->caps.fixed);
	} else {
		p->mode = CJD_MODE_SOFTWARE;
		if (!p->have_pmu)
			snprintf(p->mode_reason, sizeof(p->mode_reason), "%s", pmu_why);
		else if (!p->permitted)
			snprintf(p->mode_reason, sizeof(p->mode_reason), "no permission to count");
		else
			snprintf(p->mode_reason, sizeof(p->mode_reason),
				 "the PMU cannot count cycles and instructions per cgroup (%.180s)",
				 p->ev[CJD_EV_CYCLES].reason[0] ? p->ev[CJD_EV_CYCLES].reason
								: p->ev[CJD_EV_INSTRUCTIONS].reason);
	}
}
