/* `cjd simrecord`: record a real program under the simulated PMU (valgrind's callgrind). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cjd/simpmu/simpmu_model.h"
#include "cjd/simpmu/simpmu_run.h"
#include "cli.h"

static const char simrecord_usage[] =
    "Usage: cjd simrecord [-i INSTRUCTIONS] [--limit INSTRUCTIONS] [--label LABEL]\n"
    "                     [--name CGROUP] [--workload NAME] [--instr-atstart=no]\n"
    "                     [--dump-every-bb N] [--kill-after DURATION]\n"
    "                     [--allow-fail] [--keep-dumps]\n"
    "                     -o FILE.cjdt[.gz] -- CMD [ARGS...]\n"
    "\n"
    "Runs CMD under valgrind's callgrind with its cache and branch simulators and an\n"
    "explicit geometry (I1 and D1 32 KiB 8-way, LL 2 MiB 16-way, 64-byte lines), and\n"
    "writes one sample per INSTRUCTIONS instructions with hardware-style events:\n"
    "  instructions = Ir, branches = Bc+Bi, branch-misses = Bcm+Bim,\n"
    "  cache-references = I1mr+D1mr+D1mw (what reaches the LL), cache-misses = ILmr+DLmr+DLmw,\n"
    "  L1-dcache-load-misses = D1mr, LLC-load-misses = DLmr,\n"
    "  cycles from a simple cycle model, task-clock = cycles / 3.0 GHz.\n"
    "The interval dt is task-clock plus the wall time CMD blocked waiting for timers or\n"
    "the network. Child processes and threads are followed and summed.\n"
    "\n"
    "THESE COUNTS ARE SIMULATED from the program's real instruction stream, not measured\n"
    "on a CPU. On a host with a PMU, record real counters with 'cjd record'.\n"
    "\n"
    "Options:\n"
    "  -i, --instructions N   instructions per sample (default 10000000; K/M/G allowed)\n"
    "      --limit N          stop CMD and what it started (SIGTERM) once N instructions\n"
    "                         are simulated; CMD ending so is not a failure\n"
    "      --kill-after DUR   processes CMD leaves running when it exits (a daemon, as gpg\n"
    "                         starts gpg-agent) get DUR to end, then SIGTERM; whatever\n"
    "                         still runs DUR after a SIGTERM (also one from --limit) gets\n"
    "                         SIGKILL, so the recording always ends (default 5s)\n"
    "  -o, --output FILE      the trace to write (gzip when FILE ends in .gz)\n"
    "  -l, --label LABEL      ground truth for every sample: benign[/name] or miner[/name]\n"
    "  -n, --name CGROUP      the cgroup name in the samples (default /simpmu/WORKLOAD)\n"
    "  -w, --workload NAME    meta.workload (default: the label's name, else CMD's name)\n"
    "      --instr-atstart=no do not count until the program calls\n"
    "                         CALLGRIND_START_INSTRUMENTATION (skips slow set-up)\n"
    "      --dump-every-bb N  callgrind dump period in basic blocks (default -i/32). A\n"
    "                         sample closes at the first dump that reaches -i, so code\n"
    "                         with long basic blocks (JIT hash loops) wants a smaller N\n"
    "      --allow-fail       a program that exits non-zero is not an error\n"
    "      --keep-dumps       keep callgrind's files in the temporary folder\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 ok; 1 valgrind or CMD missing, CMD failed (the samples recorded are\n"
    "kept), or no dump produced; 2 usage error.\n"
    "See models/README.md for the cycle model and its limits.\n";

/* "10M" -> 10000000: decimal suffixes, as instruction counts are usually written. */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	uint64_t mult = 1;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v <= 0)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		mult = 1000, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1000000, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 1000000000, end++;
	if (*end || v * (double)mult > 1e15)
		return -EINVAL;
	*out = (uint64_t)(v * (double)mult);
	return *out ? 0 : -EINVAL;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

#define SIMRECORD_HELP (-1) /* parse_opts printed --help */

