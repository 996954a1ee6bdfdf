/* A small epoll event loop: fd events, drift-free periodic timers (timerfd) and signals (signalfd). */
#ifndef CJD_COMMON_LOOP_H
#define CJD_COMMON_LOOP_H

#include <stdint.h>

struct cjd_loop;

/* fd readiness; events are EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits. */
typedef void (*cjd_loop_fd_cb)(struct cjd_loop *loop, int fd, uint32_t events, void *ctx);

/* A timer fired; `expirations` > 1 means ticks were missed (the loop was late). */
typedef void (*cjd_loop_timer_cb)(struct cjd_loop *loop, uint64_t expirations, void *ctx);

/* A signal arrived (delivered synchronously through signalfd, never in a handler). */
typedef void (*cjd_loop_signal_cb)(struct cjd_loop *loop, int signo, void *ctx);

/*
 * Creates a loop. Single-threaded: every function below must be called from
 * the thread that runs the loop (callbacks may call them). Returns 0 or a
 * negative errno.
 */
int cjd_loop_new(struct cjd_loop **out);

/* Closes every timer and signal fd the loop created (not the fds added with
 * cjd_loop_add_fd) and unblocks the signals it blocked. Accepts NULL. */
void cjd_loop_free(struct cjd_loop *loop);

/* Watches fd for `events`. Returns 0, -EEXIST, or a negative errno. */
int cjd_loop_add_fd(struct cjd_loop *loop, int fd, uint32_t events, cjd_loop_fd_cb cb, void *ctx);

/* Changes the events watched on fd. */
int cjd_loop_mod_fd(struct cjd_loop *loop, int fd, uint32_t events);

/* Stops watching fd (does not close it). Safe from inside fd's own callback. */
int cjd_loop_del_fd(struct cjd_loop *loop, int fd);

/*
 * A periodic timer with absolute CLOCK_MONOTONIC deadlines (start + k*interval),
 * so callback latency never accumulates into drift. The first tick comes one
 * interval from now. Returns a timer id (>= 0) or a negative errno.
 */
int cjd_loop_add_timer(struct cjd_loop *loop, uint64_t interval_ns, cjd_loop_timer_cb cb,
		       void *ctx);

/* Removes a timer by id. Safe from inside its own callback. */
int cjd_loop_del_timer(struct cjd_loop *loop, int id);

/* Blocks signo for this thread and delivers it through the loop. */
int cjd_loop_add_signal(struct cjd_loop *loop, int signo, cjd_loop_signal_cb cb, void *ctx);

/* Runs until cjd_loop_stop(). Returns 0, or a negative errno if epoll fails. */
int cjd_loop_run(struct cjd_loop *loop);

/* Makes cjd_loop_run() return after the current callback. */
void cjd_loop_stop(struct cjd_loop *loop);

#endif
