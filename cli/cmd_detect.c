/* `cjd detect`: split mode's unprivileged half, detecting on samples streamed from many hosts. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/daemon/split.h"
#include "cli.h"

static const char usage[] =
	"Usage: cjd detect (--connect ENDPOINT | --bind ENDPOINT)... [OPTIONS]\n"
	"\n"
	"Split mode, unprivileged half: receives the sample frames of one or many\n"
	"`cjd collect` processes and runs the detector on them, keeping the state of every\n"
	"(host, cgroup) apart. Alerts are published and journaled exactly as `cjd run` does\n"
	"(host.name is the collecting host). It needs no privilege; response actions are\n"
	"never taken from here, because the cgroups live on other hosts.\n"
	"\n"
	"Each mode gets its own model: hosts with a PMU are scored by the hardware model,\n"
	"hosts without one by the software model, chosen on their first frame. Every\n"
	"model a host may need is loaded at start-up: one that cannot be is an error.\n"
	"\n"
	"Options:\n"
	"      --connect ENDPOINT   connect to a collector that binds ENDPOINT (repeatable)\n"
	"      --bind ENDPOINT      bind ENDPOINT for collectors to connect to (repeatable)\n"
	"      --hwm N              frames queued from the network (default 1000)\n"
	"  -c, --config FILE        read detector.*, publish.*, journal.* and outputs.* keys from FILE\n"
	"  -m, --model FILE         one model for every host (default: by each host's mode)\n"
	"      --threshold X        score that flags a window (default: the model's)\n"
	"      --allowlist GLOB     cgroups that never alert (repeatable)\n"
	"  -p, --publish ENDPOINT   where alerts go (repeatable; default as for cjd run)\n"
	"  -j, --journal FILE       the alert journal (default /var/lib/cjd/alerts.jsonl;\n"
	"                           \"\" turns it off; an unprivileged user picks a writable one)\n"
	"  -h, --help               show this help\n"
	"\n"
	"SIGTERM or SIGINT stop it cleanly (journal flushed, a last heartbeat published).\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure, 2 usage or configuration error.\n";

struct detect {
	struct cjd_pipeline *pipe;
	struct cjd_split_receiver *rx;
	struct cjd_loop *loop;
	uint64_t start_ns, hb_ns, hb_samples;
};

static void on_sample(void *ctx, const char *host, const struct cjd_sample *s)
{
	struct detect *d = ctx;

	(void)host; /* s->host is the frame's host already */
	cjd_pipeline_push(d->pipe, s);
}

static void on_frame_done(void *ctx, const char *host)
{
	struct detect *d = ctx;

	(void)host;
	cjd_pipeline_tick(d->pipe);
}

static void on_gone(void *ctx, const char *host, const char *cgroup)
{
	struct detect *d = ctx;

	cjd_pipeline_forget(d->pipe, host, cgroup);
}

static void heartbeat(struct detect *d, bool stopping)
{
	struct cjd_split_receiver_stats rs;
	struct cjd_pipeline_stats ps;
	uint64_t now = cjd_now_mono_ns();

	cjd_split_receiver_stats(d->rx, &rs);
	cjd_pipeline_stats(d->pipe, &ps);
	double secs = (double)(now - d->hb_ns) / 1e9;
	struct cjd_heartbeat hb = {
		.mode = cjd_pipeline_model(d->pipe, CJD_MODE_HARDWARE, NULL) ? CJD_MODE_HARDWARE
									      : CJD_MODE_SOFTWARE,
		.uptime_ns = now - d->start_ns,
		.cgroups_monitored = (uint32_t)ps.cgroups,
		.samples_per_s = secs > 0 ? (double)(rs.samples - d->hb_samples) / secs : 0,
		.samples_dropped = rs.lost_frames, /* frames, the only loss visible here */
		.stopping = stopping,
	};
	d->hb_ns = now;
	d->hb_samples = rs.samples;
	cjd_pipeline_heartbeat(d->pipe, &hb);
}

static void on_timer(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	cjd_pipeline_housekeeping(((struct detect *)ctx)->pipe);
}

static void on_metrics(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	cjd_pipeline_metrics(((struct detect *)ctx)->pipe);
}

static void on_heartbeat(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	heartbeat(ctx, false);
}

static void on_signal(struct cjd_loop *l, int signo, void *ctx)
{
	(void)ctx;
	cjd_info("%s: stopping", strsignal(signo));
	cjd_loop_stop(l);
}

#define MAX_EP 256
#define MAX_OV 128

