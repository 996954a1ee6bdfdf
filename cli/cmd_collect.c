/* `cjd collect`: split mode's privileged half, streaming per-cgroup samples to detectors. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/collector/collector.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/split.h"
#include "cli.h"

static const char usage[] =
	"Usage: cjd collect (--publish ENDPOINT | --connect ENDPOINT)... [OPTIONS]\n"
	"\n"
	"Split mode, privileged half: counts each cgroup's events like `cjd run` does and\n"
	"streams the samples, one binary frame per tick (docs/trace-format.md), over a\n"
	"ZeroMQ PUSH socket to one or more `cjd detect` processes, which need no privilege.\n"
	"Nothing is detected here. A frame that no detector can take (all queues full, or\n"
	"none connected) is dropped and counted; detectors count lost frames by sequence.\n"
	"\n"
	"Options:\n"
	"  -p, --publish ENDPOINT   bind ENDPOINT for detectors to connect to (repeatable),\n"
	"                           e.g. tcp://0.0.0.0:5560 or ipc:///run/cjd/samples.sock\n"
	"      --connect ENDPOINT   connect to a detector that binds ENDPOINT (repeatable)\n"
	"      --host NAME          the host name frames carry (default: this host's)\n"
	"      --hwm N              frames queued per detector before dropping (default 1000)\n"
	"  -c, --config FILE        read collector.* keys from FILE (docs/config.md)\n"
	"  -i, --interval DURATION  sampling interval (default 1s, minimum 10ms)\n"
	"      --cgroup GLOB        monitor cgroups matching GLOB (repeatable)\n"
	"      --exclude GLOB       never monitor cgroups matching GLOB (repeatable)\n"
	"      --events SPEC        auto, hardware, software, or a comma list of events\n"
	"      --cgroup-root DIR    the cgroup hierarchy to watch (default: discover it)\n"
	"  -h, --help               show this help\n"
	"\n"
	"SIGTERM or SIGINT stop it, waiting up to 1 s for queued frames to leave.\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure, 2 usage or configuration error.\n";

struct collect {
	struct cjd_split_sender *tx;
	struct cjd_collector *col;
	struct cjd_loop *loop;
	int exit_code;
};

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	struct collect *c = ctx;

	cjd_split_send_samples(c->tx, s, n);
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	struct collect *c = ctx;

	(void)t_ns;
	cjd_split_send_gone(c->tx, &cgroup, 1);
}

static void on_end(void *ctx, int rc)
{
	struct collect *c = ctx;

	cjd_err("collector stopped: %s", strerror(-rc));
	c->exit_code = CJD_EXIT_FAIL;
	cjd_loop_stop(c->loop);
}

static void on_signal(struct cjd_loop *l, int signo, void *ctx)
{
	(void)ctx;
	cjd_info("%s: stopping", strsignal(signo));
	cjd_loop_stop(l);
}

#define MAX_EP 32
#define MAX_OV 128

int cmd_collect(int argc, char **argv)
{
	enum { O_CONNECT = 256, O_HOST, O_HWM, O_CGROUP, O_EXCLUDE, O_EVENTS, O_ROOT };
	static const struct option opts[] = {
		{"publish", required_argument, NULL, 'p'},
		{"connect", required_argument, NULL, O_CONNECT},
		{"host", required_argument, NULL, O_HOST},
		{"hwm", required_argument, NULL, O_HWM},
		{"config", required_argument, NULL, 'c'},
		{"interval", required_argument, NULL, 'i'},
		{"cgroup", required_argument, NULL, O_CGROUP},
		{"exclude", required_argument, NULL, O_EXCLUDE},
		{"events", required_argument, NULL, O_EVENTS},
		{"cgroup-root", required_argument, NULL, O_ROOT},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *bind[MAX_EP], *connect[MAX_EP];
	struct cjd_override ov[MAX_OV];
	size_t n_bind = 0, n_connect = 0, n_ov = 0;
	struct cjd_agent_options ao = {0};
	struct cjd_split_sender_config sc = {0};
	struct cjd_collector_config cc = {0};
	struct collect c = {.exit_code = CJD_EXIT_OK};
	struct cjd_config cfg;
	struct cjd_error err;
	char msg[1024], bad[64];
	uint64_t u;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:c:i:h", opts, NULL)) != -1) {
		if ((ch == 'p' && n_bind == MAX_EP) || (ch == O_CONNECT && n_connect == MAX_EP) ||
		    n_ov == MAX_OV)
			return cjd_cli_usage_error("collect", "too many options");
		switch (ch) {
		case 'p': bind[n_bind++] = optarg; break;
		case O_CONNECT: connect[n_connect++] = optarg; break;
		case O_HOST: sc.host = optarg; break;
		case O_HWM:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 1000000)
				return cjd_cli_usage_error("collect", "--hwm: '%s' is not 1 to 1000000",
							   optarg);
			sc.sndhwm = (int)u;
			break;
		case 'c':
			ao.config_path = optarg;
			ao.config_required = true;
			break;
		case 'i': ov[n_ov++] = (struct cjd_override){"collector.interval", optarg, true}; break;
		case O_CGROUP: ov[n_ov++] = (struct cjd_override){"collector.include", optarg, false}; break;
		case O_EXCLUDE: ov[n_ov++] = (struct cjd_override){"collector.exclude", optarg, false}; break;
		case O_EVENTS: ov[n_ov++] = (struct cjd_override){"collector.events", optarg, true}; break;
		case O_ROOT: ov[n_ov++] = (struct cjd_override){"collector.cgroup_root", optarg, true}; break;
		case 'h': fputs(usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("collect", argv, "p:c:i:h");
		}
	}
	if (optind < argc)
		return cjd_cli_usage_error("collect", "unexpected argument '%s'", argv[optind]);
	if (!n_bind && !n_connect)
		return cjd_cli_usage_error("collect", "say where samples go: --publish or --connect");
	ao.overrides = ov;
	ao.n_overrides = n_ov;
	if ((rc = cjd_cli_report("collect", cjd_agent_load_config(&ao, &cfg, &err), &err)))
		return rc;
	cc.interval_ns = cfg.interval_ns;
	cc.rescan_ns = cfg.rescan_ns;
	cc.include = (const char *const *)cfg.include.v;
	cc.n_include = cfg.include.n;
	cc.exclude = (const char *const *)cfg.exclude.v;
	cc.n_exclude = cfg.exclude.n;
	cc.cgroup_root = cfg.cgroup_root;
	if (!strcmp(cfg.events, "software"))
		cc.events = CJD_EVMASK_SOFTWARE;
	else if (!strcmp(cfg.events, "hardware"))
		cc.events = CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE;
	else if (strcmp(cfg.events, "auto") && cjd_event_mask_parse(cfg.events, &cc.events, bad,
								    sizeof(bad))) {
		rc = cjd_cli_usage_error("collect", "--events: unknown event \"%s\"", bad);
		goto out_cfg;
	}
	sc.bind = bind;
	sc.n_bind = n_bind;
	sc.connect = connect;
	sc.n_connect = n_connect;
	/* a full disk or a dead peer must never kill the collector */
	signal(SIGPIPE, SIG_IGN);
	rc = CJD_EXIT_FAIL;
	if (cjd_split_sender_new(&c.tx, &sc, &err) || cjd_collector_new(&c.col, &cc, &err)) {
		fprintf(stderr, "cjd collect: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		goto out_free;
	}
	struct cjd_collector_callbacks cbs = {.samples = on_samples, .gone = on_gone, .ctx = &c};
	cjd_collector_set_callbacks(c.col, &cbs);
	if (cjd_loop_new(&c.loop) || cjd_collector_attach(c.col, c.loop, on_end, &c) ||
	    cjd_loop_add_signal(c.loop, SIGTERM, on_signal, &c) ||
	    cjd_loop_add_signal(c.loop, SIGINT, on_signal, &c)) {
		fprintf(stderr, "cjd collect: cannot set up the event loop\n");
		goto out_free;
	}
	for (size_t i = 0; i < n_bind; i++)
		cjd_info("collect: streaming samples on %s", bind[i]);
	for (size_t i = 0; i < n_connect; i++)
		cjd_info("collect: streaming samples to %s", connect[i]);
	if (cjd_loop_run(c.loop) == 0)
		rc = c.exit_code;
	struct cjd_split_sender_stats st;
	cjd_split_sender_stats(c.tx, &st);
	cjd_info("collect: %llu frames (%llu samples) sent, %llu frames (%llu samples) dropped",
		 (unsigned long long)st.frames, (unsigned long long)st.samples,
		 (unsigned long long)st.frames_dropped, (unsigned long long)st.samples_dropped);
out_free:
	if (c.col)
		cjd_collector_detach(c.col);
	cjd_loop_free(c.loop);
	cjd_collector_free(c.col);
	cjd_split_sender_free(c.tx, 1000);
out_cfg:
	cjd_config_release(&cfg);
	return rc;
}
