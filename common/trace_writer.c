/* Trace writer: whole lines only reach the file, plain or gzip. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cjd/common/trace_line.h"
#include "cjd/common/trace_writer.h"
#include "trace_internal.h"

/* complete lines are handed to the kernel (or zlib) once this many bytes wait */
#define FLUSH_AT (192u * 1024u)

struct cjd_trace_writer {
	char path[256];
	int fd;        /* plain output, or -1 */
	gzFile gz;     /* gzip output, or NULL */
	struct cjd_trace_header header;
	struct cjd_buf buf; /* complete lines waiting to be written */
	int first_rc;  /* first error seen; later writes refuse */
};

static int werr(struct cjd_trace_writer *w, struct cjd_error *err, int rc, const char *what)
{
	if (!w->first_rc)
		w->first_rc = rc;
	return cjd_error_set(err, rc, w->path, 0, 0, "%s: %s", what, strerror(-rc));
}

/* Hands the buffered complete lines to the kernel (or zlib). */
static int drain(struct cjd_trace_writer *w, struct cjd_error *err)
{
	size_t off = 0;

	if (w->gz) {
		while (off < w->buf.len) {
			int n = gzwrite(w->gz, w->buf.data + off, (unsigned)(w->buf.len - off));
			if (n <= 0) {
				int zerr;
				gzerror(w->gz, &zerr);
				return werr(w, err, zerr == Z_ERRNO && errno ? -errno : -EIO, "write");
			}
			off += (size_t)n;
		}
	} else {
		while (off < w->buf.len) {
			ssize_t n = write(w->fd, w->buf.data + off, w->buf.len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return werr(w, err, -errno, "write");
			off += (size_t)n;
		}
	}
	cjd_buf_clear(&w->buf);
	return 0;
}

static bool want_gzip(const char *path, enum cjd_trace_compress c)
{
	size_t n = strlen(path);

	if (c != CJD_TRACE_COMPRESS_AUTO)
		return c == CJD_TRACE_COMPRESS_GZIP;
	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

int cjd_trace_writer_open(struct cjd_trace_writer **out, const char *path,
			  const struct cjd_trace_header *h, enum cjd_trace_compress compress,
			  struct cjd_error *err)
{
	struct cjd_trace_writer *w;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->fd = -1;
	if (h->n_events <= 0) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "a trace needs at least one event");
		goto out_free;
	}
	rc = cjd_trace_header_copy(&w->header, h);
	if (!rc)
		rc = cjd_buf_reserve(&w->buf, FLUSH_AT + 64u * 1024u);
	if (rc) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out_free;
	}
	w->fd = strcmp(path, "-") == 0 ? dup(STDOUT_FILENO)
				       : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = cjd_error_set(err, -errno, path, 0, 0, "cannot create: %s", strerror(errno));
		goto out_free;
	}
	if (want_gzip(path, compress)) {
		w->gz = gzdopen(w->fd, "wb6");
		if (!w->gz) {
			rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "cannot start gzip stream");
			goto out_free;
		}
		w->fd = -1; /* owned by zlib now */
	}
	if ((rc = cjd_trace_format_header(&w->header, &w->buf))) {
		rc = cjd_error_set(err, rc, path, 0, 0, "out of memory");
		goto out_free;
	}
	if ((rc = drain(w, err)))
		goto out_free;
	*out = w;
	return 0;
out_free:
	if (w->gz)
		gzclose(w->gz);
	if (w->fd >= 0)
		close(w->fd);
	cjd_trace_header_release(&w->header);
	cjd_buf_release(&w->buf);
	free(w);
	return rc;
}

int cjd_trace_writer_write(struct cjd_trace_writer *w, const struct cjd_sample *s,
			   struct cjd_error *err)
{
	size_t start;
	int rc;

