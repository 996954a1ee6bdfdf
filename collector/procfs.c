/* Small integers from /proc and /sys knobs (perf_event_paranoid, nmi_watchdog, smt/active). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

int cjd_read_int_file(const char *path, int dflt)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = '\0';
	return atoi(buf);
}
