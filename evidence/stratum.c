/* The stratum probe: reads each process's anonymous writable mappings in overlapping chunks and searches them for pool-protocol markers. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/common/caps.h"
#include "cjd/common/time.h"
#include "cjd/evidence/stratum.h"
#include "internal.h"
#include "stratum_internal.h"

#define MIB (1024ull * 1024)
#define DEFAULT_MAX_REGION (64 * MIB) /* RandomX's 256 MiB cache and JVM heaps are not read whole */
#define DEFAULT_MAX_PROC (64 * MIB)
#define DEFAULT_LARGE_PREFIX (8 * MIB)
#define DEFAULT_LARGE_BUDGET (16 * MIB)
#define DEFAULT_MAX_PROCS 16
#define DEFAULT_CHUNK (1 * MIB)

/* The scan of one process: its state, the bounds, and the reading buffer. */
struct scan {
	const struct cjd_stratum_opts *o;
	struct cjd_stratum_proc *p;
	unsigned char *buf;
	size_t overlap;
	struct cjd_stratum_region *regions; /* the process's mappings to read */
	size_t nregions, cap;
};

/* Whether rc means the process is gone. */
static bool gone(int rc)
{
	return rc == -ESRCH || rc == -ENOENT;
}

/*
 * Reads [at, end) chunk by chunk while *budget lasts, each read starting
 * `overlap` bytes before the previous one ended. Returns the bytes of the
 * range left unread by the budget, or the error that ends the process's scan
 * (-ESRCH, -EPERM, -EACCES); *unreadable says the range stopped being
 * readable (counted in s->p).
 */
static int64_t read_range(struct scan *s, uint64_t at, uint64_t end, uint64_t *budget,
			  bool *unreadable)
{
	struct cjd_stratum_proc *p = s->p;

	*unreadable = false;
	while (at < end) {
		size_t want = s->o->chunk_bytes;
		ssize_t got;

		if (want > end - at)
			want = (size_t)(end - at);
		if (want > *budget)
			want = (size_t)*budget;
		if (!want)
			return (int64_t)(end - at);
		got = cjd_ev_vm_read(p->pid, s->buf, at, want);
		if (got == -ESRCH || got == -EPERM || got == -EACCES)
			return got;
		if (got <= 0) {
			/* unmapped meanwhile (EFAULT), or a device mapping that refuses (EIO) */
			p->regions_unreadable++;
			*unreadable = true;
			return 0;
		}
		*budget -= (uint64_t)got;
		p->bytes_read += (uint64_t)got;
		p->markers = cjd_stratum_search(s->buf, (size_t)got, p->markers);
		at += (uint64_t)got;
		/* the next read starts early enough to see a marker this one cut in two */
		if (at < end && (size_t)got > s->overlap)
			at -= s->overlap;
	}
	return 0;
}

/*
 * Reads the process's regions: first every region within max_region_bytes, in
 * maps order, up to max_proc_bytes. A region over the bound (RandomX's
 * dataset, a JVM heap) is not read whole; when the small regions held no pool
 * conversation, the first large_prefix_bytes of each large one are, up to
 * large_budget_bytes: a managed runtime keeps the messages it received in
 * its heap, and young objects sit at the heap's start (a JVM's 500 MiB heap
 * held them in its first 2 MiB). Returns 0 or the error that ends the scan.
 */
static int scan_regions(struct scan *s)
{
	struct cjd_stratum_proc *p = s->p;
	uint64_t budget = s->o->max_proc_bytes, large = s->o->large_budget_bytes;
	int64_t left;
	bool unreadable;

	for (size_t i = 0; i < s->nregions; i++) {
		const struct cjd_stratum_region *r = &s->regions[i];
		if (r->end - r->start > s->o->max_region_bytes)
			continue;
		if ((left = read_range(s, r->start, r->end, &budget, &unreadable)) < 0)
			return (int)left;
		p->bytes_over_budget += (uint64_t)left;
		p->regions_scanned += !left && !unreadable;
	}
	for (size_t i = 0; i < s->nregions; i++) {
		const struct cjd_stratum_region *r = &s->regions[i];
		uint64_t size = r->end - r->start, want = s->o->large_prefix_bytes;
		if (size <= s->o->max_region_bytes)
			continue;
		uint64_t before = p->bytes_read;
		if (!cjd_stratum_conversation(p->markers) && large) {
			if ((left = read_range(s, r->start, r->start + (want < size ? want : size),
					       &large, &unreadable)) < 0)
				return (int)left;
		}
		uint64_t read = p->bytes_read - before;
		if (read) {
			p->regions_large_read++;
			p->bytes_skipped_large += size > read ? size - read : 0;
		} else {
			p->regions_skipped_large++;
			p->bytes_skipped_large += size;
		}
	}
	return 0;
}

/* Scans process p->pid. Returns 0 or the reason it could not be (p->rc gets it too). */
static int scan_process(struct scan *s, char *perr, size_t perrlen)
{
	struct cjd_stratum_proc *p = s->p;
	char path[256], *text = NULL;
	size_t len = 0;
	const char *line, *end;
	int lineno = 0, rc;

	cjd_ev_proc_path(path, sizeof(path), s->o->proc, p->pid, 0, "maps");
	rc = cjd_ev_slurp(path, &text, &len);
	if (rc)
		return p->rc = gone(rc) ? -ESRCH : rc;
	s->nregions = 0;
	for (line = text, end = text + len; line < end && !rc;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line);
		struct cjd_stratum_region r;
		const char *what = NULL;

		lineno++;
		if (n && cjd_stratum_maps_line(line, n, &r, &what) != 0) {
			if (!perr[0])
				snprintf(perr, perrlen, "%s:%d: %s", path, lineno, what);
			rc = -EINVAL;
		} else if (n && r.scan) {
			if (cjd_array_reserve(s->regions, s->cap, s->nregions + 1))
				rc = -ENOMEM;
			else
				s->regions[s->nregions++] = r;
		}
		line = nl ? nl + 1 : end;
	}
	free(text);
	if (!rc)
		rc = scan_regions(s);
	return p->rc = rc;
}

