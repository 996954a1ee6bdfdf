/* Runs a program under callgrind and turns its periodic dumps into trace samples as they appear. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/proc_stop.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_writer.h"
#include "simpmu_internal.h"

/* Dump files are named DIR/cg.<pid> (the final dump) and DIR/cg.<pid>.<part>. */
#define DUMP_PREFIX "cg."

/* Dumps per sample at 1 instruction per basic block; see bb_for(). */
#define BB_DIVISOR 32

/* Set by the signal handler, read by the poll loop: the one kind of global state allowed. */
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

struct proc {
	long pid;
	unsigned next; /* the part expected next */
};

struct run {
	const struct cjd_simpmu_opts *o;
	struct cjd_simpmu_result *res;
	char dir[1024];
	struct proc *procs;
	size_t nprocs, cap;
	struct cjd_simpmu_costs acc;
	struct cjd_trace_writer *w;
	struct cjd_progress prog;
	unsigned kept; /* renamed dumps, with keep_dumps */
};

struct cand {
	struct proc *p;
	char path[PATH_MAX];
	unsigned part; /* 0: the final dump */
	struct timespec mtime;
};

/* Where execvp would find name; copies the path into out. */
static int find_exec(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		if (access(name, X_OK))
			return -errno;
		snprintf(out, len, "%s", name);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		struct stat st;

		if (n > 0 && snprintf(out, len, "%.*s/%s", (int)n, path, name) < (int)len &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

/* "valgrind-3.19.0", from `valgrind --version`. */
static int valgrind_version(const char *vg, char *buf, size_t len)
{
	int fds[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl(vg, vg, "--version", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < len &&
	       ((n = read(fds[0], buf + got, len - got - 1)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	close(fds[0]);
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !buf[0])
		return -EIO;
	return 0;
}

/* Basic blocks per dump: callgrind counts blocks, not instructions. Blocks
 * hold 3-12 instructions in most code, so dumping every instructions/32
 * blocks gives ~3-10 dumps per sample; a sample closes at the first dump that
 * brings it to the target, so it overshoots by less than one dump. Code with
 * long blocks (JIT-compiled hash loops: ~40 instructions per block) needs an
 * explicit, smaller opts->dump_every_bb to keep samples near the target. */
static uint64_t bb_for(const struct cjd_simpmu_opts *o)
{
	uint64_t bb = o->dump_every_bb ? o->dump_every_bb : o->instructions / BB_DIVISOR;

	return bb < 1000 ? 1000 : bb;
}

static int emit(struct run *r, struct cjd_error *err)
{
	struct cjd_sample s;
	int rc;

	cjd_sample_clear(&s);
	cjd_simpmu_fill_sample(&r->o->model, &r->acc, &s);
	s.t_ns = r->res->sim_ns + s.dt_ns;
	s.cgroup = r->o->cgroup;
	s.label = r->o->label;
	rc = cjd_trace_writer_write(r->w, &s, err);
	if (!rc)
		rc = cjd_trace_writer_flush(r->w, err);
	if (rc)
		return rc;
	r->res->sim_ns = s.t_ns;
	r->res->samples++;
	r->res->instructions += r->acc.ir;
	memset(&r->acc, 0, sizeof(r->acc));
	return 0;
}

static struct proc *proc_get(struct run *r, long pid)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	if (cjd_array_reserve(r->procs, r->cap, r->nprocs + 1))
		return NULL;
	r->procs[r->nprocs] = (struct proc){.pid = pid, .next = 1};
	r->res->processes++;
	return &r->procs[r->nprocs++];
}

/* Registers every pid that has a dump file. */
static int discover(struct run *r)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, DUMP_PREFIX, strlen(DUMP_PREFIX)))
			continue;
		pid = strtol(e->d_name + strlen(DUMP_PREFIX), &end, 10);
		if (pid <= 0 || (*end && *end != '.'))
			continue;
		if (!proc_get(r, pid)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

static bool stat_file(const char *path, struct timespec *mtime)
{
	struct stat st;

	if (stat(path, &st))
		return false;
	*mtime = st.st_mtim;
	return true;
}

/* The file process p writes next, if it exists. A process that execs starts
 * a new callgrind instance under the same pid, whose parts count from 1 again. */
static bool candidate(struct run *r, struct proc *p, struct cand *c)
{
	c->p = p;
	snprintf(c->path, sizeof(c->path), "%s/" DUMP_PREFIX "%ld.%u", r->dir, p->pid, p->next);
	c->part = p->next;
	if (stat_file(c->path, &c->mtime))
		return true;
	if (p->next > 1) {
		snprintf(c->path, sizeof(c->path), "%s/" DUMP_PREFIX "%ld.1", r->dir, p->pid);
		c->part = 1;
		if (stat_file(c->path, &c->mtime))
			return true;
	}
	snprintf(c->path, sizeof(c->path), "%s/" DUMP_PREFIX "%ld", r->dir, p->pid);
	c->part = 0;
	return stat_file(c->path, &c->mtime);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return 0;
}

static int retire(struct run *r, const char *path)
{
	char kept[PATH_MAX];

	if (!r->o->keep_dumps)
		return unlink(path) ? -errno : 0;
	snprintf(kept, sizeof(kept), "%s/done.%06u", r->dir, r->kept++);
	return rename(path, kept) ? -errno : 0;
}

/* Consumes every complete dump, oldest first; emits a sample whenever the
 * accumulated instructions reach the target. */
static int consume(struct run *r, struct cjd_error *err)
{
	struct cand *cands = NULL;
	bool progress = true;
	int rc = discover(r);

	if (rc)
		return cjd_error_set(err, rc, r->dir, 0, 0, "cannot list: %s", strerror(-rc));
	cands = calloc(r->nprocs ? r->nprocs : 1, sizeof(*cands));
	if (!cands)
		return -ENOMEM;
	while (progress && !rc) {
		size_t n = 0;

		progress = false;
		for (size_t i = 0; i < r->nprocs; i++)
			if (candidate(r, &r->procs[i], &cands[n]))
				n++;
		qsort(cands, n, sizeof(*cands), cand_cmp);
		for (size_t i = 0; i < n && !rc; i++) {
			struct cjd_simpmu_costs c;

			rc = cjd_simpmu_parse_dump(cands[i].path, &c, err);
			if (rc == -EAGAIN) {
				rc = 0; /* still being written */
				continue;
			}
			if (rc)
				break;
			cjd_simpmu_costs_add(&r->acc, &c);
			r->res->dumps++;
			cands[i].p->next = cands[i].part ? cands[i].part + 1 : 1;
			rc = retire(r, cands[i].path);
			if (rc) {
				rc = cjd_error_set(err, rc, cands[i].path, 0, 0,
						   "cannot remove: %s", strerror(-rc));
				break;
			}
			progress = true;
			if (r->acc.ir >= r->o->instructions)
				rc = emit(r, err);
			cjd_progress_update(&r->prog,
					    "simrecord: %.1fM instructions simulated, %" PRIu64
					    " samples, %" PRIu64 " dumps, %" PRIu64 " processes",
					    (double)(r->res->instructions + r->acc.ir) / 1e6,
					    r->res->samples, r->res->dumps, r->res->processes);
		}
	}
	free(cands);
	return rc;
}

/* Dumps left over at the end were cut short (a process killed mid-dump). */
static void report_leftovers(struct run *r)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, DUMP_PREFIX, strlen(DUMP_PREFIX)))
			cjd_warn("simrecord: callgrind dump %s/%s is incomplete (its process was "
				 "killed while writing it); its costs are not in the trace",
				 r->dir, e->d_name);
	closedir(d);
}

