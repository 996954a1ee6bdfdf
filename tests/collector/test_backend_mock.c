/* The perf backend against wrapped perf_event_open/read/ioctl/close: grouping, scaling, errors, leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/* ---- the fake kernel ---- */

#define FAKE_BASE 100000 /* far above any real fd of this process */
#define FAKE_MAX 512

struct fake {
	bool open;
	int group_fd; /* leader fd, -1 for a leader */
	int cpu;
	pid_t pid;
	unsigned long flags;
	struct perf_event_attr attr;
	int enables;
	unsigned char buf[256];
	size_t len;
	int read_errno;
};

static struct fake fakes[FAKE_MAX];
static int n_fakes;
static int open_calls, fail_open_at, fail_errno;

static void fakes_reset(void)
{
	memset(fakes, 0, sizeof(fakes));
	n_fakes = 0;
	open_calls = 0;
	fail_open_at = -1;
}

static struct fake *fake_of(int fd)
{
	if (fd < FAKE_BASE || fd >= FAKE_BASE + n_fakes)
		return NULL;
	return &fakes[fd - FAKE_BASE];
}

int __wrap_cjd_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
				   unsigned long flags);
int __wrap_cjd_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
				   unsigned long flags)
{
	if (open_calls++ == fail_open_at)
		return -fail_errno;
	assert_true(n_fakes < FAKE_MAX);
	struct fake *f = &fakes[n_fakes];
	f->open = true;
	f->group_fd = group_fd;
	f->cpu = cpu;
	f->pid = pid;
	f->flags = flags;
	f->attr = *attr;
	return FAKE_BASE + n_fakes++;
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	struct fake *f = fake_of(fd);

	if (!f)
		return __real_read(fd, buf, n);
	assert_true(f->open);
	if (f->read_errno) {
		errno = f->read_errno;
		return -1;
	}
	if (n < f->len) { /* what the kernel does for a too-small group read */
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, f->buf, f->len);
	return (ssize_t)f->len;
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	struct fake *f = fake_of(fd);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!f)
		return __real_ioctl(fd, req, arg);
	assert_true(f->open);
	if (req == PERF_EVENT_IOC_ENABLE)
		f->enables++;
	return 0;
}

int __real_close(int fd);
int __wrap_close(int fd);
int __wrap_close(int fd)
{
	struct fake *f = fake_of(fd);

	if (!f)
		return __real_close(fd);
	assert_true(f->open); /* a double close would be a bug */
	f->open = false;
	return 0;
}

static int fakes_open(void)
{
	int n = 0;
	for (int i = 0; i < n_fakes; i++)
		n += fakes[i].open;
	return n;
}

/* Sets the group read buffer the leader of (cpu, group g) returns. */
static void set_read(int leader_fd, uint64_t en, uint64_t run, const uint64_t *v, unsigned n)
{
	struct fake *f = fake_of(leader_fd);
	uint64_t hdr[3] = {n, en, run};

	if (!f) {
		fail_msg("fd %d is not a fake", leader_fd);
		return;
	}
	memcpy(f->buf, hdr, sizeof(hdr));
	memcpy(f->buf + sizeof(hdr), v, n * sizeof(uint64_t));
	f->len = sizeof(hdr) + n * sizeof(uint64_t);
}

/* Leader fds in open order: (cpu 0, g 0), (cpu 0, g 1), ..., (cpu 1, g 0), ... */
static int leader(int idx)
{
	int seen = 0;
	for (int i = 0; i < n_fakes; i++)
		if (fakes[i].group_fd == -1 && seen++ == idx)
			return FAKE_BASE + i;
	fail_msg("no leader %d", idx);
	return -1;
}

/* ---- plans ---- */

static void software_plan(struct cjd_plan *p)
{
	struct perf_event_attr attrs[CJD_EV__COUNT];
	struct cjd_pmu_caps caps = {.generic = 4};
	char why[128];

	memset(attrs, 0, sizeof(attrs));
	for (int i = 0; i < CJD_EV__COUNT; i++)
		attrs[i].config = (uint64_t)i;
	assert_int_equal(cjd_plan_build(p, CJD_EVMASK_SOFTWARE, &caps, attrs, why, sizeof(why)), 0);
	p->ncpus = 2;
	p->cpus[0] = 0;
	p->cpus[1] = 1;
}

static void hardware_plan(struct cjd_plan *p)
{
	struct perf_event_attr attrs[CJD_EV__COUNT];
	/* 4 generic counters, no fixed ones: {ins, br, brm}+{cyc}... split in groups */
	struct cjd_pmu_caps caps = {.generic = 4};
	char why[128];

	memset(attrs, 0, sizeof(attrs));
	cjd_event_mask m = CJD_EVMASK(CJD_EV_CYCLES) | CJD_EVMASK(CJD_EV_INSTRUCTIONS) |
			   CJD_EVMASK(CJD_EV_BRANCHES) | CJD_EVMASK(CJD_EV_BRANCH_MISSES) |
			   CJD_EVMASK(CJD_EV_L1D_LOAD_MISSES);
	assert_int_equal(cjd_plan_build(p, m, &caps, attrs, why, sizeof(why)), 0);
	p->ncpus = 1;
	p->cpus[0] = 3;
}

