/* Loads a verdict model ("cjd-verdict", docs/model-format.md) strictly into plain structs; no json_t survives. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_load.h"
#include "cjd/common/json_locate.h"
#include "verdict_internal.h"

#define VERDICT_MAX_BYTES (1u << 20)
#define MAX_COEF 1e4

/* The loader's state: the text for error positions, and where errors go. */
struct vld {
	const char *file, *text;
	size_t len;
	struct cjd_error *err;
};

/* Reports an error at JSON path `path` (the value's position, or the key's with key_pos). */
static int fail(struct vld *L, const char *path, int key_pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct vld *L, const char *path, int key_pos, const char *fmt, ...)
{
	struct cjd_json_locations *loc = cjd_json_locate(L->text, L->len);
	char msg[CJD_ERROR_TEXT];
	int line = 0, col = 0;
	va_list ap;

	cjd_json_where(loc, path, key_pos, &line, &col);
	cjd_json_locations_free(loc);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cjd_error_set(L->err, -EINVAL, L->file, line, col, "%s%s%s", path, *path ? ": " : "", msg);
}

/* out = path + "." + key (escaped), cut at len. */
static void sub(char *out, size_t len, const char *path, const char *key)
{
	size_t n = strnlen(path, len - 1);

	memcpy(out, path, n);
	out[n] = '\0';
	cjd_json_path_append(out, len, key);
}

/* Every key of obj at path must be in allowed (NULL-terminated). */
static int only_keys(struct vld *L, const json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i = 0;
		char at[160];

		while (allowed[i] && strcmp(key, allowed[i]))
			i++;
		if (allowed[i])
			continue;
		sub(at, sizeof(at), path, key);
		return fail(L, at, 1, "unknown key \"%s\"", key);
	}
	return 0;
}

/* obj[key] as a finite number in lo..hi; optional members take dflt when missing. */
static int num(struct vld *L, const json_t *obj, const char *path, const char *key, bool required,
	       double dflt, double lo, double hi, double *out)
{
	const json_t *v = json_object_get(obj, key);
	char at[160];

	sub(at, sizeof(at), path, key);
	if (!v) {
		if (required)
			return fail(L, path, 0, "\"%s\" is missing", key);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return fail(L, at, 0, "expected a number");
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < lo || *out > hi)
		return fail(L, at, 0, "%g is out of range (%g..%g)", *out, lo, hi);
	return 0;
}

static int str(struct vld *L, const json_t *obj, const char *path, const char *key, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	char at[160];

	sub(at, sizeof(at), path, key);
	if (!v)
		return fail(L, path, 0, "\"%s\" is missing", key);
	if (!json_is_string(v) || !json_string_length(v))
		return fail(L, at, 0, "expected a non-empty string");
	*out = json_string_value(v);
	return 0;
}

static int feature(struct vld *L, const json_t *obj, const char *path, unsigned *out)
{
	const char *name;
	char at[160];
	int rc = str(L, obj, path, "feature", &name), i;

	if (rc)
		return rc;
	if ((i = cjd_evfeat_find(name)) < 0) {
		sub(at, sizeof(at), path, "feature");
		return fail(L, at, 0, "unknown evidence feature \"%s\" (include/cjd/evidence/features.h)", name);
	}
	*out = (unsigned)i;
	return 0;
}

static int load_cond(struct vld *L, const json_t *c, const char *path, struct vcond *out)
{
	static const char *const keys[] = { "feature", "op", "value", NULL };
	static const char *const ops[] = { [VOP_GE] = ">=", [VOP_GT] = ">", [VOP_LE] = "<=",
					   [VOP_LT] = "<",  [VOP_EQ] = "==" };
	const char *op;
	char at[160];
	int rc;

	if (!json_is_object(c))
		return fail(L, path, 0, "a condition is an object {\"feature\", \"op\", \"value\"}");
	if ((rc = only_keys(L, c, path, keys)) || (rc = feature(L, c, path, &out->feat)) ||
	    (rc = str(L, c, path, "op", &op)) ||
	    (rc = num(L, c, path, "value", true, 0, -1e12, 1e12, &out->value)))
		return rc;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i])) {
			out->op = (enum vop)i;
			return 0;
		}
	sub(at, sizeof(at), path, "op");
	return fail(L, at, 0, "unknown operator \"%s\" (>=, >, <=, <, ==)", op);
}

/* Every {name} or {name%} in the finding must be a feature of the rule's conditions, so that
 * it is present whenever the rule fires. */
