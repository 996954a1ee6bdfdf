/* Monero's RandomX through Debian's librandomx: light mode (256 MiB cache) and fast mode (2 GiB dataset). */
#include <pthread.h>
#include <randomx.h>
#include <stdlib.h>
#include <string.h>

#include "miner.h"

static randomx_cache *cache;
static randomx_dataset *dataset;
static randomx_flags flags;

/* The seed hash a pool would hand out; any 32 bytes do. */
static const char key[] = "cjd corpus RandomX seed key 0001";

struct init_part {
	unsigned long start, count;
};

static void *init_part(void *arg)
{
	struct init_part *p = arg;

	randomx_init_dataset(dataset, cache, p->start, p->count);
	return NULL;
}

/* opt: "interp" forces the interpreter instead of the JIT. */
static int setup_common(int threads, const char *opt, int fast)
{
	flags = randomx_get_flags();
	if (opt && !strcmp(opt, "interp"))
		flags &= ~RANDOMX_FLAG_JIT;
	if (fast)
		flags |= RANDOMX_FLAG_FULL_MEM;
	cache = randomx_alloc_cache(flags & ~RANDOMX_FLAG_FULL_MEM);
	if (!cache)
		return miner_fail("randomx", "randomx_alloc_cache failed (256 MiB)");
	randomx_init_cache(cache, key, sizeof(key) - 1);
	if (!fast)
		return 0;
	dataset = randomx_alloc_dataset(flags);
	if (!dataset)
		return miner_fail("randomx", "randomx_alloc_dataset failed (2 GiB)");
	{
		unsigned long items = randomx_dataset_item_count();
		pthread_t tid[64];
		struct init_part parts[64];
		int n = threads < 1 ? 1 : threads > 64 ? 64 : threads;

		/* Dataset initialisation is split over the mining threads, as xmrig does. */
		for (int i = 0; i < n; i++) {
			parts[i].start = items * (unsigned long)i / (unsigned long)n;
			parts[i].count = items * (unsigned long)(i + 1) / (unsigned long)n - parts[i].start;
			if (pthread_create(&tid[i], NULL, init_part, &parts[i]))
				return miner_fail("randomx", "pthread_create failed");
		}
		for (int i = 0; i < n; i++)
			pthread_join(tid[i], NULL);
	}
	return 0;
}

static int setup_light(int threads, const char *opt)
{
	return setup_common(threads, opt, 0);
}

static int setup_fast(int threads, const char *opt)
{
	return setup_common(threads, opt, 1);
}

static void *thread_new(int index)
{
	(void)index;
	return randomx_create_vm(flags, dataset ? NULL : cache, dataset);
}

static void hash(void *vm, const uint8_t *blob, uint8_t out[32])
{
	randomx_calculate_hash(vm, blob, 76, out);
}

static void thread_free(void *vm)
{
	randomx_destroy_vm(vm);
}

static void teardown(void)
{
	if (dataset)
		randomx_release_dataset(dataset);
	if (cache)
		randomx_release_cache(cache);
	dataset = NULL;
	cache = NULL;
}

/* A Monero hashing blob is 76 bytes with the nonce at offset 39. */
const struct algo algo_randomx_light = {"randomx-light", 76, 39, setup_light, thread_new, hash,
					thread_free, teardown};
const struct algo algo_randomx_fast = {"randomx-fast", 76, 39, setup_fast, thread_new, hash,
				       thread_free, teardown};
