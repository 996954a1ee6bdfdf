/* `cjd collect`: split mode's privileged half, streaming per-cgroup samples to detectors. */
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
#include "options.h"

static const char usage[] =
	"Usage: cjd collect (--publish ENDPOINT | --connect ENDPOINT)... [OPTIONS]\n"
	"\n"
	"Split mode, privileged half: counts each cgroup's events like `cjd run` does and\n"
	"streams the samples, one binary frame per tick (docs/trace-format.md), over a\n"
	"ZeroMQ PUSH socket to one or more `cjd detect` processes, which need no privilege.\n"
	"Nothing is detected here. A frame that no detector can take (all queues full, or\n"
	"none connected) is dropped and counted; detectors count lost frames by sequence.\n"
;

static const char tail[] =
	"SIGTERM or SIGINT stop it, waiting up to 1 s for queued frames to leave.\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure, 2 usage or configuration error.\n";

#define MAX_EP 32

/* Where the samples go. */
struct collect {
	const char *bind[MAX_EP], *connect[MAX_EP];
	struct cjd_split_sender_config sc;
};

enum { O_PUBLISH = 1, O_CONNECT, O_HOST, O_HWM };

static const struct cjd_cli_opt collect_opts[] = {
	{"publish", 'p', "ENDPOINT",
	 "bind ENDPOINT for detectors to connect to (repeatable), e.g. tcp://0.0.0.0:5560 or "
	 "ipc:///run/cjd/samples.sock",
	 O_PUBLISH},
	{"connect", 0, "ENDPOINT", "connect to a detector that binds ENDPOINT (repeatable)",
	 O_CONNECT},
	{"host", 0, "NAME", "the host name frames carry (default: this host's)", O_HOST},
	{"hwm", 0, "N", "frames queued per detector before dropping (default 1000)", O_HWM},
};

static const char *const collect_sections[] = {"collector", NULL};

static int collect_option(void *ctx, int id, const char *arg)
{
	struct collect *c = ctx;
	struct cjd_split_sender_config *sc = &c->sc;
	uint64_t u;

	if ((id == O_PUBLISH && sc->n_bind == MAX_EP) || (id == O_CONNECT && sc->n_connect == MAX_EP))
		return cjd_cli_usage_error("collect", "too many options");
	switch (id) {
	case O_PUBLISH: c->bind[sc->n_bind++] = arg; break;
	case O_CONNECT: c->connect[sc->n_connect++] = arg; break;
	case O_HOST: sc->host = arg; break;
	case O_HWM:
		if (cjd_parse_u64(arg, &u) || u < 1 || u > 1000000)
			return cjd_cli_usage_error("collect", "--hwm: '%s' is not 1 to 1000000", arg);
		sc->sndhwm = (int)u;
		break;
	}
	return 0;
}

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	cjd_split_send_samples(ctx, s, n);
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	(void)t_ns;
	cjd_split_send_gone(ctx, &cgroup, 1);
}

/* The collector, streaming until a signal. Returns an exit code. */
static int stream(const struct cjd_config *cfg, struct cjd_split_sender_config *sc)
{
	struct cjd_collector_config cc;
	struct cjd_split_sender *tx = NULL;
	struct cjd_source *src = NULL;
	struct cjd_error err;
	int rc;

	if ((rc = cjd_cli_report("collect", cjd_source_config(cfg, &cc, &err), &err)))
		return rc;
	/* a full disk or a dead peer must never kill the collector */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = cjd_split_sender_new(&tx, sc, &err)) || (rc = cjd_source_new(&src, &cc, &err)) ||
	    (rc = cjd_source_start(src, &(struct cjd_source_callbacks){.samples = on_samples,
									.gone = on_gone, .ctx = tx},
				   true))) {
		rc = cjd_cli_report("collect", rc, &err);
		goto out;
	}
	for (size_t i = 0; i < sc->n_bind; i++)
		cjd_info("collect: streaming samples on %s", sc->bind[i]);
	for (size_t i = 0; i < sc->n_connect; i++)
		cjd_info("collect: streaming samples to %s", sc->connect[i]);
	rc = cjd_cli_exit_code(cjd_source_run(src));
	struct cjd_split_sender_stats st;
	cjd_split_sender_stats(tx, &st);
	cjd_info("collect: %llu frames (%llu samples) sent, %llu frames (%llu samples) dropped",
		 (unsigned long long)st.frames, (unsigned long long)st.samples,
		 (unsigned long long)st.frames_dropped, (unsigned long long)st.samples_dropped);
out:
	cjd_source_free(src);
	cjd_split_sender_free(tx, 1000);
	return rc;
}

int cmd_collect(int argc, char **argv)
{
	struct collect c = {.sc = {.bind = c.bind, .connect = c.connect}};
	const struct cjd_cli_spec spec = {
		.cmd = "collect",
		.usage = usage,
		.tail = tail,
		.config = "read the collector.* keys from FILE (docs/config.md)",
		.own = collect_opts,
		.n_own = CJD_ARRAY_SIZE(collect_opts),
		.sections = collect_sections,
		.handle = collect_option,
		.ctx = &c,
	};
	struct cjd_cli_args args;
	struct cjd_config cfg;
	int rc;

	if ((rc = cjd_cli_parse(&spec, argc, argv, &args)))
		return rc == CJD_CLI_HELP ? CJD_EXIT_OK : rc;
	if (!c.sc.n_bind && !c.sc.n_connect)
		return cjd_cli_usage_error("collect", "say where samples go: --publish or --connect");
	if ((rc = cjd_cli_load_config(&spec, &args, &cfg)))
		return rc;
	rc = stream(&cfg, &c.sc);
	cjd_config_release(&cfg);
	return rc;
}
