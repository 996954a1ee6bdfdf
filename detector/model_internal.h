/* The flat in-memory model the loader builds and the predictors (and the per-tier gbdt kernels) read. */
#ifndef CJD_DETECTOR_MODEL_INTERNAL_H
#define CJD_DETECTOR_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"

/*
 * Every tree is stored complete at the depth D of the deepest one: node k's
 * children are 2k+1 and 2k+2, leaves follow the 2^D - 1 inner nodes. A
 * shallower leaf is padded with inner nodes that always go left (threshold
 * +inf) and its value copied to every leaf below. Traversal is then pure
 * index arithmetic, which is what lets SIMD walk 16 cgroups through a tree
 * in lockstep.
 *
 * Thresholds are stored in raw feature space: the loader inverts the
 * feature's (monotone) normalisation, so prediction never normalises.
 * A lane goes right iff x > thr.
 */
struct cjd_gbdt_flat {
	unsigned depth;   /* D, 0..CJD_MODEL_MAX_DEPTH */
	size_t n_trees;
	size_t n_inner;   /* 2^D - 1 per tree */
	size_t n_leaves;  /* 2^D per tree */
	int32_t *feat;    /* [n_trees][n_inner]: index into the full feature vector */
	float *thr;       /* [n_trees][n_inner] */
	float *leaf;      /* [n_trees][n_leaves]: log-odds */
	float base;       /* base score, log-odds */
};

struct cjd_model {
	char name[65];
	char version[65];
	enum cjd_model_kind kind;
	unsigned window;
	cjd_event_mask events;
	float threshold, threshold_low;
	size_t n_feat;
	int feat[CJD_MODEL_MAX_FEATURES];            /* index into the full vector */
	enum cjd_norm norm[CJD_MODEL_MAX_FEATURES];
	double mean[CJD_MODEL_MAX_FEATURES], scale[CJD_MODEL_MAX_FEATURES];
	/* logistic with normalisation folded in: z = bias + sum coef[j] * g_j(x_j),
	 * g_j = log1p for log1p_standard features, identity otherwise */
	float bias;
	float coef[CJD_MODEL_MAX_FEATURES];
	bool log1p[CJD_MODEL_MAX_FEATURES];
	struct cjd_gbdt_flat gbdt;
};

/* Builds a random gbdt over the given features, for speed benchmarks only
 * (synthetic: it detects nothing). Thresholds are drawn from the feature
 * values of lanes 0..n-1 of x so that traversals branch both ways. */
int cjd_model_synthetic_gbdt(struct cjd_model **out, const int *features, size_t n_features,
			     size_t n_trees, unsigned depth, const float *x, size_t pitch, size_t n,
			     uint64_t seed);

#endif
