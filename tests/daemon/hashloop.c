/* A miner-shaped test workload: SHA-256d over an 80-byte header with an incrementing nonce, forever. */
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Not a benign-looking loop: this is the inner loop of a bitcoin-style miner
 * (double SHA-256 of a block header, nonce in the last 4 bytes, compare with
 * a target), run until killed. It prints the best hash prefix now and then
 * so the compiler cannot drop the work.
 */
int main(void)
{
	unsigned char header[80], h1[32], h2[32];
	uint32_t best = UINT32_MAX;

	memset(header, 0x5a, sizeof(header));
	for (uint64_t nonce = 0;; nonce++) {
		uint32_t n32 = (uint32_t)nonce;
		memcpy(header + 76, &n32, 4);
		SHA256(header, sizeof(header), h1);
		SHA256(h1, sizeof(h1), h2);
		uint32_t lead = (uint32_t)h2[31] << 24 | (uint32_t)h2[30] << 16 |
				(uint32_t)h2[29] << 8 | h2[28];
		if (lead < best) {
			best = lead;
			fprintf(stderr, "nonce %llu: best %08x\n", (unsigned long long)nonce, best);
		}
	}
}
