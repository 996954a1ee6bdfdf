/* Streaming .cjdt trace reader: plain or gzip, header first, every sample validated. */
#ifndef CJD_COMMON_TRACE_READER_H
#define CJD_COMMON_TRACE_READER_H

#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/common/trace_header.h"

struct cjd_trace_reader;

/*
 * Opens path ("-" is stdin) and parses the header. Plain and gzip input are
 * told apart by their magic bytes, not the file name. On failure returns a
 * negative errno and fills err with file, line and reason.
 */
int cjd_trace_reader_open(struct cjd_trace_reader **out, const char *path, struct cjd_error *err);

const struct cjd_trace_header *cjd_trace_reader_header(const struct cjd_trace_reader *r);

/*
 * Reads and validates the next sample. Returns 1 with *s filled, 0 at a clean
 * end of file, or a negative errno with err filled. Strings in *s stay valid
 * until the next call or cjd_trace_reader_free(). A reader that has returned
 * an error keeps returning it.
 */
int cjd_trace_reader_next(struct cjd_trace_reader *r, struct cjd_sample *s, struct cjd_error *err);

/* 1-based number of the line last returned. */
long cjd_trace_reader_line(const struct cjd_trace_reader *r);

/* Uncompressed bytes consumed so far (for progress). */
uint64_t cjd_trace_reader_bytes(const struct cjd_trace_reader *r);

/* Accepts NULL. */
void cjd_trace_reader_free(struct cjd_trace_reader *r);

#endif
