/* Split mode's compact binary framing of samples between `cjd collect` and `cjd detect`. */
#ifndef CJD_DAEMON_FRAME_H
#define CJD_DAEMON_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"

#define CJD_FRAME_MAGIC "CJDF"
#define CJD_FRAME_VERSION 1
#define CJD_FRAME_MAX_SAMPLES 65535
#define CJD_FRAME_MAX_BYTES (64u << 20)

enum cjd_frame_kind {
	CJD_FRAME_SAMPLES = 1, /* a batch of samples of one tick */
	CJD_FRAME_GONE = 2,    /* cgroups that disappeared since the last frame */
};

/* ---- encoding ---- */

struct cjd_frame_builder {
	uint8_t *buf;
	size_t len, cap;
	uint16_t count;
	size_t count_at; /* offset of the record count in buf */
	enum cjd_frame_kind kind;
};

/*
 * Starts a frame. host is the sender's host name (<= 255 bytes), seq its
 * frame counter (so a receiver can count frames lost in transit).
 * Returns 0, -EINVAL (host too long) or -ENOMEM. Reuses b->buf across frames.
 */
int cjd_frame_begin(struct cjd_frame_builder *b, enum cjd_frame_kind kind, const char *host,
		    uint64_t seq);

/* Appends one sample (SAMPLES frames). Returns 0, -EINVAL (invalid sample:
 * cgroup/label too long, unknown event bits), -ENOSPC (frame full) or -ENOMEM. */
int cjd_frame_add_sample(struct cjd_frame_builder *b, const struct cjd_sample *s);

/* Appends one vanished cgroup (GONE frames). Same errors. */
int cjd_frame_add_gone(struct cjd_frame_builder *b, const char *cgroup);

/* Finishes the frame; data and len stay valid until the next cjd_frame_begin(). */
void cjd_frame_end(struct cjd_frame_builder *b, const uint8_t **data, size_t *len);

/* Frees the buffer. Accepts a zeroed builder. */
void cjd_frame_builder_release(struct cjd_frame_builder *b);

/* ---- decoding ---- */

struct cjd_frame_reader {
	const uint8_t *base, *p, *end;
	enum cjd_frame_kind kind;
	uint16_t left;        /* records not yet read */
	uint64_t seq;
	char host[256];
	char cgroup[4097];    /* decoded strings of the current record */
	char label[256];
};

/*
 * Parses the frame header. Never trusts a length: every field is checked
 * against the buffer. Returns 0 or -EINVAL with err->text set (err->column is
 * the byte offset + 1 of the fault).
 */
int cjd_frame_open(struct cjd_frame_reader *r, const void *data, size_t len, struct cjd_error *err);

/* Next sample of a SAMPLES frame: 1 with *s filled (strings point into r),
 * 0 when done, -EINVAL on a malformed record. s->host is r->host. */
int cjd_frame_next_sample(struct cjd_frame_reader *r, struct cjd_sample *s, struct cjd_error *err);

/* Next cgroup of a GONE frame: 1 with *cgroup pointing into r, 0 done, -EINVAL. */
int cjd_frame_next_gone(struct cjd_frame_reader *r, const char **cgroup, struct cjd_error *err);

#endif
