/* The collector: ticks, reads every cgroup's counters, emits samples, re-scans and keeps the fd budget. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/collector/cgroup_layout.h"
#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/collector/collector.h"
#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/pmu_probe.h"
#include "cjd/common/array.h"
#include "cjd/common/identity.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "internal.h"

/* Counters of one monitored cgroup. Holds a reference on its handle. */
struct mon {
	struct cjd_cgroup *cg;
	void *h;           /* backend handle */
	uint64_t since_ns; /* monotonic start of its current interval */
	bool vanished;     /* a read said the cgroup is gone; retire after the batch */
};

struct cjd_collector {
	/* configuration, copied */
	uint64_t interval_ns, rescan_ns;
	char **include, **exclude;
	size_t n_include, n_exclude;
	enum cjd_cgroup_select select;
	char *only_cgroup, *only_name;
	size_t max_cgroups;

	struct cjd_cgroupfs fs;
	struct cjd_cgroup_layout layout;
	struct cjd_probe probe;
	struct cjd_plan plan;
	const struct cjd_backend_ops *ops;
	char mode_reason[256];
	enum cjd_mode mode;

	struct cjd_cgroup_table *table;
	struct mon **mons;
	size_t n_mons, cap_mons;
	struct cjd_sample *batch;
	size_t cap_batch;
	struct cjd_scan_result scan;
	uint64_t gen;

	uint64_t origin_ns, last_tick_ns, last_rescan_ns;
	struct cjd_collector_stats st;
	size_t logged_unmonitored;
	char last_failure[256];
	bool only_gone;

	struct cjd_collector_callbacks cbs;
	struct cjd_loop *loop;
	int timer_id;
	void (*on_end)(void *ctx, int err);
	void *end_ctx;
};

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int copy_strv(char ***out, const char *const *in, size_t n)
{
	*out = NULL;
	if (n == 0)
		return 0;
	char **v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(in[i]))) {
			free_strv(v, n);
			return -ENOMEM;
		}
	*out = v;
	return 0;
}

/* ---- file descriptor budget ---- */

/*
 * Raises the soft RLIMIT_NOFILE to cover `need`, then the hard limit too
 * when we may (CAP_SYS_RESOURCE). Never lowers anything. Leaves the limit
 * in st.fd_limit.
 */
static void raise_nofile(struct cjd_collector *c, uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (need > rl.rlim_cur) {
		struct rlimit want = rl;
		if (need > rl.rlim_max) {
			want.rlim_cur = want.rlim_max = need;
			if (setrlimit(RLIMIT_NOFILE, &want) == 0)
				goto out;
			want = rl; /* not allowed past the hard limit: take all of it */
		}
		want.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) != 0)
			cjd_debug("collector: setrlimit(RLIMIT_NOFILE, %llu): %s",
				  (unsigned long long)want.rlim_cur, strerror(errno));
	}
out:
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		c->st.fd_limit = rl.rlim_cur;
}

/* ---- opening and retiring cgroups ---- */

enum open_result { OPENED, GONE, FULL, DENIED, FAILED };

static enum open_result classify(int rc)
{
	switch (-rc) {
	case ENOENT:
	case ENODEV:
	case EBADF:
	case ESRCH:
		return GONE;
	case EMFILE:
	case ENFILE:
	case ENOSPC:
	case ENOMEM:
		return FULL;
	case EACCES:
	case EPERM:
		return DENIED;
	default:
		return FAILED;
	}
}

static int mons_reserve(struct cjd_collector *c)
{
	return cjd_array_reserve(c->mons, c->cap_mons, c->n_mons + 1);
}

static enum open_result monitor(struct cjd_collector *c, const char *path, uint64_t now)
{
	char dir[4096 + 4096], what[200];
	struct cjd_cgroup *cg, *stale;
	struct mon *m;
	struct stat st;
	bool created;
	int fd, rc;