int cmd_detect(int argc, char **argv)
{
	enum { O_CONNECT = 256, O_BIND, O_HWM, O_THR, O_ALLOW };
	static const struct option opts[] = {
		{"connect", required_argument, NULL, O_CONNECT},
		{"bind", required_argument, NULL, O_BIND},
		{"hwm", required_argument, NULL, O_HWM},
		{"config", required_argument, NULL, 'c'},
		{"model", required_argument, NULL, 'm'},
		{"threshold", required_argument, NULL, O_THR},
		{"allowlist", required_argument, NULL, O_ALLOW},
		{"publish", required_argument, NULL, 'p'},
		{"journal", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct cjd_cli_model_dirs md;
	const char *const *model_dirs = cjd_cli_model_dirs(&md);
	const char *bind[MAX_EP], *connect[MAX_EP];
	struct cjd_override ov[MAX_OV];
	size_t n_bind = 0, n_connect = 0, n_ov = 0;
	bool published = false;
	struct cjd_agent_options ao = {0};
	struct cjd_split_receiver_config rc_cfg = {0};
	struct detect d = {0};
	struct cjd_config cfg;
	struct cjd_error err;
	char msg[1024];
	uint64_t u;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:m:p:j:h", opts, NULL)) != -1) {
		if ((ch == O_BIND && n_bind == MAX_EP) || (ch == O_CONNECT && n_connect == MAX_EP) ||
		    n_ov == MAX_OV)
			return cjd_cli_usage_error("detect", "too many options");
		switch (ch) {
		case O_CONNECT: connect[n_connect++] = optarg; break;
		case O_BIND: bind[n_bind++] = optarg; break;
		case O_HWM:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 1000000)
				return cjd_cli_usage_error("detect", "--hwm: '%s' is not 1 to 1000000",
							   optarg);
			rc_cfg.rcvhwm = (int)u;
			break;
		case 'c':
			ao.config_path = optarg;
			ao.config_required = true;
			break;
		case 'm': ov[n_ov++] = (struct cjd_override){"detector.model", optarg, true}; break;
		case O_THR: ov[n_ov++] = (struct cjd_override){"detector.threshold", optarg, true}; break;
		case O_ALLOW: ov[n_ov++] = (struct cjd_override){"detector.allowlist", optarg, false}; break;
		case 'p':
			ov[n_ov++] = (struct cjd_override){"publish.endpoints", optarg, !published};
			published = true;
			break;
		case 'j':
			ov[n_ov++] = (struct cjd_override){"journal.path", optarg[0] ? optarg : NULL, true};
			break;
		case 'h': fputs(usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("detect", argv, "c:m:p:j:h");
		}
	}
	if (optind < argc)
		return cjd_cli_usage_error("detect", "unexpected argument '%s'", argv[optind]);
	if (!n_bind && !n_connect)
		return cjd_cli_usage_error("detect", "say where samples come from: --connect or --bind");
	ao.overrides = ov;
	ao.n_overrides = n_ov;
	if (cjd_agent_load_config(&ao, &cfg, &err)) {
		fprintf(stderr, "cjd detect: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		return CJD_EXIT_USAGE;
	}
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	struct cjd_pipeline_options po = {
		.cfg = &cfg,
		.model_dirs = model_dirs,
		.n_model_dirs = md.n,
	};
	/* every model a host may need is loaded now (a bad one is a configuration
	 * error); each mode's detector starts on the first frame of that mode */
	if ((rc = cjd_pipeline_new(&d.pipe, &po, 0, 0, &err))) {
		fprintf(stderr, "cjd detect: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		goto out_cfg;
	}
	rc_cfg.bind = bind;
	rc_cfg.n_bind = n_bind;
	rc_cfg.connect = connect;
	rc_cfg.n_connect = n_connect;
	struct cjd_split_callbacks cbs = {.samples = on_sample, .frame_done = on_frame_done,
					  .gone = on_gone, .ctx = &d};
	rc = CJD_EXIT_FAIL;
	if (cjd_split_receiver_new(&d.rx, &rc_cfg, &cbs, &err)) {
		fprintf(stderr, "cjd detect: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		goto out_free;
	}
	d.start_ns = d.hb_ns = cjd_now_mono_ns();
	if (cjd_loop_new(&d.loop) || cjd_split_receiver_attach(d.rx, d.loop) ||
	    cjd_loop_add_timer(d.loop, CJD_NSEC_PER_SEC / 2, on_timer, &d) < 0 ||
	    cjd_loop_add_timer(d.loop, cfg.metrics_ns, on_metrics, &d) < 0 ||
	    cjd_loop_add_timer(d.loop, cfg.heartbeat_ns, on_heartbeat, &d) < 0 ||
	    cjd_loop_add_signal(d.loop, SIGTERM, on_signal, &d) ||
	    cjd_loop_add_signal(d.loop, SIGINT, on_signal, &d)) {
		fprintf(stderr, "cjd detect: cannot set up the event loop\n");
		goto out_free;
	}
	for (size_t i = 0; i < n_connect; i++)
		cjd_info("detect: receiving samples from %s", connect[i]);
	for (size_t i = 0; i < n_bind; i++)
		cjd_info("detect: receiving samples on %s", bind[i]);
	for (size_t i = 0;; i++) {
		const char *ep = cjd_publisher_endpoint(cjd_pipeline_publisher(d.pipe), i);
		if (!ep)
			break;
		cjd_info("detect: publishing alerts on %s", ep);
	}
	if (cjd_loop_run(d.loop) == 0)
		rc = CJD_EXIT_OK;
	heartbeat(&d, true);
	cjd_pipeline_housekeeping(d.pipe);
	struct cjd_split_receiver_stats st;
	struct cjd_pipeline_stats ps;
	cjd_split_receiver_stats(d.rx, &st);
	cjd_pipeline_stats(d.pipe, &ps);
	cjd_info("detect: %zu hosts, %llu frames, %llu samples (%llu not scorable), %llu frames "
		 "lost, %llu malformed",
		 st.hosts, (unsigned long long)st.frames, (unsigned long long)st.samples,
		 (unsigned long long)ps.samples_refused, (unsigned long long)st.lost_frames,
		 (unsigned long long)st.malformed);
	struct cjd_publisher_stats pst;
	cjd_publisher_stats(cjd_pipeline_publisher(d.pipe), &pst);
	cjd_info("detect: %llu alerts published, %llu messages dropped by the publisher (a lower "
		 "bound)",
		 (unsigned long long)pst.alerts, (unsigned long long)pst.dropped);
out_free:
	cjd_split_receiver_free(d.rx);
	cjd_loop_free(d.loop);
	cjd_pipeline_free(d.pipe);
out_cfg:
	cjd_config_release(&cfg);
	return rc;
}
