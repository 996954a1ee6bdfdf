/* A CryptoNight-style miner (AES rounds and 64-bit multiplies over a 2 MiB scratchpad), written here. */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h> /* AES-NI is x86's; elsewhere the software rounds run */
#define CN_AESNI 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cryptonight.h"
#include "miner.h"

/*
 * CryptoNight (the CryptoNote standard's proof of work, Monero's until 2019, still mined in
 * variants) as its main loop is: Keccak-1600 of the blob gives a 200-byte state; its bytes
 * 64..191 are "exploded" into a 2 MiB scratchpad by ten AES rounds per 16-byte block; then
 * 524288 iterations each do one AES round and one 64x64->128-bit multiply at addresses that
 * the data itself picks (a latency-bound random walk over the scratchpad, which is why it
 * wants 2 MiB of cache per thread); then the scratchpad is "imploded" back into the state,
 * which is permuted by Keccak-f. All of that is done here as the standard describes (cn/0,
 * no later variant tweaks). One part is not: CryptoNight then hashes the permuted state
 * with BLAKE-256, Groestl, JH or Skein, picked by its first byte; here the hash is the
 * state's first 32 bytes. That step is one small call per hash (well under 1 % of the
 * time), so the instruction mix and memory behaviour are CryptoNight's, but the hashes are
 * not Monero's cn/0 hashes. tests/models/miner_cryptonight.sh checks them against an
 * independent Python reference.
 *
 * AES-NI is used where CPUID reports it (algo_cryptonight_aesni.c, as XMRig does), else
 * a table-driven software AES round (XMRig's "soft AES"). --opt soft forces the software
 * rounds; --opt small (tests only) shrinks the scratchpad to 64 KiB and the loop to 16384
 * iterations; options combine with commas ("small,soft").
 *
 * The floating-point control state is left alone, as XMRig leaves it for cn/0: XMRig sets
 * MXCSR to flush-to-zero/denormals-are-zero (0x9FC0) only for RandomX, and its assembly
 * CryptoNight v2 loops switch the rounding mode to round-down (0x5F80) for their integer
 * square root; cn/0 has no floating point at all. The scratchpad is allocated as XMRig
 * does: 2 MiB huge pages (MAP_HUGETLB) when the host has some reserved, else ordinary
 * pages with transparent huge pages requested (madvise MADV_HUGEPAGE).
 */

struct cn_thread {
	uint8_t *sp;
	size_t map_len; /* mmap length, 0 if aligned_alloc */
};

static size_t mem = 2u << 20;
static uint32_t iters = 1u << 19;
static int aesni;

/* ---- Keccak-f[1600] and Keccak-1600 with the original padding (0x01 ... 0x80, rate 136) ---- */

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
	0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
	0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
	0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
	0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
	0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};
/* Rotation of lane x + 5y. */
static const unsigned keccak_rot[25] = {0,  1,  62, 28, 27, 36, 44, 6,	55, 20, 3,  10, 43,
					25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};

static uint64_t rol64(uint64_t v, unsigned n)
{
	return n ? (v << n) | (v >> (64 - n)) : v;
}

static void keccakf(uint64_t st[25])
{
	uint64_t c[5], b[25];

	for (int r = 0; r < 24; r++) {
		for (int x = 0; x < 5; x++)
			c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
		for (int i = 0; i < 25; i++)
			st[i] ^= c[(i + 4) % 5] ^ rol64(c[(i + 1) % 5], 1);
		for (int x = 0; x < 5; x++)
			for (int y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] = rol64(st[x + 5 * y], keccak_rot[x + 5 * y]);
		for (int i = 0; i < 25; i++)
			st[i] = b[i] ^ (~b[(i % 5 + 1) % 5 + 5 * (i / 5)] & b[(i % 5 + 2) % 5 + 5 * (i / 5)]);
		st[0] ^= keccak_rc[r];
	}
}

/* x86 is little-endian: the state's bytes are its lanes' bytes. */
static void keccak1600(const uint8_t *in, size_t len, uint64_t st[25])
{
	uint8_t blk[136];

	memset(st, 0, 200);
	for (;;) {
		size_t n = len < sizeof(blk) ? len : sizeof(blk);
		memset(blk, 0, sizeof(blk));
		memcpy(blk, in, n);
		if (n < sizeof(blk)) {
			blk[n] = 0x01;
			blk[sizeof(blk) - 1] |= 0x80;
		}
		for (int i = 0; i < 17; i++) {
			uint64_t w;
			memcpy(&w, blk + 8 * i, 8);
			st[i] ^= w;
		}
		keccakf(st);
		if (n < sizeof(blk))
			return;
		in += n;
		len -= n;
	}
}