static void print_log_tail(const char *path)
{
	char line[512];
	char *lines[24] = {0};
	unsigned n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		free(lines[n % 24]);
		lines[n % 24] = strdup(line);
		n++;
	}
	fclose(f);
	fprintf(stderr, "simrecord: last lines of valgrind's log:\n");
	for (unsigned i = n > 24 ? n - 24 : 0; i < n; i++)
		if (lines[i % 24])
			fprintf(stderr, "  %s", lines[i % 24]);
	for (unsigned i = 0; i < 24; i++)
		free(lines[i]);
}

static void remove_dir(const char dir[static 1024])
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static pid_t spawn(const char *vg, const struct run *r, uint64_t bb)
{
	const struct cjd_simpmu_opts *o = r->o;
	char geo_i1[64], geo_d1[64], geo_ll[64], dump_bb[64], out[PATH_MAX + 32],
	    log[PATH_MAX + 32];
	const char *fixed[] = {
	    "--tool=callgrind",
	    "--cache-sim=yes",
	    "--branch-sim=yes",
	    geo_i1,
	    geo_d1,
	    geo_ll,
	    dump_bb,
	    /* The parent dumps (and zeroes) just before fork, so a forked child
	     * does not inherit and re-report the parent's undumped costs. */
	    "--dump-before=_Fork",
	    "--collect-systime=nsec",
	    "--dump-line=no",
	    "--dump-instr=no",
	    "--compress-strings=yes",
	    "--compress-pos=yes",
	    "--smc-check=all",
	    "--trace-children=yes",
	    "--child-silent-after-fork=yes",
	    out,
	    log,
	    o->instr_atstart ? "--instr-atstart=yes" : "--instr-atstart=no",
	};
	size_t nfixed = CJD_ARRAY_SIZE(fixed), nargs = 0;
	const char **argv;
	pid_t pid;

	while (o->argv[nargs])
		nargs++;
	argv = calloc(nfixed + nargs + 3, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	snprintf(geo_i1, sizeof(geo_i1), "--I1=%u,%u,%u", CJD_SIMPMU_L1_SIZE, CJD_SIMPMU_L1_ASSOC,
		 CJD_SIMPMU_LINE);
	snprintf(geo_d1, sizeof(geo_d1), "--D1=%u,%u,%u", CJD_SIMPMU_L1_SIZE, CJD_SIMPMU_L1_ASSOC,
		 CJD_SIMPMU_LINE);
	snprintf(geo_ll, sizeof(geo_ll), "--LL=%u,%u,%u", CJD_SIMPMU_LL_SIZE, CJD_SIMPMU_LL_ASSOC,
		 CJD_SIMPMU_LINE);
	snprintf(dump_bb, sizeof(dump_bb), "--dump-every-bb=%" PRIu64, bb);
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/" DUMP_PREFIX "%%p", r->dir);
	snprintf(log, sizeof(log), "--log-file=%s/vg.%%p.log", r->dir);
	argv[0] = vg;
	for (size_t i = 0; i < nfixed; i++)
		argv[1 + i] = fixed[i];
	argv[1 + nfixed] = "--";
	for (size_t i = 0; i < nargs; i++)
		argv[2 + nfixed + i] = o->argv[i];
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		/* Its own process group, so a forwarded signal reaches every descendant. */
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(vg, (char *const *)argv);
		_exit(127);
	}
	free(argv);
	return pid < 0 ? -errno : pid;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL); /* EINTR just ends the nap early */
}

