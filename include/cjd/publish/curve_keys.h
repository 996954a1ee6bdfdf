/* CURVE key files for alerts (Z85 text): generation and a strict reader. */
#ifndef CJD_PUBLISH_CURVE_KEYS_H
#define CJD_PUBLISH_CURVE_KEYS_H

#include <stdbool.h>

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

#endif
