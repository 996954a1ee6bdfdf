/* cjd.processes: up to 16 {pid, comm, exe, cmdline} of a cgroup, read at alert time. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/publish/alert_procs.h"

/* Reads a whole small file into buf (NUL-terminated). Returns bytes read or -errno. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static void read_process(int pid, struct cjd_process *p)
{
	char path[64];
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = slurp(path, p->comm, sizeof(p->comm));
	if (n > 0 && p->comm[n - 1] == '\n')
		p->comm[n - 1] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = slurp(path, p->cmdline, sizeof(p->cmdline));
	/* arguments are NUL-separated; the last NUL ends the list */
	while (n > 0 && p->cmdline[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (p->cmdline[i] == '\0')
			p->cmdline[i] = ' ';
	if (n >= 0)
		p->cmdline[n] = '\0';
}

/* Whether the process is still there (its /proc entry exists). */
static bool alive(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}

static bool path_safe(const char *cgroup)
{
	for (const char *c = cgroup; (c = strstr(c, "..")) != NULL; c += 2)
		if ((c == cgroup || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
			return false;
	return true;
}

int cjd_procs_read(const char *cgroup_root, const char *cgroup, struct cjd_process *procs,
		   size_t max, size_t *total)
{
	char path[4096];
	char *list;
	size_t n = 0, count = 0;
	ssize_t len;

	*total = 0;
	if (!path_safe(cgroup))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/cgroup.procs", cgroup_root,
			     cgroup[0] == '/' ? cgroup + 1 : cgroup) >= sizeof(path))
		return -ENAMETOOLONG;
	/* 64 KiB lists ~9000 PIDs; a larger cgroup still reports the first ones */
	list = malloc(65536);
	if (!list)
		return -ENOMEM;
	len = slurp(path, list, 65536);
	if (len < 0) {
		free(list);
		return (int)len;
	}
	for (char *save = NULL, *tok = strtok_r(list, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save)) {
		char *end;
		long pid = strtol(tok, &end, 10);
		if (*end || pid <= 0 || pid > 0x3fffffff)
			continue;
		count++;
		if (n < max && alive((int)pid)) {
			read_process((int)pid, &procs[n]);
			n++;
		}
	}
	free(list);
	*total = count;
	return (int)n;
}
