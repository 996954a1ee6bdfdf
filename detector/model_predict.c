/* Batch prediction over SoA feature matrices, model accessors, and finding the default model. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/detector/features_table.h"
#include "kernels.h"
#include "model_internal.h"

#define TERM_MAX 1e30f /* |one logistic term|: 64 of them still sum to a finite float */

const char *cjd_model_name(const struct cjd_model *m)
{
	return m->name;
}

const char *cjd_model_version(const struct cjd_model *m)
{
	return m->version;
}

enum cjd_model_kind cjd_model_kind(const struct cjd_model *m)
{
	return m->kind;
}

const char *cjd_model_kind_name(enum cjd_model_kind k)
{
	return k == CJD_MODEL_GBDT ? "gbdt" : "logistic";
}

unsigned cjd_model_window(const struct cjd_model *m)
{
	return m->window;
}

cjd_event_mask cjd_model_events(const struct cjd_model *m)
{
	return m->events;
}

enum cjd_mode cjd_model_mode(const struct cjd_model *m)
{
	return cjd_mode_of(m->events);
}

float cjd_model_threshold(const struct cjd_model *m)
{
	return m->threshold;
}

float cjd_model_threshold_low(const struct cjd_model *m)
{
	return m->threshold_low;
}

size_t cjd_model_n_features(const struct cjd_model *m)
{
	return m->n_feat;
}

int cjd_model_feature(const struct cjd_model *m, size_t j)
{
	return j < m->n_feat ? m->feat[j] : -ENOENT;
}

size_t cjd_model_n_trees(const struct cjd_model *m)
{
	return m->kind == CJD_MODEL_GBDT ? m->gbdt.n_trees : 0;
}

unsigned cjd_model_depth(const struct cjd_model *m)
{
	return m->kind == CJD_MODEL_GBDT ? m->gbdt.depth : 0;
}

int cjd_model_check_events(const struct cjd_model *m, cjd_event_mask available,
			   struct cjd_error *err)
{
	char missing[256], have[256];

	if ((m->events & available) == m->events)
		return 0;
	cjd_event_mask_format(m->events & ~available, missing, sizeof(missing));
	cjd_event_mask_format(available, have, sizeof(have));
	return cjd_error_set(err, -ENOTSUP, NULL, 0, 0,
			     "model %s needs events the source cannot supply: %s (the source has: %s)",
			     m->name, missing, available ? have : "none");
}

static void logistic(const struct cjd_model *m, const float *x, size_t pitch, size_t n, float *z)
{
	for (size_t i = 0; i < n; i++)
		z[i] = m->bias;
	for (size_t j = 0; j < m->n_feat; j++) {
		const float *xr = x + (size_t)m->feat[j] * pitch;
		const float c = m->coef[j];
		for (size_t i = 0; i < n; i++) {
			float t = c * (m->log1p[j] ? log1pf(xr[i]) : xr[i]);
			t = t < TERM_MAX ? t : TERM_MAX;
			t = t > -TERM_MAX ? t : -TERM_MAX;
			z[i] += t;
		}
	}
}

/*
 * Node feature indices become row offsets in this caller's matrix. A small
 * model's table lives on the stack; a large one is allocated, and if that
 * fails the scalar walk runs on a stack table one tree at a time.
 */
static void gbdt(const struct cjd_gbdt_flat *g, enum cjd_simd_tier tier, const float *x,
		 size_t pitch, size_t n, float *z)
{
	enum { STACK_NODES = 8192 };
	int32_t stack[STACK_NODES];
	size_t nodes = g->n_trees * g->n_inner;
	const struct cjd_kernels *kern = cjd_kernels(tier);

	if (!kern) /* not a tier of this build (callers check cjd_simd_cpu_supports first) */
		kern = cjd_kernels(CJD_SIMD_SCALAR);
	if (nodes <= STACK_NODES) {
		for (size_t k = 0; k < nodes; k++)
			stack[k] = (int32_t)((size_t)g->feat[k] * pitch);
		kern->gbdt(g, stack, x, n, z);
		return;
	}
	int32_t *offs = malloc(nodes * sizeof(*offs));
	if (offs) {
		for (size_t k = 0; k < nodes; k++)
			offs[k] = (int32_t)((size_t)g->feat[k] * pitch);
		kern->gbdt(g, offs, x, n, z);
		free(offs);
		return;
	}
	struct cjd_gbdt_flat one = *g;
	one.n_trees = 1;
	for (size_t t = 0; t < g->n_trees; t++) {
		one.feat = g->feat + t * g->n_inner;
		one.thr = g->thr + t * g->n_inner;
		one.leaf = g->leaf + t * g->n_leaves;
		for (size_t k = 0; k < g->n_inner; k++)
			stack[k] = (int32_t)((size_t)one.feat[k] * pitch);
		cjd_gbdt_eval_scalar(&one, stack, x, n, z);
	}
}

