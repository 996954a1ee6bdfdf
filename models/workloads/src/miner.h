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
	algo_argon2id;

/* The stand-in pool (pool.c, --pool). */
#include <pthread.h>
#include <stdatomic.h>
struct pool {
	int fd[2]; /* [0]: miner side, [1]: pool side */
	pthread_t tid;
	atomic_int stop;
};
/* Starts the pool thread. Returns 0 or -1. */
int pool_start(struct pool *p);
/* Runs the miner side until *running drops to 0. total(ctx) sums the hashes so far. */
void pool_loop(struct pool *p, const char *algo, atomic_ulong *shares, atomic_int *running,
	       unsigned long (*total)(void *ctx), void *ctx);
/* Stops and joins the pool thread, closes the sockets. */
void pool_stop(struct pool *p);

/* Prints "miner: <algo>: <what>" on stderr and returns -1. */
int miner_fail(const char *algo, const char *what);

#endif
