/* `cjd relay IN... OUT`: fans many publishers into one endpoint (publish/relay.c). */
#include <getopt.h>
#include <stdio.h>

#include "cjd/publish/relay.h"
#include "cli.h"

static const char relay_usage[] =
	"Usage: cjd relay [OPTIONS] IN... OUT\n"
	"\n"
	"Fan alerts from many cjd publishers into one endpoint: connect to every IN\n"
	"(an XSUB socket), bind OUT (an XPUB socket) and forward every message, and\n"
	"every subscription upstream, with zmq_proxy. Subscribers connect to OUT with\n"
	"`cjd sub OUT`; messages keep their topics and their host.name.\n"
	"\n"
	"  IN    a publisher endpoint to connect to, e.g. tcp://host1:5556\n"
	"  OUT   the endpoint to bind, e.g. tcp://0.0.0.0:5557\n"
	"\n"
	"Options:\n"
	"  --sndhwm N                per-subscriber queue on OUT, messages (default 10000)\n"
	"  --curve-secret FILE       the relay's keypair (a .key from cjd keygen)\n"
	"  --curve-server-key FILE   connect to every IN with CURVE, expecting this\n"
	"                            publisher public key (needs --curve-secret; the\n"
	"                            relay's .pub goes into each publisher's clients DIR)\n"
	"  --curve-clients DIR       serve OUT with CURVE, admitting only the public keys\n"
	"                            in DIR (needs --curve-secret)\n"
	"  -h, --help                show this help\n"
	"\n"
	"SIGINT or SIGTERM stops it cleanly. Exit status: 0 stopped by a signal,\n"
	"1 runtime failure, 2 usage error (including an OUT that cannot be bound).\n";

int cmd_relay(int argc, char **argv)
{
	enum { OPT_HWM = 256, OPT_SECRET, OPT_SERVER_KEY, OPT_CLIENTS };
	static const struct option opts[] = {
		{"sndhwm", required_argument, NULL, OPT_HWM},
		{"curve-secret", required_argument, NULL, OPT_SECRET},
		{"curve-server-key", required_argument, NULL, OPT_SERVER_KEY},
		{"curve-clients", required_argument, NULL, OPT_CLIENTS},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct cjd_relay_config rc = {.sndhwm = 10000};
	struct cjd_error err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HWM:
			if (sscanf(optarg, "%d", &rc.sndhwm) != 1 || rc.sndhwm <= 0)
				return cjd_cli_usage_error("relay", "--sndhwm: '%s' is not a positive number",
							   optarg);
			break;
		case OPT_SECRET: rc.curve_secret = optarg; break;
		case OPT_SERVER_KEY: rc.curve_server_key = optarg; break;
		case OPT_CLIENTS: rc.curve_clients = optarg; break;
		case 'h': fputs(relay_usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("relay", argv, "h");
		}
	}
	if (argc - optind < 2)
		return cjd_cli_usage_error("relay", "need at least one IN and one OUT endpoint");
	rc.in = (const char *const *)argv + optind;
	rc.n_in = (size_t)(argc - optind - 1);
	rc.out = argv[argc - 1];
	return cjd_cli_report("relay", cjd_relay_run(&rc, &err), &err);
}