	if (!cjd_cgroupfs_join(&c->fs, path, dir, sizeof(dir)))
		return FAILED;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (classify(rc) == GONE)
			cjd_debug("collector: %s vanished before it was opened", path);
		else
			snprintf(c->last_failure, sizeof(c->last_failure), "open %.160s: %s", dir,
				 strerror(-rc));
		return classify(rc);
	}
	/* The inode of the directory we hold is the identity, whatever the scan saw. */
	if (fstat(fd, &st) != 0 || mons_reserve(c) != 0 || !(m = calloc(1, sizeof(*m)))) {
		close(fd);
		return FULL;
	}
	cg = cjd_cgroup_findnew(c->table, (uint64_t)st.st_ino, path, &created, &stale, &rc);
	if (!cg || !created) {
		/* Already monitored (or a stale handle the caller retires first). */
		if (cg)
			cjd_cgroup_put(c->table, cg);
		free(m);
		close(fd);
		return rc == -ENOMEM ? FULL : FAILED;
	}
	rc = c->ops->open(&c->plan, fd, &m->h, what, sizeof(what));
	close(fd); /* perf holds its own reference on the cgroup */
	if (rc == 0 && (rc = c->ops->enable(&c->plan, m->h)) != 0) {
		snprintf(what, sizeof(what), "PERF_EVENT_IOC_ENABLE: %s", strerror(-rc));
		c->ops->close(&c->plan, m->h);
	}
	if (rc) {
		cjd_cgroup_put(c->table, cg);
		free(m);
		if (classify(rc) == GONE) {
			cjd_debug("collector: %s vanished while being opened (%s)", path, what);
			return GONE;
		}
		snprintf(c->last_failure, sizeof(c->last_failure), "%s: %s", path, what);
		return classify(rc);
	}
	if (c->only_name)
		cg->name = c->only_name;
	m->cg = cg;
	m->since_ns = now;
	cg->priv = m;
	cg->seen = c->gen;
	c->mons[c->n_mons++] = m;
	c->st.monitored = c->n_mons;
	c->st.fds += c->st.fds_per_cgroup;
	if (cjd_log_enabled(CJD_LOG_DEBUG)) {
		struct cjd_identity id;
		cjd_identity_parse(path, &id);
		cjd_debug("collector: monitoring %s%s%s%s", path, id.runtime ? " (" : "",
			  id.runtime ? cjd_runtime_name(id.runtime) : "", id.runtime ? ")" : "");
	}
	if (c->cbs.added)
		c->cbs.added(c->cbs.ctx, cg->name);
	return OPENED;
}

/* Stops counting one cgroup and tells the owner it is gone. */
static void retire(struct cjd_collector *c, size_t i, uint64_t now, bool notify)
{
	struct mon *m = c->mons[i];

	c->ops->close(&c->plan, m->h);
	c->st.fds -= c->st.fds_per_cgroup;
	c->mons[i] = c->mons[--c->n_mons];
	c->st.monitored = c->n_mons;
	m->cg->priv = NULL;
	if (notify) {
		c->st.gone++;
		cjd_debug("collector: %s is gone", m->cg->name);
		if (c->cbs.gone)
			c->cbs.gone(c->cbs.ctx, m->cg->name, now - c->origin_ns);
	}
	cjd_cgroup_put(c->table, m->cg);
	free(m);
}

static void log_unmonitored(struct cjd_collector *c)
{
	if (c->st.unmonitored == c->logged_unmonitored)
		return;
	if (c->st.unmonitored)
		cjd_warn("collector: %zu selected cgroup(s) unmonitored (%zu monitored, %zu fds, "
			 "RLIMIT_NOFILE %llu): %s",
			 c->st.unmonitored, c->st.monitored, c->st.fds,
			 (unsigned long long)c->st.fd_limit,
			 c->last_failure[0] ? c->last_failure : "limit reached");
	else
		cjd_info("collector: every selected cgroup is monitored again (%zu)",
			 c->st.monitored);
	c->logged_unmonitored = c->st.unmonitored;
}

/* The only_cgroup mode: is the directory still the one we opened? */
static void check_only(struct cjd_collector *c, uint64_t now)
{
	char dir[8192];
	struct stat st;

	if (c->n_mons == 0 || !cjd_cgroupfs_join(&c->fs, c->only_cgroup, dir, sizeof(dir)))
		return;
	if (stat(dir, &st) != 0 || (uint64_t)st.st_ino != c->mons[0]->cg->ino) {
		retire(c, 0, now, true);
		c->only_gone = true;
	}
}

/*
 * Walks the tree, retires cgroups that disappeared (or were replaced: same
 * path, new inode) and opens the new ones within the budget. Returns
 * -EACCES when the walk found cgroups but every open was denied.
 */
