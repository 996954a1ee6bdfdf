/* The cgroup layout around the hierarchy perf counts on: v2, hybrid or v1, systemd or not, and the container driver. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/collector/cgroup_layout.h"

int cjd_cgroup_perf_hierarchy(const char *proc_cgroups)
{
	FILE *f = fopen(proc_cgroups ? proc_cgroups : "/proc/cgroups", "re");
	char line[256];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	/* #subsys_name hierarchy num_cgroups enabled */
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		int h;
		if (sscanf(line, "%63s %d", name, &h) == 2 && strcmp(name, "perf_event") == 0) {
			rc = h < 0 ? -EINVAL : h;
			break;
		}
	}
	fclose(f);
	return rc;
}

static bool is_unit(const char *name, size_t len)
{
	static const char *const suffixes[] = {".slice", ".scope", ".service"};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && strncmp(name + len - n, suffixes[i], n) == 0)
			return true;
	}
	return false;
}

/* Does a path of /proc/self/cgroup ("hier:controllers:/a/b") name a systemd unit? */
static bool systemd_in_proc_cgroup(const char *path)
{
	FILE *f = fopen(path ? path : "/proc/self/cgroup", "re");
	char line[4200];
	bool yes = false;

	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		for (char *c = p + 1; *c && !yes;) {
			while (*c == '/')
				c++;
			size_t len = strcspn(c, "/");
			yes = len && is_unit(c, len);
			c += len;
		}
	}
	fclose(f);
	return yes;
}

static bool is_dir_at(const char *root, const char *name)
{
	char p[4400];
	struct stat st;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", root, name) >= sizeof(p))
		return false;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Is there a directory matching `glob` in root/dir? */
static bool any_at(const char *root, const char *dir, const char *glob)
{
	char p[4400];
	bool yes = false;
	DIR *d;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", root, dir) >= sizeof(p) || !(d = opendir(p)))
		return false;
	for (struct dirent *e; !yes && (e = readdir(d));)
		yes = fnmatch(glob, e->d_name, 0) == 0 && is_dir_at(p, e->d_name);
	closedir(d);
	return yes;
}

static void add_driver(struct cjd_cgroup_layout *l, const char *what)
{
	size_t pos = strlen(l->driver);

	snprintf(l->driver + pos, sizeof(l->driver) - pos, "%s%s", pos ? ", " : "", what);
}

/* Where container engines put their containers' cgroups, by cgroup driver. */
static void find_drivers(struct cjd_cgroup_layout *l, const char *root)
{
	if (is_dir_at(root, "docker"))
		add_driver(l, "cgroupfs (docker)");
	if (any_at(root, "system.slice", "docker-*.scope"))
		add_driver(l, "systemd (docker)");
	if (is_dir_at(root, "kubepods"))
		add_driver(l, "cgroupfs (kubelet)");
	if (is_dir_at(root, "kubepods.slice"))
		add_driver(l, "systemd (kubelet)");
	if (is_dir_at(root, "libpod_parent"))
		add_driver(l, "cgroupfs (podman)");
	if (any_at(root, "machine.slice", "libpod-*.scope"))
		add_driver(l, "systemd (podman)");
}

/*
 * perf_event held by a v1 hierarchy that no mount here shows: the kernel then
 * refuses per-cgroup events on v2 (ENOENT), and nothing in this mount
 * namespace says why. Fills why and returns true in that case.
 */
static bool perf_elsewhere(int hierarchy, const struct cjd_mounts *m, char *why, size_t len)
{
	if (hierarchy <= 0 || m->perf_v1[0])
		return false;
	snprintf(why, len,
		 "perf_event is bound to cgroup v1 hierarchy %d (/proc/cgroups) that is not "
		 "mounted here, so per-cgroup counting through cgroup v2 fails (ENOENT) until "
		 "every mount of it is gone (a systemd in a container mounts one: see 'grep "
		 "perf_event /proc/*/mountinfo'), or mount it here (mount -t cgroup -o "
		 "perf_event none /sys/fs/cgroup/perf_event) and restart cjd",
		 hierarchy);
	return true;
}

bool cjd_cgroup_perf_elsewhere(char *why, size_t len)
{
	struct cjd_mounts *m = calloc(1, sizeof(*m));
	bool yes = m && cjd_mounts_parse(NULL, m) == 0 &&
		   perf_elsewhere(cjd_cgroup_perf_hierarchy(NULL), m, why, len);

	free(m);
	return yes;
}

int cjd_cgroup_layout_detect(struct cjd_cgroup_layout *l, const struct cjd_cgroupfs *fs,
			     const struct cjd_cgroup_layout_sources *src)
{
	static const struct cjd_cgroup_layout_sources live = {.live = true};
	struct cjd_mounts *m = calloc(1, sizeof(*m));
	const char *v2, *sd, *tree;
	size_t pos;
	int rc;

	memset(l, 0, sizeof(*l));
	if (!src)
		src = &live;
	if (!m)
		return -ENOMEM;
	rc = cjd_mounts_parse(src->mountinfo, m);
	v2 = cjd_mounts_v2(m);
	l->perf_on_v1 = fs->version == 1;
	l->perf_hierarchy = cjd_cgroup_perf_hierarchy(src->proc_cgroups);
	if (l->perf_hierarchy < 0)
		l->perf_hierarchy = -1;
	tree = src->tree ? src->tree : fs->path;
	l->systemd = systemd_in_proc_cgroup(src->proc_cgroup) || is_dir_at(tree, "init.scope") ||
		     is_dir_at(tree, "system.slice") ||
		     (src->live && access("/run/systemd/system", F_OK) == 0);
	find_drivers(l, tree);
	sd = l->systemd ? "systemd-managed " : "";

	/* a root given by hand is described as such, unless it is the mount itself */
	if (strcmp(fs->how, "override") == 0 && strcmp(fs->path, v2 ? v2 : "") != 0 &&
	    strcmp(fs->path, m->perf_v1) != 0) {
		l->kind = CJD_LAYOUT_OTHER;
		snprintf(l->text, sizeof(l->text), "%scgroup v%d at %.200s (given)", sd, fs->version,
			 fs->path);
	} else if (m->n_v1 == 0) {
		l->kind = CJD_LAYOUT_UNIFIED;
		snprintf(l->text, sizeof(l->text), "%scgroup v2 at %.200s", sd, fs->path);
	} else if (v2) {
		l->kind = CJD_LAYOUT_HYBRID;
		if (l->perf_on_v1)
			snprintf(l->text, sizeof(l->text),
				 "%shybrid: perf_event on cgroup v1 at %.200s, cgroup v2 at %.200s, v1 "
				 "controllers at %.200s/* (%s)",
				 sd, fs->path, v2, m->v1_parent, m->v1_controllers);
		else
			snprintf(l->text, sizeof(l->text),
				 "%shybrid: perf_event on cgroup v2 at %.200s, v1 controllers at %.200s/* (%s)",
				 sd, fs->path, m->v1_parent, m->v1_controllers);
	} else {
		l->kind = CJD_LAYOUT_LEGACY;
		snprintf(l->text, sizeof(l->text), "%scgroup v1 only: perf_event at %.200s, controllers at %.200s/* (%s)",
			 sd, fs->path, m->v1_parent, m->v1_controllers);
	}
	pos = strlen(l->text);
	snprintf(l->text + pos, sizeof(l->text) - pos, "; cgroup driver: %s",
		 l->driver[0] ? l->driver : "no container cgroups yet");

	if (fs->version == 2)
		perf_elsewhere(l->perf_hierarchy, m, l->warning, sizeof(l->warning));
	free(m);
	return rc;
}
