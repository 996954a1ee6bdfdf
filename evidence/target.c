/* Enumerates the processes and threads of a cgroup directory (v1 or v2) or of one process. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/evidence/target.h"
#include "internal.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MAX_DEPTH 64 /* cgroup trees are shallow; a deeper one is a loop or a mistake */

struct idset {
	pid_t *v;
	size_t n, cap;
};

static int idset_add(struct idset *s, pid_t id)
{
	if (cjd_array_reserve(s->v, s->cap, s->n + 1))
		return -ENOMEM;
	s->v[s->n++] = id;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Sorts and drops duplicates (a thread is listed once per cgroup, but be safe). */
static void idset_finish(struct idset *s)
{
	size_t out = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_pid);
	for (size_t i = 0; i < s->n; i++)
		if (!out || s->v[out - 1] != s->v[i])
			s->v[out++] = s->v[i];
	s->n = out;
}

int cjd_ev_parse_id(const char *s, pid_t *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

/* Reads one id per line from path into s. -ENOENT when the file is missing. */
static int read_ids(const char *path, struct idset *s, struct cjd_error *err)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = 0;

	if (!fp)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot read: %s", strerror(errno));
	while ((n = getline(&line, &cap, fp)) > 0) {
		pid_t id;

		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (cjd_ev_parse_id(line, &id) != 0) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, 0,
					   "'%.40s' is not a process or thread id", line);
			goto out;
		}
		if ((rc = idset_add(s, id)) != 0) {
			cjd_error_set(err, rc, path, 0, 0, "out of memory");
			goto out;
		}
	}
	if (ferror(fp))
		rc = cjd_error_set(err, -EIO, path, 0, 0, "read error");
out:
	free(line);
	fclose(fp);
	return rc;
}

static bool exists(const char *dir, const char *name)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

struct walk {
	struct idset pids, tids;
	const char *threads_file; /* "cgroup.threads" or "tasks" */
	size_t ncgroups;
	struct cjd_error *err;
};

static int visit(struct walk *w, const char *dir, int depth, bool top)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	int rc;

	if (depth > MAX_DEPTH)
		return cjd_error_set(w->err, -ELOOP, dir, 0, 0,
				     "cgroup tree deeper than %d levels", MAX_DEPTH);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	rc = read_ids(path, &w->pids, w->err);
	if (rc == -ENOENT && !top)
		return 0; /* a descendant removed while we walk: it holds nothing now */
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, w->threads_file);
	rc = read_ids(path, &w->tids, w->err);
	if (rc == -ENOENT && !top)
		return 0;
	if (rc)
		return rc;
	w->ncgroups++;
	if (depth < 0)
		return 0; /* not recursive */
	d = opendir(dir);
	if (!d)
		return top || errno != ENOENT
			       ? cjd_error_set(w->err, -errno, dir, 0, 0, "cannot list: %s",
					       strerror(errno))
			       : 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path)) {
			rc = cjd_error_set(w->err, -ENAMETOOLONG, dir, 0, 0, "path too long: %s",
					   e->d_name);
			break;
		}
		if (e->d_type == DT_UNKNOWN && (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
			continue;
		if ((rc = visit(w, path, depth + 1, false)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

void cjd_target_free(struct cjd_target *t)
{
	if (!t)
		return;
	free(t->pids);
	free(t->tids);
	memset(t, 0, sizeof(*t));
}

int cjd_target_from_cgroup(struct cjd_target *t, const char *dir, bool recursive,
			   struct cjd_error *err)
{
	struct walk w = {.err = err};
	struct stat st;
	int rc;

	memset(t, 0, sizeof(*t));
	if (stat(dir, &st) != 0)
		return cjd_error_set(err, -errno, dir, 0, 0, "%s",
				     errno == ENOENT ? "no such cgroup" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cjd_error_set(err, -ENOTDIR, dir, 0, 0, "not a directory");
	if (exists(dir, "cgroup.threads")) {
		t->version = 2;
		w.threads_file = "cgroup.threads";
	} else if (exists(dir, "tasks")) {
		t->version = 1;
		w.threads_file = "tasks";
	} else {
		return cjd_error_set(err, -ENOTDIR, dir, 0, 0,
				     "not a cgroup directory (neither cgroup.threads nor tasks)");
	}
	if ((size_t)snprintf(t->path, sizeof(t->path), "%s", dir) >= sizeof(t->path))
		return cjd_error_set(err, -ENAMETOOLONG, dir, 0, 0, "path too long");
	rc = visit(&w, dir, recursive ? 0 : -1, true);
	if (rc) {
		free(w.pids.v);
		free(w.tids.v);
		memset(t, 0, sizeof(*t));
		return rc;
	}
	idset_finish(&w.pids);
	idset_finish(&w.tids);
	t->pids = w.pids.v;
	t->npids = w.pids.n;
	t->tids = w.tids.v;
	t->ntids = w.tids.n;
	t->ncgroups = w.ncgroups;
	return 0;
}

int cjd_target_list_tids(pid_t pid, const char *proc, pid_t **tids)
{
	struct idset s = {0};
	char path[256];
	struct dirent *e;
	DIR *d;

	*tids = NULL;
	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "task");
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d))) {
		pid_t id;
		if (cjd_ev_parse_id(e->d_name, &id) != 0)
			continue;
		if (idset_add(&s, id) != 0) {
			closedir(d);
			free(s.v);
			return -ENOMEM;
		}
	}
	closedir(d);
	idset_finish(&s);
	*tids = s.v;
	return (int)s.n;
}

int cjd_target_cgroup_of(pid_t pid, const char *proc, const char *controller, char *rel,
			 size_t len)
{
	char path[256], *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;
	FILE *fp;

	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "cgroup");
	fp = fopen(path, "re");
	if (!fp)
		return errno == ENOENT ? -ESRCH : -errno;
	while (rc == -ENOENT && getline(&line, &cap, fp) > 0) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *nl;
		bool match = false;

		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		if ((nl = strchr(c2 + 1, '\n')))
			*nl = '\0';
		if (!controller) {
			match = !strcmp(line, "0") && c1[1] == '\0';
		} else {
			char *save = NULL;
			for (char *tok = strtok_r(c1 + 1, ",", &save); tok && !match;
			     tok = strtok_r(NULL, ",", &save))
				match = !strcmp(tok, controller);
		}
		if (match)
			rc = (size_t)snprintf(rel, len, "%s", c2 + 1) < len ? 0 : -ENAMETOOLONG;
	}
	free(line);
	fclose(fp);
	return rc;
}

