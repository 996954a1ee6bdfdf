/* Small reads from /proc/PID/task/TID: status fields, scheduler state, thread names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void task_path(char *buf, size_t len, const char *proc, pid_t pid, pid_t tid,
		      const char *file)
{
	if (tid > 0)
		snprintf(buf, len, "%s/%d/task/%d/%s", proc ? proc : "/proc", (int)pid, (int)tid,
			 file);
	else
		snprintf(buf, len, "%s/%d/%s", proc ? proc : "/proc", (int)pid, file);
}

int cjd_ev_status_field(pid_t pid, pid_t tid, const char *proc, const char *key, long *out)
{
	char path[256], line[256];
	size_t klen = strlen(key);
	int rc = -ENOENT;
	FILE *fp;

	task_path(path, sizeof(path), proc, pid, tid, "status");
	fp = fopen(path, "re");
	if (!fp)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			char *end;
			errno = 0;
			*out = strtol(line + klen + 1, &end, 10);
			rc = errno || end == line + klen + 1 ? -EINVAL : 0;
			break;
		}
	fclose(fp);
	return rc;
}

/* The fields of .../stat after the name: "S ppid pgrp ...", or NULL. The name may hold blanks
 * and parentheses, so the fields start after the last ')'. */
static const char *stat_fields(pid_t pid, pid_t tid, const char *proc, char *buf, size_t len)
{
	char path[256], *paren;
	size_t n;
	FILE *fp;

	task_path(path, sizeof(path), proc, pid, tid, "stat");
	fp = fopen(path, "re");
	if (!fp)
		return NULL;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] ? paren + 2 : NULL;
}

char cjd_ev_thread_state(pid_t pid, pid_t tid, const char *proc)
{
	char buf[512];
	const char *f = stat_fields(pid, tid, proc, buf, sizeof(buf));

	return f ? f[0] : '?';
}

unsigned long cjd_ev_thread_flags(pid_t pid, pid_t tid, const char *proc)
{
	char buf[512];
	const char *f = stat_fields(pid, tid, proc, buf, sizeof(buf));
	unsigned long flags = 0;

	/* state ppid pgrp session tty_nr tpgid flags */
	if (!f || sscanf(f, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return 0;
	return flags;
}

void cjd_ev_comm(pid_t pid, pid_t tid, const char *proc, char *buf, size_t len)
{
	char path[256];
	size_t n = 0;
	FILE *fp;

	task_path(path, sizeof(path), proc, pid, tid, "comm");
	buf[0] = '\0';
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (fgets(buf, (int)len, fp))
		n = strcspn(buf, "\n");
	buf[n] = '\0';
	fclose(fp);
}
