/* A seeded portable PRNG (xoshiro256** via splitmix64): training is reproducible bit for bit. */
#ifndef CJD_TRAINER_RNG_INTERNAL_H
#define CJD_TRAINER_RNG_INTERNAL_H

#include <stdint.h>

/*
 * Not rand(): its sequence differs between C libraries, and a model must be
 * byte-identical from the same seed everywhere. xoshiro256** is small, fast
 * and well tested; splitmix64 spreads any seed (0 included) over its state.
 */
struct cjd_rng {
	uint64_t s[4];
};

void cjd_rng_seed(struct cjd_rng *r, uint64_t seed);
uint64_t cjd_rng_next(struct cjd_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double cjd_rng_double(struct cjd_rng *r);
/* Uniform in [0, bound), bound >= 1, without modulo bias (rejection). */
uint64_t cjd_rng_below(struct cjd_rng *r, uint64_t bound);

#endif
