/* The alert serializer: struct cjd_alert + context -> one ECS JSON line; the wire schemas' names. */
#ifndef CJD_PUBLISH_ALERT_JSON_H
#define CJD_PUBLISH_ALERT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/alert.h"
#include "cjd/publish/alert_procs.h"

/*
 * Schema identifiers, written in the top-level "schema" field. A consumer
 * switches on them; a breaking change gets a new number. docs/alerts.md and
 * the files in docs/schema/ describe each one; this file and alert_json.c /
 * alert_status_json.c are the only places that produce them.
 */
#define CJD_ALERT_SCHEMA "cjd.alert/1"
#define CJD_METRICS_SCHEMA "cjd.metrics/1"
#define CJD_HEARTBEAT_SCHEMA "cjd.heartbeat/1"

/* The ECS version the field names follow. */
#define CJD_ECS_VERSION "8.11.0"

/*
 * What an alert does not carry but its JSON needs. Every pointer may be NULL
 * (the field is then omitted, or taken from the alert). Borrowed for the call.
 */
struct cjd_alert_context {
	const char *host_name; /* host.name when alert->host is NULL */
	const char *host_id;   /* host.id (/etc/machine-id); omitted when alert->host names another host */
	const char *pod_name;  /* orchestrator.resource.name; the cgroup path never holds it */
	const struct cjd_process *procs; /* cjd.processes */
	size_t n_procs;
	size_t procs_total;    /* PIDs in cgroup.procs (may exceed n_procs) */
	bool procs_known;      /* false: cjd.processes is omitted (replay: the cgroup is not here) */
	uint64_t seq;          /* cjd.seq (publisher sequence of the alert class); 0 omits it */
};

/*
 * Renders the alert as one line of JSON (no newline) into a buffer that the
 * function allocates: *out is malloc'ed and NUL-terminated, *out_len its
 * length; the caller frees it. Strings are escaped (quotes, backslashes,
 * control characters) and invalid UTF-8 bytes become U+FFFD, in which case
 * "cjd.utf8_replaced": true is added so consumers know a name is lossy.
 * Non-finite numbers are written as null. Returns 0, -EINVAL (alert->id
 * empty: ids are assigned before serializing) or -ENOMEM. Thread-safe.
 */
int cjd_alert_json(const struct cjd_alert *alert, const struct cjd_alert_context *ctx,
		   char **out, size_t *out_len);

/*
 * Prints the alert as one JSON line (with newline) on f, with the same
 * serializer. Returns 0, -EINVAL, -ENOMEM or -EIO (write error).
 */
int cjd_alert_fprint(FILE *f, const struct cjd_alert *alert, const struct cjd_alert_context *ctx);

/*
 * A one-line human summary for logs ("FIRING /docker/0123.. score 0.97 ...").
 * Hostile bytes of the cgroup name are shown as \xHH. Always NUL-terminates.
 */
const char *cjd_alert_summary(const struct cjd_alert *alert, char *buf, size_t len);

/*
 * Reads /etc/machine-id (or `path`, for tests) into buf: 32 lowercase hex
 * digits. Returns 0, or a negative errno (missing, malformed) leaving buf "".
 */
int cjd_machine_id(const char *path, char *buf, size_t len);

#endif
