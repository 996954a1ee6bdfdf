/* Test workload for the network probe: a loopback client exchanging small messages with its own server child, a listener, or no sockets. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage: evidence_netpeer chat|nschat|listen|udp|none. Prints "ready" once set up
 * and runs until killed.
 *   chat    a server child on 127.0.0.1 (ephemeral port) and this process as its
 *           client, sending a 32-byte request every 100 ms and reading the
 *           32-byte reply: a stratum client's small, regular exchanges.
 *   nschat  the same in a new network namespace (unshare, lo brought up): the
 *           probe must reach another namespace. Exit 3 when unshare is refused.
 *   listen  one listening socket, nothing else.
 *   udp     one UDP socket bound to 127.0.0.1 and connected to another (a
 *           connected UDP socket, as a DNS client or a UDP pool client has).
 *   none    no socket at all.
 */

static void ready(void)
{
	fputs("ready\n", stdout);
	fflush(stdout);
}

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) || listen(s, 4) ||
	    getsockname(s, (struct sockaddr *)a, &len)) {
		perror("listener");
		return -1;
	}
	return s;
}

/* Reads exactly n bytes; 0 on EOF or error. */
static int read_full(int fd, char *b, size_t n)
{
	while (n) {
		ssize_t k = read(fd, b, n);
		if (k <= 0)
			return 0;
		b += k;
		n -= (size_t)k;
	}
	return 1;
}

static int chat(void)
{
	struct sockaddr_in a;
	char msg[32];
	int l = listener(&a), c;

	int accepted[2];

	if (l < 0 || pipe(accepted))
		return 1;
	if (fork() == 0) {
		/* The stand-in pool: echo every message back, and go when the client goes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int s = accept(l, NULL, NULL);
		/* Ready only once both ends exist, so a probe sees all three sockets. */
		if (write(accepted[1], "a", 1) != 1)
			_exit(1);
		while (s >= 0 && read_full(s, msg, sizeof(msg)))
			if (write(s, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
				break;
		_exit(0);
	}
	close(l);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		return 1;
	}
	if (read(accepted[0], msg, 1) != 1)
		return 1;
	ready();
	for (unsigned i = 0;; i++) {
		struct timespec ts = {0, 100000000};
		snprintf(msg, sizeof(msg), "{\"id\":%u,\"method\":\"submit\"}", i);
		if (write(c, msg, sizeof(msg)) != (ssize_t)sizeof(msg) || !read_full(c, msg, sizeof(msg)))
			return 1;
		nanosleep(&ts, NULL);
	}
}

/* A new network namespace has only lo, and it is down. */
static int lo_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;

	if (argc != 2) {
		fprintf(stderr, "usage: %s chat|nschat|listen|udp|none\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "chat"))
		return chat();
	if (!strcmp(argv[1], "nschat")) {
		if (unshare(CLONE_NEWNET) != 0 || lo_up() != 0)
			return 3;
		return chat();
	}
	if (!strcmp(argv[1], "listen") && listener(&a) >= 0) {
		ready();
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "udp")) {
		struct sockaddr_in b;
		int srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		socklen_t len = sizeof(b);
		memset(&b, 0, sizeof(b));
		b.sin_family = AF_INET;
		b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&b, sizeof(b)) ||
		    getsockname(srv, (struct sockaddr *)&b, &len) ||
		    connect(cli, (struct sockaddr *)&b, sizeof(b)))
			return 1;
		ready();
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "none")) {
		ready();
		for (;;)
			pause();
	}
	return 2;
}
