/* Making a cgroup for `cjd record -- CMD`, moving a process into it, and killing and removing it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cjd/collector/cgroup_run.h"
#include "cjd/common/time.h"

char *cjd_cgroupfs_join(const struct cjd_cgroupfs *fs, const char *rel, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", fs->path, strcmp(rel, "/") == 0 ? "" : rel);

	return n < 0 || (size_t)n >= len ? NULL : buf;
}

/* Only one level of a relative path, and nothing that climbs out of the hierarchy. */
static bool rel_ok(const char *rel)
{
	return rel[0] == '/' && rel[1] && !strstr(rel, "/..") && !strstr(rel, "//");
}

int cjd_cgroupfs_create(const struct cjd_cgroupfs *fs, const char *rel, struct cjd_error *err)
{
	char path[4096];

	if (!rel_ok(rel) || !cjd_cgroupfs_join(fs, rel, path, sizeof(path)))
		return cjd_error_set(err, -EINVAL, rel, 0, 0, "not a cgroup path below the root");
	if (mkdir(path, 0755) != 0)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot create cgroup: %s",
				     strerror(errno));
	return 0;
}

int cjd_cgroupfs_enter_self(const char *cgroup_dir)
{
	char path[4200];
	size_t n = strlen(cgroup_dir);
	ssize_t w;
	int fd;

	/* No snprintf: this runs between fork and exec. */
	if (n + sizeof("/cgroup.procs") > sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, cgroup_dir, n);
	memcpy(path + n, "/cgroup.procs", sizeof("/cgroup.procs"));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* "0" means the writing process, in v1 and v2 alike. */
	do
		w = write(fd, "0\n", 2);
	while (w < 0 && errno == EINTR);
	int rc = w < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Reads cgroup.procs whole and sends sig (0: none) to each pid. Returns the count. */
static int each_pid(const struct cjd_cgroupfs *fs, const char *rel, int sig)
{
	char path[4200], buf[4096];
	long pid = 0;
	int fd, count = 0;
	ssize_t n;

	if (!cjd_cgroupfs_join(fs, rel, path, sizeof(path) - 16))
		return -ENAMETOOLONG;
	strcat(path, "/cgroup.procs");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Digits may straddle two reads: parse as a stream, one pid per line. */
	for (;;) {
		do
			n = read(fd, buf, sizeof(buf));
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				if (pid < (1L << 30))
					pid = pid * 10 + (buf[i] - '0');
			} else if (buf[i] == '\n' && pid > 0) {
				count++;
				if (sig)
					kill((pid_t)pid, sig);
				pid = 0;
			}
		}
	}
	int rc = n < 0 ? -errno : count;
	close(fd);
	return rc;
}

int cjd_cgroupfs_nprocs(const struct cjd_cgroupfs *fs, const char *rel)
{
	return each_pid(fs, rel, 0);
}

int cjd_cgroupfs_signal(const struct cjd_cgroupfs *fs, const char *rel, int sig)
{
	char path[4200];

	if (sig == SIGKILL && fs->version == 2 && cjd_cgroupfs_join(fs, rel, path, sizeof(path) - 16)) {
		/* cgroup.kill (Linux 5.14) also catches processes forking while we kill. */
		strcat(path, "/cgroup.kill");
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t w = write(fd, "1", 1);
			close(fd);
			if (w == 1)
				return cjd_cgroupfs_nprocs(fs, rel);
		}
	}
	return each_pid(fs, rel, sig);
}

int cjd_cgroupfs_destroy(const struct cjd_cgroupfs *fs, const char *rel, int timeout_ms,
			 struct cjd_error *err)
{
	char path[4096];
	uint64_t deadline = cjd_now_mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	int rc;

	if (!rel_ok(rel) || !cjd_cgroupfs_join(fs, rel, path, sizeof(path)))
		return cjd_error_set(err, -EINVAL, rel, 0, 0, "not a cgroup path below the root");
	for (;;) {
		rc = cjd_cgroupfs_signal(fs, rel, SIGKILL);
		if (rc == -ENOENT)
			return 0; /* already gone */
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return cjd_error_set(err, -errno, path, 0, 0, "cannot remove cgroup: %s",
					     strerror(errno));
		if (cjd_now_mono_ns() >= deadline)
			return cjd_error_set(err, -EBUSY, path, 0, 0,
					     "cgroup still holds %d process(es) after %d ms", rc,
					     timeout_ms);
		/* Killed tasks leave the cgroup when they are reaped; give them a moment. */
		poll(NULL, 0, 10);
	}
}