/* The options into *o. Returns 0, SIMRECORD_HELP after --help, or an exit code. */
static int parse_opts(int argc, char **argv, struct cjd_simpmu_opts *o)
{
	static const struct option opts[] = {
	    {"instructions", required_argument, NULL, 'i'},
	    {"limit", required_argument, NULL, 'L'},
	    {"output", required_argument, NULL, 'o'},
	    {"label", required_argument, NULL, 'l'},
	    {"name", required_argument, NULL, 'n'},
	    {"workload", required_argument, NULL, 'w'},
	    {"instr-atstart", required_argument, NULL, 'A'},
	    {"allow-fail", no_argument, NULL, 'F'},
	    {"dump-every-bb", required_argument, NULL, 'B'},
	    {"keep-dumps", no_argument, NULL, 'K'},
	    {"kill-after", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c, rc;

	optind = 1;
	/* '+': stop at the first non-option, so CMD's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+i:o:l:n:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_count(optarg, &o->instructions) || o->instructions < 10000)
				return cjd_cli_usage_error("simrecord",
							   "-i: '%s' is not a count >= 10000 "
							   "(try 10M)",
							   optarg);
			break;
		case 'L':
			if (parse_count(optarg, &o->limit))
				return cjd_cli_usage_error(
				    "simrecord", "--limit: '%s' is not a count (try 2G)", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'l':
			if (cjd_label_check(optarg))
				return cjd_cli_usage_error("simrecord",
							   "--label: '%s' is not benign[/name] "
							   "or miner[/name]",
							   optarg);
			o->label = optarg;
			break;
		case 'n':
			o->cgroup = optarg;
			break;
		case 'w':
			o->workload = optarg;
			break;
		case 'A':
			if (strcmp(optarg, "no") && strcmp(optarg, "yes"))
				return cjd_cli_usage_error(
				    "simrecord", "--instr-atstart: '%s' is not yes or no", optarg);
			o->instr_atstart = !strcmp(optarg, "yes");
			break;
		case 'B':
			if (parse_count(optarg, &o->dump_every_bb) || o->dump_every_bb < 1000)
				return cjd_cli_usage_error("simrecord",
							   "--dump-every-bb: '%s' is not a count "
							   ">= 1000",
							   optarg);
			break;
		case 'F':
			o->allow_fail = true;
			break;
		case 'K':
			o->keep_dumps = true;
			break;
		case 'k':
			if ((rc = cjd_cli_duration("simrecord", "--kill-after", optarg, 1000000,
						   &o->kill_after_ns)))
				return rc;
			break;
		case 'h':
			fputs(simrecord_usage, stdout);
			return SIMRECORD_HELP;
		default:
			return cjd_cli_bad_option("simrecord", argv, "i:o:l:n:w:h");
		}
	}
	return 0;
}

/* The workload's name (--workload, the label's, or the command's) and its cgroup. */
static void default_names(struct cjd_simpmu_opts *o, char *workload, size_t wlen, char *cgroup,
			  size_t clen)
{
	if (!o->workload) {
		const char *slash = o->label ? strchr(o->label, '/') : NULL;

		snprintf(workload, wlen, "%s",
			 slash ? slash + 1 : base_name(o->argv[0]));
		o->workload = workload;
	}
	if (!o->cgroup) {
		snprintf(cgroup, clen, "/simpmu/%s", o->workload);
		o->cgroup = cgroup;
	} else if (o->cgroup[0] != '/') {
		snprintf(cgroup, clen, "/%s", o->cgroup);
		o->cgroup = cgroup;
	}
}

/* What the recording did, on stderr. Returns the exit code. */
static int report(const struct cjd_simpmu_opts *o, int rc, const struct cjd_simpmu_result *res,
		  const struct cjd_error *err)
{
	char msg[1024];

	if (rc == -ECHILD) {
		if (WIFSIGNALED(res->status))
			return cjd_cli_fail("simrecord",
					    "%s was killed by signal %d; %" PRIu64
					    " samples recorded so far are kept in %s "
					    "(use --allow-fail to accept this)",
					    o->argv[0], WTERMSIG(res->status), res->samples, o->output);
		return cjd_cli_fail("simrecord",
				    "%s exited with status %d; %" PRIu64
				    " samples recorded so far are kept in %s "
				    "(use --allow-fail to accept this)",
				    o->argv[0], WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1,
				    res->samples, o->output);
	}
	if (rc)
		return cjd_cli_fail("simrecord", "%s", cjd_error_format(err, msg, sizeof(msg)));
	fprintf(stderr,
		"simrecord: %s: %" PRIu64 " samples, %.1fM instructions, %.3f s simulated, "
		"%" PRIu64 " dumps from %" PRIu64 " processes (simulated PMU, not measured)\n",
		o->output, res->samples, (double)res->instructions / 1e6, (double)res->sim_ns / 1e9,
		res->dumps, res->processes);
	if (res->killed)
		fprintf(stderr, "simrecord: the trace is complete, but processes that needed SIGKILL "
				"lost the costs since their last dump\n");
	return CJD_EXIT_OK;
}

int cmd_simrecord(int argc, char **argv)
{
	struct cjd_simpmu_opts o = {.instructions = 10000000, .instr_atstart = true};
	struct cjd_simpmu_result res;
	struct cjd_error err;
	char cgroup[256], workload[80];
	int rc;

	cjd_simpmu_model_default(&o.model);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc == SIMRECORD_HELP ? CJD_EXIT_OK : rc;
	if (!o.output)
		return cjd_cli_usage_error("simrecord", "no output file: give -o FILE.cjdt");
	if (optind >= argc)
		return cjd_cli_usage_error("simrecord", "no command given after --");
	o.argv = (const char *const *)(argv + optind);
	default_names(&o, workload, sizeof(workload), cgroup, sizeof(cgroup));
	rc = cjd_simpmu_record(&o, &res, &err);
	return report(&o, rc, &res, &err);
}
