/* Finding a process's descendants in /proc and stopping them: SIGTERM, grace, SIGKILL. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/proc_stop.h"
#include "cjd/common/time.h"

struct proc {
	pid_t pid, ppid;
	bool zombie;
};

/* pid, ppid and state from /proc/PID/stat; the comm field may hold spaces and ')' */
static bool read_stat(pid_t pid, struct proc *p)
{
	char path[64], buf[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false; /* gone meanwhile */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *close = strrchr(buf, ')');
	char state;
	int ppid;
	if (!close || sscanf(close + 1, " %c %d", &state, &ppid) != 2)
		return false;
	*p = (struct proc){.pid = pid, .ppid = (pid_t)ppid, .zombie = state == 'Z' || state == 'X'};
	return true;
}

/* Every process of /proc, as (pid, ppid). */
static int list_procs(struct proc **out, size_t *n_out)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc *v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || *end)
			continue;
		if (cjd_array_reserve(v, cap, n + 1)) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		if (read_stat((pid_t)pid, &v[n]))
			n++;
	}
	closedir(d);
	*out = v;
	*n_out = n;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static long find(const struct proc *v, size_t n, pid_t pid)
{
	struct proc key = {.pid = pid};
	const struct proc *p = bsearch(&key, v, n, sizeof(*v), by_pid);

	return p ? p - v : -1;
}

int cjd_proc_signal_descendants(pid_t ancestor, int sig)
{
	enum { UNKNOWN, YES, NO };
	struct proc *v = NULL;
	size_t n = 0, *chain;
	unsigned char *st;
	int rc = list_procs(&v, &n), count = 0;

	if (rc)
		return rc;
	qsort(v, n, sizeof(*v), by_pid);
	st = calloc(n ? n : 1, 1);
	chain = malloc((n ? n : 1) * sizeof(*chain));
	if (!st || !chain) {
		free(st);
		free(chain);
		free(v);
		return -ENOMEM;
	}
	/* walk each process's parents up to the ancestor or the root, remembering the
	 * answer for every process on the way, so the whole table costs O(n log n) */
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		long j = (long)i;
		unsigned char answer = NO;
		while (j >= 0 && st[j] == UNKNOWN && len < n) {
			chain[len++] = (size_t)j;
			if (v[j].ppid == ancestor) {
				answer = YES;
				j = -1;
				break;
			}
			j = v[j].ppid > 0 ? find(v, n, v[j].ppid) : -1;
		}
		if (j >= 0 && st[j] != UNKNOWN)
			answer = st[j];
		for (size_t k = 0; k < len; k++)
			st[chain[k]] = answer;
	}
	for (size_t i = 0; i < n; i++)
		if (st[i] == YES && !v[i].zombie && kill(v[i].pid, sig) == 0)
			count++;
	free(chain);
	free(st);
	free(v);
	return count;
}

void cjd_stopper_init(struct cjd_stopper *s, const char *who, const char *what, uint64_t grace_ns,
		      int (*signal)(void *ctx, int sig), void *ctx)
{
	*s = (struct cjd_stopper){.who = who, .what = what,
				  .grace_ns = grace_ns ? grace_ns : CJD_STOP_GRACE_DEFAULT_NS,
				  .signal = signal, .ctx = ctx};
}

void cjd_stopper_begin(struct cjd_stopper *s, uint64_t now_ns, const char *why)
{
	char grace[32];

	if (s->term_ns)
		return;
	s->term_ns = now_ns ? now_ns : 1;
	int n = s->signal(s->ctx, SIGTERM);
	cjd_duration_format(s->grace_ns, grace, sizeof(grace));
	if (!why)
		return; /* an expected stop: only a SIGKILL is news */
	if (n < 0)
		cjd_warn("%s: %s; cannot signal %s: %s", s->who, why, s->what, strerror(-n));
	else
		cjd_warn("%s: %s; sending SIGTERM to %d process%s (%s), SIGKILL in %s to any "
			 "still running (--kill-after)",
			 s->who, why, n, n == 1 ? "" : "es", s->what, grace);
}

bool cjd_stopper_poll(struct cjd_stopper *s, uint64_t now_ns)
{
	char grace[32];

	if (!s->term_ns || s->killed || now_ns - s->term_ns < s->grace_ns)
		return false;
	s->killed = true;
	/* count first: a cgroup.kill leaves nothing to count after it */
	int n = s->signal(s->ctx, 0);
	if (n == 0)
		return true; /* all gone in the meantime: nothing to say */
	int k = s->signal(s->ctx, SIGKILL);
	if (k < 0)
		n = k;
	cjd_duration_format(s->grace_ns, grace, sizeof(grace));
	if (n < 0)
		cjd_warn("%s: cannot send SIGKILL to %s: %s", s->who, s->what, strerror(-n));
	else
		cjd_warn("%s: %d process%s still running %s after SIGTERM (%s); sent SIGKILL", s->who,
			 n, n == 1 ? "" : "es", grace, s->what);
	return true;
}

bool cjd_stopper_started(const struct cjd_stopper *s)
{
	return s->term_ns != 0;
}

bool cjd_stopper_killed(const struct cjd_stopper *s)
{
	return s->killed;
}
