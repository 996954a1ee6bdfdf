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

/* Prints "miner: <algo>: <what>" on stderr and returns -1. */
int miner_fail(const char *algo, const char *what);

#endif
