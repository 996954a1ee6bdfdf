/* "Did you mean ...?": the closest of a list of known names to a mistyped one. */
#ifndef CJD_COMMON_SUGGEST_H
#define CJD_COMMON_SUGGEST_H

#include <stddef.h>

/*
 * Optimal-string-alignment distance between a and b: insertions, deletions,
 * substitutions and swaps of two adjacent characters each cost 1, ASCII
 * letters compared without case. Strings longer than 63 bytes are not
 * compared (returns 1000): names are short.
 */
unsigned cjd_edit_distance(const char *a, const char *b);

/*
 * The candidate a user most likely meant by s, or NULL when none is close
 * enough to be a typo: at most 1 edit for names of up to 4 characters, 2 up
 * to 8, 3 beyond; or s a prefix of the candidate, or the candidate of s, of
 * at least 3 characters ("warning" -> "warn"). The smallest distance wins,
 * then the first in the list. An exact match is returned too. The result
 * points into cands. Pure; thread-safe.
 */
const char *cjd_suggest(const char *s, const char *const *cands, size_t n);

#endif
