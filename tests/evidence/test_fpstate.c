/* fpstate without a kernel: MXCSR/FPCR decoding, the aggregates, the words, and the probe's ptrace state machine against a fake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/ptrace.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/evidence/fpstate.h"
#include "internal.h"
#include "evidence_fixtures.h"

/* ---- decoding ---- */

static void test_decode_mxcsr(void **state)
{
	struct cjd_fp_ctl c;

	(void)state;
	cjd_fpstate_decode_mxcsr(0x1f80, &c); /* the power-on default */
	assert_int_equal(c.round, CJD_FP_ROUND_NEAREST);
	assert_false(c.ftz);
	assert_false(c.daz);
	cjd_fpstate_decode_mxcsr(0x1f80 | 1u << 13, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_DOWN);
	cjd_fpstate_decode_mxcsr(0x1f80 | 2u << 13, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_UP);
	cjd_fpstate_decode_mxcsr(0x1f80 | 3u << 13, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_ZERO);
	cjd_fpstate_decode_mxcsr(0x9fc0, &c); /* what -ffast-math start-up code leaves */
	assert_int_equal(c.round, CJD_FP_ROUND_NEAREST);
	assert_true(c.ftz);
	assert_true(c.daz);
	cjd_fpstate_decode_mxcsr(0x1f80 | 1u << 15, &c);
	assert_true(c.ftz);
	assert_false(c.daz);
	cjd_fpstate_decode_mxcsr(0x1f80 | 1u << 6, &c);
	assert_false(c.ftz);
	assert_true(c.daz);
	/* exception flags and masks (bits 0-5, 7-12) change nothing we report */
	cjd_fpstate_decode_mxcsr(0x003f, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_NEAREST);
	assert_false(c.ftz || c.daz);
	cjd_fpstate_decode_mxcsr(0xffffffff, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_ZERO);
	assert_true(c.ftz && c.daz);
}

static void test_decode_fpcr(void **state)
{
	struct cjd_fp_ctl c;

	(void)state;
	cjd_fpstate_decode_fpcr(0, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_NEAREST);
	assert_false(c.ftz);
	cjd_fpstate_decode_fpcr(1u << 22, &c); /* RP: toward +inf */
	assert_int_equal(c.round, CJD_FP_ROUND_UP);
	cjd_fpstate_decode_fpcr(2u << 22, &c); /* RM: toward -inf */
	assert_int_equal(c.round, CJD_FP_ROUND_DOWN);
	cjd_fpstate_decode_fpcr(3u << 22, &c);
	assert_int_equal(c.round, CJD_FP_ROUND_ZERO);
	cjd_fpstate_decode_fpcr(1u << 24, &c);
	assert_true(c.ftz);
	assert_false(c.daz);
	cjd_fpstate_decode_fpcr(1u << 25, &c); /* DN (default NaN) is not FZ */
	assert_false(c.ftz);
	assert_string_equal(cjd_fp_round_name(CJD_FP_ROUND_ZERO), "toward-zero");
	assert_string_equal(cjd_fp_round_name((enum cjd_fp_round)7), "?");
}

/* ---- aggregates and words, on hand-made results ---- */

static struct cjd_fpstate_thread mk_thread(pid_t pid, pid_t tid, uint8_t modes, unsigned looks,
					    unsigned ftz, unsigned daz)
{
	struct cjd_fpstate_thread t;

	memset(&t, 0, sizeof(t));
	t.pid = pid;
	t.tid = tid;
	t.modes_seen = modes;
	t.looks = looks;
	t.ftz_looks = ftz;
	t.daz_looks = daz;
	snprintf(t.comm, sizeof(t.comm), "t%d", (int)tid);
	return t;
}

