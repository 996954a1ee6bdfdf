/* The event registry: the one table of events cjd knows by name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cjd/common/event.h"

/*
 * libpfm4's generic "perf::" PMU encodes the hardware and software events the
 * same way on every CPU, so this table stays portable; raw, CPU-specific
 * strings (amd64_fam19h_zen4::...) are accepted by the collector on top of it.
 * Tracepoints are not in libpfm4's reach without debugfs, so the collector
 * resolves "tracepoint:" encodings through tracefs itself.
 */
static const struct cjd_event_info registry[CJD_EV__COUNT] = {
	[CJD_EV_CYCLES] = {"cycles", CJD_EVK_HARDWARE, "count", "perf::cycles",
			   "CPU core cycles"},
	[CJD_EV_INSTRUCTIONS] = {"instructions", CJD_EVK_HARDWARE, "count", "perf::instructions",
				 "retired instructions"},
	[CJD_EV_BRANCHES] = {"branches", CJD_EVK_HARDWARE, "count", "perf::branches",
			     "retired branch instructions"},
	[CJD_EV_BRANCH_MISSES] = {"branch-misses", CJD_EVK_HARDWARE, "count",
				  "perf::branch-misses", "mispredicted branches"},
	[CJD_EV_CACHE_REFERENCES] = {"cache-references", CJD_EVK_HARDWARE, "count",
				     "perf::cache-references", "last-level cache references"},
	[CJD_EV_CACHE_MISSES] = {"cache-misses", CJD_EVK_HARDWARE, "count", "perf::cache-misses",
				 "last-level cache misses"},
	[CJD_EV_L1D_LOAD_MISSES] = {"L1-dcache-load-misses", CJD_EVK_HARDWARE, "count",
				    "perf::L1-dcache-load-misses", "L1 data cache load misses"},
	[CJD_EV_LLC_LOAD_MISSES] = {"LLC-load-misses", CJD_EVK_HARDWARE, "count",
				    "perf::LLC-load-misses", "last-level cache load misses"},
	[CJD_EV_TASK_CLOCK] = {"task-clock", CJD_EVK_SOFTWARE, "ns", "perf::task-clock",
			       "CPU time spent by the cgroup's tasks"},
	[CJD_EV_CONTEXT_SWITCHES] = {"context-switches", CJD_EVK_SOFTWARE, "count",
				     "perf::context-switches", "context switches"},
	[CJD_EV_CPU_MIGRATIONS] = {"cpu-migrations", CJD_EVK_SOFTWARE, "count",
				   "perf::cpu-migrations", "migrations between CPUs"},
	[CJD_EV_PAGE_FAULTS] = {"page-faults", CJD_EVK_SOFTWARE, "count", "perf::page-faults",
				"page faults"},
	[CJD_EV_SYSCALLS] = {"syscalls", CJD_EVK_TRACEPOINT, "count",
			     "tracepoint:raw_syscalls:sys_enter", "system calls entered"},
};

const struct cjd_event_info *cjd_event_info(enum cjd_event ev)
{
	if ((unsigned)ev >= CJD_EV__COUNT)
		return NULL;
	return &registry[ev];
}

int cjd_event_lookup(const char *name)
{
	for (int i = 0; i < CJD_EV__COUNT; i++)
		if (strcmp(registry[i].name, name) == 0)
			return i;
	return -ENOENT;
}

size_t cjd_event_mask_format(cjd_event_mask mask, char *buf, size_t len)
{
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < CJD_EV__COUNT; i++) {
		if (!(mask & CJD_EVMASK(i)))
			continue;
		int n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0, "%s%s",
				 pos ? "," : "", registry[i].name);
		pos += (size_t)n;
	}
	return pos;
}

int cjd_event_mask_parse(const char *list, cjd_event_mask *mask, char *bad, size_t badlen)
{
	cjd_event_mask m = 0;
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[64];
		int ev = -ENOENT;

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			ev = cjd_event_lookup(name);
		}
		if (ev < 0) {
			if (bad && badlen)
				snprintf(bad, badlen, "%.*s", (int)(n < 63 ? n : 63), p);
			return -ENOENT;
		}
		m |= CJD_EVMASK(ev);
		p += n;
		if (*p == ',')
			p++;
	}
	*mask = m;
	return 0;
}

const char *cjd_mode_name(enum cjd_mode mode)
{
	return mode == CJD_MODE_HARDWARE ? "hardware" : "software";
}

enum cjd_mode cjd_mode_of(cjd_event_mask mask)
{
	cjd_event_mask need = CJD_EVMASK(CJD_EV_CYCLES) | CJD_EVMASK(CJD_EV_INSTRUCTIONS);

	return (mask & need) == need ? CJD_MODE_HARDWARE : CJD_MODE_SOFTWARE;
}
