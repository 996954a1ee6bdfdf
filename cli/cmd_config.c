/* `cjd config`: print the embedded defaults, check a file, or show the effective configuration. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	"  --check [FILE]   validate FILE (default " CJD_CONFIG_DEFAULT_PATH ", where no file\n"
	"                   is fine: the defaults apply): print every problem as\n"
	"                   FILE:LINE:COLUMN: what is wrong (with \"did you mean\" for a\n"
	"                   misspelt key or value) on stderr; exit 2 if there is any\n"
	"  --show           print the effective configuration (defaults + --config FILE)\n"
	"  --config FILE    the file --show reads\n"
	"  --docs           print the Markdown reference of every key (docs/config.md)\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 ok, 2 invalid configuration or usage, 1 other failure.\n";

static void report(const struct cjd_error *err, void *ctx)
{
	char msg[1024];

	(void)ctx;
	fprintf(stderr, "cjd config: %s\n", cjd_error_format(err, msg, sizeof(msg)));
}

/* --check: every problem, then a count, so a long list ends with its size. */
static int check(const char *path, bool given)
{
	if (!given && access(path, F_OK) != 0 && errno == ENOENT) {
		/* what cjd run does too: no file is a valid configuration */
		printf("%s: no such file, so cjd run uses the embedded defaults ('cjd config "
		       "--defaults' prints them as a file to start from)\n",
		       path);
		return CJD_EXIT_OK;
	}
	int n = cjd_config_check(path, NULL, report, NULL);

	if (n < 0)
		return cjd_cli_fail("config", "out of memory");
	if (n > 0) {
		fprintf(stderr, "cjd config: %s: %d problem%s\n", path, n, n == 1 ? "" : "s");
		return CJD_EXIT_USAGE;
	}
	printf("%s: ok\n", path);
	return CJD_EXIT_OK;
}

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
	if (mode == 'c')
		return check(file ? file : CJD_CONFIG_DEFAULT_PATH, file != NULL);
	if (cjd_config_defaults(&cfg))
		return cjd_cli_fail("config", "out of memory");
	ret = CJD_EXIT_OK;
	if (mode == 's' && file && cjd_config_load(&cfg, file, &err)) {
		report(&err, NULL);
		ret = CJD_EXIT_USAGE;
		goto out;
	}
	if (cjd_config_write(&cfg, stdout))
		ret = cjd_cli_fail("config", "write error");
out:
	cjd_config_release(&cfg);
	return ret;
}
