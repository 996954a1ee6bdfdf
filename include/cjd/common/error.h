/* A parse or validation error with its location, in the manner of json_error_t. */
#ifndef CJD_COMMON_ERROR_H
#define CJD_COMMON_ERROR_H

#include <stdarg.h>

#define CJD_ERROR_TEXT 320

/*
 * Where something went wrong and why. line/column are 1-based; 0 means
 * "not applicable" (an I/O error on the whole file, say).
 */
struct cjd_error {
	char file[256];
	int line;
	int column;
	char text[CJD_ERROR_TEXT];
};

/* Clears err (NULL is allowed). */
void cjd_error_clear(struct cjd_error *err);

/* Fills err (NULL is allowed) and returns `code` so callers can write
 * `return cjd_error_set(err, -EINVAL, path, line, col, "...", ...);`. */
int cjd_error_set(struct cjd_error *err, int code, const char *file, int line, int column,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

int cjd_error_vset(struct cjd_error *err, int code, const char *file, int line, int column,
		   const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Renders "file:line:column: text" (omitting zero parts) into buf. */
const char *cjd_error_format(const struct cjd_error *err, char *buf, size_t len);

/*
 * The entry points the command line drives (cjd_agent_new, cjd_pipeline_new,
 * cjd_replay_run, cjd_relay_run, cjd_subscriber_run, ...) tell the kind of a
 * failure by its errno: -EINVAL is a usage or configuration problem (the cjd
 * binary exits 2), any other negative errno a runtime failure (exit 1). These
 * two put an errno from a lower layer on the right side of that line.
 */

/* A failure the configuration caused (a bad value, a model or key file that
 * cannot be used): -EINVAL, except -ENOMEM, which stays. */
int cjd_errno_config(int rc);

/* A runtime failure: rc itself, except -EINVAL (a malformed trace line, say),
 * which becomes -EIO so that it does not pass for a configuration error. */
int cjd_errno_runtime(int rc);

#endif
