/* `cjd inspect`: runs the evidence probes once on a cgroup or a process and prints what they found. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/evidence/inspect.h"
#include "cjd/evidence/memory.h"
#include "cjd/evidence/target.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cli.h"

static const char inspect_usage[] =
	"Usage: cjd inspect [OPTIONS] CGROUP\n"
	"       cjd inspect [OPTIONS] --pid PID\n"
	"\n"
	"Gathers evidence on one suspect, once: runs the probes that are available\n"
	"here on every process of CGROUP (and of its descendant cgroups, as perf\n"
	"counts them), or on process PID, and prints what they found: a summary\n"
	"sentence per probe a responder can act on, then each probe's figures.\n"
	"\n"
	"CGROUP is a cgroup directory (/sys/fs/cgroup/memory/docker/ID) or a name\n"
	"relative to the hierarchy cjd run monitors, as alerts print it\n"
	"(/system.slice/docker-ID.scope).\n"
	"\n"
	"Probes (docs/evidence.md says what each measures, costs and cannot see),\n"
	"in the order they run:\n"
	"  fpstate     the SSE rounding mode and flush-to-zero/denormals-are-zero\n"
	"              flags of every thread, read with ptrace a few times over\n"
	"              0.5 s: RandomX changes the rounding mode all the time,\n"
	"              almost no benign program does. Stops one thread at a time,\n"
	"              each for tens of microseconds; needs CAP_SYS_PTRACE for\n"
	"              other users' processes\n"
	"  codesample  where the CPU time goes: the instruction pointer every 1 ms\n"
	"              of CPU time for 1 s (the cpu-clock software event: no PMU\n"
	"              needed), the file or anonymous memory each sample hit (JIT\n"
	"              code, as RandomX generates, runs from anonymous memory),\n"
	"              and the instruction mix (AES, 64-bit multiply, SIMD, ALU...)\n"
	"              of the hottest code, read with process_vm_readv. A CGROUP\n"
	"              is sampled as a whole on every CPU, --pid PID on its\n"
	"              threads. Stops nothing; the target does about 2 % less work\n"
	"              while sampled. Needs CAP_PERFMON for a cgroup, and\n"
	"              CAP_SYS_PTRACE to read other users' code\n"
	"  network     the TCP and UDP sockets of every process (/proc/PID/fd,\n"
	"              matched with sock_diag in the process's network namespace,\n"
	"              or /proc/PID/net): outbound connections, their peers,\n"
	"              messages per second and bytes each way over 1 s, listeners.\n"
	"              A stratum client is one long-lived outbound connection with\n"
	"              small, regular messages. Stops nothing; needs CAP_SYS_ADMIN\n"
	"              for byte counters in another network namespace\n"
	"  memory      anonymous resident memory and transparent/hugetlb huge pages\n"
	"              (smaps_rollup, memory.stat): RandomX keeps 256 MiB (light\n"
	"              mode) or 2 GiB more (fast mode) resident. Stops nothing\n"
	"  stratum     mining-pool protocol messages in each process's private\n"
	"              writable anonymous memory (heap, stacks), read with\n"
	"              process_vm_readv: stratum methods (mining.notify,\n"
	"              mining.submit...), CryptoNote stratum jobs and submits\n"
	"              (\"job_id\", \"blob\", \"method\":\"job\"...) and pool URLs\n"
	"              (stratum+tcp://), plaintext even behind TLS. Reports marker\n"
	"              names only, never memory contents. At most 16 processes,\n"
	"              64 MiB each; regions over 64 MiB are skipped. Stops\n"
	"              nothing; needs CAP_SYS_PTRACE for other users' processes\n"
	"\n"
	"Options:\n"
	"  --pid PID           inspect this process (a thread id names its process)\n"
	"  --root DIR          resolve relative CGROUP names under DIR (default: the\n"
	"                      hierarchy cjd run and cjd record use)\n"
	"  --probes LIST       comma-separated probes to run, or all (default: all);\n"
	"                      a probe named here that cannot run makes the exit\n"
	"                      status 1\n"
	"  --json              one JSON object: \"target\", one member per probe (with\n"
	"                      \"status\": ok, failed or unavailable), \"summary\" (the\n"
	"                      sentences), \"elapsed_ns\" and \"cpu_ns\"\n"
	"  --rounds N          fpstate: looks at each thread, 1 to 64 (default 5)\n"
	"  --duration DUR      fpstate: spread the looks over DUR (default 500ms)\n"
	"  --max-pause DUR     fpstate: the longest one look may last, from the\n"
	"                      interrupt to the detach (default 100ms, at most 1s).\n"
	"                      A running thread stops at once and is held only for\n"
	"                      one register read; a runnable one stops when it next\n"
	"                      gets a CPU; one in uninterruptible sleep when it\n"
	"                      wakes. A thread not stopped by then is released and\n"
	"                      reported, and (unless asleep) tried again next round\n"
	"  --max-threads N     fpstate: threads looked at, at most; the others are\n"
	"                      counted (default 1024)\n"
	"  --normal-priority   fpstate: keep the tracer thread at normal priority.\n"
	"                      By default it runs SCHED_FIFO at the lowest real-time\n"
	"                      priority where cjd may (CAP_SYS_NICE), so that on a\n"
	"                      busy host a stopped thread does not wait for cjd to\n"
	"                      get a CPU\n"
	"  --sample-for DUR    codesample: how long to sample (default 1s, at most 60s)\n"
	"  --sample-period DUR codesample: CPU time between two samples of a thread\n"
	"                      (default 1ms, at least 100us)\n"
	"  --no-code           codesample: do not read or decode the target's code\n"
	"                      (regions and concentration only, no instruction mix)\n"
	"  --net-window DUR    network: time between the two reads of the TCP\n"
	"                      counters the rates come from (default 1s, at most 60s)\n"
	"  -h, --help          this help\n"
	"\n"
	"The probes run one after the other: about 2.5 s with the defaults. Only\n"
	"fpstate stops threads, one thread of the whole target at any time. No\n"
	"thread is ever left stopped or traced, even when cjd inspect is killed:\n"
	"the kernel releases a seized thread when its tracer exits. Signals that\n"
	"arrive while a thread is held keep their meaning. docs/security.md says\n"
	"what ptrace, reading code and entering network namespaces mean for the\n"
	"inspected workload, which privileges each probe needs, and how to leave\n"
	"a probe out (--probes).\n"
	"\n"
	"Exit status: 0 when evidence was gathered (at least one probe ran), 1 when\n"
	"the target does not exist, no probe could run or a probe named with\n"
	"--probes failed, 2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  cjd inspect /system.slice/docker-4f1c.scope\n"
	"  cjd inspect --pid 4242 --json\n"
	"  cjd inspect --probes memory /sys/fs/cgroup/memory/docker/4f1c\n"
	"  cjd inspect --probes codesample,network --sample-for 3s /system.slice/x.scope\n";

struct inspect_args {
	const char *cgroup, *root, *probes;
	pid_t pid;
	bool json, normal_priority, no_code;
	uint64_t rounds, duration_ns, max_pause_ns, max_threads;
	uint64_t sample_ns, period_ns, net_window_ns;
};

static int parse_count(const char *opt, const char *val, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (cjd_parse_u64(val, out) != 0 || *out < lo || *out > hi)
		return cjd_cli_usage_error("inspect", "%s: '%s' is not a whole number from %llu to %llu",
					   opt, val, (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

/* A duration option from min_ns to max_ns (max_text names it in the error). Returns 0 or an
 * exit code. */