static void test_summarize(void **state)
{
	struct cjd_fpstate_thread th[6];
	struct cjd_fpstate_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	th[0] = mk_thread(10, 10, 1u << CJD_FP_ROUND_NEAREST, 5, 0, 0);
	th[1] = mk_thread(10, 11, (1u << CJD_FP_ROUND_NEAREST) | (1u << CJD_FP_ROUND_UP), 5, 5, 5);
	th[2] = mk_thread(10, 12, 1u << CJD_FP_ROUND_ZERO, 3, 0, 3);
	th[3] = mk_thread(10, 13, 0, 0, 0, 0);
	th[3].traced_by = 77;
	th[4] = mk_thread(10, 14, 0, 0, 0, 0);
	th[4].denied = true;
	th[5] = mk_thread(10, 15, 0, 0, 0, 0);
	th[5].gave_up = 1;
	/* pauses 1..100 us over two threads: median 50.5 us, p99 99 us, max 100 us */
	for (unsigned i = 0; i < 50; i++) {
		th[0].pause_ns[th[0].npause++] = (i + 1) * 1000;
		th[1].pause_ns[th[1].npause++] = (i + 51) * 1000;
	}
	r.threads = th;
	r.nthreads = 6;
	cjd_fpstate_summarize(&r);
	assert_int_equal(r.n_looked, 3);
	assert_int_equal(r.n_changed, 1);
	assert_int_equal(r.n_nondefault, 2);
	assert_int_equal(r.n_ftz, 1);
	assert_int_equal(r.n_daz, 2);
	assert_int_equal(r.n_skipped, 3);
	assert_int_equal(r.n_traced, 1);
	assert_int_equal(r.n_denied, 1);
	assert_int_equal(r.n_gave_up, 1);
	assert_int_equal(r.npauses, 100);
	assert_int_equal(r.pause_median_ns, 50500);
	assert_int_equal(r.pause_p99_ns, 99000);
	assert_int_equal(r.pause_max_ns, 100000);

	/* one look: median, p99 and max are that look */
	th[0].npause = 1;
	th[0].pause_ns[0] = 42;
	th[1].npause = 0;
	cjd_fpstate_summarize(&r);
	assert_int_equal(r.pause_median_ns, 42);
	assert_int_equal(r.pause_p99_ns, 42);
	assert_int_equal(r.pause_max_ns, 42);
	/* none: zeros */
	th[0].npause = 0;
	cjd_fpstate_summarize(&r);
	assert_int_equal(r.npauses, 0);
	assert_int_equal(r.pause_max_ns, 0);
}

static void test_describe(void **state)
{
	struct cjd_fpstate_thread th[4];
	struct cjd_fpstate_result r;
	char buf[1024], tiny[8];
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.arch = "x86_64 MXCSR";
	r.rounds = 5;
	r.elapsed_ns = 500000000;
	r.threads = th;

	/* nothing */
	cjd_fpstate_summarize(&r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "No threads to look at.");

	/* RandomX-like: 3 of 4 go through all four modes, all set FTZ and DAZ */
	for (int i = 0; i < 4; i++)
		th[i] = mk_thread(5, 5 + i, i ? 0xf : 0x1, 5, 5, 5);
	r.nthreads = 4;
	cjd_fpstate_summarize(&r);
	n = cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "3 of 4 threads changed the SSE rounding mode during 0.5 s, "
				    "3 of them through round-toward-zero too (RandomX cycles"));
	assert_non_null(strstr(buf, "4 of 4 set flush-to-zero and denormals-are-zero"));
	/* the length needed is reported even when the buffer is short, as snprintf */
	assert_int_equal(cjd_fpstate_describe(&r, tiny, sizeof(tiny)), n);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);

	/* benign */
	for (int i = 0; i < 4; i++)
		th[i] = mk_thread(5, 5 + i, 0x1, 5, 0, 0);
	cjd_fpstate_summarize(&r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "None of 4 threads changed the SSE rounding mode in 5 looks"));
	assert_non_null(strstr(buf, "None set flush-to-zero or denormals-are-zero."));

	/* fixed non-default rounding, FTZ only, a thread traced by a debugger */
	th[0] = mk_thread(5, 5, 1u << CJD_FP_ROUND_ZERO, 5, 5, 0);
	th[3] = mk_thread(5, 8, 0, 0, 0, 0);
	th[3].traced_by = 99;
	cjd_fpstate_summarize(&r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "1 of 3 threads ran with a SSE rounding mode other than"));
	assert_non_null(strstr(buf, "1 of 3 set flush-to-zero (miners"));
	assert_non_null(strstr(buf, "Not looked at: 1 thread (1 already traced by another process)."));

	/* nobody looked at: say why */
	for (int i = 0; i < 4; i++) {
		th[i] = mk_thread(5, 5 + i, 0, 0, 0, 0);
		th[i].denied = true;
	}
	cjd_fpstate_summarize(&r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "Could not look at any of 4 threads: permission denied (needs "
				 "CAP_SYS_PTRACE).");

	/* interval arithmetic: down and up only */
	for (int i = 0; i < 4; i++)
		th[i] = mk_thread(5, 5 + i, i ? 0x6 : 0x1, 5, 0, 0);
	cjd_fpstate_summarize(&r);
	assert_int_equal(r.n_changed, 3);
	assert_int_equal(r.n_toward_zero, 0);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "3 of 4 threads changed the SSE rounding mode during 0.5 s, "
				    "among up, down and nearest only: interval arithmetic does this"));

	/* aarch64 words */
	r.arch = "aarch64 FPCR";
	for (int i = 0; i < 4; i++)
		th[i] = mk_thread(5, 5 + i, 0x3, 5, 0, 0);
	cjd_fpstate_summarize(&r);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "4 of 4 threads changed the FPCR rounding mode"));
	assert_int_equal(cjd_fpstate_describe(&r, NULL, 5), -EINVAL);
}

