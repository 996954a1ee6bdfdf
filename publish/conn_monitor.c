/* Connection reports for a subscriber: libzmq's socket monitor events turned into a few plain ones. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cjd/publish/conn_monitor.h"

#define MAX_RETRYING 16

struct cjd_conn_monitor {
	void *watched;
	void *pair;
	int fd;
	/* endpoints whose "retrying" was reported and that have not connected since */
	char retrying[MAX_RETRYING][256];
	size_t n_retrying;
};

int cjd_conn_monitor_new(struct cjd_conn_monitor **out, void *zctx, void *sock)
{
	static unsigned serial; /* one process may monitor several sockets */
	struct cjd_conn_monitor *m = calloc(1, sizeof(*m));
	char ep[64];
	size_t len = sizeof(m->fd);
	int rc;

	if (!m)
		return -ENOMEM;
	snprintf(ep, sizeof(ep), "inproc://cjd-conn-monitor-%p-%u", sock, serial++);
	if (zmq_socket_monitor(sock, ep,
			       ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED |
				       ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
				       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
		goto out_errno;
	m->watched = sock;
	m->pair = zmq_socket(zctx, ZMQ_PAIR);
	if (!m->pair)
		goto out_stop;
	if (zmq_connect(m->pair, ep) != 0 || zmq_getsockopt(m->pair, ZMQ_FD, &m->fd, &len) != 0)
		goto out_pair;
	*out = m;
	return 0;
out_pair:
	rc = -zmq_errno();
	zmq_close(m->pair);
	zmq_socket_monitor(sock, NULL, 0);
	free(m);
	return rc;
out_stop:
	rc = -zmq_errno();
	zmq_socket_monitor(sock, NULL, 0);
	free(m);
	return rc;
out_errno:
	rc = -zmq_errno();
	free(m);
	return rc;
}

int cjd_conn_monitor_fd(const struct cjd_conn_monitor *m)
{
	return m->fd;
}

/* Receives one frame into buf (cut at cap); returns its size, or a negative errno. */
static int frame(void *sock, void *buf, size_t cap, int *more)
{
	size_t len = sizeof(*more);
	int n = zmq_recv(sock, buf, cap, ZMQ_DONTWAIT);

	if (n < 0)
		return -zmq_errno();
	if (zmq_getsockopt(sock, ZMQ_RCVMORE, more, &len) != 0)
		*more = 0;
	return n;
}

static size_t retry_find(const struct cjd_conn_monitor *m, const char *ep)
{
	for (size_t i = 0; i < m->n_retrying; i++)
		if (strcmp(m->retrying[i], ep) == 0)
			return i;
	return SIZE_MAX;
}

static void retry_forget(struct cjd_conn_monitor *m, const char *ep)
{
	size_t i = retry_find(m, ep);

	if (i == SIZE_MAX)
		return;
	m->n_retrying--;
	memmove(m->retrying[i], m->retrying[m->n_retrying], sizeof(m->retrying[i]));
}

int cjd_conn_monitor_next(struct cjd_conn_monitor *m, struct cjd_conn_change *c)
{
	for (;;) {
		uint8_t head[6];
		int more = 0, n;
		uint16_t ev;

		/* libzmq 4.x: [event (u16) + value (u32), endpoint] */
		n = frame(m->pair, head, sizeof(head), &more);
		if (n < 0)
			return n;
		if (n < 2 || !more)
			continue; /* not the format documented for this libzmq: skip it */
		memcpy(&ev, head, sizeof(ev));
		n = frame(m->pair, c->endpoint, sizeof(c->endpoint) - 1, &more);
		if (n < 0)
			return n;
		c->endpoint[(size_t)n < sizeof(c->endpoint) ? (size_t)n : sizeof(c->endpoint) - 1] =
			'\0';
		while (more) {
			char skip[64];
			if (frame(m->pair, skip, sizeof(skip), &more) < 0)
				break;
		}
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			retry_forget(m, c->endpoint);
			c->event = CJD_CONN_UP;
			return 0;
		case ZMQ_EVENT_CONNECTED:
			/* the handshake decides: reported as UP or FAILED when it ends */
			retry_forget(m, c->endpoint);
			continue;
		case ZMQ_EVENT_DISCONNECTED:
			/* the loss is the news; the retries after it are not */
			if (retry_find(m, c->endpoint) == SIZE_MAX && m->n_retrying < MAX_RETRYING)
				memcpy(m->retrying[m->n_retrying++], c->endpoint, sizeof(c->endpoint));
			c->event = CJD_CONN_DOWN;
			return 0;
		case ZMQ_EVENT_CONNECT_RETRIED:
			if (retry_find(m, c->endpoint) != SIZE_MAX)
				continue;
			if (m->n_retrying < MAX_RETRYING)
				memcpy(m->retrying[m->n_retrying++], c->endpoint, sizeof(c->endpoint));
			c->event = CJD_CONN_RETRYING;
			return 0;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			c->event = CJD_CONN_AUTH_FAILED;
			return 0;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			c->event = CJD_CONN_FAILED;
			return 0;
		default:
			continue;
		}
	}
}

void cjd_conn_monitor_free(struct cjd_conn_monitor *m)
{
	int zero = 0;

	if (!m)
		return;
	zmq_socket_monitor(m->watched, NULL, 0);
	zmq_setsockopt(m->pair, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_close(m->pair);
	free(m);
}
