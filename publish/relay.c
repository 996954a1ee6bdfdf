/* The relay: a zmq_proxy XSUB->XPUB fan-in of many alert publishers into one endpoint. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/curve_zap.h"
#include "cjd/publish/relay.h"

#define CONTROL_ENDPOINT "inproc://cjd-relay-control"

struct relay {
	void *zctx;
	sigset_t signals;
	void *xsub, *xpub, *ctl;
	struct cjd_zap *zap;
	struct cjd_curve_keypair me, srv;
};

/* Waits for SIGINT/SIGTERM (blocked in every thread) and tells the proxy to stop. */
static void *signal_thread(void *arg)
{
	struct relay *r = arg;
	void *ctl = zmq_socket(r->zctx, ZMQ_PAIR);
	int signo = 0;

	if (ctl && zmq_connect(ctl, CONTROL_ENDPOINT) == 0) {
		while (sigwait(&r->signals, &signo) != 0)
			;
		if (signo != SIGUSR2) /* SIGUSR2: the proxy already ended, just leave */
			cjd_info("relay: %s, stopping", strsignal(signo));
		zmq_send(ctl, "TERMINATE", 9, 0);
	}
	if (ctl) {
		int zero = 0;
		zmq_setsockopt(ctl, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(ctl);
	}
	return NULL;
}

static int zmq_fail(struct cjd_error *err, int rc, const char *what)
{
	return cjd_error_set(err, rc, NULL, 0, 0, "%s: %s", what, zmq_strerror(zmq_errno()));
}

/* CURVE on either side: keys checked before any socket exists. */
static int read_keys(struct relay *r, const struct cjd_relay_config *c, struct cjd_error *err)
{
	int rc;

	if ((c->curve_server_key || c->curve_clients) && !c->curve_secret)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "--curve-server-key and --curve-clients need --curve-secret");
	if (c->curve_secret && !c->curve_server_key && !c->curve_clients)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "--curve-secret alone does nothing; add --curve-server-key "
				     "and/or --curve-clients");
	if (c->curve_secret && (rc = cjd_curve_read(c->curve_secret, true, false, &r->me, err)))
		return cjd_errno_config(rc);
	if (c->curve_server_key &&
	    (rc = cjd_curve_read(c->curve_server_key, false, false, &r->srv, err)))
		return cjd_errno_config(rc);
	return 0;
}

static int set_curve(struct relay *r, const struct cjd_relay_config *c, struct cjd_error *err)
{
	int one = 1;

	if (c->curve_server_key &&
	    (zmq_setsockopt(r->xsub, ZMQ_CURVE_SERVERKEY, r->srv.public_z85, CJD_CURVE_Z85_LEN) ||
	     zmq_setsockopt(r->xsub, ZMQ_CURVE_PUBLICKEY, r->me.public_z85, CJD_CURVE_Z85_LEN) ||
	     zmq_setsockopt(r->xsub, ZMQ_CURVE_SECRETKEY, r->me.secret_z85, CJD_CURVE_Z85_LEN)))
		return zmq_fail(err, -EIO, "CURVE (IN)");
	if (c->curve_clients &&
	    (zmq_setsockopt(r->xpub, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	     zmq_setsockopt(r->xpub, ZMQ_CURVE_SECRETKEY, r->me.secret_z85, CJD_CURVE_Z85_LEN) ||
	     zmq_setsockopt(r->xpub, ZMQ_ZAP_DOMAIN, "cjd", 3)))
		return zmq_fail(err, -EIO, "CURVE (OUT)");
	return 0;
}

/* The context, the ZAP handler, the three sockets, CURVE, and the endpoints. */
static int open_sockets(struct relay *r, const struct cjd_relay_config *c, struct cjd_error *err)
{
	int hwm = c->sndhwm > 0 ? c->sndhwm : 10000, rc;

	if (!(r->zctx = zmq_ctx_new()))
		return zmq_fail(err, -EIO, "zmq_ctx_new");
	if (c->curve_clients && (rc = cjd_zap_start(&r->zap, r->zctx, c->curve_clients, err)))
		return cjd_errno_config(rc);
	r->xsub = zmq_socket(r->zctx, ZMQ_XSUB);
	r->xpub = zmq_socket(r->zctx, ZMQ_XPUB);
	r->ctl = zmq_socket(r->zctx, ZMQ_PAIR);
	if (!r->xsub || !r->xpub || !r->ctl || zmq_bind(r->ctl, CONTROL_ENDPOINT) != 0)
		return zmq_fail(err, -EIO, "sockets");
	zmq_setsockopt(r->xpub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(r->xsub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if ((rc = set_curve(r, c, err)))
		return rc;
	explicit_bzero(&r->me, sizeof(r->me));
	for (size_t i = 0; i < c->n_in; i++)
		if (zmq_connect(r->xsub, c->in[i]) != 0)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0, "cannot connect to IN '%s': %s",
					     c->in[i], zmq_strerror(zmq_errno()));
	if (zmq_bind(r->xpub, c->out) != 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "cannot bind OUT '%s': %s", c->out,
				     zmq_strerror(zmq_errno()));
	return 0;
}

static void close_socket(void *s)
{
	int zero = 0;

	/* a stopping relay does not wait for slow subscribers */
	if (s) {
		zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(s);
	}
}

int cjd_relay_run(const struct cjd_relay_config *c, struct cjd_error *err)
{
	struct relay r = {0};
	pthread_t sig_thread;
	bool sig_started = false;
	int rc;

	if ((rc = read_keys(&r, c, err)))
		goto out;
	/* Blocked before any thread exists, so ZeroMQ's threads inherit the mask
	 * and only sigwait() ever sees these signals. */
	sigemptyset(&r.signals);
	sigaddset(&r.signals, SIGINT);
	sigaddset(&r.signals, SIGTERM);
	sigaddset(&r.signals, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &r.signals, NULL);
	if ((rc = open_sockets(&r, c, err)))
		goto out;
	if (pthread_create(&sig_thread, NULL, signal_thread, &r) != 0) {
		rc = cjd_error_set(err, -EAGAIN, NULL, 0, 0, "cannot start the signal thread");
		goto out;
	}
	sig_started = true;
	cjd_info("relay: %zu publisher%s -> %s", c->n_in, c->n_in == 1 ? "" : "s", c->out);
	/* returns when the signal thread sends TERMINATE, or on a context error */
	if (zmq_proxy_steerable(r.xsub, r.xpub, NULL, r.ctl) != 0)
		rc = zmq_fail(err, -EIO, "zmq_proxy");
out:
	explicit_bzero(&r.me, sizeof(r.me));
	if (sig_started) {
		pthread_kill(sig_thread, SIGUSR2); /* harmless if it is already leaving */
		pthread_join(sig_thread, NULL);
	}
	close_socket(r.xsub);
	close_socket(r.xpub);
	close_socket(r.ctl);
	if (r.zctx) {
		zmq_ctx_shutdown(r.zctx);
		cjd_zap_stop(r.zap);
		zmq_ctx_term(r.zctx);
	}
	return rc;
}
