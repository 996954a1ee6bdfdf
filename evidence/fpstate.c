/* The fpstate probe: seize, interrupt, read MXCSR/FPCR, detach - each thread, a few rounds, never two stopped at once. */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/common/caps.h"
#include "cjd/evidence/fpstate.h"
#include "cjd/evidence/target.h"
#include "cjd/common/time.h"
#include "internal.h"

#define DEFAULT_ROUNDS 5
#define DEFAULT_INTERVAL_NS (125 * 1000 * 1000ull) /* 5 looks over 0.5 s */
/* A running thread stops within microseconds; a runnable one when it next gets a CPU,
 * which on an overloaded host takes tens of milliseconds (and costs it nothing: it was
 * waiting anyway); one in uninterruptible sleep when it wakes. */
#define DEFAULT_MAX_PAUSE_NS (100 * 1000 * 1000ull)
#define DEFAULT_MAX_THREADS 1024
/* How long one wait for SIGCHLD may sleep before waitid is asked again: the wake-up
 * normally comes from the signal; this bounds the delay when another thread of the
 * process took it. It starts short and doubles, so a long wait for a thread that has
 * no CPU yet costs a few wake-ups, not hundreds. */
#define POLL_MIN_NS (250 * 1000ull)
#define POLL_MAX_NS (8 * 1000 * 1000ull)
/* How long to wait for a retired tracer thread to be gone (it releases its tracees then). */
#define RETIRE_WAIT_NS (2 * CJD_NSEC_PER_SEC)

/*
 * Why a thread of our own does the tracing: a seized thread that does not
 * stop cannot be detached (PTRACE_DETACH needs a stopped tracee), and would
 * stop later with nobody to let it go. The kernel releases every tracee of a
 * tracer thread when that thread exits (exit_ptrace), stopped or not, with a
 * pending signal kept and a group-stop left in effect. So when a look cannot
 * finish cleanly the tracer thread "retires": it returns, the caller waits
 * until it is gone, and a fresh one carries on where it stopped. The state
 * below is handed from one tracer thread to the next by pthread_join, never
 * shared by two at once.
 */
struct run {
	const pid_t *pids;
	size_t npids;
	struct cjd_fpstate_opts o; /* defaults applied */
	const char *proc;
	pid_t self;
	uint64_t t0;
	/* the cursor */
	unsigned round;
	bool round_started;
	size_t pid_i;
	pid_t *tids; /* the current process's threads, this round */
	int ntids;   /* -1: not read yet */
	int tid_i;
	size_t over_this_round;
	/* out */
	struct cjd_fpstate_result *res;
	size_t cap;
	int rc;            /* fatal: -ENOMEM */
	bool retire;       /* the tracer must end to release a tracee */
	bool done;
	pid_t tracer_tid;  /* the current tracer thread */
	unsigned sigchld_taken;
	uint64_t cpu_ns;
};