/* A software plan on 2 CPUs, opened for a pretend cgroup fd 7. */
static void *open_software(struct cjd_plan *p)
{
	void *h = NULL;
	char what[200];

	software_plan(p);
	assert_int_equal(cjd_backend_perf.open(p, 7, &h, what, sizeof(what)), 0);
	return h;
}

static int setup(void **state)
{
	(void)state;
	fakes_reset();
	return 0;
}

/* ---- tests ---- */

static void test_open_shape(void **state)
{
	(void)state;
	static struct cjd_plan p;
	void *h;
	char what[200];

	software_plan(&p);
	assert_int_equal(p.ngroups, 1);
	assert_int_equal(cjd_backend_perf.open(&p, 7, &h, what, sizeof(what)), 0);
	assert_int_equal(n_fakes, 10); /* 5 events x 2 CPUs */
	for (int i = 0; i < n_fakes; i++) {
		struct fake *f = &fakes[i];
		assert_int_equal(f->pid, 7); /* the cgroup directory fd */
		assert_int_equal(f->flags, PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC);
		assert_int_equal(f->attr.read_format, PERF_FORMAT_GROUP |
							      PERF_FORMAT_TOTAL_TIME_ENABLED |
							      PERF_FORMAT_TOTAL_TIME_RUNNING);
		assert_int_equal(f->attr.inherit, 0);
		/* Leader disabled, members enabled and pointing at their leader. */
		if (i % 5 == 0) {
			assert_int_equal(f->group_fd, -1);
			assert_int_equal(f->attr.disabled, 1);
		} else {
			assert_int_equal(f->group_fd, FAKE_BASE + i - i % 5);
			assert_int_equal(f->attr.disabled, 0);
		}
		assert_int_equal(f->cpu, i < 5 ? 0 : 1);
	}
	/* Enable goes to the leaders only. */
	assert_int_equal(cjd_backend_perf.enable(&p, h), 0);
	for (int i = 0; i < n_fakes; i++)
		assert_int_equal(fakes[i].enables, i % 5 == 0 ? 1 : 0);
	cjd_backend_perf.close(&p, h);
	assert_int_equal(fakes_open(), 0);
}

static void test_sum_over_cpus_and_multiplexing(void **state)
{
	(void)state;
	static struct cjd_plan p;
	struct cjd_sample s;
	void *h = open_software(&p);

	/* events in registry order: task-clock, ctx-switches, migrations, faults, syscalls */
	uint64_t c0[5] = {1000, 10, 1, 5, 100}, c1[5] = {3000, 30, 3, 15, 300};
	set_read(leader(0), 1000, 1000, c0, 5);
	set_read(leader(1), 4000, 1000, c1, 5); /* cpu 1 counted a quarter of the time */
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	assert_int_equal(s.events, CJD_EVMASK_SOFTWARE);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 1000 + 12000);
	assert_int_equal(s.count[CJD_EV_SYSCALLS], 100 + 1200);
	assert_true(fabsf(s.running[CJD_EV_TASK_CLOCK] - 2000.0f / 5000.0f) < 1e-6f);

	/* Second read: deltas, not totals. */
	uint64_t d0[5] = {1500, 12, 1, 5, 150}, d1[5] = {3000, 30, 3, 15, 300};
	set_read(leader(0), 2000, 2000, d0, 5);
	set_read(leader(1), 4000, 1000, d1, 5); /* cpu 1 did not run at all */
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 500);
	assert_int_equal(s.count[CJD_EV_CONTEXT_SWITCHES], 2);
	assert_int_equal(s.count[CJD_EV_SYSCALLS], 50);
	assert_true(s.running[CJD_EV_TASK_CLOCK] == 1.0f);
	cjd_backend_perf.close(&p, h);
	assert_int_equal(fakes_open(), 0);
}

static void test_running_zero_and_reset(void **state)
{
	(void)state;
	static struct cjd_plan p;
	struct cjd_sample s;
	void *h = open_software(&p);

	uint64_t a[5] = {5000, 50, 5, 50, 500}, z[5] = {0};
	/* Enabled but never running on either CPU: no division by zero, count 0, running 0. */
	set_read(leader(0), 1000, 0, z, 5);
	set_read(leader(1), 1000, 0, z, 5);
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 0);
	assert_true(s.running[CJD_EV_TASK_CLOCK] == 0.0f);

	set_read(leader(0), 2000, 1000, a, 5);
	set_read(leader(1), 1000, 0, z, 5);
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], 5000); /* 1000 of 1000 ns ran: no scaling */

	/* A reset: cpu 0's counter went back to a small value. The delta is the
	 * new value, never a wrapped 2^64 - something. */
	uint64_t r[5] = {700, 7, 0, 7, 70};
	set_read(leader(0), 2500, 1500, r, 5);
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	assert_true(s.count[CJD_EV_TASK_CLOCK] < 10000);
	assert_int_equal(s.count[CJD_EV_TASK_CLOCK], cjd_scale_count(700, 2500, 1500));
	cjd_backend_perf.close(&p, h);
}

