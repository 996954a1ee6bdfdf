/* Internals shared by the trace reader, writer and line codec. */
#ifndef CJD_TRACE_INTERNAL_H
#define CJD_TRACE_INTERNAL_H

#include <stdio.h>

#include "cjd/common/trace_header.h"

/*
 * Appends printf-style text to buf[pos..len) for the line formatters, making
 * the enclosing function return -ENOSPC when it does not fit. Expects `buf`,
 * `len` and `size_t pos` in scope.
 */
#define CJD_TRACE_APPEND(...)                                                                      \
	do {                                                                                       \
		int n_ = snprintf(buf + pos, pos < len ? len - pos : 0, __VA_ARGS__);              \
		if (n_ < 0 || pos + (size_t)n_ >= len)                                             \
			return -ENOSPC;                                                            \
		pos += (size_t)n_;                                                                 \
	} while (0)

/* Renders h as the header line (with '\n'). Returns the length, or -ENOSPC. */
int cjd_trace_format_header(const struct cjd_trace_header *h, char *buf, size_t len);

#endif
