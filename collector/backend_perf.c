/* The perf_event backend: one event group per (cgroup, CPU), read with PERF_FORMAT_GROUP each tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/* One cgroup's counters. fd[(cpu * ngroups + g) * CJD_GROUP_MAX + k], so a
 * group's fds sit together and the leader is k == 0. */
struct perf_cg {
	int *fd;
	struct cjd_group_values *prev; /* [cpu * ngroups + g] */
};

static size_t fd_at(const struct cjd_plan *p, unsigned cpu, unsigned g, unsigned k)
{
	return ((size_t)cpu * p->ngroups + g) * CJD_GROUP_MAX + k;
}

static void perf_close(const struct cjd_plan *p, void *h)
{
	struct perf_cg *c = h;

	if (!c)
		return;
	for (unsigned cpu = 0; cpu < p->ncpus; cpu++)
		for (unsigned g = 0; g < p->ngroups; g++)
			for (unsigned k = 0; k < p->g[g].n; k++) {
				int fd = c->fd[fd_at(p, cpu, g, k)];
				if (fd >= 0)
					close(fd);
			}
	free(c->fd);
	free(c->prev);
	free(c);
}

static int perf_open(const struct cjd_plan *p, int cgroup_fd, void **out, char *what, size_t len)
{
	size_t nfd = (size_t)p->ncpus * p->ngroups * CJD_GROUP_MAX;
	struct perf_cg *c = calloc(1, sizeof(*c));
	int rc = 0;

	*out = NULL;
	if (!c || !(c->fd = malloc(nfd * sizeof(int))) ||
	    !(c->prev = calloc((size_t)p->ncpus * p->ngroups, sizeof(*c->prev)))) {
		if (c)
			free(c->fd);
		free(c);
		snprintf(what, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < nfd; i++)
		c->fd[i] = -1;
	for (unsigned cpu = 0; cpu < p->ncpus && !rc; cpu++) {
		for (unsigned g = 0; g < p->ngroups && !rc; g++) {
			const struct cjd_plan_group *pg = &p->g[g];
			int leader = -1;
			/* A counter starts at zero when opened: the first read's delta is cur - 0. */
			c->prev[cpu * p->ngroups + g].n = pg->n;
			for (unsigned k = 0; k < pg->n; k++) {
				struct perf_event_attr attr = pg->attr[k];
				int fd = cjd_sys_perf_event_open(&attr, cgroup_fd, p->cpus[cpu], leader,
								 PERF_FLAG_PID_CGROUP |
									 PERF_FLAG_FD_CLOEXEC);
				if (fd < 0) {
					rc = fd;
					snprintf(what, len, "perf_event_open(%s, cpu %d): %s",
						 cjd_event_info(pg->ev[k])->name, p->cpus[cpu],
						 strerror(-fd));
					break;
				}
				c->fd[fd_at(p, cpu, g, k)] = fd;
				if (k == 0)
					leader = fd;
			}
		}
	}
	if (rc) {
		perf_close(p, c);
		return rc;
	}
	*out = c;
	return 0;
}

static int perf_enable(const struct cjd_plan *p, void *h)
{
	struct perf_cg *c = h;

	for (unsigned cpu = 0; cpu < p->ncpus; cpu++)
		for (unsigned g = 0; g < p->ngroups; g++)
			if (ioctl(c->fd[fd_at(p, cpu, g, 0)], PERF_EVENT_IOC_ENABLE, 0) != 0)
				return -errno;
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int perf_read(const struct cjd_plan *p, void *h, struct cjd_sample *s)
{
	struct perf_cg *c = h;
	struct cjd_group_acc acc[CJD_PLAN_MAX_GROUPS];
	uint64_t buf[3 + CJD_GROUP_MAX];

	memset(acc, 0, sizeof(acc[0]) * p->ngroups);
	for (unsigned cpu = 0; cpu < p->ncpus; cpu++) {
		for (unsigned g = 0; g < p->ngroups; g++) {
			struct cjd_group_values *prev = &c->prev[cpu * p->ngroups + g];
			struct cjd_group_values cur;
			struct cjd_group_delta d;
			size_t want = (3 + p->g[g].n) * sizeof(uint64_t);
			ssize_t n;
			int rc;

			do
				n = read(c->fd[fd_at(p, cpu, g, 0)], buf, want);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return -errno;
			if ((rc = cjd_groupread_parse(buf, (size_t)n, p->g[g].n, &cur)) != 0)
				return rc;
			cjd_groupread_delta(prev, &cur, &d);
			*prev = cur;
			acc[g].enabled = sat_add(acc[g].enabled, d.enabled);
			acc[g].running = sat_add(acc[g].running, d.running);
			for (unsigned k = 0; k < d.n; k++)
				acc[g].scaled[k] = sat_add(acc[g].scaled[k], d.scaled[k]);
		}
	}
	cjd_groups_to_sample(p, acc, s);
	return 0;
}

const struct cjd_backend_ops cjd_backend_perf = {
	.name = "perf",
	.open = perf_open,
	.enable = perf_enable,
	.read = perf_read,
	.close = perf_close,
};
