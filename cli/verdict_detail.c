/* Per workload, what a verdict model said over its windows: levels, findings by rule, and how soon evidence and the alert came. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verdict_data.h"

int vd_rowinfo_set(struct vd_rowinfo *ri, double score, const struct cjd_verdict *v)
{
	double net = 0;
	size_t i;
	json_t *f;

	ri->score = (float)score;
	ri->level = (unsigned char)v->level;
	ri->specific = v->mining_specific;
	ri->confirming = false;
	if (!(ri->rules = json_array()))
		return -ENOMEM;
	json_array_foreach(v->findings, i, f) {
		json_t *id = json_object_get(f, "rule");

		if (!json_is_string(id))
			continue;
		net += json_real_value(json_object_get(f, "weight"));
		if (json_array_append(ri->rules, id))
			return -ENOMEM;
	}
	ri->confirming = net > 0; /* the evidence, all rules together, counted for mining */
	return 0;
}

void vd_rowinfo_free(struct vd_rowinfo *ri, size_t n)
{
	if (!ri)
		return;
	for (size_t i = 0; i < n; i++)
		json_decref(ri[i].rules);
	free(ri);
}

/* Seconds from the start of the recording to the end of row i's window (null when the
 * interval is not known: native samples). */
static json_t *end_s(const struct cjd_dataset *ds, size_t i, const struct vd_timing *t)
{
	if (!t->interval_ns)
		return json_null();
	return json_real((double)(cjd_dataset_order(ds, i) + t->window) * (double)t->interval_ns / 1e9);
}

/* The first row of the run (rows in time order) matching `what`, or n: 0 mining-specific,
 * 1 confirming, 2 the K-th flagged window in a row (the alert). */
static size_t first_of(const struct vd_rowinfo *ri, const uint32_t *rows, size_t n, int what,
		       const struct vd_timing *t)
{
	unsigned streak = 0;

	for (size_t j = 0; j < n; j++) {
		const struct vd_rowinfo *r = &ri[rows[j]];

		if ((what == 0 && r->specific) || (what == 1 && r->confirming))
			return j;
		streak = r->score >= t->flag_at ? streak + 1 : 0;
		if (what == 2 && streak >= t->k)
			return j;
	}
	return n;
}

json_t *vd_detail_group(const struct cjd_dataset *ds, const struct vd_rowinfo *ri, uint32_t g,
			const struct vd_timing *t)
{
	static const char *const lv[4] = { "none", "low", "medium", "high" };
	static const char *const key[3] = { "first_specific_s", "first_confirming_s", "alert_s" };
	json_t *o = json_object(), *levels = json_object(), *rules = json_object();
	json_t *first[3] = { NULL, NULL, NULL };
	size_t nl[4] = { 0 }, rows = 0, i;
	int top = 0;

	if (!o || !levels || !rules)
		goto out_nomem;
	for (i = 0; i < cjd_dataset_rows(ds); i++) {
		size_t k;
		json_t *id;

		if (cjd_dataset_group(ds, i) != g)
			continue;
		rows++;
		nl[ri[i].level]++;
		top = ri[i].level > top ? ri[i].level : top;
		json_array_foreach(ri[i].rules, k, id) {
			const char *s = json_string_value(id);
			json_int_t c = json_integer_value(json_object_get(rules, s));

			if (json_object_set_new(rules, s, json_integer(c + 1)))
				goto out_nomem;
		}
	}
	/* per run the first window of each; the group's is its slowest run's, null when a run
	 * never showed it */
	for (uint32_t r = 0; r < cjd_dataset_runs(ds); r++) {
		size_t n;
		const uint32_t *rr;

		if (cjd_dataset_run_group(ds, r) != g)
			continue;
		rr = cjd_dataset_run_rows(ds, r, &n);
		for (int w = 0; w < 3; w++) {
			size_t j = first_of(ri, rr, n, w, t);

			if (first[w] == json_null())
				continue;
			json_decref(first[w]);
			first[w] = j < n ? end_s(ds, rr[j], t) : json_null();
		}
	}
	for (int l = 0; l < 4; l++)
		json_object_set_new(levels, lv[l], json_integer((json_int_t)nl[l]));
	for (int w = 0; w < 3; w++)
		json_object_set_new(o, key[w], first[w] ? first[w] : json_null());
	json_object_set_new(o, "max_level", json_string(lv[top]));
	json_object_set_new(o, "levels", levels);
	{
		const char *s;
		json_t *c;

		json_object_foreach(rules, s, c)
			json_object_set_new(rules, s, json_real(rows ? (double)json_integer_value(c) /
								   (double)rows : 0.0));
	}
	json_object_set_new(o, "rule_share", rules);
	return o;
out_nomem:
	json_decref(o);
	json_decref(levels);
	json_decref(rules);
	return NULL;
}

static void print_s(FILE *f, const char *what, const json_t *v)
{
	if (json_is_number(v))
		fprintf(f, "; %s %.0f s", what, json_number_value(v));
	else
		fprintf(f, "; %s never", what);
}

void vd_detail_print(FILE *f, const char *workload, const json_t *d)
{
	const json_t *lv = json_object_get(d, "levels"), *v;
	const char *s;

	fprintf(f, "  %s: max level %s (windows none/low/medium/high %lld/%lld/%lld/%lld)", workload,
		json_string_value(json_object_get(d, "max_level")),
		(long long)json_integer_value(json_object_get(lv, "none")),
		(long long)json_integer_value(json_object_get(lv, "low")),
		(long long)json_integer_value(json_object_get(lv, "medium")),
		(long long)json_integer_value(json_object_get(lv, "high")));
	print_s(f, "alert", json_object_get(d, "alert_s"));
	print_s(f, "first mining-specific", json_object_get(d, "first_specific_s"));
	print_s(f, "first confirming", json_object_get(d, "first_confirming_s"));
	fprintf(f, "; rules:");
	json_object_foreach((json_t *)json_object_get(d, "rule_share"), s, v)
		fprintf(f, " %s %.0f %%", s, 100 * json_real_value(v));
	fputc('\n', f);
}
