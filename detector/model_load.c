/* Loads a model JSON strictly (docs/model-format.md) and copies it into flat arrays; no json_t survives. */
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_load.h"
#include "cjd/common/json_locate.h"
#include "cjd/common/text.h"
#include "cjd/detector/features_table.h"
#include "model_internal.h"

#define MODEL_FORMAT "cjd-model"
#define MODEL_MAX_BYTES (64u << 20)
#define MAX_NODES ((1u << (CJD_MODEL_MAX_DEPTH + 1)) - 1)
#define MAX_LEAF 1e4   /* |leaf|, |base_score|: keeps any sum of trees finite */
#define MAX_COEF 1e6   /* |weight|, |bias| */

struct ld {
	const char *file;
	const char *text;
	size_t len;
	struct cjd_json_locations *loc; /* built on the first error only */
	struct cjd_error *err;
	struct cjd_model *m;
};

/*
 * Where a value sits in the document, as a chain of stack frames: rendered
 * to "gbdt.trees[3].nodes[7].left" only when an error is reported, so a
 * valid model of thousands of nodes is loaded without formatting a path.
 */
struct jpath {
	const struct jpath *up;
	const char *key; /* member name, or NULL for an array element */
	size_t index;
};

#define JROOT ((const struct jpath *)NULL)
#define JKEY(parent, k) (&(const struct jpath){(parent), (k), 0})
#define JIDX(parent, i) (&(const struct jpath){(parent), NULL, (i)})

static size_t render(const struct jpath *p, char *out, size_t len)
{
	size_t n;

	if (!p)
		return 0;
	n = render(p->up, out, len);
	if (n >= len)
		return n;
	if (p->key)
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "." : "", p->key);
	else
		n += (size_t)snprintf(out + n, len - n, "[%zu]", p->index);
	return n;
}

/* Reports an error at the value (or, with key_pos, the key) at path. */
static int bad(struct ld *L, const struct jpath *at, int key_pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(struct ld *L, const struct jpath *at, int key_pos, const char *fmt, ...)
{
	char msg[CJD_ERROR_TEXT], path[256] = "";
	int line = 0, col = 0;
	va_list ap;

	render(at, path, sizeof(path));
	if (!L->loc)
		L->loc = cjd_json_locate(L->text, L->len);
	cjd_json_where(L->loc, path, key_pos, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path[0])
		return cjd_error_set(L->err, -EINVAL, L->file, line, col, "%s: %s", path, msg);
	return cjd_error_set(L->err, -EINVAL, L->file, line, col, "%s", msg);
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int check_keys(struct ld *L, json_t *obj, const struct jpath *at,
		      const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (allowed[i])
			continue;
		char list[256] = "";
		size_t pos = 0;
		for (i = 0; allowed[i] && pos < sizeof(list); i++)
			pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%s", i ? ", " : "",
						allowed[i]);
		return bad(L, JKEY(at, key), 1, "unknown key \"%s\" (allowed: %s)", key, list);
	}
	return 0;
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* The member `key` of obj, of the given type (JSON_REAL: any number);
 * missing or mistyped is an error. */
static int member(struct ld *L, json_t *obj, const struct jpath *at, const char *key,
		  json_type type, json_t **out)
{
	static const char *const want[] = {[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
					   [JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
					   [JSON_REAL] = "a number"};
	json_t *v = json_object_get(obj, key);

	if (!v)
		return bad(L, at, 0, "missing key \"%s\"", key);
	if (json_typeof(v) != type && !(type == JSON_REAL && json_is_integer(v)))
		return bad(L, JKEY(at, key), 0, "is %s, expected %s", type_name(v), want[type]);
	*out = v;
	return 0;
}

/* A finite number within [lo, hi]. */
static int number(struct ld *L, json_t *obj, const struct jpath *at, const char *key, double lo,
		  double hi, double *out)
{
	json_t *v;
	int rc = member(L, obj, at, key, JSON_REAL, &v);

	if (rc)
		return rc;
	double d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return bad(L, JKEY(at, key), 0, "%g is out of range (%g to %g)", d, lo, hi);
	*out = d;
	return 0;
}

static int integer(struct ld *L, json_t *obj, const struct jpath *at, const char *key,
		   long long lo, long long hi, long long *out)
{
	json_t *v;
	int rc = member(L, obj, at, key, JSON_INTEGER, &v);

	if (rc)
		return rc;
	long long x = json_integer_value(v);
	if (x < lo || x > hi)
		return bad(L, JKEY(at, key), 0, "%lld is out of range (%lld to %lld)", x, lo, hi);
	*out = x;
	return 0;
}

/* name: 1..64 of [A-Za-z0-9._+-]; version: 1..64 printable ASCII. */
static int text_field(struct ld *L, json_t *obj, const char *key, bool strict, char *dst)
{
	json_t *v;
	int rc = member(L, obj, JROOT, key, JSON_STRING, &v);

	if (rc)
		return rc;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || n > 64)
		return bad(L, JKEY(JROOT, key), 0, "must be 1 to 64 characters long");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = strict ? cjd_name_char_ok(c) : c >= 0x20 && c < 0x7f;
		if (!ok || !c)
			return bad(L, JKEY(JROOT, key), 0, "character %zu is not allowed (use %s)",
				   i + 1, strict ? "A-Z a-z 0-9 . _ + -" : "printable ASCII");
	}
	memcpy(dst, s, n + 1);
	return 0;
}

/* ---- header ---- */

static int load_events(struct ld *L, json_t *root)
{
	const struct jpath *at = JKEY(JROOT, "events");
	json_t *arr, *v;
	size_t i;
	int rc = member(L, root, JROOT, "events", JSON_ARRAY, &arr);

	if (rc)
		return rc;
	if (json_array_size(arr) == 0)
		return bad(L, at, 0, "must list at least one event");
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return bad(L, JIDX(at, i), 0, "is %s, expected an event name", type_name(v));
		int ev = cjd_event_lookup(json_string_value(v));
		if (ev < 0)
			return bad(L, JIDX(at, i), 0, "unknown event \"%s\" (see docs/trace-format.md)",
				   json_string_value(v));
		if (L->m->events & CJD_EVMASK(ev))
			return bad(L, JIDX(at, i), 0, "event \"%s\" is listed twice",
				   json_string_value(v));
		L->m->events |= CJD_EVMASK(ev);
	}
	return 0;
}

