/* Loading a JSON document from a file or a buffer, with errors that name the file, line and column. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/json_load.h"

/* Reads exactly size bytes from fd into text. Returns 0 or a negative errno with err set. */
static int read_exactly(int fd, const char *path, char *text, size_t size, struct cjd_error *err)
{
	size_t len = 0;

	while (len < size) {
		ssize_t r = read(fd, text + len, size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return cjd_error_set(err, r < 0 ? -errno : -EIO, path, 0, 0, "read: %s",
					     r < 0 ? strerror(errno) : "file shrank while reading");
		len += (size_t)r;
	}
	return 0;
}

int cjd_json_read_file(const char *path, size_t max_bytes, const char *what, char **text,
		       size_t *len, struct cjd_error *err)
{
	struct stat st;
	char *buf = NULL;
	int fd, rc;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open %s: %s", what,
				     strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "not a regular file");
		goto out_close;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		rc = max_bytes % (1u << 20)
			     ? cjd_error_set(err, -EFBIG, path, 0, 0, "%s is larger than %zu bytes",
					     what, max_bytes)
			     : cjd_error_set(err, -EFBIG, path, 0, 0, "%s is larger than %zu MiB",
					     what, max_bytes >> 20);
		goto out_close;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out_close;
	}
	if ((rc = read_exactly(fd, path, buf, (size_t)st.st_size, err))) {
		free(buf);
		goto out_close;
	}
	buf[st.st_size] = '\0';
	*text = buf;
	*len = (size_t)st.st_size;
out_close:
	close(fd);
	return rc;
}

int cjd_json_parse(const char *name, const char *text, size_t len, json_t **root,
		   struct cjd_error *err)
{
	json_error_t je;

	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*root)
		return cjd_error_set(err, -EINVAL, name, je.line > 0 ? je.line : 0,
				     je.column > 0 ? je.column : 0, "%s", je.text);
	return 0;
}