	if (w->first_rc)
		return cjd_error_set(err, w->first_rc, w->path, 0, 0,
				     "writer failed earlier: %s", strerror(-w->first_rc));
	if (w->buf.len > FLUSH_AT && (rc = drain(w, err)))
		return rc;
	start = w->buf.len;
	rc = cjd_trace_format_sample(&w->header, s, &w->buf);
	if (rc == -EINVAL)
		return cjd_error_set(err, rc, w->path, 0, 0,
				     "sample for cgroup \"%.128s\" lacks an event of the header, or has a "
				     "running ratio outside 0..1",
				     s->cgroup ? s->cgroup : "?");
	if (rc) {
		cjd_buf_truncate(&w->buf, start); /* the lines before it still get written */
		return cjd_error_set(err, rc, w->path, 0, 0, "out of memory for a sample line");
	}
	if (w->buf.len - start - 1 > CJD_TRACE_MAX_LINE) {
		/* the reader would refuse it: refuse it here, with the file still whole */
		cjd_buf_truncate(&w->buf, start);
		return cjd_error_set(err, -E2BIG, w->path, 0, 0,
				     "sample line longer than %u bytes (cgroup \"%.128s\")",
				     CJD_TRACE_MAX_LINE, s->cgroup ? s->cgroup : "?");
	}
	return 0;
}

int cjd_trace_writer_write_evidence(struct cjd_trace_writer *w, const struct cjd_trace_evidence *ev,
				    struct cjd_error *err)
{
	char *line;
	size_t n;
	int rc;

	if (w->first_rc)
		return cjd_error_set(err, w->first_rc, w->path, 0, 0,
				     "writer failed earlier: %s", strerror(-w->first_rc));
	if ((rc = cjd_trace_format_evidence(ev, &line, &n)))
		return cjd_error_set(err, rc, w->path, 0, 0,
				     rc == -EINVAL ? "evidence record for cgroup \"%.128s\" has no "
						     "'/'-rooted cgroup or no inspection object"
						   : "evidence record for cgroup \"%.128s\": out of memory",
				     ev->cgroup ? ev->cgroup : "?");
	if (n - 1 > CJD_TRACE_MAX_LINE) {
		free(line);
		return cjd_error_set(err, -E2BIG, w->path, 0, 0,
				     "evidence record for cgroup \"%.128s\" is %zu bytes, longer than a "
				     "line may be (%u)", ev->cgroup, n - 1, CJD_TRACE_MAX_LINE);
	}
	/* the buffered lines first, then this one, each handed over whole */
	if ((rc = drain(w, err))) {
		free(line);
		return rc;
	}
	rc = cjd_buf_add(&w->buf, line, n);
	free(line);
	if (rc)
		return werr(w, err, rc, "evidence record");
	return drain(w, err);
}

int cjd_trace_writer_flush(struct cjd_trace_writer *w, struct cjd_error *err)
{
	int rc;

	if (w->first_rc)
		return cjd_error_set(err, w->first_rc, w->path, 0, 0,
				     "writer failed earlier: %s", strerror(-w->first_rc));
	if ((rc = drain(w, err)))
		return rc;
	if (w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		return werr(w, err, -EIO, "gzip flush");
	return 0;
}

int cjd_trace_writer_close(struct cjd_trace_writer *w, struct cjd_error *err)
{
	int rc = 0;

	if (!w)
		return 0;
	if (!w->first_rc)
		rc = drain(w, err);
	else
		rc = cjd_error_set(err, w->first_rc, w->path, 0, 0, "writer failed earlier: %s",
				   strerror(-w->first_rc));
	if (w->gz) {
		int zrc = gzclose(w->gz);
		if (zrc != Z_OK && !rc)
			rc = cjd_error_set(err, -EIO, w->path, 0, 0, "closing gzip stream failed");
	} else if (w->fd >= 0 && close(w->fd) != 0 && !rc) {
		rc = cjd_error_set(err, -errno, w->path, 0, 0, "close: %s", strerror(errno));
	}
	cjd_trace_header_release(&w->header);
	cjd_buf_release(&w->buf);
	free(w);
	return rc;
}
