/* Split mode transport: sample frames over ZeroMQ PUSH/PULL, with loss accounting on both ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/common/strmap.h"
#include "cjd/common/time.h"
#include "cjd/daemon/frame.h"
#include "cjd/daemon/split.h"

#define DEFAULT_HWM 1000

/* Binds and connects sock to every endpoint; err names the one that fails. */
static int attach_endpoints(void *sock, const char *const *bind, size_t n_bind,
			    const char *const *connect, size_t n_connect, struct cjd_error *err)
{
	for (size_t i = 0; i < n_bind; i++)
		if (zmq_bind(sock, bind[i]) != 0)
			return cjd_error_set(err, -zmq_errno(), bind[i], 0, 0, "cannot bind: %s",
					     zmq_strerror(zmq_errno()));
	for (size_t i = 0; i < n_connect; i++)
		if (zmq_connect(sock, connect[i]) != 0)
			return cjd_error_set(err, -zmq_errno(), connect[i], 0, 0,
					     "cannot connect: %s", zmq_strerror(zmq_errno()));
	return 0;
}

static void *socket_new(void *ctx, int type, int hwm_opt, int hwm, struct cjd_error *err)
{
	void *sock = zmq_socket(ctx, type);
	int zero = 0;

	if (!sock) {
		cjd_error_set(err, -zmq_errno(), NULL, 0, 0, "zmq_socket: %s",
			      zmq_strerror(zmq_errno()));
		return NULL;
	}
	zmq_setsockopt(sock, hwm_opt, &hwm, sizeof(hwm));
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
	return sock;
}

/* ---- sender ---- */

struct cjd_split_sender {
	void *zctx, *sock;
	char host[256];
	uint64_t seq;
	struct cjd_frame_builder fb;
	struct cjd_split_sender_stats st;
	uint64_t last_drop_log_ns;
};

int cjd_split_sender_new(struct cjd_split_sender **out, const struct cjd_split_sender_config *cfg,
			 struct cjd_error *err)
{
	struct cjd_split_sender *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	if (cfg->host)
		snprintf(s->host, sizeof(s->host), "%s", cfg->host);
	else
		cjd_hostname(s->host, sizeof(s->host));
	s->zctx = zmq_ctx_new();
	if (!s->zctx) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "zmq_ctx_new failed");
		goto out_free;
	}
	s->sock = socket_new(s->zctx, ZMQ_PUSH, ZMQ_SNDHWM, cfg->sndhwm ? cfg->sndhwm : DEFAULT_HWM,
			     err);
	if (!s->sock) {
		rc = -EIO;
		goto out_free;
	}
	if ((rc = attach_endpoints(s->sock, cfg->bind, cfg->n_bind, cfg->connect, cfg->n_connect,
				   err)))
		goto out_free;
	*out = s;
	return 0;
out_free:
	cjd_split_sender_free(s, 0);
	return rc;
}

/* Sends the built frame without blocking; a frame nobody can take is counted. */
static void send_frame(struct cjd_split_sender *s, size_t records, bool samples)
{
	const uint8_t *data;
	size_t len;

	cjd_frame_end(&s->fb, &data, &len);
	if (zmq_send(s->sock, data, len, ZMQ_DONTWAIT) == (int)len) {
		s->st.frames++;
		s->st.bytes += len;
		if (samples)
			s->st.samples += records;
		else
			s->st.gone += records;
		return;
	}
	s->st.frames_dropped++;
	if (samples)
		s->st.samples_dropped += records;
	uint64_t now = cjd_now_mono_ns();
	if (now - s->last_drop_log_ns > 10 * CJD_NSEC_PER_SEC) {
		cjd_warn("split: no detector takes frames (%s); %llu frames dropped so far",
			 zmq_strerror(zmq_errno()), (unsigned long long)s->st.frames_dropped);
		s->last_drop_log_ns = now;
	}
}

