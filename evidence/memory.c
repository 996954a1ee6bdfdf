/* The memory probe: smaps_rollup of every process, and the memory.stat of the cgroup holding exactly them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/evidence/memory.h"
#include "cjd/evidence/target.h"
#include "cjd/common/time.h"
#include "internal.h"

#define DEFAULT_MAX_PROCS 4096
#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)
/* RandomX: the cache every miner keeps (light mode), and the fast-mode dataset */
#define RANDOMX_CACHE (256 * MIB)
#define RANDOMX_DATASET (2 * GIB)

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Whether every process of the cgroup `dir` (and its descendants) is one of sorted[]. */
static bool holds_only(const char *dir, const pid_t *sorted, size_t n, char *why, size_t len)
{
	struct cjd_target t;
	struct cjd_error err;
	size_t others = 0;

	if (cjd_target_from_cgroup(&t, dir, true, &err) != 0) {
		snprintf(why, len, "cannot list the processes of %s: %s", dir, err.text);
		return false;
	}
	for (size_t i = 0; i < t.npids; i++)
		others += !bsearch(&t.pids[i], sorted, n, sizeof(*sorted), cmp_pid);
	cjd_target_free(&t);
	if (others)
		snprintf(why, len, "the memory cgroup %s also holds %zu other process%s", dir, others,
			 others == 1 ? "" : "es");
	return !others;
}

/* The cgroup directory (on the hierarchy of `controller`, NULL for v2) that all pids share,
 * when it has a memory.stat. */
static bool shared_cgroup(const pid_t *pids, size_t npids, const struct cjd_memory_opts *o,
			  const char *controller, char *dir, size_t len)
{
	char mount[4096], rel[4096], first[4096] = "";

	if (!npids || cjd_memory_cgroup_mount(o->mountinfo, controller, mount, sizeof(mount)))
		return false;
	for (size_t i = 0; i < npids; i++) {
		if (cjd_target_cgroup_of(pids[i], o->proc, controller, rel, sizeof(rel)) != 0)
			continue; /* gone: it no longer counts anywhere */
		if (!first[0])
			memcpy(first, rel, sizeof(first));
		else if (strcmp(first, rel) != 0)
			return false;
	}
	if (!first[0] ||
	    (size_t)snprintf(dir, len, "%s%s", mount, strcmp(first, "/") ? first : "") >= len)
		return false;
	snprintf(rel, sizeof(rel), "%s/memory.stat", dir);
	return access(rel, R_OK) == 0;
}

static void find_stat(const pid_t *pids, size_t npids, const struct cjd_memory_opts *o,
		      struct cjd_memory_result *res)
{
	char dir[4096], path[4200];
	pid_t *sorted;
	struct cjd_error err;
	bool found = false;

	if (o->cgroup) {
		snprintf(path, sizeof(path), "%s/memory.stat", o->cgroup);
		if (access(path, R_OK) == 0) {
			/* the target itself: it holds exactly the target's processes */
			if (cjd_memory_parse_stat(path, &res->stat, &err) == 0) {
				res->have_stat = true;
				snprintf(res->stat_path, sizeof(res->stat_path), "%s", path);
			} else {
				cjd_error_format(&err, res->stat_why, sizeof(res->stat_why));
			}
			return;
		}
	}
	if (!npids) {
		snprintf(res->stat_why, sizeof(res->stat_why), "no processes");
		return;
	}
	/* Elsewhere (a hybrid host keeps memory on v1): the cgroup the processes share,
	 * if it holds nothing else. */
	sorted = malloc(npids * sizeof(*sorted));
	if (!sorted) {
		snprintf(res->stat_why, sizeof(res->stat_why), "out of memory");
		return;
	}
	memcpy(sorted, pids, npids * sizeof(*sorted));
	qsort(sorted, npids, sizeof(*sorted), cmp_pid);
	if (shared_cgroup(pids, npids, o, NULL, dir, sizeof(dir)) ||
	    shared_cgroup(pids, npids, o, "memory", dir, sizeof(dir))) {
		found = true;
		if (holds_only(dir, sorted, npids, res->stat_why, sizeof(res->stat_why))) {
			snprintf(path, sizeof(path), "%s/memory.stat", dir);
			if (cjd_memory_parse_stat(path, &res->stat, &err) == 0) {
				res->have_stat = true;
				snprintf(res->stat_path, sizeof(res->stat_path), "%s", path);
			} else {
				cjd_error_format(&err, res->stat_why, sizeof(res->stat_why));
			}
		}
	}
	if (!found)
		snprintf(res->stat_why, sizeof(res->stat_why),
			 "no memory.stat covers exactly these processes%s",
			 o->cgroup ? " (the target's cgroup has none: the memory controller is not "
				     "enabled there)"
				   : "");
	free(sorted);
}