static int check_finding(struct vld *L, const struct vrule *r, const char *path)
{
	const char *p = r->finding;
	char at[160];

	sub(at, sizeof(at), path, "finding");
	while ((p = strchr(p, '{'))) {
		size_t n = strcspn(p + 1, "}%");
		char name[64];
		int f;
		unsigned k = 0;

		if (n >= sizeof(name) || !p[1 + n] || (p[1 + n] == '%' && p[2 + n] != '}'))
			return fail(L, at, 0, "a placeholder is {feature} or {feature%%}");
		memcpy(name, p + 1, n);
		name[n] = '\0';
		f = cjd_evfeat_find(name);
		while (f >= 0 && k < r->ncond && r->cond[k].feat != (unsigned)f)
			k++;
		if (f < 0 || k == r->ncond)
			return fail(L, at, 0, "placeholder {%s} is not a feature of the rule's conditions", name);
		p += n + 2;
	}
	return 0;
}

static int load_rule(struct vld *L, const json_t *r, const char *path, struct vrule *out)
{
	static const char *const keys[] = { "id", "when", "weight", "mining_specific", "finding", NULL };
	const json_t *when = json_object_get(r, "when"), *ms = json_object_get(r, "mining_specific");
	const char *id, *finding;
	char at[160];
	int rc;

	if (!json_is_object(r))
		return fail(L, path, 0, "a rule is an object");
	if ((rc = only_keys(L, r, path, keys)) || (rc = str(L, r, path, "id", &id)) ||
	    (rc = str(L, r, path, "finding", &finding)) ||
	    (rc = num(L, r, path, "weight", true, 0, -MAX_COEF, MAX_COEF, &out->weight)))
		return rc;
	if (strlen(id) >= sizeof(out->id))
		return fail(L, path, 0, "id is longer than %zu characters", sizeof(out->id) - 1);
	snprintf(out->id, sizeof(out->id), "%s", id);
	sub(at, sizeof(at), path, "mining_specific");
	if (ms && !json_is_boolean(ms))
		return fail(L, at, 0, "expected true or false");
	out->mining_specific = json_is_true(ms);
	sub(at, sizeof(at), path, "when");
	if (!json_is_array(when) || !json_array_size(when) || json_array_size(when) > VERDICT_MAX_CONDS)
		return fail(L, when ? at : path, 0, "\"when\" is an array of 1 to %d conditions",
			    VERDICT_MAX_CONDS);
	for (size_t i = 0; i < json_array_size(when); i++) {
		char ci[sizeof(at) + 24];

		snprintf(ci, sizeof(ci), "%s[%zu]", at, i);
		if ((rc = load_cond(L, json_array_get(when, i), ci, &out->cond[i])))
			return rc;
		out->ncond++;
	}
	if (!(out->finding = strdup(finding)))
		return cjd_error_set(L->err, -ENOMEM, L->file, 0, 0, "out of memory");
	return check_finding(L, out, path);
}

static int load_term(struct vld *L, const json_t *t, const char *path, struct vterm *out)
{
	static const char *const keys[] = { "feature", "weight", "mean", "scale", "absent", NULL };
	int rc;

	if (!json_is_object(t))
		return fail(L, path, 0, "a term is an object");
	if ((rc = only_keys(L, t, path, keys)) || (rc = feature(L, t, path, &out->feat)) ||
	    (rc = num(L, t, path, "weight", true, 0, -MAX_COEF, MAX_COEF, &out->weight)) ||
	    (rc = num(L, t, path, "mean", false, 0, -1e12, 1e12, &out->mean)) ||
	    (rc = num(L, t, path, "scale", false, 1, 1e-9, 1e12, &out->scale)) ||
	    (rc = num(L, t, path, "absent", false, 0, -MAX_COEF, MAX_COEF, &out->absent)))
		return rc;
	return 0;
}

/* arr at key: each element through one(); count into *n, at most max. */
static int load_list(struct vld *L, const json_t *root, const char *key, size_t max, void *base,
		     size_t size, unsigned *n,
		     int (*one)(struct vld *, const json_t *, const char *, void *))
{
	const json_t *arr = json_object_get(root, key);
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return fail(L, key, 0, "expected an array of at most %zu", max);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char at[64];

		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		(*n)++;
		if ((rc = one(L, json_array_get(arr, i), at, (char *)base + i * size)))
			return rc;
	}
	return 0;
}

static int one_rule(struct vld *L, const json_t *j, const char *at, void *out)
{
	return load_rule(L, j, at, out);
}

