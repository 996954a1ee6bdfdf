/* Helpers shared by the subcommands: uniform usage errors and option parsing. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>

#include "cjd/common/error.h"
#include "cjd/common/time.h"
#include "cli.h"

int cjd_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cjd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* one line: scripts and log collectors see the whole error at once */
	fprintf(stderr, " (see 'cjd %s --help')\n", cmd);
	return CJD_EXIT_USAGE;
}

int cjd_cli_bad_option(const char *cmd, char *const *argv, const char *optstring)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	/* getopt_long: optopt 0 is an unknown long option; a short option's
	 * letter is unknown unless the optstring has it (then its value is
	 * missing); any other value is a long option missing its value */
	if (optopt == 0)
		return cjd_cli_usage_error(cmd, "unknown option '%s'", arg);
	if (optopt > 0 && optopt < 128 && optopt != ':') {
		if (strchr(optstring, optopt) && !strncmp(arg, "--", 2))
			return cjd_cli_usage_error(cmd, "option '%s' needs a value", arg);
		if (strchr(optstring, optopt))
			return cjd_cli_usage_error(cmd, "option '-%c' needs a value", optopt);
		return cjd_cli_usage_error(cmd, "unknown option '-%c'", optopt);
	}
	return cjd_cli_usage_error(cmd, "option '%s' needs a value", arg);
}
int cjd_cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cjd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CJD_EXIT_FAIL;
}

int cjd_cli_error(const char *cmd, const struct cjd_error *err)
{
	char msg[1024];

	return cjd_cli_fail(cmd, "%s", cjd_error_format(err, msg, sizeof(msg)));
}

int cjd_cli_exit_code(int rc)
{
	if (rc == 0)
		return CJD_EXIT_OK;
	return rc == -EINVAL ? CJD_EXIT_USAGE : CJD_EXIT_FAIL;
}

int cjd_cli_report(const char *cmd, int rc, const struct cjd_error *err)
{
	char msg[1024];

	if (rc)
		fprintf(stderr, "cjd %s: %s\n", cmd, cjd_error_format(err, msg, sizeof(msg)));
	return cjd_cli_exit_code(rc);
}

int cjd_cli_duration(const char *cmd, const char *opt, const char *val, uint64_t min_ns,
		     uint64_t *out)
{
	char minbuf[32];
	int rc = cjd_duration_parse(val, out);

	if (rc)
		return cjd_cli_usage_error(cmd, "%s: '%s' is not a duration (try 200ms, 1s, 2m)", opt,
					   val);
	if (*out < min_ns)
		return cjd_cli_usage_error(cmd, "%s: '%s' is below the minimum of %s", opt, val,
					   cjd_duration_format(min_ns, minbuf, sizeof(minbuf)));
	return 0;
}
