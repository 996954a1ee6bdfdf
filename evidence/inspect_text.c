/* `cjd inspect` for people: the summary, then each probe's JSON rendered as figures and tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/evidence/inspect.h"

#define CELL_MAX 40  /* a table cell longer than this is cut with "..." */
#define LINE_WRAP 96 /* figures wrap before this column */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Durations (*_ns) and sizes (*_bytes) in units people read; the JSON keeps raw integers. */
static void fmt_scalar(const char *key, const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v) && key && ends_with(key, "_ns")) {
		double ns = (double)json_integer_value(v);
		if (ns >= 1e9)
			snprintf(buf, len, "%.2fs", ns / 1e9);
		else if (ns >= 1e6)
			snprintf(buf, len, "%.2fms", ns / 1e6);
		else if (ns >= 1e3)
			snprintf(buf, len, "%.1fus", ns / 1e3);
		else
			snprintf(buf, len, "%.0fns", ns);
	} else if (json_is_integer(v) && key && ends_with(key, "_bytes")) {
		double b = (double)json_integer_value(v);
		if (b >= 1073741824.0)
			snprintf(buf, len, "%.2fGiB", b / 1073741824.0);
		else if (b >= 1048576.0)
			snprintf(buf, len, "%.1fMiB", b / 1048576.0);
		else if (b >= 1024.0)
			snprintf(buf, len, "%.0fKiB", b / 1024.0);
		else
			snprintf(buf, len, "%.0fB", b);
	} else if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, len, "%.3g", json_real_value(v));
	} else if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_length(v) ? json_string_value(v) : "-");
	} else if (json_is_true(v)) {
		snprintf(buf, len, "yes");
	} else if (json_is_false(v)) {
		snprintf(buf, len, "no");
	} else if (json_is_null(v)) {
		snprintf(buf, len, "-");
	} else if (json_is_array(v)) {
		size_t pos = 0, i;
		json_t *e;
		buf[0] = '\0';
		json_array_foreach(v, i, e) {
			char one[64];
			fmt_scalar(key, e, one, sizeof(one));
			pos += (size_t)snprintf(buf + pos, pos < len ? len - pos : 0, "%s%s",
						i ? "," : "", one);
			if (pos >= len)
				break;
		}
		if (!json_array_size(v))
			snprintf(buf, len, "-");
	} else {
		snprintf(buf, len, "{...}");
	}
}

static bool is_table(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v))
		return false;
	json_array_foreach(v, i, e) if (!json_is_object(e)) return false;
	return true;
}

/* A table cell: column "k" or, for an object-valued member, "k.sub" (one level). */
static const json_t *cell(const json_t *row, const char *col)
{
	const char *dot = strchr(col, '.');
	char key[128];

	if (!dot)
		return json_object_get(row, col);
	snprintf(key, sizeof(key), "%.*s", (int)(dot - col), col);
	return json_object_get(json_object_get(row, key), dot + 1);
}

#define TABLE_COLS 64

struct table {
	char cols[TABLE_COLS][128];
	size_t width[TABLE_COLS], ncols;
};

/* Adds column col (once) and widens it for the cell v. */
static void table_col(struct table *tb, const char *col, const json_t *v)
{
	char text[CELL_MAX * 4];
	const char *leaf = strrchr(col, '.');
	size_t c, w;

	for (c = 0; c < tb->ncols && strcmp(tb->cols[c], col); c++)
		;
	if (c == tb->ncols) {
		if (tb->ncols == TABLE_COLS)
			return;
		snprintf(tb->cols[c], sizeof(tb->cols[c]), "%s", col);
		tb->width[tb->ncols++] = strlen(col);
	}
	fmt_scalar(leaf ? leaf + 1 : col, v, text, sizeof(text));
	w = strlen(text) > CELL_MAX ? CELL_MAX : strlen(text);
	if (w > tb->width[c])
		tb->width[c] = w;
}

/* Prints an array of objects as a table: one column per key (an object member's members
 * as "key.member"), in order of first use. */
