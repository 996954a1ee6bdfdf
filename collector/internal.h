/* The collector's internal pieces: cgroup scan and table, event plan, group reads, backends. */
#ifndef CJD_COLLECTOR_INTERNAL_H
#define CJD_COLLECTOR_INTERNAL_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/collector/cpus.h"
#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/sys_perf.h"
#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/sample.h"

/* ---- /proc and /sys knobs (procfs.c) ---- */

/* The integer at the start of a small file, or dflt when it cannot be read. */
int cjd_read_int_file(const char *path, int dflt);

/* ---- cgroup tree walk (cgroup_scan.c) ---- */

struct cjd_scan_entry {
	uint64_t ino;
	char *path; /* "/"-rooted, relative to the root; owned by the result */
};

struct cjd_scan_result {
	struct cjd_scan_entry *e;
	size_t n, cap;
	size_t dirs; /* directories visited */
};

struct cjd_scan_filter {
	const char *const *include;
	size_t n_include;
	const char *const *exclude;
	size_t n_exclude;
	bool all; /* CJD_SELECT_ALL: leaves and inner nodes, empty or not */
};

/*
 * Walks the hierarchy under root_dir and appends the selected cgroups to res
 * (cleared first). The root itself ("/") is selected only when an include
 * glob is exactly "/" (its counts include the idle task). A directory that vanishes or cannot be read mid-walk is
 * skipped with a debug line. Returns 0, or a negative errno when root_dir
 * itself cannot be read.
 */
int cjd_scan(const char *root_dir, const struct cjd_scan_filter *f, struct cjd_scan_result *res);
void cjd_scan_result_release(struct cjd_scan_result *res);

/* ---- refcounted cgroup handles keyed by inode (cgroup_table.c) ---- */

struct cjd_cgroup {
	uint64_t ino;
	char *path;       /* relative path, "/"-rooted */
	const char *name; /* what samples carry: path, or a configured alias */
	unsigned refs;
	uint64_t seen;    /* the scan generation that last saw it */
	void *priv;       /* owner's per-cgroup state (the collector's monitor) */
};

struct cjd_cgroup_table;

struct cjd_cgroup_table *cjd_cgroup_table_new(void);
/* Frees the table; handles still referenced are freed too (owner's bug). */
void cjd_cgroup_table_free(struct cjd_cgroup_table *t);

/*
 * Finds the handle for ino, or creates it for path (copied). Takes a
 * reference either way. *created tells which. An existing handle with a
 * different path is not returned: *stale gets it (no reference taken) and a
 * NULL return with -EEXIST in *rc asks the caller to retire it first.
 * Returns NULL with *rc = -ENOMEM on allocation failure.
 */
struct cjd_cgroup *cjd_cgroup_findnew(struct cjd_cgroup_table *t, uint64_t ino, const char *path,
				      bool *created, struct cjd_cgroup **stale, int *rc);
struct cjd_cgroup *cjd_cgroup_find(struct cjd_cgroup_table *t, uint64_t ino);
void cjd_cgroup_get(struct cjd_cgroup *cg);
/* Drops a reference; at zero the handle leaves the table and is freed. */
void cjd_cgroup_put(struct cjd_cgroup_table *t, struct cjd_cgroup *cg);
size_t cjd_cgroup_table_count(const struct cjd_cgroup_table *t);
/* Handle i of count. Freeing handle i moves the last one into slot i, so
 * iterate backwards (for (i = count; i-- > 0;)) when handles may go. */
struct cjd_cgroup *cjd_cgroup_table_at(const struct cjd_cgroup_table *t, size_t i);

/* ---- the event plan: which events go into which perf group (event_plan.c) ---- */

#define CJD_GROUP_MAX 16
#define CJD_PLAN_MAX_GROUPS CJD_EV__COUNT

struct cjd_plan_group {
	unsigned n;
	enum cjd_event ev[CJD_GROUP_MAX]; /* ev[0] is the leader */
	struct perf_event_attr attr[CJD_GROUP_MAX];
	int anchor_pos; /* position of the plan's anchor event in this group, or -1 */
};

struct cjd_plan {
	cjd_event_mask mask;
	unsigned ngroups;
	struct cjd_plan_group g[CJD_PLAN_MAX_GROUPS];
	int anchor;      /* event repeated in every hardware group (instructions), or -1 */
	unsigned ncpus;
	int cpus[CJD_MAX_CPUS];
};

