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
		snprintf(buf, len, "%g", json_real_value(v));
	} else if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
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

/* Prints an array of objects as a table: one column per key, in order of first use. */
static int print_table(FILE *out, const char *name, const json_t *rows)
{
	const char *cols[64];
	size_t width[64], ncols = 0, i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)row, k, v) {
			size_t c;
			char cell[CELL_MAX * 4];
			for (c = 0; c < ncols && strcmp(cols[c], k); c++)
				;
			if (c == ncols) {
				if (ncols == 64)
					continue;
				cols[ncols] = k;
				width[ncols++] = strlen(k);
			}
			fmt_scalar(k, v, cell, sizeof(cell));
			size_t w = strlen(cell) > CELL_MAX ? CELL_MAX : strlen(cell);
			if (w > width[c])
				width[c] = w;
		}
	}
	fprintf(out, "  %s:\n   ", name);
	for (size_t c = 0; c < ncols; c++)
		fprintf(out, " %-*s", c + 1 < ncols ? (int)width[c] : 0, cols[c]);
	fputc('\n', out);
	json_array_foreach(rows, i, row) {
		fputs("   ", out);
		for (size_t c = 0; c < ncols; c++) {
			char cell[CELL_MAX * 4];
			json_t *v = json_object_get(row, cols[c]);
			if (v)
				fmt_scalar(cols[c], v, cell, sizeof(cell));
			else
				snprintf(cell, sizeof(cell), "-");
			if (strlen(cell) > CELL_MAX)
				memcpy(cell + CELL_MAX - 3, "...", 4);
			fprintf(out, " %-*s", c + 1 < ncols ? (int)width[c] : 0, cell);
		}
		fputc('\n', out);
	}
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

static int print_probe(FILE *out, const char *name, const json_t *pj)
{
	const char *k;
	json_t *v, *el = json_object_get(pj, "probe_elapsed_ns"),
		   *cpu = json_object_get(pj, "probe_cpu_ns"), *why = json_object_get(pj, "why"),
		   *caveat = json_object_get(pj, "caveat");
	char a[64] = "", b[64] = "";
	size_t col = 0;

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
	/* scalars and small objects first, as wrapped figures; tables after */
	json_object_foreach((json_t *)pj, k, v) {
		char val[512];
		if (!strcmp(k, "status") || !strcmp(k, "why") || !strcmp(k, "caveat") ||
		    !strcmp(k, "probe_elapsed_ns") || !strcmp(k, "probe_cpu_ns") || is_table(v))
			continue;
		if (json_is_object(v)) {
			const char *k2;
			json_t *v2;
			json_object_foreach(v, k2, v2) {
				char key[128];
				snprintf(key, sizeof(key), "%s.%s", k, k2);
				fmt_scalar(k2, v2, val, sizeof(val));
				figure(out, &col, key, val);
			}
			continue;
		}
		fmt_scalar(k, v, val, sizeof(val));
		figure(out, &col, k, val);
	}
	if (col)
		fputc('\n', out);
	json_object_foreach((json_t *)pj, k, v) if (is_table(v) && print_table(out, k, v))
		return -EIO;
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
