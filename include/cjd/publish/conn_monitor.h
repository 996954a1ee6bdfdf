/* Watches a subscriber socket's connections (libzmq's socket monitor): connected, lost, refused. */
#ifndef CJD_PUBLISH_CONN_MONITOR_H
#define CJD_PUBLISH_CONN_MONITOR_H

#include <stddef.h>

struct cjd_conn_monitor;

enum cjd_conn_event {
	CJD_CONN_UP,          /* connected, and the ZMTP (and CURVE) handshake done */
	CJD_CONN_DOWN,        /* an established connection was lost */
	CJD_CONN_RETRYING,    /* no connection yet; libzmq keeps trying */
	CJD_CONN_AUTH_FAILED, /* the publisher refused this subscriber's CURVE key */
	CJD_CONN_FAILED,      /* the handshake failed otherwise (not a cjd publisher, CURVE mismatch) */
};

struct cjd_conn_change {
	enum cjd_conn_event event;
	char endpoint[256]; /* as libzmq reports it (the address connected to) */
};

/*
 * Starts monitoring the connections of `sock` (created from `zctx`) on a
 * private inproc endpoint. Returns 0, or a negative errno (the libzmq
 * failure; the caller can carry on without connection reports).
 * Not thread-safe: use it from the thread that uses the socket.
 */
int cjd_conn_monitor_new(struct cjd_conn_monitor **out, void *zctx, void *sock);

/* A file descriptor that becomes readable (edge-triggered, as ZMQ_FD) when
 * changes may be waiting: drain them with cjd_conn_monitor_next(). */
int cjd_conn_monitor_fd(const struct cjd_conn_monitor *m);

/*
 * The next change, without blocking. Returns 0 with *c filled, -EAGAIN when
 * none is waiting, or another negative errno. Only the first of a run of
 * connection retries on an endpoint is returned (libzmq reports one per
 * attempt, every 100 ms to 2 s), and none after a CJD_CONN_DOWN; the run
 * ends when the endpoint connects again.
 */
int cjd_conn_monitor_next(struct cjd_conn_monitor *m, struct cjd_conn_change *c);

/* Stops monitoring and closes the monitor's socket (before zmq_ctx_term).
 * Accepts NULL. The monitored socket must still be open. */
void cjd_conn_monitor_free(struct cjd_conn_monitor *m);

#endif
