/* The journal writer: one write(2) per alert line, fsync at least once a second, size rotation. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/publish/journal.h"

struct cjd_journal {
	char *path;
	char *dir;
	int fd;
	int dirfd;
	uint64_t size;      /* bytes in the live file: where a failed write is truncated back to */
	uint64_t max_bytes;
	unsigned keep;
	bool dirty;         /* written since the last fsync */
	uint64_t last_sync_ns;
	bool failing;
	uint64_t errors;
	char last_error[256];
};

/* Creates every missing directory of dir (like mkdir -p). */
static int mkdirs(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return n ? -ENAMETOOLONG : 0;
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
	}
	return 0;
}

static int open_live(struct cjd_journal *j)
{
	struct stat st;

	/* O_RDWR, not O_WRONLY: opening checks the last byte (terminate_partial_line) */
	j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (j->fd < 0)
		return -errno;
	/* LOCK_NB: a second agent on the same journal is a configuration error, not a wait */
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(j->fd);
		j->fd = -1;
		return e;
	}
	if (fstat(j->fd, &st) < 0)
		return -errno;
	j->size = (uint64_t)st.st_size;
	return 0;
}

/* A crash can leave a last line without its newline (the file system lost the
 * tail of a write): end it, so the reader reports that one line and the next
 * alert starts on a line of its own. */
static void terminate_partial_line(struct cjd_journal *j)
{
	char c;

	if (j->size == 0 || pread(j->fd, &c, 1, (off_t)j->size - 1) != 1 || c == '\n')
		return;
	cjd_warn("journal %s: the last line is incomplete (a crash?); it is kept and ended", j->path);
	if (write(j->fd, "\n", 1) == 1)
		j->size++;
}

int cjd_journal_open(struct cjd_journal **out, const struct cjd_journal_config *cfg,
		     struct cjd_error *err)
{
	struct cjd_journal *j;
	char *tmp;
	int rc;

	*out = NULL;
	if (!cfg->path || !cfg->path[0])
		return cjd_error_set(err, -EINVAL, "", 0, 0, "journal: empty path");
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fd = j->dirfd = -1;
	j->max_bytes = cfg->max_bytes ? cfg->max_bytes : CJD_JOURNAL_DEFAULT_MAX_BYTES;
	j->keep = cfg->keep ? cfg->keep : CJD_JOURNAL_DEFAULT_KEEP;
	j->path = strdup(cfg->path);
	tmp = strdup(cfg->path);
	if (!j->path || !tmp) {
		free(tmp);
		rc = -ENOMEM;
		goto out_free;
	}
	j->dir = strdup(dirname(tmp));
	free(tmp);
	if (!j->dir) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = mkdirs(j->dir);
	if (rc) {
		cjd_error_set(err, rc, j->dir, 0, 0, "journal directory cannot be created: %s",
			      strerror(-rc));
		goto out_free;
	}
	/* Rotation renames files in the directory, so it must be writable, not just the file. */
	if (access(j->dir, W_OK) < 0) {
		rc = -errno;
		cjd_error_set(err, rc, j->dir, 0, 0, "journal directory is not writable: %s",
			      strerror(-rc));
		goto out_free;
	}
	j->dirfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		rc = -errno;
		cjd_error_set(err, rc, j->dir, 0, 0, "journal directory cannot be opened: %s",
			      strerror(-rc));
		goto out_free;
	}
	rc = open_live(j);
	if (rc) {
		cjd_error_set(err, rc, j->path, 0, 0, "journal cannot be opened for appending: %s",
			      rc == -EBUSY ? "another process holds it (a second cjd?)"
					   : strerror(-rc));
		goto out_free;
	}
	terminate_partial_line(j);
	j->last_sync_ns = cjd_now_mono_ns();
	*out = j;
	return 0;

out_free:
	cjd_journal_free(j);
	return rc;
}

void cjd_journal_free(struct cjd_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0) {
		cjd_journal_sync(j);
		close(j->fd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->path);
	free(j->dir);
	free(j);
}

