/* `cjd record`: per-cgroup counters to a .cjdt trace, for the host's cgroups or for one command. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/collector/collector.h"
#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/loop.h"
#include "cjd/common/proc_stop.h"
#include "cjd/common/json_dump.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_writer.h"
#include "cli.h"

static const char record_usage[] =
	"Usage: cjd record [OPTIONS] -o FILE\n"
	"       cjd record [OPTIONS] -o FILE -- CMD [ARGS...]\n"
	"\n"
	"Record per-cgroup counter samples to a .cjdt trace (gzip when FILE ends in .gz).\n"
	"\n"
	"The first form records this host's cgroups: by default every leaf cgroup that\n"
	"holds processes, re-scanned every 2 s so cgroups that come and go are picked up.\n"
	"It runs until Ctrl-C (SIGINT) or SIGTERM, or until -d elapses.\n"
	"\n"
	"The second form creates a fresh cgroup (<root>/cjd-record-<pid>), runs CMD in it,\n"
	"records only that cgroup until CMD exits or -d elapses, stops what is left in the\n"
	"cgroup (SIGTERM, then SIGKILL after --kill-after; said on stderr), and removes\n"
	"the cgroup. Its samples name the\n"
	"cgroup \"/NAME\" (--name, default CMD's basename), so recordings of the same\n"
	"workload are comparable; the real path is kept in the header's meta.\n"
	"\n"
	"The mode (hardware counters, or software events where there is no PMU) and why\n"
	"are printed at the start; progress goes to stderr. Ctrl-C stops cleanly: every\n"
	"sample taken is in the file, and no line is ever cut in half.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      the trace to write; '-' is stdout (not with CMD)\n"
	"  -i, --interval DUR     sampling interval, e.g. 100ms, 1s (default 1s, min 10ms)\n"
	"  -d, --duration DUR     stop after DUR of samples (default: no limit)\n"
	"      --events LIST      comma-separated events (default: by mode, see 'cjd events');\n"
	"                         NAME=PFMSTRING counts NAME with a raw libpfm4 encoding,\n"
	"                         e.g. instructions=amd64_fam19h_zen4::RETIRED_INSTRUCTIONS\n"
	"      --label L          label every sample: benign[/NAME] or miner[/ALGO]\n"
	"      --workload NAME    record NAME as the header's meta.workload (corpus traces;\n"
	"                         1-64 of A-Z a-z 0-9 . _ + -)\n"
	"      --root DIR         cgroup hierarchy directory (default: the one perf_event\n"
	"                         lives on, found in /proc/self/mountinfo)\n"
	"  -q, --quiet            no progress lines\n"
	"  -h, --help             this help\n"
	"\n"
	"Host form only:\n"
	"      --cgroup GLOB      record cgroups whose path (\"/system.slice/x.scope\") matches\n"
	"                         GLOB; repeatable; '*' also matches '/'\n"
	"      --exclude GLOB     skip cgroups whose path matches GLOB; repeatable\n"
	"      --all-cgroups      also inner and empty cgroups (default: leaves with processes)\n"
	"      --rescan DUR       cgroup re-scan period (default 2s)\n"
	"      --max-cgroups N    monitor at most N cgroups; the rest are counted as unmonitored\n"
	"\n"
	"Command form only:\n"
	"      --name NAME        the cgroup name written to samples (default: CMD's basename)\n"
	"      --kill-after DUR   when -d or Ctrl-C stops CMD, whatever in its cgroup still\n"
	"                         runs DUR after the SIGTERM gets SIGKILL; processes CMD\n"
	"                         leaves behind when it exits (a daemon it started) get\n"
	"                         SIGTERM, then SIGKILL after DUR (default 5s)\n"
	"\n"
	"Exit status: 0 when the trace is complete; 1 on a runtime failure, including CMD\n"
	"failing (non-zero exit, or killed by a signal cjd did not send) - the trace is\n"
	"still complete then; 2 on a usage error. Once cjd has stopped CMD (-d elapsed,\n"
	"Ctrl-C), CMD's exit status only says how it took the SIGTERM, so it is not a\n"
	"failure: a command that loops forever, recorded with -d, exits 0.\n"
	"\n"
	"Examples:\n"
	"  cjd record -i 1s -d 60s -o host.cjdt\n"
	"  cjd record --cgroup '/system.slice/docker-*' -o docker.cjdt.gz\n"
	"  cjd record -i 100ms -d 30s --label miner/randomx -o xmrig.cjdt -- xmrig --bench=1M\n";

struct rec {
	struct cjd_loop *loop;
	struct cjd_collector *col;
	struct cjd_trace_writer *w;
	struct cjd_cgroupfs fs;
	struct cjd_progress prog;
	const char *label;
	const char *out;
	uint64_t interval_ns, duration_ns;
	uint64_t samples, last_flush_ns;
	bool quiet;
	int err;          /* first runtime error (negative errno), 0 if none */
	bool stopping;    /* we asked to stop (signal, -d): CMD's death by signal is ours */
	bool finished;
	bool duration_reached;

	/* command form */
	char rel[64];     /* "/cjd-record-<pid>" */
	pid_t child;
	int pidfd;
	int child_status;
	bool child_done;
	int grace_timer;
	struct cjd_stopper stop; /* SIGTERM, then SIGKILL after --kill-after */
};

