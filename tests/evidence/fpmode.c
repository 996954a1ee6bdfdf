/* A test workload for the fpstate probe: threads that do or do not touch the FP control register, until stdin closes. */
#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/*
 * Usage: fpmode MODE THREADS EXIT_CODE
 *   plain   FP arithmetic, the control register never touched
 *   round   each worker cycles through the four rounding modes (fesetround)
 *   updown  each worker switches between rounding down and up, as interval
 *           arithmetic does
 *   ftz     sets flush-to-zero and denormals-are-zero before starting the workers
 *   churn   each worker starts and joins short-lived threads without end
 *   vfork   plain workers, and the main thread vforks a child that sleeps
 *           2 s: the main thread sits in uninterruptible sleep meanwhile
 *   timer   plain workers, and SIGALRM every 100 us to a counting handler
 *           (exits 92 if it never ran), so that signals arrive while a
 *           thread is held
 *   stops   workers that only spin and measure, from their own side, every
 *           time they were stopped: a gap in CLOCK_MONOTONIC that neither
 *           their CPU time nor their run-queue wait (schedstat) explains is
 *           time spent stopped. At the end prints one JSON line: how many
 *           stops, and their median, p99 and max in ns (the ground truth
 *           bench/evidence-probes sets beside cjd's own figures)
 * Prints "ready" when every worker runs. The main thread then reads stdin;
 * at end of file the workers stop and the process exits with EXIT_CODE.
 * Any surprise (a read interrupted, a rounding mode that did not stick, a
 * thread that could not start) exits 90-99 instead, so a test that checks
 * the exit code sees what tracing changed.
 */

static atomic_int stop;
static int mode_round, mode_updown, mode_churn;
static atomic_long work; /* iterations, so the compiler keeps the loops */
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int fail(int code, const char *what)
{
	fprintf(stderr, "fpmode: %s: %s\n", what, strerror(errno));
	_exit(code);
}

static double spin(double x, int n)
{
	for (int i = 0; i < n; i++)
		x = x * 1.0000001 + 0.25 / (x + 1.0);
	return x;
}

static void *short_life(void *arg)
{
	*(double *)arg = spin(*(double *)arg, 2000);
	return NULL;
}

#define MAX_STOPS 100000
static uint64_t stops[MAX_STOPS];
static atomic_int nstops;

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* This thread's run-queue wait so far (ns), from /proc/thread-self/schedstat. */
static uint64_t run_delay_ns(void)
{
	unsigned long long run, delay;
	FILE *fp = fopen("/proc/thread-self/schedstat", "r");
	int n = fp ? fscanf(fp, "%llu %llu", &run, &delay) : 0;

	if (fp)
		fclose(fp);
	if (n != 2)
		_exit(90);
	return delay;
}

static void *stop_meter(void *arg)
{
	uint64_t wall0, cpu0, rd0, last;

	(void)arg;
	wall0 = last = clock_ns(CLOCK_MONOTONIC);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	rd0 = run_delay_ns();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t t = clock_ns(CLOCK_MONOTONIC);
		if (t - last > 20000) {
			/* off the CPU for a while: what neither running nor waiting for a CPU
			 * covers is time spent stopped (this thread never blocks otherwise) */
			uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID), rd = run_delay_ns();
			int64_t off = (int64_t)(t - wall0) - (int64_t)(cpu - cpu0) - (int64_t)(rd - rd0);
			if (off > 2000) {
				int i = atomic_fetch_add(&nstops, 1);
				if (i < MAX_STOPS)
					stops[i] = (uint64_t)off;
			}
			wall0 = t = clock_ns(CLOCK_MONOTONIC);
			cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			rd0 = run_delay_ns();
		}
		last = t;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void print_stops(void)
{
	int n = atomic_load(&nstops) < MAX_STOPS ? atomic_load(&nstops) : MAX_STOPS;

	qsort(stops, (size_t)n, sizeof(stops[0]), cmp_u64);
	printf("{\"stops\": %d, \"median_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu}\n", n,
	       n ? (unsigned long long)(n % 2 ? stops[n / 2] : (stops[n / 2 - 1] + stops[n / 2]) / 2)
		 : 0ull,
	       n ? (unsigned long long)stops[(n * 99 + 99) / 100 - 1] : 0ull,
	       n ? (unsigned long long)stops[n - 1] : 0ull);
}

static void *worker(void *arg)
{
	static const int modes[] = {FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO, FE_TONEAREST};
	volatile double x = 1.0 + (double)(long)arg;
	unsigned k = 0;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (mode_round || mode_updown) {
			int m = modes[k++ % (mode_updown ? 2 : 4)];
			if (fesetround(m) != 0 || fegetround() != m)
				_exit(94);
		}
		if (mode_churn) {
			pthread_t t;
			double y = x;
			if (pthread_create(&t, NULL, short_life, &y) != 0)
				_exit(95);
			pthread_join(t, NULL);
			x = y;
		}
		x = spin(x, 5000);
		atomic_fetch_add_explicit(&work, 1, memory_order_relaxed);
	}
	fesetround(FE_TONEAREST);
	return NULL;
}

static void set_ftz_daz(void)
{
#if defined(__x86_64__)
	_mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ bit 15, DAZ bit 6 */
#elif defined(__aarch64__)
	unsigned long fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1ul << 24)));
#endif
}

int main(int argc, char **argv)
{
	pthread_t tid[64];
	char buf[256];
	int n, code;
	pid_t child = 0;

	if (argc != 4 || (n = atoi(argv[2])) < 0 || n > 64) {
		fprintf(stderr, "usage: fpmode plain|round|updown|ftz|churn|vfork|timer|stops THREADS EXIT_CODE\n");
		return 2;
	}
	code = atoi(argv[3]);
	mode_round = !strcmp(argv[1], "round");
	mode_updown = !strcmp(argv[1], "updown");
	mode_churn = !strcmp(argv[1], "churn");
	if (!strcmp(argv[1], "ftz"))
		set_ftz_daz();
	for (int i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, strcmp(argv[1], "stops") ? worker : stop_meter,
				   (void *)(long)i) != 0)
			fail(93, "pthread_create");
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(argv[1], "timer")) {
		struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
		struct itimerval it = {{0, 100}, {0, 100}};
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &it, NULL) != 0)
			fail(91, "setitimer");
	}
	if (!strcmp(argv[1], "vfork")) {
		child = vfork();
		if (child == 0) {
			struct timespec ts = {2, 0};
			nanosleep(&ts, NULL); /* only syscalls here: this is a vfork child */
			_exit(0);
		}
		if (child < 0)
			fail(96, "vfork");
	}
	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r < 0)
			fail(97, "read"); /* tracing must never surface as EINTR */
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	if (child > 0 && waitpid(child, NULL, 0) != child)
		fail(98, "waitpid");
	if (!strcmp(argv[1], "timer") && !alarms)
		_exit(92);
	if (!strcmp(argv[1], "stops"))
		print_stops();
	return code;
}