static int one_term(struct vld *L, const json_t *j, const char *at, void *out)
{
	return load_term(L, j, at, out);
}

static int load_levels(struct vld *L, const json_t *root, struct cjd_verdict_model *m)
{
	static const char *const keys[] = { "low", "medium", "high", NULL };
	const json_t *lv = json_object_get(root, "levels");
	int rc;

	if (!json_is_object(lv))
		return fail(L, lv ? "levels" : "", 0, "\"levels\" {\"low\", \"medium\", \"high\"} is %s",
			    lv ? "not an object" : "missing");
	if ((rc = only_keys(L, lv, "levels", keys)) ||
	    (rc = num(L, lv, "levels", "low", true, 0, 0, 1, &m->low)) ||
	    (rc = num(L, lv, "levels", "medium", true, 0, 0, 1, &m->medium)) ||
	    (rc = num(L, lv, "levels", "high", true, 0, 0, 1, &m->high)))
		return rc;
	if (!(m->low <= m->medium && m->medium <= m->high))
		return fail(L, "levels", 0, "low <= medium <= high is not true (%g, %g, %g)", m->low,
			    m->medium, m->high);
	return 0;
}

static int load_root(struct vld *L, const json_t *root, struct cjd_verdict_model *m)
{
	static const char *const keys[] = { "format", "version", "name", "description", "bias",
					    "screen_weight", "levels", "terms", "rules", "meta", NULL };
	const json_t *v;
	const char *s;
	int rc;

	if (!json_is_object(root))
		return fail(L, "", 0, "a verdict model is a JSON object");
	if ((rc = only_keys(L, root, "", keys)) || (rc = str(L, root, "", "format", &s)))
		return rc;
	if (strcmp(s, VERDICT_FORMAT))
		return fail(L, "format", 0, "is \"%s\", expected \"%s\"", s, VERDICT_FORMAT);
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != VERDICT_VERSION)
		return fail(L, v ? "version" : "", 0, "\"version\" must be %d", VERDICT_VERSION);
	if ((rc = str(L, root, "", "name", &s)))
		return rc;
	if (strlen(s) >= sizeof(m->name))
		return fail(L, "name", 0, "longer than %zu characters", sizeof(m->name) - 1);
	snprintf(m->name, sizeof(m->name), "%s", s);
	if ((v = json_object_get(root, "description")) && !json_is_string(v))
		return fail(L, "description", 0, "expected a string");
	if ((v = json_object_get(root, "meta")) && !json_is_object(v))
		return fail(L, "meta", 0, "expected an object");
	if ((rc = num(L, root, "", "bias", true, 0, -MAX_COEF, MAX_COEF, &m->bias)) ||
	    (rc = num(L, root, "", "screen_weight", true, 0, -MAX_COEF, MAX_COEF, &m->screen_weight)) ||
	    (rc = load_levels(L, root, m)) ||
	    (rc = load_list(L, root, "terms", CJD_EVFEAT__COUNT, m->terms, sizeof(m->terms[0]),
			    &m->nterms, one_term)) ||
	    (rc = load_list(L, root, "rules", VERDICT_MAX_RULES, m->rules, sizeof(m->rules[0]),
			    &m->nrules, one_rule)))
		return rc;
	return 0;
}

int cjd_verdict_model_load_string(const char *name, const char *text, size_t len,
				  struct cjd_verdict_model **out, struct cjd_error *err)
{
	struct vld L = { .file = name, .text = text, .len = len, .err = err };
	struct cjd_verdict_model *m;
	json_t *root;
	int rc;

	*out = NULL;
	if ((rc = cjd_json_parse(name, text, len, &root, err)))
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = cjd_error_set(err, -ENOMEM, name, 0, 0, "out of memory");
		goto out_json;
	}
	if ((rc = load_root(&L, root, m))) {
		cjd_verdict_model_free(m);
		goto out_json;
	}
	*out = m;
out_json:
	json_decref(root);
	return rc;
}

int cjd_verdict_model_load(const char *path, struct cjd_verdict_model **out, struct cjd_error *err)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = cjd_json_read_file(path, VERDICT_MAX_BYTES, "verdict model", &text, &len, err)))
		return rc;
	rc = cjd_verdict_model_load_string(path, text, len, out, err);
	free(text);
	return rc;
}

void cjd_verdict_model_free(struct cjd_verdict_model *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nrules; i++)
		free(m->rules[i].finding);
	free(m);
}
