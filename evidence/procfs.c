/* Reading /proc: paths, whole files, status fields, scheduler state and flags, names, process ages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/buf.h"
#include "internal.h"

void cjd_ev_proc_path(char *buf, size_t len, const char *proc, pid_t pid, pid_t tid,
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

	cjd_ev_proc_path(path, sizeof(path), proc, pid, tid, "status");
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

	cjd_ev_proc_path(path, sizeof(path), proc, pid, tid, "stat");
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

	cjd_ev_proc_path(path, sizeof(path), proc, pid, tid, "comm");
	buf[0] = '\0';
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (fgets(buf, (int)len, fp))
		n = strcspn(buf, "\n");
	buf[n] = '\0';
	fclose(fp);
}

int cjd_ev_slurp(const char *path, char **buf, size_t *len)
{
	struct cjd_buf b = CJD_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (!(rc = cjd_buf_reserve(&b, 8192))) {
		ssize_t r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : 0;
			break;
		}
		cjd_buf_advance(&b, (size_t)r);
	}
	close(fd);
	if (rc) {
		cjd_buf_release(&b);
		return rc;
	}
	return cjd_buf_steal(&b, buf, len);
}

int64_t cjd_ev_process_age_ms(pid_t pid, const char *proc)
{
	char buf[1024], path[256];
	const char *f = stat_fields(pid, 0, proc, buf, sizeof(buf));
	unsigned long long start = 0;
	long hz = sysconf(_SC_CLK_TCK);
	double uptime = 0;
	FILE *fp;

	/* state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice num_threads itrealvalue starttime(22) */
	if (!f || hz <= 0 ||
	    sscanf(f, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		      "%llu",
		   &start) != 1)
		return -1;
	snprintf(path, sizeof(path), "%s/uptime", proc ? proc : "/proc");
	if (!(fp = fopen(path, "re")))
		return -1;
	if (fscanf(fp, "%lf", &uptime) != 1) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	double age = uptime - (double)start / (double)hz;
	return age < 0 ? 0 : (int64_t)(age * 1000.0);
}
