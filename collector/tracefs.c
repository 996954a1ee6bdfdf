/* tracefs: found where perf looks for it, or mounted at /sys/kernel/tracing when nothing has mounted it yet. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/tracefs.h"

#define TRACEFS_MAGIC 0x74726163L
#define DEBUGFS_MAGIC 0x64626720L

static const char tracing_dir[] = "/sys/kernel/tracing";
static const char debug_dir[] = "/sys/kernel/debug";
static const char debug_tracing_dir[] = "/sys/kernel/debug/tracing";

/* The filesystem magic of path, or a negative errno (ENOENT: no such directory). */
static long fs_type(const char *path)
{
	struct statfs s;

	if (statfs(path, &s) != 0)
		return -errno;
	return (long)s.f_type;
}

static bool has_events(const char *dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/events", dir);
	return access(p, F_OK) == 0;
}

/*
 * A directory tracepoints can be named under: a tracefs mount, or (kernels
 * before 4.1, where tracing was part of debugfs) debugfs's tracing/.
 */
static bool usable(const char *dir)
{
	long t = fs_type(dir);

	return t == TRACEFS_MAGIC || (t == DEBUGFS_MAGIC && has_events(dir));
}

int cjd_tracefs_find(const char *mountinfo, char *path, size_t len)
{
	static const char *const known[] = {tracing_dir, debug_tracing_dir};
	struct cjd_mounts m;

	if (cjd_mounts_parse(mountinfo, &m) == 0 && m.tracefs[0] && strlen(m.tracefs) < len &&
	    usable(m.tracefs)) {
		snprintf(path, len, "%s", m.tracefs);
		return 0;
	}
	/* Not listed (another mount namespace's view, or debugfs's automount not
	 * triggered yet: statfs on debug/tracing triggers it). */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (usable(known[i])) {
			snprintf(path, len, "%s", known[i]);
			return 0;
		}
	return -ENOENT;
}

const char *cjd_tracefs_hint(int err)
{
	switch (err) {
	case EPERM:
		return "mounting needs CAP_SYS_ADMIN in the initial user namespace: run cjd as "
		       "root, or mount it once: mount -t tracefs nodev /sys/kernel/tracing";
	case EACCES:
		return "a security module denied the mount: mount it beforehand: "
		       "mount -t tracefs nodev /sys/kernel/tracing";
	case EROFS:
		return "/sys is read-only here, as in a container: bind-mount the host's "
		       "/sys/kernel/tracing into it";
	case ENODEV:
		return "this kernel has no tracefs (CONFIG_TRACING is off)";
	case ENOENT:
		return "there is no /sys/kernel/tracing directory and no debugfs at "
		       "/sys/kernel/debug (a kernel without tracing?)";
	default:
		return "mount it beforehand: mount -t tracefs nodev /sys/kernel/tracing";
	}
}

static int missing(struct cjd_tracefs *t, const char *where, int err)
{
	const char *name = strerrorname_np(err);

	t->state = CJD_TRACEFS_MISSING;
	t->path[0] = '\0';
	t->err = err;
	snprintf(t->cause, sizeof(t->cause), "tracefs could not be mounted (%s)",
		 name ? name : "error");
	snprintf(t->text, sizeof(t->text),
		 "not mounted, and mounting it at %s failed: %s (%s): %s", where,
		 name ? name : "error", strerror(err), cjd_tracefs_hint(err));
	return -err;
}

int cjd_tracefs_ensure(struct cjd_tracefs *t, const char *mountinfo)
{
	const char *where = tracing_dir;

	memset(t, 0, sizeof(*t));
	if (cjd_tracefs_find(mountinfo, t->path, sizeof(t->path)) == 0) {
		t->state = CJD_TRACEFS_FOUND;
		snprintf(t->text, sizeof(t->text), "%s", t->path);
		return 0;
	}
	/* perf's order: tracefs's own mount point (kernel 4.1 on), else the
	 * tracing directory of a mounted debugfs. */
	if (fs_type(tracing_dir) < 0) {
		if (fs_type(debug_dir) != DEBUGFS_MAGIC || fs_type(debug_tracing_dir) < 0)
			return missing(t, tracing_dir, ENOENT);
		where = debug_tracing_dir;
	}
	if (mount("tracefs", where, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
		int err = errno;
		/* Someone else mounted it in the meantime: theirs will do. */
		if (err == EBUSY && cjd_tracefs_find(mountinfo, t->path, sizeof(t->path)) == 0) {
			t->state = CJD_TRACEFS_FOUND;
			snprintf(t->text, sizeof(t->text), "%s", t->path);
			return 0;
		}
		return missing(t, where, err);
	}
	if (fs_type(where) != TRACEFS_MAGIC)
		return missing(t, where, EIO);
	t->state = CJD_TRACEFS_MOUNTED;
	snprintf(t->path, sizeof(t->path), "%s", where);
	snprintf(t->text, sizeof(t->text),
		 "mounted at %s (nothing had mounted it; it stays mounted, as perf leaves it)",
		 where);
	return 0;
}