/* ---- sample sink ---- */

static void finish(struct rec *r);

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	struct rec *r = ctx;
	struct cjd_collector_stats st;
	struct cjd_error err;
	uint64_t now = cjd_now_mono_ns();

	for (size_t i = 0; i < n && !r->err; i++) {
		struct cjd_sample one = s[i];
		one.label = r->label;
		if (cjd_trace_writer_write(r->w, &one, &err) != 0) {
			char msg[600];
			cjd_err("%s", cjd_error_format(&err, msg, sizeof(msg)));
			r->err = -EIO;
		}
		r->samples++;
	}
	/* Whole lines reach the file at least every second, so a crash loses little. */
	if (!r->err && now - r->last_flush_ns >= CJD_NSEC_PER_SEC) {
		r->last_flush_ns = now;
		if (cjd_trace_writer_flush(r->w, &err) != 0) {
			char msg[600];
			cjd_err("%s", cjd_error_format(&err, msg, sizeof(msg)));
			r->err = -EIO;
		}
	}
	cjd_collector_stats(r->col, &st);
	if (!r->quiet) {
		uint64_t t = n ? s[0].t_ns : cjd_collector_now(r->col);
		cjd_progress_update(&r->prog,
				    "recording %" PRIu64 " s: %" PRIu64 " samples, %zu cgroups%s",
				    (uint64_t)(t / CJD_NSEC_PER_SEC), r->samples, st.monitored,
				    st.unmonitored ? " (some unmonitored)" : "");
	}
	if (r->duration_ns && n && s[0].t_ns + r->interval_ns / 2 >= r->duration_ns)
		r->duration_reached = true;
	if (r->err || r->duration_reached)
		finish(r);
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	(void)ctx;
	(void)t_ns;
	cjd_debug("record: %s is gone", cgroup);
}

static void on_collector_end(void *ctx, int err)
{
	struct rec *r = ctx;

	/* -ENOENT: the one cgroup we recorded vanished (someone removed it). */
	if (!r->child || err != -ENOENT)
		cjd_err("record: nothing left to monitor (%s)", strerror(-err));
	if (!r->child)
		r->err = err;
	finish(r);
}

/* ---- stopping ---- */