static int load_feature(struct ld *L, json_t *f, size_t j)
{
	static const char *const keys[] = {"name", "norm", "mean", "scale", NULL};
	const struct jpath *at = JIDX(JKEY(JROOT, "features"), j);
	struct cjd_model *m = L->m;
	json_t *v;
	int rc;

	if (!json_is_object(f))
		return bad(L, at, 0, "is %s, expected an object", type_name(f));
	if ((rc = check_keys(L, f, at, keys)) || (rc = member(L, f, at, "name", JSON_STRING, &v)))
		return rc;
	const char *name = json_string_value(v);
	int fi = cjd_feature_lookup(name);
	if (fi < 0)
		return bad(L, JKEY(at, "name"), 0,
			   "unknown feature \"%s\" (docs/model-format.md lists them)", name);
	for (size_t k = 0; k < j; k++)
		if (m->feat[k] == fi)
			return bad(L, JKEY(at, "name"), 0,
				   "feature \"%s\" is listed twice (also features[%zu])", name, k);
	cjd_event_mask need = cjd_feature_events((size_t)fi);
	if ((need & m->events) != need) {
		char missing[256];
		cjd_event_mask_format(need & ~m->events, missing, sizeof(missing));
		return bad(L, JKEY(at, "name"), 0,
			   "feature \"%s\" needs events that \"events\" does not list: %s", name,
			   missing);
	}
	m->feat[j] = fi;

	if ((rc = member(L, f, at, "norm", JSON_STRING, &v)))
		return rc;
	const char *norm = json_string_value(v);
	if (!strcmp(norm, "none")) {
		m->norm[j] = CJD_NORM_NONE;
	} else if (!strcmp(norm, "standard")) {
		m->norm[j] = CJD_NORM_STANDARD;
	} else if (!strcmp(norm, "log1p_standard")) {
		struct cjd_feature_desc d;
		cjd_feature_describe((size_t)fi, &d);
		if (!d.nonnegative)
			return bad(L, JKEY(at, "norm"), 0,
				   "log1p_standard needs a nonnegative feature; \"%s\" lies in [-1, 1] "
				   "(use standard)",
				   name);
		m->norm[j] = CJD_NORM_LOG1P_STANDARD;
	} else {
		return bad(L, JKEY(at, "norm"), 0,
			   "unknown normalisation \"%s\" (none, standard, log1p_standard)", norm);
	}
	m->mean[j] = 0.0;
	m->scale[j] = 1.0;
	if (m->norm[j] == CJD_NORM_NONE) {
		for (const char *const *k = keys + 2; *k; k++)
			if (json_object_get(f, *k))
				return bad(L, JKEY(at, *k), 1, "\"%s\" makes no sense with norm \"none\"",
					   *k);
		return 0;
	}
	if ((rc = number(L, f, at, "mean", -FLT_MAX, FLT_MAX, &m->mean[j])) ||
	    (rc = number(L, f, at, "scale", 0.0, FLT_MAX, &m->scale[j])))
		return rc;
	if (!(m->scale[j] >= 1e-30))
		return bad(L, JKEY(at, "scale"), 0, "must be greater than 0 (at least 1e-30)");
	return 0;
}

