/* Argon2id at TurtleCoin "chukwa" parameters (t=3, m=512 KiB, p=1, salt = the blob's first 16 bytes) through libargon2. */
#include <argon2.h>
#include <stdlib.h>

#include "miner.h"

static int setup(int threads, const char *opt)
{
	(void)threads;
	(void)opt;
	return 0;
}

static void *thread_new(int index)
{
	(void)index;
	return malloc(1); /* libargon2 allocates its 512 KiB per call, as chukwa miners using it do */
}

static void hash(void *state, const uint8_t *blob, uint8_t out[32])
{
	(void)state;
	if (argon2id_hash_raw(3, 512, 1, blob, 76, blob, 16, out, 32) != ARGON2_OK)
		abort(); /* cannot happen with these fixed parameters */
}

static void thread_free(void *state)
{
	free(state);
}

static void teardown(void)
{
}

const struct algo algo_argon2id = {"argon2id", 76, 39, setup, thread_new, hash, thread_free, teardown};