static void on_grace(struct cjd_loop *loop, uint64_t exp, void *ctx)
{
	struct rec *r = ctx;

	(void)exp;
	cjd_loop_del_timer(loop, r->grace_timer);
	r->grace_timer = -1;
	/* the timer ran the grace out; a clock read a hair early must not skip the kill */
	uint64_t now = cjd_now_mono_ns();
	if (now < r->stop.term_ns + r->stop.grace_ns)
		now = r->stop.term_ns + r->stop.grace_ns;
	cjd_stopper_poll(&r->stop, now);
}

/* The stopper's target in the command form: everything in CMD's cgroup. */
static int signal_cgroup(void *ctx, int sig)
{
	struct rec *r = ctx;

	return cjd_cgroupfs_signal(&r->fs, r->rel, sig);
}

/*
 * CMD has exited; processes it started may still be in its cgroup (a daemon:
 * gpg starts gpg-agent). Sampling is over, so they are stopped: SIGTERM, and
 * SIGKILL for whatever still runs after the grace. Says so, and returns when
 * the cgroup is empty or SIGKILL was sent (removing the cgroup waits for that).
 */
static void stop_leftovers(struct rec *r, const char *cmd)
{
	char why[300];
	int n = cjd_cgroupfs_nprocs(&r->fs, r->rel);

	if (n <= 0)
		return;
	snprintf(why, sizeof(why), "'%s' exited and left %d process%s in its cgroup (a daemon it "
				   "started?)", cmd, n, n == 1 ? "" : "es");
	cjd_stopper_begin(&r->stop, cjd_now_mono_ns(), why);
	while (cjd_cgroupfs_nprocs(&r->fs, r->rel) > 0 && !cjd_stopper_killed(&r->stop)) {
		poll(NULL, 0, 50);
		cjd_stopper_poll(&r->stop, cjd_now_mono_ns());
	}
}

/* Stops sampling; in the command form, waits for CMD (SIGTERM, then SIGKILL). */
static void finish(struct rec *r)
{
	if (r->finished)
		return;
	r->finished = true;
	cjd_collector_detach(r->col);
	if (r->child && !r->child_done) {
		r->stopping = true; /* the SIGTERM below is ours, not CMD failing */
		cjd_stopper_begin(&r->stop, cjd_now_mono_ns(), NULL);
		r->grace_timer = cjd_loop_add_timer(r->loop, r->stop.grace_ns, on_grace, r);
		return; /* on_child() stops the loop */
	}
	cjd_loop_stop(r->loop);
}

/* A final sample for the partial interval since the last tick, when it is at
 * least half an interval long: shorter ones are mostly noise. Not after -d
 * was reached: that tick was the last. */
static void final_tick(struct rec *r)
{
	struct cjd_collector_stats st;

	if (r->duration_reached || r->err)
		return;
	cjd_collector_stats(r->col, &st);
	if (cjd_collector_now(r->col) - st.last_tick_ns >= r->interval_ns / 2)
		cjd_collector_tick(r->col);
}

static void on_signal(struct cjd_loop *loop, int signo, void *ctx)
{
	struct rec *r = ctx;

	(void)loop;
	if (r->stopping) {
		cjd_info("record: %s again; stopping now", strsignal(signo));
		if (r->child && !r->child_done)
			cjd_cgroupfs_signal(&r->fs, r->rel, SIGKILL);
		return;
	}
	cjd_info("record: %s; stopping", strsignal(signo));
	r->stopping = true;
	if (!r->child)
		final_tick(r); /* with CMD, the last sample comes when CMD has stopped */
	finish(r);
}

static void on_child(struct cjd_loop *loop, int fd, uint32_t events, void *ctx)
{
	struct rec *r = ctx;
	int status;

	(void)events;
	if (waitpid(r->child, &status, WNOHANG) != r->child)
		return;
	r->child_done = true;
	r->child_status = status;
	cjd_loop_del_fd(loop, fd);
	final_tick(r);
	if (r->grace_timer >= 0) {
		cjd_loop_del_timer(loop, r->grace_timer);
		r->grace_timer = -1;
	}
	r->finished = true;
	cjd_collector_detach(r->col);
	cjd_loop_stop(loop);
}

