/* Maps JSON paths ("publish.endpoints[1]") to line:column in the source text, for errors after parsing. */
#ifndef CJD_COMMON_JSON_LOCATE_H
#define CJD_COMMON_JSON_LOCATE_H

#include <stddef.h>

/*
 * jansson reports positions only for syntax errors. A value that parses but
 * is wrong (a string where a number belongs, an unknown key) still deserves
 * "file:line:column", so this scans the same text once and remembers where
 * every value and every object key starts.
 */
struct cjd_json_locations;

/* Scans text (which jansson already accepted). Returns NULL on ENOMEM or on
 * text it cannot follow; lookups on NULL simply find nothing. */
struct cjd_json_locations *cjd_json_locate(const char *text, size_t len);

/* Accepts NULL. */
void cjd_json_locations_free(struct cjd_json_locations *loc);

/*
 * Appends an object key to a path as cjd_json_where() expects it: joined with
 * '.', and with '.', '[' and '\\' inside the key escaped by a backslash, so
 * {"a.b": 1} and {"a": {"b": 1}} have different paths. Cuts at len.
 */
void cjd_json_path_append(char *path, size_t len, const char *key);

/*
 * Finds where the value at `path` starts; for a path ending in an object key,
 * `key_pos` selects the key's own position instead (useful for "unknown key").
 * Paths: "" is the root, "a.b" object members, "a[3]" array elements (keys
 * escaped as cjd_json_path_append() does).
 * Returns 0 with line and column (1-based) set, or -ENOENT.
 */
int cjd_json_where(const struct cjd_json_locations *loc, const char *path, int key_pos, int *line,
		   int *column);

#endif
