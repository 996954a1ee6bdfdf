/* Event names to perf_event_attr through libpfm4 (and tracefs for tracepoints), and the core PMU libpfm4 sees. */
#ifndef CJD_COLLECTOR_PFM_ENCODE_H
#define CJD_COLLECTOR_PFM_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perf_event_attr;

/*
 * Threading: libpfm4 keeps process-wide tables; call these from one thread
 * (the collector's), or serialise them. Nothing here exits or prints.
 */

/* The core PMU as libpfm4 sees it (LIBPFM_FORCE_PMU applies). */
struct cjd_pmu_caps {
	char name[64];     /* "amd64_fam19h_zen4", "icl", ... ; "" when none */
	char desc[128];
	int generic;       /* general-purpose counters usable by one group */
	int fixed;         /* fixed counters (Intel: instructions, cycles, ref-cycles) */
	bool watchdog;     /* the NMI watchdog holds a counter (kernel.nmi_watchdog=1) */
};

/* Initialises libpfm4 once per process (safe to call again). Returns 0 or
 * -EIO with libpfm4's reason in why (may be NULL). */
int cjd_pfm_init(char *why, size_t len);

/*
 * Encodes one event: a libpfm4 string (registry "perf::..." or raw
 * "pmu::EVENT:umask"), counted at user and kernel level, or
 * "tracepoint:<subsystem>:<name>" resolved through tracefs. attr is zeroed
 * first. Returns 0, -ENOENT (unknown event or tracepoint), -EACCES (tracefs
 * unreadable), -EINVAL (malformed), with a one-line reason in why.
 */
int cjd_event_encode(const char *encoding, struct perf_event_attr *attr, char *why, size_t len);

/* Fills caps for the first present core PMU (libpfm4). Returns 0 or -ENOENT. */
int cjd_pmu_caps_get(struct cjd_pmu_caps *caps);

/* Lists libpfm4 PMUs (present ones, or all when `all`) and, when `events`,
 * their event names, one per line, to `out` (a FILE *). Returns lines written. */
size_t cjd_pfm_list(void *out, bool all, bool events);

#endif
