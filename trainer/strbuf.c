/* The growable text buffer behind the model writer, the eval JSON and the gnuplot script. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"
#include "strbuf_internal.h"

void cjd_sb_init(struct cjd_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void cjd_sb_release(struct cjd_sb *sb)
{
	free(sb->buf);
	cjd_sb_init(sb);
}

int cjd_sb_error(const struct cjd_sb *sb)
{
	if (sb->oom)
		return -ENOMEM;
	return sb->bad_number ? -EDOM : 0;
}

static bool reserve(struct cjd_sb *sb, size_t extra)
{
	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *nb = realloc(sb->buf, cap);
	if (!nb) {
		sb->oom = true;
		return false;
	}
	sb->buf = nb;
	sb->cap = cap;
	return true;
}

void cjd_sb_add(struct cjd_sb *sb, const char *s)
{
	size_t n = strlen(s);

	if (!reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n + 1);
	sb->len += n;
}

void cjd_sb_addf(struct cjd_sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void cjd_sb_json_string(struct cjd_sb *sb, const char *s)
{
	/* Worst case every byte becomes \u00XX, plus the quotes. */
	size_t need = strlen(s) * 6 + 3;
	size_t pos;

	if (!reserve(sb, need))
		return;
	pos = sb->len;
	if (cjd_json_escape(sb->buf, sb->cap, &pos, s)) {
		sb->oom = true; /* cannot happen after the reserve above */
		return;
	}
	sb->len = pos;
	sb->buf[sb->len] = '\0';
}

void cjd_sb_float(struct cjd_sb *sb, float v)
{
	char tmp[32];

	if (cjd_fmt_float(tmp, sizeof(tmp), v) < 0) {
		sb->bad_number = true;
		cjd_sb_add(sb, "null");
		return;
	}
	cjd_sb_add(sb, tmp);
}

void cjd_sb_double(struct cjd_sb *sb, double v)
{
	char tmp[40];

	if (cjd_fmt_double(tmp, sizeof(tmp), v) < 0) {
		sb->bad_number = true;
		cjd_sb_add(sb, "null");
		return;
	}
	cjd_sb_add(sb, tmp);
}

char *cjd_sb_take(struct cjd_sb *sb, size_t *len)
{
	char *b = sb->buf;

	if (!b && reserve(sb, 0)) {
		sb->buf[0] = '\0';
		b = sb->buf;
	}
	if (len)
		*len = sb->len;
	cjd_sb_init(sb);
	return b;
}