static int load_features(struct ld *L, json_t *root)
{
	json_t *arr, *f;
	size_t j;
	int rc = member(L, root, JROOT, "features", JSON_ARRAY, &arr);

	if (rc)
		return rc;
	if (json_array_size(arr) == 0 || json_array_size(arr) > CJD_MODEL_MAX_FEATURES)
		return bad(L, JKEY(JROOT, "features"), 0, "must list 1 to %d features, not %zu",
			   CJD_MODEL_MAX_FEATURES, json_array_size(arr));
	L->m->n_feat = json_array_size(arr);
	json_array_foreach(arr, j, f) {
		if ((rc = load_feature(L, f, j)))
			return rc;
	}
	return 0;
}

/* ---- logistic ---- */

static int load_logistic(struct ld *L, json_t *obj)
{
	static const char *const keys[] = {"bias", "weights", NULL};
	const struct jpath *at = JKEY(JROOT, "logistic"), *wat = JKEY(at, "weights");
	struct cjd_model *m = L->m;
	json_t *arr, *v;
	double bias, w[CJD_MODEL_MAX_FEATURES];
	size_t j;
	int rc;

	if ((rc = check_keys(L, obj, at, keys)) ||
	    (rc = number(L, obj, at, "bias", -MAX_COEF, MAX_COEF, &bias)) ||
	    (rc = member(L, obj, at, "weights", JSON_ARRAY, &arr)))
		return rc;
	if (json_array_size(arr) != m->n_feat)
		return bad(L, wat, 0, "has %zu weights for %zu features", json_array_size(arr),
			   m->n_feat);
	json_array_foreach(arr, j, v) {
		if (!json_is_number(v))
			return bad(L, JIDX(wat, j), 0, "is %s, expected a number", type_name(v));
		w[j] = json_number_value(v);
		if (!isfinite(w[j]) || fabs(w[j]) > MAX_COEF)
			return bad(L, JIDX(wat, j), 0, "%g is out of range (-%g to %g)", w[j],
				   MAX_COEF, MAX_COEF);
	}
	/* Fold the normalisation in: w (g(x) - mean) / scale = (w / scale) g(x) - w mean / scale. */
	for (j = 0; j < m->n_feat; j++) {
		double c = w[j] / m->scale[j];
		bias -= c * m->mean[j];
		m->coef[j] = (float)fmax(-FLT_MAX, fmin(FLT_MAX, c));
		m->log1p[j] = m->norm[j] == CJD_NORM_LOG1P_STANDARD;
	}
	m->bias = (float)fmax(-FLT_MAX, fmin(FLT_MAX, bias));
	return 0;
}

/* ---- gbdt ---- */

struct src_node {
	bool leaf;
	int feature;
	double threshold;
	int left, right;
	double value;
	int depth;
	bool referenced;
};

static int load_node(struct ld *L, json_t *n, const struct jpath *at, size_t k, size_t count,
		     struct src_node *sn)
{
	static const char *const split_keys[] = {"feature", "threshold", "left", "right", NULL};
	static const char *const leaf_keys[] = {"leaf", NULL};
	long long x;
	int rc;

