/* CURVE keys for alerts: key files (Z85 text), the authorised-clients directory, ZAP. */
#ifndef CJD_CURVE_H
#define CJD_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/* A Z85 key is 40 characters (32 bytes). */
#define CJD_CURVE_Z85_LEN 40

/*
 * Key file format (docs/alerts.md): UTF-8 text, one `name = value` per line,
 * '#' comments and blank lines ignored.
 *   BASENAME.pub:  public-key = <40 Z85 chars>
 *   BASENAME.key:  public-key = <40 Z85 chars>
 *                  secret-key = <40 Z85 chars>     (file mode 0600)
 */
struct cjd_curve_keypair {
	char public_z85[CJD_CURVE_Z85_LEN + 1];
	char secret_z85[CJD_CURVE_Z85_LEN + 1]; /* "" when read from a .pub file */
};

/*
 * Generates a keypair (zmq_curve_keypair) and writes BASENAME.key (0600) and
 * BASENAME.pub (0644). Existing files are refused (-EEXIST) unless force.
 * Returns 0 or a negative errno with err naming the file.
 */
int cjd_curve_keygen(const char *basename, bool force, struct cjd_curve_keypair *out,
		     struct cjd_error *err);

/*
 * Reads a key file. need_secret: the file must hold secret-key (and its
 * public-key must match it); otherwise only public-key is required and a
 * secret-key line is an error when refuse_secret is set (a secret key does
 * not belong in a clients directory). Errors name the file and line:
 * unknown names, bad Z85, wrong length, duplicates, missing keys, a secret
 * file readable by group/other (-EPERM). Returns 0 or a negative errno.
 */
int cjd_curve_read(const char *path, bool need_secret, bool refuse_secret,
		   struct cjd_curve_keypair *out, struct cjd_error *err);

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
