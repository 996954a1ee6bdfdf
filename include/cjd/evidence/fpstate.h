/* The floating-point control state probe: rounding mode and FTZ/DAZ of every thread, read with ptrace. */
#ifndef CJD_EVIDENCE_FPSTATE_H
#define CJD_EVIDENCE_FPSTATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * RandomX changes the SSE rounding mode all the time (its CFROUND
 * instruction writes MXCSR bits 13-14), and miners commonly set
 * flush-to-zero and denormals-are-zero on every thread; almost no benign
 * program changes the rounding mode. This probe looks at each thread of the
 * target a few times: PTRACE_SEIZE (no stop), PTRACE_INTERRUPT, wait for the
 * stop, read the FP control register, PTRACE_DETACH.
 *
 * Guarantees (docs/evidence.md says how each is kept and tested):
 * - One thread of the whole target is stopped at a time, never two.
 * - One look lasts at most about max_pause_ns from the interrupt to the
 *   detach: a thread that has not stopped by then (uninterruptible sleep, or
 *   no CPU on an overloaded host) is given up on and released, and the
 *   result says so. The thread is stopped only from reaching the stop to the
 *   detach: one register read, tens of microseconds ("held").
 * - No thread is left stopped or traced, on any error path, and not when the
 *   caller is killed: the kernel releases a seized tracee when its tracer
 *   dies, and the tracer is a short-lived thread of the probe's own.
 * - A signal that arrives while a thread is held (SIGSTOP, SIGCONT, ...)
 *   keeps its meaning: it is passed on at detach, and a group-stop stays in
 *   effect.
 * - Threads already traced by someone else (a debugger) are skipped.
 */

/* Rounding modes, in x86 MXCSR.RC order. */
enum cjd_fp_round {
	CJD_FP_ROUND_NEAREST = 0,
	CJD_FP_ROUND_DOWN = 1, /* toward -infinity */
	CJD_FP_ROUND_UP = 2,   /* toward +infinity */
	CJD_FP_ROUND_ZERO = 3, /* toward zero (truncate) */
};

/* One decoded control register. */
struct cjd_fp_ctl {
	enum cjd_fp_round round;
	bool ftz; /* flush-to-zero (x86 MXCSR.FTZ, aarch64 FPCR.FZ) */
	bool daz; /* denormals-are-zero (x86 MXCSR.DAZ; aarch64 has no separate bit) */
};

/* MXCSR: RC bits 13-14, FTZ bit 15, DAZ bit 6. Pure; any architecture. */
void cjd_fpstate_decode_mxcsr(uint32_t mxcsr, struct cjd_fp_ctl *out);

/* aarch64 FPCR: RMode bits 22-23 (00 nearest, 01 +inf, 10 -inf, 11 zero), FZ bit 24.
 * Pure; any architecture. */
void cjd_fpstate_decode_fpcr(uint32_t fpcr, struct cjd_fp_ctl *out);

/* "nearest", "down", "up", "toward-zero". */
const char *cjd_fp_round_name(enum cjd_fp_round r);

#define CJD_FPSTATE_MAX_ROUNDS 64

/* Zero means the default for every field. */
struct cjd_fpstate_opts {
	unsigned rounds;       /* looks at each thread; default 5, at most CJD_FPSTATE_MAX_ROUNDS */
	uint64_t interval_ns;  /* from the start of one round to the next; default 125 ms (5 looks over 0.5 s) */
	uint64_t max_pause_ns; /* one look, PTRACE_INTERRUPT to detach, at most about this: a
				* thread not stopped by then is given up on and released;
				* default 100 ms (see docs/evidence.md: the thread is stopped
				* only from reaching the stop to the detach, "held") */
	unsigned max_threads;  /* threads looked at, at most (the rest are counted); default 1024 */
	uint64_t budget_ns;    /* wall time the whole probe may take; no look starts after it;
				* default (rounds - 1) * interval + 2 s */
	bool normal_priority;  /* keep the tracer thread at normal priority (default: SCHED_FIFO 1
				* where allowed, so that a stopped thread waits for cjd as little
				* as possible on a busy host) */
	const char *proc;      /* procfs root; NULL: "/proc" (tests point it at fixtures) */
};

