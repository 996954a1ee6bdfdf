/* Code-sampling analysis: samples kept during the window, resolved to regions, concentration, and the hot code's mix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cjd/common/array.h"
#include "codesample_internal.h"

static struct cs_pid *pid_find(struct cs_run *r, pid_t pid)
{
	if (r->last_pid < r->npids && r->pids[r->last_pid].pid == pid)
		return &r->pids[r->last_pid];
	for (size_t i = 0; i < r->npids; i++)
		if (r->pids[i].pid == pid) {
			r->last_pid = i;
			return &r->pids[i];
		}
	return NULL;
}

static void pid_note(struct cs_run *r, pid_t pid)
{
	if (pid_find(r, pid))
		return;
	if (cjd_array_reserve(r->pids, r->pcap, r->npids + 1))
		return; /* its samples resolve as "unknown" */
	r->pids[r->npids] = (struct cs_pid){.pid = pid};
	r->last_pid = r->npids++;
}

int cjd_cs_collect(void *ctx, const struct cjd_ip_sample *s)
{
	struct cs_run *r = ctx;
	struct cjd_codesample_result *res = r->res;

	res->samples++;
	if (s->mode == CJD_IP_USER)
		res->user_samples++;
	else if (s->mode == CJD_IP_KERNEL)
		res->kernel_samples++;
	if (r->ns >= r->o.max_samples) {
		res->dropped++;
		return 0;
	}
	if (cjd_array_reserve(r->s, r->scap, r->ns + 1)) {
		res->dropped++;
		return 0;
	}
	r->s[r->ns++] = *s;
	pid_note(r, (pid_t)s->pid);
	return 0;
}

void cjd_cs_load_new_maps(struct cs_run *r)
{
	for (size_t i = 0; i < r->npids; i++) {
		struct cs_pid *p = &r->pids[i];
		if (p->loaded)
			continue;
		struct cjd_error err;

		p->loaded = true;
		p->maps_rc = cjd_maps_load(r->o.proc, p->pid, &p->maps, &err);
		if (p->maps_rc) {
			/* Its samples resolve as "unknown"; say why once, never silently. */
			r->res->maps_failed++;
			if (!r->res->maps_note[0])
				cjd_error_format(&err, r->res->maps_note, sizeof(r->res->maps_note));
		}
	}
}

void cjd_cs_run_release(struct cs_run *r)
{
	for (size_t i = 0; i < r->npids; i++)
		cjd_maps_release(&r->pids[i].maps);
	free(r->pids);
	free(r->s);
	r->pids = NULL;
	r->s = NULL;
	r->npids = r->ns = 0;
}

/* User samples first, then by pid and IP: each process's IPs in one ascending run. */
static int cmp_sample(const void *pa, const void *pb)
{
	const struct cjd_ip_sample *a = pa, *b = pb;

	if (a->mode != b->mode)
		return a->mode < b->mode ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->ip < b->ip ? -1 : a->ip > b->ip;
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* Distinct threads among the kept samples. */
static int count_tids(const struct cs_run *r, unsigned *out)
{
	uint32_t *t = malloc((r->ns ? r->ns : 1) * sizeof(*t));
	unsigned n = 0;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < r->ns; i++)
		t[i] = r->s[i].tid;
	qsort(t, r->ns, sizeof(*t), cmp_u32);
	for (size_t i = 0; i < r->ns; i++)
		n += i == 0 || t[i] != t[i - 1];
	free(t);
	*out = n;
	return 0;
}

/* Samples per file or kind of off-disk memory, for the top list. */
struct region_acc {
	enum cjd_region_kind kind;
	char path[256];
	uint64_t samples;
	unsigned npids;
	pid_t last_pid;
};

struct regions {
	struct region_acc *a;
	size_t n, cap;
};

static int region_add(struct regions *rg, enum cjd_region_kind kind, const char *path, pid_t pid,
		      uint64_t n)
{
	struct region_acc *x = NULL;

	for (size_t i = rg->n; i-- > 0;)
		if (rg->a[i].kind == kind && !strcmp(rg->a[i].path, path)) {
			x = &rg->a[i];
			break;
		}
	if (!x) {
		if (cjd_array_reserve(rg->a, rg->cap, rg->n + 1))
			return -ENOMEM;
		x = &rg->a[rg->n++];
		memset(x, 0, sizeof(*x));
		x->kind = kind;
		snprintf(x->path, sizeof(x->path), "%s", path);
	}
	x->samples += n;
	if (x->last_pid != pid || x->npids == 0) {
		x->npids++;
		x->last_pid = pid;
	}
	return 0;
}

static int cmp_region_desc(const void *pa, const void *pb)
{
	const struct region_acc *a = pa, *b = pb;

	return a->samples < b->samples ? 1 : a->samples > b->samples ? -1 : strcmp(a->path, b->path);
}

/* Everything the analysis builds, freed in one place. */
struct work {
	struct cjd_hot_ip *ips; /* distinct user IPs, grouped by process, ascending in each */
	pid_t *ip_pid;          /* the process of each IP */
	size_t nips;
	struct cjd_hot_line *lines;
	size_t nlines;
	struct cjd_window *win;
	pid_t *win_pid;
	size_t nwin;
	struct regions rg;
};

