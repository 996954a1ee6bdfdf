/* Streaming trace reader: lines from a plain or gzip file, header first, every sample validated. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cjd/common/array.h"
#include "cjd/common/strmap.h"
#include "cjd/common/trace_evidence.h"
#include "cjd/common/trace_line.h"
#include "cjd/common/trace_reader.h"
#include "trace_internal.h"

#define CHUNK (64u * 1024u)

struct cjd_trace_reader {
	char path[256];
	gzFile gz;
	struct cjd_trace_header header;
	char *buf;       /* holds at most one line plus one chunk */
	size_t cap;
	size_t head;     /* start of unconsumed data */
	size_t tail;     /* end of valid data */
	bool eof;
	long line;       /* number of the line last returned */
	uint64_t bytes;  /* uncompressed bytes consumed */
	char *scratch;   /* decoded strings of the current sample */
	size_t scratch_cap;
	struct cjd_strmap *last_t; /* cgroup -> last t_ns + 1 (0 = never seen) */
	json_t *evidence;          /* the current evidence record's JSON */
	uint64_t nevidence;        /* evidence records read so far */
	struct cjd_error sticky;   /* first error, repeated on later calls */
	int sticky_rc;
};

static int fail(struct cjd_trace_reader *r, struct cjd_error *err, int rc, int line, int col,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail(struct cjd_trace_reader *r, struct cjd_error *err, int rc, int line, int col,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cjd_error_vset(&r->sticky, rc, r->path, line, col, fmt, ap);
	va_end(ap);
	r->sticky_rc = rc;
	if (err)
		*err = r->sticky;
	return rc;
}

/* Pulls more bytes into buf. Returns 0 (maybe at eof) or a negative errno. */
static int fill(struct cjd_trace_reader *r, struct cjd_error *err)
{
	if (r->head > 0) {
		memmove(r->buf, r->buf + r->head, r->tail - r->head);
		r->tail -= r->head;
		r->head = 0;
	}
	if (cjd_array_reserve(r->buf, r->cap, r->tail + CHUNK))
		return fail(r, err, -ENOMEM, (int)r->line + 1, 0, "out of memory");
	int n = gzread(r->gz, r->buf + r->tail, (unsigned)(r->cap - r->tail));
	if (n < 0 || (n == 0 && !gzeof(r->gz))) {
		int zerr;
		const char *msg = gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR)
			return fail(r, err, -EIO, (int)r->line + 1, 0,
				    "gzip stream cut short (unexpected end of compressed data)");
		if (zerr == Z_ERRNO)
			return fail(r, err, -EIO, (int)r->line + 1, 0, "read error: %s", strerror(errno));
		return fail(r, err, -EIO, (int)r->line + 1, 0, "corrupt gzip data: %s", msg);
	}
	if (n == 0) {
		/* zlib reports a truncated stream as a clean EOF with Z_BUF_ERROR set */
		int zerr;
		gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR)
			return fail(r, err, -EIO, (int)r->line + 1, 0,
				    "gzip stream cut short (unexpected end of compressed data)");
		r->eof = true;
	}
	r->tail += (size_t)n;
	return 0;
}

/*
 * Next line without its '\n' in line and len. Returns 1, 0 at EOF, or an error.
 * A last line with no '\n' is still returned; the parser decides whether it
 * is complete.
 */
static int next_line(struct cjd_trace_reader *r, char **line, size_t *len, struct cjd_error *err)
{
	for (;;) {
		char *start = r->buf + r->head;
		char *nl = memchr(start, '\n', r->tail - r->head);
		size_t have = nl ? (size_t)(nl - start) : r->tail - r->head;
		if (have > CJD_TRACE_MAX_LINE)
			return fail(r, err, -E2BIG, (int)r->line + 1, 0,
				    "line is longer than %u bytes", CJD_TRACE_MAX_LINE);
		if (nl) {
			*line = start;
			*len = (size_t)(nl - start);
			r->head += *len + 1;
			r->bytes += *len + 1;
			r->line++;
			return 1;
		}
		if (r->eof) {
			if (r->tail == r->head)
				return 0;
			*line = start;
			*len = r->tail - r->head;
			r->head = r->tail;
			r->bytes += *len;
			r->line++;
			return 1;
		}
		int rc = fill(r, err);
		if (rc)
			return rc;
	}
}