/* What happened to one thread over the whole probe. */
struct cjd_fpstate_thread {
	pid_t pid, tid;
	char comm[16];
	unsigned looks;     /* control register reads that succeeded */
	uint8_t modes_seen; /* bit (1 << enum cjd_fp_round) per rounding mode seen */
	unsigned ftz_looks; /* looks with FTZ set */
	unsigned daz_looks; /* looks with DAZ set */
	uint32_t first_ctl, last_ctl; /* raw MXCSR/FPCR at the first and the last look */
	uint32_t pause_ns[CJD_FPSTATE_MAX_ROUNDS]; /* per look: PTRACE_INTERRUPT to detach */
	uint32_t held_ns[CJD_FPSTATE_MAX_ROUNDS];  /* per look: stop seen to detach */
	unsigned npause;
	unsigned gave_up;  /* looks abandoned: not stopped within max_pause */
	bool asleep;       /* given up on in uninterruptible sleep: not tried again */
	unsigned errors;   /* looks that failed otherwise */
	unsigned signals;  /* signals that arrived while held, passed on at detach */
	unsigned group_stops; /* looks that found the thread in a group-stop (left stopped) */
	bool exited;       /* went away during the probe */
	pid_t traced_by;   /* skipped: already traced by this process */
	bool denied;       /* skipped: permission denied */
	bool kthread;      /* skipped: a kernel thread (no user FP state) */
	char why[128];     /* the last problem, in words ("" when none) */
};

/* The probe's result; heap parts freed by cjd_fpstate_result_free(). */
struct cjd_fpstate_result {
	const char *arch;      /* "x86_64 MXCSR", "aarch64 FPCR" */
	unsigned rounds;       /* as run (defaults applied) */
	uint64_t interval_ns, max_pause_ns;
	uint64_t elapsed_ns;   /* wall time of the whole probe */
	uint64_t cpu_ns;       /* CPU time the probe's threads used */
	struct cjd_fpstate_thread *threads; /* ascending by (pid, tid) */
	size_t nthreads;
	size_t threads_over;   /* threads seen beyond max_threads, not looked at */
	size_t pids_skipped_self; /* cjd's own process, never traced */
	bool budget_spent;     /* stopped early: budget_ns ran out */
	bool tracer_rt;        /* the tracer ran SCHED_FIFO (else normal priority) */
	/* aggregates, filled by cjd_fpstate_summarize() (run calls it) */
	size_t n_looked;       /* threads with at least one look */
	size_t n_changed;      /* ... that showed two or more rounding modes */
	size_t n_toward_zero;  /* ... that showed round-toward-zero (RandomX uses all four modes;
				* interval arithmetic only rounds down and up) */
	size_t n_nondefault;   /* ... that showed a mode other than nearest */
	size_t n_ftz, n_daz;   /* ... with FTZ / DAZ set at some look */
	size_t n_skipped;      /* threads never looked at: traced, denied, exited first, gave up */
	size_t n_traced;       /* ... of them already traced by another process */
	size_t n_denied;       /* ... of them denied */
	size_t n_gave_up;      /* threads given up on at least once */
	uint64_t pause_median_ns, pause_p99_ns, pause_max_ns; /* over every look of every thread */
	uint64_t held_median_ns, held_p99_ns, held_max_ns;    /* the same for held_ns */
	size_t npauses;
};

/*
 * Looks at every thread of the processes pids[0..npids) (cjd's own process
 * is skipped), opts->rounds times, opts->interval_ns apart, re-reading each
 * process's threads every round. Blocks for about (rounds - 1) * interval.
 *
 * Runs the ptrace work on a thread of its own (one or more in turn) and, in
 * the calling thread, blocks SIGCHLD while it waits (restored after; a
 * SIGCHLD the probe consumed is raised again). The calling process should
 * not reap with wait(-1) from another thread meanwhile: it may take a
 * tracee's stop report (the thread is then given up on, never left stopped).
 *
 * Returns 0 (res filled; threads the probe could not look at are in it with
 * the reason), -EPERM when threads existed but every one was denied (res
 * filled too, err says what is missing), -EOPNOTSUPP on an architecture
 * without a reader, -EINVAL for bad opts, -ENOMEM, or -errno from thread
 * creation. res must be freed with cjd_fpstate_result_free() in every case.
 */
int cjd_fpstate_run(const pid_t *pids, size_t npids, const struct cjd_fpstate_opts *opts,
		    struct cjd_fpstate_result *res, struct cjd_error *err);

/* Recomputes the aggregates of res from its threads. Pure. */
void cjd_fpstate_summarize(struct cjd_fpstate_result *res);

/* Frees the heap parts of res and zeroes it. NULL is allowed. */
void cjd_fpstate_result_free(struct cjd_fpstate_result *res);

/* res as a new JSON object (*out, the caller's). Returns 0 or -ENOMEM. */
int cjd_fpstate_to_json(const struct cjd_fpstate_result *res, json_t **out);

/*
 * One or two sentences for a responder ("3 of 4 threads changed the SSE
 * rounding mode during 0.5 s (RandomX does this; almost no benign program
 * does)."). Returns the length it needed (as snprintf), or -EINVAL.
 */
int cjd_fpstate_describe(const struct cjd_fpstate_result *res, char *buf, size_t len);

/*
 * Whether this process can run the probe here: the architecture, yama's
 * ptrace_scope and CAP_SYS_PTRACE. why gets the reason when not, or a
 * caveat when yes with limits (""otherwise).
 */
bool cjd_fpstate_available(char *why, size_t len);

#endif