/* ---- AES: the S-box, the round tables, the AES-256 key schedule ---- */

static uint8_t sbox[256];
static uint32_t te[4][256]; /* te[r][x]: row r's byte x through SubBytes and MixColumns */

static uint8_t gmul2(uint8_t a)
{
	return (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
}

/* The S-box from its definition (inverse in GF(2^8), then the affine map), so no table is
 * typed in by hand; FIPS-197's vectors in the test check the result. */
static void aes_tables(void)
{
	uint8_t exp[256], log[256];
	uint8_t x = 1;

	for (int i = 0; i < 255; i++) { /* 3 generates GF(2^8)* */
		exp[i] = x;
		log[x] = (uint8_t)i;
		x = (uint8_t)(x ^ gmul2(x));
	}
	for (int a = 0; a < 256; a++) {
		uint8_t inv = a ? exp[(255 - log[a]) % 255] : 0, s = inv;
		for (int k = 1; k < 5; k++)
			s ^= (uint8_t)((inv << k) | (inv >> (8 - k)));
		sbox[a] = (uint8_t)(s ^ 0x63);
	}
	for (int a = 0; a < 256; a++) {
		uint32_t s = sbox[a], s2 = gmul2((uint8_t)s), s3 = s2 ^ s;
		uint32_t t = s2 | s << 8 | s << 16 | s3 << 24; /* column bytes (2s, s, s, 3s) */
		for (int r = 0; r < 4; r++)
			te[r][a] = r ? (t << (8 * r)) | (t >> (32 - 8 * r)) : t;
	}
}

/* AESENC: ShiftRows, SubBytes, MixColumns, xor key; 16 bytes in the instruction's order. */
static void soft_aesenc(uint8_t out[16], const uint8_t in[16], const uint8_t key[16])
{
	uint32_t col[4];

	for (int c = 0; c < 4; c++) {
		uint32_t k;
		memcpy(&k, key + 4 * c, 4);
		col[c] = te[0][in[4 * c]] ^ te[1][in[(4 * c + 5) % 16]] ^ te[2][in[(4 * c + 10) % 16]] ^
			 te[3][in[(4 * c + 15) % 16]] ^ k;
	}
	memcpy(out, col, 16);
}

/* The first 10 round keys of the AES-256 schedule of key (CryptoNight uses 10 rounds). */
static void aes256_round_keys(const uint8_t key[32], uint8_t rk[10][16])
{
	uint8_t w[40][4];
	uint8_t rcon = 1;

	memcpy(w, key, 32);
	for (int i = 8; i < 40; i++) {
		uint8_t t[4];
		memcpy(t, w[i - 1], 4);
		if (i % 8 == 0) {
			uint8_t t0 = t[0];
			t[0] = (uint8_t)(sbox[t[1]] ^ rcon);
			t[1] = sbox[t[2]];
			t[2] = sbox[t[3]];
			t[3] = sbox[t0];
			rcon = gmul2(rcon);
		} else if (i % 8 == 4) {
			for (int j = 0; j < 4; j++)
				t[j] = sbox[t[j]];
		}
		for (int j = 0; j < 4; j++)
			w[i][j] = w[i - 8][j] ^ t[j];
	}
	memcpy(rk, w, 160);
}

/* ---- the scratchpad loop with software AES (the reference the AES-NI one must equal) ---- */

static void rounds10_soft(uint8_t x[128], const uint8_t k[10][16])
{
	for (int i = 0; i < 8; i++)
		for (int r = 0; r < 10; r++)
			soft_aesenc(x + 16 * i, x + 16 * i, k[r]);
}

void cn_scratchpad_soft(uint8_t state[200], uint8_t *sp, size_t mem_len, uint32_t n,
			const uint8_t rk_in[10][16], const uint8_t rk_out[10][16])
{
	uint8_t x[128];
	uint64_t s[8], a[2], b[2], d[2];
	const uint64_t mask = (uint64_t)(mem_len - 16);

	memcpy(x, state + 64, 128);
	for (size_t off = 0; off < mem_len; off += 128) {
		rounds10_soft(x, rk_in);
		memcpy(sp + off, x, 128);
	}
	memcpy(s, state, sizeof(s));
	a[0] = s[0] ^ s[4], a[1] = s[1] ^ s[5];
	b[0] = s[2] ^ s[6], b[1] = s[3] ^ s[7];
	for (uint32_t it = 0; it < n; it++) {
		uint8_t *p = sp + (a[0] & mask);
		uint64_t c[2];
		soft_aesenc((uint8_t *)c, p, (const uint8_t *)a);
		b[0] ^= c[0], b[1] ^= c[1];
		memcpy(p, b, 16);
		b[0] = c[0], b[1] = c[1];
		p = sp + (c[0] & mask);
		memcpy(d, p, 16);
		unsigned __int128 m = (unsigned __int128)c[0] * d[0];
		a[0] += (uint64_t)(m >> 64);
		a[1] += (uint64_t)m;
		memcpy(p, a, 16);
		a[0] ^= d[0], a[1] ^= d[1];
	}
	memcpy(x, state + 64, 128);
	for (size_t off = 0; off < mem_len; off += 128) {
		for (int i = 0; i < 128; i++)
			x[i] ^= sp[off + (size_t)i];
		rounds10_soft(x, rk_out);
	}
	memcpy(state + 64, x, 128);
}

/* ---- the algorithm as cjd-miner sees it ---- */

static int setup(int threads, const char *opt)
{
	int soft = 0;

	(void)threads;
	if (opt) {
		char buf[64], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", opt);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "soft")) {
				soft = 1;
			} else if (!strcmp(t, "small")) {
				mem = 64u << 10;
				iters = 1u << 14;
			} else {
				return miner_fail("cryptonight", "unknown --opt (want soft, small)");
			}
		}
	}
	aes_tables();
