/* Internals shared by the trace reader, writer and line codec. */
#ifndef CJD_TRACE_INTERNAL_H
#define CJD_TRACE_INTERNAL_H

#include "cjd/trace.h"

/* Renders h as the header line (with '\n'). Returns the length, or -ENOSPC. */
int cjd_trace_format_header(const struct cjd_trace_header *h, char *buf, size_t len);

#endif
