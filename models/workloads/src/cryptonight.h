/* CryptoNight-style hashing shared by the portable and the AES-NI code (algo_cryptonight*.c). */
#ifndef CJD_CRYPTONIGHT_H
#define CJD_CRYPTONIGHT_H

#include <stddef.h>
#include <stdint.h>

/* The scratchpad work of one hash: explode state[64..191] into sp (mem bytes, 16-aligned,
 * a multiple of 128) with the 10 round keys rk_in, run iters main-loop iterations keyed by
 * state[0..63], implode sp back into state[64..191] with rk_out. */
void cn_scratchpad_soft(uint8_t state[200], uint8_t *sp, size_t mem, uint32_t iters,
			const uint8_t rk_in[10][16], const uint8_t rk_out[10][16]);
/* The same with AESENC; only call it where CPUID reports AES-NI. */
void cn_scratchpad_aesni(uint8_t state[200], uint8_t *sp, size_t mem, uint32_t iters,
			 const uint8_t rk_in[10][16], const uint8_t rk_out[10][16]);

#endif