int cjd_target_from_pid(struct cjd_target *t, pid_t pid, const char *proc, const char *v2_root,
			struct cjd_error *err)
{
	char rel[4096];
	long tgid = 0;
	int rc, n;

	memset(t, 0, sizeof(*t));
	if (pid <= 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "%d is not a process id", (int)pid);
	rc = cjd_ev_status_field(pid, 0, proc, "Tgid", &tgid);
	if (rc == -ESRCH)
		return cjd_error_set(err, -ESRCH, NULL, 0, 0, "process %d does not exist", (int)pid);
	if (rc)
		return cjd_error_set(err, rc, NULL, 0, 0, "process %d: cannot read its status: %s",
				     (int)pid, strerror(-rc));
	t->pid = (pid_t)tgid;
	t->pids = malloc(sizeof(*t->pids));
	if (!t->pids)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	t->pids[0] = t->pid;
	t->npids = 1;
	n = cjd_target_list_tids(t->pid, proc, &t->tids);
	if (n < 0) {
		cjd_target_free(t);
		return cjd_error_set(err, n, NULL, 0, 0, "process %d %s", (int)pid,
				     n == -ESRCH ? "exited" : strerror(-n));
	}
	t->ntids = (size_t)n;
	if (v2_root && cjd_target_cgroup_of(t->pid, proc, NULL, rel, sizeof(rel)) == 0) {
		struct stat st;
		char dir[sizeof(t->pid_cgroup)];
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s", v2_root, strcmp(rel, "/") ? rel : "") <
			    sizeof(dir) &&
		    stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			memcpy(t->pid_cgroup, dir, sizeof(dir));
	}
	return 0;
}

static bool on_cgroupfs(const char *dir)
{
	struct statfs sf;
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && statfs(dir, &sf) == 0 &&
	       (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

int cjd_target_resolve(const char *arg, const char *root, char *dir, size_t len,
		       struct cjd_error *err)
{
	const char *rel = arg;
	struct stat st;

	if (!arg || !*arg)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "empty cgroup name");
	if (arg[0] == '/' && on_cgroupfs(arg)) {
		if ((size_t)snprintf(dir, len, "%s", arg) >= len)
			return cjd_error_set(err, -ENAMETOOLONG, arg, 0, 0, "path too long");
		return 0;
	}
	if (!root || !*root)
		return cjd_error_set(err, -ENOENT, arg, 0, 0,
				     "no such cgroup directory, and no cgroup root to look in");
	while (*rel == '/')
		rel++;
	if ((size_t)snprintf(dir, len, "%s%s%s", root, *rel ? "/" : "", rel) >= len)
		return cjd_error_set(err, -ENAMETOOLONG, arg, 0, 0, "path too long");
	/* trailing slashes make no difference to the kernel, but do in messages */
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	if (stat(dir, &st) != 0)
		return cjd_error_set(err, -ENOENT, NULL, 0, 0,
				     "cgroup '%s' does not exist (no directory %s)", arg, dir);
	if (!S_ISDIR(st.st_mode))
		return cjd_error_set(err, -ENOTDIR, NULL, 0, 0, "cgroup '%s': %s is not a directory",
				     arg, dir);
	return 0;
}
