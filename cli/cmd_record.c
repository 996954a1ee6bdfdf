/* `cjd record`: per-cgroup counters to a .cjdt trace, for the host's cgroups or for one command. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
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

#include "cjd/collector/cgroup_cmd.h"
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
#include "cjd/evidence/periodic.h"
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
	"      --evidence[=DUR]   also inspect CMD's cgroup with the evidence probes (as\n"
	"                         'cjd inspect' does) 2 s after the start and then every DUR\n"
	"                         (default 10s, at least 3s), in a thread of its own, and\n"
	"                         store each inspection in the trace as an evidence record\n"
	"                         (docs/trace-format.md). The probes stop each thread for\n"
	"                         microseconds a few times per inspection and sample where\n"
	"                         the CPU time goes for 1 s (about 2 % of the work then).\n"
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
	"  cjd record -i 100ms -d 30s --label miner/randomx -o xmrig.cjdt -- xmrig --bench=1M\n"
	"  cjd record -i 100ms -d 60s --evidence -o job.cjdt.gz -- ./batch-job\n";

struct rec {
	struct cjd_loop *loop;
	struct cjd_collector *col;
	struct cjd_trace_writer *w;
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
	struct cjd_cgroup_cmd cg; /* CMD's cgroup and process (collector/cgroup_cmd.c) */
	int child_status;
	bool child_done;
	int grace_timer;
	struct cjd_stopper stop; /* SIGTERM, then SIGKILL after --kill-after */

	/* --evidence: the inspection thread writes through the same writer */
	const char *name;        /* the samples' cgroup name, "/NAME" */
	struct cjd_inspect_periodic *insp;
	pthread_mutex_t wmu;     /* the writer, shared with the inspection thread */
	uint64_t origin_ns;      /* CLOCK_MONOTONIC of the trace's t_ns 0 */
	uint64_t nevidence, evidence_failed;
};

/* ---- sample sink ---- */

static void finish(struct rec *r);

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	struct rec *r = ctx;
	struct cjd_collector_stats st;
	struct cjd_error err;
	uint64_t now = cjd_now_mono_ns();

	pthread_mutex_lock(&r->wmu);
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
	pthread_mutex_unlock(&r->wmu);
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