static void add_up(struct cjd_stratum_result *res, const struct cjd_stratum_proc *p)
{
	unsigned distinct = (unsigned)__builtin_popcount(p->markers);

	res->markers |= p->markers;
	res->procs_with_markers += distinct >= 1;
	res->procs_with_2_markers += distinct >= 2;
	res->procs_with_conversation += cjd_stratum_conversation(p->markers);
	res->bytes_read += p->bytes_read;
	res->bytes_skipped_large += p->bytes_skipped_large;
	res->bytes_over_budget += p->bytes_over_budget;
	res->regions_scanned += p->regions_scanned;
	res->regions_skipped_large += p->regions_skipped_large;
	res->regions_large_read += p->regions_large_read;
	res->regions_unreadable += p->regions_unreadable;
	/* a process that exited mid-scan was read in part: what was read counts */
	res->procs_scanned += !p->rc || p->bytes_read > 0;
	res->procs_gone += p->rc == -ESRCH;
	res->procs_denied += p->rc == -EPERM || p->rc == -EACCES;
}

int cjd_stratum_run(const pid_t *pids, size_t npids, const struct cjd_stratum_opts *opts,
		    struct cjd_stratum_result *res, struct cjd_error *err)
{
	struct cjd_stratum_opts o = opts ? *opts : (struct cjd_stratum_opts){0};
	struct scan s = { .o = &o, .overlap = cjd_stratum_overlap() };
	uint64_t t0 = cjd_now_mono_ns();
	size_t n;
	int first_denied = 0;

	memset(res, 0, sizeof(*res));
	o.max_region_bytes = o.max_region_bytes ? o.max_region_bytes : DEFAULT_MAX_REGION;
	o.max_proc_bytes = o.max_proc_bytes ? o.max_proc_bytes : DEFAULT_MAX_PROC;
	o.max_procs = o.max_procs ? o.max_procs : DEFAULT_MAX_PROCS;
	o.large_prefix_bytes = o.large_prefix_bytes ? o.large_prefix_bytes : DEFAULT_LARGE_PREFIX;
	o.large_budget_bytes = o.large_budget_bytes ? o.large_budget_bytes : DEFAULT_LARGE_BUDGET;
	o.chunk_bytes = o.chunk_bytes ? o.chunk_bytes : DEFAULT_CHUNK;
	if (o.chunk_bytes <= s.overlap)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "stratum: chunk_bytes %zu must exceed the markers' overlap %zu",
				     o.chunk_bytes, s.overlap);
	res->max_region_bytes = o.max_region_bytes;
	res->max_proc_bytes = o.max_proc_bytes;
	res->large_prefix_bytes = o.large_prefix_bytes;
	n = npids < o.max_procs ? npids : o.max_procs;
	res->procs_over = npids - n;
	if (n && (!(res->procs = calloc(n, sizeof(*res->procs))) ||
		  !(s.buf = malloc(o.chunk_bytes)))) {
		free(s.buf);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "stratum: out of memory");
	}
	res->nprocs = n;
	for (size_t i = 0; i < n; i++) {
		struct cjd_stratum_proc *p = &res->procs[i];

		p->pid = pids[i];
		cjd_ev_comm(p->pid, 0, o.proc, p->comm, sizeof(p->comm));
		s.p = p;
		scan_process(&s, res->parse_error, sizeof(res->parse_error));
		if ((p->rc == -EPERM || p->rc == -EACCES) && !first_denied)
			first_denied = p->rc;
		add_up(res, p);
	}
	/* the workload's data: gone from here once searched */
	if (s.buf)
		explicit_bzero(s.buf, o.chunk_bytes);
	free(s.buf);
	free(s.regions);
	res->elapsed_ns = cjd_now_mono_ns() - t0;
	if (n && !res->procs_scanned && res->procs_denied)
		return cjd_error_set(err, first_denied, NULL, 0, 0,
				     "stratum: could not read the memory of any of %zu process%s "
				     "(%s: reading another user's process needs CAP_SYS_PTRACE, "
				     "and kernel.yama.ptrace_scope may forbid it)",
				     n, n == 1 ? "" : "es", strerror(-first_denied));
	return 0;
}

void cjd_stratum_result_free(struct cjd_stratum_result *res)
{
	if (!res)
		return;
	free(res->procs);
	memset(res, 0, sizeof(*res));
}

bool cjd_stratum_available(char *why, size_t len)
{
	if (access("/proc/self/maps", R_OK) != 0) {
		snprintf(why, len, "no /proc/PID/maps here (procfs is not mounted)");
		return false;
	}
	if (!cjd_caps_have(CAP_SYS_PTRACE))
		snprintf(why, len, "without CAP_SYS_PTRACE only this user's processes' memory is "
				   "read");
	else if (len)
		why[0] = '\0';
	return true;
}
