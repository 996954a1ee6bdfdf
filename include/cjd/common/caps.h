/* What this process may do: its effective capabilities and the perf_event_paranoid knob, read from /proc (no libcap). */
#ifndef CJD_COMMON_CAPS_H
#define CJD_COMMON_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Read-only questions the agent, the banner and the evidence probes ask
 * before they try something; the kernel still has the last word on every
 * call. No state, thread-safe.
 */

/* CapEff of this process, as the kernel reports it in /proc/self/status.
 * Returns 0, -ENOENT (no CapEff line) or the errno of opening the file. */
int cjd_caps_effective(uint64_t *mask);

/* True when capability `cap` (CAP_SYS_PTRACE, ...) is in the effective set; false when it is
 * not, when cap is out of range, or when the set cannot be read. */
bool cjd_caps_have(int cap);

/* True for CAP_PERFMON, or CAP_SYS_ADMIN (what kernels before 5.8 use for perf). */
bool cjd_caps_have_perfmon(void);

/* kernel.perf_event_paranoid (-1 to 4 on known kernels; Debian adds 3), or 2, the kernel's
 * default, when it cannot be read. */
int cjd_caps_perf_paranoid(void);

#endif
