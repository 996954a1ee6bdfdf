/* `cjd detect`: split mode's unprivileged half, detecting on samples streamed from many hosts. */
#include <stdio.h>

#include "cjd/common/text.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/split_detector.h"
#include "cli.h"
#include "options.h"

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
	"model a host may need is loaded at start-up: one that cannot be is an error.\n";

static const char tail[] =
	"The default journal needs write access to /var/lib/cjd: an unprivileged user gives\n"
	"--journal a path it can write, or \"\" to turn the journal off.\n"
	"\n"
	"SIGTERM or SIGINT stop it cleanly (journal flushed, a last heartbeat published).\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure, 2 usage or configuration error.\n";

#define MAX_EP 256

/* Where frames come from. */
struct detect {
	const char *bind[MAX_EP], *connect[MAX_EP];
	struct cjd_split_receiver_config rx;
};

enum { O_CONNECT = 1, O_BIND, O_HWM };

static const struct cjd_cli_opt detect_opts[] = {
	{"connect", 0, "ENDPOINT", "connect to a collector that binds ENDPOINT (repeatable)",
	 O_CONNECT},
	{"bind", 0, "ENDPOINT", "bind ENDPOINT for collectors to connect to (repeatable)", O_BIND},
	{"hwm", 0, "N", "frames queued from the network (default 1000)", O_HWM},
};

/* publish.hwm would clash with --hwm, the frames' queue; the file can set it */
static const char *const detect_sections[] = {"detector", "publish", "journal", "outputs",
					      NULL};
static const char *const detect_skip[] = {"publish.hwm", NULL};

static int detect_option(void *ctx, int id, const char *arg)
{
	struct detect *d = ctx;
	struct cjd_split_receiver_config *rx = &d->rx;
	uint64_t u;

	if ((id == O_BIND && rx->n_bind == MAX_EP) || (id == O_CONNECT && rx->n_connect == MAX_EP))
		return cjd_cli_usage_error("detect", "too many options");
	switch (id) {
	case O_CONNECT: d->connect[rx->n_connect++] = arg; break;
	case O_BIND: d->bind[rx->n_bind++] = arg; break;
	case O_HWM:
		if (cjd_parse_u64(arg, &u) || u < 1 || u > 1000000)
			return cjd_cli_usage_error("detect", "--hwm: '%s' is not 1 to 1000000", arg);
		rx->rcvhwm = (int)u;
		break;
	}
	return 0;
}

/* Detects until a signal. Returns an exit code. */
static int detect(const struct cjd_config *cfg, const struct cjd_split_receiver_config *rx)
{
	struct cjd_cli_model_dirs md;
	const char *const *model_dirs = cjd_cli_model_dirs(&md);
	struct cjd_split_detector_options o = {
		.cfg = cfg, .model_dirs = model_dirs, .n_model_dirs = md.n, .rx = *rx};
	struct cjd_split_detector *d;
	struct cjd_error err;
	int rc;

	if ((rc = cjd_cli_report("detect", cjd_split_detector_new(&d, &o, &err), &err)))
		return rc;
	rc = cjd_cli_exit_code(cjd_split_detector_run(d));
	cjd_split_detector_free(d);
	return rc;
}

int cmd_detect(int argc, char **argv)
{
	struct detect d = {.rx = {.bind = d.bind, .connect = d.connect}};
	const struct cjd_cli_spec spec = {
		.cmd = "detect",
		.usage = usage,
		.tail = tail,
		.config = "read the detector.*, publish.*, journal.* and outputs.* keys from FILE "
			  "(docs/config.md)",
		.own = detect_opts,
		.n_own = CJD_ARRAY_SIZE(detect_opts),
		.sections = detect_sections,
		.skip = detect_skip,
		.handle = detect_option,
		.ctx = &d,
	};
	struct cjd_cli_args args;
	struct cjd_config cfg;
	int rc;

	if ((rc = cjd_cli_parse(&spec, argc, argv, &args)))
		return rc == CJD_CLI_HELP ? CJD_EXIT_OK : rc;
	if (!d.rx.n_bind && !d.rx.n_connect)
		return cjd_cli_usage_error("detect", "say where samples come from: --connect or --bind");
	if ((rc = cjd_cli_load_config(&spec, &args, &cfg)))
		return rc;
	rc = detect(&cfg, &d.rx);
	cjd_config_release(&cfg);
	return rc;
}
