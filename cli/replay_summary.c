/* The end-of-replay summary: per file, cgroup and label, windows, flagged windows, time to first alert. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "replay.h"

struct row {
	int file;
	char *cgroup, *label;
	uint64_t samples, windows, flagged;
	uint64_t first_t_ns;      /* start of the first sample with this label */
	uint64_t first_alert_ns;  /* t_ns of the first firing, or UINT64_MAX */
	uint32_t alerts[CJD_ALERT__COUNT];
};

struct replay_summary {
	struct cjd_strmap *index; /* key -> row + 1 */
	struct row *rows;
	size_t n, cap;
	char *key;
	size_t key_cap;
};

struct replay_summary *replay_summary_new(void)
{
	struct replay_summary *s = calloc(1, sizeof(*s));

	if (s && !(s->index = cjd_strmap_new())) {
		free(s);
		return NULL;
	}
	return s;
}

void replay_summary_free(struct replay_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].cgroup);
		free(s->rows[i].label);
	}
	free(s->rows);
	free(s->key);
	cjd_strmap_free(s->index);
	free(s);
}

static size_t fmt_uint(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[i++] = tmp[--n];
	return i;
}

/* Length-prefixed key: unambiguous whatever bytes the names hold. */
static struct row *row_of(struct replay_summary *s, int file, const char *cgroup, const char *label)
{
	size_t need = strlen(cgroup) + (label ? strlen(label) : 0) + 48;
	uint64_t *v;

	if (need > s->key_cap) {
		char *k = realloc(s->key, need * 2);
		if (!k)
			return NULL;
		s->key = k;
		s->key_cap = need * 2;
	}
	/* Built by hand: this runs for every sample and window. */
	char *p = s->key;
	size_t cl = strlen(cgroup);
	p += fmt_uint(p, (uint64_t)file);
	*p++ = ':';
	p += fmt_uint(p, cl);
	*p++ = ':';
	memcpy(p, cgroup, cl);
	p += cl;
	strcpy(p, label ? label : "\x01");
	int rc = cjd_strmap_upsert(s->index, s->key, &v);
	if (rc < 0)
		return NULL;
	if (rc == 0)
		return &s->rows[*v - 1];
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct row *nr = realloc(s->rows, nc * sizeof(*nr));
		if (!nr)
			goto out_undo;
		s->rows = nr;
		s->cap = nc;
	}
	struct row *r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->cgroup = strdup(cgroup);
	r->label = label ? strdup(label) : NULL;
	if (!r->cgroup || (label && !r->label)) {
		free(r->cgroup);
		free(r->label);
		goto out_undo;
	}
	r->first_alert_ns = UINT64_MAX;
	*v = ++s->n;
	return r;
out_undo:
	cjd_strmap_remove(s->index, s->key);
	return NULL;
}

int replay_summary_sample(struct replay_summary *s, int file, const char *cgroup,
			  const char *label, uint64_t start_ns)
{
	struct row *r = row_of(s, file, cgroup, label);

	if (!r)
		return -ENOMEM;
	if (!r->samples)
		r->first_t_ns = start_ns;
	r->samples++;
	return 0;
}

int replay_summary_window(struct replay_summary *s, int file, const struct cjd_window *w)
{
	struct row *r = row_of(s, file, w->cgroup, w->label);

	if (!r)
		return -ENOMEM;
	r->windows++;
	r->flagged += w->flagged;
	return 0;
}

int replay_summary_alert(struct replay_summary *s, int file, const struct cjd_alert *a)
{
	struct row *r = row_of(s, file, a->cgroup, a->label);

	if (!r)
		return -ENOMEM;
	if ((unsigned)a->action < CJD_ALERT__COUNT)
		r->alerts[a->action]++;
	if ((a->action == CJD_ALERT_FIRING || a->action == CJD_ALERT_AGG_FIRING) &&
	    r->first_alert_ns == UINT64_MAX)
		r->first_alert_ns = a->t_ns;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = x->file - y->file;

	if (!c)
		c = strcmp(x->cgroup, y->cgroup);
	if (!c)
		c = strcmp(x->label ? x->label : "", y->label ? y->label : "");
	return c;
}

static void sort_rows(const struct replay_summary *s)
{
	/* Sorting only reorders rows; the index is not used after the replay. */
	qsort(s->rows, s->n, sizeof(*s->rows), cmp_rows);
}

