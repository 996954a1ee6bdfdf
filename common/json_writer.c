/* JSON on a cjd_buf: escaped strings, shortest numbers, and a compact structured writer. */
#include <errno.h>
#include <string.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"

/* Bytes that cannot appear raw in a JSON string (and DEL, which we escape too). */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

/* Appends s[0..n) escaped, without quotes: runs of plain bytes in one copy each. */
static int escape_run(struct cjd_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	while (i < n) {
		size_t start = i;
		while (i < n && !needs_escape((unsigned char)s[i]))
			i++;
		if (i > start && cjd_buf_add(b, s + start, i - start))
			return b->err;
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i++];
		char esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t k = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			k = 6;
		}
		if (cjd_buf_add(b, esc, k))
			return b->err;
	}
	return 0;
}

int cjd_json_put_strn(struct cjd_buf *b, const char *s, size_t n)
{
	/* room for the common case (nothing to escape) in one go */
	if (cjd_buf_reserve(b, n < SIZE_MAX - 2 ? n + 2 : n))
		return b->err;
	cjd_buf_putc(b, '"');
	escape_run(b, s, n);
	return cjd_buf_putc(b, '"');
}

int cjd_json_put_str(struct cjd_buf *b, const char *s)
{
	return cjd_json_put_strn(b, s, strlen(s));
}

int cjd_json_put_str_utf8(struct cjd_buf *b, const char *s, bool *replaced)
{
	static const char fffd[] = "\xef\xbf\xbd";
	size_t n = strlen(s), in = 0;

	if (cjd_buf_reserve(b, n + 2))
		return b->err;
	cjd_buf_putc(b, '"');
	while (in < n) {
		size_t ok = cjd_utf8_check(s + in, n - in);
		escape_run(b, s + in, ok);
		in += ok;
		if (in < n) {
			cjd_buf_add(b, fffd, 3);
			in++;
			*replaced = true;
		}
	}
	return cjd_buf_putc(b, '"');
}

/* Appends a number's text t of n bytes, or null when the formatter refused the value (n < 0). */
static int put_number(struct cjd_buf *b, const char *t, int n)
{
	if (n < 0)
		return cjd_buf_add(b, "null", 4) ? b->err : -EDOM;
	return cjd_buf_add(b, t, (size_t)n);
}

int cjd_json_put_float(struct cjd_buf *b, float v)
{
	char t[40];

	return put_number(b, t, cjd_fmt_float(t, sizeof(t), v));
}

int cjd_json_put_double(struct cjd_buf *b, double v)
{
	char t[40];

	return put_number(b, t, cjd_fmt_double(t, sizeof(t), v));
}

/* ---- the structured writer ---- */

void cjd_jw_init(struct cjd_jw *w, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	cjd_buf_init(&w->buf);
	w->flags = flags;
	w->first[0] = true;
}

void cjd_jw_release(struct cjd_jw *w)
{
	if (w)
		cjd_buf_release(&w->buf);
}

int cjd_jw_error(const struct cjd_jw *w)
{
	return w->err ? w->err : w->buf.err;
}

int cjd_jw_take(struct cjd_jw *w, char **out, size_t *out_len)
{
	int rc = cjd_jw_error(w);

	if (!rc && w->depth != 0)
		rc = -EPROTO; /* unbalanced: a serializer bug, never input */
	if (rc) {
		*out = NULL;
		cjd_buf_release(&w->buf);
		return rc;
	}
	return cjd_buf_steal(&w->buf, out, out_len);
}

static void string(struct cjd_jw *w, const char *s)
{
	if (w->flags & CJD_JW_UTF8_REPLACE)
		cjd_json_put_str_utf8(&w->buf, s, &w->utf8_replaced);
	else
		cjd_json_put_str(&w->buf, s);
}

/* Comma and key before a value; key NULL inside arrays and at the top. */
static bool lead(struct cjd_jw *w, const char *key)
{
	if (cjd_jw_error(w))
		return false;
	if (!w->first[w->depth])
		cjd_buf_putc(&w->buf, ',');
	w->first[w->depth] = false;
	if (key && w->depth > 0) {
		string(w, key);
		cjd_buf_putc(&w->buf, ':');
	}
	return true;
}

static void open_(struct cjd_jw *w, const char *key, char c)
{
	if (!lead(w, key))
		return;
	if (w->depth + 1 >= CJD_JW_MAX_DEPTH) {
		w->err = -EOVERFLOW;
		return;
	}
	cjd_buf_putc(&w->buf, c);
	w->depth++;
	w->first[w->depth] = true;
	w->open[w->depth] = c;
}

void cjd_jw_obj(struct cjd_jw *w, const char *key)
{
	open_(w, key, '{');
}

void cjd_jw_arr(struct cjd_jw *w, const char *key)
{
	open_(w, key, '[');
}

void cjd_jw_end(struct cjd_jw *w, char close)
{
	if (cjd_jw_error(w))
		return;
	if (w->depth <= 0 || close != (w->open[w->depth] == '{' ? '}' : ']')) {
		w->err = -EPROTO;
		return;
	}
	w->depth--;
	cjd_buf_putc(&w->buf, close);
}

void cjd_jw_str(struct cjd_jw *w, const char *key, const char *val)
{
	if (lead(w, key))
		string(w, val ? val : "");
}

void cjd_jw_u64(struct cjd_jw *w, const char *key, uint64_t v)
{
	if (lead(w, key))
		cjd_buf_put_u64(&w->buf, v);
}

void cjd_jw_i64(struct cjd_jw *w, const char *key, int64_t v)
{
	if (!lead(w, key))
		return;
	if (v < 0) {
		cjd_buf_putc(&w->buf, '-');
		cjd_buf_put_u64(&w->buf, 0ull - (uint64_t)v); /* also right for INT64_MIN */
	} else {
		cjd_buf_put_u64(&w->buf, (uint64_t)v);
	}
}

void cjd_jw_bool(struct cjd_jw *w, const char *key, bool v)
{
	if (lead(w, key))
		cjd_buf_puts(&w->buf, v ? "true" : "false");
}

void cjd_jw_null(struct cjd_jw *w, const char *key)
{
	if (lead(w, key))
		cjd_buf_add(&w->buf, "null", 4);
}

void cjd_jw_float(struct cjd_jw *w, const char *key, float v)
{
	if (lead(w, key))
		cjd_json_put_float(&w->buf, v); /* -EDOM: null, as documented */
}

void cjd_jw_double(struct cjd_jw *w, const char *key, double v)
{
	if (lead(w, key))
		cjd_json_put_double(&w->buf, v);
}

void cjd_jw_strs(struct cjd_jw *w, const char *key, const char *const *vals, size_t n)
{
	cjd_jw_arr(w, key);
	for (size_t i = 0; i < n; i++)
		cjd_jw_str(w, NULL, vals[i]);
	cjd_jw_end(w, ']');
}
