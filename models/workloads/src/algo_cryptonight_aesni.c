/* The CryptoNight-style scratchpad loop with AES-NI (built with -maes; called only where CPUID says AES). */
#if !defined(__x86_64__) && !defined(__i386__)
#error "AES-NI is x86's: the Makefile builds this file only for x86"
#endif
#include <immintrin.h>
#include <string.h>

#include "cryptonight.h"

/* Ten AESENC rounds on each of the 128-byte text's eight blocks, as CryptoNight's explode and
 * implode do (no first-round key addition, no AESENCLAST). */
static inline void rounds10(__m128i x[8], const __m128i k[10])
{
	for (int r = 0; r < 10; r++)
		for (int i = 0; i < 8; i++)
			x[i] = _mm_aesenc_si128(x[i], k[r]);
}

void cn_scratchpad_aesni(uint8_t state[200], uint8_t *sp, size_t mem, uint32_t iters,
			 const uint8_t rk_in[10][16], const uint8_t rk_out[10][16])
{
	__m128i k[10], x[8];
	const uint64_t mask = (uint64_t)(mem - 16);
	uint64_t a0, a1, b0, b1, s[8];

	for (int r = 0; r < 10; r++)
		k[r] = _mm_loadu_si128((const __m128i *)rk_in[r]);
	for (int i = 0; i < 8; i++)
		x[i] = _mm_loadu_si128((const __m128i *)(state + 64 + 16 * i));
	for (size_t off = 0; off < mem; off += 128) {
		rounds10(x, k);
		for (int i = 0; i < 8; i++)
			_mm_store_si128((__m128i *)(sp + off + 16 * i), x[i]);
	}

	memcpy(s, state, sizeof(s));
	a0 = s[0] ^ s[4], a1 = s[1] ^ s[5];
	b0 = s[2] ^ s[6], b1 = s[3] ^ s[7];
	for (uint32_t it = 0; it < iters; it++) {
		/* One AES round keyed by a on the block a points at; b ^ result goes back. */
		__m128i *p = (__m128i *)(sp + (a0 & mask));
		__m128i c = _mm_aesenc_si128(_mm_load_si128(p), _mm_set_epi64x((long long)a1, (long long)a0));
		_mm_store_si128(p, _mm_xor_si128(_mm_set_epi64x((long long)b1, (long long)b0), c));
		b0 = (uint64_t)_mm_cvtsi128_si64(c);
		b1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(c, c));
		/* A 64x64->128 multiply with the block the result points at; a += (hi, lo). */
		uint64_t *d = (uint64_t *)(sp + (b0 & mask));
		uint64_t d0 = d[0], d1 = d[1];
		unsigned __int128 m = (unsigned __int128)b0 * d0;
		a0 += (uint64_t)(m >> 64);
		a1 += (uint64_t)m;
		d[0] = a0;
		d[1] = a1;
		a0 ^= d0;
		a1 ^= d1;
	}

	for (int r = 0; r < 10; r++)
		k[r] = _mm_loadu_si128((const __m128i *)rk_out[r]);
	for (int i = 0; i < 8; i++)
		x[i] = _mm_loadu_si128((const __m128i *)(state + 64 + 16 * i));
	for (size_t off = 0; off < mem; off += 128) {
		for (int i = 0; i < 8; i++)
			x[i] = _mm_xor_si128(x[i], _mm_load_si128((const __m128i *)(sp + off + 16 * i)));
		rounds10(x, k);
	}
	for (int i = 0; i < 8; i++)
		_mm_storeu_si128((__m128i *)(state + 64 + 16 * i), x[i]);
}
