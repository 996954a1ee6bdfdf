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
					   &algo_sha256d,	&algo_scrypt,
					   &algo_argon2id,	&algo_cryptonight,
					   &algo_blake2b,	&algo_keccak};

const struct algo *algo_find(const char *name)
{
	for (size_t k = 0; k < sizeof(algos) / sizeof(algos[0]); k++)
		if (!strcmp(name, algos[k]->name))
			return algos[k];
	return NULL;
}

struct config {
	const struct algo *algo;
	int threads;
	unsigned long hashes;   /* per thread; 0: until --seconds */
	double seconds;         /* wall-clock limit; 0: none */
	unsigned long busy;     /* --throttle: hashes per busy slice ... */
	unsigned long sleep_ms; /* ... then this long asleep */
	unsigned difficulty;    /* no pool: a share is a hash below 2^(64-difficulty) */
	int difficulty_set;     /* --difficulty given: ask the pool for 2^difficulty at login */
	int print;              /* --print: each nonce and hash on stdout (to compare runs) */
	int pool;               /* --pool: talk to a stand-in pool as real miners do (pool.c) */
	const char *pool_addr;  /* --pool-connect HOST:PORT: the same over TCP */
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
static atomic_ulong shares_dropped; /* found while the submit queue was full */
static atomic_int running; /* workers still hashing */

/* The current job: workers poll job_seq (one relaxed load per hash) and copy the job under
 * the lock when it changed, as XMRig's workers do. */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job job_now;
static atomic_uint job_seq;

void job_set(const struct job *j)
{
	pthread_mutex_lock(&job_lock);
	job_now = *j;
	atomic_fetch_add(&job_seq, 1);
	pthread_mutex_unlock(&job_lock);
}

/* The job until a pool sends one: set only if no pool job came first, because the pool
 * client logs in while the set-up runs (see client_start). */
static void job_set_default(const struct job *j)
{
	pthread_mutex_lock(&job_lock);
	if (!atomic_load(&job_seq)) {
		job_now = *j;
		atomic_fetch_add(&job_seq, 1);
	}
	pthread_mutex_unlock(&job_lock);
}

static unsigned job_get(struct job *out)
{
	unsigned seq;

	pthread_mutex_lock(&job_lock);
	*out = job_now;
	seq = atomic_load(&job_seq);
	pthread_mutex_unlock(&job_lock);
	return seq;
}

/* Shares waiting for the pool client: a ring under a lock (a share is rare). */
static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;
static struct share share_q[256];
static unsigned share_head, share_len;

static void share_push(const struct job *j, uint32_t nonce, const uint8_t hash[32])
{
	pthread_mutex_lock(&share_lock);
	if (share_len == sizeof(share_q) / sizeof(share_q[0])) {
		atomic_fetch_add(&shares_dropped, 1);
	} else {
		struct share *s = &share_q[(share_head + share_len++) % 256];
		memcpy(s->job_id, j->id, sizeof(s->job_id));
		s->nonce = nonce;
		memcpy(s->hash, hash, 32);
	}
	pthread_mutex_unlock(&share_lock);
}

int share_pop(struct share *s)
{
	int got = 0;

	pthread_mutex_lock(&share_lock);
	if (share_len) {
		*s = share_q[share_head];
		share_head = (share_head + 1) % 256;
		share_len--;
		got = 1;
	}
	pthread_mutex_unlock(&share_lock);
	return got;
}

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

void miner_make_blob(uint8_t *blob, size_t len, uint64_t seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (seed * 0xbf58476d1ce4e5b9ull);

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		blob[i] = (uint8_t)x;
	}
}

