/* Compact JSON text of a jansson value with exact, shortest numbers (jansson's own dumper prints %.17g). */
#ifndef CJD_COMMON_JSON_DUMP_H
#define CJD_COMMON_JSON_DUMP_H

#include <jansson.h>

/*
 * The compact text of v (no spaces; object members in jansson's order, which is
 * insertion order), like json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) except
 * for reals: jansson prints them with %.17g, so 0.1 comes out as
 * 0.10000000000000001; here each is the shortest text that reads back to the
 * same double (cjd_fmt_double), with ".0" added when that text looks like an
 * integer so the value stays a real when parsed again. Strings are escaped by
 * cjd_json_put_strn (embedded NULs as \u0000).
 *
 * Returns a NUL-terminated string the caller frees, or NULL when out of
 * memory or when v nests deeper than 1000 levels (jansson's own parse limit
 * is 2048, but nothing of ours comes close).
 */
char *cjd_json_dumps(const json_t *v);

#endif
