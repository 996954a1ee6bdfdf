/* The metrics HTTP server (libmicrohttpd, on its own thread): /metrics, /healthz and /readyz, with optional TLS and basic auth. */
#ifndef CJD_METRICS_HTTP_H
#define CJD_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cjd/common/error.h"
#include "cjd/metrics/registry.h"

/*
 * The default address: loopback, port 5558. Not 9464 (the OpenTelemetry
 * SDKs' Prometheus exporter default, which an instrumented service on the
 * host may hold) nor any of the well-known exporter ports (the Prometheus
 * wiki's 9100-9999 allocations are all taken); next to cjd's own alerts
 * port 5556 and `cjd relay`'s example 5557. docs/metrics.md says more.
 */
#define CJD_METRICS_DEFAULT_LISTEN "127.0.0.1:5558"

/*
 * True when text turns the server off: NULL, "" or "off".
 */
bool cjd_metrics_listen_off(const char *text);

/*
 * Parses "IPv4:PORT" or "[IPv6]:PORT" (numeric addresses only: a name could
 * resolve differently at every start) into *ss. PORT 0 lets the kernel pick
 * one (tests). Returns 0, or -EINVAL with why filled.
 */
int cjd_metrics_listen_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			     char *why, size_t whylen);

struct cjd_metrics_http_config {
	const char *listen;          /* see cjd_metrics_listen_parse */
	const char *tls_cert_file;   /* PEM certificate chain; with tls_key_file, HTTPS only */
	const char *tls_key_file;    /* PEM private key */
	/* One line "USER:PASSWORD"; the file must not be readable by others.
	 * /metrics then needs HTTP basic auth; /healthz and /readyz never do (the
	 * kubelet's probes carry no credentials, and they tell nothing secret). */
	const char *basic_auth_file;
	/*
	 * Health and readiness, asked at each request ON THE SERVER'S THREAD,
	 * concurrently with the owner's thread: they must be thread-safe and
	 * quick. They return true when all is well, else false with why filled
	 * (sent in the 503 body). NULL: always true.
	 */
	bool (*healthy)(void *ctx, char *why, size_t whylen);
	bool (*ready)(void *ctx, char *why, size_t whylen);
	void *ctx;
};

struct cjd_metrics_http;

/*
 * Reads the TLS and auth files, binds the address and starts the server
 * thread (with every signal blocked, so the owner's signalfd still gets
 * them). Until a snapshot is published, /metrics answers 503. Returns 0, or
 * a negative errno with err naming the address or file and what is wrong
 * ("127.0.0.1:5558: cannot bind: Address already in use").
 */
int cjd_metrics_http_new(struct cjd_metrics_http **out, const struct cjd_metrics_http_config *cfg,
			 struct cjd_error *err);

/*
 * Makes s what /metrics serves from now on, taking over the caller's
 * reference. Thread-safe and never waits for a scrape: a scrape in progress
 * keeps its own reference to the snapshot it renders.
 */
void cjd_metrics_http_publish(struct cjd_metrics_http *h, struct cjd_metrics_snapshot *s);

/* The base URL as bound, e.g. "http://127.0.0.1:5558" (the real port when 0 was asked). */
const char *cjd_metrics_http_url(const struct cjd_metrics_http *h);

/* Request counters (thread-safe reads). */
struct cjd_metrics_http_stats {
	uint64_t requests;     /* every request answered */
	uint64_t scrapes;      /* /metrics answered with 200 */
	uint64_t unauthorized; /* answered 401 */
};
void cjd_metrics_http_stats(const struct cjd_metrics_http *h, struct cjd_metrics_http_stats *st);

/* Stops the thread (waiting for a request in progress), closes the socket, drops the snapshot. Accepts NULL. */
void cjd_metrics_http_free(struct cjd_metrics_http *h);

#endif
