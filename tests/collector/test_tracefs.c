/* tracefs found or mounted as perf does, against wrapped statfs(2) and mount(2): every path and every reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#include "cjd/collector/tracefs.h"

#define TRACEFS 0x74726163L
#define DEBUGFS 0x64626720L
#define SYSFS 0x62656572L

/* The filesystem each path is on, as statfs answers; a path not listed is ENOENT. */
static struct {
	char path[128];
	long magic;
} fs[8];
static size_t nfs;

static struct {
	int calls, err;
	char source[64], target[128], type[32];
	unsigned long flags;
	bool race; /* on failure, someone else's mount appears (EBUSY) */
} mnt;

int __wrap_statfs(const char *path, struct statfs *buf);
int __wrap_mount(const char *source, const char *target, const char *type, unsigned long flags,
		 const void *data);

static void on(const char *path, long magic)
{
	for (size_t i = 0; i < nfs; i++)
		if (!strcmp(fs[i].path, path)) {
			fs[i].magic = magic;
			return;
		}
	snprintf(fs[nfs].path, sizeof(fs[nfs].path), "%s", path);
	fs[nfs++].magic = magic;
}

int __wrap_statfs(const char *path, struct statfs *buf)
{
	for (size_t i = 0; i < nfs; i++)
		if (!strcmp(fs[i].path, path)) {
			memset(buf, 0, sizeof(*buf));
			buf->f_type = fs[i].magic;
			return 0;
		}
	errno = ENOENT;
	return -1;
}

int __wrap_mount(const char *source, const char *target, const char *type, unsigned long flags,
		 const void *data)
{
	(void)data;
	mnt.calls++;
	snprintf(mnt.source, sizeof(mnt.source), "%s", source);
	snprintf(mnt.target, sizeof(mnt.target), "%s", target);
	snprintf(mnt.type, sizeof(mnt.type), "%s", type);
	mnt.flags = flags;
	if (mnt.err) {
		if (mnt.race)
			on(target, TRACEFS);
		errno = mnt.err;
		return -1;
	}
	on(target, TRACEFS);
	return 0;
}

static const char *fixture(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", getenv("CJD_COLLECTOR_TEST_DATA"), name);
	return path;
}

static int reset(void **state)
{
	(void)state;
	nfs = 0;
	memset(&mnt, 0, sizeof(mnt));
	return 0;
}

/* A fresh modern host: the directory exists (on sysfs), nothing is mounted on it. */
static void fresh_host(void)
{
	on("/sys/kernel/tracing", SYSFS);
	on("/sys/kernel/debug", SYSFS);
}

static void test_found_in_mountinfo(void **state)
{
	(void)state;
	struct cjd_tracefs t;

	on("/sys/kernel/tracing", TRACEFS);
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-hybrid.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_FOUND);
	assert_string_equal(t.path, "/sys/kernel/tracing");
	assert_int_equal(mnt.calls, 0);

	/* mounted somewhere perf does not look: mountinfo says where */
	on("/mnt/trace", TRACEFS);
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-tracefs-elsewhere.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_FOUND);
	assert_string_equal(t.path, "/mnt/trace");
	assert_int_equal(mnt.calls, 0);
}

static void test_found_by_magic(void **state)
{
	(void)state;
	struct cjd_tracefs t;
	char path[256];

	/* not in this mountinfo (another namespace's view), but there by its magic */
	on("/sys/kernel/tracing", TRACEFS);
	assert_int_equal(cjd_tracefs_find(fixture("mountinfo-v2.txt"), path, sizeof(path)), 0);
	assert_string_equal(path, "/sys/kernel/tracing");
	reset(NULL);
	/* debugfs's automount at debug/tracing */
	on("/sys/kernel/debug/tracing", TRACEFS);
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_FOUND);
	assert_string_equal(t.path, "/sys/kernel/debug/tracing");
	assert_int_equal(mnt.calls, 0);
	/* a mountinfo entry that is no tracefs (stale) is not trusted */
	reset(NULL);
	on("/sys/kernel/tracing", SYSFS);
	assert_int_equal(cjd_tracefs_find(fixture("mountinfo-hybrid.txt"), path, sizeof(path)),
			 -ENOENT);
}