static int parse_duration(const char *opt, const char *val, uint64_t min_ns, uint64_t max_ns,
			  const char *max_text, uint64_t *out)
{
	int rc = cjd_cli_duration("inspect", opt, val, min_ns, out);

	if (!rc && *out > max_ns)
		rc = cjd_cli_usage_error("inspect", "%s: at most %s", opt, max_text);
	return rc;
}

static int parse_args(int argc, char **argv, struct inspect_args *a)
{
	enum { OPT_PID = 256, OPT_ROOT, OPT_PROBES, OPT_JSON, OPT_ROUNDS, OPT_DURATION,
	       OPT_MAX_PAUSE, OPT_MAX_THREADS, OPT_NORMAL_PRIORITY, OPT_SAMPLE_FOR,
	       OPT_SAMPLE_PERIOD, OPT_NO_CODE, OPT_NET_WINDOW };
	static const struct option opts[] = {
	    {"pid", required_argument, NULL, OPT_PID},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"probes", required_argument, NULL, OPT_PROBES},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"rounds", required_argument, NULL, OPT_ROUNDS},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"max-pause", required_argument, NULL, OPT_MAX_PAUSE},
	    {"max-threads", required_argument, NULL, OPT_MAX_THREADS},
	    {"normal-priority", no_argument, NULL, OPT_NORMAL_PRIORITY},
	    {"sample-for", required_argument, NULL, OPT_SAMPLE_FOR},
	    {"sample-period", required_argument, NULL, OPT_SAMPLE_PERIOD},
	    {"no-code", no_argument, NULL, OPT_NO_CODE},
	    {"net-window", required_argument, NULL, OPT_NET_WINDOW},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	uint64_t v;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (parse_count("--pid", optarg, 1, 0x7fffffff, &v))
				return CJD_EXIT_USAGE;
			a->pid = (pid_t)v;
			break;
		case OPT_ROOT:
			a->root = optarg;
			break;
		case OPT_PROBES:
			a->probes = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_ROUNDS:
			if (parse_count("--rounds", optarg, 1, CJD_FPSTATE_MAX_ROUNDS, &a->rounds))
				return CJD_EXIT_USAGE;
			break;
		case OPT_DURATION:
			if ((rc = parse_duration("--duration", optarg, 0, 600 * CJD_NSEC_PER_SEC, "10m",
						 &a->duration_ns)))
				return rc;
			break;
		case OPT_MAX_PAUSE:
			if ((rc = parse_duration("--max-pause", optarg, 1000, CJD_NSEC_PER_SEC, "1s",
						 &a->max_pause_ns)))
				return rc;
			break;
		case OPT_MAX_THREADS:
			if (parse_count("--max-threads", optarg, 1, 1u << 20, &a->max_threads))
				return CJD_EXIT_USAGE;
			break;
		case OPT_NORMAL_PRIORITY:
			a->normal_priority = true;
			break;
		case OPT_SAMPLE_FOR:
			if ((rc = parse_duration("--sample-for", optarg, 1000000, 60 * CJD_NSEC_PER_SEC, "60s",
						 &a->sample_ns)))
				return rc;
			break;
		case OPT_SAMPLE_PERIOD:
			if ((rc = parse_duration("--sample-period", optarg, 100000, CJD_NSEC_PER_SEC, "1s",
						 &a->period_ns)))
				return rc;
			break;
		case OPT_NO_CODE:
			a->no_code = true;
			break;
		case OPT_NET_WINDOW:
			if ((rc = parse_duration("--net-window", optarg, 1000000, 60 * CJD_NSEC_PER_SEC, "60s",
						 &a->net_window_ns)))
				return rc;
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			return -1;
		default:
			return cjd_cli_bad_option("inspect", argv, "h");
		}
	}
	if (optind < argc)
		a->cgroup = argv[optind++];
	if (optind < argc)
		return cjd_cli_usage_error("inspect", "unexpected argument '%s'", argv[optind]);
	if (!a->cgroup == !a->pid)
		return cjd_cli_usage_error("inspect", "give either a CGROUP or --pid PID");
	if (a->root && a->pid)
		return cjd_cli_usage_error("inspect", "--root goes with a CGROUP, not with --pid");
	return 0;
}