/* ---- options ---- */

struct opts {
	const char *out, *label, *name, *root, *events, *workload;
	uint64_t interval_ns, duration_ns, rescan_ns;
	size_t max_cgroups;
	const char **include, **exclude;
	size_t n_include, n_exclude, cap_include, cap_exclude;
	bool all_cgroups, quiet;
	uint64_t kill_after_ns;
	char **cmd;
};

static int parse_events(const char *list, struct cjd_collector_config *cfg, char *copy)
{
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		int ev = cjd_event_lookup(tok);
		if (ev < 0)
			return cjd_cli_usage_error("record",
						   "--events: '%s' is not a registry event "
						   "(see 'cjd events')",
						   tok);
		cfg->events |= CJD_EVMASK(ev);
		if (eq) {
			if (!eq[1])
				return cjd_cli_usage_error("record", "--events: %s= needs a libpfm4 string",
							   tok);
			cfg->encoding[ev] = eq + 1;
		}
	}
	if (!cfg->events)
		return cjd_cli_usage_error("record", "--events: empty list '%s'", list);
	return 0;
}

static int push(const char ***v, size_t *n, size_t *cap, const char *s)
{
	if (cjd_array_reserve(*v, *cap, *n + 1))
		return -ENOMEM;
	(*v)[(*n)++] = s;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		OPT_CGROUP = 256,
		OPT_EXCLUDE,
		OPT_ALL,
		OPT_EVENTS,
		OPT_LABEL,
		OPT_NAME,
		OPT_ROOT,
		OPT_RESCAN,
		OPT_MAX,
		OPT_WORKLOAD,
		OPT_KILL_AFTER,
	};
	static const struct option lopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'i'},
		{"duration", required_argument, NULL, 'd'},
		{"cgroup", required_argument, NULL, OPT_CGROUP},
		{"exclude", required_argument, NULL, OPT_EXCLUDE},
		{"all-cgroups", no_argument, NULL, OPT_ALL},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"label", required_argument, NULL, OPT_LABEL},
		{"name", required_argument, NULL, OPT_NAME},
		{"root", required_argument, NULL, OPT_ROOT},
		{"rescan", required_argument, NULL, OPT_RESCAN},
		{"max-cgroups", required_argument, NULL, OPT_MAX},
		{"workload", required_argument, NULL, OPT_WORKLOAD},
		{"kill-after", required_argument, NULL, OPT_KILL_AFTER},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool host_opts = false;
	uint64_t v;
	int c, rc;

	o->interval_ns = CJD_COLLECTOR_DEFAULT_INTERVAL_NS;
	optind = 1;
	/* '+': stop at the first non-option, so CMD's own options stay CMD's. */
	while ((c = getopt_long(argc, argv, "+o:i:d:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'i':
			if ((rc = cjd_cli_duration("record", "--interval", optarg,
						   CJD_COLLECTOR_MIN_INTERVAL_NS, &o->interval_ns)))
				return rc;
			break;
		case 'd':
			if ((rc = cjd_cli_duration("record", "--duration", optarg, 1, &o->duration_ns)))
				return rc;
			break;
		case OPT_CGROUP:
		case OPT_EXCLUDE:
			if (optarg[0] != '/' && optarg[0] != '*')
				return cjd_cli_usage_error("record",
							   "%s '%s': cgroup globs match paths that "
							   "start with '/'",
							   c == OPT_CGROUP ? "--cgroup" : "--exclude",
							   optarg);
			if (c == OPT_CGROUP ? push(&o->include, &o->n_include, &o->cap_include, optarg)
					    : push(&o->exclude, &o->n_exclude, &o->cap_exclude, optarg))
				return cjd_cli_fail("record", "out of memory");
			host_opts = true;
			break;
		case OPT_ALL:
			o->all_cgroups = host_opts = true;
			break;
		case OPT_EVENTS:
			o->events = optarg;
			break;
		case OPT_LABEL:
			if (cjd_label_check(optarg))
				return cjd_cli_usage_error("record",
							   "--label '%s': expected benign[/NAME] or "
							   "miner[/ALGO], NAME of 1-64 [A-Za-z0-9._+/-]",
							   optarg);
			o->label = optarg;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_WORKLOAD:
			if (!cjd_name_ok(optarg))
				return cjd_cli_usage_error("record",
							   "--workload '%s': expected 1-64 of "
							   "A-Z a-z 0-9 . _ + -",
							   optarg);
			o->workload = optarg;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_RESCAN:
			if ((rc = cjd_cli_duration("record", "--rescan", optarg,
						   CJD_COLLECTOR_MIN_INTERVAL_NS, &o->rescan_ns)))
				return rc;
			host_opts = true;
			break;
		case OPT_MAX:
			if (cjd_parse_u64(optarg, &v) || v == 0 || v > SIZE_MAX)
				return cjd_cli_usage_error("record",
							   "--max-cgroups '%s': expected a positive "
							   "integer",
							   optarg);
			o->max_cgroups = (size_t)v;
			host_opts = true;
			break;
		case OPT_KILL_AFTER:
			if ((rc = cjd_cli_duration("record", "--kill-after", optarg, 1000000,
						   &o->kill_after_ns)))
				return rc;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return -1;
		default:
			return cjd_cli_bad_option("record", argv, "+o:i:d:qh");
		}
	}
	if (optind < argc) {
		/* getopt leaves "--" consumed; anything left is the command. */
		if (strcmp(argv[optind - 1], "--") != 0)
			return cjd_cli_usage_error("record",
						   "unexpected argument '%s' (put the command "
						   "after '--')",
						   argv[optind]);
		o->cmd = argv + optind;
	}
	if (!o->out)
		return cjd_cli_usage_error("record", "-o FILE is required");
	if (!o->cmd && o->kill_after_ns)
		return cjd_cli_usage_error("record", "--kill-after goes with a command (-- CMD)");
	if (o->cmd && host_opts)
		return cjd_cli_usage_error("record",
					   "--cgroup, --exclude, --all-cgroups, --rescan and "
					   "--max-cgroups select host cgroups; they do not go with CMD");
	if (o->cmd && strcmp(o->out, "-") == 0)
		return cjd_cli_usage_error("record",
					   "-o - with CMD would mix CMD's output into the trace; "
					   "give a file");
	if (o->name && !o->cmd)
		return cjd_cli_usage_error("record", "--name names CMD's cgroup; it needs CMD");
	if (o->name && (!o->name[0] || strchr(o->name, '/') || strlen(o->name) > 200))
		return cjd_cli_usage_error("record",
					   "--name '%s': one path component, at most 200 bytes",
					   o->name);
	return 0;
}

