/* Two more hashing families over OpenSSL 3's EVP digests: Blake2b (Sia-style header) and SHA3-256/Keccak (MaxCoin-style). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "miner.h"

/* The digest of each algorithm, fetched once by setup (EVP_get_digestbyname: no network,
 * no provider other than the default one). */
static const EVP_MD *md_blake2b, *md_keccak;

static int setup_md(const EVP_MD **md, const char *digest, const char *algo)
{
	*md = EVP_get_digestbyname(digest);
	return *md ? 0 : miner_fail(algo, "the digest is not available in this OpenSSL");
}

static int setup_blake2b(int threads, const char *opt)
{
	(void)threads;
	(void)opt;
	return setup_md(&md_blake2b, "BLAKE2B-512", "blake2b");
}

static int setup_keccak(int threads, const char *opt)
{
	(void)threads;
	(void)opt;
	return setup_md(&md_keccak, "SHA3-256", "keccak");
}

static void *thread_new(int index)
{
	(void)index;
	return EVP_MD_CTX_new();
}

/* One digest of the whole header per nonce; the hash is its first 32 bytes (Sia takes
 * Blake2b-256; OpenSSL's BLAKE2B-512 is the same compression function with another IV
 * parameter block, so the cost per nonce is Blake2b's). */
static void digest(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *blob, size_t len, uint8_t out[32])
{
	uint8_t full[64];
	unsigned n;

	EVP_DigestInit_ex(ctx, md, NULL);
	EVP_DigestUpdate(ctx, blob, len);
	EVP_DigestFinal_ex(ctx, full, &n);
	memcpy(out, full, 32);
}

static void hash_blake2b(void *state, const uint8_t *blob, uint8_t out[32])
{
	digest(state, md_blake2b, blob, 80, out);
}

static void hash_keccak(void *state, const uint8_t *blob, uint8_t out[32])
{
	digest(state, md_keccak, blob, 80, out);
}

static void thread_free(void *state)
{
	EVP_MD_CTX_free(state);
}

static void teardown(void)
{
}

/* Sia's 80-byte header: the 8-byte nonce at offset 32 (its low 32 bits here). */
const struct algo algo_blake2b = {"blake2b", 80, 32, setup_blake2b, thread_new, hash_blake2b,
				  thread_free, teardown};
/* An 80-byte Bitcoin-layout header, nonce at 76, hashed once with SHA3-256. */
const struct algo algo_keccak = {"keccak", 80, 76, setup_keccak, thread_new, hash_keccak,
				 thread_free, teardown};
