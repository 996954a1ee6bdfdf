/* Finding the cgroup hierarchy perf_event lives on: libcgroup and /proc/self/mountinfo, v2 first. */
#include <errno.h>
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/common/log.h"
#include "internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* The v1 controllers named in a mount's super options ("rw,cpu,cpuacct" -> "cpu,cpuacct"). */
static void add_v1(struct cjd_mounts *m, const char *mountpoint, const char *superopts)
{
	static const char *const not_controllers[] = {"rw", "ro", "xattr", "noprefix",
						      "clone_children", "none"};
	const char *slash = strrchr(mountpoint, '/');
	size_t pos = strlen(m->v1_controllers);

	if (m->n_v1++ == 0 && slash)
		snprintf(m->v1_parent, sizeof(m->v1_parent), "%.*s",
			 slash == mountpoint ? 1 : (int)(slash - mountpoint), mountpoint);
	for (const char *p = superopts; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool skip = strncmp(p, "release_agent=", 14) == 0;
		for (size_t i = 0; i < sizeof(not_controllers) / sizeof(not_controllers[0]); i++)
			skip |= len == strlen(not_controllers[i]) &&
				strncmp(p, not_controllers[i], len) == 0;
		if (!skip && pos + len + 2 < sizeof(m->v1_controllers))
			pos += (size_t)snprintf(m->v1_controllers + pos, sizeof(m->v1_controllers) - pos,
						"%s%.*s", pos ? "," : "", (int)len, p);
		p = end ? end + 1 : NULL;
	}
}

int cjd_mounts_parse(const char *mountinfo, struct cjd_mounts *m)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		char *sep = strstr(line, " - ");
		char *fields[5] = {0}, *save = NULL, *tok;
		char *fstype, *superopts;
		int nf = 0;

		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && nf < 5; tok = strtok_r(NULL, " ", &save))
			fields[nf++] = tok;
		if (nf < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save); /* source */
		superopts = strtok_r(NULL, " \n", &save);
		if (!fstype)
			continue;
		unescape(fields[4]);
		if (strcmp(fstype, "cgroup2") == 0 && m->n_v2 < 4) {
			snprintf(m->v2[m->n_v2++], sizeof(m->v2[0]), "%s", fields[4]);
		} else if (strcmp(fstype, "cgroup") == 0) {
			add_v1(m, fields[4], superopts);
			/* one v1 hierarchy may carry both controllers (co-mounted) */
			if (!m->perf_v1[0] && has_option(superopts, "perf_event"))
				snprintf(m->perf_v1, sizeof(m->perf_v1), "%s", fields[4]);
			if (!m->cpu_v1[0] && has_option(superopts, "cpu"))
				snprintf(m->cpu_v1, sizeof(m->cpu_v1), "%s", fields[4]);
			if (!m->freezer_v1[0] && has_option(superopts, "freezer"))
				snprintf(m->freezer_v1, sizeof(m->freezer_v1), "%s", fields[4]);
		} else if (strcmp(fstype, "tracefs") == 0 && !m->tracefs[0]) {
			snprintf(m->tracefs, sizeof(m->tracefs), "%s", fields[4]);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/* libcgroup knows the v1 controllers' mount points; it is the first word on perf_event. */
static bool libcgroup_perf_v1(char *out, size_t len)
{
	char *mp = NULL;
	bool ok = false;

	if (cgroup_init() != 0)
		return false;
	if (cgroup_get_subsys_mount_point("perf_event", &mp) == 0 && mp) {
		struct statfs sfs;
		/* libcgroup 2.x also reports v2 mounts here; only a v1 hierarchy counts. */
		if (statfs(mp, &sfs) == 0 && (unsigned long)sfs.f_type == CGROUP_SUPER_MAGIC) {
			snprintf(out, len, "%s", mp);
			ok = true;
		}
	}
	free(mp);
	return ok;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The unified mount at the usual places first (pure v2, then the hybrid layout's). */
const char *cjd_mounts_v2(const struct cjd_mounts *m)
{
	static const char *const preferred[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

	for (size_t p = 0; p < 2; p++)
		for (int i = 0; i < m->n_v2; i++)
			if (strcmp(m->v2[i], preferred[p]) == 0)
				return m->v2[i];
	return m->n_v2 > 0 ? m->v2[0] : NULL;
}

int cjd_cgroupfs_find(struct cjd_cgroupfs *fs, const char *override, const char *mountinfo,
		      struct cjd_error *err)
{
	struct cjd_mounts m;
	int rc;

	memset(fs, 0, sizeof(*fs));
	if (override) {
		struct statfs sfs;
		if (statfs(override, &sfs) != 0)
			return cjd_error_set(err, -errno, override, 0, 0, "cgroup root: %s",
					     strerror(errno));
		if (!is_dir(override))
			return cjd_error_set(err, -ENOTDIR, override, 0, 0,
					     "cgroup root is not a directory");
		if ((unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC)
			fs->version = 2;
		else if ((unsigned long)sfs.f_type == CGROUP_SUPER_MAGIC)
			fs->version = 1;
		else
			return cjd_error_set(err, -EINVAL, override, 0, 0,
					     "not on a cgroup filesystem");
		snprintf(fs->path, sizeof(fs->path), "%s", override);
		snprintf(fs->how, sizeof(fs->how), "override");
		return 0;
	}
	rc = cjd_mounts_parse(mountinfo, &m);
	if (rc)
		return cjd_error_set(err, rc, mountinfo ? mountinfo : "/proc/self/mountinfo", 0, 0,
				     "cannot read: %s", strerror(-rc));
	/*
	 * perf_event is bound to one hierarchy: a mounted v1 perf_event
	 * hierarchy takes it away from v2. Only then is v1 the answer. Ask
	 * libcgroup only about the live system, not about fixtures.
	 */
	if (!mountinfo && libcgroup_perf_v1(fs->path, sizeof(fs->path))) {
		fs->version = 1;
		snprintf(fs->how, sizeof(fs->how), "libcgroup");
		return 0;
	}
	if (m.perf_v1[0]) {
		snprintf(fs->path, sizeof(fs->path), "%s", m.perf_v1);
		fs->version = 1;
		snprintf(fs->how, sizeof(fs->how), "mountinfo");
		return 0;
	}
	const char *v2 = cjd_mounts_v2(&m);
	if (!v2)
		return cjd_error_set(err, -ENOENT, mountinfo ? mountinfo : "/proc/self/mountinfo",
				     0, 0,
				     "no cgroup2 mount and no v1 perf_event hierarchy; mount one, "
				     "e.g. 'mount -t cgroup2 none /sys/fs/cgroup'");
	snprintf(fs->path, sizeof(fs->path), "%s", v2);
	fs->version = 2;
	snprintf(fs->how, sizeof(fs->how), "mountinfo");
	return 0;
}