static void sleep_until(uint64_t mono_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(mono_ns / CJD_NSEC_PER_SEC),
			      .tv_nsec = (long)(mono_ns % CJD_NSEC_PER_SEC)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The thread entry for (pid, tid), added in order if new; -1 when over max_threads,
 * -2 out of memory. */
static long thread_index(struct run *r, pid_t pid, pid_t tid)
{
	struct cjd_fpstate_result *res = r->res;
	size_t lo = 0, hi = res->nthreads;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct cjd_fpstate_thread *t = &res->threads[mid];
		if (t->pid == pid && t->tid == tid)
			return (long)mid;
		if (t->pid < pid || (t->pid == pid && t->tid < tid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (res->nthreads >= r->o.max_threads)
		return -1;
	if (cjd_array_reserve(res->threads, r->cap, res->nthreads + 1))
		return -2;
	memmove(&res->threads[lo + 1], &res->threads[lo],
		(res->nthreads - lo) * sizeof(*res->threads));
	memset(&res->threads[lo], 0, sizeof(*res->threads));
	res->threads[lo].pid = pid;
	res->threads[lo].tid = tid;
	cjd_ev_comm(pid, tid, r->proc, res->threads[lo].comm, sizeof(res->threads[lo].comm));
	res->nthreads++;
	return (long)lo;
}

/* The stop a tracee reported: event (PTRACE_EVENT_*, 0 for a signal-delivery-stop) and signal. */
struct stop {
	int event, sig;
};

/*
 * Waits for tid's next ptrace-stop until deadline (CLOCK_MONOTONIC). Returns
 * 1 (stopped: *st filled, the report consumed), 0 (not stopped in time),
 * -ESRCH (it exited: left unreaped for the kernel to hand to its parent when
 * the tracer ends), or -errno (-ECHILD: someone else took its report).
 */
static int wait_stop(struct run *r, pid_t tid, uint64_t deadline, struct stop *st)
{
	uint64_t poll = POLL_MIN_NS;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		siginfo_t si;
		uint64_t now, left;
		int rc;

		/* WNOWAIT first: an exit must stay for the real parent to see, only stops are ours */
		memset(&si, 0, sizeof(si));
		rc = cjd_ev_waitid(tid, &si, WSTOPPED | WEXITED | __WALL | WNOHANG | WNOWAIT);
		if (rc)
			return rc;
		if (si.si_pid == tid) {
			if (si.si_code != CLD_TRAPPED && si.si_code != CLD_STOPPED)
				return -ESRCH;
			memset(&si, 0, sizeof(si));
			rc = cjd_ev_waitid(tid, &si, WSTOPPED | __WALL | WNOHANG);
			if (rc)
				return rc;
			if (si.si_pid != tid)
				return -ECHILD;
			/* a ptrace-stop's status is the signal | event << 8, as waitpid's status >> 8 */
			st->sig = si.si_status & 0x7f;
			st->event = (si.si_status >> 8) & 0xff;
			return 1;
		}
		now = cjd_now_mono_ns();
		if (now >= deadline)
			return 0;
		left = deadline - now < poll ? deadline - now : poll;
		struct timespec ts = {.tv_sec = (time_t)(left / CJD_NSEC_PER_SEC),
				      .tv_nsec = (long)(left % CJD_NSEC_PER_SEC)};
		if (sigtimedwait(&chld, NULL, &ts) == SIGCHLD)
			r->sigchld_taken++;
		else if (poll < POLL_MAX_NS)
			poll *= 2;
	}
}

static void note(struct cjd_fpstate_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct cjd_fpstate_thread *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void fmt_ms(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.3g ms", (double)ns / 1e6);
}

/* Whether tid is a kernel thread: "Kthread: 1" in its status (Linux 6.x), else PF_KTHREAD in
 * the flags of its stat. */
static bool is_kthread(struct run *r, const struct cjd_fpstate_thread *t)
{
	long k = 0;

	if (cjd_ev_status_field(t->pid, t->tid, r->proc, "Kthread", &k) == 0)
		return k == 1;
	return (cjd_ev_thread_flags(t->pid, t->tid, r->proc) & 0x00200000u) != 0;
}

/* Seize refused: find out whether someone else traces it, it is the kernel's, or we may not. */
static void seize_refused(struct run *r, struct cjd_fpstate_thread *t)
{
	long tracer = 0;

	if (is_kthread(r, t)) {
		t->kthread = true;
		note(t, "a kernel thread: no user floating-point state to read");
	} else if (cjd_ev_status_field(t->pid, t->tid, r->proc, "TracerPid", &tracer) == 0 &&
		   tracer > 0) {
		char comm[32];
		cjd_ev_comm((pid_t)tracer, 0, r->proc, comm, sizeof(comm));
		t->traced_by = (pid_t)tracer;
		note(t, "already traced by PID %ld%s%s%s", tracer, comm[0] ? " (" : "", comm,
		     comm[0] ? ")" : "");
	} else {
		t->denied = true;
		note(t, "permission denied (needs CAP_SYS_PTRACE for processes of other users or "
			"that are not dumpable)");
	}
}

/* PTRACE_SEIZE, with a note on why not. Returns true when the thread is seized. */
static bool seize(struct run *r, struct cjd_fpstate_thread *t)
{
	long rc = cjd_ev_ptrace(PTRACE_SEIZE, t->tid, NULL, NULL);

	if (rc == -EPERM) {
		seize_refused(r, t);
		return false;
	}
	if (rc == -ESRCH) {
		t->exited = true;
		note(t, "exited");
		return false;
	}
	if (rc < 0) {
		t->errors++;
		note(t, "PTRACE_SEIZE: %s", strerror((int)-rc));
		return false;
	}
	return true;
}

/* Interrupts the seized thread (at t_int) and waits for its stop, at most max_pause.
 * Returns true when stopped (st filled); otherwise notes why and sets r->retire. */
static bool interrupt_and_wait(struct run *r, struct cjd_fpstate_thread *t, uint64_t t_int,
			       struct stop *st)
{
	long rc = cjd_ev_ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);

	if (rc < 0) {
		if (rc == -ESRCH)
			t->exited = true;
		else
			t->errors++;
		note(t, "PTRACE_INTERRUPT: %s", strerror((int)-rc));
		r->retire = true;
		return false;
	}
	rc = wait_stop(r, t->tid, t_int + r->o.max_pause_ns, st);
	if (rc == 0) {
		char ms[32], state = cjd_ev_thread_state(t->pid, t->tid, r->proc);
		t->gave_up++;
		/* 'D' waits for I/O or a lock and may stay there: another try would cost
		 * max_pause again; 'R' only waits for a CPU and is tried again next round */
		t->asleep = state == 'D';
		fmt_ms(r->o.max_pause_ns, ms, sizeof(ms));
		note(t, "did not stop within %s (state %c); given up and released", ms, state);
		r->retire = true;
		return false;
	}
	if (rc < 0) {
		if (rc == -ESRCH) {
			t->exited = true;
			note(t, "exited");
		} else {
			t->errors++;
			note(t, "waiting for the stop: %s", strerror((int)-rc));
		}
		r->retire = true;
		return false;
	}
	return true;
}

/* Counts one control register value read from the thread. */
static void count_ctl(struct cjd_fpstate_thread *t, uint32_t ctl)
{
	struct cjd_fp_ctl c;

#if defined(__aarch64__)
	cjd_fpstate_decode_fpcr(ctl, &c);
#else
	cjd_fpstate_decode_mxcsr(ctl, &c);
#endif
	if (!t->looks)
		t->first_ctl = ctl;
	t->last_ctl = ctl;
	t->looks++;
	t->modes_seen |= (uint8_t)(1u << c.round);
	t->ftz_looks += c.ftz;
	t->daz_looks += c.daz;
}

/* One look at one thread: seize, interrupt, wait, read, detach. Sets r->retire when the
 * tracee cannot be let go here. */
static void look(struct run *r, size_t idx)
{
	struct cjd_fpstate_thread *t = &r->res->threads[idx];
	uint64_t t_int, t_stop, t_det;
	struct stop st = {0};
	uint32_t ctl = 0;
	long rc;
	int frc, inject;

	if (!seize(r, t))
		return;
	/* Seized: from here on every way out either detaches or retires the tracer. */
	t_int = cjd_now_mono_ns();
	if (!interrupt_and_wait(r, t, t_int, &st))
		return;
	t_stop = cjd_now_mono_ns();
	/*
	 * A signal-delivery-stop (event 0) holds a signal someone sent the
	 * thread: pass it on at detach so it keeps its meaning. Group-stops
	 * and our own interrupt (PTRACE_EVENT_STOP) pass nothing: the kernel
	 * keeps a group-stop in effect after detach by itself.
	 */
	inject = st.event == 0 ? st.sig : 0;
	if (st.event == 0)
		t->signals++;
	else if (st.event == PTRACE_EVENT_STOP && st.sig != SIGTRAP)
		t->group_stops++;
	frc = cjd_ev_read_fpctl(t->tid, &ctl);
	rc = cjd_ev_ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(intptr_t)inject);
	t_det = cjd_now_mono_ns();
	if (t->npause < CJD_FPSTATE_MAX_ROUNDS) {
		t->pause_ns[t->npause] = clamp32(t_det - t_int);
		t->held_ns[t->npause++] = clamp32(t_det - t_stop);
	}
	if (rc < 0) {
		t->errors++;
		note(t, "PTRACE_DETACH: %s", strerror((int)-rc));
		r->retire = true;
	}
	if (frc) {
		t->errors++;
		note(t, "reading the FP control register: %s", strerror(-frc));
		return;
	}
	count_ctl(t, ctl);
}

/* Advances the cursor by one thread (or one process, or one round). */
static void step(struct run *r)
{
	pid_t pid;

	if (r->round >= r->o.rounds) {
		r->done = true;
		return;
	}
	if (cjd_now_mono_ns() - r->t0 > r->o.budget_ns) {
		r->res->budget_spent = true;
		r->done = true;
		return;
	}
	if (!r->round_started) {
		if (r->round > 0)
			sleep_until(r->t0 + r->round * r->o.interval_ns);
		r->round_started = true;
		r->pid_i = 0;
		r->ntids = -1;
		r->over_this_round = 0;
	}
	if (r->pid_i >= r->npids) {
		if (r->over_this_round > r->res->threads_over)
			r->res->threads_over = r->over_this_round;
		r->round++;
		r->round_started = false;
		return;
	}
	pid = r->pids[r->pid_i];
	if (pid == r->self) {
		r->res->pids_skipped_self += r->round == 0; /* we cannot trace ourselves */
		r->pid_i++;
		return;
	}
	if (r->ntids < 0) {
		free(r->tids);
		r->tids = NULL;
		r->ntids = cjd_target_list_tids(pid, r->proc, &r->tids);
		r->tid_i = 0;
		if (r->ntids < 0) { /* the process is gone (or unreadable): next one */
			r->ntids = -1;
			r->pid_i++;
			return;
		}
	}
	if (r->tid_i >= r->ntids) {
		r->ntids = -1;
		r->pid_i++;
		return;
	}
	long idx = thread_index(r, pid, r->tids[r->tid_i++]);
	if (idx == -2) {
		r->rc = -ENOMEM;
		return;
	}
	if (idx == -1) {
		r->over_this_round++;
		return;
	}
	const struct cjd_fpstate_thread *t = &r->res->threads[idx];
	/* skipped for the rest of the run: traced by someone else, refused, gone, or one
	 * that would not stop in uninterruptible sleep */
	if (t->traced_by || t->denied || t->kthread || t->exited || t->asleep)
		return;
	look(r, (size_t)idx);
}

static void *tracer_main(void *arg)
{
	struct run *r = arg;
	struct timespec cpu;

	r->tracer_tid = gettid();
	while (!r->done && !r->retire && !r->rc)
		step(r);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		r->cpu_ns += (uint64_t)cpu.tv_sec * CJD_NSEC_PER_SEC + (uint64_t)cpu.tv_nsec;
	return NULL;
}

/* After a retired tracer's join: wait until the kernel has dropped the thread, which it
 * does only after releasing every tracee (exit_notify runs before the task is unhashed). */
static void wait_gone(pid_t tid)
{
	uint64_t deadline = cjd_now_mono_ns() + RETIRE_WAIT_NS;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	while (stat(path, &st) == 0 && cjd_now_mono_ns() < deadline) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000};
		nanosleep(&ts, NULL);
	}
}

