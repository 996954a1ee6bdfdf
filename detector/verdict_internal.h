/* The loaded form of a verdict model, shared by its loader (verdict_load.c) and the scorer (verdict.c). */
#ifndef CJD_DETECTOR_VERDICT_INTERNAL_H
#define CJD_DETECTOR_VERDICT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cjd/detector/verdict.h"

#define VERDICT_FORMAT "cjd-verdict"
#define VERDICT_VERSION 1
#define VERDICT_MAX_CONDS 8
#define VERDICT_MAX_RULES 64

enum vop { VOP_GE, VOP_GT, VOP_LE, VOP_LT, VOP_EQ };

/* One condition of a rule: feature op value; never holds on an absent feature. */
struct vcond {
	unsigned feat;
	enum vop op;
	double value;
};

/* A rule fires when all its conditions hold: it adds weight to the logit and says its finding. */
struct vrule {
	char id[65];
	struct vcond cond[VERDICT_MAX_CONDS];
	unsigned ncond;
	double weight;
	bool mining_specific;
	char *finding; /* with {feature} and {feature%} placeholders */
};

/* A linear term: weight * (v - mean) / scale when present, else `absent`. */
struct vterm {
	unsigned feat;
	double weight, mean, scale, absent;
};

struct cjd_verdict_model {
	char name[65];
	double bias, screen_weight;
	double low, medium, high; /* level thresholds on the score */
	struct vterm terms[CJD_EVFEAT__COUNT];
	unsigned nterms;
	struct vrule rules[VERDICT_MAX_RULES];
	unsigned nrules;
};

#endif
