/* The alert journal: a JSONL file each alert is appended to before it is published. */
#ifndef CJD_PUBLISH_JOURNAL_H
#define CJD_PUBLISH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

#define CJD_JOURNAL_DEFAULT_PATH "/var/lib/cjd/alerts.jsonl"
#define CJD_JOURNAL_DEFAULT_MAX_BYTES (64ull << 20)
#define CJD_JOURNAL_DEFAULT_KEEP 5
#define CJD_JOURNAL_SYNC_NS 1000000000ull /* fsync at least this often */

struct cjd_journal_config {
	const char *path;   /* the live file; rotated copies are path.1 (newest) .. path.KEEP */
	uint64_t max_bytes; /* rotate before a line would make the file larger; 0: default */
	unsigned keep;      /* rotated files kept; 0: default */
};

struct cjd_journal;

/*
 * Opens (creating it and its directory, mode 0750, if missing) the journal for
 * appending and takes an exclusive flock on it, so two agents never
 * interleave in one file. Fails, with err naming the path, when the directory
 * is not writable (-EACCES, -EROFS), the file cannot be opened, or another
 * process holds it (-EBUSY). A partial last line left by a crash is
 * terminated so the next line starts clean. Returns 0 or a negative errno.
 */
int cjd_journal_open(struct cjd_journal **out, const struct cjd_journal_config *cfg,
		     struct cjd_error *err);

/* Fsyncs and closes. Accepts NULL. */
void cjd_journal_free(struct cjd_journal *j);

/*
 * Appends one line (json must not contain a newline; one is added) with a
 * single write(2), rotating first when the file would exceed max_bytes. The
 * line is in the kernel when this returns (a kill -9 cannot lose it); it is
 * on disk after the next cjd_journal_sync(). On failure (ENOSPC, EFBIG, EIO)
 * the file is truncated back so it never holds a partial line, the failure is
 * logged and remembered (cjd_journal_failing), and the error is returned.
 * Not thread-safe.
 */
int cjd_journal_append(struct cjd_journal *j, const char *json, size_t len);

/* Fsyncs when something was written since the last sync. Returns 0 or -errno. */
int cjd_journal_sync(struct cjd_journal *j);

/* Calls cjd_journal_sync() when the last sync is CJD_JOURNAL_SYNC_NS old (now: CLOCK_MONOTONIC). */
int cjd_journal_tick(struct cjd_journal *j, uint64_t now_mono_ns);

/* True while the last append failed; text of the last failure (or NULL); failure count. */
bool cjd_journal_failing(const struct cjd_journal *j);
const char *cjd_journal_last_error(const struct cjd_journal *j);
uint64_t cjd_journal_errors(const struct cjd_journal *j);
const char *cjd_journal_path(const struct cjd_journal *j);

#endif
