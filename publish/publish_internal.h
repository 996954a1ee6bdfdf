/* Internal to cjd_publish: the JSON pieces every serialized message shares. */
#ifndef CJD_PUBLISH_INTERNAL_H
#define CJD_PUBLISH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cjd/common/identity.h"
#include "cjd/common/json_writer.h"

/*
 * The serializers write with the common JSON writer (cjd/common/json_writer.h),
 * started with cjd_jw_init(&w, CJD_JW_UTF8_REPLACE): every string a message
 * carries (cgroup paths, command lines) is made valid UTF-8. The helpers
 * below are the parts their messages share.
 */

void cjd_jw_time(struct cjd_jw *w, const char *key, uint64_t real_ns); /* RFC 3339 with ns */

/* The fields every message shares: @timestamp, schema, ecs, agent, event{kind,module,dataset}
 * (event is left open for the caller to add to). */
void cjd_jw_header(struct cjd_jw *w, uint64_t real_ns, const char *schema, const char *kind,
		   const char *dataset);

/*
 * Ends a document the header opened: adds "utf8_replaced": true to the object
 * still open (cjd) if some string was replaced, closes it and the document,
 * and hands the text over (see cjd_jw_take). Frees the writer.
 */
int cjd_jw_finish(struct cjd_jw *w, char **out, size_t *out_len);

/* host{name,id}: remote hosts (split mode) get no id, since ours would be wrong. */
void cjd_jw_host(struct cjd_jw *w, const char *remote, const char *name, const char *id);

/* cgroup.path, container.*, orchestrator.*: from `id` when given (names
 * included), else derived from the cgroup path. */
void cjd_jw_workload(struct cjd_jw *w, const char *cgroup, const struct cjd_identity *id);

/* doc["a"]["b"]["c"] for the path "a.b.c" (our schemas' keys hold no dots), or NULL.
 * Shared by the renderings of received messages (alert_format.c, output_body.c). */
json_t *cjd_json_path(json_t *doc, const char *path);

#endif
