/* Clocks, durations, RFC 3339 timestamps and the host name. */
#ifndef CJD_COMMON_TIME_H
#define CJD_COMMON_TIME_H

#include <stddef.h>
#include <stdint.h>

#define CJD_NSEC_PER_SEC 1000000000ull

/* CLOCK_MONOTONIC / CLOCK_REALTIME in ns. */
uint64_t cjd_now_mono_ns(void);
uint64_t cjd_now_real_ns(void);

/*
 * Parses a duration: an integer or decimal with a unit of ns, us, ms, s, m or h
 * ("200ms", "1.5s", "2m"). A bare number means seconds. Returns 0 or -EINVAL
 * (bad syntax) or -ERANGE (overflow).
 */
int cjd_duration_parse(const char *s, uint64_t *ns);

/* Formats ns as the shortest exact unit form ("200ms", "1s", "90s"). */
const char *cjd_duration_format(uint64_t ns, char *buf, size_t len);

/* Formats a CLOCK_REALTIME ns value as RFC 3339 UTC with ns ("...T12:00:00.123456789Z"). */
const char *cjd_rfc3339_ns(uint64_t real_ns, char *buf, size_t len);

/* Same with whole seconds ("2026-11-26T18:00:00Z"). */
const char *cjd_rfc3339_sec(uint64_t real_ns, char *buf, size_t len);

/*
 * Parses an RFC 3339 time into CLOCK_REALTIME ns: "2026-12-03T10:00:00Z",
 * with any fraction of a second ("...:00.5Z", digits beyond ns dropped) and
 * an offset ("...T11:00:00+01:00"); 't'/'z' and a space for 'T' are taken
 * too. A bare date ("2026-12-03") means its midnight UTC. A time without an
 * offset is refused (local time is ambiguous). Returns 0, -EINVAL (not such
 * a time, or an impossible date such as Feb 30) or -ERANGE (before 1970).
 */
int cjd_rfc3339_parse(const char *s, uint64_t *real_ns);

/* This machine's host name, never empty ("localhost" at worst). */
const char *cjd_hostname(char *buf, size_t len);

#endif
