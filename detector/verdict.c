/* The combined verdict: screening score plus evidence through a verdict model, with findings a responder can act on. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cjd/detector/model_predict.h"
#include "verdict_internal.h"

static const char *const level_names[] = { "none", "low", "medium", "high" };

const char *cjd_verdict_level_name(enum cjd_verdict_level l)
{
	return (unsigned)l < sizeof(level_names) / sizeof(level_names[0]) ? level_names[l] : NULL;
}

const char *cjd_verdict_model_name(const struct cjd_verdict_model *m)
{
	return m->name;
}

double cjd_verdict_model_threshold(const struct cjd_verdict_model *m, enum cjd_verdict_level l)
{
	return l == CJD_VERDICT_HIGH ? m->high : l == CJD_VERDICT_MEDIUM ? m->medium
					      : l == CJD_VERDICT_LOW ? m->low : 0.0;
}

int cjd_verdict_default_path(const char *const *dirs, size_t n, char *out, size_t len,
			     struct cjd_error *err)
{
	return cjd_model_find(CJD_VERDICT_DEFAULT_FILE, "verdict model", dirs, n, out, len, err);
}

void cjd_verdict_clear(struct cjd_verdict *v)
{
	if (!v)
		return;
	json_decref(v->findings);
	memset(v, 0, sizeof(*v));
}

static bool has(const struct cjd_evfeat *ev, unsigned f)
{
	return (ev->present >> f) & 1;
}

static bool holds(const struct vcond *c, const struct cjd_evfeat *ev)
{
	double v = ev->v[c->feat];

	if (!has(ev, c->feat))
		return false; /* nothing measured is never evidence either way */
	switch (c->op) {
	case VOP_GE: return v >= c->value;
	case VOP_GT: return v > c->value;
	case VOP_LE: return v <= c->value;
	case VOP_LT: return v < c->value;
	default: return v == c->value;
	}
}

static bool fires(const struct vrule *r, const struct cjd_evfeat *ev)
{
	for (unsigned k = 0; k < r->ncond; k++)
		if (!holds(&r->cond[k], ev))
			return false;
	return true;
}

static double term_value(const struct vterm *t, const struct cjd_evfeat *ev)
{
	return has(ev, t->feat) ? t->weight * (ev->v[t->feat] - t->mean) / t->scale : t->absent;
}

/* The finding's text with {feature} as the value (%.3g) and {feature%} as a percentage. */
static void render(const char *tmpl, const struct cjd_evfeat *ev, char *out, size_t len)
{
	size_t pos = 0;

	while (*tmpl && pos + 1 < len) {
		size_t n = strcspn(tmpl + 1, "}%");
		char name[64];
		int f;

		if (*tmpl != '{' || n >= sizeof(name)) {
			out[pos++] = *tmpl++;
			continue;
		}
		memcpy(name, tmpl + 1, n); /* the loader checked every placeholder */
		name[n] = '\0';
		f = cjd_evfeat_find(name);
		if (tmpl[1 + n] == '%') {
			pos += (size_t)snprintf(out + pos, len - pos, "%.0f %%", 100 * ev->v[f]);
			tmpl += n + 3;
		} else {
			pos += (size_t)snprintf(out + pos, len - pos, "%.3g", ev->v[f]);
			tmpl += n + 2;
		}
	}
	out[pos < len ? pos : len - 1] = '\0';
}

static int add_finding(json_t *arr, const char *probe, const char *text, double weight)
{
	json_t *o = json_pack("{s:s, s:s, s:f}", "probe", probe, "finding", text, "weight", weight);

	return o && !json_array_append_new(arr, o) ? 0 : -ENOMEM;
}

/* The rule's weight plus that of the learned terms on its features: what it counted for. */
static double rule_weight(const struct cjd_verdict_model *m, const struct vrule *r,
			  const struct cjd_evfeat *ev)
{
	double w = r->weight;

	for (unsigned t = 0; t < m->nterms; t++)
		for (unsigned k = 0; k < r->ncond; k++)
			if (m->terms[t].feat == r->cond[k].feat) {
				w += term_value(&m->terms[t], ev);
				break;
			}
	return w;
}

/* One finding per probe none of whose features was measured. */
static int unmeasured(json_t *arr, const struct cjd_evfeat *ev)
{
	const char *last = NULL;

	for (unsigned i = 0; i < CJD_EVFEAT__COUNT; i++) {
		const char *p = cjd_evfeat_probe(i);
		bool any = false;
		char text[192];

		if (last && !strcmp(p, last))
			continue;
		last = p;
		for (unsigned k = i; k < CJD_EVFEAT__COUNT && !strcmp(cjd_evfeat_probe(k), p); k++)
			any |= has(ev, k);
		if (any)
			continue;
		snprintf(text, sizeof(text),
			 "The %s probe measured nothing (turned off, not available here, or nothing to "
			 "look at): its evidence is missing, not negative.", p);
		if (add_finding(arr, p, text, 0))
			return -ENOMEM;
	}
	return 0;
}

static enum cjd_verdict_level level_of(const struct cjd_verdict_model *m, double s, bool specific)
{
	if (s >= m->high)
		return specific ? CJD_VERDICT_HIGH : CJD_VERDICT_MEDIUM;
	if (s >= m->medium)
		return CJD_VERDICT_MEDIUM;
	return s >= m->low ? CJD_VERDICT_LOW : CJD_VERDICT_NONE;
}

static int screening_only(const struct cjd_verdict_model *m, double screen, struct cjd_verdict *out)
{
	char text[256];

	out->score = screen;
	out->level = level_of(m, screen, false);
	snprintf(text, sizeof(text),
		 "No evidence was gathered (no inspection yet, or the probes are off): the verdict "
		 "rests on the counters' screening score %.2f alone, which cannot tell mining from "
		 "other flat, CPU-bound work.", screen);
	return add_finding(out->findings, "screening", text, 0);
}

int cjd_verdict_score(const struct cjd_verdict_model *m, double screen_score, const struct cjd_evfeat *ev,
		      struct cjd_verdict *out, struct cjd_error *err)
{
	double z;
	char text[512];

	memset(out, 0, sizeof(*out));
	if (!(screen_score >= 0 && screen_score <= 1))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "screening score %g is not in 0..1",
				     screen_score);
	if (!(out->findings = json_array()))
		goto out_nomem;
	if (!ev) {
		if (screening_only(m, screen_score, out))
			goto out_nomem;
		return 0;
	}
	z = m->bias + m->screen_weight * screen_score;
	for (unsigned t = 0; t < m->nterms; t++)
		z += term_value(&m->terms[t], ev);
	for (unsigned i = 0; i < m->nrules; i++) {
		const struct vrule *r = &m->rules[i];

		if (!fires(r, ev))
			continue;
		z += r->weight;
		out->mining_specific |= r->mining_specific;
		render(r->finding, ev, text, sizeof(text));
		if (add_finding(out->findings, cjd_evfeat_probe(r->cond[0].feat), text,
				rule_weight(m, r, ev)))
			goto out_nomem;
	}
	if (unmeasured(out->findings, ev))
		goto out_nomem;
	snprintf(text, sizeof(text), "The counters' screening score is %.2f.", screen_score);
	if (add_finding(out->findings, "screening", text, m->screen_weight * screen_score))
		goto out_nomem;
	out->score = 1 / (1 + exp(-z));
	out->level = level_of(m, out->score, out->mining_specific);
	return 0;
out_nomem:
	cjd_verdict_clear(out);
	return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
}