static int open_writer(struct run *r, const char *vgver, uint64_t bb, struct cjd_error *err)
{
	struct cjd_trace_header h;
	const struct cjd_simpmu_model *m = &r->o->model;
	int rc;

	cjd_trace_header_init(&h, "simpmu");
	cjd_trace_header_set_events(&h, CJD_SIMPMU_EVENTS);
	/* Nominal: the simulated time of one sample at the base CPI. */
	h.interval_ns = (uint64_t)((double)r->o->instructions * m->cpi_base / m->ghz);
	if (h.interval_ns == 0)
		h.interval_ns = 1;
	h.cpus = 1; /* valgrind serialises threads: one simulated core */
	rc = cjd_simpmu_meta(r->o, vgver, bb, &h);
	if (rc) {
		cjd_trace_header_release(&h);
		return cjd_error_set(err, rc, r->o->output, 0, 0, "cannot build the header");
	}
	rc = cjd_trace_writer_open(&r->w, r->o->output, &h, CJD_TRACE_COMPRESS_AUTO, err);
	cjd_trace_header_release(&h);
	return rc;
}

/* The program and every process it left: our descendants, orphans included (we are
 * their subreaper), whatever process group or session they moved to. */
static int signal_descendants(void *ctx, int sig)
{
	(void)ctx;
	return cjd_proc_signal_descendants(getpid(), sig);
}

/*
 * Waits for the program and every descendant (we are their subreaper), while
 * consuming dumps. Descendants outliving the program (a daemon it started, as
 * gpg starts gpg-agent) get the grace to end on their own, then SIGTERM, then
 * after the grace again SIGKILL; the instruction limit stops everything the
 * same way. So the recording always ends, and says why.
 */