static void test_to_json(void **state)
{
	struct cjd_fpstate_thread th[2];
	struct cjd_fpstate_result r;
	json_t *j = NULL, *t0, *t1;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.arch = "x86_64 MXCSR";
	r.rounds = 3;
	th[0] = mk_thread(5, 5, 0x5, 3, 3, 0);
	th[0].last_ctl = 0x5f80;
	th[0].npause = 2;
	th[0].pause_ns[0] = 1000;
	th[0].pause_ns[1] = 3000;
	th[1] = mk_thread(5, 6, 0, 0, 0, 0);
	th[1].traced_by = 42;
	snprintf(th[1].why, sizeof(th[1].why), "already traced by PID 42 (gdb)");
	r.threads = th;
	r.nthreads = 2;
	cjd_fpstate_summarize(&r);
	assert_int_equal(cjd_fpstate_to_json(&r, &j), 0);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "threads_changed_rounding")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "threads_already_traced")), 1);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(j, "pause"), "median_ns")),
			 2000);
	t0 = json_array_get(json_object_get(j, "threads"), 0);
	t1 = json_array_get(json_object_get(j, "threads"), 1);
	assert_string_equal(json_string_value(json_object_get(t0, "status")), "looked");
	assert_string_equal(json_string_value(json_object_get(t0, "ctl")), "0x00005f80");
	assert_int_equal(json_array_size(json_object_get(t0, "rounding")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t0, "rounding"), 1)),
			    "up");
	assert_true(json_is_true(json_object_get(t0, "ftz")));
	assert_string_equal(json_string_value(json_object_get(t1, "status")), "traced");
	assert_int_equal(json_integer_value(json_object_get(t1, "traced_by")), 42);
	assert_string_equal(json_string_value(json_object_get(t1, "why")),
			    "already traced by PID 42 (gdb)");
	assert_null(json_object_get(t1, "ctl"));
	json_decref(j);
}

/* ---- the state machine against a fake kernel ---- */

enum fake_wait { STOPS, NEVER_STOPS, EXITS, SIGNAL_STOP, GROUP_STOP, REPORT_STOLEN };

struct fake {
	pid_t pid, tid;
	int seize_err, interrupt_err, detach_err, read_err;
	enum fake_wait wait;
	int sig;
	uint32_t ctl[4];
	/* what the probe did */
	int seized, interrupts, detaches, reads;
	long detach_data;
	bool attached, stopped, reported;
	pid_t tracer; /* the thread that seized it */
};

#define NFAKES 16
static struct fake fakes[NFAKES];
static int nfakes;
static int max_stopped; /* the most fakes ever stopped at once, by live tracers */

/*
 * The fake runs on the probe's tracer thread, where a cmocka assertion
 * cannot unwind: it notes the first broken rule here, refuses the call, and
 * the test thread checks the note.
 */
static char violation[256];

#define RULE(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			if (!violation[0])                                                         \
				snprintf(violation, sizeof(violation), "%s:%d: %s", __func__,      \
					 __LINE__, #cond);                                         \
			return -EINVAL;                                                            \
		}                                                                                  \
	} while (0)

static struct fake *fake_of(pid_t tid)
{
	for (int i = 0; i < nfakes; i++)
		if (fakes[i].tid == tid)
			return &fakes[i];
	return NULL;
}

static bool thread_alive(pid_t tid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/self/task/%d", (int)tid);
	return stat(p, &st) == 0;
}