static void fail(struct cjd_journal *j, int e, const char *what)
{
	j->failing = true;
	j->errors++;
	snprintf(j->last_error, sizeof(j->last_error), "%s %s: %s", what, j->path, strerror(e));
	cjd_err("journal: %s (alerts are still published; %llu journal failures so far)",
		j->last_error, (unsigned long long)j->errors);
}

static int rotate(struct cjd_journal *j)
{
	char from[4200], to[4200];

	/* what is in the file now must survive the renames */
	if (fsync(j->fd) < 0)
		return -errno;
	for (unsigned k = j->keep; k >= 1; k--) {
		snprintf(to, sizeof(to), "%s.%u", j->path, k);
		if (k == 1)
			snprintf(from, sizeof(from), "%s", j->path);
		else
			snprintf(from, sizeof(from), "%s.%u", j->path, k - 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	close(j->fd);
	j->fd = -1;
	int rc = open_live(j);
	if (rc)
		return rc;
	fsync(j->dirfd); /* make the new names durable */
	j->dirty = false;
	cjd_info("journal: rotated %s (keeping %u old files)", j->path, j->keep);
	return 0;
}

/*
 * Writes json and a newline: one writev(2) normally. After a short write the
 * rest is written again, which either completes the line (an interruption)
 * or fails with the real reason (ENOSPC, EFBIG). Returns 0 or -errno, with
 * *partial set when part of the line reached the file.
 */
static int write_line(int fd, const char *json, size_t len, bool *partial)
{
	struct iovec iov[2] = {{(void *)json, len}, {"\n", 1}};
	size_t total = len + 1, done = 0;
	ssize_t w;

	while (done < total) {
		if (done == 0)
			w = writev(fd, iov, 2);
		else if (done < len)
			w = write(fd, json + done, len - done);
		else
			w = write(fd, "\n", 1);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*partial = done > 0;
			return w < 0 ? -errno : -ENOSPC;
		}
		done += (size_t)w;
	}
	*partial = false;
	return 0;
}

int cjd_journal_append(struct cjd_journal *j, const char *json, size_t len)
{
	bool partial;
	int rc;

	if (j->fd < 0) {
		/* a failed rotation left no file: try to reopen before giving up */
		rc = open_live(j);
		if (rc) {
			fail(j, -rc, "reopen");
			return rc;
		}
	}
	if (j->size > 0 && j->size + len + 1 > j->max_bytes) {
		rc = rotate(j);
		if (rc) {
			fail(j, -rc, "rotate");
			if (j->fd < 0)
				return rc;
			/* keep appending to the oversized file rather than lose the alert */
		}
	}
	rc = write_line(j->fd, json, len, &partial);
	if (rc == 0) {
		j->size += len + 1;
		j->dirty = true;
		if (j->failing)
			cjd_info("journal: writing to %s works again", j->path);
		j->failing = false;
		return 0;
	}
	/* never leave half a line: cut the file back to the last complete one */
	if (partial && ftruncate(j->fd, (off_t)j->size) < 0)
		cjd_err("journal: cannot remove a partial line from %s: %s", j->path,
			strerror(errno));
	fail(j, -rc, "write to");
	return rc;
}

int cjd_journal_sync(struct cjd_journal *j)
{
	if (!j->dirty || j->fd < 0)
		return 0;
	j->last_sync_ns = cjd_now_mono_ns();
	if (fdatasync(j->fd) < 0) {
		int e = errno;
		fail(j, e, "fsync");
		return -e;
	}
	j->dirty = false;
	return 0;
}

int cjd_journal_tick(struct cjd_journal *j, uint64_t now_mono_ns)
{
	if (!j->dirty || now_mono_ns - j->last_sync_ns < CJD_JOURNAL_SYNC_NS)
		return 0;
	return cjd_journal_sync(j);
}

bool cjd_journal_failing(const struct cjd_journal *j)
{
	return j->failing;
}

const char *cjd_journal_last_error(const struct cjd_journal *j)
{
	return j->errors ? j->last_error : NULL;
}

uint64_t cjd_journal_errors(const struct cjd_journal *j)
{
	return j->errors;
}

const char *cjd_journal_path(const struct cjd_journal *j)
{
	return j->path;
}
