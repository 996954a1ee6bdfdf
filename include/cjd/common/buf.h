/* The one growable byte buffer under every writer (JSON, trace lines, frames, models, scripts). */
#ifndef CJD_COMMON_BUF_H
#define CJD_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable buffer, as jansson's strbuffer serves all its output. The struct
 * is public so that a buffer can live on the stack or inside another struct
 * (CJD_BUF_INIT or cjd_buf_init); only the functions below change it.
 *
 * data is NUL-terminated whenever it is non-NULL (len excludes the NUL), so
 * text can be used as a C string at any time; binary data may hold NULs.
 *
 * Errors are sticky: the first failed append sets err (-ENOMEM, or -EOVERFLOW
 * when a size would not fit in size_t), leaves the content as it was, and every
 * later append does nothing and returns err. A writer may append freely and
 * check once, at the end (cjd_buf_steal returns err). A writer may also set
 * err to its own negative errno to refuse the rest of a document (the model
 * writer does, with -EDOM, for a number it cannot write). Not thread-safe.
 */
struct cjd_buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	int err;
};

#define CJD_BUF_INIT {NULL, 0, 0, 0}

void cjd_buf_init(struct cjd_buf *b);

/* Frees the memory and re-initialises b (err cleared). Accepts NULL. */
void cjd_buf_release(struct cjd_buf *b);

/* Empties b (len 0, err cleared) and keeps its memory for reuse. */
void cjd_buf_clear(struct cjd_buf *b);

/*
 * Cuts b back to its first len bytes (len <= b->len; a larger len keeps the
 * content) and clears err: a writer drops a record it could not complete and
 * carries on with the ones before it.
 */
void cjd_buf_truncate(struct cjd_buf *b, size_t len);

/*
 * Makes room for n more bytes plus the NUL, growing the capacity at least
 * twofold (amortised O(1) appends). Returns 0, or err (see above).
 */
int cjd_buf_reserve(struct cjd_buf *b, size_t n);

/*
 * Counts n bytes the caller wrote at data + len itself (after cjd_buf_reserve
 * made room for at least n), e.g. with read(2) straight into the buffer.
 */
void cjd_buf_advance(struct cjd_buf *b, size_t n);

/* Appends n bytes of p (p may be NULL when n is 0). Returns 0 or err. */
int cjd_buf_add(struct cjd_buf *b, const void *p, size_t n);

/* Appends the C string s. Returns 0 or err. */
int cjd_buf_puts(struct cjd_buf *b, const char *s);

/* Appends one byte. Returns 0 or err. */
int cjd_buf_putc(struct cjd_buf *b, char c);

/* Appends v in decimal (faster than printf("%llu"); hot writers use it). Returns 0 or err. */
int cjd_buf_put_u64(struct cjd_buf *b, unsigned long long v);

/* Appends printf-style text. Returns 0 or err (-EINVAL for a format error). */
int cjd_buf_printf(struct cjd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cjd_buf_vprintf(struct cjd_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Hands the content to the caller: *out gets a NUL-terminated heap string the
 * caller frees (an empty string when nothing was appended) and *len (may be
 * NULL) its length; b is left empty and reusable. When b->err is set, nothing
 * is handed over (*out = NULL), the memory is freed and err is returned.
 * Returns 0, -ENOMEM or err.
 */
int cjd_buf_steal(struct cjd_buf *b, char **out, size_t *len);

#endif
