/* systemd's service notification protocol (sd_notify(3)): state datagrams to $NOTIFY_SOCKET, and the watchdog period. */
#ifndef CJD_DAEMON_SDNOTIFY_H
#define CJD_DAEMON_SDNOTIFY_H

#include <stdint.h>

struct cjd_sdnotify;

/*
 * Connects to the socket named by $NOTIFY_SOCKET: an absolute path, or an
 * abstract name written with a leading '@'. Not started by systemd (variable
 * unset or empty): returns 0 with *out = NULL, and every call below is a no-op
 * on NULL. Returns -EINVAL for a name that is neither (too long, relative,
 * "vsock:" of newer systemds), or the errno of socket(2). The socket is
 * close-on-exec; the variable is left in the environment.
 */
int cjd_sdnotify_new(struct cjd_sdnotify **out);

/*
 * Sends one state datagram, newline-separated assignments such as
 * "READY=1\nSTATUS=software mode, 14 cgroups". Never blocks for long (a
 * datagram to a local socket) and never raises SIGPIPE. Returns 0 (also when
 * n is NULL), -EMSGSIZE for a state over 4 KiB, or the errno of sendto(2)
 * (-ECONNREFUSED when systemd is gone).
 */
int cjd_sdnotify_send(struct cjd_sdnotify *n, const char *state);

/* printf-style cjd_sdnotify_send. */
int cjd_sdnotify_sendf(struct cjd_sdnotify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The watchdog period systemd expects pings within ($WATCHDOG_USEC, from the
 * unit's WatchdogSec=), in nanoseconds, or 0 when there is none: variable
 * unset, not a positive number, or $WATCHDOG_PID set to another process.
 * Send "WATCHDOG=1" at least every half of it.
 */
uint64_t cjd_sdnotify_watchdog_ns(void);

/* The socket's name as given ("@name" for an abstract one), for messages. */
const char *cjd_sdnotify_name(const struct cjd_sdnotify *n);

/* Closes the socket. Accepts NULL. */
void cjd_sdnotify_free(struct cjd_sdnotify *n);

#endif