static void work_free(struct work *w)
{
	free(w->ips);
	free(w->ip_pid);
	free(w->lines);
	free(w->win);
	free(w->win_pid);
	free(w->rg.a);
}

/* Distinct user IPs (samples sorted by cmp_sample, user ones first) and their 64-byte lines. */
static int build_ips(const struct cs_run *r, size_t nuser, struct work *w)
{
	w->ips = malloc((nuser ? nuser : 1) * sizeof(*w->ips));
	w->ip_pid = malloc((nuser ? nuser : 1) * sizeof(*w->ip_pid));
	w->lines = malloc((nuser ? nuser : 1) * sizeof(*w->lines));
	if (!w->ips || !w->ip_pid || !w->lines)
		return -ENOMEM;
	for (size_t i = 0; i < nuser; i++) {
		const struct cjd_ip_sample *s = &r->s[i];
		bool same_pid = w->nips && w->ip_pid[w->nips - 1] == (pid_t)s->pid;
		if (same_pid && w->ips[w->nips - 1].ip == s->ip) {
			w->ips[w->nips - 1].n++;
		} else {
			w->ips[w->nips] = (struct cjd_hot_ip){s->ip, 1};
			w->ip_pid[w->nips++] = (pid_t)s->pid;
		}
		if (w->nlines && w->lines[w->nlines - 1].pid == s->pid &&
		    w->lines[w->nlines - 1].line == s->ip >> 6)
			w->lines[w->nlines - 1].n++;
		else
			w->lines[w->nlines++] = (struct cjd_hot_line){s->pid, s->ip >> 6, 1};
	}
	return 0;
}

/* Regions of every IP, and each process's windows. */
static int resolve(struct cs_run *r, struct work *w)
{
	struct cjd_codesample_result *res = r->res;
	int rc;

	w->win = malloc((w->nips ? w->nips : 1) * sizeof(*w->win));
	w->win_pid = malloc((w->nips ? w->nips : 1) * sizeof(*w->win_pid));
	if (!w->win || !w->win_pid)
		return -ENOMEM;
	for (size_t a = 0, b; a < w->nips; a = b) {
		pid_t pid = w->ip_pid[a];
		struct cs_pid *p = pid_find(r, pid);
		const struct cjd_maps *maps = p && p->loaded && !p->maps_rc ? &p->maps : NULL;

		for (b = a; b < w->nips && w->ip_pid[b] == pid; b++) {
			const struct cjd_map *m = maps ? cjd_maps_find(maps, w->ips[b].ip) : NULL;
			enum cjd_region_kind kind = m ? m->kind : CJD_REGION_UNKNOWN;
			const char *path = !m ? "[unknown]" : m->path[0] ? m->path : "[anon]";

			res->region_samples[kind] += w->ips[b].n;
			if ((rc = region_add(&w->rg, kind, path, pid, w->ips[b].n)) != 0)
				return rc;
		}
		size_t nw = cjd_hot_windows(w->ips + a, b - a, maps, w->win + w->nwin);
		for (size_t k = 0; k < nw; k++) {
			w->win[w->nwin + k].first += a;
			w->win_pid[w->nwin + k] = pid;
		}
		w->nwin += nw;
	}
	return 0;
}

static void fill_top(struct cjd_codesample_result *res, struct regions *rg)
{
	if (rg->n)
		qsort(rg->a, rg->n, sizeof(*rg->a), cmp_region_desc);
	res->ntop = 0;
	for (size_t i = 0; i < rg->n && res->ntop < CJD_CODESAMPLE_TOP; i++) {
		struct cjd_codesample_region *t = &res->top[res->ntop++];
		t->kind = rg->a[i].kind;
		memcpy(t->path, rg->a[i].path, sizeof(t->path));
		t->samples = rg->a[i].samples;
		t->npids = rg->a[i].npids;
	}
}

/* Window order: most samples first (an index sort, so windows keep their pid). */
static int cmp_win_idx(const void *pa, const void *pb, void *ctx)
{
	const struct cjd_window *w = ctx;
	uint64_t a = w[*(const size_t *)pa].samples, b = w[*(const size_t *)pb].samples;

	return a < b ? 1 : a > b ? -1 : 0;
}

#define READ_MAX (CJD_WINDOW_BACK + CJD_WINDOW_MAX + CJD_WINDOW_SLACK)

