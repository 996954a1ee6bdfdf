/* Encoder and defensive decoder for split mode's binary sample frames (docs/trace-format.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/text.h"
#include "cjd/daemon/frame.h"

/*
 * Little-endian throughout. Floats travel as their IEEE-754 bits, so a sample
 * crosses the wire bit-exactly, like it does through a .cjdt file.
 *
 *   header:  "CJDF" u8 version u8 kind u64 seq u8 host_len host[host_len] u16 count
 *   SAMPLES record: u64 t_ns u64 dt_ns u32 events u8 flags u16 cgroup_len cgroup
 *                   [u8 label_len label]           (flags & 2)
 *                   u64 count × popcount(events)
 *                   [f32 running × popcount(events)] (flags & 1)
 *   GONE record:    u16 cgroup_len cgroup
 */
enum { F_RUNNING = 1, F_LABEL = 2 };

static int reserve(struct cjd_frame_builder *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	if (b->len + n > CJD_FRAME_MAX_BYTES)
		return -ENOSPC;
	return cjd_array_reserve(b->buf, b->cap, b->len + n);
}

static void put(struct cjd_frame_builder *b, const void *src, size_t n)
{
	memcpy(b->buf + b->len, src, n);
	b->len += n;
}

static void put_u8(struct cjd_frame_builder *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_le(struct cjd_frame_builder *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b->buf[b->len++] = (uint8_t)(v >> (8 * i));
}

int cjd_frame_begin(struct cjd_frame_builder *b, enum cjd_frame_kind kind, const char *host,
		    uint64_t seq)
{
	size_t hl = strlen(host);
	int rc;

	if (hl > 255)
		return -EINVAL;
	b->len = 0;
	b->count = 0;
	b->kind = kind;
	if ((rc = reserve(b, 4 + 2 + 8 + 1 + hl + 2)))
		return rc;
	put(b, CJD_FRAME_MAGIC, 4);
	put_u8(b, CJD_FRAME_VERSION);
	put_u8(b, (uint8_t)kind);
	put_le(b, seq, 8);
	put_u8(b, (uint8_t)hl);
	put(b, host, hl);
	b->count_at = b->len;
	put_le(b, 0, 2);
	return 0;
}

static int cgroup_ok(const char *cg, size_t *len)
{
	*len = strlen(cg);
	return *len >= 1 && *len <= 4096 && cg[0] == '/';
}

int cjd_frame_add_sample(struct cjd_frame_builder *b, const struct cjd_sample *s)
{
	size_t cl, ll = s->label ? strlen(s->label) : 0;
	int n = __builtin_popcount(s->events);
	int rc;

	if (b->kind != CJD_FRAME_SAMPLES || !s->cgroup || !cgroup_ok(s->cgroup, &cl) || ll > 255 ||
	    (s->events & ~CJD_EVMASK_ALL) || s->dt_ns == 0)
		return -EINVAL;
	if (b->count == CJD_FRAME_MAX_SAMPLES)
		return -ENOSPC;
	if ((rc = reserve(b, 8 + 8 + 4 + 1 + 2 + cl + 1 + ll + (size_t)n * 12)))
		return rc;
	put_le(b, s->t_ns, 8);
	put_le(b, s->dt_ns, 8);
	put_le(b, s->events, 4);
	put_u8(b, (uint8_t)((s->has_running ? F_RUNNING : 0) | (s->label ? F_LABEL : 0)));
	put_le(b, cl, 2);
	put(b, s->cgroup, cl);
	if (s->label) {
		put_u8(b, (uint8_t)ll);
		put(b, s->label, ll);
	}
	for (int e = 0; e < CJD_EV__COUNT; e++)
		if (s->events & CJD_EVMASK(e))
			put_le(b, s->count[e], 8);
	if (s->has_running) {
		for (int e = 0; e < CJD_EV__COUNT; e++) {
			if (!(s->events & CJD_EVMASK(e)))
				continue;
			uint32_t bits;
			memcpy(&bits, &s->running[e], 4);
			put_le(b, bits, 4);
		}
	}
	b->count++;
	return 0;
}

int cjd_frame_add_gone(struct cjd_frame_builder *b, const char *cgroup)
{
	size_t cl;
	int rc;

	if (b->kind != CJD_FRAME_GONE || !cgroup_ok(cgroup, &cl))
		return -EINVAL;
	if (b->count == CJD_FRAME_MAX_SAMPLES)
		return -ENOSPC;
	if ((rc = reserve(b, 2 + cl)))
		return rc;
	put_le(b, cl, 2);
	put(b, cgroup, cl);
	b->count++;
	return 0;
}

void cjd_frame_end(struct cjd_frame_builder *b, const uint8_t **data, size_t *len)
{
	b->buf[b->count_at] = (uint8_t)(b->count & 0xff);
	b->buf[b->count_at + 1] = (uint8_t)(b->count >> 8);
	*data = b->buf;
	*len = b->len;
}

void cjd_frame_builder_release(struct cjd_frame_builder *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* ---- decoding: every read is bounds-checked ---- */

static int ferr(struct cjd_frame_reader *r, struct cjd_error *err, const char *what)
{
	return cjd_error_set(err, -EINVAL, NULL, 0, (int)(r->p - r->base) + 1,
			     "malformed frame: %s at byte %zu", what, (size_t)(r->p - r->base));
}

static int get(struct cjd_frame_reader *r, void *dst, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		return -EINVAL;
	memcpy(dst, r->p, n);
	r->p += n;
	return 0;
}

static int get_le(struct cjd_frame_reader *r, uint64_t *v, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		return -EINVAL;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return 0;
}

/* A length-prefixed string into dst (NUL-terminated), checked for UTF-8 and NULs. */
static int get_str(struct cjd_frame_reader *r, size_t lenbytes, char *dst, size_t dstlen)
{
	uint64_t n;

	if (get_le(r, &n, lenbytes) || n >= dstlen || get(r, dst, (size_t)n))
		return -EINVAL;
	dst[n] = '\0';
	if (memchr(dst, '\0', (size_t)n) || cjd_utf8_check(dst, (size_t)n) != n)
		return -EINVAL;
	return 0;
}

int cjd_frame_open(struct cjd_frame_reader *r, const void *data, size_t len, struct cjd_error *err)
{
	uint8_t magic[4], ver, kind;
	uint64_t cnt;

	memset(r, 0, sizeof(*r));
	r->base = r->p = data;
	r->end = r->p + len;
	if (len > CJD_FRAME_MAX_BYTES)
		return ferr(r, err, "larger than 64 MiB");
	if (get(r, magic, 4) || memcmp(magic, CJD_FRAME_MAGIC, 4))
		return ferr(r, err, "bad magic (not a cjd sample frame)");
	if (get(r, &ver, 1) || ver != CJD_FRAME_VERSION)
		return ferr(r, err, "unsupported frame version");
	if (get(r, &kind, 1) || (kind != CJD_FRAME_SAMPLES && kind != CJD_FRAME_GONE))
		return ferr(r, err, "unknown frame kind");
	if (get_le(r, &r->seq, 8))
		return ferr(r, err, "truncated header");
	if (get_str(r, 1, r->host, sizeof(r->host)))
		return ferr(r, err, "bad host name");
	if (get_le(r, &cnt, 2))
		return ferr(r, err, "truncated header");
	r->kind = (enum cjd_frame_kind)kind;
	r->left = (uint16_t)cnt;
	return 0;
}

static int finish(struct cjd_frame_reader *r, struct cjd_error *err)
{
	if (r->p != r->end)
		return ferr(r, err, "trailing bytes after the last record");
	return 0;
}

int cjd_frame_next_sample(struct cjd_frame_reader *r, struct cjd_sample *s, struct cjd_error *err)
{
	uint64_t ev, v;
	uint8_t flags;

	if (r->kind != CJD_FRAME_SAMPLES)
		return ferr(r, err, "not a samples frame");
	if (r->left == 0)
		return finish(r, err);
	cjd_sample_clear(s);
	if (get_le(r, &s->t_ns, 8) || get_le(r, &s->dt_ns, 8) || get_le(r, &ev, 4) ||
	    get(r, &flags, 1))
		return ferr(r, err, "truncated sample");
	if (s->dt_ns == 0 || (ev & ~(uint64_t)CJD_EVMASK_ALL) || (flags & ~(F_RUNNING | F_LABEL)))
		return ferr(r, err, "invalid sample fields");
	if (get_str(r, 2, r->cgroup, sizeof(r->cgroup)) || r->cgroup[0] != '/')
		return ferr(r, err, "bad cgroup path");
	s->cgroup = r->cgroup;
	if (flags & F_LABEL) {
		if (get_str(r, 1, r->label, sizeof(r->label)) || cjd_label_check(r->label))
			return ferr(r, err, "bad label");
		s->label = r->label;
	}
	s->events = (cjd_event_mask)ev;
	for (int e = 0; e < CJD_EV__COUNT; e++)
		if ((s->events & CJD_EVMASK(e)) && get_le(r, &s->count[e], 8))
			return ferr(r, err, "truncated counts");
	if (flags & F_RUNNING) {
		s->has_running = true;
		for (int e = 0; e < CJD_EV__COUNT; e++) {
			if (!(s->events & CJD_EVMASK(e)))
				continue;
			if (get_le(r, &v, 4))
				return ferr(r, err, "truncated running ratios");
			uint32_t bits = (uint32_t)v;
			memcpy(&s->running[e], &bits, 4);
			if (!(s->running[e] >= 0.0f && s->running[e] <= 1.0f))
				return ferr(r, err, "running ratio outside 0..1");
		}
	}
	s->host = r->host;
	r->left--;
	return 1;
}

int cjd_frame_next_gone(struct cjd_frame_reader *r, const char **cgroup, struct cjd_error *err)
{
	if (r->kind != CJD_FRAME_GONE)
		return ferr(r, err, "not a gone frame");
	if (r->left == 0)
		return finish(r, err);
	if (get_str(r, 2, r->cgroup, sizeof(r->cgroup)) || r->cgroup[0] != '/')
		return ferr(r, err, "bad cgroup path");
	*cgroup = r->cgroup;
	r->left--;
	return 1;
}
