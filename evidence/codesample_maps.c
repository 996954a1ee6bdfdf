/* /proc/PID/maps: the executable mappings of a process, each classified as its main file, a library or off-disk memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "codesample_internal.h"
#include "internal.h"
#include "textcur_internal.h"

static const char *const region_names[CJD_REGION__COUNT] = {
	[CJD_REGION_MAIN] = "main",       [CJD_REGION_LIB] = "lib",   [CJD_REGION_ANON] = "anon",
	[CJD_REGION_MEMFD] = "memfd",     [CJD_REGION_DELETED] = "deleted",
	[CJD_REGION_VDSO] = "vdso",       [CJD_REGION_UNKNOWN] = "unknown",
};

const char *cjd_region_kind_name(enum cjd_region_kind k)
{
	return (unsigned)k < CJD_REGION__COUNT ? region_names[k] : "?";
}

bool cjd_region_kind_off_disk(enum cjd_region_kind k)
{
	return k == CJD_REGION_ANON || k == CJD_REGION_MEMFD || k == CJD_REGION_DELETED;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum cjd_region_kind cjd_maps_classify(const char *path, const char *exe)
{
	if (!path[0] || path[0] == '[') {
		/* The kernel's own code pages are not the process's code. */
		if (!strcmp(path, "[vdso]") || !strcmp(path, "[vsyscall]"))
			return CJD_REGION_VDSO;
		/* "", [heap], [stack], [anon:NAME] (prctl PR_SET_VMA_ANON_NAME), [anon_shmem:NAME]. */
		return CJD_REGION_ANON;
	}
	if (!strncmp(path, "/memfd:", 7))
		return CJD_REGION_MEMFD;
	/* Deleted files, and SysV/POSIX shared memory ("/SYSV00000000 (deleted)", /dev/shm/...). */
	if (ends_with(path, " (deleted)") || !strncmp(path, "/SYSV", 5) ||
	    !strncmp(path, "/dev/shm/", 9) || !strcmp(path, "/dev/zero"))
		return CJD_REGION_DELETED;
	if (path[0] != '/')
		return CJD_REGION_ANON; /* not a path maps prints for files: treat as nameless */
	if (exe && exe[0] && !strcmp(path, exe))
		return CJD_REGION_MAIN;
	return CJD_REGION_LIB;
}

void cjd_maps_release(struct cjd_maps *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->m[i].path);
	free(m->m);
	m->m = NULL;
	m->n = 0;
}

/* Parses one maps line; *keep tells whether it is executable. */
static int parse_line(struct cjd_cur *c, struct cjd_map *m, bool *keep, const char **what)
{
	uint64_t off, dmaj, dmin, ino;
	char perms[4];

	if (cjd_cur_hex(c, 0, &m->start) || !cjd_cur_eat(c, '-')) {
		*what = "expected 'start-end' in hex";
		return -EINVAL;
	}
	if (cjd_cur_hex(c, 0, &m->end) || !cjd_cur_eat(c, ' ')) {
		*what = "expected 'start-end' in hex";
		return -EINVAL;
	}
	if (m->start >= m->end) {
		*what = "the range is empty or reversed";
		return -EINVAL;
	}
	if (c->end - c->p < 5) {
		*what = "expected permissions like 'r-xp'";
		return -EINVAL;
	}
	memcpy(perms, c->p, 4);
	if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
	    (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's') ||
	    c->p[4] != ' ') {
		*what = "expected permissions like 'r-xp'";
		return -EINVAL;
	}
	c->p += 5;
	if (cjd_cur_hex(c, 0, &off) || !cjd_cur_eat(c, ' ')) {
		*what = "expected the offset in hex";
		return -EINVAL;
	}
	if (cjd_cur_hex(c, 0, &dmaj) || !cjd_cur_eat(c, ':') || cjd_cur_hex(c, 0, &dmin) || !cjd_cur_eat(c, ' ')) {
		*what = "expected the device 'major:minor' in hex";
		return -EINVAL;
	}
	if (cjd_cur_dec(c, &ino)) {
		*what = "expected the inode number";
		return -EINVAL;
	}
	if (c->p < c->end && *c->p != ' ') {
		*what = "expected a space after the inode";
		return -EINVAL;
	}
	cjd_cur_spaces(c);
	*keep = perms[2] == 'x';
	m->path = NULL;
	if (*keep && !(m->path = strndup(c->p, (size_t)(c->end - c->p)))) {
		*what = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

int cjd_maps_parse(const char *text, size_t len, const char *exe, const char *file,
		   struct cjd_maps *out, struct cjd_error *err)
{
	const char *p = text, *end = text + len;
	size_t cap = 0;
	uint64_t prev_end = 0;
	int lineno = 0;

	cjd_maps_release(out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct cjd_cur c = {p, p, nl ? nl : end};
		struct cjd_map m;
		const char *what = NULL;
		bool keep = false;
		int rc;

		lineno++;
		p = nl ? nl + 1 : end;
		if (c.end == c.line)
			continue; /* the kernel prints none, but a trailing blank line is harmless */
		rc = parse_line(&c, &m, &keep, &what);
		if (!rc && m.start < prev_end) {
			free(m.path);
			c.p = c.line;
			rc = -EINVAL;
			what = "mappings are not in ascending order";
		}
		if (rc) {
			cjd_maps_release(out);
			return cjd_error_set(err, rc, file, lineno, cjd_cur_col(&c), "%s", what);
		}
		prev_end = m.end;
		if (!keep)
			continue;
		if (cjd_array_reserve(out->m, cap, out->n + 1)) {
			free(m.path);
			cjd_maps_release(out);
			return cjd_error_set(err, -ENOMEM, file, lineno, 0, "out of memory");
		}
		m.kind = cjd_maps_classify(m.path, exe);
		out->m[out->n++] = m;
	}
	return 0;
}

int cjd_maps_load(const char *proc, pid_t pid, struct cjd_maps *out, struct cjd_error *err)
{
	char path[PATH_MAX], exe[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int rc;

	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "exe");
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "maps");
	rc = cjd_ev_slurp(path, &text, &len);
	if (rc == -ENOENT || rc == -ESRCH)
		return cjd_error_set(err, -ESRCH, path, 0, 0, "process %d is gone", (int)pid);
	if (rc)
		return cjd_error_set(err, rc, path, 0, 0, "cannot read: %s", strerror(-rc));
	rc = cjd_maps_parse(text, len, exe, path, out, err);
	free(text);
	return rc;
}

const struct cjd_map *cjd_maps_find(const struct cjd_maps *m, uint64_t ip)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ip < m->m[mid].start)
			hi = mid;
		else if (ip >= m->m[mid].end)
			lo = mid + 1;
		else
			return &m->m[mid];
	}
	return NULL;
}
