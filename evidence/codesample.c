/* The code-sampling probe: cpu-clock IP samples of a cgroup (per CPU) or of threads, drained from mmap rings and analysed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cjd/collector/cpus.h"
#include "cjd/collector/sys_perf.h"
#include "cjd/common/time.h"
#include "codesample_internal.h"

#define DRAIN_NS 100000000ull /* drain every 100 ms: a ring of 8 pages holds ~1.3 s at 1 kHz */

struct ring {
	int fd;
	void *base;
	size_t map_len;
	uint8_t *data;
	uint64_t size;
	int where; /* CPU or tid, for messages */
};

static void rings_close(struct cs_run *r)
{
	for (unsigned i = 0; i < r->nrings; i++) {
		struct ring *g = &r->rings[i];
		if (g->base && g->base != MAP_FAILED)
			munmap(g->base, g->map_len);
		if (g->fd >= 0)
			close(g->fd);
	}
	free(r->rings);
	r->rings = NULL;
	r->nrings = 0;
}

static int opts_resolve(const struct cjd_codesample_opts *in, struct cjd_codesample_opts *o,
			struct cjd_error *err)
{
	*o = in ? *in : (struct cjd_codesample_opts){0};
	if (!o->duration_ns)
		o->duration_ns = CJD_CODESAMPLE_DEFAULT_DURATION_NS;
	if (!o->period_ns)
		o->period_ns = CJD_CODESAMPLE_DEFAULT_PERIOD_NS;
	if (!o->ring_pages)
		o->ring_pages = CJD_CODESAMPLE_DEFAULT_RING_PAGES;
	if (!o->max_code_bytes)
		o->max_code_bytes = CJD_CODESAMPLE_DEFAULT_CODE_BYTES;
	if (!o->max_samples)
		o->max_samples = CJD_CODESAMPLE_DEFAULT_MAX_SAMPLES;
	if (!o->proc)
		o->proc = "/proc";
	if (o->duration_ns > 60 * CJD_NSEC_PER_SEC)
		return cjd_error_set(err, -EINVAL, "codesample", 0, 0, "duration over 60 s");
	if (o->period_ns < 100000)
		return cjd_error_set(err, -EINVAL, "codesample", 0, 0,
				     "sample period under 100 us (10 kHz): the kernel would throttle it");
	if (o->ring_pages & (o->ring_pages - 1) || o->ring_pages > 1024)
		return cjd_error_set(err, -EINVAL, "codesample", 0, 0,
				     "ring_pages must be a power of two up to 1024, not %u", o->ring_pages);
	return 0;
}

static void attr_init(struct perf_event_attr *a, uint64_t period_ns, bool exclude_kernel)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	/* cpu-clock: an hrtimer per CPU, so it samples without a PMU (task-clock cannot in cgroup mode). */
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->sample_period = period_ns; /* in ns of CPU time: cpu-clock counts nanoseconds */
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	a->disabled = 1;
	a->exclude_hv = 1;
	/* Kernel samples are kept and counted apart (kernel share); they are never resolved. */
	a->exclude_kernel = exclude_kernel;
}

/* Opens one sampling event and maps its ring. */
static int ring_open(struct cs_run *r, struct ring *g, pid_t pid, int cpu, unsigned long flags,
		     char *what, size_t whatlen)
{
	struct perf_event_attr attr;
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	attr_init(&attr, r->o.period_ns, r->res->kernel_excluded);
	fd = cjd_sys_perf_event_open(&attr, pid, cpu, -1, flags | PERF_FLAG_FD_CLOEXEC);
	if ((fd == -EACCES || fd == -EPERM) && !r->res->kernel_excluded) {
		/* perf_event_paranoid 2 without CAP_PERFMON: user samples only, and say so. */
		attr_init(&attr, r->o.period_ns, true);
		fd = cjd_sys_perf_event_open(&attr, pid, cpu, -1, flags | PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0)
			r->res->kernel_excluded = true;
	}
	if (fd < 0) {
		snprintf(what, whatlen, "perf_event_open(cpu-clock sampling, %s %d): %s",
			 cpu >= 0 ? "cpu" : "tid", cpu >= 0 ? cpu : (int)pid, strerror(-fd));
		return fd;
	}
	g->fd = fd;
	g->where = cpu >= 0 ? cpu : (int)pid;
	g->map_len = (size_t)(1 + r->o.ring_pages) * (size_t)page;
	g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g->base == MAP_FAILED) {
		int e = errno;
		snprintf(what, whatlen, "mmap of the sample ring (%zu bytes): %s%s", g->map_len,
			 strerror(e),
			 e == EPERM ? " (over kernel.perf_event_mlock_kb; lower ring_pages)" : "");
		g->base = NULL;
		return -e;
	}
	struct perf_event_mmap_page *meta = g->base;
	g->data = (uint8_t *)g->base + (meta->data_offset ? meta->data_offset : (uint64_t)page);
	g->size = meta->data_size ? meta->data_size : (uint64_t)r->o.ring_pages * (uint64_t)page;
	return 0;
}

static int rings_alloc(struct cs_run *r, size_t n)
{
	r->rings = calloc(n ? n : 1, sizeof(*r->rings));
	if (!r->rings)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		r->rings[i].fd = -1;
	return 0;
}

