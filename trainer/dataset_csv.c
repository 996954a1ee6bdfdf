/* Dataset CSV input and output, for tests and for looking at features with other tools. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/dataset_csv.h"

static const char *const fixed[] = {"group", "run", "order", "miner"};
#define N_FIXED 4

/* Splits line in place at commas; fields[i] and col[i] (1-based column). Returns the count. */
static size_t split(char *line, char **fields, int *col, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		if (n < max) {
			fields[n] = p;
			col[n] = (int)(p - line) + 1;
		}
		n++;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* The header's fixed fields: group,run,order,miner, then at least one feature. Returns 0 or -EINVAL. */
static int check_header(const char *path, char **fields, const int *col, size_t nf,
			struct cjd_error *err)
{
	if (nf <= N_FIXED)
		return cjd_error_set(err, -EINVAL, path, 1, 0,
				     "the header needs group,run,order,miner and at least one feature");
	for (size_t i = 0; i < N_FIXED; i++)
		if (strcmp(fields[i], fixed[i]))
			return cjd_error_set(err, -EINVAL, path, 1, col[i],
					     "header field %zu is \"%s\", expected \"%s\"", i + 1,
					     fields[i], fixed[i]);
	return 0;
}

/* A data row's fields (nf of them, split) checked and appended to ds; x has room for the
 * features. Returns 0 or a negative errno with err naming path, lineno and the column. */
static int load_row(struct cjd_dataset *ds, const char *path, int lineno, char **fields,
		    const int *col, float *x, struct cjd_error *err)
{
	size_t d = cjd_dataset_features(ds);
	uint64_t order;
	char *end;
	int rc;

	if (cjd_parse_u64(fields[2], &order))
		return cjd_error_set(err, -EINVAL, path, lineno, col[2],
				     "order \"%s\" is not an unsigned integer", fields[2]);
	if (strcmp(fields[3], "0") && strcmp(fields[3], "1"))
		return cjd_error_set(err, -EINVAL, path, lineno, col[3],
				     "miner is \"%s\", expected 0 or 1", fields[3]);
	for (size_t j = 0; j < d; j++) {
		const char *s = fields[N_FIXED + j];
		errno = 0;
		x[j] = strtof(s, &end);
		if (!s[0] || *end || errno == ERANGE || !isfinite(x[j]))
			return cjd_error_set(err, -EINVAL, path, lineno, col[N_FIXED + j],
					     "feature %s: \"%s\" is not a finite float",
					     cjd_dataset_feature_name(ds, j), s);
	}
	rc = cjd_dataset_append(ds, fields[0], fields[1], order, fields[3][0] == '1', x, err);
	if (rc && err) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		err->line = lineno;
	}
	return rc;
}

int cjd_dataset_load_csv(struct cjd_dataset **out, const char *path, struct cjd_error *err)
{
	struct cjd_dataset *ds = NULL;
	char *line = NULL, **fields = NULL;
	int *col = NULL;
	size_t cap = 0, nf = 0, d;
	float *x = NULL;
	int lineno = 0, rc;
	FILE *f = fopen(path, "re");

	if (!f)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	if (getline(&line, &cap, f) < 0) {
		rc = cjd_error_set(err, -EINVAL, path, 1, 0, "empty file (expected a header line)");
		goto out;
	}
	lineno = 1;
	chomp(line);
	nf = 1;
	for (const char *c = line; (c = strchr(c, ',')); c++)
		nf++;
	fields = calloc(nf, sizeof(*fields));
	col = calloc(nf, sizeof(*col));
	if (!fields || !col) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out;
	}
	split(line, fields, col, nf);
	if ((rc = check_header(path, fields, col, nf, err)))
		goto out;
	d = nf - N_FIXED;
	rc = cjd_dataset_new(&ds, d, (const char *const *)fields + N_FIXED, err);
	if (rc) {
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", path);
			err->line = 1;
		}
		goto out;
	}
	x = calloc(d, sizeof(*x));
	if (!x) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		chomp(line);
		if (!line[0])
			continue;
		size_t n = split(line, fields, col, nf);
		if (n != nf) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, 0,
					   "%zu fields, the header has %zu", n, nf);
			goto out;
		}
		if ((rc = load_row(ds, path, lineno, fields, col, x, err)))
			goto out;
	}
	if (ferror(f)) {
		rc = cjd_error_set(err, -EIO, path, lineno, 0, "read error");
		goto out;
	}
	*out = ds;
	ds = NULL;
	rc = 0;
out:
	cjd_dataset_free(ds);
	free(x);
	free(fields);
	free(col);
	free(line);
	fclose(f);
	return rc;
}

static bool plain(const char *s)
{
	return !strpbrk(s, ",\r\n");
}

int cjd_dataset_write_csv(const struct cjd_dataset *ds, FILE *f)
{
	size_t d = cjd_dataset_features(ds);
	char num[32];

	for (size_t j = 0; j < d; j++)
		if (!plain(cjd_dataset_feature_name(ds, j)))
			return -EINVAL;
	for (size_t g = 0; g < cjd_dataset_groups(ds); g++)
		if (!plain(cjd_dataset_group_name(ds, (uint32_t)g)))
			return -EINVAL;
	for (size_t r = 0; r < cjd_dataset_runs(ds); r++)
		if (!plain(cjd_dataset_run_name(ds, (uint32_t)r)))
			return -EINVAL;
	fputs("group,run,order,miner", f);
	for (size_t j = 0; j < d; j++)
		fprintf(f, ",%s", cjd_dataset_feature_name(ds, j));
	fputc('\n', f);
	for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
		const float *x = cjd_dataset_row(ds, i);
		fprintf(f, "%s,%s,%llu,%d", cjd_dataset_group_name(ds, cjd_dataset_group(ds, i)),
			cjd_dataset_run_name(ds, cjd_dataset_run(ds, i)),
			(unsigned long long)cjd_dataset_order(ds, i), cjd_dataset_miner(ds, i));
		for (size_t j = 0; j < d; j++) {
			cjd_fmt_float(num, sizeof(num), x[j]); /* finite: append checked */
			fprintf(f, ",%s", num);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
