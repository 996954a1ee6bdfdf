/* Helpers shared by the subcommands: uniform usage errors and option parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cjd/util.h"
#include "cli.h"

int cjd_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cjd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'cjd %s --help' for more information.\n", cmd);
	return CJD_EXIT_USAGE;
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