static void test_hardware_groups_keep_ratios(void **state)
{
	(void)state;
	static struct cjd_plan p;
	struct cjd_sample s;
	void *h;
	char what[200];

	hardware_plan(&p);
	/* capacity 4, anchor costs 1: {ins, br, brm, cyc} then {ins, L1D} */
	assert_int_equal(p.ngroups, 2);
	assert_int_equal(p.anchor, CJD_EV_INSTRUCTIONS);
	assert_int_equal(cjd_backend_perf.open(&p, 9, &h, what, sizeof(what)), 0);
	assert_int_equal(n_fakes, 6);
	/* group 0 in registry order: cycles, instructions, branches, branch-misses */
	assert_int_equal(p.g[0].ev[0], CJD_EV_CYCLES);
	assert_int_equal(p.g[0].anchor_pos, 1);
	assert_int_equal(p.g[1].anchor_pos, 0);
	/* Counts are integers: keep them large, as real ones are, so rounding stays tiny. */
	uint64_t g0[4] = {4000000, 8000000, 1000000, 50000}; /* IPC 2, 5% branch misses */
	uint64_t g1[2] = {3000000, 90000}; /* 30 L1D misses per 1000 instructions */
	set_read(leader(0), 1000, 500, g0, 4);   /* multiplexed: half the time each */
	set_read(leader(1), 1000, 500, g1, 2);
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), 0);
	double ins = (double)s.count[CJD_EV_INSTRUCTIONS];
	assert_true(fabs(ins / (double)s.count[CJD_EV_CYCLES] - 2.0) < 1e-6);
	assert_true(fabs((double)s.count[CJD_EV_BRANCH_MISSES] / (double)s.count[CJD_EV_BRANCHES] -
			 0.05) < 1e-6);
	assert_true(fabs(1000.0 * (double)s.count[CJD_EV_L1D_LOAD_MISSES] / ins - 30.0) < 1e-3);
	/* pooled anchor: (16e6 * 500 + 6e6 * 500) / 1000 */
	assert_int_equal(s.count[CJD_EV_INSTRUCTIONS], 11000000);
	assert_true(fabsf(s.running[CJD_EV_L1D_LOAD_MISSES] - 0.5f) < 1e-6f);
	cjd_backend_perf.close(&p, h);
	assert_int_equal(fakes_open(), 0);
}

static void test_open_failure_closes_everything(void **state)
{
	(void)state;
	static struct cjd_plan p;
	void *h = (void *)1;
	char what[200];

	software_plan(&p);
	/* EMFILE on the 8th open (cpu 1, third member): nothing may stay open. */
	fail_open_at = 7;
	fail_errno = EMFILE;
	assert_int_equal(cjd_backend_perf.open(&p, 7, &h, what, sizeof(what)), -EMFILE);
	assert_null(h);
	assert_int_equal(fakes_open(), 0);
	assert_non_null(strstr(what, "cpu 1"));
	assert_non_null(strstr(what, "cpu-migrations"));

	fakes_reset();
	fail_open_at = 0;
	fail_errno = EACCES;
	assert_int_equal(cjd_backend_perf.open(&p, 7, &h, what, sizeof(what)), -EACCES);
	assert_int_equal(fakes_open(), 0);
}

static void test_read_errors(void **state)
{
	(void)state;
	static struct cjd_plan p;
	struct cjd_sample s;
	uint64_t v[5] = {1, 1, 1, 1, 1};
	void *h = open_software(&p);

	set_read(leader(0), 10, 10, v, 5);
	set_read(leader(1), 10, 10, v, 4); /* a group read with the wrong nr */
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), -EPROTO);
	set_read(leader(1), 10, 10, v, 5);
	fake_of(leader(1))->len = 30; /* cut short */
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), -EPROTO);
	fake_of(leader(1))->read_errno = ENODEV;
	assert_int_equal(cjd_backend_perf.read(&p, h, &s), -ENODEV);
	cjd_backend_perf.close(&p, h);
	assert_int_equal(fakes_open(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_shape, setup),
		cmocka_unit_test_setup(test_sum_over_cpus_and_multiplexing, setup),
		cmocka_unit_test_setup(test_running_zero_and_reset, setup),
		cmocka_unit_test_setup(test_hardware_groups_keep_ratios, setup),
		cmocka_unit_test_setup(test_open_failure_closes_everything, setup),
		cmocka_unit_test_setup(test_read_errors, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
