/* One sample line of a trace: a strict, allocation-free JSON parser for the fixed schema, and its formatter. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"
#include "cjd/common/trace_line.h"

/*
 * Why not jansson here: replay must parse hundreds of thousands of lines a
 * second, and a generic DOM costs an allocation per value. The schema is
 * fixed, so a small recursive-descent parser over the line, writing decoded
 * strings into caller scratch, is both faster and able to say exactly which
 * column is wrong.
 */

struct lex {
	const char *base;
	const char *p;
	const char *end;
	char *scratch; /* decoded strings go here */
	size_t sp;
	struct cjd_error *err;
};

static int lex_err(struct lex *lx, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int lex_err(struct lex *lx, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cjd_error_vset(lx->err, -EINVAL, NULL, 0, (int)(at - lx->base) + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_ws(struct lex *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
		lx->p++;
}

static int expect(struct lex *lx, char c)
{
	skip_ws(lx);
	if (lx->p >= lx->end)
		return lex_err(lx, lx->p, "unexpected end of line, expected '%c' (truncated record?)", c);
	if (*lx->p != c)
		return lex_err(lx, lx->p, "expected '%c', found '%c'", c, *lx->p);
	lx->p++;
	return 0;
}

static const char *kind_at(const char *p, const char *end)
{
	if (p >= end)
		return "end of line";
	switch (*p) {
	case '"': return "a string";
	case '[': return "an array";
	case '{': return "an object";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	default: return (*p == '-' || (*p >= '0' && *p <= '9')) ? "a number" : "an invalid token";
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static int read_hex4(struct lex *lx, unsigned *out)
{
	unsigned v = 0;

	if (lx->end - lx->p < 4)
		return lex_err(lx, lx->p, "unexpected end of line in \\u escape (truncated record?)");
	for (int i = 0; i < 4; i++) {
		int h = hexval(lx->p[i]);
		if (h < 0)
			return lex_err(lx, lx->p + i, "bad hex digit in \\u escape");
		v = v << 4 | (unsigned)h;
	}
	lx->p += 4;
	*out = v;
	return 0;
}

static void put_utf8(struct lex *lx, unsigned cp)
{
	char *o = lx->scratch + lx->sp;

	if (cp < 0x80) {
		o[0] = (char)cp;
		lx->sp += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		lx->sp += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		lx->sp += 3;
	} else {
		o[0] = (char)(0xF0 | cp >> 18);
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		lx->sp += 4;
	}
}

/*
 * Decodes a JSON string into scratch, NUL-terminated; *out points at it.
 * Decoded text is never longer than its escaped source, so scratch of
 * len+1 bytes always suffices. The line was UTF-8-checked beforehand.
 */
static int read_string(struct lex *lx, const char **out, const char *what)
{
	skip_ws(lx);
	if (lx->p >= lx->end || *lx->p != '"')
		return lex_err(lx, lx->p, "%s must be a string, found %s", what, kind_at(lx->p, lx->end));
	lx->p++;
	*out = lx->scratch + lx->sp;
	for (;;) {
		if (lx->p >= lx->end)
			return lex_err(lx, lx->p, "unexpected end of line inside a string (truncated record?)");
		unsigned char c = (unsigned char)*lx->p;
		if (c == '"') {
			lx->p++;
			break;
		}
		if (c < 0x20)
			return lex_err(lx, lx->p, "control character 0x%02x inside a string must be escaped", c);
		if (c != '\\') {
			lx->scratch[lx->sp++] = (char)c;
			lx->p++;
			continue;
		}
		const char *esc = lx->p++;
		if (lx->p >= lx->end)
			return lex_err(lx, lx->p, "unexpected end of line in an escape (truncated record?)");
		char e = *lx->p++;
		switch (e) {
		case '"': case '\\': case '/': lx->scratch[lx->sp++] = e; break;
		case 'b': lx->scratch[lx->sp++] = '\b'; break;
		case 'f': lx->scratch[lx->sp++] = '\f'; break;
		case 'n': lx->scratch[lx->sp++] = '\n'; break;
		case 'r': lx->scratch[lx->sp++] = '\r'; break;
		case 't': lx->scratch[lx->sp++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			int rc = read_hex4(lx, &cp);
			if (rc)
				return rc;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (lx->end - lx->p < 2 || lx->p[0] != '\\' || lx->p[1] != 'u')
					return lex_err(lx, esc, "unpaired UTF-16 surrogate in \\u escape");
				lx->p += 2;
				if ((rc = read_hex4(lx, &lo)))
					return rc;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return lex_err(lx, esc, "unpaired UTF-16 surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return lex_err(lx, esc, "unpaired UTF-16 surrogate in \\u escape");
			}
			if (cp == 0)
				return lex_err(lx, esc, "\\u0000 is not allowed in strings");
			put_utf8(lx, cp);
			break;
		}
		default:
			return lex_err(lx, esc, "invalid escape '\\%c'", e);
		}
	}
	lx->scratch[lx->sp++] = '\0';
	return 0;
}

/* Scans a JSON number token; *is_int says it had no fraction or exponent.
 * Returns 0, 1 when no number starts here, or -EINVAL (err set) when malformed. */
static int scan_number(struct lex *lx, const char **start, const char **stop, int *is_int)
{
	const char *p = lx->p;

	*start = p;
	*is_int = 1;
	if (p < lx->end && *p == '-')
		p++;
	if (p >= lx->end || *p < '0' || *p > '9')
		return 1;
	if (*p == '0')
		p++;
	else
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
	if (p < lx->end && *p == '.') {
		*is_int = 0;
		p++;
		if (p >= lx->end || *p < '0' || *p > '9')
			return lex_err(lx, p, "malformed number: digits must follow '.'");
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < lx->end && (*p == 'e' || *p == 'E')) {
		*is_int = 0;
		p++;
		if (p < lx->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= lx->end || *p < '0' || *p > '9')
			return lex_err(lx, p, "malformed number: digits must follow the exponent");
		while (p < lx->end && *p >= '0' && *p <= '9')
			p++;
	}
	*stop = p;
	return 0;
}

static int read_u64(struct lex *lx, uint64_t *out, const char *what)
{
	const char *s, *e;
	int is_int;
	uint64_t v = 0;

	skip_ws(lx);
	int rc = scan_number(lx, &s, &e, &is_int);
	if (rc < 0)
		return rc;
	if (rc)
		return lex_err(lx, lx->p, "%s must be an integer, found %s", what,
			       kind_at(lx->p, lx->end));
	if (*s == '-')
		return lex_err(lx, s, "%s must not be negative", what);
	if (!is_int)
		return lex_err(lx, s, "%s must be an integer, found a fraction or exponent", what);
	for (const char *p = s; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return lex_err(lx, s, "%s does not fit in 64 bits", what);
		v = v * 10 + d;
	}
	lx->p = e;
	*out = v;
	return 0;
}

static int read_ratio(struct lex *lx, float *out, const char *what)
{
	const char *s, *e;
	int is_int;
	char tmp[64];

	skip_ws(lx);
	int rc = scan_number(lx, &s, &e, &is_int);
	if (rc < 0)
		return rc;
	if (rc)
		return lex_err(lx, lx->p, "%s must be a number, found %s", what, kind_at(lx->p, lx->end));
	if ((size_t)(e - s) >= sizeof(tmp))
		return lex_err(lx, s, "%s: number too long", what);
	memcpy(tmp, s, (size_t)(e - s));
	tmp[e - s] = '\0';
	float v = strtof(tmp, NULL);
	if (!(v >= 0.0f && v <= 1.0f))
		return lex_err(lx, s, "%s is %s, outside 0..1", what, tmp);
	lx->p = e;
	*out = v;
	return 0;
}

enum { K_T = 1, K_DT = 2, K_CGROUP = 4, K_COUNTS = 8, K_RUNNING = 16, K_LABEL = 32 };

static int read_array_header(struct lex *lx, const char *what)
{
	skip_ws(lx);
	if (lx->p >= lx->end)
		return lex_err(lx, lx->p, "unexpected end of line (truncated record?)");
	if (*lx->p != '[')
		return lex_err(lx, lx->p, "\"%s\" must be an array, found %s", what,
			       kind_at(lx->p, lx->end));
	lx->p++;
	return 0;
}

typedef int (*elem_fn)(struct lex *lx, enum cjd_event ev, struct cjd_sample *s, const char *what);

static int elem_count(struct lex *lx, enum cjd_event ev, struct cjd_sample *s, const char *what)
{
	return read_u64(lx, &s->count[ev], what);
}

static int elem_running(struct lex *lx, enum cjd_event ev, struct cjd_sample *s, const char *what)
{
	return read_ratio(lx, &s->running[ev], what);
}

/* Reads an array holding exactly one value per header event, in header order. */
static int read_event_array(struct lex *lx, const struct cjd_trace_header *h, struct cjd_sample *s,
			    const char *name, elem_fn elem)
{
	int rc = read_array_header(lx, name);
	int i = 0;

	if (rc)
		return rc;
	skip_ws(lx);
	if (lx->p < lx->end && *lx->p == ']') {
		lx->p++;
		goto out_len;
	}
	for (;;) {
		if (i >= h->n_events)
			return lex_err(lx, lx->p, "\"%s\" has more values than the %d events in the header",
				       name, h->n_events);
		const char *start = lx->p;
		if (elem(lx, h->events[i], s, "")) {
			/* Name the element only when it is wrong: formatting the name for
			 * every value cost more than parsing the whole line (replay). */
			char what[64];
			snprintf(what, sizeof(what), "%s[%d] (%s)", name, i,
				 cjd_event_info(h->events[i])->name);
			lx->p = start;
			return elem(lx, h->events[i], s, what);
		}
		i++;
		skip_ws(lx);
		if (lx->p >= lx->end)
			return lex_err(lx, lx->p, "unexpected end of line in \"%s\" (truncated record?)", name);
		if (*lx->p == ']') {
			lx->p++;
			break;
		}
		if (*lx->p != ',')
			return lex_err(lx, lx->p, "expected ',' or ']' in \"%s\", found '%c'", name, *lx->p);
		lx->p++;
	}
out_len:
	if (i != h->n_events)
		return lex_err(lx, lx->p - 1, "\"%s\" has %d values, but the header lists %d events",
			       name, i, h->n_events);
	return 0;
}

static int read_member(struct lex *lx, const struct cjd_trace_header *h, struct cjd_sample *s,
		       unsigned *seen)
{
	const char *keyat, *key;
	unsigned bit;
	int rc;
	size_t mark = lx->sp;

	skip_ws(lx);
	keyat = lx->p;
	if ((rc = read_string(lx, &key, "an object key")))
		return rc;
	if (strcmp(key, "t_ns") == 0) bit = K_T;
	else if (strcmp(key, "dt_ns") == 0) bit = K_DT;
	else if (strcmp(key, "cgroup") == 0) bit = K_CGROUP;
	else if (strcmp(key, "counts") == 0) bit = K_COUNTS;
	else if (strcmp(key, "running") == 0) bit = K_RUNNING;
	else if (strcmp(key, "label") == 0) bit = K_LABEL;
	else return lex_err(lx, keyat, "unknown key \"%.64s\"", key);
	if (*seen & bit)
		return lex_err(lx, keyat, "duplicate key \"%s\"", key);
	*seen |= bit;
	lx->sp = mark; /* the key text is no longer needed */
	if ((rc = expect(lx, ':')))
		return rc;
	skip_ws(lx);
	const char *valat = lx->p;
	switch (bit) {
	case K_T:
		return read_u64(lx, &s->t_ns, "t_ns");
	case K_DT:
		if ((rc = read_u64(lx, &s->dt_ns, "dt_ns")))
			return rc;
		if (s->dt_ns == 0)
			return lex_err(lx, valat, "dt_ns must be greater than 0");
		return 0;
	case K_CGROUP:
		if ((rc = read_string(lx, &s->cgroup, "cgroup")))
			return rc;
		if (s->cgroup[0] != '/')
			return lex_err(lx, valat, "cgroup must be a path starting with '/'");
		return 0;
	case K_COUNTS:
		return read_event_array(lx, h, s, "counts", elem_count);
	case K_RUNNING:
		s->has_running = true;
		return read_event_array(lx, h, s, "running", elem_running);
	default:
		if ((rc = read_string(lx, &s->label, "label")))
			return rc;
		if (cjd_label_check(s->label))
			return lex_err(lx, valat,
				       "label \"%.64s\" is not benign[/name] or miner[/algorithm]",
				       s->label);
		return 0;
	}
}

int cjd_trace_parse_sample(const struct cjd_trace_header *h, const char *line, size_t len,
			   char *scratch, struct cjd_sample *s, struct cjd_error *err)
{
	struct lex lx = {.base = line, .p = line, .end = line + len, .scratch = scratch, .err = err};
	unsigned seen = 0;
	int rc;

	cjd_sample_clear(s);
	size_t bad = cjd_utf8_check(line, len);
	if (bad != len)
		return lex_err(&lx, line + bad, "byte 0x%02x is not valid UTF-8",
			       (unsigned char)line[bad]);
	skip_ws(&lx);
	if (lx.p >= lx.end)
		return lex_err(&lx, lx.p, "empty line");
	if ((rc = expect(&lx, '{')))
		return rc;
	skip_ws(&lx);
	if (lx.p < lx.end && *lx.p == '}') {
		lx.p++;
	} else {
		for (;;) {
			if ((rc = read_member(&lx, h, s, &seen)))
				return rc;
			skip_ws(&lx);
			if (lx.p >= lx.end)
				return lex_err(&lx, lx.p, "unexpected end of line (truncated record?)");
			if (*lx.p == '}') {
				lx.p++;
				break;
			}
			if (*lx.p != ',')
				return lex_err(&lx, lx.p, "expected ',' or '}', found '%c'", *lx.p);
			lx.p++;
		}
	}
	skip_ws(&lx);
	if (lx.p != lx.end)
		return lex_err(&lx, lx.p, "trailing characters after the sample object");
	static const struct {
		unsigned bit;
		const char *name;
	} required[] = {{K_T, "t_ns"}, {K_DT, "dt_ns"}, {K_CGROUP, "cgroup"}, {K_COUNTS, "counts"}};
	for (size_t i = 0; i < CJD_ARRAY_SIZE(required); i++)
		if (!(seen & required[i].bit))
			return lex_err(&lx, line, "missing \"%s\"", required[i].name);
	s->events = cjd_trace_header_mask(h);
	s->host = h->host;
	return 0;
}

int cjd_trace_format_sample(const struct cjd_trace_header *h, const struct cjd_sample *s,
			    struct cjd_buf *b)
{
	/* checked before anything is written, so a refused sample leaves b as it was */
	for (int i = 0; i < h->n_events; i++) {
		if (!(s->events & CJD_EVMASK(h->events[i])))
			return -EINVAL;
		if (s->has_running && !(s->running[h->events[i]] >= 0.0f &&
					 s->running[h->events[i]] <= 1.0f))
			return -EINVAL;
	}
	cjd_buf_puts(b, "{\"t_ns\":");
	cjd_buf_put_u64(b, (unsigned long long)s->t_ns);
	cjd_buf_puts(b, ",\"dt_ns\":");
	cjd_buf_put_u64(b, (unsigned long long)s->dt_ns);
	cjd_buf_puts(b, ",\"cgroup\":");
	cjd_json_put_str(b, s->cgroup ? s->cgroup : "/");
	cjd_buf_puts(b, ",\"counts\":[");
	for (int i = 0; i < h->n_events; i++) {
		if (i)
			cjd_buf_putc(b, ',');
		cjd_buf_put_u64(b, (unsigned long long)s->count[h->events[i]]);
	}
	cjd_buf_putc(b, ']');
	if (s->has_running) {
		cjd_buf_puts(b, ",\"running\":[");
		for (int i = 0; i < h->n_events; i++) {
			if (i)
				cjd_buf_putc(b, ',');
			cjd_json_put_float(b, s->running[h->events[i]]);
		}
		cjd_buf_putc(b, ']');
	}
	if (s->label) {
		cjd_buf_puts(b, ",\"label\":");
		cjd_json_put_str(b, s->label);
	}
	return cjd_buf_puts(b, "}\n");
}
