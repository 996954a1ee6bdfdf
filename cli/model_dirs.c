/* Where the default models are: next to the binary (build tree), or its install prefix. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* A directory relative to the one holding this binary, if it exists; resolved, so messages
 * name it plainly ("/opt/cjd/share/cjd/models", not "/opt/cjd/bin/../share/cjd/models"). */
static bool beside_exe(const char *exe_dir, const char *rel, char out[static PATH_MAX])
{
	char joined[PATH_MAX];
	struct stat st;
	int n = snprintf(joined, sizeof(joined), "%s/%s", exe_dir, rel);

	if (n < 0 || (size_t)n >= sizeof(joined) || stat(joined, &st) != 0 || !S_ISDIR(st.st_mode))
		return false;
	if (!realpath(joined, out))
		memcpy(out, joined, (size_t)n + 1);
	return true;
}

const char *const *cjd_cli_model_dirs(struct cjd_cli_model_dirs *d)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	d->n = 0;
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* a build tree: CMake links the checkout's models/ next to build/cjd */
			if (beside_exe(exe, "models", d->buf[0]))
				d->v[d->n++] = d->buf[0];
			/* an install, wherever its prefix now is */
			if (beside_exe(exe, CJD_MODEL_DIR_FROM_BIN, d->buf[1]))
				d->v[d->n++] = d->buf[1];
		}
	}
	/* the prefix configured at build time (never the checkout) */
	d->v[d->n++] = CJD_MODEL_DIR;
	return d->v;
}
