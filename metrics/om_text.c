/* OpenMetrics 1.0 and Prometheus text 0.0.4 exposition primitives: family headers, label escaping, samples. */
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

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Appends well-formed UTF-8 s[0..n), escaping for a label value. */
static void escape_valid(struct cjd_buf *b, const char *s, size_t n)
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
		cjd_buf_add(b, s + start, i - start);
		cjd_buf_puts(b, rep);
		start = i + 1;
	}
	cjd_buf_add(b, s + start, n - start);
}

void cjd_om_escape_label(struct cjd_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n > 0) {
		size_t good = cjd_utf8_check(s, n);
		escape_valid(b, s, good);
		if (good == n)
			break;
		/* one replacement per bad byte, then resynchronise on the next */
		cjd_buf_puts(b, REPLACEMENT);
		s += good + 1;
		n -= good + 1;
	}
}

void cjd_om_label(struct cjd_buf *b, bool *first, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	if (!*first)
		cjd_buf_add(b, ",", 1);
	*first = false;
	cjd_buf_puts(b, name);
	cjd_buf_add(b, "=\"", 2);
	cjd_om_escape_label(b, value);
	cjd_buf_add(b, "\"", 1);
}

/* HELP text: OpenMetrics escapes \\, \n and \"; the text format only \\ and \n. */
static void escape_help(struct cjd_buf *b, enum cjd_om_format f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			cjd_buf_puts(b, "\\\\");
		else if (*s == '\n')
			cjd_buf_puts(b, "\\n");
		else if (*s == '"' && f == CJD_OM_OPENMETRICS)
			cjd_buf_puts(b, "\\\"");
		else
			cjd_buf_add(b, s, 1);
	}
}

void cjd_om_family(struct cjd_buf *b, enum cjd_om_format f, const char *name,
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
		cjd_buf_puts(b, line == 0 ? "# TYPE " : line == 1 ? "# UNIT " : "# HELP ");
		cjd_buf_puts(b, name);
		cjd_buf_puts(b, suffix);
		cjd_buf_add(b, " ", 1);
		if (line == 0)
			cjd_buf_puts(b, (f == CJD_OM_OPENMETRICS ? om_types : text_types)[type]);
		else if (line == 1)
			cjd_buf_puts(b, unit);
		else
			escape_help(b, f, help);
		cjd_buf_add(b, "\n", 1);
	}
}

static void sample_head(struct cjd_buf *b, const char *name, const char *suffix,
			const char *labels, const char *extra_name, const char *extra_value)
{
	bool has_labels = labels && labels[0];

	cjd_buf_puts(b, name);
	cjd_buf_puts(b, suffix ? suffix : "");
	if (has_labels || extra_name) {
		cjd_buf_add(b, "{", 1);
		if (has_labels)
			cjd_buf_puts(b, labels);
		if (extra_name) {
			bool first = !has_labels;
			if (!first)
				cjd_buf_add(b, ",", 1);
			cjd_buf_puts(b, extra_name);
			cjd_buf_add(b, "=\"", 2);
			cjd_om_escape_label(b, extra_value);
			cjd_buf_add(b, "\"", 1);
		}
		cjd_buf_add(b, "}", 1);
	}
	cjd_buf_add(b, " ", 1);
}

void cjd_om_sample(struct cjd_buf *b, const char *name, const char *suffix,
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
	cjd_buf_puts(b, num);
	cjd_buf_add(b, "\n", 1);
}

void cjd_om_sample_u64(struct cjd_buf *b, const char *name, const char *suffix,
		       const char *labels, const char *extra_name, const char *extra_value,
		       uint64_t v)
{
	char num[24];

	sample_head(b, name, suffix, labels, extra_name, extra_value);
	snprintf(num, sizeof(num), "%" PRIu64 "\n", v);
	cjd_buf_puts(b, num);
}

void cjd_om_end(struct cjd_buf *b, enum cjd_om_format f)
{
	if (f == CJD_OM_OPENMETRICS)
		cjd_buf_puts(b, "# EOF\n");
}
