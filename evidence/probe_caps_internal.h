/* What the evidence probes may do here: capabilities and perf_event_paranoid, for the _available() checks. */
#ifndef CJD_EVIDENCE_PROBE_CAPS_INTERNAL_H
#define CJD_EVIDENCE_PROBE_CAPS_INTERNAL_H

#include <stdbool.h>

/* True when `cap` (CAP_SYS_PTRACE, ...) is in this process's effective set. */
bool cjd_probe_has_cap(int cap);

/* True for CAP_PERFMON, or CAP_SYS_ADMIN (which kernels before 5.8 use for perf). */
bool cjd_probe_has_perfmon(void);

/* kernel.perf_event_paranoid, or 2 (the default) when unreadable. */
int cjd_probe_perf_paranoid(void);

#endif