static int rescan(struct cjd_collector *c, uint64_t now)
{
	struct cjd_scan_filter f = {
		.include = (const char *const *)c->include,
		.n_include = c->n_include,
		.exclude = (const char *const *)c->exclude,
		.n_exclude = c->n_exclude,
		.all = c->select == CJD_SELECT_ALL,
	};
	size_t opened = 0, denied = 0, unmon = 0;
	bool full = false;
	int rc;

	c->last_rescan_ns = now;
	c->st.rescans++;
	if (c->only_cgroup) {
		check_only(c, now);
		return 0;
	}
	rc = cjd_scan(c->fs.path, &f, &c->scan);
	if (rc) {
		cjd_warn("collector: cannot walk %s: %s; keeping the cgroups already monitored",
			 c->fs.path, strerror(-rc));
		return 0;
	}
	c->gen++;
	/* Mark what is still there; a path now on another inode is a new cgroup. */
	for (size_t i = 0; i < c->scan.n; i++) {
		struct cjd_cgroup *cg = cjd_cgroup_find(c->table, c->scan.e[i].ino);
		if (cg && strcmp(cg->path, c->scan.e[i].path) == 0)
			cg->seen = c->gen;
	}
	for (size_t i = c->n_mons; i-- > 0;)
		if (c->mons[i]->cg->seen != c->gen)
			retire(c, i, now, true);
	/* Budget: one rlimit raise for everything selected (plus room for the
	 * owner's own fds), before opening. */
	raise_nofile(c, (uint64_t)c->scan.n * c->st.fds_per_cgroup + 256);
	c->last_failure[0] = '\0';
	for (size_t i = 0; i < c->scan.n; i++) {
		struct cjd_cgroup *cg = cjd_cgroup_find(c->table, c->scan.e[i].ino);
		if (cg && cg->seen == c->gen)
			continue;
		if (full || (c->max_cgroups && c->n_mons >= c->max_cgroups)) {
			unmon++;
			if (!full)
				snprintf(c->last_failure, sizeof(c->last_failure),
					 "max_cgroups (%zu) reached", c->max_cgroups);
			continue;
		}
		switch (monitor(c, c->scan.e[i].path, now)) {
		case OPENED:
			opened++;
			break;
		case GONE:
			break;
		case FULL:
			/* EMFILE/ENOSPC: stop trying this round; the rest wait for the next. */
			full = true;
			unmon++;
			break;
		case DENIED:
			denied++;
			unmon++;
			break;
		case FAILED:
			unmon++;
			break;
		}
	}
	c->st.monitored = c->n_mons;
	c->st.unmonitored = unmon;
	cjd_debug("collector: re-scan %" PRIu64 ": %zu selected in %zu directories, %zu opened, "
		  "%zu monitored, %zu unmonitored",
		  c->st.rescans, c->scan.n, c->scan.dirs, opened, c->n_mons, unmon);
	log_unmonitored(c);
	if (denied && c->n_mons == 0)
		return -EACCES;
	return 0;
}

/* ---- life cycle ---- */

static int copy_config(struct cjd_collector *c, const struct cjd_collector_config *cfg,
		       struct cjd_error *err)
{
	c->interval_ns = cfg->interval_ns ? cfg->interval_ns : CJD_COLLECTOR_DEFAULT_INTERVAL_NS;
	c->rescan_ns = cfg->rescan_ns ? cfg->rescan_ns : CJD_COLLECTOR_DEFAULT_RESCAN_NS;
	if (c->interval_ns < CJD_COLLECTOR_MIN_INTERVAL_NS)
		return cjd_error_set(err, -EINVAL, "", 0, 0,
				     "interval %llu ns is below the minimum of 10ms",
				     (unsigned long long)c->interval_ns);
	c->select = cfg->select;
	c->max_cgroups = cfg->max_cgroups;
	if (copy_strv(&c->include, cfg->include, cfg->n_include) ||
	    copy_strv(&c->exclude, cfg->exclude, cfg->n_exclude))
		return cjd_error_set(err, -ENOMEM, "", 0, 0, "out of memory");
	c->n_include = cfg->n_include;
	c->n_exclude = cfg->n_exclude;
	if (cfg->only_cgroup) {
		if (cfg->only_cgroup[0] != '/')
			return cjd_error_set(err, -EINVAL, "", 0, 0,
					     "cgroup '%s' must start with '/'", cfg->only_cgroup);
		if (!(c->only_cgroup = strdup(cfg->only_cgroup)) ||
		    (cfg->only_name && !(c->only_name = strdup(cfg->only_name))))
			return cjd_error_set(err, -ENOMEM, "", 0, 0, "out of memory");
	}
	return 0;
}