static void test_mounts_on_a_fresh_host(void **state)
{
	(void)state;
	struct cjd_tracefs t;

	fresh_host();
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_MOUNTED);
	assert_string_equal(t.path, "/sys/kernel/tracing");
	assert_int_equal(mnt.calls, 1);
	assert_string_equal(mnt.type, "tracefs");
	assert_string_equal(mnt.target, "/sys/kernel/tracing");
	assert_int_equal(mnt.flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	assert_string_equal(t.text, "mounted at /sys/kernel/tracing (nothing had mounted it; it "
				    "stays mounted, as perf leaves it)");
	/* the next start finds it */
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_FOUND);
	assert_int_equal(mnt.calls, 1);
}

static void test_old_kernel_debugfs(void **state)
{
	(void)state;
	struct cjd_tracefs t;

	/* no /sys/kernel/tracing directory; debugfs mounted with a tracing/ directory
	 * that holds no events (tracefs not mounted on it) */
	on("/sys/kernel/debug", DEBUGFS);
	on("/sys/kernel/debug/tracing", DEBUGFS);
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_MOUNTED);
	assert_string_equal(mnt.target, "/sys/kernel/debug/tracing");
	assert_string_equal(t.path, "/sys/kernel/debug/tracing");
}

static void test_cannot_mount(void **state)
{
	(void)state;
	struct cjd_tracefs t;

	fresh_host();
	mnt.err = EPERM;
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), -EPERM);
	assert_int_equal(t.state, CJD_TRACEFS_MISSING);
	assert_int_equal(t.err, EPERM);
	assert_string_equal(t.path, "");
	assert_string_equal(t.cause, "tracefs could not be mounted (EPERM)");
	assert_non_null(strstr(t.text, "mounting it at /sys/kernel/tracing failed: EPERM "
					"(Operation not permitted): mounting needs CAP_SYS_ADMIN"));
	assert_non_null(strstr(t.text, "mount -t tracefs nodev /sys/kernel/tracing"));

	mnt.err = EROFS;
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), -EROFS);
	assert_string_equal(t.cause, "tracefs could not be mounted (EROFS)");
	assert_non_null(strstr(t.text, "read-only"));

	/* neither the directory nor debugfs: nothing is tried */
	reset(NULL);
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), -ENOENT);
	assert_int_equal(mnt.calls, 0);
	assert_string_equal(t.cause, "tracefs could not be mounted (ENOENT)");
	assert_non_null(strstr(t.text, "no /sys/kernel/tracing directory"));
}

static void test_mount_race(void **state)
{
	(void)state;
	struct cjd_tracefs t;

	/* another process mounts it between our look and our mount: EBUSY, then it is there */
	fresh_host();
	mnt.err = EBUSY;
	mnt.race = true;
	assert_int_equal(cjd_tracefs_ensure(&t, fixture("mountinfo-v2.txt")), 0);
	assert_int_equal(t.state, CJD_TRACEFS_FOUND);
	assert_string_equal(t.path, "/sys/kernel/tracing");
}

static void test_hints(void **state)
{
	(void)state;
	assert_non_null(strstr(cjd_tracefs_hint(EPERM), "CAP_SYS_ADMIN"));
	assert_non_null(strstr(cjd_tracefs_hint(ENODEV), "CONFIG_TRACING"));
	assert_non_null(strstr(cjd_tracefs_hint(EROFS), "bind-mount"));
	assert_non_null(strstr(cjd_tracefs_hint(EIO), "mount -t tracefs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_found_in_mountinfo, reset),
		cmocka_unit_test_setup(test_found_by_magic, reset),
		cmocka_unit_test_setup(test_mounts_on_a_fresh_host, reset),
		cmocka_unit_test_setup(test_old_kernel_debugfs, reset),
		cmocka_unit_test_setup(test_cannot_mount, reset),
		cmocka_unit_test_setup(test_mount_race, reset),
		cmocka_unit_test_setup(test_hints, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
