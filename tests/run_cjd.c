/* For tests of the cjd binary: runs it through the shell and returns what it printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "run_cjd.h"

/* Runs cjd with args (a shell-quoted string); returns its stdout and exit code. */
char *run_cjd(const char *args, int *code)
{
	char cmd[4096];
	const char *bin = getenv("CJD_BIN");
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);

	snprintf(cmd, sizeof(cmd), "%s %s", bin ? bin : "build/cjd", args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 1024)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	int st = pclose(p);
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

