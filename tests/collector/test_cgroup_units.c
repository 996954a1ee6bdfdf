/* Unit tests for CPU lists, mountinfo discovery, the inode-keyed cgroup table and the tree walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/collector/cgroup_layout.h"
#include "cjd/collector/cgroup_mount.h"
#include "internal.h"

/* ---- CPU lists ---- */

static void test_cpus_parse(void **state)
{
	(void)state;
	int c[CJD_MAX_CPUS];

	assert_int_equal(cjd_cpus_parse("0-1\n", c, CJD_MAX_CPUS), 2);
	assert_int_equal(c[1], 1);
	assert_int_equal(cjd_cpus_parse("0,2-4,7\n", c, CJD_MAX_CPUS), 5);
	assert_int_equal(c[0], 0);
	assert_int_equal(c[1], 2);
	assert_int_equal(c[3], 4);
	assert_int_equal(c[4], 7);
	assert_int_equal(cjd_cpus_parse("5", c, CJD_MAX_CPUS), 1);
	assert_int_equal(c[0], 5);
	assert_int_equal(cjd_cpus_parse("", c, CJD_MAX_CPUS), 0);
	/* Not kernel output: refused rather than guessed at. */
	assert_int_equal(cjd_cpus_parse("3-1", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("1,0", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("0-", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("a", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("0 1", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("0-1\nx", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("99999", c, CJD_MAX_CPUS), -EINVAL);
	assert_int_equal(cjd_cpus_parse("0-9", c, 4), -E2BIG);
}

static void test_cpus_online_file(void **state)
{
	(void)state;
	int c[CJD_MAX_CPUS];
	struct cjd_error err;

	int n = cjd_cpus_online(NULL, c, &err);
	assert_true(n >= 1);
	assert_int_equal(cjd_cpus_online("/nonexistent/online", c, &err), -ENOENT);
	assert_non_null(strstr(err.file, "/nonexistent/online"));
}

/* ---- mountinfo ---- */

static const char *fixture(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", getenv("CJD_COLLECTOR_TEST_DATA"), name);
	return path;
}

static void test_mounts(void **state)
{
	(void)state;
	struct cjd_cgroupfs fs;
	struct cjd_mounts m;
	struct cjd_error err;

	/* Hybrid systemd layout: v2 at /sys/fs/cgroup/unified, perf_event not on v1. */
	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("mountinfo-hybrid.txt"), &err), 0);
	assert_string_equal(fs.path, "/sys/fs/cgroup/unified");
	assert_int_equal(fs.version, 2);
	assert_int_equal(cjd_mounts_parse(fixture("mountinfo-hybrid.txt"), &m), 0);
	assert_string_equal(m.tracefs, "/sys/kernel/tracing");
	/* the v1 cpu hierarchy, for throttling where v2 has no cpu controller ("cpuacct" is not "cpu") */
	assert_string_equal(m.cpu_v1, "/sys/fs/cgroup/cpu");
	assert_string_equal(cjd_mounts_v2(&m), "/sys/fs/cgroup/unified");

	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("mountinfo-v2.txt"), &err), 0);
	assert_string_equal(fs.path, "/sys/fs/cgroup");
	assert_int_equal(fs.version, 2);

	/* perf_event bound to v1 wins: the kernel offers it on that hierarchy only. */
	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("mountinfo-v1-perf.txt"), &err), 0);
	assert_string_equal(fs.path, "/sys/fs/cgroup/perf_event");
	assert_int_equal(fs.version, 1);

	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("mountinfo-v2-elsewhere.txt"), &err),
			 0);
	assert_string_equal(fs.path, "/run/cg2");
	assert_int_equal(cjd_mounts_parse(fixture("mountinfo-v2-elsewhere.txt"), &m), 0);
	assert_string_equal(m.tracefs, "/sys/kernel/debug/tracing");

	/* Octal escapes in mount points are decoded. */
	assert_int_equal(cjd_mounts_parse(fixture("mountinfo-escaped.txt"), &m), 0);
	assert_int_equal(m.n_v2, 1);
	assert_string_equal(m.v2[0], "/mnt/my cgroups");
	assert_string_equal(m.perf_v1, "/mnt/perf\\ev");

	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("mountinfo-none.txt"), &err),
			 -ENOENT);
	assert_non_null(strstr(err.text, "mount -t cgroup2"));
	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, fixture("missing.txt"), &err), -ENOENT);

	/* An override that is no cgroup filesystem is refused. */
	assert_int_equal(cjd_cgroupfs_find(&fs, "/tmp", NULL, &err), -EINVAL);
	assert_int_equal(cjd_cgroupfs_find(&fs, "/nonexistent-cjd", NULL, &err), -ENOENT);
}