int cjd_memory_run(const pid_t *pids, size_t npids, const struct cjd_memory_opts *opts,
		   struct cjd_memory_result *res, struct cjd_error *err)
{
	struct cjd_memory_opts o = opts ? *opts : (struct cjd_memory_opts){0};
	uint64_t t0 = cjd_now_mono_ns();
	size_t n;
	int first_rc = 0;
	struct cjd_error perr;

	memset(res, 0, sizeof(*res));
	if (!o.max_procs)
		o.max_procs = DEFAULT_MAX_PROCS;
	n = npids < o.max_procs ? npids : o.max_procs;
	res->procs_over = npids - n;
	if (n && !(res->procs = calloc(n, sizeof(*res->procs))))
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "memory: out of memory");
	res->nprocs = n;
	for (size_t i = 0; i < n; i++) {
		struct cjd_memory_proc *p = &res->procs[i];
		char path[256];

		p->pid = pids[i];
		cjd_ev_comm(p->pid, 0, o.proc, p->comm, sizeof(p->comm));
		cjd_ev_proc_path(path, sizeof(path), o.proc, p->pid, 0, "smaps_rollup");
		p->rc = cjd_memory_parse_rollup(path, &p->m, &perr);
		if (p->rc) {
			/* a format the parser does not know is worth reporting as it is */
			if (p->rc == -EINVAL && !first_rc)
				cjd_error_format(&perr, res->parse_error, sizeof(res->parse_error));
			if (!first_rc)
				first_rc = p->rc;
			continue;
		}
		res->nread++;
		res->total.rss += p->m.rss;
		res->total.anon += p->m.anon;
		res->total.anon_huge += p->m.anon_huge;
		res->total.shmem_huge += p->m.shmem_huge;
		res->total.hugetlb += p->m.hugetlb;
		res->total.swap += p->m.swap;
	}
	find_stat(pids, npids, &o, res);
	res->elapsed_ns = cjd_now_mono_ns() - t0;
	if (n && !res->nread && !res->have_stat) {
		bool gone = true;
		for (size_t i = 0; i < n; i++)
			gone &= res->procs[i].rc == -ESRCH;
		if (!gone)
			return cjd_error_set(err, first_rc == -EINVAL ? -EINVAL : -EACCES, NULL, 0, 0,
					     "memory: could not read any process's smaps_rollup "
					     "(%s), and %s",
					     res->parse_error[0] ? res->parse_error
								 : strerror(-first_rc),
					     res->stat_why);
	}
	return 0;
}

void cjd_memory_result_free(struct cjd_memory_result *res)
{
	if (!res)
		return;
	free(res->procs);
	memset(res, 0, sizeof(*res));
}

static json_t *rollup_json(const struct cjd_memory_rollup *m)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "rss_bytes", (json_int_t)m->rss,
			 "anon_bytes", (json_int_t)m->anon, "anon_thp_bytes",
			 (json_int_t)m->anon_huge, "shmem_thp_bytes", (json_int_t)m->shmem_huge,
			 "hugetlb_bytes", (json_int_t)m->hugetlb, "swap_bytes", (json_int_t)m->swap);
}

