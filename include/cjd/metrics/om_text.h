/* OpenMetrics 1.0 and Prometheus text 0.0.4 exposition primitives on the common buffer: family headers, label escaping, samples. */
#ifndef CJD_METRICS_OM_TEXT_H
#define CJD_METRICS_OM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/buf.h"

/*
 * The two text formats a scraper may ask for. OpenMetrics (what Prometheus
 * asks for first) has `# UNIT`, info and stateset types, counter families
 * named without `_total`, and ends with `# EOF`. The Prometheus text format
 * 0.0.4 (what promtool, older scrapers and curl get) has none of these: info
 * and stateset become gauges, and counters are named with `_total` throughout.
 */
enum cjd_om_format {
	CJD_OM_OPENMETRICS = 0,
	CJD_OM_PROMETHEUS_TEXT,
};

enum cjd_om_type {
	CJD_OM_COUNTER = 0,
	CJD_OM_GAUGE,
	CJD_OM_INFO,
	CJD_OM_STATESET,
};

/* Content-Type of a format, with version and charset. */
const char *cjd_om_content_type(enum cjd_om_format f);

/* The writers below append to the common buffer (cjd/common/buf.h): its errors are sticky,
 * so they need not check every call; cjd_buf_steal() reports the first. */

/*
 * Appends s as the inside of a label value (without the quotes), escaped as
 * both formats require: backslash, double quote and line feed become \\, \"
 * and \n. Bytes that are not well-formed UTF-8 (a container name is chosen by
 * whoever starts the container) and control characters other than tab each
 * become U+FFFD, so the output is always valid UTF-8 on one line. NULL is "".
 */
void cjd_om_escape_label(struct cjd_buf *b, const char *s);

/*
 * Appends `,name="value"` (without the comma for the first pair of a set:
 * *first is true, and set false here) with the value escaped. A NULL or empty
 * value appends nothing: an unknown name is left out, not sent empty.
 */
void cjd_om_label(struct cjd_buf *b, bool *first, const char *name, const char *value);

/*
 * Appends the header of a metric family in format f: TYPE, UNIT (OpenMetrics
 * only, when unit is not NULL; the name must end in _<unit>) and HELP. `name`
 * is the family name without `_total` or `_info`; the text format names
 * counter and info families by their sample names.
 */
void cjd_om_family(struct cjd_buf *b, enum cjd_om_format f, const char *name,
		   enum cjd_om_type type, const char *unit, const char *help);

/*
 * Appends one sample line: name + suffix ("_total", "_info" or ""), then
 * {labels[,extra_name="extra_value"]} when there are any, a space, the
 * value and a line feed. `labels` are pairs already escaped (as built by
 * cjd_om_label), or NULL; extra_name NULL adds no pair.
 */
void cjd_om_sample(struct cjd_buf *b, const char *name, const char *suffix,
		   const char *labels, const char *extra_name, const char *extra_value, double v);

/* The same with an exact integer value (counts beyond 2^53 stay exact). */
void cjd_om_sample_u64(struct cjd_buf *b, const char *name, const char *suffix,
		       const char *labels, const char *extra_name, const char *extra_value,
		       uint64_t v);

/* Appends the end of the exposition: "# EOF\n" in OpenMetrics, nothing otherwise. */
void cjd_om_end(struct cjd_buf *b, enum cjd_om_format f);

#endif
