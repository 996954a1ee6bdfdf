/* Freeze and throttle, with the checks that keep a hostile cgroup name from steering cjd elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/common/log.h"
#include "cjd/daemon/actions.h"

struct cjd_actions {
	struct cjd_actions_config cfg;
	char v2_root[4096];
	char v1_cpu_root[4096];
	char self[1024];
	int v2_fd; /* O_PATH dirs: every open is relative to these */
	int v1_fd;
};

static void read_self(char *out, size_t len)
{
	FILE *fp = fopen("/proc/self/cgroup", "re");
	char line[1024];

	snprintf(out, len, "/");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 3);
		}
	}
	fclose(fp);
}

int cjd_actions_new(struct cjd_actions **out, const struct cjd_actions_config *cfg)
{
	struct cjd_actions *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->v2_fd = a->v1_fd = -1;
	if (!cfg->v2_root || !cfg->v1_cpu_root) {
		struct cjd_mounts *m = malloc(sizeof(*m));
		if (m && cjd_mounts_parse(NULL, m) == 0) {
			const char *v2 = cjd_mounts_v2(m);
			if (!cfg->v2_root && v2)
				snprintf(a->v2_root, sizeof(a->v2_root), "%s", v2);
			if (!cfg->v1_cpu_root)
				snprintf(a->v1_cpu_root, sizeof(a->v1_cpu_root), "%s", m->cpu_v1);
		}
		free(m);
	}
	if (cfg->v2_root)
		snprintf(a->v2_root, sizeof(a->v2_root), "%s", cfg->v2_root);
	if (cfg->v1_cpu_root)
		snprintf(a->v1_cpu_root, sizeof(a->v1_cpu_root), "%s", cfg->v1_cpu_root);
	if (cfg->self_cgroup)
		snprintf(a->self, sizeof(a->self), "%s", cfg->self_cgroup);
	else
		read_self(a->self, sizeof(a->self));
	if (a->v2_root[0])
		a->v2_fd = open(a->v2_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->v1_cpu_root[0])
		a->v1_fd = open(a->v1_cpu_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	a->cfg.v2_root = a->v2_root;
	a->cfg.v1_cpu_root = a->v1_cpu_root;
	a->cfg.self_cgroup = a->self;
	if (cfg->kind != CJD_ACTION_ALERT && a->v2_fd < 0 && a->v1_fd < 0) {
		cjd_actions_free(a);
		return -ENOENT;
	}
	*out = a;
	return 0;
}

void cjd_actions_free(struct cjd_actions *a)
{
	if (!a)
		return;
	if (a->v2_fd >= 0)
		close(a->v2_fd);
	if (a->v1_fd >= 0)
		close(a->v1_fd);
	free(a);
}

/* Same path after dropping trailing '/': "/a/b/" and "/a/b" are one cgroup. */
static bool same_cgroup(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);

	while (nx > 1 && x[nx - 1] == '/')
		nx--;
	while (ny > 1 && y[ny - 1] == '/')
		ny--;
	return nx == ny && strncmp(x, y, nx) == 0;
}

int cjd_actions_check(const struct cjd_actions *a, const char *cg, char *why, size_t whylen)
{
	const char *p;

	if (!cg || cg[0] != '/') {
		snprintf(why, whylen, "not an absolute cgroup path");
		return -EPERM;
	}
	for (p = cg; *p == '/'; p++)
		;
	if (!*p) {
		snprintf(why, whylen, "refusing to act on the root cgroup");
		return -EPERM;
	}
	/* ".." or "." components, and control characters, never name a real
	 * monitored cgroup; they only appear when someone is trying something. */
	for (p = cg; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "control character in cgroup path");
			return -EPERM;
		}
		if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
						    (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))) {
			snprintf(why, whylen, "'.' or '..' component in cgroup path");
			return -EPERM;
		}
	}
	if (same_cgroup(cg, a->self) ||
	    (strncmp(a->self, cg, strlen(cg)) == 0 && a->self[strlen(cg)] == '/')) {
		snprintf(why, whylen, "refusing to act on cjd's own cgroup or an ancestor of it");
		return -EPERM;
	}
	for (size_t i = 0; i < a->cfg.n_allowlist; i++) {
		if (fnmatch(a->cfg.allowlist[i], cg, 0) == 0) {
			snprintf(why, whylen, "cgroup is allowlisted by \"%s\"", a->cfg.allowlist[i]);
			return -EPERM;
		}
	}
	return 0;
}

/*
 * Opens <rel> beneath dirfd for writing without following any symlink and
 * without leaving dirfd: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where
 * the kernel has it (5.6+), else a walk one component at a time with
 * O_NOFOLLOW. The walk is as strict because cjd_actions_check() has already
 * refused "." and ".." components. Returns an fd or a negative errno.
 */
