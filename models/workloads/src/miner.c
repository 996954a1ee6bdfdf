/* cjd-miner: the nonce loop real miners run, over real hashing libraries, for the cjd corpus. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "miner.h"

static const struct algo *const algos[] = {&algo_randomx_light, &algo_randomx_fast,
					   &algo_sha256d, &algo_scrypt, &algo_argon2id};

struct config {
	const struct algo *algo;
	int threads;
	unsigned long hashes;   /* per thread; 0: until --seconds */
	double seconds;         /* wall-clock limit; 0: none */
	unsigned long busy;     /* --throttle: hashes per busy slice ... */
	unsigned long sleep_ms; /* ... then this long asleep */
	unsigned difficulty;    /* a share needs this many leading zero bits */
	int print;              /* --print: each nonce and hash on stdout (to compare runs) */
	int pool;               /* --pool: talk to a stand-in pool as real miners do (pool.c) */
	const char *opt;
};

struct worker {
	const struct config *cfg;
	int index;
	void *state;
	pthread_t tid;
	unsigned long done;
	atomic_ulong done_pub; /* done, for the hash-rate line (a plain store on x86) */
};

static atomic_ulong shares;
static atomic_int running; /* workers still hashing */

int miner_fail(const char *algo, const char *what)
{
	fprintf(stderr, "miner: %s: %s\n", algo, what);
	return -1;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A job as a pool would send it: a fixed blob, deterministic for a given algo. */
static void make_blob(uint8_t *blob, size_t len)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		blob[i] = (uint8_t)x;
	}
}

/* Leading zero bits of the hash read as a big-endian number from its last byte
 * (Monero and Bitcoin compare the hash as a little-endian 256-bit integer). */
