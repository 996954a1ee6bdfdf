/* The journal reader: walks rotated files oldest first, finds the alerts after an event id. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/journal_read.h"

/* Highest N such that path.N exists, looking no further than a gap of one. */
static unsigned rotated_count(const char *path)
{
	char name[4200];
	struct stat st;
	unsigned n = 0;

	for (unsigned k = 1; k < 100000; k++) {
		snprintf(name, sizeof(name), "%s.%u", path, k);
		if (stat(name, &st) == 0) {
			n = k;
			continue;
		}
		/* a rotation renames .N-1 to .N one by one: killed in the middle, it leaves
		 * one name missing, and the older files beyond it still hold alerts */
		snprintf(name, sizeof(name), "%s.%u", path, k + 1);
		if (stat(name, &st) < 0)
			break;
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

/* What the walker hands on for each line: the public callback plus the parsed document. */
struct walk {
	cjd_journal_line_cb cb;
	void *ctx;
	/* optional: sees the parsed line first; returns 1 to pass it to cb, 0 to skip it,
	 * or a negative errno to stop */
	int (*filter)(const char *file, uint64_t line, json_t *doc, const char *id, void *ctx);
	void *filter_ctx;
};

static int walk_file(const char *file, bool live, const struct walk *wk, struct cjd_error *err)
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
		int pass = wk->filter ? wk->filter(file, lineno, doc, id, wk->filter_ctx) : 1;
		json_decref(doc);
		if (pass < 0) {
			rc = pass;
			break;
		}
		if (pass && (rc = wk->cb(file, lineno, line, (size_t)n, id, wk->ctx)))
			break;
	}
	if (!rc && ferror(f))
		rc = cjd_error_set(err, -EIO, file, (int)lineno, 0, "read error");
	free(line);
	fclose(f);
	return rc;
}

static int walk(const char *path, const struct walk *wk, struct cjd_error *err)
{
	char name[4200];
	struct stat st;
	unsigned n = rotated_count(path);
	int rc;

	if (n == 0 && stat(path, &st) < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "no journal here: %s", strerror(errno));
	for (unsigned k = n; k >= 1; k--) {
		snprintf(name, sizeof(name), "%s.%u", path, k);
		rc = walk_file(name, false, wk, err);
		if (rc)
			return rc;
	}
	if (stat(path, &st) < 0)
		return 0; /* only rotated files (the live one is being recreated) */
	return walk_file(path, true, wk, err);
}

int cjd_journal_walk(const char *path, cjd_journal_line_cb cb, void *ctx, struct cjd_error *err)
{
	struct walk wk = {.cb = cb, .ctx = ctx};

	return walk(path, &wk, err);
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

/* ---- --since: all, an event id, a duration back from now, or an RFC 3339 time ---- */

int cjd_since_parse(const char *text, uint64_t now_real_ns, struct cjd_since *out, char *why,
		    size_t whylen)
{
	size_t n = strlen(text);
	uint64_t ns;

	memset(out, 0, sizeof(*out));
	if (strcmp(text, "all") == 0) {
		out->kind = CJD_SINCE_ALL;
		return 0;
	}
	if (cjd_event_id_valid(text)) {
		out->kind = CJD_SINCE_ID;
		snprintf(out->id, sizeof(out->id), "%s", text);
		return 0;
	}
	if (text[0] >= '0' && text[0] <= '9' && !strchr(text, '-') && !strchr(text, ':')) {
		/* a duration; days are spelt here too ("2d"), a bare number is refused */
		char num[32];
		int rc;
		if (text[strspn(text, "0123456789.")] == '\0') {
			snprintf(why, whylen, "'%s' needs a unit: %ss, %sm, %sh or %sd", text, text,
				 text, text, text);
			return -EINVAL;
		}
		if (text[n - 1] == 'd' && n < sizeof(num)) {
			snprintf(num, sizeof(num), "%.*sh", (int)(n - 1), text);
			rc = cjd_duration_parse(num, &ns);
			if (!rc && ns > UINT64_MAX / 24)
				rc = -ERANGE;
			ns *= 24;
		} else {
			rc = cjd_duration_parse(text, &ns);
		}
		if (rc) {
			snprintf(why, whylen,
				 rc == -ERANGE ? "'%s' is too long ago"
					       : "'%s' is not a duration such as 90s, 30m, 1h or 2d",
				 text);
			return -EINVAL;
		}
		out->kind = CJD_SINCE_TIME;
		out->real_ns = ns >= now_real_ns ? 0 : now_real_ns - ns;
		return 0;
	}
	int rc = cjd_rfc3339_parse(text, &ns);
	if (rc == 0) {
		out->kind = CJD_SINCE_TIME;
		out->real_ns = ns;
		return 0;
	}
	if (rc == -ERANGE)
		snprintf(why, whylen, "'%s' is before 1970", text);
	else if (n >= 19 && (text[10] == 'T' || text[10] == 't' || text[10] == ' ') &&
		 !strpbrk(text + 19, "Zz+-"))
		snprintf(why, whylen, "'%s' has no time zone: add Z (UTC) or an offset such as +01:00",
			 text);
	else if (n >= 5 && strspn(text, "0123456789") == 4 && text[4] == '-')
		snprintf(why, whylen,
			 "'%s' is not a valid RFC 3339 date or time (such as 2026-12-03 or "
			 "2026-12-03T10:00:00Z)",
			 text);
	else
		snprintf(why, whylen,
			 "'%s' is not 'all', an event id (0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b), a "
			 "duration (90s, 30m, 1h, 2d) or an RFC 3339 time (2026-12-03T10:00:00Z)",
			 text);
	return -EINVAL;
}

struct at_time {
	uint64_t since_ns;
	uint64_t skipped; /* alerts without a readable @timestamp */
};

/* Alerts (lines with an event.id) whose @timestamp is at or after the time. */
static int time_filter(const char *file, uint64_t line, json_t *doc, const char *id, void *ctx)
{
	struct at_time *t = ctx;
	const char *ts = json_string_value(json_object_get(doc, "@timestamp"));
	uint64_t ns;

	if (!id[0])
		return 0;
	if (!ts || cjd_rfc3339_parse(ts, &ns)) {
		cjd_warn("%s:%llu: alert %s has no readable @timestamp; not printed for a --since "
			 "time (use --since all or an event id)",
			 file, (unsigned long long)line, id);
		t->skipped++;
		return 0;
	}
	return ns >= t->since_ns;
}

static int alerts_only(const char *file, uint64_t line, json_t *doc, const char *id, void *ctx)
{
	(void)file, (void)line, (void)doc, (void)ctx;
	return id[0] != '\0';
}

int cjd_journal_after(const char *path, const struct cjd_since *since, cjd_journal_line_cb cb,
		      void *ctx, bool *found, struct cjd_error *err)
{
	*found = true;
	switch (since->kind) {
	case CJD_SINCE_ID:
		return cjd_journal_since(path, since->id, cb, ctx, found, err);
	case CJD_SINCE_ALL: {
		struct walk wk = {.cb = cb, .ctx = ctx, .filter = alerts_only};
		return walk(path, &wk, err);
	}
	case CJD_SINCE_TIME: {
		struct at_time t = {.since_ns = since->real_ns};
		struct walk wk = {.cb = cb, .ctx = ctx, .filter = time_filter, .filter_ctx = &t};
		return walk(path, &wk, err);
	}
	}
	return -EINVAL;
}
