/* Split mode: `cjd collect` sends sample frames over ZeroMQ; `cjd detect` receives them from many hosts. */
#ifndef CJD_DAEMON_SPLIT_H
#define CJD_DAEMON_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/loop.h"
#include "cjd/common/sample.h"

/*
 * The transport is PUSH/PULL: a collector binds (or connects) a PUSH socket,
 * a detector connects (or binds) a PULL socket to any number of them and
 * fair-queues their frames. PUSH never drops silently: a frame that finds
 * every peer's queue full is counted as dropped on the sender, and the
 * per-host sequence number lets the detector count what went missing.
 * Frames are the binary format of include/cjd/daemon/frame.h.
 */

struct cjd_split_sender;

struct cjd_split_sender_config {
	const char *const *bind;     /* endpoints to bind */
	size_t n_bind;
	const char *const *connect;  /* endpoints to connect */
	size_t n_connect;
	int sndhwm;                  /* frames queued per peer; 0: 1000 */
	const char *host;            /* name in every frame; NULL: gethostname() */
};

struct cjd_split_sender_stats {
	uint64_t frames, samples, gone;
	uint64_t frames_dropped, samples_dropped; /* no peer could take them */
	uint64_t bytes;
};

/* Creates the socket and binds/connects; errors name the endpoint. */
int cjd_split_sender_new(struct cjd_split_sender **out, const struct cjd_split_sender_config *cfg,
			 struct cjd_error *err);
/* Sends one tick's samples (split over several frames when large). Never blocks. */
int cjd_split_send_samples(struct cjd_split_sender *s, const struct cjd_sample *samples, size_t n);
/* Sends the cgroups that vanished. Never blocks. */
int cjd_split_send_gone(struct cjd_split_sender *s, const char *const *cgroups, size_t n);
void cjd_split_sender_stats(const struct cjd_split_sender *s, struct cjd_split_sender_stats *st);
/* Waits at most linger_ms for queued frames to leave, then closes. Accepts NULL. */
void cjd_split_sender_free(struct cjd_split_sender *s, int linger_ms);

struct cjd_split_receiver;

/* Called per decoded frame content, on the loop's thread. */
struct cjd_split_callbacks {
	void (*samples)(void *ctx, const char *host, const struct cjd_sample *s); /* one sample */
	void (*frame_done)(void *ctx, const char *host);   /* after the last sample of a frame */
	void (*gone)(void *ctx, const char *host, const char *cgroup);
	void *ctx;
};

struct cjd_split_receiver_config {
	const char *const *connect;
	size_t n_connect;
	const char *const *bind;
	size_t n_bind;
	int rcvhwm; /* 0: 1000 frames */
};

struct cjd_split_receiver_stats {
	uint64_t frames, samples, gone;
	uint64_t malformed;   /* frames that failed to decode (logged, skipped) */
	uint64_t lost_frames; /* gaps in the senders' sequence numbers */
	size_t hosts;
};

int cjd_split_receiver_new(struct cjd_split_receiver **out,
			   const struct cjd_split_receiver_config *cfg,
			   const struct cjd_split_callbacks *cbs, struct cjd_error *err);
/* Watches the socket on loop; frames are processed as they arrive. */
int cjd_split_receiver_attach(struct cjd_split_receiver *r, struct cjd_loop *loop);
/* Processes whatever is queued now (the loop does this on readiness). Returns frames handled. */
int cjd_split_receiver_drain(struct cjd_split_receiver *r);
void cjd_split_receiver_stats(const struct cjd_split_receiver *r,
			      struct cjd_split_receiver_stats *st);
void cjd_split_receiver_free(struct cjd_split_receiver *r);

#endif
