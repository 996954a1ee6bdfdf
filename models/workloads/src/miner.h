/* The miner workloads: one nonce loop (miner.c) over pluggable hash functions (algo_*.c). */
#ifndef CJD_MINER_H
#define CJD_MINER_H

#include <stddef.h>
#include <stdint.h>

/* One hashing algorithm, written against a real library. */
struct algo {
	const char *name;
	size_t blob_len;     /* bytes hashed per nonce */
	size_t nonce_offset; /* where the 32-bit little-endian nonce sits in the blob */
	/* Process-wide set-up (caches, datasets); may be slow; not instrumented. */
	int (*setup)(int threads, const char *opt);
	/* Per-thread state; returns NULL on failure. */
	void *(*thread_new)(int index);
	/* Hashes blob into out[32]. */
	void (*hash)(void *state, const uint8_t *blob, uint8_t out[32]);
	void (*thread_free)(void *state);
	void (*teardown)(void);
};

extern const struct algo algo_randomx_light, algo_randomx_fast, algo_sha256d, algo_scrypt,
	algo_argon2id, algo_cryptonight, algo_blake2b, algo_keccak;
/* The algorithm called name, or NULL. */
const struct algo *algo_find(const char *name);

/* The job the workers hash: set by the pool client (pool.c), read by every worker (miner.c). */
struct job {
	uint8_t blob[128];
	size_t len;
	char id[32];
	uint64_t target; /* a share: the hash's last 8 bytes, read little-endian, are below it */
};
/* Publishes j as the current job (workers switch at their next nonce). Thread-safe. */
void job_set(const struct job *j);

/* A share found by a worker, waiting for the pool client to submit it. */
struct share {
	char job_id[32];
	uint32_t nonce;
	uint8_t hash[32];
};
/* Takes the oldest unsubmitted share into *s: 1, or 0 if there is none. Thread-safe. */
int share_pop(struct share *s);

/* A job blob as cjd-miner makes it without a pool (seed 0) and as the stand-in pool makes
 * job number seed: deterministic bytes. */
void miner_make_blob(uint8_t *blob, size_t len, uint64_t seed);

/* The stand-in pool and the stratum client (pool.c). */
#include <pthread.h>
#include <stdatomic.h>
struct pool_opts {
	double job_every;   /* seconds between jobs (default 30) */
	double share_every; /* vardiff: the seconds per share it aims at (default 10) */
	int verify;         /* recompute each share's hash (--pool-verify) */
	const char *log;    /* the pool's message log (default stderr) */
};
struct pool {
	int fd[2]; /* [0]: miner side, [1]: pool side */
	pthread_t tid;
	atomic_int stop;
	struct pool_opts opts;
	const struct algo *algo; /* the miner's, already set up: the in-process pool verifies with it */
};
/* --pool: starts the in-process pool thread on a socketpair. Returns 0 or -1. */
int pool_start(struct pool *p, const struct algo *algo, const struct pool_opts *o);
/* Stops and joins the pool thread, closes the sockets. */
void pool_stop(struct pool *p);
/* The stratum client, run by the main thread until *running drops to 0: over fd (the
 * socketpair, when addr is NULL) or a TCP connection to addr ("HOST:PORT", reconnecting
 * every 5 s when it drops). Logs in (algorithm "NAME" or "NAME/OPT" for --opt OPT), takes jobs (job_set), submits shares (share_pop), sends
 * keep-alives, prints the hash rate every 10 s. total(ctx) sums the hashes so far. */
void pool_loop(int fd, const char *addr, const struct algo *algo, const char *opt,
	       unsigned difficulty, atomic_int *running, unsigned long (*total)(void *ctx), void *ctx);
/* --pool-serve HOST:PORT: the stand-in pool as a TCP server, until SIGINT/SIGTERM.
 * Returns the exit status. */
int pool_serve(const char *addr, const struct pool_opts *o);

/* Prints "miner: <algo>: <what>" on stderr and returns -1. */
int miner_fail(const char *algo, const char *what);

#endif
