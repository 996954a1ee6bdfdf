/* Test workload for the code-sampling probe: the same kind of loop from anonymous (JIT) memory or from the file, an AES-NI loop, or idle. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Usage: evidence_codeload jit|file|aes|idle, or count FILE. Runs until
 * killed. Exit 3: this CPU or architecture cannot run the mode (the test
 * skips). count: the mul/xor/rotate loop in C, publishing its iteration count
 * (a uint64_t, every 65536 iterations) in FILE, mapped shared, so a benchmark
 * can read the workload's throughput from outside (bench/evidence-probes).
 */

/* Tells the test the workload is set up. */
static void ready(void)
{
	fputs("ready\n", stdout);
	fflush(stdout);
}

#if defined(__x86_64__)
#include <cpuid.h>

/* mov rax,1; movabs rcx,K; xor rdx,rdx; 1: imul rax,rcx; xor rax,rdx; rol rax,13; add rdx,rax; jmp 1b */
static const unsigned char jit_code[] = {
	0x48, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00,
	0x48, 0xb9, 0x15, 0x7c, 0x4a, 0x7f, 0xb9, 0x79, 0x37, 0x9e,
	0x48, 0x31, 0xd2,
	0x48, 0x0f, 0xaf, 0xc1, 0x48, 0x31, 0xd0, 0x48, 0xc1, 0xc0, 0x0d, 0x48, 0x01, 0xc2, 0xeb, 0xf0,
};

/* The same loop, compiled into this executable. */
static void __attribute__((noinline, noreturn)) file_loop(void)
{
	__asm__ volatile("mov $1, %%rax\n\t"
			 "movabs $0x9E3779B97F4A7C15, %%rcx\n\t"
			 "xor %%rdx, %%rdx\n"
			 "1:\n\t"
			 "imul %%rcx, %%rax\n\t"
			 "xor %%rdx, %%rax\n\t"
			 "rol $13, %%rax\n\t"
			 "add %%rax, %%rdx\n\t"
			 "jmp 1b\n" ::: "rax", "rcx", "rdx");
	__builtin_unreachable();
}

/* Four AES rounds per iteration, as a CryptoNight-style loop has at its heart. */
static void __attribute__((noinline, noreturn)) aes_loop(void)
{
	__asm__ volatile("pxor %%xmm0, %%xmm0\n"
			 "1:\n\t"
			 "aesenc %%xmm1, %%xmm0\n\t"
			 "aesenc %%xmm2, %%xmm0\n\t"
			 "aesenc %%xmm3, %%xmm0\n\t"
			 "aesenc %%xmm4, %%xmm0\n\t"
			 "jmp 1b\n" ::: "xmm0");
	__builtin_unreachable();
}

static int run_jit(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(p, jit_code, sizeof(jit_code));
	/* W^X: written, then made executable, as JIT engines do. */
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) {
		perror("mprotect");
		return 1;
	}
	ready();
	((void (*)(void))p)();
	return 0;
}

static int run_aes(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AES))
		return 3;
	ready();
	aes_loop();
}
#endif

static int run_count(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	volatile uint64_t *count;
	uint64_t x = 1, k = 0x9E3779B97F4A7C15ull, y = 0;

	if (fd < 0 || ftruncate(fd, 4096) != 0) {
		perror(path);
		return 1;
	}
	count = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (count == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	ready();
	for (uint64_t n = 0;; n++) {
		for (int i = 0; i < 65536; i++) {
			x = x * k ^ y;
			x = x << 13 | x >> 51;
			y += x;
		}
		count[1] = y; /* published, so the loop cannot be optimised away */
		count[0] = (n + 1) * 65536;
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "count"))
		return run_count(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s jit|file|aes|idle | count FILE\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "idle")) {
		ready();
		for (;;)
			pause();
	}
#if defined(__x86_64__)
	if (!strcmp(argv[1], "jit"))
		return run_jit();
	if (!strcmp(argv[1], "file")) {
		ready();
		file_loop();
	}
	if (!strcmp(argv[1], "aes"))
		return run_aes();
	fprintf(stderr, "%s: unknown mode '%s'\n", argv[0], argv[1]);
	return 2;
#else
	return 3;
#endif
}
