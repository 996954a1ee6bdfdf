/* The alert journal's reader: walks rotated files oldest first, finds the alerts after an event id. */
#ifndef CJD_PUBLISH_JOURNAL_READ_H
#define CJD_PUBLISH_JOURNAL_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * Called for each complete line, oldest first. `id` is the line's event.id
 * ("" when the line is not an alert). Returning non-zero stops the walk and
 * becomes the walk's return value.
 */
typedef int (*cjd_journal_line_cb)(const char *file, uint64_t line, const char *json, size_t len,
				   const char *id, void *ctx);

/*
 * Walks path.KEEP .. path.1 then path (those that exist), in order. A line
 * that is not valid JSON is reported with cjd_warn (file:line) and skipped; an
 * unterminated last line (a write in progress) is ignored. Returns 0, the
 * callback's value, or a negative errno with err set (path missing: -ENOENT).
 */
int cjd_journal_walk(const char *path, cjd_journal_line_cb cb, void *ctx, struct cjd_error *err);

/*
 * Calls cb for every alert after the one whose event.id is since_id. When no
 * line has that id (rotated away, or another host's), every alert whose id
 * sorts after since_id is passed instead (ids are time-ordered UUIDv7) and
 * *found is false. Returns like cjd_journal_walk.
 */
int cjd_journal_since(const char *path, const char *since_id, cjd_journal_line_cb cb, void *ctx,
		      bool *found, struct cjd_error *err);

/* What `cjd sub --since` names. */
enum cjd_since_kind {
	CJD_SINCE_ALL,  /* every journaled alert */
	CJD_SINCE_ID,   /* the alerts after an event id */
	CJD_SINCE_TIME, /* the alerts whose @timestamp is at or after real_ns */
};

struct cjd_since {
	enum cjd_since_kind kind;
	char id[48];      /* CJD_SINCE_ID */
	uint64_t real_ns; /* CJD_SINCE_TIME: CLOCK_REALTIME ns */
};

/*
 * Parses a --since value: "all"; an event id; a duration back from
 * now_real_ns ("90s", "30m", "1h", "2d", "1.5h"; a bare number is refused,
 * as its unit would be a guess); or an RFC 3339 time ("2026-12-03T10:00:00Z",
 * "2026-12-03T11:00:00.5+01:00", or a date for its midnight UTC). Returns 0,
 * or -EINVAL with a sentence in why saying what is wrong and what is taken.
 */
int cjd_since_parse(const char *text, uint64_t now_real_ns, struct cjd_since *out, char *why,
		    size_t whylen);

/*
 * Calls cb for every journaled alert the --since value selects, oldest
 * first: for an id as cjd_journal_since() (*found false when the id is not
 * there); for a time, the alerts whose @timestamp is at or after it (an
 * alert without a readable @timestamp is reported with cjd_warn and not
 * passed); for "all", every alert. Lines that are not alerts (no event.id)
 * are never passed. Returns like cjd_journal_walk().
 */
int cjd_journal_after(const char *path, const struct cjd_since *since, cjd_journal_line_cb cb,
		      void *ctx, bool *found, struct cjd_error *err);

#endif
