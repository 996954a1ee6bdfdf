/* `cjd config`: print the embedded defaults, check a file, or show the effective configuration. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cjd/daemon/config.h"
#include "cli.h"

static const char usage[] =
	"Usage: cjd config --defaults\n"
	"       cjd config --check [FILE]\n"
	"       cjd config --show [--config FILE]\n"
	"       cjd config --docs\n"
	"\n"
	"The agent needs no configuration file: every key has an embedded default.\n"
	"An optional JSON file (default " CJD_CONFIG_DEFAULT_PATH ") overrides them, and\n"
	"command-line flags of `cjd run` override the file. Unknown keys, wrong types and\n"
	"out-of-range values are errors naming the file, line and column.\n"
	"\n"
	"  --defaults       print the embedded defaults as a loadable JSON file\n"
	"  --check [FILE]   validate FILE (default " CJD_CONFIG_DEFAULT_PATH "); exit 2 if invalid\n"
	"  --show           print the effective configuration (defaults + --config FILE)\n"
	"  --config FILE    the file --show reads\n"
	"  --docs           print the Markdown reference of every key (docs/config.md)\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 ok, 2 invalid configuration or usage, 1 other failure.\n";

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {{"defaults", no_argument, NULL, 'd'},
					     {"check", no_argument, NULL, 'c'},
					     {"show", no_argument, NULL, 's'},
					     {"config", required_argument, NULL, 'f'},
					     {"docs", no_argument, NULL, 'D'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *file = NULL;
	int mode = 0, c, ret;
	struct cjd_config cfg;
	struct cjd_error err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': case 'c': case 's': case 'D':
			if (mode && mode != c)
				return cjd_cli_usage_error("config", "choose one of --defaults, --check, --show, --docs");
			mode = c;
			break;
		case 'f': file = optarg; break;
		case 'h': fputs(usage, stdout); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("config", argv, "h");
		}
	}
	if (!mode)
		return cjd_cli_usage_error("config", "choose one of --defaults, --check, --show, --docs");
	if (mode == 'c' && optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return cjd_cli_usage_error("config", "unexpected argument '%s'", argv[optind]);
	if (mode == 'D') {
		cjd_config_write_docs(stdout);
		return CJD_EXIT_OK;
	}
	if (cjd_config_defaults(&cfg))
		return cjd_cli_fail("config", "out of memory");
	ret = CJD_EXIT_OK;
	if (mode == 'c' || (mode == 's' && file)) {
		const char *path = file ? file : CJD_CONFIG_DEFAULT_PATH;
		if (cjd_config_load(&cfg, path, &err)) {
			char msg[1024];
			fprintf(stderr, "cjd config: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
			ret = CJD_EXIT_USAGE;
			goto out;
		}
	}
	if (mode == 'c')
		printf("%s: ok\n", file ? file : CJD_CONFIG_DEFAULT_PATH);
	else if (cjd_config_write(&cfg, stdout))
		ret = cjd_cli_fail("config", "write error");
out:
	cjd_config_release(&cfg);
	return ret;
}