/* Reads the hottest windows within the byte budget and decodes them into the mix. */
static void decode_hot(struct cs_run *r, struct work *w)
{
	struct cjd_codesample_result *res = r->res;
	struct cjd_mix_acc acc = {0};
	struct cjd_disasm *d = NULL;
	size_t budget = r->o.max_code_bytes;
	uint8_t *buf = NULL;
	size_t *idx = NULL;
	int arch = cjd_disasm_host_arch(), first_err = 0;

	if (arch < 0) {
		snprintf(res->mix_why, sizeof(res->mix_why), "no decoder for this CPU architecture");
		return;
	}
	res->arch = cjd_arch_name((enum cjd_arch)arch);
	if (!w->nwin) {
		snprintf(res->mix_why, sizeof(res->mix_why), "no user-mode samples to decode");
		return;
	}
	idx = malloc(w->nwin * sizeof(*idx));
	buf = malloc(READ_MAX);
	if (!idx || !buf || cjd_disasm_new((enum cjd_arch)arch, &d) != 0) {
		snprintf(res->mix_why, sizeof(res->mix_why), "out of memory for the decoder");
		goto out;
	}
	for (size_t i = 0; i < w->nwin; i++)
		idx[i] = i;
	qsort_r(idx, w->nwin, sizeof(*idx), cmp_win_idx, w->win);
	for (size_t k = 0; k < w->nwin && budget > 0; k++) {
		const struct cjd_window *win = &w->win[idx[k]];
		/* A little before the first IP too: its block may start there (a loop's head). */
		uint64_t from = win->start - win->lo > CJD_WINDOW_BACK ? win->start - CJD_WINDOW_BACK
									: win->lo;
		size_t len = (size_t)(win->end - from);
		struct iovec lv, rv;
		ssize_t got;

		if (len > budget)
			len = budget;
		if (len > READ_MAX)
			len = READ_MAX;
		lv = (struct iovec){buf, len};
		rv = (struct iovec){(void *)(uintptr_t)from, len};
		got = process_vm_readv(w->win_pid[idx[k]], &lv, 1, &rv, 1, 0);
		if (got <= 0) {
			res->read_errors++;
			first_err = first_err ? first_err : (got < 0 ? errno : EFAULT);
			continue;
		}
		budget -= (size_t)got;
		res->windows_read++;
		res->code_bytes_read += (uint64_t)got;
		cjd_hot_mix_window(d, buf, (size_t)got, from, w->ips + win->first, win->count, &acc);
	}
	double total = 0;
	for (int c = 0; c < CJD_ICLASS__COUNT; c++)
		total += acc.w[c];
	res->decoded_samples = acc.decoded_samples;
	res->instructions_decoded = acc.instructions;
	if (total > 0) {
		res->mix_available = true;
		for (int c = 0; c < CJD_ICLASS__COUNT; c++)
			res->mix[c] = acc.w[c] / total;
		res->mem_read_share = acc.mem_read / total;
		res->mem_write_share = acc.mem_write / total;
	}
	if (first_err && !res->mix_available)
		snprintf(res->mix_why, sizeof(res->mix_why), "the code could not be read: %s%s",
			 strerror(first_err),
			 first_err == EPERM ? " (reading another user's process needs CAP_SYS_PTRACE)" :
			 first_err == ESRCH ? " (the processes exited)" : "");
	else if (first_err)
		snprintf(res->mix_why, sizeof(res->mix_why), "%u of %u windows unreadable (%s)",
			 res->read_errors, res->read_errors + res->windows_read, strerror(first_err));
	else if (!res->mix_available)
		snprintf(res->mix_why, sizeof(res->mix_why), "the hot code did not decode");
out:
	cjd_disasm_free(d);
	/* the workload's code is decoded, never kept: clear the copy (JIT code embeds data) */
	if (buf)
		explicit_bzero(buf, READ_MAX);
	free(buf);
	free(idx);
}

int cjd_cs_analyse(struct cs_run *r, struct cjd_error *err)
{
	struct cjd_codesample_result *res = r->res;
	struct work w = {0};
	size_t nuser = 0;
	int rc;

	if (r->ns) /* qsort's array may not be NULL, even for no elements */
		qsort(r->s, r->ns, sizeof(*r->s), cmp_sample);
	while (nuser < r->ns && r->s[nuser].mode == CJD_IP_USER)
		nuser++;
	res->npids = (unsigned)r->npids;
	if ((rc = count_tids(r, &res->ntids)) != 0 || (rc = build_ips(r, nuser, &w)) != 0 ||
	    (rc = resolve(r, &w)) != 0)
		goto out;
	res->distinct_ips = w.nips;
	uint64_t in_kept = 0;
	for (size_t i = 0; i < w.nips; i++)
		in_kept += w.ips[i].n;
	for (int k = 0; k < CJD_REGION__COUNT; k++)
		if (cjd_region_kind_off_disk((enum cjd_region_kind)k))
			res->off_disk_share += (double)res->region_samples[k];
	res->off_disk_share = in_kept ? res->off_disk_share / (double)in_kept : 0;
	fill_top(res, &w.rg);
	res->hot90_lines = cjd_hot_lines_cover(w.lines, w.nlines, in_kept, 0.9);
	res->hot90_bytes = res->hot90_lines * 64;
	if (r->o.no_code)
		snprintf(res->mix_why, sizeof(res->mix_why), "code reading turned off");
	else
		decode_hot(r, &w);
out:
	work_free(&w);
	if (rc)
		return cjd_error_set(err, rc, "codesample", 0, 0, "analysis: %s", strerror(-rc));
	return 0;
}