int cjd_trace_reader_open(struct cjd_trace_reader **out, const char *path, struct cjd_error *err)
{
	struct cjd_trace_reader *r;
	char *line;
	size_t len;
	int rc, fd;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
	snprintf(r->path, sizeof(r->path), "%s", path);
	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = cjd_error_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
		goto out_free;
	}
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "cannot open: out of memory");
		goto out_free;
	}
	gzbuffer(r->gz, CHUNK);
	r->last_t = cjd_strmap_new();
	if (cjd_array_reserve(r->buf, r->cap, 2 * CHUNK) || !r->last_t) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out_free;
	}
	rc = next_line(r, &line, &len, err);
	if (rc < 0)
		goto out_free;
	if (rc == 0) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "empty file: no header line");
		goto out_free;
	}
	rc = cjd_trace_parse_header(line, len, &r->header, err);
	if (rc) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", path);
		goto out_free;
	}
	*out = r;
	return 0;
out_free:
	cjd_trace_reader_free(r);
	return rc;
}

const struct cjd_trace_header *cjd_trace_reader_header(const struct cjd_trace_reader *r)
{
	return &r->header;
}

long cjd_trace_reader_line(const struct cjd_trace_reader *r)
{
	return r->line;
}

uint64_t cjd_trace_reader_bytes(const struct cjd_trace_reader *r)
{
	return r->bytes;
}

/* The evidence record in line into *ev (the JSON kept until the next call). */
static int read_evidence(struct cjd_trace_reader *r, const char *line, size_t len,
			 struct cjd_trace_evidence *ev, struct cjd_error *err)
{
	int rc;

	json_decref(r->evidence);
	r->evidence = NULL;
	rc = cjd_trace_parse_evidence(line, len, ev, &r->evidence, &r->sticky);
	if (rc) {
		snprintf(r->sticky.file, sizeof(r->sticky.file), "%s", r->path);
		r->sticky.line = (int)r->line;
		r->sticky_rc = rc;
		if (err)
			*err = r->sticky;
		return rc;
	}
	r->nevidence++;
	return CJD_TRACE_EVIDENCE;
}

static int read_sample(struct cjd_trace_reader *r, const char *line, size_t len,
		       struct cjd_sample *s, struct cjd_error *err)
{
	uint64_t *last;
	int rc;

	/* scratch must hold the decoded strings, never longer than the line itself */
	if (cjd_array_reserve(r->scratch, r->scratch_cap, len + 1))
		return fail(r, err, -ENOMEM, (int)r->line, 0, "out of memory");
	rc = cjd_trace_parse_sample(&r->header, line, len, r->scratch, s, &r->sticky);
	if (rc) {
		snprintf(r->sticky.file, sizeof(r->sticky.file), "%s", r->path);
		r->sticky.line = (int)r->line;
		r->sticky_rc = rc;
		if (err)
			*err = r->sticky;
		return rc;
	}
	rc = cjd_strmap_upsert(r->last_t, s->cgroup, &last);
	if (rc < 0)
		return fail(r, err, rc, (int)r->line, 0, "out of memory");
	if (*last && s->t_ns < *last)
		return fail(r, err, -EINVAL, (int)r->line, 0,
			    "t_ns %llu is not after the previous sample of cgroup \"%.128s\" (t_ns %llu)",
			    (unsigned long long)s->t_ns, s->cgroup, (unsigned long long)(*last - 1));
	*last = s->t_ns + 1;
	return CJD_TRACE_SAMPLE;
}

int cjd_trace_reader_next_record(struct cjd_trace_reader *r, struct cjd_sample *s,
				 struct cjd_trace_evidence *ev, struct cjd_error *err)
{
	char *line;
	size_t len;
	int rc;

	if (r->sticky_rc) {
		if (err)
			*err = r->sticky;
		return r->sticky_rc;
	}
	rc = next_line(r, &line, &len, err);
	if (rc <= 0)
		return rc;
	if (cjd_trace_is_evidence(line, len))
		return read_evidence(r, line, len, ev, err);
	return read_sample(r, line, len, s, err);
}

int cjd_trace_reader_next(struct cjd_trace_reader *r, struct cjd_sample *s, struct cjd_error *err)
{
	struct cjd_trace_evidence ev;
	int rc;

	/* evidence records are validated and passed over: this caller wants samples */
	while ((rc = cjd_trace_reader_next_record(r, s, &ev, err)) == CJD_TRACE_EVIDENCE)
		;
	return rc;
}

uint64_t cjd_trace_reader_evidence_count(const struct cjd_trace_reader *r)
{
	return r->nevidence;
}

void cjd_trace_reader_free(struct cjd_trace_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	cjd_trace_header_release(&r->header);
	cjd_strmap_free(r->last_t);
	json_decref(r->evidence);
	free(r->scratch);
	free(r->buf);
	free(r);
}
