/* Synthetic fixtures for the trainer tests: separable, XOR and overlapping two-class sets. */
#include <stdio.h>
#include <stdlib.h>

#include "fixtures.h"

double fx_uniform(uint64_t *state, double lo, double hi)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return lo + (hi - lo) * ((double)(z >> 11) * 0x1.0p-53);
}

static struct cjd_dataset *build(unsigned gpc, unsigned rpg, uint64_t seed, int want_dims,
				 void (*draw)(float *x, int miner, uint64_t *st))
{
	static const char *const names[] = {"f0", "f1", "f2"};
	struct cjd_dataset *ds;
	uint64_t st = seed;

	if (cjd_dataset_new(&ds, (size_t)want_dims, names, NULL))
		return NULL;
	for (int cls = 1; cls >= 0; cls--) {
		for (unsigned g = 0; g < gpc; g++) {
			char group[32], run[48];
			snprintf(group, sizeof(group), "%s/%c%u", cls ? "miner" : "benign",
				 cls ? 'm' : 'b', g);
			snprintf(run, sizeof(run), "%s#run", group);
			for (unsigned i = 0; i < rpg; i++) {
				float x[3];
				draw(x, cls, &st);
				if (cjd_dataset_append(ds, group, run, i, cls, x, NULL)) {
					cjd_dataset_free(ds);
					return NULL;
				}
			}
		}
	}
	return ds;
}

static void draw_linear(float *x, int miner, uint64_t *st)
{
	for (;;) {
		x[0] = (float)fx_uniform(st, -1, 1);
		x[1] = (float)fx_uniform(st, -1, 1);
		x[2] = (float)fx_uniform(st, -1, 1);
		float s = x[0] + x[1];
		if ((miner && s > 0.2f) || (!miner && s < -0.2f))
			return;
	}
}

static void draw_xor(float *x, int miner, uint64_t *st)
{
	for (;;) {
		x[0] = (float)fx_uniform(st, -1, 1);
		x[1] = (float)fx_uniform(st, -1, 1);
		x[2] = (float)fx_uniform(st, -1, 1);
		if (x[0] > -0.1f && x[0] < 0.1f)
			continue;
		if (x[1] > -0.1f && x[1] < 0.1f)
			continue;
		if (((x[0] > 0) != (x[1] > 0)) == miner)
			return;
	}
}

static void draw_overlap(float *x, int miner, uint64_t *st)
{
	x[0] = (float)(miner ? fx_uniform(st, -0.5, 1.5) : fx_uniform(st, -1.5, 0.5));
	x[1] = (float)fx_uniform(st, -1, 1);
	x[2] = (float)fx_uniform(st, -1, 1);
}

struct cjd_dataset *fx_linear(unsigned gpc, unsigned rpg, uint64_t seed)
{
	return build(gpc, rpg, seed, 3, draw_linear);
}

struct cjd_dataset *fx_xor(unsigned gpc, unsigned rpg, uint64_t seed)
{
	return build(gpc, rpg, seed, 3, draw_xor);
}

struct cjd_dataset *fx_overlap(unsigned gpc, unsigned rpg, uint64_t seed)
{
	return build(gpc, rpg, seed, 3, draw_overlap);
}

double fx_accuracy(const struct cjd_dataset *ds, const float *score)
{
	size_t n = cjd_dataset_rows(ds), ok = 0;

	for (size_t i = 0; i < n; i++)
		ok += (score[i] >= 0.5f) == cjd_dataset_miner(ds, i);
	return (double)ok / (double)n;
}