void cjd_model_predict_tier(const struct cjd_model *m, enum cjd_simd_tier tier,
			    const float *features, size_t pitch, size_t n, float *scores)
{
	if (m->kind == CJD_MODEL_LOGISTIC) {
		logistic(m, features, pitch, n, scores);
	} else {
		const struct cjd_gbdt_flat *g = &m->gbdt;
		for (size_t i = 0; i < n; i++)
			scores[i] = g->base;
		if (g->n_trees && g->depth) {
			gbdt(g, tier, features, pitch, n, scores);
		} else { /* single-leaf trees: a constant */
			for (size_t t = 0; t < g->n_trees; t++)
				for (size_t i = 0; i < n; i++)
					scores[i] += g->leaf[t];
		}
	}
	/* z is finite (bounded leaves, clamped terms), so the logistic is in [0, 1]. */
	for (size_t i = 0; i < n; i++)
		scores[i] = 1.0f / (1.0f + expf(-scores[i]));
}

void cjd_model_predict(const struct cjd_model *m, const float *features, size_t pitch, size_t n,
		       float *scores)
{
	enum cjd_simd_tier t;

	if (cjd_simd_tier(&t, NULL))
		t = CJD_SIMD_SCALAR;
	cjd_model_predict_tier(m, t, features, pitch, n, scores);
}

float cjd_model_predict_one(const struct cjd_model *m, const float *features)
{
	float s;

	cjd_model_predict_tier(m, CJD_SIMD_SCALAR, features, 1, 1, &s);
	return s;
}

const char *cjd_model_default_name(cjd_event_mask events)
{
	if (cjd_mode_of(events) == CJD_MODE_HARDWARE)
		return "hw-default";
	/* 0 is "not known yet": the full software set */
	return !events || (events & CJD_EVMASK(CJD_EV_SYSCALLS)) ? "sw-default" : "sw-nosyscalls";
}

int cjd_model_find(const char *file, const char *what, const char *const *dirs, size_t n,
		   char *out, size_t len, struct cjd_error *err)
{
	const char *env = getenv("CJD_MODEL_DIR");
	char tried[CJD_ERROR_TEXT] = "";
	size_t pos = 0;

	for (size_t i = 0; i <= n; i++) {
		const char *dir = i == 0 ? env : dirs[i - 1];
		if (!dir || !*dir)
			continue;
		snprintf(out, len, "%s/%s", dir, file);
		if (access(out, R_OK) == 0)
			return 0;
		if (pos < sizeof(tried))
			pos += (size_t)snprintf(tried + pos, sizeof(tried) - pos, "%s%s%s",
						pos ? ", " : "", dir, i == 0 ? " ($CJD_MODEL_DIR)" : "");
	}
	return cjd_error_set(err, -ENOENT, NULL, 0, 0,
			     "no %s found: looked for %s in %s (give one with --model, or set "
			     "CJD_MODEL_DIR)",
			     what, file, pos ? tried : "no directory");
}

int cjd_model_default_path(cjd_event_mask events, const char *const *dirs, size_t n, char *out,
			   size_t len, struct cjd_error *err)
{
	char file[64], what[64];

	snprintf(file, sizeof(file), "%s.json", cjd_model_default_name(events));
	snprintf(what, sizeof(what), "%s model", cjd_mode_name(cjd_mode_of(events)));
	return cjd_model_find(file, what, dirs, n, out, len, err);
}

/* ---- synthetic model for speed benchmarks ---- */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: deterministic, good enough to scatter thresholds */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int cjd_model_synthetic_gbdt(struct cjd_model **out, const int *features, size_t n_features,
			     size_t n_trees, unsigned depth, const float *x, size_t pitch, size_t n,
			     uint64_t seed)
{
	struct cjd_model *m;
	struct cjd_gbdt_flat *g;

	if (!n_features || n_features > CJD_MODEL_MAX_FEATURES || depth > CJD_MODEL_MAX_DEPTH ||
	    !n_trees || !n)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	snprintf(m->name, sizeof(m->name), "synthetic-speed-only");
	snprintf(m->version, sizeof(m->version), "0");
	m->kind = CJD_MODEL_GBDT;
	m->window = 8;
	m->threshold = 0.5f;
	m->threshold_low = 0.4f;
	m->n_feat = n_features;
	for (size_t j = 0; j < n_features; j++) {
		m->feat[j] = features[j];
		m->events |= cjd_feature_events((size_t)features[j]);
	}
	g = &m->gbdt;
	g->depth = depth;
	g->n_trees = n_trees;
	g->n_inner = ((size_t)1 << depth) - 1;
	g->n_leaves = (size_t)1 << depth;
	g->feat = malloc((n_trees * g->n_inner + 1) * sizeof(*g->feat));
	g->thr = malloc((n_trees * g->n_inner + 1) * sizeof(*g->thr));
	g->leaf = malloc(n_trees * g->n_leaves * sizeof(*g->leaf));
	if (!g->feat || !g->thr || !g->leaf) {
		cjd_model_free(m);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n_trees * g->n_inner; k++) {
		int f = features[rng_next(&seed) % n_features];
		g->feat[k] = f;
		g->thr[k] = x[(size_t)f * pitch + rng_next(&seed) % n];
	}
	for (size_t k = 0; k < n_trees * g->n_leaves; k++)
		g->leaf[k] = (float)((double)(rng_next(&seed) >> 11) / (double)(1ull << 53) - 0.5);
	g->base = -1.0f;
	*out = m;
	return 0;
}
