/* Streaming .cjdt trace reader: plain or gzip, header first, every sample validated. */
#ifndef CJD_COMMON_TRACE_READER_H
#define CJD_COMMON_TRACE_READER_H

#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"
#include "cjd/common/trace_evidence.h"
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
 * Reads and validates the next sample (passing over evidence records, which are
 * validated too). Returns 1 with *s filled, 0 at a clean end of file, or a
 * negative errno with err filled. Strings in *s stay valid until the next call or cjd_trace_reader_free(). A reader that has returned
 * an error keeps returning it.
 */
int cjd_trace_reader_next(struct cjd_trace_reader *r, struct cjd_sample *s, struct cjd_error *err);

/* What cjd_trace_reader_next_record() found. */
enum cjd_trace_record { CJD_TRACE_SAMPLE = 1, CJD_TRACE_EVIDENCE = 2 };

/*
 * Reads and validates the next record of either kind: returns CJD_TRACE_SAMPLE with *s
 * filled, CJD_TRACE_EVIDENCE with *ev filled (an inspection, docs/trace-format.md), 0 at a
 * clean end of file, or a negative errno with err filled. What *s and *ev point to stays
 * valid until the next call or cjd_trace_reader_free(). cjd_trace_reader_next() is this
 * with evidence records validated and passed over, for consumers of samples only.
 */
int cjd_trace_reader_next_record(struct cjd_trace_reader *r, struct cjd_sample *s,
				 struct cjd_trace_evidence *ev, struct cjd_error *err);

/* Evidence records read (or passed over) so far. */
uint64_t cjd_trace_reader_evidence_count(const struct cjd_trace_reader *r);

/* 1-based number of the line last returned. */
long cjd_trace_reader_line(const struct cjd_trace_reader *r);

/* Uncompressed bytes consumed so far (for progress). */
uint64_t cjd_trace_reader_bytes(const struct cjd_trace_reader *r);

/* Accepts NULL. */
void cjd_trace_reader_free(struct cjd_trace_reader *r);

#endif