/* ---- the layout: v2, systemd v2, hybrid (perf on v2 or v1), v1 only; the container driver ---- */

static char tree[64];

static void mkdirs(const char *rel)
{
	char p[256], *slash;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	for (slash = strchr(p + strlen(tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	mkdir(p, 0755);
}

static void rm(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	assert_int_equal(rmdir(p), 0);
}

/* Detects the layout of mountinfo + /proc/self/cgroup + /proc/cgroups fixtures, with the
 * cgroup tree in `tree`. */
static void layout(struct cjd_cgroup_layout *l, const char *mountinfo, const char *self,
		   const char *cgroups)
{
	struct cjd_cgroupfs fs;
	struct cjd_error err;
	char mi[1024], pc[1024], pcs[1024];

	snprintf(mi, sizeof(mi), "%s", fixture(mountinfo));
	snprintf(pc, sizeof(pc), "%s", fixture(self));
	snprintf(pcs, sizeof(pcs), "%s", fixture(cgroups));
	assert_int_equal(cjd_cgroupfs_find(&fs, NULL, mi, &err), 0);
	struct cjd_cgroup_layout_sources src = {
		.mountinfo = mi, .proc_cgroup = pc, .proc_cgroups = pcs, .tree = tree};
	assert_int_equal(cjd_cgroup_layout_detect(l, &fs, &src), 0);
}

static void test_layouts(void **state)
{
	(void)state;
	struct cjd_cgroup_layout l;

	snprintf(tree, sizeof(tree), "/tmp/cjd-layout-%d-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(tree));

	/* Pure cgroup v2, no systemd, no containers yet. */
	layout(&l, "mountinfo-v2.txt", "proc-cgroup-v2.txt", "proc-cgroups-v2.txt");
	assert_int_equal(l.kind, CJD_LAYOUT_UNIFIED);
	assert_false(l.systemd);
	assert_int_equal(l.perf_hierarchy, 0);
	assert_string_equal(l.text, "cgroup v2 at /sys/fs/cgroup; cgroup driver: no container "
				    "cgroups yet");
	assert_string_equal(l.warning, "");

	/* systemd-managed v2 (a service's own cgroup), Docker with the systemd driver, and a
	 * kubelet with it too. */
	mkdirs("system.slice/docker-4f1c.scope");
	mkdirs("kubepods.slice/kubepods-besteffort.slice");
	layout(&l, "mountinfo-v2.txt", "proc-cgroup-systemd-v2.txt", "proc-cgroups-v2.txt");
	assert_true(l.systemd);
	assert_string_equal(l.driver, "systemd (docker), systemd (kubelet)");
	assert_string_equal(l.text, "systemd-managed cgroup v2 at /sys/fs/cgroup; cgroup driver: "
				    "systemd (docker), systemd (kubelet)");
	/* slices at the root say systemd too, whatever cjd's own cgroup is */
	layout(&l, "mountinfo-v2.txt", "proc-cgroup-v2.txt", "proc-cgroups-v2.txt");
	assert_true(l.systemd);
	rm("system.slice/docker-4f1c.scope");
	rm("system.slice");
	rm("kubepods.slice/kubepods-besteffort.slice");
	rm("kubepods.slice");

	/* This development host: hybrid, perf_event on v2 at /sys/fs/cgroup/unified, no
	 * systemd, Docker with the cgroupfs driver (/docker/<id> in every hierarchy). */
	mkdirs("docker/0123abcd");
	layout(&l, "mountinfo-hybrid-host.txt", "proc-cgroup-hybrid.txt", "proc-cgroups-hybrid.txt");
	assert_int_equal(l.kind, CJD_LAYOUT_HYBRID);
	assert_false(l.perf_on_v1);
	assert_false(l.systemd);
	assert_string_equal(l.text, "hybrid: perf_event on cgroup v2 at /sys/fs/cgroup/unified, v1 "
				    "controllers at /sys/fs/cgroup/* (cpu,cpuacct,cpuset,memory,"
				    "devices,freezer,blkio,pids,name=systemd); cgroup driver: "
				    "cgroupfs (docker)");
	assert_string_equal(l.warning, "");

	/* The same host while something else holds perf_event on a v1 hierarchy it has not
	 * mounted here (a systemd in a container): said, with the fix. */
	layout(&l, "mountinfo-hybrid-host.txt", "proc-cgroup-hybrid.txt", "proc-cgroups-perf-v1.txt");
	assert_int_equal(l.perf_hierarchy, 13);
	assert_non_null(strstr(l.warning, "perf_event is bound to cgroup v1 hierarchy 13"));
	assert_non_null(strstr(l.warning, "fails (ENOENT)"));

	/* systemd's hybrid layout with perf_event on its v1 hierarchy. */
	layout(&l, "mountinfo-v1-perf.txt", "proc-cgroup-systemd-hybrid.txt",
	       "proc-cgroups-perf-v1.txt");
	assert_int_equal(l.kind, CJD_LAYOUT_HYBRID);
	assert_true(l.perf_on_v1);
	assert_true(l.systemd);
	assert_string_equal(l.text, "systemd-managed hybrid: perf_event on cgroup v1 at "
				    "/sys/fs/cgroup/perf_event, cgroup v2 at /sys/fs/cgroup/unified, "
				    "v1 controllers at /sys/fs/cgroup/* (cpu,cpuacct,perf_event); "
				    "cgroup driver: cgroupfs (docker)");
	assert_string_equal(l.warning, ""); /* perf_event's hierarchy is the one mounted */

	/* v1 only (no cgroup2 mount), systemd, and a kubelet with the cgroupfs driver. */
	mkdirs("kubepods/burstable");
	layout(&l, "mountinfo-v1-only.txt", "proc-cgroup-systemd-v1.txt", "proc-cgroups-perf-v1.txt");
	assert_int_equal(l.kind, CJD_LAYOUT_LEGACY);
	assert_true(l.perf_on_v1);
	assert_string_equal(l.text, "systemd-managed cgroup v1 only: perf_event at "
				    "/sys/fs/cgroup/perf_event, controllers at /sys/fs/cgroup/* "
				    "(name=systemd,cpu,cpuacct,memory,perf_event,freezer); cgroup "
				    "driver: cgroupfs (docker), cgroupfs (kubelet)");

	/* Podman's drivers. */
	rm("kubepods/burstable");
	rm("kubepods");
	rm("docker/0123abcd");
	rm("docker");
	mkdirs("machine.slice/libpod-77aa.scope");
	mkdirs("libpod_parent");
	layout(&l, "mountinfo-v2.txt", "proc-cgroup-v2.txt", "proc-cgroups-v2.txt");
	assert_string_equal(l.driver, "cgroupfs (podman), systemd (podman)");
	rm("machine.slice/libpod-77aa.scope");
	rm("machine.slice");
	rm("libpod_parent");
	assert_int_equal(rmdir(tree), 0);

	/* A root given by hand is described as given, unless it is the mount itself. */
	struct cjd_cgroupfs given = {.path = "/run/my-cgroups", .version = 2, .how = "override"};
	char gmi[1024], gpc[1024];
	snprintf(gmi, sizeof(gmi), "%s", fixture("mountinfo-hybrid-host.txt"));
	snprintf(gpc, sizeof(gpc), "%s", fixture("proc-cgroup-v2.txt"));
	struct cjd_cgroup_layout_sources gsrc = {
		.mountinfo = gmi, .proc_cgroup = gpc, .proc_cgroups = gpc, .tree = "/nonexistent-cjd"};
	assert_int_equal(cjd_cgroup_layout_detect(&l, &given, &gsrc), 0);
	assert_int_equal(l.kind, CJD_LAYOUT_OTHER);
	assert_string_equal(l.text, "cgroup v2 at /run/my-cgroups (given); cgroup driver: no "
				    "container cgroups yet");
	snprintf(given.path, sizeof(given.path), "/sys/fs/cgroup/unified");
	assert_int_equal(cjd_cgroup_layout_detect(&l, &given, &gsrc), 0);
	assert_int_equal(l.kind, CJD_LAYOUT_HYBRID);

	/* The v1 controllers and their directory come from mountinfo. */
	struct cjd_mounts m;
	assert_int_equal(cjd_mounts_parse(fixture("mountinfo-v1-only.txt"), &m), 0);
	assert_int_equal(m.n_v1, 5);
	assert_string_equal(m.v1_parent, "/sys/fs/cgroup");
	assert_int_equal(m.n_v2, 0);
	assert_int_equal(cjd_cgroup_perf_hierarchy(fixture("proc-cgroups-v2.txt")), 0);
	assert_int_equal(cjd_cgroup_perf_hierarchy(fixture("proc-cgroups-perf-v1.txt")), 13);
	assert_int_equal(cjd_cgroup_perf_hierarchy(fixture("missing.txt")), -ENOENT);
}

/* ---- the table ---- */

static void test_table_findnew_put(void **state)
{
	(void)state;
	struct cjd_cgroup_table *t = cjd_cgroup_table_new();
	struct cjd_cgroup *a, *b, *stale;
	bool created;
	int rc;

	a = cjd_cgroup_findnew(t, 42, "/a", &created, &stale, &rc);
	assert_non_null(a);
	assert_true(created);
	b = cjd_cgroup_findnew(t, 42, "/a", &created, &stale, &rc);
	assert_ptr_equal(a, b);
	assert_false(created);
	assert_int_equal(a->refs, 2);
	/* Same inode, other path: the old handle is reported, not reused. */
	assert_null(cjd_cgroup_findnew(t, 42, "/renamed", &created, &stale, &rc));
	assert_int_equal(rc, -EEXIST);
	assert_ptr_equal(stale, a);
	cjd_cgroup_put(t, a);
	assert_non_null(cjd_cgroup_find(t, 42));
	cjd_cgroup_put(t, a);
	assert_null(cjd_cgroup_find(t, 42));
	assert_int_equal(cjd_cgroup_table_count(t), 0);
	/* Re-created at the same path with a new inode: a new cgroup. */
	a = cjd_cgroup_findnew(t, 43, "/a", &created, &stale, &rc);
	assert_true(created);
	assert_int_equal(a->ino, 43);
	cjd_cgroup_table_free(t); /* frees the still-referenced handle too */
}

/* Random churn against a plain reference array: every lookup must agree. */
static void test_table_churn(void **state)
{
	(void)state;
	enum { N = 3000 };
	static struct cjd_cgroup *ref[N];
	struct cjd_cgroup_table *t = cjd_cgroup_table_new();
	unsigned seed = 12345;
	size_t live = 0;

	memset(ref, 0, sizeof(ref));
	for (int round = 0; round < 60000; round++) {
		seed = seed * 1103515245u + 12345u;
		unsigned k = (seed >> 8) % N;
		/* Inodes of siblings are dense; make them so here too. */
		uint64_t ino = 1000 + (uint64_t)k * 3;
		if (ref[k]) {
			cjd_cgroup_put(t, ref[k]);
			ref[k] = NULL;
			live--;
		} else {
			char path[32];
			struct cjd_cgroup *stale;
			bool created;
			int rc;
			snprintf(path, sizeof(path), "/c%u", k);
			ref[k] = cjd_cgroup_findnew(t, ino, path, &created, &stale, &rc);
			assert_non_null(ref[k]);
			assert_true(created);
			live++;
		}
		if (round % 997 == 0)
			for (unsigned i = 0; i < N; i++)
				assert_ptr_equal(cjd_cgroup_find(t, 1000 + (uint64_t)i * 3), ref[i]);
	}
	assert_int_equal(cjd_cgroup_table_count(t), live);
	/* Backward iteration survives removal of the current handle. */
	for (size_t i = cjd_cgroup_table_count(t); i-- > 0;) {
		struct cjd_cgroup *cg = cjd_cgroup_table_at(t, i);
		unsigned k = (unsigned)((cg->ino - 1000) / 3);
		assert_ptr_equal(ref[k], cg);
		cjd_cgroup_put(t, cg);
		ref[k] = NULL;
	}
	assert_int_equal(cjd_cgroup_table_count(t), 0);
	cjd_cgroup_table_free(t);
}

/* ---- the walk, over a plain directory tree shaped like a cgroup hierarchy ---- */

struct tree {
	char root[256];
};

static void mk(const struct tree *t, const char *rel, const char *procs)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", t->root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s%s/cgroup.procs", t->root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(procs, f);
	fclose(f);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "/tmp/cjd-scan-%d", (int)getpid());
	if (mkdir(t->root, 0755) != 0)
		return -1;
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	int rc = system(cmd);
	free(t);
	return rc == 0 ? 0 : -1;
}

static bool has(const struct cjd_scan_result *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->e[i].path, path) == 0)
			return true;
	return false;
}