	if (!json_is_object(n))
		return bad(L, at, 0, "is %s, expected a node object", type_name(n));
	if (json_object_get(n, "leaf")) {
		sn->leaf = true;
		if ((rc = check_keys(L, n, at, leaf_keys)))
			return rc;
		return number(L, n, at, "leaf", -MAX_LEAF, MAX_LEAF, &sn->value);
	}
	if ((rc = check_keys(L, n, at, split_keys)))
		return rc;
	if ((rc = integer(L, n, at, "feature", 0, (long long)L->m->n_feat - 1, &x)))
		return rc;
	sn->feature = (int)x;
	if ((rc = number(L, n, at, "threshold", -DBL_MAX, DBL_MAX, &sn->threshold)))
		return rc;
	/* Children come after their parent: no cycles, and a single pass finds depths. */
	for (int c = 0; c < 2; c++) {
		const char *key = c ? "right" : "left";
		if ((rc = integer(L, n, at, key, 0, (long long)count - 1, &x)))
			return rc;
		if (x <= (long long)k)
			return bad(L, JKEY(at, key), 0,
				   "child %lld must come after its parent (node %zu)", x, k);
		*(c ? &sn->right : &sn->left) = (int)x;
	}
	return 0;
}

static float raw_threshold(const struct cjd_model *m, int j, double t)
{
	double v = t;

	if (m->norm[j] != CJD_NORM_NONE)
		v = m->mean[j] + t * m->scale[j];
	if (m->norm[j] == CJD_NORM_LOG1P_STANDARD)
		v = v > 700.0 ? HUGE_VAL : expm1(v);
	if (v >= (double)FLT_MAX)
		return v > (double)FLT_MAX ? INFINITY : FLT_MAX;
	if (v <= -(double)FLT_MAX)
		return v < -(double)FLT_MAX ? -INFINITY : -FLT_MAX;
	float f = (float)v;
	if ((double)f > v)
		f = nextafterf(f, -INFINITY);
	return f;
}

static void fill_leaf(struct cjd_gbdt_flat *g, size_t tree, size_t pos, unsigned level, float value,
		      int32_t pad_feat)
{
	if (level == g->depth) {
		g->leaf[tree * g->n_leaves + (pos - g->n_inner)] = value;
		return;
	}
	g->feat[tree * g->n_inner + pos] = pad_feat;
	g->thr[tree * g->n_inner + pos] = INFINITY; /* x > +inf never: always left */
	fill_leaf(g, tree, 2 * pos + 1, level + 1, value, pad_feat);
	fill_leaf(g, tree, 2 * pos + 2, level + 1, value, pad_feat);
}

static void place(struct cjd_model *m, const struct src_node *sn, int k, size_t tree, size_t pos,
		  unsigned level)
{
	struct cjd_gbdt_flat *g = &m->gbdt;

	if (sn[k].leaf) {
		fill_leaf(g, tree, pos, level, (float)sn[k].value, m->feat[0]);
		return;
	}
	g->feat[tree * g->n_inner + pos] = m->feat[sn[k].feature];
	g->thr[tree * g->n_inner + pos] = raw_threshold(m, sn[k].feature, sn[k].threshold);
	place(m, sn, sn[k].left, tree, 2 * pos + 1, level + 1);
	place(m, sn, sn[k].right, tree, 2 * pos + 2, level + 1);
}