/* A tracee is held only while its tracer lives: the kernel lets it go when the tracer exits. */
static bool held(const struct fake *f)
{
	return f->attached && thread_alive(f->tracer);
}

/* The control register value meaning (round, ftz, daz) on the architecture we run on. */
static uint32_t ctl_of(enum cjd_fp_round r, bool ftz, bool daz)
{
#if defined(__aarch64__)
	static const uint32_t rmode[4] = {0, 2, 1, 3};
	(void)daz;
	return rmode[r] << 22 | (uint32_t)ftz << 24;
#else
	return 0x1f80u | (uint32_t)r << 13 | (uint32_t)ftz << 15 | (uint32_t)daz << 6;
#endif
}

long __wrap_cjd_ev_ptrace(int request, pid_t tid, void *addr, void *data);
long __wrap_cjd_ev_ptrace(int request, pid_t tid, void *addr, void *data)
{
	struct fake *f = fake_of(tid);
	int stopped = 0;

	(void)addr;
	RULE(f != NULL); /* only threads of the fake /proc */
	switch (request) {
	case PTRACE_SEIZE:
		if (f->seize_err)
			return f->seize_err;
		RULE(!held(f)); /* never seized twice */
		f->seized++;
		f->attached = true;
		f->stopped = f->reported = false;
		f->tracer = gettid();
		return 0;
	case PTRACE_INTERRUPT:
		RULE(held(f));
		RULE(f->tracer == gettid());
		f->interrupts++;
		if (f->interrupt_err)
			return f->interrupt_err;
		if (f->wait == STOPS || f->wait == SIGNAL_STOP || f->wait == GROUP_STOP ||
		    f->wait == REPORT_STOLEN)
			f->stopped = true;
		for (int i = 0; i < nfakes; i++)
			stopped += held(&fakes[i]) && fakes[i].stopped;
		if (stopped > max_stopped)
			max_stopped = stopped;
		return 0;
	case PTRACE_DETACH:
		RULE(held(f));
		RULE(f->stopped); /* the kernel refuses to detach a running tracee */
		RULE(f->tracer == gettid());
		f->detaches++;
		f->detach_data = (long)data;
		if (f->detach_err)
			return f->detach_err;
		f->attached = f->stopped = false;
		return 0;
	default:
		RULE(!"a ptrace request the probe has no business making");
	}
}

int __wrap_cjd_ev_waitid(pid_t tid, siginfo_t *si, int options);
int __wrap_cjd_ev_waitid(pid_t tid, siginfo_t *si, int options)
{
	struct fake *f = fake_of(tid);

	RULE(f != NULL);
	RULE(options & __WALL);
	RULE(options & WNOHANG);
	RULE(held(f));
	memset(si, 0, sizeof(*si));
	switch (f->wait) {
	case NEVER_STOPS:
		return 0;
	case EXITS:
		RULE(options & WEXITED);
		/* an exit is only ever peeked at (WNOWAIT): the real parent must still see it */
		RULE(options & WNOWAIT);
		si->si_pid = tid;
		si->si_code = CLD_EXITED;
		return 0;
	case REPORT_STOLEN:
		if (!(options & WNOWAIT))
			return -ECHILD; /* another thread of the process reaped the report */
		break;
	default:
		break;
	}
	if (!f->stopped || f->reported)
		return 0;
	si->si_pid = tid;
	si->si_code = CLD_TRAPPED;
	if (f->wait == SIGNAL_STOP)
		si->si_status = f->sig;
	else if (f->wait == GROUP_STOP)
		si->si_status = SIGSTOP | PTRACE_EVENT_STOP << 8;
	else
		si->si_status = SIGTRAP | PTRACE_EVENT_STOP << 8;
	if (!(options & WNOWAIT)) {
		RULE(!(options & WEXITED)); /* consuming: stops only, never an exit */
		f->reported = true;
	}
	return 0;
}

int __wrap_cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl);
int __wrap_cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl)
{
	struct fake *f = fake_of(tid);

	RULE(f != NULL);
	RULE(held(f) && f->stopped);
	if (f->read_err)
		return f->read_err;
	*ctl = f->ctl[f->reads++ % 4];
	return 0;
}

static struct fake *add_fake(const char *proc, pid_t pid, pid_t tid, long tracer)
{
	struct fake *f = &fakes[nfakes++];

