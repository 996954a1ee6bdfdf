/* Remote syslog output: RFC 5424 messages over TCP with RFC 6587 octet counting, optionally TLS (RFC 5425), from the output queue's worker. */
#ifndef CJD_PUBLISH_OUTPUT_SYSLOG_H
#define CJD_PUBLISH_OUTPUT_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/publish/output.h"

#define CJD_SYSLOG_TCP_PORT "514"  /* the customary plain TCP port */
#define CJD_SYSLOG_TLS_PORT "6514" /* RFC 5425 */

/* What MSG carries: */
enum cjd_syslog_msg_format {
	CJD_SYSLOG_MSG_RFC5424 = 0, /* [cjd@32473 ...] structured data + summary (as `cjd sub --format syslog`) */
	CJD_SYSLOG_MSG_CEF,         /* no structured data; MSG is the CEF line */
	CJD_SYSLOG_MSG_LEEF,        /* no structured data; MSG is the LEEF 2.0 line (QRadar) */
	CJD_SYSLOG_MSG_JSON,        /* no structured data; MSG is the ECS JSON document as published */
};

/* "rfc5424|cef|leef|json". Returns 0 or -EINVAL. */
int cjd_syslog_msg_format_parse(const char *s, enum cjd_syslog_msg_format *out);
const char *cjd_syslog_msg_format_name(enum cjd_syslog_msg_format f);

struct cjd_output_syslog_config {
	const char *remote;        /* "host:port", "[v6addr]:port", or "host" (port 514, TLS 6514) */
	bool tls;                  /* RFC 5425 */
	const char *ca_file;       /* CA bundle to verify the receiver; NULL: the system's */
	const char *cert_file;     /* client certificate and key: both or neither (TLS only) */
	const char *key_file;
	const char *server_name;   /* the name its certificate must hold; NULL: the remote's host */
	enum cjd_syslog_msg_format format;
	uint64_t timeout_ns;       /* connect, TLS handshake and each write; 0: 10 s */
	struct cjd_output_options queue;
};

/*
 * Splits a remote "host:port" / "[v6]:port" / "host" into host and port
 * (default_port when absent). Returns 0 or -EINVAL with why filled.
 */
int cjd_syslog_remote_parse(const char *remote, const char *default_port, char *host,
			    size_t host_len, char *port, size_t port_len, char *why, size_t whylen);

/*
 * One framed message as it goes on the wire: "LEN SP MSG" (RFC 6587 octet
 * counting; LEN is MSG's length in bytes), MSG rendered from the published
 * message in `format`. *out malloc'ed. Returns 0, -EINVAL (not a JSON
 * object) or -ENOMEM. Pure; exposed for tests.
 */
int cjd_syslog_frame(enum cjd_syslog_msg_format format, const char *topic, const char *json,
		     size_t len, char **out, size_t *out_len);

/*
 * Starts the remote syslog output: checks the remote and, for TLS, loads the
 * CA and the client certificate (errors name the file), then starts the
 * queue's worker. The worker connects on the first message, and whenever the
 * connection is found closed (checked before each write) or a write fails it
 * reconnects with the queue's back-off; the message that failed is sent
 * again, so the receiver sees every queued message in order, at least once
 * (RFC 6587 has no acknowledgement: a message written into a connection the
 * receiver drops at that moment can be lost; the journal keeps it).
 * Logs one info line saying where messages go. Returns 0 or a negative errno.
 */
int cjd_output_syslog_new(struct cjd_output **out, const struct cjd_output_syslog_config *cfg,
			  struct cjd_error *err);

#endif
