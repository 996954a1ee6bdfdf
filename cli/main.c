/* cjd's entry point: global options, then dispatch to the subcommand table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

#define CJD_TABLE_ROW(name, summary) {#name, cmd_##name, summary},
static const struct command commands[] = {CJD_COMMANDS(CJD_TABLE_ROW)};
#undef CJD_TABLE_ROW

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cjd [--log-level LEVEL] [--log-format text|json] COMMAND [ARGS...]\n"
		"       cjd --help | --version\n"
		"\n"
		"cjd finds cryptocurrency miners in cgroups and containers from the CPU's\n"
		"performance counters (or, without a PMU, from software events).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Global options:\n"
		"  --log-level LEVEL     error, warn, info (default) or debug\n"
		"  --log-format FORMAT   text (default) or json lines on stderr\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Run 'cjd COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	enum cjd_log_level level = CJD_LOG_INFO;
	enum cjd_log_format format = CJD_LOG_TEXT;
	int i = 1;

	/* Global options come before the command name; getopt would permute past it. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CJD_EXIT_OK;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("cjd %s\n", CJD_VERSION);
			return CJD_EXIT_OK;
		}
		if ((!strcmp(a, "--log-level") || !strcmp(a, "--log-format")) && i + 1 >= argc) {
			fprintf(stderr, "cjd: %s needs a value\n", a);
			return CJD_EXIT_USAGE;
		}
		if (!strcmp(a, "--log-level")) {
			if (cjd_log_level_parse(argv[++i], &level)) {
				fprintf(stderr, "cjd: --log-level: '%s' is not error, warn, info or debug\n",
					argv[i]);
				return CJD_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--log-format")) {
			if (cjd_log_format_parse(argv[++i], &format)) {
				fprintf(stderr, "cjd: --log-format: '%s' is not text or json\n", argv[i]);
				return CJD_EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "cjd: unknown option '%s'\nTry 'cjd --help'.\n", a);
			return CJD_EXIT_USAGE;
		}
	}
	cjd_log_setup(level, format);
	/* subcommands report bad options themselves, in one line (cjd_cli_bad_option) */
	opterr = 0;
	if (i >= argc) {
		usage(stderr);
		return CJD_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			char *help_argv[] = {argv[i + 1], "--help", NULL};
			for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
				if (!strcmp(commands[c].name, argv[i + 1]))
					return commands[c].fn(2, help_argv);
		}
		usage(stdout);
		return CJD_EXIT_OK;
	}
	if (!strcmp(argv[i], "version")) {
		printf("cjd %s\n", CJD_VERSION);
		return CJD_EXIT_OK;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(commands[c].name, argv[i]))
			return commands[c].fn(argc - i, argv + i);
	fprintf(stderr, "cjd: '%s' is not a cjd command. See 'cjd --help'.\n", argv[i]);
	return CJD_EXIT_USAGE;
}
