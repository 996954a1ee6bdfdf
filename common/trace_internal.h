/* Internals shared by the trace reader, writer and line codec. */
#ifndef CJD_TRACE_INTERNAL_H
#define CJD_TRACE_INTERNAL_H

#include "cjd/common/buf.h"
#include "cjd/common/trace_header.h"

/* Appends h as the header line (with '\n') to b. Returns 0 or b's error. */
int cjd_trace_format_header(const struct cjd_trace_header *h, struct cjd_buf *b);

#endif
