/* The HTTP output: POSTs each alert (ECS, Falcosidekick or Splunk HEC body) through libcurl from the output queue's worker. */
#ifndef CJD_PUBLISH_OUTPUT_HTTP_H
#define CJD_PUBLISH_OUTPUT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/publish/output.h"
#include "cjd/publish/output_body.h"

/* The header every POST carries with the message's event.id, for receivers that de-duplicate. */
#define CJD_HTTP_EVENT_ID_HEADER "X-Cjd-Event-Id"

struct cjd_output_http_config {
	const char *url;                 /* http:// or https:// */
	enum cjd_http_format format;
	struct cjd_http_body_options body;
	/* A file whose first line is a token: sent as "Authorization: Splunk
	 * TOKEN" (splunk-hec) or "Authorization: Bearer TOKEN", so that it never
	 * appears on a command line. NULL: none. */
	const char *token_file;
	const char *const *headers;      /* extra "Name: value" headers */
	size_t n_headers;
	const char *ca_file;             /* CA bundle to verify the server; NULL: the system's */
	const char *cert_file;           /* client certificate and key (mutual TLS): both or neither */
	const char *key_file;
	uint64_t timeout_ns;             /* per request, connection included; 0: 10 s */
	struct cjd_output_options queue;
};

/*
 * Checks an extra header line: "Name: value" with a token name (RFC 9110
 * tchar) and no control characters, and not one cjd sets itself
 * (Content-Type, Authorization when a token file is given, the event id,
 * Content-Length, Host). Returns 0 or -EINVAL with why filled.
 */
int cjd_http_header_check(const char *line, char *why, size_t whylen);

/*
 * Starts the HTTP output: checks the URL (http or https), reads the token
 * file, checks the headers and TLS files, sets up a libcurl handle (TLS
 * verification on, redirects not followed, no signals) and the queue's
 * worker. Errors name the file or the setting. Logs one info line saying
 * where alerts go (the URL without credentials or query). Returns 0 or a
 * negative errno; *out is NULL on failure. Call before threads that use
 * libcurl elsewhere exist (curl_global_init).
 *
 * Delivery: one request in flight, in queue order; a message leaves the
 * queue only when the receiver answered 2xx (sent) or a 4xx other than
 * 408/429 (rejected: retrying cannot help). Everything else is retried, so a
 * receiver sees every queued message at least once, in order: a request
 * whose answer was lost is sent again. Each POST carries the message's
 * event.id in CJD_HTTP_EVENT_ID_HEADER (and in its body) for de-duplication.
 */
int cjd_output_http_new(struct cjd_output **out, const struct cjd_output_http_config *cfg,
			struct cjd_error *err);

#endif