static int load_tree(struct ld *L, json_t *t, size_t ti, struct src_node *sn, size_t *count,
		     unsigned *depth)
{
	static const char *const keys[] = {"nodes", NULL};
	const struct jpath *at = JIDX(JKEY(JKEY(JROOT, "gbdt"), "trees"), ti);
	const struct jpath *nat = JKEY(at, "nodes");
	json_t *arr, *n;
	size_t k;
	int rc;

	if (!json_is_object(t))
		return bad(L, at, 0, "is %s, expected a tree object", type_name(t));
	if ((rc = check_keys(L, t, at, keys)) || (rc = member(L, t, at, "nodes", JSON_ARRAY, &arr)))
		return rc;
	*count = json_array_size(arr);
	if (*count == 0 || *count > MAX_NODES)
		return bad(L, nat, 0, "must hold 1 to %u nodes, not %zu", MAX_NODES, *count);
	memset(sn, 0, *count * sizeof(*sn));
	json_array_foreach(arr, k, n) {
		if ((rc = load_node(L, n, JIDX(nat, k), k, *count, &sn[k])))
			return rc;
	}
	*depth = 0;
	for (k = 0; k < *count; k++) {
		if (k > 0 && !sn[k].referenced)
			return bad(L, JIDX(nat, k), 0, "node %zu is not reachable from the root (node 0)",
				   k);
		if ((unsigned)sn[k].depth > *depth)
			*depth = (unsigned)sn[k].depth;
		if (sn[k].leaf)
			continue;
		if (sn[k].depth + 1 > CJD_MODEL_MAX_DEPTH)
			return bad(L, JIDX(nat, k), 0, "the tree is deeper than %d levels here",
				   CJD_MODEL_MAX_DEPTH);
		int kids[2] = {sn[k].left, sn[k].right};
		for (int c = 0; c < 2; c++) {
			if (sn[kids[c]].referenced)
				return bad(L, JKEY(JIDX(nat, k), c ? "right" : "left"), 0,
					   "node %d already has a parent", kids[c]);
			sn[kids[c]].referenced = true;
			sn[kids[c]].depth = sn[k].depth + 1;
		}
	}
	return 0;
}

static int load_gbdt(struct ld *L, json_t *obj)
{
	static const char *const keys[] = {"base_score", "trees", NULL};
	const struct jpath *at = JKEY(JROOT, "gbdt");
	struct cjd_model *m = L->m;
	struct cjd_gbdt_flat *g = &m->gbdt;
	struct src_node sn[MAX_NODES];
	size_t nt, count;
	unsigned depth = 0, d;
	double base;
	json_t *arr;
	int rc;

	if ((rc = check_keys(L, obj, at, keys)) ||
	    (rc = number(L, obj, at, "base_score", -MAX_LEAF, MAX_LEAF, &base)) ||
	    (rc = member(L, obj, at, "trees", JSON_ARRAY, &arr)))
		return rc;
	nt = json_array_size(arr);
	if (nt == 0 || nt > CJD_MODEL_MAX_TREES)
		return bad(L, JKEY(at, "trees"), 0, "must hold 1 to %d trees, not %zu",
			   CJD_MODEL_MAX_TREES, nt);
	/* First pass validates every tree and finds the common depth; the
	 * second reads each again (cheap) and places it, so only one tree's
	 * source nodes are ever held. */
	for (size_t ti = 0; ti < nt; ti++) {
		if ((rc = load_tree(L, json_array_get(arr, ti), ti, sn, &count, &d)))
			return rc;
		depth = d > depth ? d : depth;
	}
	g->depth = depth;
	g->n_trees = nt;
	g->n_inner = ((size_t)1 << depth) - 1;
	g->n_leaves = (size_t)1 << depth;
	g->base = (float)base;
	g->feat = malloc((g->n_inner ? nt * g->n_inner : 1) * sizeof(*g->feat));
	g->thr = malloc((g->n_inner ? nt * g->n_inner : 1) * sizeof(*g->thr));
	g->leaf = malloc(nt * g->n_leaves * sizeof(*g->leaf));
	if (!g->feat || !g->thr || !g->leaf)
		return cjd_error_set(L->err, -ENOMEM, L->file, 0, 0, "out of memory");
	for (size_t ti = 0; ti < nt; ti++) {
		if ((rc = load_tree(L, json_array_get(arr, ti), ti, sn, &count, &d)))
			return rc;
		place(m, sn, 0, ti, 0, 0);
	}
	return 0;
}

/* ---- the document ---- */