/*
 * Splits mask into perf groups. The software events (and tracepoints) form
 * one group. Hardware events are packed into as few groups as the core PMU's
 * counters allow, keeping the ratio pairs together (cycles with
 * instructions for IPC, branches with branch-misses, cache-references with
 * cache-misses) and putting `instructions` into every hardware group as the
 * anchor that cjd_groups_to_sample() normalises by, so every "per
 * instruction" ratio comes from one group. attrs[ev] are the encodings.
 * Returns 0, or -E2BIG with why filled when a pair cannot fit the counters.
 */
int cjd_plan_build(struct cjd_plan *p, cjd_event_mask mask, const struct cjd_pmu_caps *caps,
		   const struct perf_event_attr attrs[CJD_EV__COUNT], char *why, size_t len);

/* fds per (cgroup, CPU): the sum of the group sizes. */
unsigned cjd_plan_fds_per_cpu(const struct cjd_plan *p);

/* ---- group reads (groupread.c): pure, fuzzable, trusts nothing ---- */

/* One PERF_FORMAT_GROUP|TOTAL_TIME_ENABLED|TOTAL_TIME_RUNNING read. */
struct cjd_group_values {
	uint64_t enabled, running;
	uint32_t n;
	uint64_t value[CJD_GROUP_MAX];
};

/*
 * Parses a group read buffer: {u64 nr, time_enabled, time_running, value[nr]}.
 * Never trusts nr: returns -EPROTO when len < 24, nr != expect_n,
 * nr > CJD_GROUP_MAX, or len < 24 + 8*nr. Unaligned buffers are fine.
 */
int cjd_groupread_parse(const void *buf, size_t len, uint32_t expect_n,
			struct cjd_group_values *out);

/* The change between two reads, scaled for multiplexing. */
struct cjd_group_delta {
	uint64_t enabled, running; /* running clamped to enabled */
	uint32_t n;
	uint64_t raw[CJD_GROUP_MAX];
	uint64_t scaled[CJD_GROUP_MAX];
	bool reset;    /* a value or time went backwards: counted from zero again */
	bool measured; /* false when the group was enabled but never on the PMU */
};

/*
 * delta = cur - prev, scaled by enabled/running. Guards: running == 0 with
 * enabled > 0 gives zeros and measured = false (nothing to scale); running >
 * enabled is clamped (no scaling up); a counter that went backwards (reset,
 * re-open) is taken as counting from zero: delta = cur. prev may be NULL
 * (the first read). n is cur->n.
 */
void cjd_groupread_delta(const struct cjd_group_values *prev, const struct cjd_group_values *cur,
			 struct cjd_group_delta *d);

/* raw * enabled / running in 128 bits, saturating at UINT64_MAX; 0 when
 * running == 0; raw unchanged when running >= enabled. */
uint64_t cjd_scale_count(uint64_t raw, uint64_t enabled, uint64_t running);

/* Per-group sums over CPUs of scaled deltas, filled by the backend. */
struct cjd_group_acc {
	uint64_t enabled, running;
	uint64_t scaled[CJD_GROUP_MAX];
};

/*
 * Turns one cgroup's per-group sums into counts and running ratios of s
 * (events = p->mask, has_running = true). When the plan has an anchor, each
 * hardware group's events are normalised so that the group's anchor equals
 * the pooled anchor estimate: then count[x] / count[instructions] is exactly
 * the ratio measured inside x's group. Never divides by zero.
 */
void cjd_groups_to_sample(const struct cjd_plan *p, const struct cjd_group_acc *acc,
			  struct cjd_sample *s);

/* ---- counting backends: an ops table, so a BPF backend can slot in ---- */

struct cjd_backend_ops {
	const char *name;
	/*
	 * Opens the counters of one cgroup (cgroup_fd: its directory, which the
	 * caller closes afterwards) on every CPU of the plan. Returns 0 with *h
	 * set, or a negative errno with nothing left open: -EMFILE/-ENFILE/
	 * -ENOSPC/-ENOMEM mean "out of room", -ENOENT/-ENODEV/-EBADF "cgroup
	 * gone", -EACCES/-EPERM "not allowed". `what` gets the failing call.
	 */
	int (*open)(const struct cjd_plan *p, int cgroup_fd, void **h, char *what, size_t len);
	/* Starts counting (ioctl on the group leaders only). */
	int (*enable)(const struct cjd_plan *p, void *h);
	/* Reads deltas since the previous read into s. Returns 0 or -errno. */
	int (*read)(const struct cjd_plan *p, void *h, struct cjd_sample *s);
	/* Closes everything; accepts NULL. */
	void (*close)(const struct cjd_plan *p, void *h);
};

extern const struct cjd_backend_ops cjd_backend_perf;

#endif
