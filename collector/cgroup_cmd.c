/* A command run in a fresh cgroup of its own: the cgroup made (stale ones swept), the fork and exec, the clean-up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/collector/cgroup_cmd.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/common/log.h"

/*
 * A run killed with SIGKILL (or by the OOM killer) cannot remove its cgroup. The next run sweeps
 * the cjd-record-<pid> cgroups whose pid is gone; rmdir only succeeds on an empty cgroup, so one
 * that still holds a process (or a live run whose pid was reused) is left alone.
 */
static void sweep_stale(const struct cjd_cgroupfs *fs)
{
	DIR *d = opendir(fs->path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[sizeof(fs->path) + 300];
		char *end;
		long pid;

		if (strncmp(de->d_name, "cjd-record-", 11) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + 11, &end, 10);
		if (errno || pid <= 0 || (*end && *end != '-'))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fs->path, de->d_name);
		if (rmdir(path) == 0)
			cjd_info("record: removed %s, left by a run (pid %ld) that was killed", path, pid);
	}
	closedir(d);
}

int cjd_cgroup_cmd_make(struct cjd_cgroup_cmd *c, const char *root, struct cjd_error *err)
{
	int rc;

	c->rel[0] = '\0';
	c->pid = 0;
	c->pidfd = -1;
	if ((rc = cjd_cgroupfs_find(&c->fs, root, NULL, err)) != 0)
		return rc;
	sweep_stale(&c->fs);
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(c->rel, sizeof(c->rel), "/cjd-record-%d", (int)getpid());
		else
			snprintf(c->rel, sizeof(c->rel), "/cjd-record-%d-%d", (int)getpid(), i);
		rc = cjd_cgroupfs_create(&c->fs, c->rel, err);
		if (rc == 0)
			return 0;
		if (rc != -EEXIST) {
			c->rel[0] = '\0';
			if (rc == -EACCES || rc == -EPERM || rc == -EROFS) {
				struct cjd_error why = *err;
				cjd_error_set(err, rc, why.file[0] ? why.file : NULL, why.line, why.column,
					      "%s; the CMD form creates a cgroup under %s: run it as "
					      "root (with the cgroup filesystem writable)",
					      why.text, c->fs.path);
			}
			return rc;
		}
	}
	c->rel[0] = '\0';
	return cjd_error_set(err, -EEXIST, NULL, 0, 0, "could not find a free cgroup name under %s",
			     c->fs.path);
}

/* Child side, between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *dir, char **cmd, int errfd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the caller's loop blocked INT/TERM for signalfd */
	signal(SIGPIPE, SIG_DFL);
	e = cjd_cgroupfs_enter_self(dir);
	if (e == 0) {
		execvp(cmd[0], cmd);
		e = -errno;
	}
	e = -e;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing more to say: the parent sees a short read */
	}
	_exit(127);
}

int cjd_cgroup_cmd_start(struct cjd_cgroup_cmd *c, char **cmd, struct cjd_error *err)
{
	char dir[4200];
	int pfd[2], e = 0;
	ssize_t n;

	if (!cjd_cgroupfs_join(&c->fs, c->rel, dir, sizeof(dir)))
		return cjd_error_set(err, -ENAMETOOLONG, NULL, 0, 0, "cgroup path too long");
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return cjd_error_set(err, -errno, NULL, 0, 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		c->pid = 0;
		return cjd_error_set(err, -e, NULL, 0, 0, "fork: %s", strerror(e));
	}
	if (c->pid == 0)
		child_exec(dir, cmd, pfd[1]);
	close(pfd[1]);
	/* The pipe closes on exec (O_CLOEXEC): EOF means CMD is running. */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
		return cjd_error_set(err, -e, NULL, 0, 0, "cannot run '%s': %s", cmd[0], strerror(e));
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0)
		return cjd_error_set(err, -errno, NULL, 0, 0, "pidfd_open: %s", strerror(errno));
	return 0;
}

int cjd_cgroup_cmd_remove(struct cjd_cgroup_cmd *c, struct cjd_error *err)
{
	int rc = 0;

	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	if (c->rel[0])
		rc = cjd_cgroupfs_destroy(&c->fs, c->rel, 2000, err);
	c->rel[0] = '\0';
	return rc;
}