static int load_root(struct ld *L, json_t *root)
{
	static const char *const keys[] = {"format",    "schema_version", "name",
					   "version",   "description",    "kind",
					   "window",    "events",         "features",
					   "threshold", "threshold_low",  "logistic",
					   "gbdt",      "meta",           NULL};
	struct cjd_model *m = L->m;
	json_t *v;
	long long x;
	double thr, low;
	int rc;

	if (!json_is_object(root))
		return bad(L, JROOT, 0, "a model is a JSON object, not %s", type_name(root));
	if ((rc = check_keys(L, root, JROOT, keys)) ||
	    (rc = member(L, root, JROOT, "format", JSON_STRING, &v)))
		return rc;
	if (strcmp(json_string_value(v), MODEL_FORMAT))
		return bad(L, JKEY(JROOT, "format"), 0, "is \"%s\", expected \"%s\"", json_string_value(v),
			   MODEL_FORMAT);
	if ((rc = member(L, root, JROOT, "schema_version", JSON_INTEGER, &v)))
		return rc;
	if (json_integer_value(v) != CJD_MODEL_SCHEMA_VERSION)
		return bad(L, JKEY(JROOT, "schema_version"), 0, "version %lld is not supported (this cjd reads %d)",
			   (long long)json_integer_value(v), CJD_MODEL_SCHEMA_VERSION);
	if ((rc = text_field(L, root, "name", true, m->name)) ||
	    (rc = text_field(L, root, "version", false, m->version)))
		return rc;
	if ((v = json_object_get(root, "description")) && !json_is_string(v))
		return bad(L, JKEY(JROOT, "description"), 0, "is %s, expected a string", type_name(v));
	if ((v = json_object_get(root, "meta")) && !json_is_object(v))
		return bad(L, JKEY(JROOT, "meta"), 0, "is %s, expected an object", type_name(v));
	if ((rc = member(L, root, JROOT, "kind", JSON_STRING, &v)))
		return rc;
	const char *kind = json_string_value(v);
	if (!strcmp(kind, "logistic"))
		m->kind = CJD_MODEL_LOGISTIC;
	else if (!strcmp(kind, "gbdt"))
		m->kind = CJD_MODEL_GBDT;
	else
		return bad(L, JKEY(JROOT, "kind"), 0, "unknown kind \"%s\" (logistic or gbdt)", kind);
	if ((rc = integer(L, root, JROOT, "window", 2, 64, &x)))
		return rc;
	m->window = (unsigned)x;
	if ((rc = load_events(L, root)) || (rc = load_features(L, root)))
		return rc;
	if ((rc = number(L, root, JROOT, "threshold", 0.0, 1.0, &thr)) ||
	    (rc = number(L, root, JROOT, "threshold_low", 0.0, 1.0, &low)))
		return rc;
	if (low > thr)
		return bad(L, JKEY(JROOT, "threshold_low"), 0, "%g is above threshold %g", low, thr);
	m->threshold = (float)thr;
	m->threshold_low = (float)low;

	const char *body = m->kind == CJD_MODEL_GBDT ? "gbdt" : "logistic";
	const char *other = m->kind == CJD_MODEL_GBDT ? "logistic" : "gbdt";
	if (json_object_get(root, other))
		return bad(L, JKEY(JROOT, other), 1, "a %s model has no \"%s\" section", kind, other);
	if ((rc = member(L, root, JROOT, body, JSON_OBJECT, &v)))
		return rc;
	return m->kind == CJD_MODEL_GBDT ? load_gbdt(L, v) : load_logistic(L, v);
}

int cjd_model_load_string(struct cjd_model **out, const char *name, const char *text, size_t len,
			  struct cjd_error *err)
{
	struct ld L = {.file = name, .text = text, .len = len, .err = err};
	json_t *root;
	int rc;

	if ((rc = cjd_json_parse(name, text, len, &root, err)))
		return rc;
	L.m = calloc(1, sizeof(*L.m));
	if (!L.m) {
		rc = cjd_error_set(err, -ENOMEM, name, 0, 0, "out of memory");
		goto out_json;
	}
	rc = load_root(&L, root);
	if (rc) {
		cjd_model_free(L.m);
		goto out_json;
	}
	*out = L.m;
out_json:
	json_decref(root);
	cjd_json_locations_free(L.loc);
	return rc;
}

int cjd_model_load(struct cjd_model **out, const char *path, struct cjd_error *err)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = cjd_json_read_file(path, MODEL_MAX_BYTES, "model", &text, &len, err)))
		return rc;
	rc = cjd_model_load_string(out, path, text, len, err);
	free(text);
	return rc;
}

void cjd_model_free(struct cjd_model *m)
{
	if (!m)
		return;
	free(m->gbdt.feat);
	free(m->gbdt.thr);
	free(m->gbdt.leaf);
	free(m);
}
