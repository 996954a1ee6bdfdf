/* sd_notify(3) without libsystemd: one AF_UNIX datagram per state change to $NOTIFY_SOCKET. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cjd/common/text.h"
#include "cjd/daemon/sdnotify.h"

/* systemd reads notifications into a buffer of this size (NOTIFY_BUFFER_MAX); more is cut. */
#define STATE_MAX 4096

struct cjd_sdnotify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

int cjd_sdnotify_new(struct cjd_sdnotify **out)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct cjd_sdnotify *n;
	size_t len;

	*out = NULL;
	if (!env || !*env)
		return 0;
	len = strlen(env);
	/* an abstract name ('@' becomes the leading NUL) or an absolute path; a path
	 * needs its terminating NUL inside sun_path, an abstract name does not */
	if ((env[0] != '/' && env[0] != '@') || len < 2 ||
	    len > sizeof(n->addr.sun_path) - (env[0] == '/'))
		return -EINVAL;
	if (!(n = calloc(1, sizeof(*n))))
		return -ENOMEM;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, env, len);
	if (env[0] == '@')
		n->addr.sun_path[0] = '\0';
	/* the abstract name is exactly len bytes; a path is measured up to its NUL */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (env[0] == '/'));
	memcpy(n->name, env, len + 1);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		int rc = -errno;
		free(n);
		return rc;
	}
	*out = n;
	return 0;
}

int cjd_sdnotify_send(struct cjd_sdnotify *n, const char *state)
{
	size_t len;
	ssize_t w;

	if (!n)
		return 0;
	len = strlen(state);
	if (len > STATE_MAX)
		return -EMSGSIZE;
	do {
		w = sendto(n->fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
			   n->addr_len);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

int cjd_sdnotify_sendf(struct cjd_sdnotify *n, const char *fmt, ...)
{
	char buf[STATE_MAX + 2];
	va_list ap;
	int w;

	if (!n)
		return 0;
	va_start(ap, fmt);
	w = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (w < 0)
		return -EINVAL;
	if ((size_t)w > STATE_MAX)
		return -EMSGSIZE;
	return cjd_sdnotify_send(n, buf);
}

uint64_t cjd_sdnotify_watchdog_ns(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t us, p;

	if (!usec || cjd_parse_u64(usec, &us) || us == 0 || us > UINT64_MAX / 1000)
		return 0;
	/* WATCHDOG_PID says which process the watchdog is meant for: not a child
	 * that merely inherited the environment */
	if (pid && *pid && (cjd_parse_u64(pid, &p) || p != (uint64_t)getpid()))
		return 0;
	return us * 1000;
}

const char *cjd_sdnotify_name(const struct cjd_sdnotify *n)
{
	return n ? n->name : "";
}

void cjd_sdnotify_free(struct cjd_sdnotify *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}