/* ---- the header ---- */

static int fill_header(struct rec *r, struct cjd_trace_header *h, const struct opts *o)
{
	struct cjd_collector_info info;
	struct utsname u;
	json_t *meta = json_object();
	char *text;
	int rc;

	cjd_collector_info(r->col, &info);
	cjd_trace_header_init(h, "perf");
	h->interval_ns = info.interval_ns;
	h->cpus = info.cpus;
	cjd_trace_header_set_events(h, info.events);
	if (uname(&u) == 0)
		json_object_set_new(meta, "kernel", json_string(u.release));
	if (o->workload)
		json_object_set_new(meta, "workload", json_string(o->workload));
	json_object_set_new(meta, "recorder", json_string("cjd record " CJD_VERSION));
	json_object_set_new(meta, "mode", json_string(cjd_mode_name(info.mode)));
	json_object_set_new(meta, "mode_reason", json_string(info.mode_reason));
	json_object_set_new(meta, "backend", json_string(info.backend));
	if (info.pmu && info.pmu[0])
		json_object_set_new(meta, "pmu", json_string(info.pmu));
	json_object_set_new(meta, "cgroup_root", json_string(info.cgroup_root));
	json_object_set_new(meta, "cgroup_version", json_integer(info.cgroup_version));
	json_object_set_new(meta, "perf_groups", json_integer(info.groups));
	if (o->cmd) {
		json_t *argv = json_array();
		for (char **a = o->cmd; *a; a++)
			json_array_append_new(argv, json_string(*a));
		json_object_set_new(meta, "command", argv);
		json_object_set_new(meta, "cgroup_path", json_string(r->rel));
	}
	if (o->label)
		json_object_set_new(meta, "label", json_string(o->label));
	text = cjd_json_dumps(meta);
	json_decref(meta);
	if (!text)
		return -ENOMEM;
	rc = cjd_trace_header_set_meta(h, text);
	free(text);
	return rc;
}