#ifdef CN_AESNI
	unsigned eax, ebx, ecx, edx;
	aesni = !soft && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_AES);
#else
	(void)soft; /* the software rounds are all there is */
#endif
	fprintf(stderr, "miner: cryptonight: %zu KiB scratchpad, %u iterations, %s AES\n",
		mem >> 10, iters, aesni ? "AES-NI" : "software");
	return 0;
}

static void *thread_new(int index)
{
	struct cn_thread *t = calloc(1, sizeof(*t));

	(void)index;
	if (!t)
		return NULL;
	/* Huge pages if the host reserved some (as XMRig asks first), else THP on an
	 * aligned ordinary allocation. */
	t->sp = mmap(NULL, mem, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (t->sp != MAP_FAILED) {
		t->map_len = mem;
		return t;
	}
	t->sp = aligned_alloc(2u << 20, mem < (2u << 20) ? 2u << 20 : mem);
	if (!t->sp) {
		free(t);
		return NULL;
	}
	madvise(t->sp, mem, MADV_HUGEPAGE); /* advice only: failure changes nothing */
	memset(t->sp, 0, mem);
	return t;
}

static void hash(void *state, const uint8_t *blob, uint8_t out[32])
{
	struct cn_thread *t = state;
	uint64_t st[25];
	uint8_t rk_in[10][16], rk_out[10][16];

	keccak1600(blob, 76, st);
	aes256_round_keys((const uint8_t *)st, rk_in);
	aes256_round_keys((const uint8_t *)st + 32, rk_out);
#ifdef CN_AESNI
	if (aesni)
		cn_scratchpad_aesni((uint8_t *)st, t->sp, mem, iters, rk_in, rk_out);
	else
#endif
		cn_scratchpad_soft((uint8_t *)st, t->sp, mem, iters, rk_in, rk_out);
	keccakf(st);
	memcpy(out, st, 32);
}

static void thread_free(void *state)
{
	struct cn_thread *t = state;

	if (!t)
		return;
	if (t->map_len)
		munmap(t->sp, t->map_len);
	else
		free(t->sp);
	free(t);
}

static void teardown(void)
{
}

/* A Monero hashing blob: 76 bytes, the nonce at offset 39. */
const struct algo algo_cryptonight = {"cryptonight", 76, 39, setup, thread_new, hash, thread_free,
				      teardown};
