/* Streaming .cjdt trace writer: whole lines only reach the file, plain or gzip. */
#ifndef CJD_COMMON_TRACE_WRITER_H
#define CJD_COMMON_TRACE_WRITER_H

#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/common/trace_evidence.h"
#include "cjd/common/trace_header.h"

struct cjd_trace_writer;

enum cjd_trace_compress {
	CJD_TRACE_COMPRESS_AUTO = 0, /* gzip when the path ends in ".gz" */
	CJD_TRACE_COMPRESS_NONE,
	CJD_TRACE_COMPRESS_GZIP,
};

/*
 * Creates path ("-" is stdout) and writes the header line. The header is
 * copied. Returns 0 or a negative errno with err filled.
 */
int cjd_trace_writer_open(struct cjd_trace_writer **out, const char *path,
			  const struct cjd_trace_header *h, enum cjd_trace_compress compress,
			  struct cjd_error *err);

/*
 * Appends one sample. Only the header's events are written; a sample lacking
 * one of them is refused with -EINVAL. Lines are buffered and handed to the
 * kernel whole, so a crash never leaves half a record in a plain file.
 * Returns 0 or a negative errno.
 */
int cjd_trace_writer_write(struct cjd_trace_writer *w, const struct cjd_sample *s,
			   struct cjd_error *err);

/*
 * Appends one evidence record (docs/trace-format.md): the buffered samples are handed to
 * the file first, then the record, as one whole line. Returns 0 or a negative errno
 * (-EINVAL: no '/'-rooted cgroup or no inspection object; -E2BIG: longer than
 * CJD_TRACE_MAX_LINE) with err filled. Not thread safe: one writer, one thread at a time.
 */
int cjd_trace_writer_write_evidence(struct cjd_trace_writer *w, const struct cjd_trace_evidence *ev,
				    struct cjd_error *err);

/* Pushes buffered complete lines to the file (gzip: a sync flush). */
int cjd_trace_writer_flush(struct cjd_trace_writer *w, struct cjd_error *err);

/* Flushes, closes and frees. Returns the first error seen, if any. Accepts NULL. */
int cjd_trace_writer_close(struct cjd_trace_writer *w, struct cjd_error *err);

#endif
