/* Online CPUs from /sys/devices/system/cpu/online, so hotplugged CPUs are counted right. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/collector/cpus.h"

static int parse_id(const char **p, int *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v >= CJD_MAX_CPUS)
			return -EINVAL;
		s++;
	}
	*p = s;
	*out = (int)v;
	return 0;
}

int cjd_cpus_parse(const char *text, int *cpus, int max)
{
	const char *p = text;
	int n = 0, last = -1;

	while (*p && *p != '\n') {
		int lo, hi;

		if (parse_id(&p, &lo))
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_id(&p, &hi) || hi < lo)
				return -EINVAL;
		}
		/* The kernel prints ascending, disjoint ranges; anything else is not its output. */
		if (lo <= last)
			return -EINVAL;
		for (int c = lo; c <= hi; c++) {
			if (n >= max)
				return -E2BIG;
			cpus[n++] = c;
		}
		last = hi;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	if (*p == '\n' && p[1] != '\0')
		return -EINVAL;
	return n;
}

int cjd_cpus_online(const char *path, int *cpus, struct cjd_error *err)
{
	char buf[8192];
	ssize_t len;
	int fd, n;

	if (!path)
		path = "/sys/devices/system/cpu/online";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	do
		len = read(fd, buf, sizeof(buf) - 1);
	while (len < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (len < 0)
		return cjd_error_set(err, -saved, path, 0, 0, "cannot read: %s", strerror(saved));
	buf[len] = '\0';
	n = cjd_cpus_parse(buf, cpus, CJD_MAX_CPUS);
	if (n <= 0)
		return cjd_error_set(err, n ? n : -EINVAL, path, 1, 0,
				     "not a CPU list: '%.40s'", buf);
	return n;
}
