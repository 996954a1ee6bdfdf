/* `cjd relay IN... OUT`: a zmq_proxy XSUB->XPUB fan-in of many publishers. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/curve_zap.h"
#include "cli.h"

static const char relay_usage[] =
	"Usage: cjd relay [OPTIONS] IN... OUT\n"
	"\n"
	"Fan alerts from many cjd publishers into one endpoint: connect to every IN\n"
	"(an XSUB socket), bind OUT (an XPUB socket) and forward every message, and\n"
	"every subscription upstream, with zmq_proxy. Subscribers connect to OUT with\n"
	"`cjd sub OUT`; messages keep their topics and their host.name.\n"
	"\n"
	"  IN    a publisher endpoint to connect to, e.g. tcp://host1:5556\n"
	"  OUT   the endpoint to bind, e.g. tcp://0.0.0.0:5557\n"
	"\n"
	"Options:\n"
	"  --sndhwm N                per-subscriber queue on OUT, messages (default 10000)\n"
	"  --curve-secret FILE       the relay's keypair (a .key from cjd keygen)\n"
	"  --curve-server-key FILE   connect to every IN with CURVE, expecting this\n"
	"                            publisher public key (needs --curve-secret; the\n"
	"                            relay's .pub goes into each publisher's clients DIR)\n"
	"  --curve-clients DIR       serve OUT with CURVE, admitting only the public keys\n"
	"                            in DIR (needs --curve-secret)\n"
	"  -h, --help                show this help\n"
	"\n"
	"SIGINT or SIGTERM stops it cleanly. Exit status: 0 stopped by a signal,\n"
	"1 runtime failure, 2 usage error (including an OUT that cannot be bound).\n";

#define CONTROL_ENDPOINT "inproc://cjd-relay-control"

struct relay {
	void *zctx;
	sigset_t signals;
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

static int load(const char *path, bool secret, struct cjd_curve_keypair *kp)
{
	struct cjd_error err;
	char msg[700];

	if (cjd_curve_read(path, secret, false, kp, &err) == 0)
		return 0;
	return cjd_cli_usage_error("relay", "%s", cjd_error_format(&err, msg, sizeof(msg)));
}

int cmd_relay(int argc, char **argv)
{
	enum { OPT_HWM = 256, OPT_SECRET, OPT_SERVER_KEY, OPT_CLIENTS };
	static const struct option opts[] = {
		{"sndhwm", required_argument, NULL, OPT_HWM},
		{"curve-secret", required_argument, NULL, OPT_SECRET},
		{"curve-server-key", required_argument, NULL, OPT_SERVER_KEY},
		{"curve-clients", required_argument, NULL, OPT_CLIENTS},
		{"help", no_argument, NULL, 'h'},
		{0}};
	const char *secret = NULL, *server_key = NULL, *clients = NULL;
	struct cjd_curve_keypair me = {0}, srv = {0};
	struct cjd_zap *zap = NULL;
	struct relay r = {0};
	void *xsub = NULL, *xpub = NULL, *ctl = NULL;
	pthread_t sig_thread;
	bool sig_started = false;
	int hwm = 10000, zero = 0, c, rc = CJD_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HWM:
			if (sscanf(optarg, "%d", &hwm) != 1 || hwm <= 0)
				return cjd_cli_usage_error("relay", "--sndhwm: '%s' is not a positive number",
							   optarg);
			break;
		case OPT_SECRET: secret = optarg; break;
		case OPT_SERVER_KEY: server_key = optarg; break;
		case OPT_CLIENTS: clients = optarg; break;
		case 'h': fputs(relay_usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("relay", argv, "h");
		}
	}
	if (argc - optind < 2)
		return cjd_cli_usage_error("relay", "need at least one IN and one OUT endpoint");
	if ((server_key || clients) && !secret)
		return cjd_cli_usage_error("relay", "--curve-server-key and --curve-clients need "
						    "--curve-secret");
	if (secret && !server_key && !clients)
		return cjd_cli_usage_error("relay", "--curve-secret alone does nothing; add "
						    "--curve-server-key and/or --curve-clients");
	if (secret && (rc = load(secret, true, &me)))
		return rc;
	if (server_key && (rc = load(server_key, false, &srv)))
		return rc;
	rc = CJD_EXIT_FAIL;

	/* Blocked before any thread exists, so ZeroMQ's threads inherit the mask
	 * and only sigwait() ever sees these signals. */
	sigemptyset(&r.signals);
	sigaddset(&r.signals, SIGINT);
	sigaddset(&r.signals, SIGTERM);
	sigaddset(&r.signals, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &r.signals, NULL);

	r.zctx = zmq_ctx_new();
	if (!r.zctx) {
		rc = cjd_cli_fail("relay", "zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
		goto out;
	}
	if (clients) {
		struct cjd_error err;
		char msg[700];
		if (cjd_zap_start(&zap, r.zctx, clients, &err)) {
			rc = cjd_cli_usage_error("relay", "%s", cjd_error_format(&err, msg, sizeof(msg)));
			goto out;
		}
	}
	xsub = zmq_socket(r.zctx, ZMQ_XSUB);
	xpub = zmq_socket(r.zctx, ZMQ_XPUB);
	ctl = zmq_socket(r.zctx, ZMQ_PAIR);
	if (!xsub || !xpub || !ctl || zmq_bind(ctl, CONTROL_ENDPOINT) != 0) {
		rc = cjd_cli_fail("relay", "sockets: %s", zmq_strerror(zmq_errno()));
		goto out;
	}
	zmq_setsockopt(xpub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(xsub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (server_key &&
	    (zmq_setsockopt(xsub, ZMQ_CURVE_SERVERKEY, srv.public_z85, CJD_CURVE_Z85_LEN) ||
	     zmq_setsockopt(xsub, ZMQ_CURVE_PUBLICKEY, me.public_z85, CJD_CURVE_Z85_LEN) ||
	     zmq_setsockopt(xsub, ZMQ_CURVE_SECRETKEY, me.secret_z85, CJD_CURVE_Z85_LEN))) {
		rc = cjd_cli_fail("relay", "CURVE (IN): %s", zmq_strerror(zmq_errno()));
		goto out;
	}
	if (clients) {
		int one = 1;
		if (zmq_setsockopt(xpub, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
		    zmq_setsockopt(xpub, ZMQ_CURVE_SECRETKEY, me.secret_z85, CJD_CURVE_Z85_LEN) ||
		    zmq_setsockopt(xpub, ZMQ_ZAP_DOMAIN, "cjd", 3)) {
			rc = cjd_cli_fail("relay", "CURVE (OUT): %s", zmq_strerror(zmq_errno()));
			goto out;
		}
	}
	explicit_bzero(&me, sizeof(me));
	for (int i = optind; i < argc - 1; i++) {
		if (zmq_connect(xsub, argv[i]) != 0) {
			rc = cjd_cli_usage_error("relay", "cannot connect to IN '%s': %s", argv[i],
						 zmq_strerror(zmq_errno()));
			goto out;
		}
	}
	if (zmq_bind(xpub, argv[argc - 1]) != 0) {
		rc = cjd_cli_usage_error("relay", "cannot bind OUT '%s': %s", argv[argc - 1],
					 zmq_strerror(zmq_errno()));
		goto out;
	}
	if (pthread_create(&sig_thread, NULL, signal_thread, &r) != 0) {
		rc = cjd_cli_fail("relay", "cannot start the signal thread");
		goto out;
	}
	sig_started = true;
	cjd_info("relay: %d publisher%s -> %s", argc - optind - 1, argc - optind - 1 == 1 ? "" : "s",
		 argv[argc - 1]);
	/* returns when the signal thread sends TERMINATE, or on a context error */
	if (zmq_proxy_steerable(xsub, xpub, NULL, ctl) == 0)
		rc = CJD_EXIT_OK;
	else
		rc = cjd_cli_fail("relay", "zmq_proxy: %s", zmq_strerror(zmq_errno()));
out:
	explicit_bzero(&me, sizeof(me));
	if (sig_started) {
		pthread_kill(sig_thread, SIGUSR2); /* harmless if it is already leaving */
		pthread_join(sig_thread, NULL);
	}
	/* a stopping relay does not wait for slow subscribers */
	if (xsub)
		zmq_setsockopt(xsub, ZMQ_LINGER, &zero, sizeof(zero)), zmq_close(xsub);
	if (xpub)
		zmq_setsockopt(xpub, ZMQ_LINGER, &zero, sizeof(zero)), zmq_close(xpub);
	if (ctl)
		zmq_setsockopt(ctl, ZMQ_LINGER, &zero, sizeof(zero)), zmq_close(ctl);
	if (r.zctx) {
		zmq_ctx_shutdown(r.zctx);
		cjd_zap_stop(zap);
		zmq_ctx_term(r.zctx);
	}
	return rc;
}