/* Settles the event mask: explicit ones must all be countable; never fake. */
static int choose_events(struct cjd_collector *c, const struct cjd_collector_config *cfg,
			 struct cjd_error *err)
{
	cjd_event_mask mask;

	if (cfg->events) {
		for (int ev = 0; ev < CJD_EV__COUNT; ev++)
			if ((cfg->events & CJD_EVMASK(ev)) && c->probe.ev[ev].why != CJD_WHY_OK)
				return cjd_error_set(err, -EOPNOTSUPP, "", 0, 0,
						     "%s cannot be counted here: %s (%s)",
						     cjd_event_info((enum cjd_event)ev)->name,
						     cjd_why_name(c->probe.ev[ev].why),
						     c->probe.ev[ev].reason);
		mask = cfg->events;
		c->mode = cjd_mode_of(mask);
		snprintf(c->mode_reason, sizeof(c->mode_reason), "events chosen explicitly; %.200s",
			 c->probe.mode_reason);
	} else {
		c->mode = c->probe.mode;
		mask = c->probe.countable & (c->mode == CJD_MODE_HARDWARE
						     ? (CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE)
						     : CJD_EVMASK_SOFTWARE);
		snprintf(c->mode_reason, sizeof(c->mode_reason), "%s", c->probe.mode_reason);
		for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
			bool wanted = (c->mode == CJD_MODE_HARDWARE ||
				       !(CJD_EVMASK_HARDWARE & CJD_EVMASK(ev)));
			/* a tracepoint left out for want of tracefs is told once, with
			 * the failed mount (cjd_collector_info().tracefs) */
			bool told = c->probe.tracefs.state == CJD_TRACEFS_MISSING &&
				    !strcmp(c->probe.ev[ev].reason, c->probe.tracefs.cause);
			if (wanted && !(mask & CJD_EVMASK(ev)) && !told)
				cjd_warn("collector: %s is left out: %s (%s)",
					 cjd_event_info((enum cjd_event)ev)->name,
					 cjd_why_name(c->probe.ev[ev].why), c->probe.ev[ev].reason);
		}
	}
	if (!mask)
		return cjd_error_set(err, -EOPNOTSUPP, "", 0, 0,
				     "no event can be counted here (see 'cjd events')");
	c->plan.mask = mask;
	return 0;
}

static int build_plan(struct cjd_collector *c, const struct cjd_collector_config *cfg,
		      struct cjd_error *err)
{
	struct perf_event_attr attrs[CJD_EV__COUNT];
	char why[256];
	int rc;

	memset(attrs, 0, sizeof(attrs));
	for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
		if (!(c->plan.mask & CJD_EVMASK(ev)))
			continue;
		const char *enc = cfg->encoding[ev] ? cfg->encoding[ev]
						    : cjd_event_info((enum cjd_event)ev)->encoding;
		if ((rc = cjd_event_encode(enc, &attrs[ev], why, sizeof(why))) != 0)
			return cjd_error_set(err, rc, "", 0, 0, "%s: %s",
					     cjd_event_info((enum cjd_event)ev)->name, why);
	}
	rc = cjd_plan_build(&c->plan, c->plan.mask, &c->probe.caps, attrs, why, sizeof(why));
	if (rc)
		return cjd_error_set(err, rc, "", 0, 0, "cannot group the events: %s", why);
	return 0;
}

static int open_only(struct cjd_collector *c, struct cjd_error *err)
{
	enum open_result r = monitor(c, c->only_cgroup, c->origin_ns);

	c->st.monitored = c->n_mons;
	switch (r) {
	case OPENED:
		return 0;
	case GONE:
		return cjd_error_set(err, -ENOENT, c->fs.path, 0, 0, "no cgroup %s",
				     c->only_cgroup);
	case DENIED:
		return cjd_error_set(err, -EACCES, "", 0, 0, "%s; %s", c->last_failure,
				     c->probe.permission_fix);
	default:
		return cjd_error_set(err, -EIO, "", 0, 0, "cannot count %s: %s", c->only_cgroup,
				     c->last_failure);
	}
}

int cjd_collector_new(struct cjd_collector **out, const struct cjd_collector_config *cfg,
		      struct cjd_error *err)
{
	struct cjd_collector *c;
	int n, rc;

