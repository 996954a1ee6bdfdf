/* The ZAP handler: admits CURVE clients whose keys are in the authorised-clients directory. */
#ifndef CJD_PUBLISH_CURVE_ZAP_H
#define CJD_PUBLISH_CURVE_ZAP_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * The ZAP handler: a thread owning a REP socket bound to
 * inproc://zeromq.zap.01 in `zmq_ctx`, answering CURVE handshakes: 200 for a
 * public key found in the clients directory, 400 otherwise. Refusals are
 * logged with the client key and peer address (repeats of one key are
 * summarised, at most once a minute, so a reconnecting stranger cannot flood
 * the log).
 *
 * Why a thread rather than a watch in the daemon's cjd_loop: libzmq holds a
 * handshake until ZAP answers, and `cjd replay --speed max` has no event loop
 * at all; a thread answers at once whatever the host program is doing. It
 * shares nothing mutable with the caller except atomic counters.
 */
struct cjd_zap;

/*
 * Loads every regular, non-hidden file of clients_dir as a public key file
 * (a malformed one fails with its name and line) and starts the handler.
 * An empty directory is allowed (it refuses everyone) with a warning.
 */
int cjd_zap_start(struct cjd_zap **out, void *zmq_ctx, const char *clients_dir,
		  struct cjd_error *err);

/*
 * Stops the handler. Call after zmq_ctx_shutdown() (which unblocks it) and
 * before zmq_ctx_term(). Accepts NULL.
 */
void cjd_zap_stop(struct cjd_zap *z);

/* Counters (atomic reads, any thread). */
uint64_t cjd_zap_refused(const struct cjd_zap *z);
uint64_t cjd_zap_accepted(const struct cjd_zap *z);
size_t cjd_zap_client_count(const struct cjd_zap *z);

#endif