static void test_scan_selection(void **state)
{
	struct tree *t = *state;
	struct cjd_scan_result r = {0};
	const char *inc_x[] = {"/x*"}, *exc_d[] = {"/d/*"}, *inc_root[] = {"/"};
	struct cjd_scan_filter f = {0};
	char p[512];
	struct stat st;

	FILE *fp;
	snprintf(p, sizeof(p), "%s/cgroup.procs", t->root);
	fp = fopen(p, "w");
	fputs("1\n", fp);
	fclose(fp);
	mk(t, "/a", "123\n");
	mk(t, "/a/b", "");
	mk(t, "/c", "");
	mk(t, "/d", "");
	mk(t, "/d/e", "77\n");
	mk(t, "/x", "7\n");
	mk(t, "/x y", "8\n"); /* spaces are fine in cgroup names */

	/* Default: leaves holding processes; never the root. */
	assert_int_equal(cjd_scan(t->root, &f, &r), 0);
	assert_int_equal(r.n, 3);
	assert_true(has(&r, "/d/e"));
	assert_true(has(&r, "/x"));
	assert_true(has(&r, "/x y"));
	assert_int_equal(r.dirs, 8);
	/* The inode from readdir is the directory's inode. */
	for (size_t i = 0; i < r.n; i++) {
		snprintf(p, sizeof(p), "%s%s", t->root, r.e[i].path);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(r.e[i].ino, st.st_ino);
	}

	f.include = inc_x;
	f.n_include = 1;
	assert_int_equal(cjd_scan(t->root, &f, &r), 0);
	assert_int_equal(r.n, 2);
	assert_true(has(&r, "/x"));

	f.n_include = 0;
	f.exclude = exc_d;
	f.n_exclude = 1;
	assert_int_equal(cjd_scan(t->root, &f, &r), 0);
	assert_int_equal(r.n, 2);
	assert_false(has(&r, "/d/e"));

	/* Everything, inner and empty cgroups too, but still not the root... */
	f.n_exclude = 0;
	f.all = true;
	assert_int_equal(cjd_scan(t->root, &f, &r), 0);
	assert_int_equal(r.n, 7);
	assert_false(has(&r, "/"));
	/* ...unless a glob names it exactly. */
	f.include = inc_root;
	f.n_include = 1;
	assert_int_equal(cjd_scan(t->root, &f, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(has(&r, "/"));

	assert_int_equal(cjd_scan("/nonexistent-cjd-root", &f, &r), -ENOENT);
	cjd_scan_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_parse),
		cmocka_unit_test(test_cpus_online_file),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_table_findnew_put),
		cmocka_unit_test(test_table_churn),
		cmocka_unit_test_setup_teardown(test_scan_selection, tree_setup, tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
