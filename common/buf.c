/* The growable byte buffer: overflow-checked doubling, sticky errors, NUL-terminated content. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/buf.h"

/* The first allocation: most lines and messages fit, and it costs one malloc. */
#define MIN_CAP 256u

void cjd_buf_init(struct cjd_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void cjd_buf_release(struct cjd_buf *b)
{
	if (!b)
		return;
	free(b->data);
	cjd_buf_init(b);
}

void cjd_buf_clear(struct cjd_buf *b)
{
	cjd_buf_truncate(b, 0);
}

void cjd_buf_truncate(struct cjd_buf *b, size_t len)
{
	b->err = 0;
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

int cjd_buf_reserve(struct cjd_buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (n >= SIZE_MAX - b->len) /* len + n + 1 would wrap */
		return b->err = -EOVERFLOW;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
	if (cap < MIN_CAP)
		cap = MIN_CAP;
	if (cap < need)
		cap = need;
	char *d = realloc(b->data, cap);
	if (!d)
		return b->err = -ENOMEM;
	if (!b->data)
		d[0] = '\0';
	b->data = d;
	b->cap = cap;
	return 0;
}

void cjd_buf_advance(struct cjd_buf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

int cjd_buf_add(struct cjd_buf *b, const void *p, size_t n)
{
	int rc = cjd_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cjd_buf_puts(struct cjd_buf *b, const char *s)
{
	return cjd_buf_add(b, s, strlen(s));
}

int cjd_buf_putc(struct cjd_buf *b, char c)
{
	return cjd_buf_add(b, &c, 1);
}

int cjd_buf_put_u64(struct cjd_buf *b, unsigned long long v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return cjd_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int cjd_buf_vprintf(struct cjd_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	/* one pass when the text fits in the room left, two when it must grow */
	if (cjd_buf_reserve(b, 0))
		return b->err;
	va_copy(again, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		if (cjd_buf_reserve(b, (size_t)n)) {
			b->data[b->len] = '\0';
			va_end(again);
			return b->err;
		}
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
	}
	va_end(again);
	if (n < 0) {
		b->data[b->len] = '\0';
		return -EINVAL; /* a format error is the caller's bug, not the buffer's state */
	}
	b->len += (size_t)n;
	return 0;
}

int cjd_buf_printf(struct cjd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cjd_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int cjd_buf_steal(struct cjd_buf *b, char **out, size_t *len)
{
	int rc = b->err;

	*out = NULL;
	if (len)
		*len = 0;
	if (!rc)
		rc = cjd_buf_reserve(b, 0); /* an empty buffer still hands over "" */
	if (rc) {
		cjd_buf_release(b);
		return rc;
	}
	*out = b->data;
	if (len)
		*len = b->len;
	cjd_buf_init(b);
	return 0;
}