static int print_table(FILE *out, const char *name, const json_t *rows)
{
	struct table *tb = calloc(1, sizeof(*tb));
	size_t i;
	json_t *row;

	if (!tb)
		return -ENOMEM;
	json_array_foreach(rows, i, row) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)row, k, v) {
			if (json_is_object(v)) {
				const char *k2;
				json_t *v2;
				json_object_foreach(v, k2, v2) {
					char col[128];
					snprintf(col, sizeof(col), "%s.%s", k, k2);
					table_col(tb, col, v2);
				}
			} else {
				table_col(tb, k, v);
			}
		}
	}
	fprintf(out, "  %s:\n   ", name);
	for (size_t c = 0; c < tb->ncols; c++)
		fprintf(out, " %-*s", c + 1 < tb->ncols ? (int)tb->width[c] : 0, tb->cols[c]);
	fputc('\n', out);
	json_array_foreach(rows, i, row) {
		fputs("   ", out);
		for (size_t c = 0; c < tb->ncols; c++) {
			char text[CELL_MAX * 4];
			const char *leaf = strrchr(tb->cols[c], '.');
			const json_t *v = cell(row, tb->cols[c]);
			if (v)
				fmt_scalar(leaf ? leaf + 1 : tb->cols[c], v, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "-");
			if (strlen(text) > CELL_MAX)
				memcpy(text + CELL_MAX - 3, "...", 4);
			fprintf(out, " %-*s", c + 1 < tb->ncols ? (int)tb->width[c] : 0, text);
		}
		fputc('\n', out);
	}
	free(tb);
	return ferror(out) ? -EIO : 0;
}

/* Adds "key value" to a wrapped line of figures. */
static void figure(FILE *out, size_t *col, const char *key, const char *val)
{
	size_t w = strlen(key) + 1 + strlen(val);

	if (*col && *col + 2 + w > LINE_WRAP) {
		fputc('\n', out);
		*col = 0;
	}
	fprintf(out, "  %s %s", key, val);
	*col += 2 + w;
}

/* The figures of object o, keys prefixed (nested objects flattened as "a.b.c"); tables are
 * left for print_tables. */
static void print_figures(FILE *out, size_t *col, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		char key[256], val[512];
		if (!*prefix &&
		    (!strcmp(k, "status") || !strcmp(k, "why") || !strcmp(k, "caveat") ||
		     !strcmp(k, "probe_elapsed_ns") || !strcmp(k, "probe_cpu_ns")))
			continue;
		if (is_table(v))
			continue;
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v)) {
			print_figures(out, col, key, v);
			continue;
		}
		fmt_scalar(k, v, val, sizeof(val));
		figure(out, col, key, val);
	}
}

/* The tables (arrays of objects) of object o, at any depth, named by their dotted keys. */
static int print_tables(FILE *out, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)o, k, v) {
		char key[256];
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (is_table(v))
			rc = print_table(out, key, v);
		else if (json_is_object(v))
			rc = print_tables(out, key, v);
		if (rc)
			return rc;
	}
	return 0;
}

static int print_probe(FILE *out, const char *name, const json_t *pj)
{
	json_t *el = json_object_get(pj, "probe_elapsed_ns"),
	       *cpu = json_object_get(pj, "probe_cpu_ns"), *why = json_object_get(pj, "why"),
	       *caveat = json_object_get(pj, "caveat");
	char a[64] = "", b[64] = "";
	size_t col = 0;
	int rc;

	if (el)
		fmt_scalar("x_ns", el, a, sizeof(a));
	if (cpu)
		fmt_scalar("x_ns", cpu, b, sizeof(b));
	fprintf(out, "\n%s: %s", name, json_string_value(json_object_get(pj, "status")));
	if (el)
		fprintf(out, " in %s, CPU %s", a, b);
	fputc('\n', out);
	if (why)
		fprintf(out, "  why: %s\n", json_string_value(why));
	if (caveat)
		fprintf(out, "  caveat: %s\n", json_string_value(caveat));
	/* scalars and objects first, as wrapped figures; tables after */
	print_figures(out, &col, "", pj);
	if (col)
		fputc('\n', out);
	if ((rc = print_tables(out, "", pj)) != 0)
		return rc;
	return ferror(out) ? -EIO : 0;
}

int cjd_inspect_print(const struct cjd_inspect_result *res, FILE *out)
{
	const struct cjd_target *t = res->target;
	json_t *root = NULL, *s;
	size_t i;
	int rc;

	if ((rc = cjd_inspect_to_json(res, &root)) != 0)
		return rc;
	if (t->path[0])
		fprintf(out, "target: cgroup %s (v%d", t->path, t->version);
	else
		fprintf(out, "target: process %d (cgroup %s", (int)t->pid,
			t->pid_cgroup[0] ? t->pid_cgroup : "unknown");
	fprintf(out, "): %zu process%s, %zu thread%s\n", t->npids, t->npids == 1 ? "" : "es",
		t->ntids, t->ntids == 1 ? "" : "s");
	fputs("\nsummary:\n", out);
	json_array_foreach(json_object_get(root, "summary"), i, s)
		fprintf(out, "  - %s\n", json_string_value(s));
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		const char *name = cjd_inspect_probe_name((enum cjd_inspect_probe)p);
		json_t *pj = json_object_get(root, name);
		if (pj && (rc = print_probe(out, name, pj)) != 0)
			break;
	}
	json_decref(root);
	if (!rc && ferror(out))
		rc = -EIO;
	return rc;
}
