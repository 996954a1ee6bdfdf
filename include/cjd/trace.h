/* The .cjdt trace format (JSON Lines, optionally gzip): streaming reader and writer. */
#ifndef CJD_TRACE_H
#define CJD_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/error.h"
#include "cjd/sample.h"

#define CJD_TRACE_VERSION 1
#define CJD_TRACE_MAX_LINE (1u << 20) /* longest accepted line, bytes */

/* The header line. The event order here is the order of `counts` on disk. */
struct cjd_trace_header {
	int version;
	char host[256];
	char source[32];       /* "perf", "simpmu", "replay", ... */
	uint64_t interval_ns;
	uint32_t cpus;
	int n_events;
	enum cjd_event events[CJD_EV__COUNT];
	char created[48];      /* RFC 3339 */
	char *meta;            /* compact JSON object text; owned; NULL means {} */
};

/* Fills h with version 1, this host's name, now as `created`, no events. */
void cjd_trace_header_init(struct cjd_trace_header *h, const char *source);

/* Frees h->meta. */
void cjd_trace_header_release(struct cjd_trace_header *h);

/* Deep copy (meta included). Returns 0 or -ENOMEM. */
int cjd_trace_header_copy(struct cjd_trace_header *dst, const struct cjd_trace_header *src);

/* Sets the event list from a mask, in registry order. */
void cjd_trace_header_set_events(struct cjd_trace_header *h, cjd_event_mask mask);

/* The events of h as a mask. */
cjd_event_mask cjd_trace_header_mask(const struct cjd_trace_header *h);

/* Sets h->meta from a compact JSON object text (copied). Returns 0, -EINVAL
 * if it is not one JSON object, or -ENOMEM. */
int cjd_trace_header_set_meta(struct cjd_trace_header *h, const char *json_object);

/* ---- reader ---- */

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

/* ---- writer ---- */

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

/* Pushes buffered complete lines to the file (gzip: a sync flush). */
int cjd_trace_writer_flush(struct cjd_trace_writer *w, struct cjd_error *err);

/* Flushes, closes and frees. Returns the first error seen, if any. Accepts NULL. */
int cjd_trace_writer_close(struct cjd_trace_writer *w, struct cjd_error *err);

/* ---- one line, for fuzzers and split mode ---- */

/*
 * Parses one sample line (no trailing newline needed) against header h.
 * Strings point into `scratch` (at least len+1 bytes). Returns 0 or -EINVAL
 * with err->column and err->text set (err->file/line are left to the caller).
 */
int cjd_trace_parse_sample(const struct cjd_trace_header *h, const char *line, size_t len,
			   char *scratch, struct cjd_sample *s, struct cjd_error *err);

/* Parses a header line into h (h->meta is owned afterwards). Same error contract. */
int cjd_trace_parse_header(const char *line, size_t len, struct cjd_trace_header *h,
			   struct cjd_error *err);

/*
 * Renders s as one line (with '\n') against h's event order into buf.
 * Returns the length, or -ENOSPC when len is too small, or -EINVAL when s
 * lacks one of h's events.
 */
int cjd_trace_format_sample(const struct cjd_trace_header *h, const struct cjd_sample *s,
			    char *buf, size_t len);

#endif
