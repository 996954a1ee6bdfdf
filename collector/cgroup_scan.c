/* Walks a cgroup hierarchy and selects cgroups by glob: by default the leaves that hold processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "internal.h"

#define SCAN_MAX_DEPTH 64 /* cgroup.max.depth is unlimited by default; a bound keeps recursion safe */

struct walk {
	const struct cjd_scan_filter *f;
	struct cjd_scan_result *res;
	char path[PATH_MAX];
	int err; /* -ENOMEM stops the walk */
};

/* Reading one byte of cgroup.procs is enough to know it is not empty, and
 * costs the kernel one pid, however many the cgroup holds. */
static bool has_procs(int dirfd)
{
	char c;
	ssize_t n;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n > 0;
}

static int add(struct cjd_scan_result *res, uint64_t ino, const char *path)
{
	if (cjd_array_reserve(res->e, res->cap, res->n + 1))
		return -ENOMEM;
	res->e[res->n].path = strdup(path);
	if (!res->e[res->n].path)
		return -ENOMEM;
	res->e[res->n++].ino = ino;
	return 0;
}

static bool passes(const struct cjd_scan_filter *f, const char *path)
{
	/*
	 * The root cgroup holds the idle task, so its task-clock is the whole
	 * machine's time, busy or not: it would read as a cgroup pegging every
	 * CPU. Only an include glob that is exactly "/" selects it.
	 */
	if (path[0] == '/' && path[1] == '\0') {
		for (size_t i = 0; i < f->n_include; i++)
			if (strcmp(f->include[i], "/") == 0)
				return !cjd_glob_any(f->exclude, f->n_exclude, path);
		return false;
	}
	if (f->n_include && !cjd_glob_any(f->include, f->n_include, path))
		return false;
	return !cjd_glob_any(f->exclude, f->n_exclude, path);
}

/* Visits the directory open as fd (consumed), whose path is w->path[0..len). */
static void visit(struct walk *w, int fd, size_t len, uint64_t ino, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	bool leaf = true;

	if (!d) {
		close(fd);
		return;
	}
	w->res->dirs++;
	while (w->err == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0) {
			if (errno != ENOTDIR)
				cjd_debug("cgroup scan: %s/%s: %s (skipped)", w->path, de->d_name,
					  strerror(errno));
			continue;
		}
		leaf = false;
		size_t nlen = strlen(de->d_name);
		size_t base = len == 1 ? 0 : len; /* the root is "/" */
		if (depth >= SCAN_MAX_DEPTH || base + 1 + nlen >= sizeof(w->path)) {
			cjd_debug("cgroup scan: %s/%s: too deep or too long (skipped)", w->path,
				  de->d_name);
			close(sub);
			continue;
		}
		w->path[base] = '/';
		memcpy(w->path + base + 1, de->d_name, nlen + 1);
		visit(w, sub, base + 1 + nlen, (uint64_t)de->d_ino, depth + 1);
		w->path[len] = '\0';
	}
	if (w->err == 0 && passes(w->f, w->path) && (w->f->all || (leaf && has_procs(dirfd(d)))))
		w->err = add(w->res, ino, w->path);
	closedir(d);
}

int cjd_scan(const char *root_dir, const struct cjd_scan_filter *f, struct cjd_scan_result *res)
{
	struct walk w = {.f = f, .res = res};
	struct stat st;
	int fd;

	for (size_t i = 0; i < res->n; i++)
		free(res->e[i].path);
	res->n = 0;
	res->dirs = 0;
	fd = open(root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	strcpy(w.path, "/");
	visit(&w, fd, 1, (uint64_t)st.st_ino, 0);
	return w.err;
}

void cjd_scan_result_release(struct cjd_scan_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		free(res->e[i].path);
	free(res->e);
	memset(res, 0, sizeof(*res));
}
