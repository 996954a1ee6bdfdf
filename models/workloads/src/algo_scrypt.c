/* Litecoin-style scrypt (N=1024, r=1, p=1; the header is password and salt) through OpenSSL 3's EVP_KDF. */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdlib.h>

#include "miner.h"

static EVP_KDF *kdf;

static int setup(int threads, const char *opt)
{
	(void)threads;
	(void)opt;
	kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	return kdf ? 0 : miner_fail("scrypt", "EVP_KDF_fetch(SCRYPT) failed");
}

static void *thread_new(int index)
{
	(void)index;
	return EVP_KDF_CTX_new(kdf);
}

static void hash(void *state, const uint8_t *blob, uint8_t out[32])
{
	uint64_t n = 1024;
	uint32_t r = 1, p = 1;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)blob, 80),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)blob, 80),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_end(),
	};

	if (EVP_KDF_derive(state, out, 32, params) != 1)
		abort(); /* cannot happen with these fixed parameters */
}

static void thread_free(void *state)
{
	EVP_KDF_CTX_free(state);
}

static void teardown(void)
{
	EVP_KDF_free(kdf);
}

const struct algo algo_scrypt = {"scrypt", 80, 76, setup, thread_new, hash, thread_free, teardown};