	*out = NULL;
	cjd_error_clear(err);
	if (!(c = calloc(1, sizeof(*c))))
		return cjd_error_set(err, -ENOMEM, "", 0, 0, "out of memory");
	c->timer_id = -1;
	if ((rc = copy_config(c, cfg, err)) != 0)
		goto out_free;
	if ((rc = cjd_cgroupfs_find(&c->fs, cfg->cgroup_root, NULL, err)) != 0)
		goto out_free;
	cjd_cgroup_layout_detect(&c->layout, &c->fs, NULL);
	n = cjd_cpus_online(NULL, c->plan.cpus, err);
	if (n < 0) {
		rc = n;
		goto out_free;
	}
	c->plan.ncpus = (unsigned)n;
	c->st.cpus = (unsigned)n;

	cjd_probe_run(&c->probe, c->fs.path, c->plan.cpus[0], cfg->encoding);
	if (!c->probe.permitted) {
		rc = cjd_error_set(err, -EACCES, "", 0, 0, "%s", c->probe.permission_fix);
		goto out_free;
	}
	if ((rc = choose_events(c, cfg, err)) != 0 || (rc = build_plan(c, cfg, err)) != 0)
		goto out_free;
	c->st.fds_per_cgroup = (size_t)cjd_plan_fds_per_cpu(&c->plan) * c->plan.ncpus;
	c->ops = &cjd_backend_perf;
	if (!(c->table = cjd_cgroup_table_new())) {
		rc = cjd_error_set(err, -ENOMEM, "", 0, 0, "out of memory");
		goto out_free;
	}

	c->origin_ns = c->last_tick_ns = cjd_now_mono_ns();
	if (c->only_cgroup) {
		raise_nofile(c, c->st.fds_per_cgroup + 256);
		c->last_rescan_ns = c->origin_ns;
		if ((rc = open_only(c, err)) != 0)
			goto out_free;
	} else if (rescan(c, c->origin_ns) == -EACCES) {
		rc = cjd_error_set(err, -EACCES, "", 0, 0, "%s; %s", c->last_failure,
				   c->probe.permission_fix);
		goto out_free;
	}

	char evs[256], ivl[32];
	cjd_event_mask_format(c->plan.mask, evs, sizeof(evs));
	if (cfg->quiet)
		goto out_ok;
	if (c->probe.tracefs.state == CJD_TRACEFS_MOUNTED)
		cjd_info("collector: tracefs %s", c->probe.tracefs.text);
	else if (c->probe.tracefs.state == CJD_TRACEFS_MISSING)
		cjd_warn("collector: tracefs %s; tracepoints (syscalls) are not counted",
			 c->probe.tracefs.text);
	cjd_info("collector: %s mode (%s)", cjd_mode_name(c->mode), c->mode_reason);
	cjd_info("collector: cgroup layout: %s", c->layout.text);
	if (c->layout.warning[0])
		cjd_warn("collector: %s", c->layout.warning);
	cjd_info("collector: events %s in %u group(s); cgroups under %s (v%d), every %s",
		 evs, c->plan.ngroups, c->fs.path, c->fs.version,
		 cjd_duration_format(c->interval_ns, ivl, sizeof(ivl)));
	cjd_info("collector: fd budget %u events x %u CPUs x %zu cgroups = %zu fds "
		 "(RLIMIT_NOFILE %llu)",
		 cjd_plan_fds_per_cpu(&c->plan), c->plan.ncpus, c->st.monitored + c->st.unmonitored,
		 c->st.fds_per_cgroup * (c->st.monitored + c->st.unmonitored),
		 (unsigned long long)c->st.fd_limit);
out_ok:
	*out = c;
	return 0;

out_free:
	cjd_collector_free(c);
	return rc;
}

void cjd_collector_set_callbacks(struct cjd_collector *c, const struct cjd_collector_callbacks *cbs)
{
	c->cbs = *cbs;
	/* the cgroups found by cjd_collector_new() are announced now */
	for (size_t i = 0; c->cbs.added && i < c->n_mons; i++)
		c->cbs.added(c->cbs.ctx, c->mons[i]->cg->name);
}

