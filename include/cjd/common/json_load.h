/* Loading a JSON document from a file or a buffer, with errors that name the file, line and column. */
#ifndef CJD_COMMON_JSON_LOAD_H
#define CJD_COMMON_JSON_LOAD_H

#include <stddef.h>

#include <jansson.h>

#include "cjd/common/error.h"

/*
 * Reads the regular file `path` of at most max_bytes into *text (malloc'ed,
 * NUL-terminated, *len bytes without the NUL; the caller frees it). `what`
 * names the file in errors ("model": "cannot open model: ..."). Returns 0, or
 * a negative errno with err naming path: the open's errno, -EINVAL (not a
 * regular file), -EFBIG (larger than max_bytes), -ENOMEM, or the read's.
 * Thread-safe.
 */
int cjd_json_read_file(const char *path, size_t max_bytes, const char *what, char **text,
		       size_t *len, struct cjd_error *err);

/*
 * Parses text (len bytes) with JSON_REJECT_DUPLICATES into *root (the
 * caller's reference). Returns 0, or -EINVAL with err at jansson's line and
 * column in `name` (the file the text came from). Thread-safe.
 */
int cjd_json_parse(const char *name, const char *text, size_t len, json_t **root,
		   struct cjd_error *err);

#endif