int cjd_split_send_samples(struct cjd_split_sender *s, const struct cjd_sample *samples, size_t n)
{
	size_t in_frame = 0;
	int rc;

	if ((rc = cjd_frame_begin(&s->fb, CJD_FRAME_SAMPLES, s->host, s->seq++)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = cjd_frame_add_sample(&s->fb, &samples[i]);
		if (rc == -ENOSPC) {
			/* full: ship it and carry on in a new frame of the same tick */
			send_frame(s, in_frame, true);
			in_frame = 0;
			if ((rc = cjd_frame_begin(&s->fb, CJD_FRAME_SAMPLES, s->host, s->seq++)))
				return rc;
			rc = cjd_frame_add_sample(&s->fb, &samples[i]);
		}
		if (rc) {
			cjd_warn("split: sample of %s cannot be framed: %s", samples[i].cgroup,
				 strerror(-rc));
			continue;
		}
		in_frame++;
	}
	send_frame(s, in_frame, true);
	return 0;
}

int cjd_split_send_gone(struct cjd_split_sender *s, const char *const *cgroups, size_t n)
{
	int rc;

	if ((rc = cjd_frame_begin(&s->fb, CJD_FRAME_GONE, s->host, s->seq++)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (cjd_frame_add_gone(&s->fb, cgroups[i]) == 0)
			continue;
	send_frame(s, n, false);
	return 0;
}

void cjd_split_sender_stats(const struct cjd_split_sender *s, struct cjd_split_sender_stats *st)
{
	*st = s->st;
}

void cjd_split_sender_free(struct cjd_split_sender *s, int linger_ms)
{
	if (!s)
		return;
	if (s->sock) {
		zmq_setsockopt(s->sock, ZMQ_LINGER, &linger_ms, sizeof(linger_ms));
		zmq_close(s->sock);
	}
	if (s->zctx)
		zmq_ctx_term(s->zctx);
	cjd_frame_builder_release(&s->fb);
	free(s);
}

/* ---- receiver ---- */

struct cjd_split_receiver {
	void *zctx, *sock;
	int fd; /* ZMQ_FD: edge-triggered readiness of the socket */
	struct cjd_loop *loop;
	int timer;
	struct cjd_split_callbacks cbs;
	struct cjd_strmap *next_seq; /* host -> next expected seq + 1 (0: unseen) */
	struct cjd_split_receiver_stats st;
	zmq_msg_t msg;
};

int cjd_split_receiver_new(struct cjd_split_receiver **out,
			   const struct cjd_split_receiver_config *cfg,
			   const struct cjd_split_callbacks *cbs, struct cjd_error *err)
{
	struct cjd_split_receiver *r = calloc(1, sizeof(*r));
	size_t fdlen = sizeof(r->fd);
	int rc;

	*out = NULL;
	if (!r)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	r->cbs = *cbs;
	r->timer = -1;
	zmq_msg_init(&r->msg);
	r->next_seq = cjd_strmap_new();
	r->zctx = zmq_ctx_new();
	if (!r->next_seq || !r->zctx) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	r->sock = socket_new(r->zctx, ZMQ_PULL, ZMQ_RCVHWM, cfg->rcvhwm ? cfg->rcvhwm : DEFAULT_HWM,
			     err);
	if (!r->sock) {
		rc = -EIO;
		goto out_free;
	}
	if ((rc = attach_endpoints(r->sock, cfg->bind, cfg->n_bind, cfg->connect, cfg->n_connect,
				   err)))
		goto out_free;
	if (zmq_getsockopt(r->sock, ZMQ_FD, &r->fd, &fdlen) != 0) {
		rc = cjd_error_set(err, -EIO, NULL, 0, 0, "ZMQ_FD: %s", zmq_strerror(zmq_errno()));
		goto out_free;
	}
	*out = r;
	return 0;
out_free:
	cjd_split_receiver_free(r);
	return rc;
}

/* Counts frames lost between two of a host's frames (sequence numbers are per sender).
 * The map holds the expected next sequence number plus one, so 0 means "unseen". */
static void check_seq(struct cjd_split_receiver *r, const char *host, uint64_t seq)
{
	uint64_t *slot;
	int rc = cjd_strmap_upsert(r->next_seq, host, &slot);

	if (rc < 0)
		return;
	if (rc == 1) {
		r->st.hosts++;
	} else {
		uint64_t expected = *slot - 1;
		if (seq > expected) {
			r->st.lost_frames += seq - expected;
			cjd_warn("split: %llu frame(s) from %s lost in transit (got %llu, expected %llu)",
				 (unsigned long long)(seq - expected), host,
				 (unsigned long long)seq, (unsigned long long)expected);
		} else if (seq < expected) {
			cjd_info("split: %s restarted (sequence back to %llu)", host,
				 (unsigned long long)seq);
		}
	}
	*slot = seq + 2;
}

static void handle_frame(struct cjd_split_receiver *r, const void *data, size_t len)
{
	struct cjd_frame_reader fr;
	struct cjd_error err;
	struct cjd_sample s;
	const char *cg;
	int rc;

	if (cjd_frame_open(&fr, data, len, &err)) {
		r->st.malformed++;
		cjd_warn("split: dropping a %zu-byte frame: %s", len, err.text);
		return;
	}
	r->st.frames++;
	check_seq(r, fr.host, fr.seq);
	if (fr.kind == CJD_FRAME_SAMPLES) {
		while ((rc = cjd_frame_next_sample(&fr, &s, &err)) == 1) {
			r->st.samples++;
			if (r->cbs.samples)
				r->cbs.samples(r->cbs.ctx, fr.host, &s);
		}
		if (r->cbs.frame_done)
			r->cbs.frame_done(r->cbs.ctx, fr.host);
	} else {
		while ((rc = cjd_frame_next_gone(&fr, &cg, &err)) == 1) {
			r->st.gone++;
			if (r->cbs.gone)
				r->cbs.gone(r->cbs.ctx, fr.host, cg);
		}
	}
	if (rc < 0) {
		/* the records before the fault were good and have been used */
		r->st.malformed++;
		cjd_warn("split: frame from %s cut short: %s", fr.host, err.text);
	}
}

int cjd_split_receiver_drain(struct cjd_split_receiver *r)
{
	int n = 0;

	while (zmq_msg_recv(&r->msg, r->sock, ZMQ_DONTWAIT) >= 0) {
		handle_frame(r, zmq_msg_data(&r->msg), zmq_msg_size(&r->msg));
		n++;
	}
	return n;
}

static void on_ready(struct cjd_loop *l, int fd, uint32_t events, void *ctx)
{
	(void)l;
	(void)fd;
	(void)events;
	/* ZMQ_FD is edge-triggered and also signals internal commands: drain all */
	cjd_split_receiver_drain(ctx);
}

static void on_timer(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	/* a safety net: an edge consumed by zmq's own bookkeeping must not strand frames */
	cjd_split_receiver_drain(ctx);
}

int cjd_split_receiver_attach(struct cjd_split_receiver *r, struct cjd_loop *loop)
{
	int rc = cjd_loop_add_fd(loop, r->fd, EPOLLIN, on_ready, r);

	if (rc)
		return rc;
	r->loop = loop;
	r->timer = cjd_loop_add_timer(loop, CJD_NSEC_PER_SEC / 10, on_timer, r);
	return r->timer < 0 ? r->timer : 0;
}

void cjd_split_receiver_stats(const struct cjd_split_receiver *r,
			      struct cjd_split_receiver_stats *st)
{
	*st = r->st;
}

void cjd_split_receiver_free(struct cjd_split_receiver *r)
{
	if (!r)
		return;
	if (r->loop) {
		cjd_loop_del_fd(r->loop, r->fd);
		if (r->timer >= 0)
			cjd_loop_del_timer(r->loop, r->timer);
	}
	zmq_msg_close(&r->msg);
	if (r->sock)
		zmq_close(r->sock);
	if (r->zctx)
		zmq_ctx_term(r->zctx);
	cjd_strmap_free(r->next_seq);
	free(r);
}