static int open_beneath(int dirfd, const char *rel)
{
	struct open_how how = {.flags = O_WRONLY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					  RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd >= 0 || errno != ENOSYS)
		return fd >= 0 ? fd : -errno;
	char comp[256];
	int cur = dirfd, rc;
	const char *p = rel;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || n >= sizeof(comp)) {
			rc = -EINVAL;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		bool last = p[n] == '\0';
		int next = openat(cur, comp,
				  last ? O_WRONLY | O_NOFOLLOW | O_CLOEXEC
				       : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* a symlink component fails O_DIRECTORY|O_NOFOLLOW as ENOTDIR; say ELOOP
		 * like openat2 does, so callers see one error for one cause */
		rc = next >= 0 ? next : errno == ENOTDIR ? -ELOOP : -errno;
		if (cur != dirfd)
			close(cur);
		if (next < 0 || last)
			break;
		cur = next;
		p += n + 1;
	}
	return rc;
}

/* Writes text to <cg>/<file> beneath dirfd without following any symlink. */
static int write_beneath(int dirfd, const char *cg, const char *file, const char *text)
{
	char rel[4200];
	int fd, rc = 0;

	while (*cg == '/')
		cg++;
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", cg, file) >= sizeof(rel))
		return -ENAMETOOLONG;
	fd = open_beneath(dirfd, rel);
	if (fd < 0)
		return fd;
	size_t n = strlen(text);
	ssize_t w;
	do
		w = write(fd, text, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != n)
		rc = -EIO;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	return rc;
}

static int result(struct cjd_action_result *res, enum cjd_action_outcome o, int rc,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int result(struct cjd_action_result *res, enum cjd_action_outcome o, int rc,
		  const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	res->rc = rc;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	return rc;
}

int cjd_actions_apply(struct cjd_actions *a, const char *cg, double score,
		      struct cjd_action_result *res)
{
	char why[160], text[64];
	int rc;

	if (a->cfg.kind == CJD_ACTION_ALERT)
		return result(res, CJD_ACT_SKIPPED, 0, "action is alert only");
	if (score < a->cfg.min_score)
		return result(res, CJD_ACT_SKIPPED, 0, "score %.3f is below actions.min_score %.3f",
			      score, a->cfg.min_score);
	if (cjd_actions_check(a, cg, why, sizeof(why)))
		return result(res, CJD_ACT_REFUSED, -EPERM, "%s", why);

	if (a->cfg.kind == CJD_ACTION_FREEZE) {
		if (a->v2_fd < 0)
			return result(res, CJD_ACT_FAILED, -ENOENT, "no cgroup v2 hierarchy to freeze in");
		rc = write_beneath(a->v2_fd, cg, "cgroup.freeze", "1");
		if (rc)
			return result(res, CJD_ACT_FAILED, rc, "writing 1 to %s%s/cgroup.freeze: %s",
				      a->v2_root, cg, strerror(-rc));
		return result(res, CJD_ACT_DONE, 0, "wrote 1 to %s%s/cgroup.freeze", a->v2_root, cg);
	}

	/* throttle: cpu.max on v2 when the cpu controller is there, else the v1 CFS quota */
	snprintf(text, sizeof(text), "%llu %llu", (unsigned long long)a->cfg.quota_us,
		 (unsigned long long)a->cfg.period_us);
	rc = a->v2_fd >= 0 ? write_beneath(a->v2_fd, cg, "cpu.max", text) : -ENOENT;
	if (rc == 0)
		return result(res, CJD_ACT_DONE, 0, "wrote \"%s\" to %s%s/cpu.max", text, a->v2_root, cg);
	if (rc != -ENOENT)
		return result(res, CJD_ACT_FAILED, rc, "writing \"%s\" to %s%s/cpu.max: %s", text,
			      a->v2_root, cg, strerror(-rc));
	if (a->v1_fd < 0)
		return result(res, CJD_ACT_FAILED, -ENOENT,
			      "no cpu controller: %s%s/cpu.max is missing and there is no v1 cpu hierarchy",
			      a->v2_root, cg);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)a->cfg.period_us);
	rc = write_beneath(a->v1_fd, cg, "cpu.cfs_period_us", text);
	if (!rc) {
		snprintf(text, sizeof(text), "%llu", (unsigned long long)a->cfg.quota_us);
		rc = write_beneath(a->v1_fd, cg, "cpu.cfs_quota_us", text);
	}
	if (rc)
		return result(res, CJD_ACT_FAILED, rc, "setting the CFS quota of %s%s: %s",
			      a->v1_cpu_root, cg, strerror(-rc));
	return result(res, CJD_ACT_DONE, 0, "set %s%s cpu.cfs_quota_us=%llu cpu.cfs_period_us=%llu",
		      a->v1_cpu_root, cg, (unsigned long long)a->cfg.quota_us,
		      (unsigned long long)a->cfg.period_us);
}