static unsigned zero_bits(const uint8_t h[32])
{
	unsigned n = 0;

	for (int i = 31; i >= 0; i--) {
		if (h[i]) {
			return n + (unsigned)__builtin_clz(h[i]) - 24;
		}
		n += 8;
	}
	return n;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct config *c = w->cfg;
	uint8_t blob[128], out[32];
	uint32_t nonce = (uint32_t)w->index;
	double end = c->seconds > 0 ? now_s() + c->seconds : 0;
	unsigned long slice = 0;

	make_blob(blob, c->algo->blob_len);
	for (;;) {
		memcpy(blob + c->algo->nonce_offset, &nonce, sizeof(nonce));
		c->algo->hash(w->state, blob, out);
		if (c->print) {
			char hex[65];

			for (int i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", out[i]);
			printf("%u %s\n", nonce, hex); /* stdio locks: lines do not interleave */
		}
		if (zero_bits(out) >= c->difficulty)
			atomic_fetch_add(&shares, 1); /* a real miner submits it to the pool here */
		nonce += (uint32_t)c->threads;
		w->done++;
		atomic_store_explicit(&w->done_pub, w->done, memory_order_relaxed);
		if (c->hashes && w->done >= c->hashes)
			break;
		if (end > 0 && now_s() >= end)
			break;
		if (c->busy && ++slice >= c->busy) {
			struct timespec ts = {(time_t)(c->sleep_ms / 1000),
					      (long)(c->sleep_ms % 1000) * 1000000L};

			slice = 0;
			nanosleep(&ts, NULL);
		}
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static unsigned long total_hashes(void *ctx)
{
	const struct worker *w = ctx;
	unsigned long t = 0;

	for (int i = 0; i < w[0].cfg->threads; i++)
		t += atomic_load_explicit(&w[i].done_pub, memory_order_relaxed);
	return t;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cjd-miner --algo randomx-light|randomx-fast|sha256d|scrypt|argon2id\n"
		"                 [--threads N] [--hashes N] [--seconds S] [--throttle BUSY,SLEEP_MS]\n"
		"                 [--difficulty BITS] [--opt interp] [--pool] [--calibrate] [--print]\n"
		"Hashes a fixed job with nonce after nonce, as a pool miner does. Set-up (RandomX\n"
		"cache/dataset) runs before CALLGRIND_START_INSTRUMENTATION, so under\n"
		"'cjd simrecord --instr-atstart=no' only the hashing is simulated.\n"
		"--throttle: every BUSY hashes a thread sleeps SLEEP_MS (duty cycling).\n"
		"--pool: while the threads hash, the main thread keeps a stand-in stratum\n"
		"        connection (a socketpair to a pool thread: jobs, shares, keep-alives)\n"
		"        and prints the hash rate every 10 s, making the few syscalls a real\n"
		"        pool miner makes (pool.c).\n"
		"--calibrate: print the mean CPU ns per hash and thread at the end (CPU time, so\n"
		"             a busy host does not inflate it).\n"
		"--print: print each nonce and its hash (to compare native and simulated runs).\n");
}

int main(int argc, char **argv)
{
	struct config c = {.threads = 1, .difficulty = 16};
	struct worker *w;
	unsigned long total = 0;
	int calibrate = 0;
	double t0, t1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--calibrate")) {
			calibrate = 1;
			continue;
		}
		if (!strcmp(a, "--print")) {
			c.print = 1;
			continue;
		}
		if (!strcmp(a, "--pool")) {
			c.pool = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(a, "--algo")) {
			for (size_t k = 0; k < sizeof(algos) / sizeof(algos[0]); k++)
				if (!strcmp(v, algos[k]->name))
					c.algo = algos[k];
		} else if (!strcmp(a, "--threads")) {
			c.threads = atoi(v);
		} else if (!strcmp(a, "--hashes")) {
			c.hashes = strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--seconds")) {
			c.seconds = atof(v);
		} else if (!strcmp(a, "--throttle")) {
			if (sscanf(v, "%lu,%lu", &c.busy, &c.sleep_ms) != 2 || !c.busy) {
				fprintf(stderr, "miner: --throttle wants BUSY,SLEEP_MS\n");
				return 2;
			}
		} else if (!strcmp(a, "--difficulty")) {
			c.difficulty = (unsigned)atoi(v);
		} else if (!strcmp(a, "--opt")) {
			c.opt = v;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!c.algo || c.threads < 1 || c.threads > 64 || (!c.hashes && c.seconds <= 0)) {
		fprintf(stderr, "miner: need --algo, 1..64 --threads, and --hashes or --seconds\n");
		return 2;
	}
	if (c.algo->setup(c.threads, c.opt))
		return 1;
	w = calloc((size_t)c.threads, sizeof(*w));
	if (!w)
		return 1;
	for (int i = 0; i < c.threads; i++) {
		w[i] = (struct worker){.cfg = &c, .index = i};
		w[i].state = c.algo->thread_new(i);
		if (!w[i].state)
			return miner_fail(c.algo->name, "per-thread state failed") ? 1 : 1;
	}
	/* Everything before this line is set-up; the simulated PMU counts from here. */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	t0 = now_s();
	double c0 = cpu_s();
	atomic_store(&running, c.threads);
	for (int i = 0; i < c.threads; i++)
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			return miner_fail(c.algo->name, "pthread_create failed") ? 1 : 1;
	if (c.pool) {
		struct pool p;
		if (pool_start(&p))
			return miner_fail(c.algo->name, "cannot start the stand-in pool") ? 1 : 1;
		pool_loop(&p, c.algo->name, &shares, &running, total_hashes, w);
		pool_stop(&p);
	}
	for (int i = 0; i < c.threads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].done;
	}
	t1 = now_s();
	double c1 = cpu_s();
	CALLGRIND_STOP_INSTRUMENTATION;
	for (int i = 0; i < c.threads; i++)
		c.algo->thread_free(w[i].state);
	c.algo->teardown();
	free(w);
	fprintf(stderr, "miner: %s: %lu hashes, %lu shares, %.2f s, %.1f H/s\n", c.algo->name,
		total, (unsigned long)atomic_load(&shares), t1 - t0,
		(double)total / (t1 - t0 > 0 ? t1 - t0 : 1));
	if (calibrate)
		printf("ns_per_hash %.0f\n", (c1 - c0) * 1e9 / (double)(total ? total : 1));
	return 0;
}
