/* A small JSON writer for the serializers: nested objects, sticky errors, hostile-string safe. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_json.h"
#include "publish_internal.h"

void cjd_jw_init(struct cjd_jw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

void cjd_jw_fini(struct cjd_jw *w)
{
	free(w->buf);
	free(w->scratch);
	w->buf = NULL;
	w->scratch = NULL;
	w->len = w->cap = w->scratch_cap = 0;
}

int cjd_jw_take(struct cjd_jw *w, char **out, size_t *out_len)
{
	if (!w->err && w->depth != 0)
		w->err = -EPROTO; /* unbalanced: a serializer bug, never input */
	if (w->err)
		return w->err;
	*out = w->buf;
	*out_len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return 0;
}

/* Makes room for n more bytes plus the terminating NUL. */
static bool reserve(struct cjd_jw *w, size_t n)
{
	if (w->err)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : 2048;
	while (cap < w->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			w->err = -EOVERFLOW;
			return false;
		}
		cap *= 2;
	}
	char *b = realloc(w->buf, cap);
	if (!b) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void raw(struct cjd_jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

size_t cjd_utf8_sanitize(const char *s, char *dst, size_t cap, bool *replaced)
{
	static const char fffd[] = "\xef\xbf\xbd";
	size_t n = strlen(s), in = 0, out = 0;

	while (in < n) {
		size_t ok = in + cjd_utf8_check(s + in, n - in);
		for (; in < ok; in++, out++)
			if (out + 1 < cap)
				dst[out] = s[in];
		if (in < n) {
			/* one replacement per bad byte: simple, and never swallows a good byte */
			for (size_t k = 0; k < 3; k++, out++)
				if (out + 1 < cap)
					dst[out] = fffd[k];
			in++;
			*replaced = true;
		}
	}
	if (cap)
		dst[out < cap ? out : cap - 1] = '\0';
	return out;
}

/* A JSON string: UTF-8 made safe first, then escaped by the one shared escaper. */
static void string(struct cjd_jw *w, const char *s)
{
	const char *src = s;

	if (w->err)
		return;
	size_t n = strlen(s);
	if (cjd_utf8_check(s, n) != n) {
		size_t need = n * 3 + 1; /* every byte may become 3 */
		if (need > w->scratch_cap) {
			char *b = realloc(w->scratch, need);
			if (!b) {
				w->err = -ENOMEM;
				return;
			}
			w->scratch = b;
			w->scratch_cap = need;
		}
		n = cjd_utf8_sanitize(s, w->scratch, w->scratch_cap, &w->utf8_replaced);
		src = w->scratch;
	}
	/* worst case: every byte becomes \u00XX (6 bytes), plus the quotes */
	if (!reserve(w, n * 6 + 2))
		return;
	size_t pos = w->len;
	if (cjd_json_escape(w->buf, w->cap - 1, &pos, src) < 0) {
		w->err = -ENOSPC; /* cannot happen after reserve(); kept as a guard */
		return;
	}
	w->len = pos;
	w->buf[w->len] = '\0';
}

/* Comma and key before a value; key NULL inside arrays. */
static void lead(struct cjd_jw *w, const char *key)
{
	if (!w->first[w->depth])
		raw(w, ",", 1);
	w->first[w->depth] = false;
	if (key) {
		string(w, key);
		raw(w, ":", 1);
	}
}

static void jw_open(struct cjd_jw *w, const char *key, char c)
{
	if (w->depth > 0 || w->len > 0)
		lead(w, key);
	if (w->depth + 1 >= CJD_JW_MAX_DEPTH) {
		w->err = -EOVERFLOW;
		return;
	}
	raw(w, &c, 1);
	w->first[++w->depth] = true;
}

void cjd_jw_obj(struct cjd_jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void cjd_jw_arr(struct cjd_jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void cjd_jw_end(struct cjd_jw *w, char close)
{
	if (w->depth <= 0) {
		w->err = -EPROTO;
		return;
	}
	w->depth--;
	raw(w, &close, 1);
}

void cjd_jw_str(struct cjd_jw *w, const char *key, const char *val)
{
	lead(w, key);
	string(w, val ? val : "");
}

static void number(struct cjd_jw *w, const char *key, const char *text, int n)
{
	lead(w, key);
	if (n < 0)
		raw(w, "null", 4);
	else
		raw(w, text, (size_t)n);
}

void cjd_jw_u64(struct cjd_jw *w, const char *key, uint64_t v)
{
	char b[24];
	number(w, key, b, snprintf(b, sizeof(b), "%" PRIu64, v));
}

void cjd_jw_i64(struct cjd_jw *w, const char *key, int64_t v)
{
	char b[24];
	number(w, key, b, snprintf(b, sizeof(b), "%" PRId64, v));
}

void cjd_jw_bool(struct cjd_jw *w, const char *key, bool v)
{
	number(w, key, v ? "true" : "false", v ? 4 : 5);
}

void cjd_jw_null(struct cjd_jw *w, const char *key)
{
	number(w, key, "", -1);
}

void cjd_jw_float(struct cjd_jw *w, const char *key, float v)
{
	char b[40];
	number(w, key, b, cjd_fmt_float(b, sizeof(b), v));
}

void cjd_jw_double(struct cjd_jw *w, const char *key, double v)
{
	char b[40];
	number(w, key, b, cjd_fmt_double(b, sizeof(b), v));
}

void cjd_jw_strs(struct cjd_jw *w, const char *key, const char *const *vals, size_t n)
{
	cjd_jw_arr(w, key);
	for (size_t i = 0; i < n; i++)
		cjd_jw_str(w, NULL, vals[i]);
	cjd_jw_end(w, ']');
}

int cjd_jw_finish(struct cjd_jw *w, char **out, size_t *out_len)
{
	int rc;

	/* written last, so that it covers every string before it */
	if (w->utf8_replaced)
		cjd_jw_bool(w, "utf8_replaced", true);
	cjd_jw_end(w, '}');
	cjd_jw_end(w, '}');
	rc = cjd_jw_take(w, out, out_len);
	cjd_jw_fini(w);
	return rc;
}

void cjd_jw_time(struct cjd_jw *w, const char *key, uint64_t real_ns)
{
	char ts[48];
	cjd_jw_str(w, key, cjd_rfc3339_ns(real_ns, ts, sizeof(ts)));
}

void cjd_jw_header(struct cjd_jw *w, uint64_t real_ns, const char *schema, const char *kind,
		   const char *dataset)
{
	cjd_jw_obj(w, NULL);
	cjd_jw_time(w, "@timestamp", real_ns ? real_ns : cjd_now_real_ns());
	cjd_jw_str(w, "schema", schema);
	cjd_jw_obj(w, "ecs");
	cjd_jw_str(w, "version", CJD_ECS_VERSION);
	cjd_jw_end(w, '}');
	cjd_jw_obj(w, "agent");
	cjd_jw_str(w, "type", "cjd");
	cjd_jw_str(w, "version", CJD_VERSION);
	cjd_jw_end(w, '}');
	cjd_jw_obj(w, "event");
	cjd_jw_str(w, "kind", kind);
	cjd_jw_str(w, "module", "cjd");
	cjd_jw_str(w, "dataset", dataset);
}

void cjd_jw_host(struct cjd_jw *w, const char *remote, const char *name, const char *id)
{
	cjd_jw_obj(w, "host");
	if (remote) {
		cjd_jw_str(w, "name", remote);
	} else {
		cjd_jw_str(w, "name", name ? name : "localhost");
		if (id && *id)
			cjd_jw_str(w, "id", id);
	}
	cjd_jw_end(w, '}');
}

void cjd_jw_workload(struct cjd_jw *w, const char *cgroup, const char *pod_name)
{
	struct cjd_identity id;

	cjd_identity_parse(cgroup ? cgroup : "", &id);
	cjd_jw_obj(w, "cgroup");
	cjd_jw_str(w, "path", cgroup ? cgroup : "");
	cjd_jw_end(w, '}');
	if (id.container_id[0]) {
		cjd_jw_obj(w, "container");
		cjd_jw_str(w, "id", id.container_id);
		if (id.runtime != CJD_RUNTIME_NONE)
			cjd_jw_str(w, "runtime", cjd_runtime_name(id.runtime));
		cjd_jw_end(w, '}');
	}
	if (id.pod_uid[0] || pod_name) {
		cjd_jw_obj(w, "orchestrator");
		cjd_jw_str(w, "type", "kubernetes");
		cjd_jw_obj(w, "resource");
		cjd_jw_str(w, "type", "pod");
		if (id.pod_uid[0])
			cjd_jw_str(w, "id", id.pod_uid);
		if (pod_name)
			cjd_jw_str(w, "name", pod_name);
		cjd_jw_end(w, '}');
		cjd_jw_end(w, '}');
	}
}