/* ---- the command form ---- */

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s && s[1] ? s + 1 : p;
}

/* Child side, between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *dir, char **cmd, int errfd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the loop blocked INT/TERM for signalfd */
	signal(SIGPIPE, SIG_DFL);
	e = cjd_cgroupfs_enter_self(dir);
	if (e == 0) {
		execvp(cmd[0], cmd);
		e = -errno;
	}
	e = -e;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing more to say: the parent sees a short read */
	}
	_exit(127);
}

static int start_child(struct rec *r, char **cmd)
{
	char dir[4200];
	int pfd[2], e = 0;
	ssize_t n;

	if (!cjd_cgroupfs_join(&r->fs, r->rel, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -errno;
	fflush(NULL);
	r->child = fork();
	if (r->child < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		r->child = 0;
		return -e;
	}
	if (r->child == 0)
		child_exec(dir, cmd, pfd[1]);
	close(pfd[1]);
	/* The pipe closes on exec (O_CLOEXEC): EOF means CMD is running. */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(r->child, NULL, 0);
		r->child = 0;
		return -e;
	}
	r->pidfd = (int)syscall(SYS_pidfd_open, r->child, 0);
	if (r->pidfd < 0)
		return -errno;
	return 0;
}

/*
 * A run killed with SIGKILL (or by the OOM killer) cannot remove its cgroup. The next run sweeps
 * the cjd-record-<pid> cgroups whose pid is gone; rmdir only succeeds on an empty cgroup, so one
 * that still holds a process (or a live run whose pid was reused) is left alone.
 */
static void sweep_stale(const struct cjd_cgroupfs *fs)
{
	DIR *d = opendir(fs->path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[sizeof(fs->path) + 300];
		char *end;
		long pid;

		if (strncmp(de->d_name, "cjd-record-", 11) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + 11, &end, 10);
		if (errno || pid <= 0 || (*end && *end != '-'))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fs->path, de->d_name);
		if (rmdir(path) == 0)
			cjd_info("record: removed %s, left by a run (pid %ld) that was killed", path, pid);
	}
	closedir(d);
}

static int make_cgroup(struct rec *r, const struct opts *o)
{
	struct cjd_error err;
	char msg[600];

	if (cjd_cgroupfs_find(&r->fs, o->root, NULL, &err) != 0) {
		cjd_err("%s", cjd_error_format(&err, msg, sizeof(msg)));
		return -ENOENT;
	}
	sweep_stale(&r->fs);
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(r->rel, sizeof(r->rel), "/cjd-record-%d", (int)getpid());
		else
			snprintf(r->rel, sizeof(r->rel), "/cjd-record-%d-%d", (int)getpid(), i);
		int rc = cjd_cgroupfs_create(&r->fs, r->rel, &err);
		if (rc == 0)
			return 0;
		if (rc != -EEXIST) {
			cjd_err("%s", cjd_error_format(&err, msg, sizeof(msg)));
			if (rc == -EACCES || rc == -EPERM || rc == -EROFS)
				cjd_err("record: the CMD form creates a cgroup under %s: run it as "
					"root (with the cgroup filesystem writable)",
					r->fs.path);
			return rc;
		}
	}
	cjd_err("record: could not find a free cgroup name under %s", r->fs.path);
	return -EEXIST;
}

