/* Shared between the `cjd bench` subjects: their options. */
#ifndef CJD_CLI_BENCH_H
#define CJD_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_opts {
	size_t cgroups;
	unsigned reps;
	unsigned windows[4];
	size_t n_windows;
	const char *sets[2];
	size_t n_sets;
	size_t trees;
	unsigned depth;
	uint64_t samples;
	const char *model;
	const char *keep;
	bool json;
};

struct cjd_jw;

/* A measurement as a JSON member: a whole number (ns, counts, rates), or null when negative or not finite. */
void bench_json_whole(struct cjd_jw *w, const char *key, double v);

/* `cjd bench replay`: cjd replay --speed max on a generated synthetic trace. */
int bench_replay(const struct bench_opts *o);

#endif
