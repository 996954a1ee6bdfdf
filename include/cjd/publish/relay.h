/* The relay: a zmq_proxy XSUB->XPUB fan-in of many alert publishers into one endpoint. */
#ifndef CJD_PUBLISH_RELAY_H
#define CJD_PUBLISH_RELAY_H

#include <stddef.h>

#include "cjd/common/error.h"

struct cjd_relay_config {
	const char *const *in;        /* publisher endpoints to connect to (XSUB) */
	size_t n_in;                  /* at least 1 */
	const char *out;              /* the endpoint to bind (XPUB) */
	int sndhwm;                   /* per-subscriber queue on out, messages; 0: 10000 */
	const char *curve_secret;     /* the relay's keypair (.key); NULL: no CURVE */
	const char *curve_server_key; /* connect to every in with CURVE expecting this key */
	const char *curve_clients;    /* serve out with CURVE to the public keys in this dir */
};

/*
 * Connects to every `in`, binds `out` and forwards every message downstream
 * and every subscription upstream until SIGINT or SIGTERM. Blocks those two
 * signals (and SIGUSR2) in the calling thread first, so that ZeroMQ's
 * threads inherit the mask and a thread of its own takes them with
 * sigwait(); the mask stays blocked afterwards. Returns 0 when stopped by a
 * signal, -EINVAL with err saying why when the configuration is at fault (a
 * key file, an endpoint that cannot be connected to or bound), or another
 * negative errno at runtime.
 */
int cjd_relay_run(const struct cjd_relay_config *cfg, struct cjd_error *err);

#endif