static int supervise(struct run *r, pid_t pid, struct cjd_error *err)
{
	struct cjd_stopper stop;
	bool main_done = false;
	uint64_t main_end = 0;
	char why[160], grace[32];
	int rc = 0;

	cjd_stopper_init(&stop, "simrecord", "the program and what it started",
			 r->o->kill_after_ns, signal_descendants, NULL);
	cjd_duration_format(stop.grace_ns, grace, sizeof(grace));
	for (;;) {
		int status;
		pid_t w;
		uint64_t now;

		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == pid) {
				r->res->status = status;
				main_done = true;
				main_end = cjd_now_mono_ns();
			}
		if (w < 0 && errno == ECHILD)
			break;
		rc = consume(r, err);
		if (rc)
			return rc;
		now = cjd_now_mono_ns();
		if (r->o->limit && !r->res->limited &&
		    r->res->instructions + r->acc.ir >= r->o->limit) {
			r->res->limited = true;
			snprintf(why, sizeof(why), "%" PRIu64 " instructions reached", r->o->limit);
			cjd_stopper_begin(&stop, now, why);
		}
		if (pending_signal) {
			int sig = pending_signal;

			pending_signal = 0;
			cjd_info("simrecord: forwarding signal %d to the program", sig);
			signal_descendants(NULL, sig);
		}
		if (main_done && !cjd_stopper_started(&stop) && now - main_end >= stop.grace_ns) {
			snprintf(why, sizeof(why),
				 "the program exited %s ago and processes it started still run", grace);
			cjd_stopper_begin(&stop, now, why);
		}
		cjd_stopper_poll(&stop, now);
		sleep_ms(50);
	}
	r->res->killed = cjd_stopper_killed(&stop);
	return consume(r, err);
}

int cjd_simpmu_record(const struct cjd_simpmu_opts *o, struct cjd_simpmu_result *res,
		      struct cjd_error *err)
{
	struct run r = {.o = o, .res = res};
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	char vg[PATH_MAX], prog[PATH_MAX], vgver[128], log[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	uint64_t bb = bb_for(o);
	pid_t pid;
	int rc, wrc;

	memset(res, 0, sizeof(*res));
	cjd_error_clear(err);
	if (find_exec("valgrind", vg, sizeof(vg)))
		return cjd_error_set(err, -ENOENT, "valgrind", 0, 0,
				     "not found in PATH; install the Debian package 'valgrind'");
	if (find_exec(o->argv[0], prog, sizeof(prog)))
		return cjd_error_set(err, -ENOENT, o->argv[0], 0, 0,
				     "command not found (or not executable)");
	rc = valgrind_version(vg, vgver, sizeof(vgver));
	if (rc)
		return cjd_error_set(err, rc, vg, 0, 0, "'valgrind --version' failed");
	snprintf(r.dir, sizeof(r.dir), "%s/cjd-simpmu-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 (long)getpid());
	if (!mkdtemp(r.dir))
		return cjd_error_set(err, -errno, r.dir, 0, 0, "cannot create: %s",
				     strerror(errno));
	rc = open_writer(&r, vgver, bb, err);
	if (rc)
		goto out_dir;
	cjd_progress_init(&r.prog);
	/* Orphaned descendants (daemons, double forks) are re-parented to us,
	 * so we know when the last one is gone. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	cjd_info("simrecord: %s under callgrind, %" PRIu64 " instructions per sample "
		 "(dump every %" PRIu64 " basic blocks), dumps in %s",
		 o->argv[0], o->instructions, bb, r.dir);
	pid = spawn(vg, &r, bb);
	if (pid < 0) {
		rc =
		    cjd_error_set(err, (int)pid, vg, 0, 0, "cannot start: %s", strerror((int)-pid));
		goto out_signals;
	}
	rc = supervise(&r, pid, err);
	if (!rc && (r.acc.ir > 0 || r.acc.wait_ns > 0))
		rc = emit(&r, err);
	cjd_progress_done(&r.prog);
	report_leftovers(&r);
	snprintf(log, sizeof(log), "%s/vg.%ld.log", r.dir, (long)pid);
	if (!rc && res->dumps == 0) {
		print_log_tail(log);
		rc = cjd_error_set(err, -ENODATA, o->argv[0], 0, 0,
				   "valgrind produced no callgrind dump (see its log above)");
	} else if (!rc && res->instructions == 0) {
		rc =
		    cjd_error_set(err, -ENODATA, o->argv[0], 0, 0, "no instruction was simulated%s",
				  o->instr_atstart ? ""
						   : " (with --instr-atstart=no the program must "
						     "call CALLGRIND_START_INSTRUMENTATION)");
	} else if (!rc && !res->limited &&
		   !(WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0)) {
		print_log_tail(log);
		if (!o->allow_fail)
			rc = -ECHILD;
	}
out_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	wrc = cjd_trace_writer_close(r.w, rc ? NULL : err);
	if (!rc)
		rc = wrc;
out_dir:
	if (o->keep_dumps)
		cjd_info("simrecord: callgrind files kept in %s", r.dir);
	else
		remove_dir(r.dir);
	free(r.procs);
	return rc;
}
