/* Event names to perf_event_attr: libpfm4 for PMU and generic events, tracefs for tracepoints. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h> /* first: libpfm4's copy then steps aside for the kernel's */
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/tracefs.h"
#include "cjd/common/text.h"
#include "internal.h"

int cjd_pfm_init(char *why, size_t len)
{
	/* libpfm4 keeps its own tables and returns early once initialised. */
	int rc = pfm_initialize();

	if (rc != PFM_SUCCESS) {
		if (why)
			snprintf(why, len, "libpfm4: pfm_initialize: %s", pfm_strerror(rc));
		return -EIO;
	}
	return 0;
}

static bool tp_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 96)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Reads events/<sys>/<name>/id under tracefs (wherever cjd_tracefs_find sees it). */
static int tracepoint_id(const char *sys, size_t sn, const char *name, size_t nn, uint64_t *id,
			 char *why, size_t len)
{
	char root[256], path[512], buf[32];
	ssize_t n;
	int fd;

	if (cjd_tracefs_find(NULL, root, sizeof(root)) != 0) {
		snprintf(why, len, "tracefs is not mounted (looked in /proc/self/mountinfo, "
				   "/sys/kernel/tracing and /sys/kernel/debug/tracing)");
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/events/%.*s/%.*s/id", root, (int)sn, sys, (int)nn, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == EACCES || e == EPERM) {
			snprintf(why, len, "cannot read %s: %s (tracefs is root-only; run as root)",
				 path, strerror(e));
			return -EACCES;
		}
		snprintf(why, len, "tracepoint %.*s:%.*s not found under tracefs (%s: %s)",
			 (int)sn, sys, (int)nn, name, root, strerror(e));
		return -ENOENT;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (cjd_parse_u64(buf, id) == 0)
			return 0;
	}
	snprintf(why, len, "%s does not hold a tracepoint id", path);
	return -EINVAL;
}

int cjd_event_encode(const char *encoding, struct perf_event_attr *attr, char *why, size_t len)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	why[0] = '\0';
	if (strncmp(encoding, "tracepoint:", 11) == 0) {
		const char *sys = encoding + 11, *colon = strchr(sys, ':');
		uint64_t id;
		int rc;

		if (!colon || !tp_name_ok(sys, (size_t)(colon - sys)) ||
		    !tp_name_ok(colon + 1, strlen(colon + 1))) {
			snprintf(why, len, "'%s' is not tracepoint:<subsystem>:<name>", encoding);
			return -EINVAL;
		}
		rc = tracepoint_id(sys, (size_t)(colon - sys), colon + 1, strlen(colon + 1), &id,
				   why, len);
		if (rc)
			return rc;
		attr->type = PERF_TYPE_TRACEPOINT;
		attr->config = id;
		return 0;
	}
	if (cjd_pfm_init(why, len))
		return -EIO;

	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	/* User and kernel level: a miner's syscalls and page faults are part of its signature. */
	int rc = pfm_get_os_event_encoding(encoding, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
	if (rc != PFM_SUCCESS) {
		snprintf(why, len, "libpfm4 cannot encode '%s': %s", encoding, pfm_strerror(rc));
		return rc == PFM_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	}
	attr->size = sizeof(*attr); /* libpfm4 may write its own idea of the ABI size */
	return 0;
}

int cjd_pmu_caps_get(struct cjd_pmu_caps *caps)
{
	pfm_pmu_t pmu;

	memset(caps, 0, sizeof(*caps));
	if (cjd_pfm_init(NULL, 0))
		return -EIO;
	pfm_for_all_pmus(pmu)
	{
		pfm_pmu_info_t info;
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(pmu, &info) != PFM_SUCCESS || !info.is_present ||
		    info.type != PFM_PMU_TYPE_CORE)
			continue;
		snprintf(caps->name, sizeof(caps->name), "%s", info.name);
		snprintf(caps->desc, sizeof(caps->desc), "%s", info.desc ? info.desc : "");
		caps->generic = info.num_cntrs;
		caps->fixed = info.num_fixed_cntrs;
		/*
		 * libpfm4 reports Intel's generic counters for one thread with
		 * Hyper-Threading off; with SMT on each thread gets 4 (Intel SDM
		 * 20.2, "Architectural Performance Monitoring"). AMD cores keep
		 * theirs per thread, and have no fixed counters.
		 */
		if (caps->fixed > 0) {
			int cap = cjd_read_int_file("/sys/devices/system/cpu/smt/active", 1) ? 4 : 8;
			if (caps->generic > cap)
				caps->generic = cap;
		}
		caps->watchdog = cjd_read_int_file("/proc/sys/kernel/nmi_watchdog", 0) == 1;
		return 0;
	}
	return -ENOENT;
}

size_t cjd_pfm_list(void *out, bool all, bool events)
{
	FILE *f = out;
	size_t lines = 0;
	pfm_pmu_t pmu;

	if (cjd_pfm_init(NULL, 0))
		return 0;
	pfm_for_all_pmus(pmu)
	{
		pfm_pmu_info_t info;
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(pmu, &info) != PFM_SUCCESS || (!all && !info.is_present))
			continue;
		fprintf(f, "%s\t%s\t%s\tcounters=%d fixed=%d events=%d\n", info.name,
			info.desc ? info.desc : "", info.is_present ? "present" : "-",
			info.num_cntrs, info.num_fixed_cntrs, info.nevents);
		lines++;
		if (!events)
			continue;
		for (int e = info.first_event; e != -1; e = pfm_get_event_next(e)) {
			pfm_event_info_t ei;
			memset(&ei, 0, sizeof(ei));
			ei.size = sizeof(ei);
			if (pfm_get_event_info(e, PFM_OS_NONE, &ei) != PFM_SUCCESS)
				continue;
			fprintf(f, "  %s::%s\n", info.name, ei.name);
			lines++;
		}
	}
	return lines;
}
