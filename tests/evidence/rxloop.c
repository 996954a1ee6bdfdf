/* A real RandomX hash loop (Debian's librandomx, light mode, JIT when the CPU allows) until stdin closes: the fpstate probe's positive case. */
#include <pthread.h>
#include <randomx.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Usage: rxloop THREADS EXIT_CODE
 * Builds the 256 MiB light-mode cache, prints "ready" when every thread
 * hashes, and exits with EXIT_CODE when stdin reaches end of file (90-99 on
 * a surprise, as fpmode does). Only tests run it; it mines nothing.
 */

static randomx_cache *cache;
static randomx_flags flags;
static atomic_int stop, started;

static void *hasher(void *arg)
{
	randomx_vm *vm = randomx_create_vm(flags, cache, NULL);
	uint8_t blob[76], out[32];
	uint32_t nonce = (uint32_t)(uintptr_t)arg << 24;

	if (!vm)
		_exit(95);
	memset(blob, 0x5a, sizeof(blob));
	atomic_fetch_add(&started, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(blob + 39, &nonce, sizeof(nonce));
		nonce++;
		randomx_calculate_hash(vm, blob, sizeof(blob), out);
	}
	randomx_destroy_vm(vm);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char key[] = "cjd evidence test key";
	pthread_t tid[16];
	char buf[64];
	int n;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > 16) {
		fprintf(stderr, "usage: rxloop THREADS EXIT_CODE\n");
		return 2;
	}
	flags = randomx_get_flags();
	cache = randomx_alloc_cache(flags);
	if (!cache)
		return 93;
	randomx_init_cache(cache, key, sizeof(key) - 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, hasher, (void *)(uintptr_t)i) != 0)
			return 94;
	while (atomic_load(&started) < n)
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r < 0)
			return 97;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	randomx_release_cache(cache);
	return atoi(argv[2]);
}
