/* The event loop behind record, run, collect and detect: epoll + timerfd + signalfd. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/loop.h"
#include "cjd/common/time.h"

enum watch_kind { W_FREE = 0, W_FD, W_TIMER, W_SIGNAL };

struct watch {
	enum watch_kind kind;
	int fd;
	int signo;
	void *ctx;
	union {
		cjd_loop_fd_cb fd_cb;
		cjd_loop_timer_cb timer_cb;
		cjd_loop_signal_cb signal_cb;
	};
};

struct cjd_loop {
	int epfd;
	bool stop;
	struct watch *w; /* indexed by watch id; epoll data carries the id */
	size_t nw;
	sigset_t blocked; /* signals this loop blocked, to restore */
};

int cjd_loop_new(struct cjd_loop **out)
{
	struct cjd_loop *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int rc = -errno;
		free(l);
		return rc;
	}
	sigemptyset(&l->blocked);
	*out = l;
	return 0;
}

void cjd_loop_free(struct cjd_loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].kind == W_TIMER || l->w[i].kind == W_SIGNAL)
			close(l->w[i].fd);
	sigprocmask(SIG_UNBLOCK, &l->blocked, NULL);
	close(l->epfd);
	free(l->w);
	free(l);
}

static int new_watch(struct cjd_loop *l)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].kind == W_FREE)
			return (int)i;
	struct watch *nw = realloc(l->w, (l->nw + 8) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	memset(nw + l->nw, 0, 8 * sizeof(*nw));
	l->w = nw;
	l->nw += 8;
	return (int)(l->nw - 8);
}

static int find_fd(struct cjd_loop *l, int fd, enum watch_kind kind)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i].kind == kind && l->w[i].fd == fd)
			return (int)i;
	return -ENOENT;
}

static int watch_add(struct cjd_loop *l, int id, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)id};

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->w[id].fd, &ev) != 0) {
		int rc = -errno;
		l->w[id].kind = W_FREE;
		return rc;
	}
	return 0;
}

int cjd_loop_add_fd(struct cjd_loop *l, int fd, uint32_t events, cjd_loop_fd_cb cb, void *ctx)
{
	if (find_fd(l, fd, W_FD) >= 0)
		return -EEXIST;
	int id = new_watch(l);
	if (id < 0)
		return id;
	l->w[id] = (struct watch){.kind = W_FD, .fd = fd, .ctx = ctx, .fd_cb = cb};
	return watch_add(l, id, events);
}

int cjd_loop_mod_fd(struct cjd_loop *l, int fd, uint32_t events)
{
	int id = find_fd(l, fd, W_FD);

	if (id < 0)
		return id;
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)id};
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int cjd_loop_del_fd(struct cjd_loop *l, int fd)
{
	int id = find_fd(l, fd, W_FD);

	if (id < 0)
		return id;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->w[id].kind = W_FREE; /* a pending event for it in this batch is skipped */
	return 0;
}

int cjd_loop_add_timer(struct cjd_loop *l, uint64_t interval_ns, cjd_loop_timer_cb cb, void *ctx)
{
	struct itimerspec its;
	struct timespec now;
	int fd, id, rc;

	if (interval_ns == 0)
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Absolute first deadline with a kernel-kept period: the kernel counts every
	 * period from the same origin, so a slow callback delays one tick, not all. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t first = (uint64_t)now.tv_sec * CJD_NSEC_PER_SEC + (uint64_t)now.tv_nsec + interval_ns;
	its.it_value.tv_sec = (time_t)(first / CJD_NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(first % CJD_NSEC_PER_SEC);
	its.it_interval.tv_sec = (time_t)(interval_ns / CJD_NSEC_PER_SEC);
	its.it_interval.tv_nsec = (long)(interval_ns % CJD_NSEC_PER_SEC);
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	id = new_watch(l);
	if (id < 0) {
		close(fd);
		return id;
	}
	l->w[id] = (struct watch){.kind = W_TIMER, .fd = fd, .ctx = ctx, .timer_cb = cb};
	if ((rc = watch_add(l, id, EPOLLIN))) {
		close(fd);
		return rc;
	}
	return id;
}

int cjd_loop_del_timer(struct cjd_loop *l, int id)
{
	if (id < 0 || (size_t)id >= l->nw || l->w[id].kind != W_TIMER)
		return -ENOENT;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->w[id].fd, NULL);
	close(l->w[id].fd);
	l->w[id].kind = W_FREE;
	return 0;
}

int cjd_loop_add_signal(struct cjd_loop *l, int signo, cjd_loop_signal_cb cb, void *ctx)
{
	sigset_t set;
	int fd, id, rc;

	sigemptyset(&set);
	sigaddset(&set, signo);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	sigaddset(&l->blocked, signo);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	id = new_watch(l);
	if (id < 0) {
		close(fd);
		return id;
	}
	l->w[id] = (struct watch){.kind = W_SIGNAL, .fd = fd, .signo = signo, .ctx = ctx, .signal_cb = cb};
	if ((rc = watch_add(l, id, EPOLLIN))) {
		close(fd);
		return rc;
	}
	return 0;
}

static void dispatch(struct cjd_loop *l, int id, uint32_t events)
{
	struct watch *w = &l->w[id];

	switch (w->kind) {
	case W_FD:
		w->fd_cb(l, w->fd, events, w->ctx);
		break;
	case W_TIMER: {
		uint64_t exp = 0;
		ssize_t n = read(w->fd, &exp, sizeof(exp));
		if (n == (ssize_t)sizeof(exp) && exp > 0)
			w->timer_cb(l, exp, w->ctx);
		break;
	}
	case W_SIGNAL: {
		struct signalfd_siginfo si;
		while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			w->signal_cb(l, (int)si.ssi_signo, w->ctx);
			w = &l->w[id]; /* the callback may have grown the table */
			if (w->kind != W_SIGNAL)
				break;
		}
		break;
	}
	default:
		break; /* removed earlier in this batch */
	}
}

int cjd_loop_run(struct cjd_loop *l)
{
	struct epoll_event evs[32];

	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			int id = (int)evs[i].data.u64;
			if ((size_t)id < l->nw)
				dispatch(l, id, evs[i].events);
		}
	}
	return 0;
}

void cjd_loop_stop(struct cjd_loop *l)
{
	l->stop = true;
}