static int apply_defaults(const struct cjd_fpstate_opts *in, struct cjd_fpstate_opts *o,
			  struct cjd_error *err)
{
	*o = in ? *in : (struct cjd_fpstate_opts){0};
	if (!o->rounds)
		o->rounds = DEFAULT_ROUNDS;
	if (!o->interval_ns)
		o->interval_ns = DEFAULT_INTERVAL_NS;
	if (!o->max_pause_ns)
		o->max_pause_ns = DEFAULT_MAX_PAUSE_NS;
	if (!o->max_threads)
		o->max_threads = DEFAULT_MAX_THREADS;
	if (!o->budget_ns)
		o->budget_ns = (o->rounds - 1) * o->interval_ns + 2 * CJD_NSEC_PER_SEC;
	if (o->rounds > CJD_FPSTATE_MAX_ROUNDS)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "fpstate: %u rounds; at most %d",
				     o->rounds, CJD_FPSTATE_MAX_ROUNDS);
	if (o->max_pause_ns > CJD_NSEC_PER_SEC)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "fpstate: a pause cap of more than 1 s is not a cap");
	return 0;
}

int cjd_fpstate_run(const pid_t *pids, size_t npids, const struct cjd_fpstate_opts *opts,
		    struct cjd_fpstate_result *res, struct cjd_error *err)
{
	struct run r = {.pids = pids, .npids = npids, .res = res, .ntids = -1};
	sigset_t all, chld, old;
	pthread_attr_t attr, rt;
	bool use_rt;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = apply_defaults(opts, &r.o, err)) != 0)
		return rc;
	res->arch = cjd_ev_fpctl_arch();
	res->rounds = r.o.rounds;
	res->interval_ns = r.o.interval_ns;
	res->max_pause_ns = r.o.max_pause_ns;
	if (!res->arch)
		return cjd_error_set(err, -EOPNOTSUPP, NULL, 0, 0,
				     "fpstate: not available on this architecture");
	r.proc = r.o.proc;
	r.self = getpid();
	r.t0 = cjd_now_mono_ns();

	/* The tracer blocks every signal (they stay the caller's business) and waits for
	 * SIGCHLD with sigtimedwait; the caller blocks SIGCHLD too meanwhile, or the
	 * kernel would hand the tracer's SIGCHLD to it and discard it there. */
	sigfillset(&all);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if ((rc = pthread_attr_init(&attr)) != 0)
		return cjd_error_set(err, -rc, NULL, 0, 0, "pthread_attr_init: %s", strerror(rc));
	if ((rc = pthread_attr_setsigmask_np(&attr, &all)) != 0) {
		pthread_attr_destroy(&attr);
		return cjd_error_set(err, -rc, NULL, 0, 0, "pthread_attr_setsigmask_np: %s",
				     strerror(rc));
	}
	/*
	 * The tracer runs SCHED_FIFO at the lowest real-time priority when it may
	 * (CAP_SYS_NICE): a stopped thread waits for the tracer to be scheduled,
	 * and on a busy host a normal thread can wait milliseconds for a CPU. It
	 * sleeps or makes a few syscalls per look, never spins; the kernel's
	 * real-time throttling (sched_rt_runtime_us) bounds it even so.
	 */
	use_rt = !r.o.normal_priority && pthread_attr_init(&rt) == 0;
	if (use_rt) {
		struct sched_param sp = {.sched_priority = 1};
		use_rt = pthread_attr_setsigmask_np(&rt, &all) == 0 &&
			 pthread_attr_setinheritsched(&rt, PTHREAD_EXPLICIT_SCHED) == 0 &&
			 pthread_attr_setschedpolicy(&rt, SCHED_FIFO) == 0 &&
			 pthread_attr_setschedparam(&rt, &sp) == 0;
		if (!use_rt)
			pthread_attr_destroy(&rt);
	}
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	while (!r.done && !r.rc) {
		pthread_t th;

		r.retire = false;
		rc = use_rt ? pthread_create(&th, &rt, tracer_main, &r) : EPERM;
		if (rc == EPERM && use_rt) {
			/* not allowed here (no CAP_SYS_NICE, or no real-time budget in this
			 * cgroup): normal priority, for this run */
			pthread_attr_destroy(&rt);
			use_rt = false;
		}
		if (rc == EPERM)
			rc = pthread_create(&th, &attr, tracer_main, &r);
		else
			res->tracer_rt = rc == 0;
		if (rc != 0) {
			r.rc = cjd_error_set(err, -rc, NULL, 0, 0, "fpstate: pthread_create: %s",
					     strerror(rc));
			break;
		}
		pthread_join(th, NULL);
		if (r.retire)
			wait_gone(r.tracer_tid);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (use_rt)
		pthread_attr_destroy(&rt);
	/* a SIGCHLD the tracer consumed may have been for one of the caller's children */
	if (r.sigchld_taken)
		kill(getpid(), SIGCHLD);
	free(r.tids);
	res->elapsed_ns = cjd_now_mono_ns() - r.t0;
	res->cpu_ns = r.cpu_ns;
	cjd_fpstate_summarize(res);
	if (r.rc == -ENOMEM)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "fpstate: out of memory");
	if (r.rc)
		return r.rc;
	if (res->nthreads && res->n_denied == res->nthreads)
		return cjd_error_set(err, -EPERM, NULL, 0, 0,
				     "fpstate: permission denied for all %zu threads (cjd needs "
				     "CAP_SYS_PTRACE to trace processes of other users)",
				     res->nthreads);
	return 0;
}

void cjd_fpstate_result_free(struct cjd_fpstate_result *res)
{
	if (!res)
		return;
	free(res->threads);
	memset(res, 0, sizeof(*res));
}

bool cjd_fpstate_available(char *why, size_t len)
{
	bool cap = cjd_caps_have(CAP_SYS_PTRACE);
	int scope = -1;
	FILE *fp;

	if (len)
		why[0] = '\0';
	if (!cjd_ev_fpctl_arch()) {
		snprintf(why, len, "not available on this architecture (it reads MXCSR on x86-64 "
				   "and FPCR on aarch64)");
		return false;
	}
	fp = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (fp) {
		if (fscanf(fp, "%d", &scope) != 1)
			scope = -1;
		fclose(fp);
	}
	if (scope >= 3) {
		snprintf(why, len, "yama ptrace_scope is 3: no process may attach to another");
		return false;
	}
	if (cap)
		return true;
	if (scope >= 1) {
		snprintf(why, len, "no CAP_SYS_PTRACE, and yama ptrace_scope %d allows %s", scope,
			 scope == 1 ? "only cjd's own descendants" : "nothing without it");
		return false;
	}
	snprintf(why, len, "no CAP_SYS_PTRACE: only processes of this user that are dumpable");
	return true;
}