static uint64_t hash_le64(const uint8_t h[32])
{
	uint64_t v;

	memcpy(&v, h + 24, 8);
	return v;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct config *c = w->cfg;
	uint8_t out[32];
	struct job job;
	unsigned seq = job_get(&job);
	uint32_t nonce = (uint32_t)w->index;
	double end = c->seconds > 0 ? now_s() + c->seconds : 0;
	unsigned long slice = 0;

	for (;;) {
		if (atomic_load_explicit(&job_seq, memory_order_relaxed) != seq) {
			seq = job_get(&job); /* a new job: start its nonces afresh */
			nonce = (uint32_t)w->index;
		}
		memcpy(job.blob + c->algo->nonce_offset, &nonce, sizeof(nonce));
		c->algo->hash(w->state, job.blob, out);
		if (c->print) {
			char hex[65];

			for (int i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", out[i]);
			printf("%u %s\n", nonce, hex); /* stdio locks: lines do not interleave */
		}
		if (hash_le64(out) < job.target) {
			atomic_fetch_add(&shares, 1);
			if (job.id[0]) /* a pool's job: the pool client submits it */
				share_push(&job, nonce, out);
		}
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

/* The workers, once the set-up has made them: the pool client reads the hash rate from them
 * and runs before they exist. */
static struct worker *_Atomic workers;

static unsigned long total_hashes(void *ctx)
{
	const struct worker *w = atomic_load(&workers);
	unsigned long t = 0;

	(void)ctx;
	for (int i = 0; w && i < w[0].cfg->threads; i++)
		t += atomic_load_explicit(&w[i].done_pub, memory_order_relaxed);
	return t;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cjd-miner --algo randomx-light|randomx-fast|sha256d|scrypt|argon2id|cryptonight|\n"
		"                 blake2b|keccak\n"
		"                 [--threads N] [--hashes N] [--seconds S] [--throttle BUSY,SLEEP_MS]\n"
		"                 [--difficulty BITS] [--opt OPT] [--calibrate] [--print]\n"
		"                 [--pool | --pool-connect HOST:PORT]\n"
		"       cjd-miner --pool-serve HOST:PORT [--pool-verify] [--pool-log FILE]\n"
		"                 [--pool-job-every S] [--pool-share-every S]\n"
		"Hashes a job with nonce after nonce, as a pool miner does. Set-up (RandomX\n"
		"cache/dataset) runs before CALLGRIND_START_INSTRUMENTATION, so under\n"
		"'cjd simrecord --instr-atstart=no' only the hashing is simulated.\n"
		"--opt: randomx-*: interp (the interpreter, no JIT); cryptonight: soft (software\n"
		"       AES), small (64 KiB scratchpad, 16384 iterations: tests), comma-separated.\n"
		"--difficulty: without a pool, a share is a hash below 2^(64-BITS) (default 16);\n"
		"       with one, the starting difficulty 2^BITS asked for at login (else the\n"
		"       pool's: 1000, then vardiff).\n"
		"--throttle: every BUSY hashes a thread sleeps SLEEP_MS (duty cycling).\n"
		"--pool: a client thread speaks Monero-style stratum (login, jobs, submits,\n"
		"        keep-alives; pool.c) to a stand-in pool thread at the other end of a\n"
		"        socketpair, and prints the hash rate every 10 s. It logs in before the\n"
		"        set-up, as real miners do (RandomX builds its dataset from the job's seed).\n"
		"--pool-connect: the same over TCP to a --pool-serve (reconnects every 5 s).\n"
		"--pool-serve: run only the stand-in pool: a job every --pool-job-every S (30),\n"
		"        vardiff to a share every --pool-share-every S (10) per miner, shares\n"
		"        checked (job, duplicates, target; recomputed with --pool-verify), every\n"
		"        message logged to --pool-log FILE (default stderr). Ends on SIGTERM.\n"
		"--calibrate: print the mean CPU ns per hash and thread at the end (CPU time, so\n"
		"             a busy host does not inflate it).\n"
		"--print: print each nonce and its hash (to compare native and simulated runs).\n");
}

/* What the command line says that is not the miner's config: the pool's, and the report's. */
struct args {
	struct pool_opts po;
	const char *serve_addr;
	int calibrate;
};

/* Parses argv into c and a. Returns -1 to go on, or the exit status (usage printed). */
static int parse_args(int argc, char **argv, struct config *c, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--calibrate")) {
			a->calibrate = 1;
			continue;
		}
		if (!strcmp(o, "--print")) {
			c->print = 1;
			continue;
		}
		if (!strcmp(o, "--pool")) {
			c->pool = 1;
			continue;
		}
		if (!strcmp(o, "--pool-verify")) {
			a->po.verify = 1;
			continue;
		}
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(o, "--algo")) {
			c->algo = algo_find(v);
			if (!c->algo) {
				fprintf(stderr, "miner: unknown --algo '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "--threads")) {
			c->threads = atoi(v);
		} else if (!strcmp(o, "--hashes")) {
			c->hashes = strtoul(v, NULL, 10);
		} else if (!strcmp(o, "--seconds")) {
			c->seconds = atof(v);
		} else if (!strcmp(o, "--throttle")) {
			if (sscanf(v, "%lu,%lu", &c->busy, &c->sleep_ms) != 2 || !c->busy) {
				fprintf(stderr, "miner: --throttle wants BUSY,SLEEP_MS\n");
				return 2;
			}
		} else if (!strcmp(o, "--difficulty")) {
			c->difficulty = (unsigned)atoi(v);
			c->difficulty_set = 1;
		} else if (!strcmp(o, "--opt")) {
			c->opt = v;
		} else if (!strcmp(o, "--pool-connect")) {
			c->pool_addr = v;
		} else if (!strcmp(o, "--pool-serve")) {
			a->serve_addr = v;
		} else if (!strcmp(o, "--pool-log")) {
			a->po.log = v;
		} else if (!strcmp(o, "--pool-job-every")) {
			a->po.job_every = atof(v);
		} else if (!strcmp(o, "--pool-share-every")) {
			a->po.share_every = atof(v);
		} else {
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/*
 * The set-up before the hashing: the algorithm's, each thread's state, and
 * the job until a pool sends one (the fixed blob, a share below
 * 2^(64-difficulty)). Returns the workers, or NULL (the reason printed).
 */
static struct worker *set_up(struct config *c)
{
	struct worker *w;

	if (c->algo->setup(c->threads, c->opt))
		return NULL;
	w = calloc((size_t)c->threads, sizeof(*w));
	if (!w)
		return NULL;
	for (int i = 0; i < c->threads; i++) {
		w[i] = (struct worker){.cfg = c, .index = i};
		w[i].state = c->algo->thread_new(i);
		if (!w[i].state) {
			miner_fail(c->algo->name, "per-thread state failed");
			return NULL;
		}
	}
	struct job j = {.len = c->algo->blob_len};
	miner_make_blob(j.blob, j.len, 0);
	j.target = c->difficulty >= 64 ? 0 : c->difficulty ? 1ull << (64 - c->difficulty) : UINT64_MAX;
	job_set_default(&j);
	return w;
}

/* The pool client, on a thread of its own. */
struct client {
	const struct config *c;
	const struct args *a;
	struct pool p; /* --pool: the in-process pool */
	pthread_t tid;
	int started;
};

static void *client_run(void *arg)
{
	struct client *k = arg;
	const struct config *c = k->c;

	pool_loop(c->pool ? k->p.fd[0] : -1, c->pool ? NULL : c->pool_addr, c->algo, c->opt,
		  c->difficulty_set ? c->difficulty : 0, &running, total_hashes, NULL);
	return NULL;
}

/*
 * Starts the pool client before the set-up, as real miners do: a RandomX miner logs in
 * first because it builds its cache and dataset from the seed hash in the pool's job, so
 * a pool conversation is in its memory while the 2 GiB dataset is built. Until the
 * workers start, *running holds the thread count so that the client keeps going.
 * Returns 0 (nothing to start without a pool) or -1.
 */
static int client_start(struct client *k)
{
	const struct config *c = k->c;

	if (!c->pool && !c->pool_addr)
		return 0;
	atomic_store(&running, c->threads);
	if (c->pool && pool_start(&k->p, c->algo, &k->a->po))
		return miner_fail(c->algo->name, "cannot start the stand-in pool");
	if (pthread_create(&k->tid, NULL, client_run, k)) {
		if (c->pool)
			pool_stop(&k->p);
		return miner_fail(c->algo->name, "cannot start the pool client");
	}
	k->started = 1;
	return 0;
}

/* Waits for the client, which ends once *running is 0, and stops the in-process pool. */
static void client_stop(struct client *k)
{
	if (!k->started)
		return;
	pthread_join(k->tid, NULL);
	if (k->c->pool)
		pool_stop(&k->p);
	k->started = 0;
}

int main(int argc, char **argv)
{
	struct config c = {.threads = 1, .difficulty = 16};
	struct args a = {0};
	struct worker *w;
	unsigned long total = 0;
	int rc;
	double t0, t1;

	if ((rc = parse_args(argc, argv, &c, &a)) >= 0)
		return rc;
	if (a.serve_addr)
		return pool_serve(a.serve_addr, &a.po);
	if (c.pool && c.pool_addr) {
		fprintf(stderr, "miner: --pool and --pool-connect exclude each other\n");
		return 2;
	}
	if (!c.algo || c.threads < 1 || c.threads > 64 || (!c.hashes && c.seconds <= 0)) {
		fprintf(stderr, "miner: need --algo, 1..64 --threads, and --hashes or --seconds\n");
		return 2;
	}
	struct client k = {.c = &c, .a = &a};
	if (client_start(&k))
		return 1;
	if (!(w = set_up(&c))) {
		atomic_store(&running, 0);
		client_stop(&k);
		return 1;
	}
	atomic_store(&workers, w);
	/* Everything before this line is set-up; the simulated PMU counts from here. */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	t0 = now_s();
	double c0 = cpu_s();
	atomic_store(&running, c.threads);
	for (int i = 0; i < c.threads; i++)
		if (pthread_create(&w[i].tid, NULL, work, &w[i])) {
			miner_fail(c.algo->name, "pthread_create failed");
			exit(1); /* the started workers hash until exit */
		}
	for (int i = 0; i < c.threads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].done;
	}
	client_stop(&k);
	t1 = now_s();
	double c1 = cpu_s();
	CALLGRIND_STOP_INSTRUMENTATION;
	for (int i = 0; i < c.threads; i++)
		c.algo->thread_free(w[i].state);
	c.algo->teardown();
	free(w);
	fprintf(stderr, "miner: %s: %lu hashes, %lu shares (%lu not submitted: queue full), %.2f s, %.1f H/s\n",
		c.algo->name, total, (unsigned long)atomic_load(&shares),
		(unsigned long)atomic_load(&shares_dropped), t1 - t0,
		(double)total / (t1 - t0 > 0 ? t1 - t0 : 1));
	if (a.calibrate)
		printf("ns_per_hash %.0f\n", (c1 - c0) * 1e9 / (double)(total ? total : 1));
	return 0;
}