/* The inspection thread's hand-over: one evidence record, written under the writer's lock. */
static void on_evidence(void *ctx, uint64_t t_mono_ns, const json_t *inspection, int rc,
			const struct cjd_error *ierr)
{
	struct rec *r = ctx;
	struct cjd_trace_evidence ev = {.cgroup = r->name, .inspection = (json_t *)inspection};
	struct cjd_error err;
	char msg[600];

	pthread_mutex_lock(&r->wmu);
	if (rc) {
		r->evidence_failed++;
		cjd_warn("record: inspection of %s failed: %s", r->name,
			 cjd_error_format(ierr, msg, sizeof(msg)));
	} else {
		ev.t_ns = t_mono_ns > r->origin_ns ? t_mono_ns - r->origin_ns : 0;
		if (!r->err && cjd_trace_writer_write_evidence(r->w, &ev, &err) != 0) {
			cjd_err("%s", cjd_error_format(&err, msg, sizeof(msg)));
			r->evidence_failed++;
		} else {
			r->nevidence++;
		}
	}
	pthread_mutex_unlock(&r->wmu);
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
	if (!r->cg.pid || err != -ENOENT)
		cjd_err("record: nothing left to monitor (%s)", strerror(-err));
	if (!r->cg.pid)
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

	return cjd_cgroupfs_signal(&r->cg.fs, r->cg.rel, sig);
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
	int n = cjd_cgroupfs_nprocs(&r->cg.fs, r->cg.rel);

	if (n <= 0)
		return;
	snprintf(why, sizeof(why), "'%s' exited and left %d process%s in its cgroup (a daemon it "
				   "started?)", cmd, n, n == 1 ? "" : "es");
	cjd_stopper_begin(&r->stop, cjd_now_mono_ns(), why);
	while (cjd_cgroupfs_nprocs(&r->cg.fs, r->cg.rel) > 0 && !cjd_stopper_killed(&r->stop)) {
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
	/* no inspection after the last sample (an inspection under way ends first) */
	cjd_inspect_periodic_stop(r->insp);
	r->insp = NULL;
	if (r->cg.pid && !r->child_done) {
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
		if (r->cg.pid && !r->child_done)
			cjd_cgroupfs_signal(&r->cg.fs, r->cg.rel, SIGKILL);
		return;
	}
	cjd_info("record: %s; stopping", strsignal(signo));
	r->stopping = true;
	if (!r->cg.pid)
		final_tick(r); /* with CMD, the last sample comes when CMD has stopped */
	finish(r);
}

static void on_child(struct cjd_loop *loop, int fd, uint32_t events, void *ctx)
{
	struct rec *r = ctx;
	int status;

	(void)events;
	if (waitpid(r->cg.pid, &status, WNOHANG) != r->cg.pid)
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
	cjd_inspect_periodic_stop(r->insp);
	r->insp = NULL;
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
	uint64_t evidence_ns; /* --evidence: every this long; 0 = off */
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

/* cjd record's long options without a short form. */
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
	OPT_EVIDENCE,
};

/* One option of cjd record into o. Returns 0, -1 (--help printed) or an exit status. */
static int record_opt(int c, const char *optarg, struct opts *o, bool *host_opts)
{
	uint64_t v;
	int rc;

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
		*host_opts = true;
		break;
	case OPT_ALL:
		o->all_cgroups = *host_opts = true;
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
		*host_opts = true;
		break;
	case OPT_MAX:
		if (cjd_parse_u64(optarg, &v) || v == 0 || v > SIZE_MAX)
			return cjd_cli_usage_error("record",
						   "--max-cgroups '%s': expected a positive "
						   "integer",
						   optarg);
		o->max_cgroups = (size_t)v;
		*host_opts = true;
		break;
	case OPT_KILL_AFTER:
		if ((rc = cjd_cli_duration("record", "--kill-after", optarg, 1000000,
					   &o->kill_after_ns)))
			return rc;
		break;
	case OPT_EVIDENCE:
		o->evidence_ns = 10 * CJD_NSEC_PER_SEC;
		if (optarg && (rc = cjd_cli_duration("record", "--evidence", optarg,
						     3 * CJD_NSEC_PER_SEC, &o->evidence_ns)))
			return rc;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		fputs(record_usage, stdout);
		return -1;
	default:
		return cjd_cli_usage_error("record", "unknown option");
	}
	return 0;
}

