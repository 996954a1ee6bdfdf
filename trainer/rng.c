/* xoshiro256** (Blackman and Vigna) with splitmix64 seeding. */
#include "rng_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void cjd_rng_seed(struct cjd_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t cjd_rng_next(struct cjd_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double cjd_rng_double(struct cjd_rng *r)
{
	return (double)(cjd_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t cjd_rng_below(struct cjd_rng *r, uint64_t bound)
{
	/* Reject the top partial copy of [0, bound) so every value is equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t x;

	do
		x = cjd_rng_next(r);
	while (x >= limit);
	return x % bound;
}
