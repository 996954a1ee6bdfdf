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
#include "cjd/daemon/source.h"
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

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	cjd_split_send_samples(ctx, s, n);
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	(void)t_ns;
	cjd_split_send_gone(ctx, &cgroup, 1);
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
	struct cjd_collector_config cc;
	struct cjd_split_sender *tx = NULL;
	struct cjd_source *src = NULL;
	struct cjd_config cfg;
	struct cjd_error err;
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
	if ((rc = cjd_cli_report("collect", cjd_source_config(&cfg, &cc, &err), &err)))
		goto out_cfg;
	sc.bind = bind;
	sc.n_bind = n_bind;
	sc.connect = connect;
	sc.n_connect = n_connect;
	/* a full disk or a dead peer must never kill the collector */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = cjd_split_sender_new(&tx, &sc, &err)) || (rc = cjd_source_new(&src, &cc, &err)) ||
	    (rc = cjd_source_start(src, &(struct cjd_source_callbacks){.samples = on_samples,
									.gone = on_gone, .ctx = tx},
				   true))) {
		rc = cjd_cli_report("collect", rc, &err);
		goto out_free;
	}
	for (size_t i = 0; i < n_bind; i++)
		cjd_info("collect: streaming samples on %s", bind[i]);
	for (size_t i = 0; i < n_connect; i++)
		cjd_info("collect: streaming samples to %s", connect[i]);
	rc = cjd_cli_exit_code(cjd_source_run(src));
	struct cjd_split_sender_stats st;
	cjd_split_sender_stats(tx, &st);
	cjd_info("collect: %llu frames (%llu samples) sent, %llu frames (%llu samples) dropped",
		 (unsigned long long)st.frames, (unsigned long long)st.samples,
		 (unsigned long long)st.frames_dropped, (unsigned long long)st.samples_dropped);
out_free:
	cjd_source_free(src);
	cjd_split_sender_free(tx, 1000);
out_cfg:
	cjd_config_release(&cfg);
	return rc;
}
