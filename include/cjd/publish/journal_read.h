/* The alert journal's reader: walks rotated files oldest first, finds the alerts after an event id. */
#ifndef CJD_PUBLISH_JOURNAL_READ_H
#define CJD_PUBLISH_JOURNAL_READ_H

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

#endif
