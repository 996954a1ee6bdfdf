/* `cjd keygen -o BASENAME`: write a CURVE keypair (BASENAME.key, BASENAME.pub). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cjd/publish/curve_keys.h"
#include "cli.h"

static const char keygen_usage[] =
	"Usage: cjd keygen -o BASENAME [--force]\n"
	"\n"
	"Generate a CURVE keypair (zmq_curve_keypair) for ZeroMQ encryption and\n"
	"authentication of alerts. Writes two text files with Z85 keys:\n"
	"\n"
	"  BASENAME.key   public-key and secret-key, mode 0600. Keep it private:\n"
	"                 the publisher's goes to `cjd run --curve-secret`, a\n"
	"                 subscriber's to `cjd sub --curve-secret`.\n"
	"  BASENAME.pub   public-key only. A subscriber's .pub goes into the\n"
	"                 publisher's --curve-clients DIR; the publisher's .pub is\n"
	"                 what subscribers pass as --curve-server-key.\n"
	"\n"
	"Options:\n"
	"  -o, --output BASENAME   path and name of the two files (required)\n"
	"  -f, --force             replace existing files\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 written, 1 could not write, 2 usage error.\n"
	"See docs/alerts.md (\"CURVE security\") for the file format.\n";

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct cjd_curve_keypair kp;
	struct cjd_error err;
	const char *base = NULL;
	bool force = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': base = optarg; break;
		case 'f': force = true; break;
		case 'h': fputs(keygen_usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("keygen", argv, "o:fh");
		}
	}
	if (optind < argc)
		return cjd_cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
	if (!base || !base[0])
		return cjd_cli_usage_error("keygen", "-o BASENAME is required");
	if (cjd_curve_keygen(base, force, &kp, &err)) {
		char msg[700];
		return cjd_cli_fail("keygen", "%s", cjd_error_format(&err, msg, sizeof(msg)));
	}
	printf("wrote %s.key (secret, mode 0600) and %s.pub\npublic key: %s\n", base, base,
	       kp.public_z85);
	explicit_bzero(&kp, sizeof(kp));
	return CJD_EXIT_OK;
}
