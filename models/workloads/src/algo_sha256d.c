/* Bitcoin-style SHA-256d over an 80-byte block header through OpenSSL's EVP, with the midstate trick. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "miner.h"

struct sha_state {
	EVP_MD_CTX *mid;  /* SHA-256 state after the header's first 64 bytes */
	EVP_MD_CTX *work;
	const uint8_t *mid_of; /* the blob the midstate was computed for */
	uint8_t first64[64];
};

static const EVP_MD *sha256;

static int setup(int threads, const char *opt)
{
	(void)threads;
	(void)opt;
	sha256 = EVP_sha256();
	return sha256 ? 0 : miner_fail("sha256d", "EVP_sha256() failed");
}

static void *thread_new(int index)
{
	struct sha_state *s = calloc(1, sizeof(*s));

	(void)index;
	if (!s)
		return NULL;
	s->mid = EVP_MD_CTX_new();
	s->work = EVP_MD_CTX_new();
	if (!s->mid || !s->work) {
		EVP_MD_CTX_free(s->mid);
		EVP_MD_CTX_free(s->work);
		free(s);
		return NULL;
	}
	return s;
}

/* As real SHA-256d miners do: the first 64 header bytes do not change with
 * the nonce, so their compression is done once per job (the "midstate") and
 * each nonce costs the second block plus the outer hash. */
static void hash(void *state, const uint8_t *blob, uint8_t out[32])
{
	struct sha_state *s = state;
	uint8_t inner[32];
	unsigned len;

	if (s->mid_of != blob || memcmp(s->first64, blob, 64)) {
		EVP_DigestInit_ex(s->mid, sha256, NULL);
		EVP_DigestUpdate(s->mid, blob, 64);
		memcpy(s->first64, blob, 64);
		s->mid_of = blob;
	}
	EVP_MD_CTX_copy_ex(s->work, s->mid);
	EVP_DigestUpdate(s->work, blob + 64, 16);
	EVP_DigestFinal_ex(s->work, inner, &len);
	EVP_DigestInit_ex(s->work, sha256, NULL);
	EVP_DigestUpdate(s->work, inner, sizeof(inner));
	EVP_DigestFinal_ex(s->work, out, &len);
}

static void thread_free(void *state)
{
	struct sha_state *s = state;

	EVP_MD_CTX_free(s->mid);
	EVP_MD_CTX_free(s->work);
	free(s);
}

static void teardown(void)
{
}

const struct algo algo_sha256d = {"sha256d", 80, 76, setup, thread_new, hash, thread_free, teardown};
