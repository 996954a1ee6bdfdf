/* Speed measurements of the detector's hot path, for `cjd bench` (never for unit tests). */
#ifndef CJD_BENCH_DETECTOR_BENCH_H
#define CJD_BENCH_DETECTOR_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

#define CJD_BENCH_MAX_ROWS 8

/* One variant measured: a SIMD tier, or the scalar kernel at plain -O3. */
struct cjd_bench_row {
	char name[48];
	bool ran;
	char skip_reason[96];  /* why it did not run */
	/* Per tick of all cgroups, medians over the repetitions. Thread CPU time
	 * is the headline: on a shared machine it leaves out the time another
	 * process held the core; wall time is kept to show how noisy it was. */
	double median_ns;      /* CPU time */
	double min_ns, max_ns;
	double wall_median_ns;
	double windows_per_s;  /* cgroups / median */
	double speedup;        /* scalar median / this median (scalar = -fno-tree-vectorize) */
	double push_median_ns; /* tick bench: staging the round's samples, per tick (CPU) */
};

/*
 * Feature extraction alone, as the detector runs it when every cgroup is
 * sampled each round: per ratio of the set, the ratio kernel writes the
 * new slot of the ring, then the statistics kernel reads the whole window.
 * Tiers are interleaved within each repetition so they share conditions.
 */
struct cjd_bench_features {
	size_t cgroups;
	unsigned window;
	char set[4];         /* "hw" or "sw" */
	int ratios;
	unsigned reps;
	double input_bytes;  /* staged counts and ring rows read per tick */
	double bw_gbs;       /* median streaming read of those same buffers */
	char bw_tier[16];    /* the kernel that did the streaming read */
	double bw_windows_per_s; /* cgroups a second if bound only by that read */
	size_t n_rows;
	struct cjd_bench_row rows[CJD_BENCH_MAX_ROWS];
};

/* set: "hw" or "sw". Returns 0, -EINVAL or -ENOMEM (err filled). */
int cjd_bench_features_run(size_t cgroups, unsigned window, const char *set, unsigned reps,
			   struct cjd_bench_features *out, struct cjd_error *err);

/*
 * A whole detector round through the public API: push one sample per
 * cgroup (staging), then cjd_detector_tick() (ratios, rings, statistics,
 * a SYNTHETIC random gbdt - it detects nothing, it only costs what a real
 * one of that shape costs - and the alert state machines). Per tier.
 */
struct cjd_bench_tick {
	size_t cgroups;
	unsigned window;
	char set[4];
	size_t trees;
	unsigned depth;
	size_t features;     /* the model's features: every feature of the set */
	unsigned reps;
	size_t n_rows;
	struct cjd_bench_row rows[CJD_BENCH_MAX_ROWS];
};

/*
 * The gbdt kernel of every tier alone, on the same SYNTHETIC random forest
 * of trees x depth over every feature of the set (thresholds drawn from
 * plausible feature values) and the same feature matrix of `cgroups`
 * lanes: what scoring one round costs, per tier. Returns 0, -EINVAL or
 * -ENOMEM (err filled).
 */
struct cjd_bench_gbdt {
	size_t cgroups;
	char set[4];
	size_t trees;
	unsigned depth;
	size_t features;
	unsigned reps;
	size_t n_rows;
	struct cjd_bench_row rows[CJD_BENCH_MAX_ROWS];
};

int cjd_bench_gbdt_run(size_t cgroups, const char *set, size_t trees, unsigned depth,
		       unsigned reps, struct cjd_bench_gbdt *out, struct cjd_error *err);

int cjd_bench_tick_run(size_t cgroups, unsigned window, const char *set, size_t trees,
		       unsigned depth, unsigned reps, struct cjd_bench_tick *out,
		       struct cjd_error *err);

#endif