int cjd_collector_tick(struct cjd_collector *c)
{
	uint64_t now = cjd_now_mono_ns();
	size_t n = 0;

	if (c->only_gone)
		return -ENOENT;
	if (cjd_array_reserve(c->batch, c->cap_batch, c->n_mons)) {
		/* Nothing is read, so nothing is lost: the counters keep running
		 * and the next tick's samples cover this interval too. */
		cjd_err("collector: out of memory; this tick's samples come with the next");
		goto out_emit;
	}
	for (size_t i = 0; i < c->n_mons; i++) {
		struct mon *m = c->mons[i];
		struct cjd_sample *s = &c->batch[n];
		int rc;

		cjd_sample_clear(s);
		rc = c->ops->read(&c->plan, m->h, s);
		if (rc && classify(rc) == GONE) {
			/* The cgroup went away under us: quietly, it is retired below. */
			cjd_debug("collector: %s vanished mid-read (%s)", m->cg->name,
				  strerror(-rc));
			m->vanished = true;
			continue;
		}
		if (rc) {
			c->st.dropped++;
			cjd_warn("collector: dropped the sample of %s: read: %s", m->cg->name,
				 strerror(-rc));
			continue;
		}
		s->t_ns = now - c->origin_ns;
		s->dt_ns = now > m->since_ns ? now - m->since_ns : 1;
		s->cgroup = m->cg->name;
		m->since_ns = now;
		n++;
	}
out_emit:
	c->st.ticks++;
	c->st.samples += n;
	c->st.last_tick_ns = now - c->origin_ns;
	c->last_tick_ns = now;
	if (c->cbs.samples)
		c->cbs.samples(c->cbs.ctx, c->batch, n);
	for (size_t i = c->n_mons; i-- > 0;)
		if (c->mons[i]->vanished) {
			retire(c, i, now, true);
			c->only_gone = c->only_cgroup != NULL;
		}
	if (now - c->last_rescan_ns >= c->rescan_ns && c->rescan_ns != CJD_COLLECTOR_NO_RESCAN)
		rescan(c, now);
	return c->only_gone ? -ENOENT : 0;
}

static void on_timer(struct cjd_loop *loop, uint64_t expirations, void *ctx)
{
	struct cjd_collector *c = ctx;
	int rc;

	(void)loop;
	if (expirations > 1)
		c->st.missed_ticks += expirations - 1;
	rc = cjd_collector_tick(c);
	if (rc) {
		cjd_collector_detach(c);
		if (c->on_end)
			c->on_end(c->end_ctx, rc);
	}
}

int cjd_collector_attach(struct cjd_collector *c, struct cjd_loop *loop,
			 void (*on_end)(void *ctx, int err), void *ctx)
{
	int id;

	if (c->loop)
		return -EBUSY;
	id = cjd_loop_add_timer(loop, c->interval_ns, on_timer, c);
	if (id < 0)
		return id;
	c->loop = loop;
	c->timer_id = id;
	c->on_end = on_end;
	c->end_ctx = ctx;
	return 0;
}

void cjd_collector_detach(struct cjd_collector *c)
{
	if (!c || !c->loop)
		return;
	cjd_loop_del_timer(c->loop, c->timer_id);
	c->loop = NULL;
	c->timer_id = -1;
}

enum cjd_mode cjd_collector_mode(const struct cjd_collector *c, const char **reason)
{
	if (reason)
		*reason = c->mode_reason;
	return c->mode;
}

void cjd_collector_info(const struct cjd_collector *c, struct cjd_collector_info *info)
{
	memset(info, 0, sizeof(*info));
	info->mode = c->mode;
	info->mode_reason = c->mode_reason;
	info->events = c->plan.mask;
	info->interval_ns = c->interval_ns;
	info->cpus = c->plan.ncpus;
	info->cgroup_root = c->fs.path;
	info->cgroup_version = c->fs.version;
	info->pmu = c->probe.caps.name;
	info->backend = c->ops->name;
	info->groups = c->plan.ngroups;
	info->layout = &c->layout;
	info->tracefs = &c->probe.tracefs;
	for (int ev = 0; ev < CJD_EV__COUNT; ev++)
		info->why_not[ev] = c->plan.mask & CJD_EVMASK(ev) ? NULL : c->probe.ev[ev].reason;
}

void cjd_collector_stats(const struct cjd_collector *c, struct cjd_collector_stats *st)
{
	*st = c->st;
}

uint64_t cjd_collector_now(const struct cjd_collector *c)
{
	return cjd_now_mono_ns() - c->origin_ns;
}

void cjd_collector_free(struct cjd_collector *c)
{
	if (!c)
		return;
	cjd_collector_detach(c);
	while (c->n_mons > 0)
		retire(c, c->n_mons - 1, 0, false);
	cjd_cgroup_table_free(c->table);
	cjd_scan_result_release(&c->scan);
	free(c->mons);
	free(c->batch);
	free_strv(c->include, c->n_include);
	free_strv(c->exclude, c->n_exclude);
	free(c->only_cgroup);
	free(c->only_name);
	free(c);
}