int cjd_memory_to_json(const struct cjd_memory_result *res, json_t **out)
{
	json_t *o = json_object(), *total = rollup_json(&res->total), *procs = json_array();

	*out = NULL;
	if (!o || !total || !procs)
		goto out_nomem;
	json_object_set_new(o, "processes", json_integer((json_int_t)res->nprocs));
	json_object_set_new(o, "processes_read", json_integer((json_int_t)res->nread));
	json_object_set_new(o, "processes_over_limit", json_integer((json_int_t)res->procs_over));
	json_object_update(o, total);
	json_decref(total);
	total = NULL;
	if (res->have_stat) {
		const struct cjd_memory_stat *s = &res->stat;
		json_object_set_new(o, "memory_stat",
				    json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I}", "path", res->stat_path,
					      "version", s->version, "anon_bytes", (json_int_t)s->anon,
					      "anon_thp_bytes", (json_int_t)s->anon_thp, "file_bytes",
					      (json_int_t)s->file, "file_mapped_bytes",
					      (json_int_t)s->file_mapped, "shmem_bytes",
					      (json_int_t)s->shmem));
	} else {
		json_object_set_new(o, "memory_stat", json_null());
		json_object_set_new(o, "memory_stat_why", json_string(res->stat_why));
	}
	if (res->parse_error[0])
		json_object_set_new(o, "parse_error", json_string(res->parse_error));
	for (size_t i = 0; i < res->nprocs; i++) {
		const struct cjd_memory_proc *p = &res->procs[i];
		json_t *j = json_pack("{s:i,s:s}", "pid", (int)p->pid, "comm", p->comm),
		       *m = rollup_json(&p->m);
		if (!j || !m || json_object_update(j, m)) {
			json_decref(j);
			json_decref(m);
			goto out_nomem;
		}
		json_decref(m);
		if (p->rc)
			json_object_set_new(j, "error", json_string(p->rc == -ESRCH ? "exited"
									: strerror(-p->rc)));
		if (json_array_append_new(procs, j))
			goto out_nomem;
	}
	json_object_set_new(o, "procs", procs);
	*out = o;
	return 0;
out_nomem:
	json_decref(o);
	json_decref(total);
	json_decref(procs);
	return -ENOMEM;
}

int cjd_memory_describe(const struct cjd_memory_result *res, char *buf, size_t len)
{
	char a[32], thp[32], htlb[32];
	uint64_t anon, huge_thp, hugetlb;
	const char *who, *fit;
	char whobuf[64];
	int n;

	if (!buf && len)
		return -EINVAL;
	if (!res->nprocs && !res->have_stat)
		return snprintf(buf, len, "No processes, so no memory to look at.");
	if (res->nread) {
		anon = res->total.anon;
		huge_thp = res->total.anon_huge;
		hugetlb = res->total.hugetlb;
		snprintf(whobuf, sizeof(whobuf), "%zu process%s hold%s", res->nread,
			 res->nread == 1 ? "" : "es", res->nread == 1 ? "s" : "");
		who = whobuf;
	} else if (res->have_stat) {
		anon = res->stat.anon;
		huge_thp = res->stat.anon_thp;
		hugetlb = 0; /* memory.stat does not count hugetlb pages */
		who = "The cgroup holds";
	} else {
		return snprintf(buf, len, "Could not read the memory of any of %zu process%s (%s).",
				res->nprocs, res->nprocs == 1 ? "" : "es", res->stat_why);
	}
	cjd_ev_fmt_bytes(anon, a, sizeof(a));
	cjd_ev_fmt_bytes(huge_thp, thp, sizeof(thp));
	cjd_ev_fmt_bytes(hugetlb, htlb, sizeof(htlb));
	if (anon + hugetlb >= RANDOMX_DATASET)
		fit = "enough for a RandomX fast-mode dataset (2 GiB, plus a 256 MiB cache)";
	else if (anon + hugetlb >= RANDOMX_CACHE)
		fit = "enough for RandomX light mode (a 256 MiB cache), not for fast mode (a 2 GiB "
		      "dataset)";
	else
		fit = "less than RandomX keeps resident even in light mode (a 256 MiB cache)";
	if (res->nread)
		n = snprintf(buf, len,
			     "%s %s of anonymous memory (%s on transparent huge pages, %s on "
			     "hugetlb pages): %s.",
			     who, a, thp, htlb, fit);
	else
		n = snprintf(buf, len,
			     "%s %s of anonymous memory (%s on transparent huge pages; memory.stat "
			     "does not count hugetlb pages): %s.",
			     who, a, thp, fit);
	return n;
}

bool cjd_memory_available(char *why, size_t len)
{
	if (access("/proc/self/smaps_rollup", R_OK) != 0) {
		snprintf(why, len, "no /proc/PID/smaps_rollup here (Linux 4.14 or later has it)");
		return false;
	}
	if (len)
		why[0] = '\0';
	return true;
}