static void remove_cgroup(struct rec *r)
{
	struct cjd_error err;
	char msg[600];

	if (!r->rel[0])
		return;
	if (cjd_cgroupfs_destroy(&r->fs, r->rel, 2000, &err) != 0)
		cjd_warn("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
	r->rel[0] = '\0';
}

/* ---- main ---- */

int cmd_record(int argc, char **argv)
{
	struct opts o = {0};
	struct rec r = {.pidfd = -1, .grace_timer = -1};
	struct cjd_collector_config cfg = {0};
	struct cjd_trace_header h = {0};
	struct cjd_error err;
	char *events_copy = NULL, name[256], msg[700];
	int rc, ret = CJD_EXIT_FAIL;

	rc = parse_opts(argc, argv, &o);
	if (rc) {
		ret = rc < 0 ? CJD_EXIT_OK : rc;
		goto out_opts;
	}
	if (o.events) {
		if (!(events_copy = strdup(o.events))) {
			ret = cjd_cli_fail("record", "out of memory");
			goto out_opts;
		}
		if ((rc = parse_events(o.events, &cfg, events_copy))) {
			ret = rc;
			goto out_opts;
		}
	}
	r.label = o.label;
	r.out = o.out;
	r.quiet = o.quiet;
	r.interval_ns = o.interval_ns;
	r.duration_ns = o.duration_ns;
	cjd_progress_init(&r.prog);

	cfg.interval_ns = o.interval_ns;
	cfg.rescan_ns = o.rescan_ns;
	cfg.include = o.include;
	cfg.n_include = o.n_include;
	cfg.exclude = o.exclude;
	cfg.n_exclude = o.n_exclude;
	cfg.select = o.all_cgroups ? CJD_SELECT_ALL : CJD_SELECT_LEAVES;
	cfg.max_cgroups = o.max_cgroups;
	cfg.cgroup_root = o.root;
	if (o.cmd) {
		if (make_cgroup(&r, &o) != 0)
			goto out_opts;
		cjd_stopper_init(&r.stop, "record", "CMD and what it started, in its cgroup",
				 o.kill_after_ns, signal_cgroup, &r);
		snprintf(name, sizeof(name), "/%s", o.name ? o.name : basename_of(o.cmd[0]));
		cfg.cgroup_root = r.fs.path;
		cfg.only_cgroup = r.rel;
		cfg.only_name = name;
	}

	if ((rc = cjd_collector_new(&r.col, &cfg, &err)) != 0) {
		cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
		ret = rc == -EINVAL ? CJD_EXIT_USAGE : CJD_EXIT_FAIL;
		goto out_cgroup;
	}
	if ((rc = fill_header(&r, &h, &o)) != 0) {
		cjd_err("record: cannot build the header: %s", strerror(-rc));
		goto out_collector;
	}
	if (cjd_trace_writer_open(&r.w, o.out, &h, CJD_TRACE_COMPRESS_AUTO, &err) != 0) {
		cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
		goto out_collector;
	}
	if ((rc = cjd_loop_new(&r.loop)) != 0) {
		cjd_err("record: event loop: %s", strerror(-rc));
		goto out_writer;
	}
	struct cjd_collector_callbacks cbs = {.samples = on_samples, .gone = on_gone, .ctx = &r};
	cjd_collector_set_callbacks(r.col, &cbs);
	if ((rc = cjd_loop_add_signal(r.loop, SIGINT, on_signal, &r)) != 0 ||
	    (rc = cjd_loop_add_signal(r.loop, SIGTERM, on_signal, &r)) != 0) {
		cjd_err("record: signals: %s", strerror(-rc));
		goto out_loop;
	}
	if (o.cmd) {
		if ((rc = start_child(&r, o.cmd)) != 0) {
			cjd_err("record: cannot run '%s': %s", o.cmd[0], strerror(-rc));
			goto out_loop;
		}
		if ((rc = cjd_loop_add_fd(r.loop, r.pidfd, EPOLLIN, on_child, &r)) != 0) {
			cjd_err("record: watching '%s': %s", o.cmd[0], strerror(-rc));
			goto out_loop;
		}
		cjd_info("record: running '%s' in cgroup %s%s as %s", o.cmd[0], r.fs.path, r.rel,
			 name);
	} else {
		struct cjd_collector_stats st;
		cjd_collector_stats(r.col, &st);
		if (st.monitored == 0)
			cjd_warn("record: no cgroup matches yet; waiting for one (re-scan every %s)",
				 cjd_duration_format(o.rescan_ns ? o.rescan_ns
								 : CJD_COLLECTOR_DEFAULT_RESCAN_NS,
						     msg, sizeof(msg)));
	}
	if ((rc = cjd_collector_attach(r.col, r.loop, on_collector_end, &r)) != 0) {
		cjd_err("record: timer: %s", strerror(-rc));
		goto out_loop;
	}
	r.last_flush_ns = cjd_now_mono_ns();
	if ((rc = cjd_loop_run(r.loop)) != 0) {
		cjd_err("record: event loop: %s", strerror(-rc));
		r.err = rc;
	}
	if (!r.quiet)
		cjd_progress_done(&r.prog);
	ret = r.err ? CJD_EXIT_FAIL : CJD_EXIT_OK;

out_loop:
	cjd_collector_detach(r.col);
	if (r.child && !r.child_done) {
		/* Only on an early failure: finish() normally waits for CMD. */
		cjd_cgroupfs_signal(&r.fs, r.rel, SIGKILL);
		waitpid(r.child, &r.child_status, 0);
		r.child_done = true;
		r.stopping = true;
	}
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (o.cmd && r.child_done)
		stop_leftovers(&r, o.cmd[0]);
	cjd_loop_free(r.loop);
out_writer:
	if (cjd_trace_writer_close(r.w, &err) != 0) {
		cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
		ret = CJD_EXIT_FAIL;
	} else if (r.w && ret == CJD_EXIT_OK) {
		cjd_info("record: %" PRIu64 " samples written to %s", r.samples, o.out);
		if (r.samples == 0 && o.cmd)
			cjd_warn("record: '%s' ended before half an interval had passed, so there "
				 "is no sample; try a shorter -i",
				 o.cmd[0]);
	}
	cjd_trace_header_release(&h);
out_collector:
	cjd_collector_free(r.col);
out_cgroup:
	remove_cgroup(&r);
	if (r.child && r.child_done && ret == CJD_EXIT_OK) {
		int st = r.child_status;
		if (r.stopping && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			/* We sent SIGTERM: a shell that traps it exits 130 or 143, a
			 * program may exit 1; none of that is CMD failing. */
			cjd_info("record: '%s' exited with status %d after cjd stopped it",
				 o.cmd[0], WEXITSTATUS(st));
		} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			cjd_err("record: '%s' exited with status %d (the trace is complete)",
				o.cmd[0], WEXITSTATUS(st));
			ret = CJD_EXIT_FAIL;
		} else if (WIFSIGNALED(st) && !r.stopping) {
			cjd_err("record: '%s' was killed by %s (the trace is complete)", o.cmd[0],
				strsignal(WTERMSIG(st)));
			ret = CJD_EXIT_FAIL;
		}
	}
out_opts:
	free(events_copy);
	free(o.include);
	free(o.exclude);
	return ret;
}