static int open_cgroup(struct cs_run *r, const char *cgroup_dir, struct cjd_error *err)
{
	int *cpus = malloc(CJD_MAX_CPUS * sizeof(int));
	char what[256];
	int cgfd = -1, n, rc = 0;

	if (!cpus)
		return cjd_error_set(err, -ENOMEM, "codesample", 0, 0, "out of memory");
	n = cjd_cpus_online(r->o.cpus_path, cpus, err);
	if (n < 0) {
		free(cpus);
		return n;
	}
	cgfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		rc = cjd_error_set(err, -errno, cgroup_dir, 0, 0, "cannot open the cgroup: %s",
				   strerror(errno));
		goto out;
	}
	if ((rc = rings_alloc(r, (size_t)n)) != 0)
		goto out;
	for (int i = 0; i < n; i++) {
		r->nrings++;
		rc = ring_open(r, &r->rings[i], cgfd, cpus[i], PERF_FLAG_PID_CGROUP, what, sizeof(what));
		if (rc) {
			cjd_error_set(err, rc, cgroup_dir, 0, 0, "%s", what);
			goto out;
		}
	}
out:
	if (cgfd >= 0)
		close(cgfd); /* the events hold the cgroup */
	free(cpus);
	return rc;
}

static int open_tids(struct cs_run *r, const pid_t *tids, size_t ntids, struct cjd_error *err)
{
	char what[256] = "";
	int rc = 0;

	if ((rc = rings_alloc(r, ntids)) != 0)
		return cjd_error_set(err, rc, "codesample", 0, 0, "out of memory");
	for (size_t i = 0; i < ntids; i++) {
		struct ring *g = &r->rings[r->nrings];
		rc = ring_open(r, g, tids[i], -1, 0, what, sizeof(what));
		if (rc == -ESRCH)
			continue; /* the thread exited since it was listed: nothing to sample there */
		r->nrings++;
		if (rc)
			return cjd_error_set(err, rc, "codesample", 0, 0, "%s", what);
	}
	if (!r->nrings)
		return cjd_error_set(err, -ESRCH, "codesample", 0, 0,
				     "none of the %zu threads exists any more", ntids);
	return 0;
}

static int ioctl_all(struct cs_run *r, unsigned long req)
{
	for (unsigned i = 0; i < r->nrings; i++)
		if (ioctl(r->rings[i].fd, req, 0) != 0)
			return -errno;
	return 0;
}

static void drain_all(struct cs_run *r)
{
	struct cjd_ring_stats st = {0};

	for (unsigned i = 0; i < r->nrings; i++)
		cjd_ring_drain(r->rings[i].base, r->rings[i].data, r->rings[i].size, cjd_cs_collect, r,
			       &st);
	r->res->lost += st.lost;
	r->res->corrupt += st.corrupt;
	r->res->throttled += st.throttled;
	/* Maps of processes first seen in this drain, while they still run. */
	cjd_cs_load_new_maps(r);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / CJD_NSEC_PER_SEC), (long)(ns % CJD_NSEC_PER_SEC)};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Enables the rings for the window, drains them as it goes, and analyses. */
static int sample_and_analyse(struct cs_run *r, struct cjd_error *err)
{
	uint64_t t0, now, deadline;
	int rc;

	if ((rc = ioctl_all(r, PERF_EVENT_IOC_ENABLE)) != 0)
		return cjd_error_set(err, rc, "codesample", 0, 0, "enabling the events: %s",
				     strerror(-rc));
	t0 = cjd_now_mono_ns();
	deadline = t0 + r->o.duration_ns;
	while ((now = cjd_now_mono_ns()) < deadline) {
		sleep_ns(deadline - now < DRAIN_NS ? deadline - now : DRAIN_NS);
		drain_all(r);
	}
	ioctl_all(r, PERF_EVENT_IOC_DISABLE);
	r->res->window_ns = cjd_now_mono_ns() - t0;
	drain_all(r); /* what arrived between the last drain and the disable */
	rings_close(r);
	return cjd_cs_analyse(r, err);
}

static int run(const char *cgroup_dir, const pid_t *tids, size_t ntids,
	       const struct cjd_codesample_opts *opts, struct cjd_codesample_result *res,
	       struct cjd_error *err)
{
	struct cs_run r = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	cjd_error_clear(err);
	r.res = res;
	if ((rc = opts_resolve(opts, &r.o, err)) != 0)
		return rc;
	res->period_ns = r.o.period_ns;
	res->per_thread = !cgroup_dir;
	rc = cgroup_dir ? open_cgroup(&r, cgroup_dir, err) : open_tids(&r, tids, ntids, err);
	if (!rc) {
		res->nrings = r.nrings;
		rc = sample_and_analyse(&r, err);
	}
	rings_close(&r);
	cjd_cs_run_release(&r);
	return rc;
}

int cjd_codesample_run(const char *cgroup_dir, const struct cjd_codesample_opts *opts,
		       struct cjd_codesample_result *res, struct cjd_error *err)
{
	if (!cgroup_dir || !res)
		return cjd_error_set(err, -EINVAL, "codesample", 0, 0, "no cgroup given");
	return run(cgroup_dir, NULL, 0, opts, res, err);
}

int cjd_codesample_run_tids(const pid_t *tids, size_t ntids, const struct cjd_codesample_opts *opts,
			    struct cjd_codesample_result *res, struct cjd_error *err)
{
	if (!tids || !ntids || !res)
		return cjd_error_set(err, -EINVAL, "codesample", 0, 0, "no threads given");
	return run(NULL, tids, ntids, opts, res, err);
}