	memset(f, 0, sizeof(*f));
	f->pid = pid;
	f->tid = tid;
	for (int i = 0; i < 4; i++)
		f->ctl[i] = ctl_of(CJD_FP_ROUND_NEAREST, false, false);
	fixture_task(proc, pid, tid, tracer, 'R');
	return f;
}

struct mock {
	char proc[256];
};

static int mock_setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));

	fixture_tmpdir(m->proc, sizeof(m->proc), "fpstate-proc");
	nfakes = 0;
	max_stopped = 0;
	violation[0] = '\0';
	*state = m;
	return 0;
}

static int mock_teardown(void **state)
{
	struct mock *m = *state;

	fixture_rmtree(m->proc);
	free(m);
	return 0;
}

static const struct cjd_fpstate_thread *find(const struct cjd_fpstate_result *r, pid_t tid)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid)
			return &r->threads[i];
	return NULL;
}

/* No fake is held by a live tracer after the run; each was detached or released. */
static void assert_all_released(void)
{
	if (violation[0])
		fail_msg("the probe broke a ptrace rule: %s", violation);
	for (int i = 0; i < nfakes; i++)
		assert_false(held(&fakes[i]));
	assert_true(max_stopped <= 1);
}

static void test_run_looks(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 4, .interval_ns = 1000000, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	struct fake *a, *b, *c;
	pid_t pids[] = {100, 200, 999 /* gone before the probe */};

	a = add_fake(m->proc, 100, 100, 0);
	b = add_fake(m->proc, 100, 101, 0);
	c = add_fake(m->proc, 200, 200, 0);
	/* b cycles through modes as RandomX does; c runs with FTZ and DAZ */
	for (int i = 0; i < 4; i++) {
		b->ctl[i] = ctl_of((enum cjd_fp_round)i, false, false);
		c->ctl[i] = ctl_of(CJD_FP_ROUND_NEAREST, true, true);
	}
	assert_int_equal(cjd_fpstate_run(pids, 3, &o, &r, &err), 0);
	assert_int_equal(r.nthreads, 3);
	assert_int_equal(a->seized, 4);
	assert_int_equal(a->detaches, 4);
	assert_int_equal(a->detach_data, 0);
	assert_int_equal(find(&r, 101)->looks, 4);
	assert_int_equal(find(&r, 101)->modes_seen, 0xf);
	assert_int_equal(r.n_looked, 3);
	assert_int_equal(r.n_changed, 1);
	assert_int_equal(r.n_nondefault, 1);
#if defined(__aarch64__)
	assert_int_equal(r.n_daz, 0);
#else
	assert_int_equal(r.n_daz, 1);
#endif
	assert_int_equal(r.n_ftz, 1);
	assert_int_equal(r.npauses, 12);
	assert_true(r.pause_max_ns > 0);
	assert_true(r.elapsed_ns >= 3 * 1000000);
	assert_all_released();
	cjd_fpstate_result_free(&r);
}