void replay_summary_print(const struct replay_summary *s, const char *const *files,
			  const struct replay_totals *t, FILE *out)
{
	char thr[40];

	sort_rows(s);
	cjd_fmt_float(thr, sizeof(thr), t->threshold);
	fprintf(out, "\nreplay summary: model %s %s (%s), W=%u, K=%u, threshold %s, SIMD %s\n",
		t->model_name, t->model_version, t->model_kind, t->window, t->fire_windows, thr,
		t->tier);
	int last_file = -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct row *r = &s->rows[i];
		if (r->file != last_file) {
			fprintf(out, "%s\n  %-36s %-20s %8s %8s %9s %12s %6s\n", files[r->file],
				"cgroup", "label", "samples", "windows", "flagged", "first alert",
				"alerts");
			last_file = r->file;
		}
		char first[32] = "-";
		if (r->first_alert_ns != UINT64_MAX)
			snprintf(first, sizeof(first), "%.3fs",
				 (double)(r->first_alert_ns - r->first_t_ns) / 1e9);
		fprintf(out, "  %-36s %-20s %8" PRIu64 " %8" PRIu64 " %8.1f%% %12s %6u\n",
			r->cgroup, r->label ? r->label : "-", r->samples, r->windows,
			r->windows ? 100.0 * (double)r->flagged / (double)r->windows : 0.0, first,
			r->alerts[CJD_ALERT_FIRING] + r->alerts[CJD_ALERT_AGG_FIRING]);
	}
	fprintf(out, "%" PRIu64 " samples in %.3f s (%.0f samples/s)\n", t->samples, t->seconds,
		t->seconds > 0 ? (double)t->samples / t->seconds : 0.0);
}

static void json_str(FILE *out, const char *s)
{
	char buf[4096];
	size_t pos = 0;

	if (cjd_json_escape(buf, sizeof(buf), &pos, s ? s : ""))
		fputs("\"(too long)\"", out);
	else
		fwrite(buf, 1, pos, out);
}

int replay_summary_json(const struct replay_summary *s, const char *const *files,
			const struct replay_totals *t, FILE *out)
{
	char num[40];

	sort_rows(s);
	fprintf(out, "{\"model\":{\"name\":");
	json_str(out, t->model_name);
	fprintf(out, ",\"version\":");
	json_str(out, t->model_version);
	if (cjd_fmt_float(num, sizeof(num), t->threshold) < 0)
		snprintf(num, sizeof(num), "null");
	fprintf(out, ",\"kind\":\"%s\"},\"window\":%u,\"fire_windows\":%u,\"threshold\":%s,"
		     "\"simd\":\"%s\",\"samples\":%" PRIu64 ",\"seconds\":%.6f,\"cgroups\":[",
		t->model_kind, t->window, t->fire_windows, num, t->tier, t->samples, t->seconds);
	for (size_t i = 0; i < s->n; i++) {
		const struct row *r = &s->rows[i];
		fprintf(out, "%s{\"file\":", i ? "," : "");
		json_str(out, files[r->file]);
		fprintf(out, ",\"cgroup\":");
		json_str(out, r->cgroup);
		fprintf(out, ",\"label\":");
		if (r->label)
			json_str(out, r->label);
		else
			fputs("null", out);
		fprintf(out, ",\"samples\":%" PRIu64 ",\"windows\":%" PRIu64
			     ",\"windows_flagged\":%" PRIu64 ",\"time_to_first_alert_s\":",
			r->samples, r->windows, r->flagged);
		if (r->first_alert_ns == UINT64_MAX ||
		    cjd_fmt_double(num, sizeof(num),
				   (double)(r->first_alert_ns - r->first_t_ns) / 1e9) < 0)
			fputs("null", out);
		else
			fputs(num, out);
		fprintf(out, ",\"alerts\":{");
		for (int a = 0; a <= CJD_ALERT_GONE; a++)
			fprintf(out, "%s\"%s\":%u", a ? "," : "",
				cjd_alert_action_name((enum cjd_alert_action)a), r->alerts[a]);
		/* a group's lane (detector/aggregate.c) */
		for (int a = CJD_ALERT_AGG_FIRING; a <= CJD_ALERT_AGG_GONE; a++)
			if (r->alerts[a])
				fprintf(out, ",\"%s\":%u",
					cjd_alert_action_name((enum cjd_alert_action)a), r->alerts[a]);
		fprintf(out, "}}");
	}
	fprintf(out, "]}\n");
	return ferror(out) ? -EIO : 0;
}
