/* OpenMetrics 1.0 and Prometheus text 0.0.4 exposition primitives: buffer, family headers, label escaping, samples. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"
#include "cjd/metrics/om_text.h"

const char *cjd_om_content_type(enum cjd_om_format f)
{
	return f == CJD_OM_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
				       : "text/plain; version=0.0.4; charset=utf-8";
}

void cjd_om_buf_init(struct cjd_om_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void cjd_om_buf_release(struct cjd_om_buf *b)
{
	free(b->p);
	cjd_om_buf_init(b);
}

static bool reserve(struct cjd_om_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void cjd_om_buf_add(struct cjd_om_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cjd_om_buf_adds(struct cjd_om_buf *b, const char *s)
{
	cjd_om_buf_add(b, s, strlen(s));
}

int cjd_om_buf_take(struct cjd_om_buf *b, char **out, size_t *len)
{
	if (b->oom) {
		cjd_om_buf_release(b);
		return -ENOMEM;
	}
	if (!b->p && !reserve(b, 0))
		return -ENOMEM;
	b->p[b->len] = '\0';
	*out = b->p;
	if (len)
		*len = b->len;
	cjd_om_buf_init(b);
	return 0;
}

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Appends well-formed UTF-8 s[0..n), escaping for a label value. */
static void escape_valid(struct cjd_om_buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep;
		if (c == '\\')
			rep = "\\\\";
		else if (c == '"')
			rep = "\\\"";
		else if (c == '\n')
			rep = "\\n";
		else if ((c < 0x20 && c != '\t') || c == 0x7F)
			rep = REPLACEMENT; /* no escape exists for them: keep the line a line */
		else
			continue;
		cjd_om_buf_add(b, s + start, i - start);
		cjd_om_buf_adds(b, rep);
		start = i + 1;
	}
	cjd_om_buf_add(b, s + start, n - start);
}

void cjd_om_escape_label(struct cjd_om_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n > 0) {
		size_t good = cjd_utf8_check(s, n);
		escape_valid(b, s, good);
		if (good == n)
			break;
		/* one replacement per bad byte, then resynchronise on the next */
		cjd_om_buf_adds(b, REPLACEMENT);
		s += good + 1;
		n -= good + 1;
	}
}

void cjd_om_label(struct cjd_om_buf *b, bool *first, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	if (!*first)
		cjd_om_buf_add(b, ",", 1);
	*first = false;
	cjd_om_buf_adds(b, name);
	cjd_om_buf_add(b, "=\"", 2);
	cjd_om_escape_label(b, value);
	cjd_om_buf_add(b, "\"", 1);
}

/* HELP text: OpenMetrics escapes \\, \n and \"; the text format only \\ and \n. */
static void escape_help(struct cjd_om_buf *b, enum cjd_om_format f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			cjd_om_buf_adds(b, "\\\\");
		else if (*s == '\n')
			cjd_om_buf_adds(b, "\\n");
		else if (*s == '"' && f == CJD_OM_OPENMETRICS)
			cjd_om_buf_adds(b, "\\\"");
		else
			cjd_om_buf_add(b, s, 1);
	}
}

void cjd_om_family(struct cjd_om_buf *b, enum cjd_om_format f, const char *name,
		   enum cjd_om_type type, const char *unit, const char *help)
{
	static const char *const om_types[] = {"counter", "gauge", "info", "stateset"};
	static const char *const text_types[] = {"counter", "gauge", "gauge", "gauge"};
	const char *suffix = "";

	if (f == CJD_OM_PROMETHEUS_TEXT)
		suffix = type == CJD_OM_COUNTER ? "_total" : type == CJD_OM_INFO ? "_info" : "";
	for (int line = 0; line < 3; line++) {
		if (line == 1 && (f != CJD_OM_OPENMETRICS || !unit))
			continue;
		cjd_om_buf_adds(b, line == 0 ? "# TYPE " : line == 1 ? "# UNIT " : "# HELP ");
		cjd_om_buf_adds(b, name);
		cjd_om_buf_adds(b, suffix);
		cjd_om_buf_add(b, " ", 1);
		if (line == 0)
			cjd_om_buf_adds(b, (f == CJD_OM_OPENMETRICS ? om_types : text_types)[type]);
		else if (line == 1)
			cjd_om_buf_adds(b, unit);
		else
			escape_help(b, f, help);
		cjd_om_buf_add(b, "\n", 1);
	}
}

static void sample_head(struct cjd_om_buf *b, const char *name, const char *suffix,
			const char *labels, const char *extra_name, const char *extra_value)
{
	bool has_labels = labels && labels[0];

	cjd_om_buf_adds(b, name);
	cjd_om_buf_adds(b, suffix ? suffix : "");
	if (has_labels || extra_name) {
		cjd_om_buf_add(b, "{", 1);
		if (has_labels)
			cjd_om_buf_adds(b, labels);
		if (extra_name) {
			bool first = !has_labels;
			if (!first)
				cjd_om_buf_add(b, ",", 1);
			cjd_om_buf_adds(b, extra_name);
			cjd_om_buf_add(b, "=\"", 2);
			cjd_om_escape_label(b, extra_value);
			cjd_om_buf_add(b, "\"", 1);
		}
		cjd_om_buf_add(b, "}", 1);
	}
	cjd_om_buf_add(b, " ", 1);
}

void cjd_om_sample(struct cjd_om_buf *b, const char *name, const char *suffix,
		   const char *labels, const char *extra_name, const char *extra_value, double v)
{
	char num[40];

	sample_head(b, name, suffix, labels, extra_name, extra_value);
	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), "%sInf", v > 0 ? "+" : "-");
	else if (cjd_fmt_double(num, sizeof(num), v) < 0)
		snprintf(num, sizeof(num), "%.17g", v);
	cjd_om_buf_adds(b, num);
	cjd_om_buf_add(b, "\n", 1);
}

void cjd_om_sample_u64(struct cjd_om_buf *b, const char *name, const char *suffix,
		       const char *labels, const char *extra_name, const char *extra_value,
		       uint64_t v)
{
	char num[24];

	sample_head(b, name, suffix, labels, extra_name, extra_value);
	snprintf(num, sizeof(num), "%" PRIu64 "\n", v);
	cjd_om_buf_adds(b, num);
}

void cjd_om_end(struct cjd_om_buf *b, enum cjd_om_format f)
{
	if (f == CJD_OM_OPENMETRICS)
		cjd_om_buf_adds(b, "# EOF\n");
}