/* The options taken together, and the command after "--". Returns 0 or an exit status. */
static int check_opts(int argc, char **argv, struct opts *o, bool host_opts)
{
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
	if (o->evidence_ns && !o->cmd)
		return cjd_cli_usage_error("record", "--evidence inspects CMD's cgroup; it needs CMD");
	if (o->name && (!o->name[0] || strchr(o->name, '/') || strlen(o->name) > 200))
		return cjd_cli_usage_error("record",
					   "--name '%s': one path component, at most 200 bytes",
					   o->name);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
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
		{"evidence", optional_argument, NULL, OPT_EVIDENCE},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool host_opts = false;
	int c, rc;

	o->interval_ns = CJD_COLLECTOR_DEFAULT_INTERVAL_NS;
	optind = 1;
	/* '+': stop at the first non-option, so CMD's own options stay CMD's. */
	while ((c = getopt_long(argc, argv, "+o:i:d:qh", lopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return cjd_cli_bad_option("record", argv, "+o:i:d:qh");
		if ((rc = record_opt(c, optarg, o, &host_opts)))
			return rc;
	}
	return check_opts(argc, argv, o, host_opts);
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
		json_object_set_new(meta, "cgroup_path", json_string(r->cg.rel));
	}
	if (o->label)
		json_object_set_new(meta, "label", json_string(o->label));
	if (o->evidence_ns)
		json_object_set_new(meta, "evidence_interval_ns", json_integer((json_int_t)o->evidence_ns));
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

/* --evidence: the inspection thread, on CMD's cgroup, on the samples' clock. */
static int start_evidence(struct rec *r, uint64_t every_ns)
{
	struct cjd_error err;
	char dir[4200], msg[600];
	int rc;

	if (!cjd_cgroupfs_join(&r->cg.fs, r->cg.rel, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	r->origin_ns = cjd_now_mono_ns() - cjd_collector_now(r->col);
	cjd_error_clear(&err);
	rc = cjd_inspect_periodic_start(&r->insp, dir, 2 * CJD_NSEC_PER_SEC, every_ns, on_evidence, r,
					&err);
	if (rc)
		cjd_err("record: --evidence: %s", cjd_error_format(&err, msg, sizeof(msg)));
	else
		cjd_info("record: inspecting %s 2 s after the start, then every %s", r->name,
			 cjd_duration_format(every_ns, msg, sizeof(msg)));
	return rc;
}

/* ---- main ---- */

/* The collector's configuration from the options; in the command form, CMD's fresh cgroup
 * (collector/cgroup_cmd.c), recorded as "/NAME" (name). Returns 0 or -errno, said. */
static int collector_config(struct rec *r, const struct opts *o, struct cjd_collector_config *cfg,
			    char *name, size_t len)
{
	struct cjd_error err;
	char msg[700];

	cfg->interval_ns = o->interval_ns;
	cfg->rescan_ns = o->rescan_ns;
	cfg->include = o->include;
	cfg->n_include = o->n_include;
	cfg->exclude = o->exclude;
	cfg->n_exclude = o->n_exclude;
	cfg->select = o->all_cgroups ? CJD_SELECT_ALL : CJD_SELECT_LEAVES;
	cfg->max_cgroups = o->max_cgroups;
	cfg->cgroup_root = o->root;
	if (!o->cmd)
		return 0;
	if (cjd_cgroup_cmd_make(&r->cg, o->root, &err) != 0) {
		cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
		return -EIO;
	}
	cjd_stopper_init(&r->stop, "record", "CMD and what it started, in its cgroup",
			 o->kill_after_ns, signal_cgroup, r);
	snprintf(name, len, "/%s", o->name ? o->name : basename_of(o->cmd[0]));
	cfg->cgroup_root = r->cg.fs.path;
	cfg->only_cgroup = r->cg.rel;
	cfg->only_name = name;
	r->name = name;
	return 0;
}

/* Wires the loop (samples, signals, CMD's exit), starts CMD and the inspections, and the
 * collector's timer. Returns 0 or -errno, said. */
static int start(struct rec *r, const struct opts *o)
{
	struct cjd_collector_callbacks cbs = {.samples = on_samples, .gone = on_gone, .ctx = r};
	struct cjd_error err;
	char msg[700];
	int rc;

	cjd_collector_set_callbacks(r->col, &cbs);
	if ((rc = cjd_loop_add_signal(r->loop, SIGINT, on_signal, r)) != 0 ||
	    (rc = cjd_loop_add_signal(r->loop, SIGTERM, on_signal, r)) != 0) {
		cjd_err("record: signals: %s", strerror(-rc));
		return rc;
	}
	if (o->cmd) {
		if ((rc = cjd_cgroup_cmd_start(&r->cg, o->cmd, &err)) != 0) {
			cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
			return rc;
		}
		if ((rc = cjd_loop_add_fd(r->loop, r->cg.pidfd, EPOLLIN, on_child, r)) != 0) {
			cjd_err("record: watching '%s': %s", o->cmd[0], strerror(-rc));
			return rc;
		}
		cjd_info("record: running '%s' in cgroup %s%s as %s", o->cmd[0], r->cg.fs.path,
			 r->cg.rel, r->name);
		if (o->evidence_ns && (rc = start_evidence(r, o->evidence_ns)) != 0)
			return rc;
	} else {
		struct cjd_collector_stats st;
		cjd_collector_stats(r->col, &st);
		if (st.monitored == 0)
			cjd_warn("record: no cgroup matches yet; waiting for one (re-scan every %s)",
				 cjd_duration_format(o->rescan_ns ? o->rescan_ns
								  : CJD_COLLECTOR_DEFAULT_RESCAN_NS,
						     msg, sizeof(msg)));
	}
	if ((rc = cjd_collector_attach(r->col, r->loop, on_collector_end, r)) != 0)
		cjd_err("record: timer: %s", strerror(-rc));
	return rc;
}

/* The exit status after CMD ended: its failure is ours, unless it was cjd that stopped it. */
static int child_exit(const struct rec *r, const char *cmd)
{
	int st = r->child_status;

	if (r->stopping && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		/* We sent SIGTERM: a shell that traps it exits 130 or 143, a
		 * program may exit 1; none of that is CMD failing. */
		cjd_info("record: '%s' exited with status %d after cjd stopped it", cmd,
			 WEXITSTATUS(st));
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		cjd_err("record: '%s' exited with status %d (the trace is complete)", cmd,
			WEXITSTATUS(st));
		return CJD_EXIT_FAIL;
	} else if (WIFSIGNALED(st) && !r->stopping) {
		cjd_err("record: '%s' was killed by %s (the trace is complete)", cmd,
			strsignal(WTERMSIG(st)));
		return CJD_EXIT_FAIL;
	}
	return CJD_EXIT_OK;
}

/* Stops collecting and probing, and (only after an early failure) kills CMD and reaps it. */
static void stop_recording(struct rec *r, const struct opts *o)
{
	cjd_collector_detach(r->col);
	cjd_inspect_periodic_stop(r->insp);
	r->insp = NULL;
	if (r->cg.pid && !r->child_done) {
		/* Only on an early failure: finish() normally waits for CMD. */
		cjd_cgroupfs_signal(&r->cg.fs, r->cg.rel, SIGKILL);
		waitpid(r->cg.pid, &r->child_status, 0);
		r->child_done = true;
		r->stopping = true;
	}
	if (o->cmd && r->child_done)
		stop_leftovers(r, o->cmd[0]);
}

/* Closes the trace and, when all went well, says what it holds. Returns ret, or
 * CJD_EXIT_FAIL when the trace could not be completed. */
static int close_trace(struct rec *r, const struct opts *o, int ret)
{
	struct cjd_error err;
	char msg[700];

	if (cjd_trace_writer_close(r->w, &err) != 0) {
		cjd_err("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
		return CJD_EXIT_FAIL;
	}
	if (r->w && ret == CJD_EXIT_OK) {
		cjd_info("record: %" PRIu64 " samples written to %s", r->samples, o->out);
		if (o->evidence_ns)
			cjd_info("record: %" PRIu64 " evidence records written, %" PRIu64
				 " inspections failed", r->nevidence, r->evidence_failed);
		if (r->samples == 0 && o->cmd)
			cjd_warn("record: '%s' ended before half an interval had passed, so there "
				 "is no sample; try a shorter -i",
				 o->cmd[0]);
	}
	return ret;
}

int cmd_record(int argc, char **argv)
{
	struct opts o = {0};
	struct rec r = {.cg = {.pidfd = -1}, .grace_timer = -1, .wmu = PTHREAD_MUTEX_INITIALIZER};
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

	if (collector_config(&r, &o, &cfg, name, sizeof(name)) != 0)
		goto out_opts;

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
	if (start(&r, &o) != 0)
		goto out_loop;
	r.last_flush_ns = cjd_now_mono_ns();
	if ((rc = cjd_loop_run(r.loop)) != 0) {
		cjd_err("record: event loop: %s", strerror(-rc));
		r.err = rc;
	}
	if (!r.quiet)
		cjd_progress_done(&r.prog);
	ret = r.err ? CJD_EXIT_FAIL : CJD_EXIT_OK;

out_loop:
	stop_recording(&r, &o);
	cjd_loop_free(r.loop);
out_writer:
	ret = close_trace(&r, &o, ret);
	cjd_trace_header_release(&h);
out_collector:
	cjd_collector_free(r.col);
out_cgroup:
	if (cjd_cgroup_cmd_remove(&r.cg, &err) != 0)
		cjd_warn("record: %s", cjd_error_format(&err, msg, sizeof(msg)));
	if (r.cg.pid && r.child_done && ret == CJD_EXIT_OK)
		ret = child_exit(&r, o.cmd[0]);
out_opts:
	free(events_copy);
	free(o.include);
	free(o.exclude);
	return ret;
}
