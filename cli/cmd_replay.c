/* `cjd replay`: runs traces through the agent's pipeline and prints alerts as JSON lines. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/replay.h"
#include "cli.h"
#include "options.h"

static const char usage[] =
	"Usage: cjd replay [OPTIONS] FILE...\n"
	"\n"
	"Runs .cjdt traces through the pipeline of the live agent (ring buffers, SIMD\n"
	"features, model, alert state machine, publisher) and prints each alert as one JSON\n"
	"line (schema cjd.alert/1, docs/alerts.md) on stdout. Time is the trace's own, so a\n"
	"replay fires exactly as the live agent would have; with --publish and --journal it\n"
	"also publishes and journals exactly as the agent does. Files are replayed one after\n"
	"another; at the end of each, cgroups still firing are reported \"gone\". A summary\n"
	"per cgroup and label goes to stderr at the end.\n"
	"\n"
	"The model is the first trace's: without --model, hw-default.json, sw-default.json or\n"
	"sw-nosyscalls.json, chosen by its events, from $CJD_MODEL_DIR, then models/ beside\n"
	"the cjd binary (a build tree links its checkout's there), then ../share/cjd/models\n"
	"from the binary's directory (an install), then " CJD_MODEL_DIR ".\n";

static const char tail[] =
	"Environment: CJD_SIMD=scalar|sse42|avx2|avx512|neon forces a SIMD tier.\n"
	"Exit status: 0 done, 1 a trace could not be read, 2 usage or model error.\n";

enum { O_SPEED = 1, O_GONE, O_SUMMARY, O_WAIT_SUB, O_QUIET, O_WALL };

static const struct cjd_cli_opt replay_opts[] = {
	{"speed", 's', "N|max",
	 "replay at N times the trace's pace, or as fast as possible (default: max)", O_SPEED},
	{"gone-after", 0, "N", "a cgroup silent for N of its intervals is gone (default 5)", O_GONE,
	 true},
	{"summary-json", 0, "FILE", "also write the summary as JSON to FILE", O_SUMMARY, true},
	{"wait-subscriber", 0, "DURATION",
	 "with --publish, wait up to DURATION for a subscriber before replaying (PUB/SUB drops "
	 "what is sent before a subscriber has joined)",
	 O_WAIT_SUB, true},
	{"quiet", 'q', NULL, "no progress and no summary on stderr", O_QUIET, true},
	{"wall-clock", 0, NULL, "stamp alerts with the current time, not the trace's", O_WALL,
	 true},
};

static const char *const replay_sections[] = {"detector", "publish", "journal", NULL};
/* a replay publishes neither metrics nor heartbeats */
static const char *const replay_skip[] = {"publish.metrics_every", "publish.heartbeat_every",
					  NULL};
static const struct cjd_cli_default replay_defaults[] = {
	{"detector.model", "by the first trace's events, from the model directory"},
	{"detector.window", "the model's", true},
	{"publish.endpoints", "none", true},
	{"journal.path", "none", true},
	{NULL},
};

/* What the command line says beyond the configuration keys. */
struct replay_cli {
	struct cjd_replay_options o;
	const char *summary_json;
	bool quiet;
};

static int replay_option(void *ctx, int id, const char *arg)
{
	struct replay_cli *c = ctx;
	uint64_t u;
	char *end;
	double x;

	switch (id) {
	case O_SPEED:
		if (!strcmp(arg, "max")) {
			c->o.speed = 0;
			break;
		}
		x = strtod(arg, &end);
		if (*end || !(x > 0) || !isfinite(x))
			return cjd_cli_usage_error("replay", "--speed: '%s' is not a positive number "
							     "or max", arg);
		c->o.speed = x;
		break;
	case O_GONE:
		if (cjd_parse_u64(arg, &u) || u < 1 || u > 100000)
			return cjd_cli_usage_error("replay", "'%s' is not a valid count for "
							     "--gone-after", arg);
		c->o.gone_intervals = (uint32_t)u;
		break;
	case O_SUMMARY: c->summary_json = arg; break;
	case O_WAIT_SUB:
		return cjd_cli_duration("replay", "--wait-subscriber", arg, 1,
					&c->o.wait_subscriber_ns);
	case O_QUIET: c->quiet = true; break;
	case O_WALL: c->o.wall_clock = true; break;
	}
	return 0;
}

/* The summary on stderr and, if asked, as JSON; the publisher's totals. Returns an exit code. */
static int report(const struct replay_cli *c, const struct cjd_replay *r)
{
	const struct cjd_replay_summary *sum = cjd_replay_summary(r);
	struct cjd_replay_totals tot;

	cjd_replay_totals(r, &tot);
	if (!c->quiet)
		cjd_replay_summary_print(sum, c->o.files, &tot, stderr);
	if (!c->quiet && (c->o.cfg->endpoints.n || c->o.cfg->journal)) {
		struct cjd_publisher_stats st;
		cjd_replay_publisher_stats(r, &st);
		fprintf(stderr, "publisher: %llu alerts, %llu messages sent, %llu dropped (a lower "
				"bound), %llu journal lines, %llu journal errors\n",
			(unsigned long long)st.alerts, (unsigned long long)st.sent,
			(unsigned long long)st.dropped, (unsigned long long)st.journal_lines,
			(unsigned long long)st.journal_errors);
	}
	if (c->summary_json) {
		FILE *f = fopen(c->summary_json, "we");
		if (!f || cjd_replay_summary_json(sum, c->o.files, &tot, f) || fclose(f))
			return cjd_cli_fail("replay", "%s: %s", c->summary_json, strerror(errno));
	}
	return CJD_EXIT_OK;
}

/* Replays with the configuration the options built. Returns an exit code. */
static int replay(struct replay_cli *c)
{
	struct cjd_cli_model_dirs md;
	struct cjd_replay *r;
	struct cjd_error err;
	int rc;

	c->o.model_dirs = cjd_cli_model_dirs(&md);
	c->o.n_model_dirs = md.n;
	c->o.progress = !c->quiet;
	if ((rc = cjd_cli_report("replay", cjd_replay_new(&r, &c->o, &err), &err)))
		return rc;
	if (!(rc = cjd_cli_report("replay", cjd_replay_run(r, &err), &err)))
		rc = report(c, r);
	cjd_replay_free(r); /* fsyncs the journal, lets queued messages leave */
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_cli c = {.o = {.echo = stdout}};
	const struct cjd_cli_spec spec = {
		.cmd = "replay",
		.usage = usage,
		.tail = tail,
		.operands = "FILE",
		.own = replay_opts,
		.n_own = CJD_ARRAY_SIZE(replay_opts),
		.sections = replay_sections,
		.skip = replay_skip,
		.defaults = replay_defaults,
		.handle = replay_option,
		.ctx = &c,
	};
	struct cjd_cli_args args;
	struct cjd_config cfg;
	int rc;

	if ((rc = cjd_cli_parse(&spec, argc, argv, &args)))
		return rc == CJD_CLI_HELP ? CJD_EXIT_OK : rc;
	if (c.o.wait_subscriber_ns && !cjd_cli_given(&args, "publish.endpoints"))
		return cjd_cli_usage_error("replay", "--wait-subscriber needs --publish");
	if ((rc = cjd_cli_load_config(&spec, &args, &cfg)))
		return rc;
	c.o.cfg = &cfg;
	c.o.files = (const char *const *)argv + args.first_operand;
	c.o.n_files = (size_t)(argc - args.first_operand);
	rc = replay(&c);
	cjd_config_release(&cfg);
	return rc;
}
