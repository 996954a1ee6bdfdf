/* Whether this process runs under an emulator such as qemu-user, so that benchmark timings say so. */
#ifndef CJD_BENCH_EMULATION_H
#define CJD_BENCH_EMULATION_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when timings taken in this process measure an emulator rather than a
 * CPU of the binary's architecture; why then gets the evidence (else ""):
 *  - $CJD_EMULATOR names the emulator (scripts/test --arm64 sets it to the
 *    qemu it runs), or
 *  - /proc/cpuinfo describes a CPU of another architecture than the
 *    binary's: qemu-user (Debian 12's 7.2) passes the host's file through,
 *    so an arm64 binary on an x86 host reads x86 "vendor_id" lines, and an
 *    x86 binary on an arm64 host reads "CPU implementer" lines.
 * An emulator that fakes /proc/cpuinfo is only recognised through
 * $CJD_EMULATOR. Thread-safe; reads the file on every call.
 */
bool cjd_bench_emulated(char *why, size_t len);

#endif
