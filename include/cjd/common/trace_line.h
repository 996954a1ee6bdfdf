/* One sample line of a .cjdt trace: parser and formatter, for fuzzers and split mode. */
#ifndef CJD_COMMON_TRACE_LINE_H
#define CJD_COMMON_TRACE_LINE_H

#include <stddef.h>

#include "cjd/common/buf.h"
#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/common/trace_header.h"

/*
 * Parses one sample line (no trailing newline needed) against header h.
 * Strings point into `scratch` (at least len+1 bytes). Returns 0 or -EINVAL
 * with err->column and err->text set (err->file/line are left to the caller).
 */
int cjd_trace_parse_sample(const struct cjd_trace_header *h, const char *line, size_t len,
			   char *scratch, struct cjd_sample *s, struct cjd_error *err);

/*
 * Appends s as one line (with '\n') against h's event order to b. Returns 0;
 * -EINVAL when s lacks one of h's events or has a running ratio outside 0..1
 * (then b is left as it was); or b's error (-ENOMEM, -EOVERFLOW).
 */
int cjd_trace_format_sample(const struct cjd_trace_header *h, const struct cjd_sample *s,
			    struct cjd_buf *b);

#endif
