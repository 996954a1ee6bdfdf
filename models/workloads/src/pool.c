/* --pool: a stand-in for a pool miner's stratum connection, so the miner makes the syscalls real ones make. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

/*
 * A real pool miner (XMRig, cpuminer) is not a silent loop: besides its
 * hashing threads, a network thread keeps a stratum connection (a job now and
 * then, a keep-alive, a submit per share found and its reply) and the miner
 * prints its hash rate now and then. Those are a few system calls per second,
 * and a detector that has only ever seen miners making none would learn
 * "exactly zero syscalls" instead of "almost none". This reproduces them
 * without a network: the "pool" is a thread at the other end of a socketpair.
 *
 *   miner side (pool_loop, the main thread while the workers hash): wakes
 *   every second (poll), reads jobs, submits each new share as a JSON line and
 *   reads the reply, sends a keep-alive every 60 s, prints the hash rate to
 *   stderr every 10 s;
 *   pool side (a thread): answers each line, sends a new job every 30 s.
 */

static int write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *pool_side(void *arg)
{
	struct pool *p = arg;
	char buf[4096];
	double next_job = mono_s() + 30.0;
	unsigned job = 1;

	while (!atomic_load(&p->stop)) {
		struct pollfd pfd = {.fd = p->fd[1], .events = POLLIN};
		int r = poll(&pfd, 1, 1000);
		if (r > 0) {
			ssize_t n = read(p->fd[1], buf, sizeof(buf));
			if (n <= 0)
				break;
			/* one reply per request line */
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] == '\n' &&
				    write_all(p->fd[1], "{\"id\":1,\"result\":{\"status\":\"OK\"},"
							"\"error\":null}\n"))
					return NULL;
		}
		if (mono_s() >= next_job) {
			char line[160];
			snprintf(line, sizeof(line),
				 "{\"method\":\"job\",\"params\":{\"job_id\":\"%u\",\"target\":"
				 "\"b88d0600\"}}\n",
				 job++);
			if (write_all(p->fd[1], line))
				break;
			next_job += 30.0;
		}
	}
	return NULL;
}

int pool_start(struct pool *p)
{
	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fd))
		return -1;
	if (pthread_create(&p->tid, NULL, pool_side, p)) {
		close(p->fd[0]);
		close(p->fd[1]);
		return -1;
	}
	return 0;
}

void pool_loop(struct pool *p, const char *algo, atomic_ulong *shares, atomic_int *running,
	       unsigned long (*total)(void *ctx), void *ctx)
{
	char buf[4096];
	unsigned long submitted = 0, last_hashes = 0;
	double start = mono_s(), next_print = start + 10.0, next_alive = start + 60.0;
	double last_print = start;

	write_all(p->fd[0], "{\"id\":1,\"method\":\"login\",\"params\":{\"agent\":\"cjd-miner\"}}\n");
	while (atomic_load(running) > 0) {
		struct pollfd pfd = {.fd = p->fd[0], .events = POLLIN};
		if (poll(&pfd, 1, 1000) > 0 && read(p->fd[0], buf, sizeof(buf)) <= 0)
			break; /* the pool went away: keep hashing, as miners do while reconnecting */
		unsigned long s = atomic_load(shares);
		for (; submitted < s; submitted++) {
			char line[160];
			snprintf(line, sizeof(line),
				 "{\"id\":%lu,\"method\":\"submit\",\"params\":{\"nonce\":\"%08lx\"}}\n",
				 submitted + 2, submitted);
			write_all(p->fd[0], line);
		}
		double now = mono_s();
		if (now >= next_alive) {
			write_all(p->fd[0], "{\"id\":0,\"method\":\"keepalived\"}\n");
			next_alive += 60.0;
		}
		if (now >= next_print) {
			unsigned long h = total(ctx);
			fprintf(stderr, "miner: %s: speed %.1f H/s, %lu shares\n", algo,
				(double)(h - last_hashes) / (now - last_print), s);
			last_hashes = h;
			last_print = now;
			next_print += 10.0;
		}
	}
}

void pool_stop(struct pool *p)
{
	atomic_store(&p->stop, 1);
	shutdown(p->fd[0], SHUT_RDWR);
	pthread_join(p->tid, NULL);
	close(p->fd[0]);
	close(p->fd[1]);
}
