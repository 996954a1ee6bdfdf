/* The one JSON writer for documents built field by field (alerts, trace lines, models, reports). */
#ifndef CJD_COMMON_JSON_WRITER_H
#define CJD_COMMON_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/buf.h"

/*
 * Two levels, both appending to a struct cjd_buf:
 *
 * - Tokens (cjd_json_put_*): one JSON string or number, for writers whose
 *   layout is their own (the trace line, the model file's indentation).
 * - A structured writer (struct cjd_jw): objects, arrays, members and commas,
 *   compact, for documents built in code (alerts, status messages, reports).
 *   jansson stays the tool for documents that are parsed, edited or re-emitted
 *   (cjd_json_dumps); this writer is for the measured hot paths and for output
 *   whose exact text jansson cannot give (floats printed as floats).
 *
 * Escaping (one rule everywhere): '"' and '\' are backslashed; \n \r \t \b \f
 * get their short escapes; every other byte below 0x20, and 0x7f, becomes
 * \u00XX (lower-case hex); all other bytes are copied as they are.
 *
 * Numbers: floats and doubles are printed as the shortest text that reads back
 * to the same value (cjd_fmt_float / cjd_fmt_double); integers in decimal.
 */

/*
 * Appends s as a quoted, escaped JSON string; its bytes are copied as they are
 * (the caller vouches for UTF-8 or accepts what it has). Returns 0 or b->err.
 */
int cjd_json_put_str(struct cjd_buf *b, const char *s);

/* The same for n bytes of s, which may hold NULs (written as \u0000). */
int cjd_json_put_strn(struct cjd_buf *b, const char *s, size_t n);

/*
 * The same for the C string s, with every byte that is not part of well-formed
 * UTF-8 replaced by U+FFFD (one replacement per bad byte, so a good byte is
 * never swallowed); *replaced is set to true when one was. Returns 0 or b->err.
 */
int cjd_json_put_str_utf8(struct cjd_buf *b, const char *s, bool *replaced);

/*
 * Appends v as its shortest round-trip text. A non-finite value appends
 * "null" and returns -EDOM (b->err stays clear: the caller decides whether
 * that is an error). Returns 0, -EDOM or b->err.
 */
int cjd_json_put_float(struct cjd_buf *b, float v);
int cjd_json_put_double(struct cjd_buf *b, double v);

#define CJD_JW_MAX_DEPTH 12

/* Flags of cjd_jw_init. */
enum {
	/* strings with invalid UTF-8 get U+FFFD (see cjd_json_put_str_utf8) and
	 * utf8_replaced is set; without it bytes are copied as they are */
	CJD_JW_UTF8_REPLACE = 1u << 0,
};

/*
 * Builds one compact JSON document in w->buf. Errors are sticky (the buffer's
 * -ENOMEM/-EOVERFLOW, or the writer's own -EOVERFLOW when nesting passes
 * CJD_JW_MAX_DEPTH - 1 and -EPROTO for an end that does not match its start),
 * so a serializer writes the whole document and checks once (cjd_jw_take).
 * A NULL key means "array element" (or the top-level value). Not thread-safe.
 */
struct cjd_jw {
	struct cjd_buf buf;
	int err;
	int depth;
	unsigned flags;
	bool utf8_replaced; /* some string had invalid UTF-8 (CJD_JW_UTF8_REPLACE) */
	bool first[CJD_JW_MAX_DEPTH];
	char open[CJD_JW_MAX_DEPTH]; /* '{' or '[' per level, to check each end */
};

void cjd_jw_init(struct cjd_jw *w, unsigned flags);

/* Frees the buffer (also after cjd_jw_take). Accepts NULL. */
void cjd_jw_release(struct cjd_jw *w);

/* The first error so far, or 0. */
int cjd_jw_error(const struct cjd_jw *w);

/*
 * Hands the document over (NUL-terminated, the caller frees it; see
 * cjd_buf_steal). Fails with -EPROTO when an object or array is still open,
 * or with the first error; then nothing is handed over and the buffer is
 * freed. Returns 0 or the error.
 */
int cjd_jw_take(struct cjd_jw *w, char **out, size_t *out_len);

void cjd_jw_obj(struct cjd_jw *w, const char *key);
void cjd_jw_arr(struct cjd_jw *w, const char *key);
/* Closes the innermost object ('}') or array (']'); close must match it. */
void cjd_jw_end(struct cjd_jw *w, char close);
/* A NULL val is written as "". */
void cjd_jw_str(struct cjd_jw *w, const char *key, const char *val);
void cjd_jw_u64(struct cjd_jw *w, const char *key, uint64_t v);
void cjd_jw_i64(struct cjd_jw *w, const char *key, int64_t v);
void cjd_jw_bool(struct cjd_jw *w, const char *key, bool v);
void cjd_jw_float(struct cjd_jw *w, const char *key, float v);   /* null when non-finite */
void cjd_jw_double(struct cjd_jw *w, const char *key, double v); /* null when non-finite */
void cjd_jw_null(struct cjd_jw *w, const char *key);
/* "key": ["a", "b", ...] */
void cjd_jw_strs(struct cjd_jw *w, const char *key, const char *const *vals, size_t n);

#endif
