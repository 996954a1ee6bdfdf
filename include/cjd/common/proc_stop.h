/* Stopping what a recorded command leaves running: SIGTERM, a grace period, then SIGKILL, said out loud. */
#ifndef CJD_COMMON_PROC_STOP_H
#define CJD_COMMON_PROC_STOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Grace between SIGTERM and SIGKILL unless the user says otherwise (--kill-after). */
#define CJD_STOP_GRACE_DEFAULT_NS (5ull * 1000000000ull)

/*
 * Sends sig to every live descendant of `ancestor` (children, their
 * children, ...), found from the parent pids in /proc/PID/stat. A process that
 * left its process group or session (a daemon: gpg starts gpg-agent so) is
 * still found, and so are orphans when `ancestor` is a child subreaper
 * (PR_SET_CHILD_SUBREAPER), which they are re-parented to. Zombies are not
 * signalled. Returns how many processes were signalled, or a negative errno
 * (/proc unreadable, out of memory).
 */
int cjd_proc_signal_descendants(pid_t ancestor, int sig);

/*
 * The one escalation both recorders use: SIGTERM, then SIGKILL once `grace`
 * has passed, each step logged with what it stops and why. The target is a
 * callback (a process tree, a cgroup) returning how many processes got the
 * signal, or a negative errno; signal 0 must count them without signalling.
 * Plain data, no allocation; not thread-safe.
 */
struct cjd_stopper {
	const char *who;  /* log prefix: "simrecord", "record" */
	const char *what; /* what is stopped: "the program's descendants" */
	uint64_t grace_ns;
	int (*signal)(void *ctx, int sig);
	void *ctx;
	uint64_t term_ns; /* CLOCK_MONOTONIC of the SIGTERM, 0 before */
	bool killed;
};

void cjd_stopper_init(struct cjd_stopper *s, const char *who, const char *what, uint64_t grace_ns,
		      int (*signal)(void *ctx, int sig), void *ctx);

/* Sends SIGTERM, once (later calls do nothing), and logs "<who>: <why>; sending
 * SIGTERM to N processes (<what>), SIGKILL in <grace> ..." as a warning; why
 * NULL sends it without a word (a stop the user asked for). */
void cjd_stopper_begin(struct cjd_stopper *s, uint64_t now_ns, const char *why);

/* Sends SIGKILL, once, when the grace since the SIGTERM has passed, and logs it.
 * Returns true when it did so now. */
bool cjd_stopper_poll(struct cjd_stopper *s, uint64_t now_ns);

/* Whether SIGTERM was sent, and whether SIGKILL was. */
bool cjd_stopper_started(const struct cjd_stopper *s);
bool cjd_stopper_killed(const struct cjd_stopper *s);

#endif
