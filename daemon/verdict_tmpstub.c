/* TEMPORARY stand-in for branch evdata's feature vector and verdict (the agreed API), so the agent builds until evdata merges; deleted then. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/verdict.h"

/* Not the learned or hand-written verdict: evdata owns that. Only enough to exercise the agent. */
enum { F_TOWARD_ZERO, F_CHANGED, F_ANON_SHARE, F_OUTBOUND };

static double num(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_number(v) ? json_number_value(v) : -1;
}

int cjd_evfeat_from_json(const json_t *in, struct cjd_evfeat *out, struct cjd_error *err)
{
	(void)err;
	memset(out, 0, sizeof(*out));
	double v[] = {num(json_object_get(in, "fpstate"), "threads_toward_zero", NULL),
		      num(json_object_get(in, "fpstate"), "threads_changed_rounding", NULL),
		      num(json_object_get(in, "codesample"), "regions", "off_disk_share"), -1};
	const json_t *c = json_object_get(json_object_get(in, "network"), "counts");
	v[F_OUTBOUND] = num(c, "outbound", NULL);
	for (int i = 0; i < 4; i++)
		if (v[i] >= 0) {
			out->v[i] = v[i];
			out->present |= 1ull << i;
		}
	return 0;
}

struct cjd_verdict_model {
	char name[16];
};

int cjd_verdict_model_load(const char *path, struct cjd_verdict_model **out, struct cjd_error *err)
{
	(void)path;
	(void)err;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	strcpy((*out)->name, "tmpstub");
	return 0;
}

void cjd_verdict_model_free(struct cjd_verdict_model *m)
{
	free(m);
}

const char *cjd_verdict_model_name(const struct cjd_verdict_model *m)
{
	return m->name;
}

static void find(json_t *a, const char *probe, const char *text, double w)
{
	json_array_append_new(a, json_pack("{s:s,s:s,s:f}", "probe", probe, "finding", text, "weight", w));
}

int cjd_verdict_score(const struct cjd_verdict_model *m, double screen, const struct cjd_evfeat *ev,
		      struct cjd_verdict *out, struct cjd_error *err)
{
	(void)m;
	(void)err;
	memset(out, 0, sizeof(*out));
	out->findings = json_array();
	out->score = screen * 0.5;
	if (!ev)
		return 0;
	if ((ev->present & 1) && ev->v[F_TOWARD_ZERO] > 0) {
		out->mining_specific = true;
		out->level = CJD_VERDICT_HIGH;
		out->score = 0.95;
		find(out->findings, "fpstate", "threads cycle through all four rounding modes", 0.9);
	} else if ((ev->present & 4) && ev->v[F_ANON_SHARE] > 0.5) {
		out->level = CJD_VERDICT_MEDIUM;
		out->score = 0.6;
		find(out->findings, "codesample", "hot code in anonymous memory", 0.5);
	} else if ((ev->present & 8) && ev->v[F_OUTBOUND] > 0) {
		out->level = CJD_VERDICT_LOW;
		out->score = 0.4;
		find(out->findings, "network", "outbound connection", 0.2);
	}
	return 0;
}

void cjd_verdict_clear(struct cjd_verdict *v)
{
	if (v)
		json_decref(v->findings);
	if (v)
		memset(v, 0, sizeof(*v));
}
