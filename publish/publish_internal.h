/* Internal to cjd_publish: a small append-only JSON writer shared by the serializers. */
#ifndef CJD_PUBLISH_INTERNAL_H
#define CJD_PUBLISH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cjd/common/identity.h"

#define CJD_JW_MAX_DEPTH 12

/*
 * Builds one JSON document in a growing heap buffer. Errors are sticky
 * (`err` becomes -ENOMEM or -EOVERFLOW), so callers write a whole document
 * and check once at the end. A NULL key means "array element".
 */
struct cjd_jw {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	bool first[CJD_JW_MAX_DEPTH];
	bool utf8_replaced; /* some string had invalid UTF-8 (now U+FFFD) */
	char *scratch;      /* sanitised copy of the current string */
	size_t scratch_cap;
};

void cjd_jw_init(struct cjd_jw *w);
/* Frees the buffers (also after cjd_jw_take). */
void cjd_jw_fini(struct cjd_jw *w);
/* Hands the document to the caller (NUL-terminated). Returns w->err or 0. */
int cjd_jw_take(struct cjd_jw *w, char **out, size_t *out_len);

void cjd_jw_obj(struct cjd_jw *w, const char *key);
void cjd_jw_arr(struct cjd_jw *w, const char *key);
void cjd_jw_end(struct cjd_jw *w, char close);
void cjd_jw_str(struct cjd_jw *w, const char *key, const char *val);
void cjd_jw_u64(struct cjd_jw *w, const char *key, uint64_t v);
void cjd_jw_i64(struct cjd_jw *w, const char *key, int64_t v);
void cjd_jw_bool(struct cjd_jw *w, const char *key, bool v);
void cjd_jw_float(struct cjd_jw *w, const char *key, float v);   /* null when non-finite */
void cjd_jw_double(struct cjd_jw *w, const char *key, double v); /* null when non-finite */
void cjd_jw_null(struct cjd_jw *w, const char *key);
/* "key": ["a", "b", ...] */
void cjd_jw_strs(struct cjd_jw *w, const char *key, const char *const *vals, size_t n);
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

/*
 * Copies s into dst (cap bytes, NUL-terminated), replacing every byte that is
 * not part of well-formed UTF-8 by U+FFFD. Returns the length needed (may be
 * >= cap, as snprintf) and sets *replaced when something was replaced.
 */
size_t cjd_utf8_sanitize(const char *s, char *dst, size_t cap, bool *replaced);

/* doc["a"]["b"]["c"] for the path "a.b.c" (our schemas' keys hold no dots), or NULL.
 * Shared by the renderings of received messages (alert_format.c, output_body.c). */
json_t *cjd_json_path(json_t *doc, const char *path);

#endif
