/* The journal reader: walks rotated files oldest first, finds the alerts after an event id. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cjd/common/log.h"
#include "cjd/publish/journal_read.h"

/* Highest N such that path.N exists, looking no further than a gap of one. */
static unsigned rotated_count(const char *path)
{
	char name[4200];
	struct stat st;
	unsigned n = 0;

	for (unsigned k = 1; k < 100000; k++) {
		snprintf(name, sizeof(name), "%s.%u", path, k);
		if (stat(name, &st) < 0)
			break;
		n = k;
	}
	return n;
}

/* event.id of one journal line, or "" */
static void line_id(json_t *doc, char *id, size_t len)
{
	json_t *ev = json_object_get(doc, "event");
	const char *s = json_string_value(json_object_get(ev, "id"));

	snprintf(id, len, "%s", s ? s : "");
}

static int walk_file(const char *file, bool live, cjd_journal_line_cb cb, void *ctx,
		     struct cjd_error *err)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	uint64_t lineno = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		rc = -errno;
		/* rotated away between listing and opening: nothing to read there */
		if (rc == -ENOENT && !live)
			return 0;
		return cjd_error_set(err, rc, file, 0, 0, "cannot open journal: %s", strerror(-rc));
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		char id[64];

		lineno++;
		if (line[n - 1] != '\n') {
			/* the live file's last line may be a write in progress: not an error */
			if (!live)
				cjd_warn("%s:%llu: incomplete last line, skipped", file,
					 (unsigned long long)lineno);
			break;
		}
		line[--n] = '\0';
		if (n == 0)
			continue;
		json_t *doc = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
		if (!doc || !json_is_object(doc)) {
			cjd_warn("%s:%llu:%d: not a JSON object (%s), skipped", file,
				 (unsigned long long)lineno, jerr.column,
				 doc ? "wrong type" : jerr.text);
			json_decref(doc);
			continue;
		}
		line_id(doc, id, sizeof(id));
		json_decref(doc);
		rc = cb(file, lineno, line, (size_t)n, id, ctx);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = cjd_error_set(err, -EIO, file, (int)lineno, 0, "read error");
	free(line);
	fclose(f);
	return rc;
}

int cjd_journal_walk(const char *path, cjd_journal_line_cb cb, void *ctx, struct cjd_error *err)
{
	char name[4200];
	struct stat st;
	unsigned n = rotated_count(path);
	int rc;

	if (n == 0 && stat(path, &st) < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "no journal here: %s", strerror(errno));
	for (unsigned k = n; k >= 1; k--) {
		snprintf(name, sizeof(name), "%s.%u", path, k);
		rc = walk_file(name, false, cb, ctx, err);
		if (rc)
			return rc;
	}
	if (stat(path, &st) < 0)
		return 0; /* only rotated files (the live one is being recreated) */
	return walk_file(path, true, cb, ctx, err);
}

struct since {
	const char *id;
	bool found;       /* pass 1: the id is in the journal */
	bool passed;      /* pass 2: we are after it */
	cjd_journal_line_cb cb;
	void *ctx;
};

static int find_id(const char *file, uint64_t line, const char *json, size_t len, const char *id,
		   void *ctx)
{
	struct since *s = ctx;

	(void)file, (void)line, (void)json, (void)len;
	if (strcmp(id, s->id) == 0) {
		s->found = true;
		return 1;
	}
	return 0;
}

static int after_id(const char *file, uint64_t line, const char *json, size_t len, const char *id,
		    void *ctx)
{
	struct since *s = ctx;

	if (!id[0])
		return 0;
	if (s->found) {
		if (s->passed)
			return s->cb(file, line, json, len, id, s->ctx);
		s->passed = strcmp(id, s->id) == 0;
		return 0;
	}
	/* not found: UUIDv7 strings sort by creation time */
	if (strcmp(id, s->id) > 0)
		return s->cb(file, line, json, len, id, s->ctx);
	return 0;
}

int cjd_journal_since(const char *path, const char *since_id, cjd_journal_line_cb cb, void *ctx,
		      bool *found, struct cjd_error *err)
{
	struct since s = {.id = since_id, .cb = cb, .ctx = ctx};
	int rc;

	/* Two passes: whether the id is there decides what "after" means. */
	rc = cjd_journal_walk(path, find_id, &s, err);
	if (rc < 0)
		return rc;
	*found = s.found;
	rc = cjd_journal_walk(path, after_id, &s, err);
	return rc;
}
