/* The bodies the HTTP output POSTs: the ECS document, a Falco event for Falcosidekick, a Splunk HEC event. */
#ifndef CJD_PUBLISH_OUTPUT_BODY_H
#define CJD_PUBLISH_OUTPUT_BODY_H

#include <stddef.h>

enum cjd_http_format {
	CJD_HTTP_ECS = 0,        /* the message body exactly as published (nested ECS) */
	CJD_HTTP_FALCOSIDEKICK,  /* a Falco event: priority, rule, output, output_fields, time, ... */
	CJD_HTTP_SPLUNK_HEC,     /* {"time","host","source","sourcetype","index"?,"event"} */
};

/* "ecs|falcosidekick|splunk-hec". Returns 0 or -EINVAL. */
int cjd_http_format_parse(const char *s, enum cjd_http_format *out);
const char *cjd_http_format_name(enum cjd_http_format f);

/* Splunk HEC metadata; NULL fields take the defaults. */
struct cjd_http_body_options {
	const char *splunk_index;      /* NULL: omitted (the token's default index) */
	const char *splunk_source;     /* NULL: "cjd" */
	const char *splunk_sourcetype; /* NULL: "cjd:alert", "cjd:metrics" or "cjd:heartbeat" */
};

/*
 * The Falco priority of a message: from event.severity (>= 90 Critical,
 * >= 70 Error, >= 40 Warning, >= 20 Notice, else Informational), at most
 * Notice for alert.resolved and alert.gone (the miner is no longer seen);
 * Informational for metrics and heartbeats. `severity` < 0: none.
 */
const char *cjd_falco_priority(const char *topic, long long severity);

/*
 * Builds the POST body for one published message (topic, and the JSON line
 * as published). ECS is the line itself; the others parse it (jansson) and
 * wrap it, so every field a message carries, including ones added later,
 * flows through (Falco's output_fields take every field, flattened to dotted
 * keys). *out is malloc'ed, NUL-terminated, *out_len its length. Returns 0,
 * -EINVAL (json is not a JSON object) or -ENOMEM. Thread-safe.
 */
int cjd_http_body(enum cjd_http_format f, const struct cjd_http_body_options *opts,
		  const char *topic, const char *json, size_t len, char **out, size_t *out_len);

#endif