static void test_run_refusals(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 3, .interval_ns = 100000, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	struct fake *traced, *denied, *gone, *ok;
	const struct cjd_fpstate_thread *t;
	pid_t pids[] = {300, 400};

	traced = add_fake(m->proc, 300, 300, 4242);
	traced->seize_err = -EPERM;
	fixture_comm(m->proc, 4242, "gdb");
	denied = add_fake(m->proc, 300, 301, 0);
	denied->seize_err = -EPERM;
	gone = add_fake(m->proc, 300, 302, 0);
	gone->seize_err = -ESRCH;
	ok = add_fake(m->proc, 400, 400, 0);
	assert_int_equal(cjd_fpstate_run(pids, 2, &o, &r, &err), 0);
	t = find(&r, 300);
	assert_int_equal(t->traced_by, 4242);
	assert_string_equal(t->why, "already traced by PID 4242 (gdb)");
	t = find(&r, 301);
	assert_true(t->denied);
	assert_non_null(strstr(t->why, "permission denied"));
	assert_true(find(&r, 302)->exited);
	/* refused once, never asked again */
	assert_int_equal(traced->seized + denied->seized + gone->seized, 0);
	assert_int_equal(find(&r, 400)->looks, 3);
	assert_int_equal(ok->detaches, 3);
	assert_int_equal(r.n_traced, 1);
	assert_int_equal(r.n_denied, 1);
	assert_int_equal(r.n_skipped, 3);
	assert_all_released();
	cjd_fpstate_result_free(&r);

	/* a kernel thread refuses too, but is no permission problem */
	nfakes = 0;
	add_fake(m->proc, 450, 450, 0)->seize_err = -EPERM;
	fixture_write(m->proc, "450/task/450/status", "Name:\tkworker\nKthread:\t1\nTracerPid:\t0\n");
	pids[0] = 450;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	assert_true(find(&r, 450)->kthread);
	assert_false(find(&r, 450)->denied);
	assert_int_equal(r.n_denied, 0);
	{
		char buf[256];
		cjd_fpstate_describe(&r, buf, sizeof(buf));
		assert_string_equal(buf, "Could not look at any of 1 thread: kernel threads have no "
					 "user floating-point state.");
	}
	cjd_fpstate_result_free(&r);
	/* ... told by PF_KTHREAD in stat on kernels without the Kthread line */
	fixture_write(m->proc, "450/task/450/status", "Name:\tkworker\nTracerPid:\t0\n");
	fixture_write(m->proc, "450/task/450/stat", "450 (kworker/0:1) I 2 0 0 0 -1 69238880 0 0\n");
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	assert_true(find(&r, 450)->kthread);
	cjd_fpstate_result_free(&r);

	/* all denied: -EPERM, with the result filled */
	nfakes = 0;
	denied = add_fake(m->proc, 500, 500, 0);
	denied->seize_err = -EPERM;
	pids[0] = 500;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), -EPERM);
	assert_non_null(strstr(err.text, "CAP_SYS_PTRACE"));
	assert_int_equal(r.nthreads, 1);
	cjd_fpstate_result_free(&r);
}

static void test_run_never_stops(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 3, .interval_ns = 100000, .max_pause_ns = 2000000,
				     .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	struct fake *stuck, *after;
	const struct cjd_fpstate_thread *t;
	pid_t pids[] = {600};

	stuck = add_fake(m->proc, 600, 600, 0);
	stuck->wait = NEVER_STOPS;
	fixture_task(m->proc, 600, 600, 0, 'D');
	after = add_fake(m->proc, 600, 601, 0);
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	t = find(&r, 600);
	assert_int_equal(t->gave_up, 1);
	assert_int_equal(t->looks, 0);
	assert_non_null(strstr(t->why, "did not stop within 2 ms (state D)"));
	/* the stuck one was interrupted once, then released by ending its tracer, and
	 * never tried again; the next thread was looked at by a fresh tracer each round */
	assert_int_equal(stuck->interrupts, 1);
	assert_int_equal(stuck->detaches, 0);
	assert_false(held(stuck));
	assert_int_equal(find(&r, 601)->looks, 3);
	assert_int_not_equal(after->tracer, stuck->tracer);
	assert_int_equal(r.n_gave_up, 1);
	assert_all_released();
	cjd_fpstate_result_free(&r);

	/* runnable ('R': only waiting for a CPU): tried again every round */
	fixture_task(m->proc, 600, 600, 0, 'R');
	stuck->interrupts = 0;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	assert_int_equal(find(&r, 600)->gave_up, 3);
	assert_int_equal(stuck->interrupts, 3);
	assert_false(find(&r, 600)->asleep);
	assert_all_released();
	cjd_fpstate_result_free(&r);
}

static void test_run_budget(void **state)
{
	struct mock *m = *state;
	/* 10 rounds 1 ms apart, but every look at the stuck thread costs 5 ms: the 12 ms
	 * budget runs out after two or three rounds */
	struct cjd_fpstate_opts o = {.rounds = 10, .interval_ns = 1000000, .max_pause_ns = 5000000,
				     .budget_ns = 12000000, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	char buf[512];
	pid_t pids[] = {650};

	add_fake(m->proc, 650, 650, 0)->wait = NEVER_STOPS;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	assert_true(r.budget_spent);
	/* Stopped before its ten rounds. No bound on the elapsed time: a loaded machine
	 * stretches it (only makes the budget run out sooner), and speed belongs to
	 * bench/evidence-probes, not to unit tests. */
	assert_true(find(&r, 650)->gave_up < 10);
	cjd_fpstate_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "time budget ran out"));
	assert_all_released();
	cjd_fpstate_result_free(&r);
}

