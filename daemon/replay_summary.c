/* The end-of-replay summary: per file, cgroup and label, windows, flagged windows, time to first alert. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/buf.h"
#include "cjd/common/json_writer.h"
#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "cjd/daemon/replay_summary.h"

struct row {
	int file;
	char *cgroup, *label;
	uint64_t samples, windows, flagged;
	uint64_t first_t_ns;      /* start of the first sample with this label */
	uint64_t first_alert_ns;  /* t_ns of the first firing, or UINT64_MAX */
	uint32_t alerts[CJD_ALERT__COUNT];
};

struct cjd_replay_summary {
	struct cjd_strmap *index; /* key -> row + 1 */
	struct row *rows;
	size_t n, cap;
	struct cjd_buf key;
};

struct cjd_replay_summary *cjd_replay_summary_new(void)
{
	struct cjd_replay_summary *s = calloc(1, sizeof(*s));

	if (s && !(s->index = cjd_strmap_new())) {
		free(s);
		return NULL;
	}
	return s;
}

void cjd_replay_summary_free(struct cjd_replay_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].cgroup);
		free(s->rows[i].label);
	}
	free(s->rows);
	cjd_buf_release(&s->key);
	cjd_strmap_free(s->index);
	free(s);
}

/* Length-prefixed key: unambiguous whatever bytes the names hold. */
static struct row *row_of(struct cjd_replay_summary *s, int file, const char *cgroup,
			  const char *label)
{
	struct cjd_buf *k = &s->key;
	size_t cl = strlen(cgroup);
	uint64_t *v;

	/* no printf: this runs for every sample and window */
	cjd_buf_clear(k);
	cjd_buf_put_u64(k, (unsigned long long)file);
	cjd_buf_putc(k, ':');
	cjd_buf_put_u64(k, cl);
	cjd_buf_putc(k, ':');
	cjd_buf_add(k, cgroup, cl);
	if (cjd_buf_puts(k, label ? label : "\x01"))
		return NULL;
	int rc = cjd_strmap_upsert(s->index, k->data, &v);
	if (rc < 0)
		return NULL;
	if (rc == 0)
		return &s->rows[*v - 1];
	if (cjd_array_reserve(s->rows, s->cap, s->n + 1))
		goto out_undo;
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
	cjd_strmap_remove(s->index, k->data);
	return NULL;
}

int cjd_replay_summary_sample(struct cjd_replay_summary *s, int file, const char *cgroup,
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

int cjd_replay_summary_window(struct cjd_replay_summary *s, int file, const struct cjd_window *w)
{
	struct row *r = row_of(s, file, w->cgroup, w->label);

	if (!r)
		return -ENOMEM;
	r->windows++;
	r->flagged += w->flagged;
	return 0;
}

int cjd_replay_summary_alert(struct cjd_replay_summary *s, int file, const struct cjd_alert *a)
{
	struct row *r = row_of(s, file, a->cgroup, a->label);

	if (!r)
		return -ENOMEM;
	if ((unsigned)a->action < CJD_ALERT__COUNT)
		r->alerts[a->action]++;
	if (a->action == CJD_ALERT_FIRING && r->first_alert_ns == UINT64_MAX)
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

static void sort_rows(const struct cjd_replay_summary *s)
{
	/* Sorting only reorders rows; the index is not used after the replay. */
	qsort(s->rows, s->n, sizeof(*s->rows), cmp_rows);
}

void cjd_replay_summary_print(const struct cjd_replay_summary *s, const char *const *files,
			  const struct cjd_replay_totals *t, FILE *out)
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
			r->alerts[CJD_ALERT_FIRING]);
	}
	fprintf(out, "%" PRIu64 " samples in %.3f s (%.0f samples/s)\n", t->samples, t->seconds,
		t->seconds > 0 ? (double)t->samples / t->seconds : 0.0);
}

int cjd_replay_summary_json(const struct cjd_replay_summary *s, const char *const *files,
			const struct cjd_replay_totals *t, FILE *out)
{
	struct cjd_jw w;
	char *text;
	size_t len;

	sort_rows(s);
	cjd_jw_init(&w, 0);
	cjd_jw_obj(&w, NULL);
	cjd_jw_obj(&w, "model");
	cjd_jw_str(&w, "name", t->model_name);
	cjd_jw_str(&w, "version", t->model_version);
	cjd_jw_str(&w, "kind", t->model_kind);
	cjd_jw_end(&w, '}');
	cjd_jw_u64(&w, "window", t->window);
	cjd_jw_u64(&w, "fire_windows", t->fire_windows);
	cjd_jw_float(&w, "threshold", t->threshold);
	cjd_jw_str(&w, "simd", t->tier);
	cjd_jw_u64(&w, "samples", t->samples);
	cjd_jw_double(&w, "seconds", round(t->seconds * 1e6) / 1e6); /* µs: it is a timing */
	cjd_jw_arr(&w, "cgroups");
	for (size_t i = 0; i < s->n; i++) {
		const struct row *r = &s->rows[i];
		cjd_jw_obj(&w, NULL);
		cjd_jw_str(&w, "file", files[r->file]);
		cjd_jw_str(&w, "cgroup", r->cgroup);
		if (r->label)
			cjd_jw_str(&w, "label", r->label);
		else
			cjd_jw_null(&w, "label");
		cjd_jw_u64(&w, "samples", r->samples);
		cjd_jw_u64(&w, "windows", r->windows);
		cjd_jw_u64(&w, "windows_flagged", r->flagged);
		if (r->first_alert_ns == UINT64_MAX)
			cjd_jw_null(&w, "time_to_first_alert_s");
		else
			cjd_jw_double(&w, "time_to_first_alert_s",
				      (double)(r->first_alert_ns - r->first_t_ns) / 1e9);
		cjd_jw_obj(&w, "alerts");
		for (int a = 0; a <= CJD_ALERT_GONE; a++)
			cjd_jw_u64(&w, cjd_alert_action_name((enum cjd_alert_action)a), r->alerts[a]);
		cjd_jw_end(&w, '}');
		cjd_jw_end(&w, '}');
	}
	cjd_jw_end(&w, ']');
	cjd_jw_end(&w, '}');
	int rc = cjd_jw_take(&w, &text, &len);
	if (rc)
		return rc;
	fwrite(text, 1, len, out);
	fputc('\n', out);
	free(text);
	return ferror(out) ? -EIO : 0;
}
