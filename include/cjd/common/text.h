/* Small text and number helpers: parsing sizes, JSON string escaping, UTF-8 checks, shortest float printing, names and globs. */
#ifndef CJD_COMMON_TEXT_H
#define CJD_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CJD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parses a byte size with optional K/M/G (powers of 1024) suffix. */
int cjd_size_parse(const char *s, uint64_t *bytes);

/* Parses an unsigned decimal integer occupying the whole string. */
int cjd_parse_u64(const char *s, uint64_t *out);

/* Checks that s[0..len) is well-formed UTF-8. Returns the offset of the first
 * bad byte, or len when all is well. */
size_t cjd_utf8_check(const char *s, size_t len);

/*
 * Formats a float/double with the fewest significant digits that read back to the same
 * value ("1", "0.25", "0.1", "1e-07", "0.96310896" for 0.96310896f): the one way every
 * number reaching a user or a file is printed (JSON, ECS, CEF, syslog, configs, models).
 * A float is printed as a float, so its text has no digits the float does not hold.
 * Returns the length written, -ENOSPC when len is too small, -EDOM for a non-finite value.
 */
int cjd_fmt_float(char *buf, size_t len, float v);
int cjd_fmt_double(char *buf, size_t len, double v);

/*
 * xorshift64: the cheap, repeatable pseudo-random numbers benchmarks and test
 * generators use (never for anything secret). *state must not be 0.
 */
uint64_t cjd_xorshift64(uint64_t *state);

/* A double in [0, 1) from cjd_xorshift64. */
double cjd_xorshift64_unit(uint64_t *state);

/* Median of v[0..n) (sorts v in place); 0 for n == 0. */
double cjd_median(double *v, size_t n);

/* qsort comparator for doubles, ascending. */
int cjd_cmp_double(const void *a, const void *b);

/*
 * A name as models and corpus workloads use it: 1 to 64 characters of A-Z a-z 0-9 . _ + -
 * (it ends up in file names, labels and alert fields, so nothing that needs quoting).
 */
bool cjd_name_char_ok(unsigned char c);
bool cjd_name_ok(const char *s);

/* fnmatch(3) against a list of globs; true when any matches. */
bool cjd_glob_any(const char *const *globs, size_t n, const char *s);

#endif