static void test_run_signals(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 2, .interval_ns = 100000, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	struct fake *sig, *grp;
	pid_t pids[] = {700};

	sig = add_fake(m->proc, 700, 700, 0);
	sig->wait = SIGNAL_STOP;
	sig->sig = SIGCONT;
	grp = add_fake(m->proc, 700, 701, 0);
	grp->wait = GROUP_STOP;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	/* a signal caught in delivery is handed on at detach; a group-stop passes nothing
	 * (the kernel keeps it in effect by itself) */
	assert_int_equal(sig->detach_data, SIGCONT);
	assert_int_equal(find(&r, 700)->signals, 2);
	assert_int_equal(find(&r, 700)->looks, 2);
	assert_int_equal(grp->detach_data, 0);
	assert_int_equal(find(&r, 701)->group_stops, 2);
	assert_int_equal(find(&r, 701)->looks, 2);
	assert_all_released();
	cjd_fpstate_result_free(&r);
}

static void test_run_failures(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 2, .interval_ns = 100000, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	struct fake *ex, *intr, *rd, *det, *stolen, *last;
	pid_t pids[] = {800};

	ex = add_fake(m->proc, 800, 800, 0);
	ex->wait = EXITS;
	intr = add_fake(m->proc, 800, 801, 0);
	intr->interrupt_err = -ESRCH;
	rd = add_fake(m->proc, 800, 802, 0);
	rd->read_err = -EIO;
	det = add_fake(m->proc, 800, 803, 0);
	det->detach_err = -ESRCH;
	stolen = add_fake(m->proc, 800, 804, 0);
	stolen->wait = REPORT_STOLEN;
	last = add_fake(m->proc, 800, 805, 0);
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	/* exited: never reaped by us (that is the parent's), released with the tracer */
	assert_true(find(&r, 800)->exited);
	assert_int_equal(ex->seized, 1);
	assert_true(find(&r, 801)->exited);
	assert_int_equal(intr->seized, 1);
	/* a failed read still detaches, and is tried again next round */
	assert_int_equal(rd->detaches, 2);
	assert_int_equal(find(&r, 802)->errors, 2);
	assert_int_equal(find(&r, 802)->looks, 0);
	assert_non_null(strstr(find(&r, 802)->why, "reading the FP control register"));
	/* a failed detach: the look counts, the tracer retires to let it go */
	assert_int_equal(find(&r, 803)->looks, 2);
	assert_int_equal(find(&r, 803)->errors, 2);
	assert_int_equal(find(&r, 804)->errors, 2);
	assert_int_equal(find(&r, 805)->looks, 2);
	assert_int_equal(last->detaches, 2);
	assert_all_released();
	cjd_fpstate_result_free(&r);
}

static void test_run_limits(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 2, .interval_ns = 100000, .max_threads = 2,
				     .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	pid_t pids[] = {900, getpid()};

	for (int i = 0; i < 5; i++)
		add_fake(m->proc, 900, 900 + i, 0);
	assert_int_equal(cjd_fpstate_run(pids, 2, &o, &r, &err), 0);
	assert_int_equal(r.nthreads, 2);
	assert_int_equal(r.threads_over, 3);
	assert_int_equal(r.pids_skipped_self, 1); /* our own process: never traced */
	assert_int_equal(fakes[2].seized, 0);
	assert_all_released();
	cjd_fpstate_result_free(&r);

	o.rounds = CJD_FPSTATE_MAX_ROUNDS + 1;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "rounds"));
	cjd_fpstate_result_free(&r);
	o.rounds = 1;
	o.max_pause_ns = 2000000000ull;
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), -EINVAL);
	cjd_fpstate_result_free(&r);
	cjd_fpstate_result_free(NULL);
}

static void test_sigchld_mask_restored(void **state)
{
	struct mock *m = *state;
	struct cjd_fpstate_opts o = {.rounds = 1, .proc = m->proc};
	struct cjd_fpstate_result r;
	struct cjd_error err;
	sigset_t before, after;
	pid_t pids[] = {1000};

	add_fake(m->proc, 1000, 1000, 0);
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(cjd_fpstate_run(pids, 1, &o, &r, &err), 0);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_int_equal(sigismember(&before, SIGCHLD), sigismember(&after, SIGCHLD));
	cjd_fpstate_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_mxcsr),
		cmocka_unit_test(test_decode_fpcr),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test_setup_teardown(test_run_looks, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_refusals, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_never_stops, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_budget, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_signals, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_failures, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_run_limits, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_sigchld_mask_restored, mock_setup,
						mock_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