/* Builds the target from the arguments; prints the error and returns CJD_EXIT_FAIL if it
 * cannot. */
static int make_target(const struct inspect_args *a, struct cjd_target *t)
{
	struct cjd_error err;
	char dir[4096];

	cjd_error_clear(&err);
	if (a->pid) {
		char v2[4096];
		bool have_v2 = cjd_memory_cgroup_mount(NULL, NULL, v2, sizeof(v2)) == 0;
		if (cjd_target_from_pid(t, a->pid, NULL, have_v2 ? v2 : NULL, &err) != 0)
			return cjd_cli_error("inspect", &err);
		return 0;
	}
	struct cjd_cgroupfs fs;
	struct cjd_error ferr;
	const char *root = NULL;
	cjd_error_clear(&ferr);
	if (cjd_cgroupfs_find(&fs, a->root, NULL, &ferr) == 0)
		root = fs.path;
	else if (a->root)
		return cjd_cli_error("inspect", &ferr);
	if (cjd_target_resolve(a->cgroup, root, dir, sizeof(dir), &err) != 0)
		return cjd_cli_error("inspect", &err);
	if (cjd_target_from_cgroup(t, dir, true, &err) != 0)
		return cjd_cli_error("inspect", &err);
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	struct inspect_args a = {.rounds = 5, .duration_ns = 500 * 1000 * 1000ull};
	struct cjd_inspect_opts o = {0};
	struct cjd_inspect_result res;
	struct cjd_target t;
	struct cjd_error err;
	int rc, exit_code = CJD_EXIT_OK;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? CJD_EXIT_OK : rc;
	if (a.probes && cjd_inspect_parse_probes(a.probes, &o.probes, &err) != 0)
		return cjd_cli_usage_error("inspect", "--probes: %s", err.text);
	o.fpstate.rounds = (unsigned)a.rounds;
	/* the looks are spread evenly: the first at the start, the last at the end */
	o.fpstate.interval_ns = a.rounds > 1 ? a.duration_ns / (a.rounds - 1) : 0;
	if (!o.fpstate.interval_ns)
		o.fpstate.interval_ns = 1; /* back to back (0 would mean the default) */
	o.fpstate.max_pause_ns = a.max_pause_ns;
	o.fpstate.max_threads = (unsigned)a.max_threads;
	o.fpstate.normal_priority = a.normal_priority;
	o.codesample.duration_ns = a.sample_ns;
	o.codesample.period_ns = a.period_ns;
	o.codesample.no_code = a.no_code;
	o.network.window_ns = a.net_window_ns;
	/* one inspection: no network history, so connections' ages are bounded by their
	 * processes' ages only (the agent keeps a history per suspect) */
	if ((rc = make_target(&a, &t)) != 0)
		return rc;
	cjd_error_clear(&err);
	rc = cjd_inspect_run(&t, &o, &res, &err);
	if (rc == -EINVAL) {
		exit_code = cjd_cli_error("inspect", &err);
		goto out;
	}
	if (a.json) {
		json_t *j = NULL;
		if (cjd_inspect_to_json(&res, &j) != 0) {
			exit_code = cjd_cli_fail("inspect", "out of memory");
			goto out;
		}
		json_dumpf(j, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(j);
	} else if (cjd_inspect_print(&res, stdout) != 0) {
		exit_code = cjd_cli_fail("inspect", "writing the report: %s", strerror(errno));
		goto out;
	}
	if (fflush(stdout) != 0) {
		exit_code = cjd_cli_fail("inspect", "writing the report: %s", strerror(errno));
		goto out;
	}
	if (rc) {
		exit_code = cjd_cli_error("inspect", &err);
		goto out;
	}
	/* a probe asked for by name that did not run is a failure of what was asked */
	for (int p = 0; a.probes && p < CJD_PROBE__COUNT; p++) {
		const struct cjd_inspect_status *s = &res.status[p];
		if (s->state == CJD_INSPECT_UNAVAILABLE || s->state == CJD_INSPECT_FAILED) {
			cjd_cli_fail("inspect", "%s: %s", cjd_inspect_probe_name((enum cjd_inspect_probe)p),
				     s->why);
			exit_code = CJD_EXIT_FAIL;
		}
	}
out:
	cjd_inspect_result_free(&res);
	cjd_target_free(&t);
	return exit_code;
}
