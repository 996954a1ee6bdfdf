/* The trained model as plain C data (both kinds) and its reference scorer. */
#ifndef CJD_TRAINER_MODEL_H
#define CJD_TRAINER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"

/*
 * Named cjd_trained_* so it never collides with the detector's loaded model
 * (struct cjd_model, read-only flat arrays for SIMD): this one is what the
 * trainer produces and the writer serialises. It is a transparent record,
 * like struct cjd_sample: the trainer fills it, the writer reads it.
 */
enum cjd_trained_kind {
	CJD_TRAINED_LOGISTIC = 0,
	CJD_TRAINED_GBDT,
};

/* "logistic" / "gbdt"; NULL when out of range. */
const char *cjd_trained_kind_name(enum cjd_trained_kind k);
/* Parses "logistic" / "gbdt". Returns 0 or -EINVAL. */
int cjd_trained_kind_parse(const char *s, enum cjd_trained_kind *out);

/* How a feature is transformed before the model sees it: z = (g(x) - mean) / scale. */
enum cjd_trained_norm {
	CJD_TRAINED_NORM_NONE = 0,	/* z = x (the GBDT: trees are invariant to scaling) */
	CJD_TRAINED_NORM_STANDARD,	/* g(x) = x */
	CJD_TRAINED_NORM_LOG1P_STANDARD /* g(x) = log1p(x), for nonnegative heavy-tailed rates */
};

const char *
cjd_trained_norm_name(enum cjd_trained_norm n); /* "none", "standard", "log1p_standard" */

/*
 * One tree node. The layout maps directly onto flat arrays:
 *   inner node: feature >= 0, and a row goes LEFT when x[feature] < threshold
 *               (strictly less), else RIGHT. Thresholds are in the raw
 *               feature space (GBDT features are never normalised).
 *   leaf:       feature = -1, left = right = -1, value = its log-odds
 *               contribution (learning rate already applied).
 * left/right index the tree's own node array (root = 0). Nodes are stored in
 * depth-first preorder, so children always come after their parent.
 */
struct cjd_trained_node {
	int32_t feature;
	float threshold;
	int32_t left, right;
	float value;
};

/*
 * The training run, recorded in the model for provenance. Everything here is
 * deterministic (no clock, no host name), so the same data and seed give a
 * byte-identical file.
 */
struct cjd_trained_meta {
	uint64_t seed;
	size_t rows, miner_rows, benign_rows;
	size_t groups, miner_groups, benign_groups;
	char **group_names; /* [groups], owned */
	bool *group_miner;  /* [groups], owned */
	size_t *group_rows; /* [groups], owned */
	/* Parameters, as "key" -> number text pairs in a fixed order (owned). */
	size_t n_params, cap_params;
	char **param_keys, **param_values; /* [n_params], room for cap_params */
	/* Calibration that chose threshold / threshold_low. */
	double target_fpr, target_fpr_low;
	double train_fpr,
	    train_tpr; /* at threshold, over the training rows (weighted as counted: rows) */
	/* What the rows were made from (traces, feature set, intervals), as one JSON
	 * object text written verbatim as meta.data; set by the caller (cjd train),
	 * owned, may be NULL. It must be deterministic too: no paths or clocks. */
	char *data_json;
};

struct cjd_trained_model {
	enum cjd_trained_kind kind;
	/* Set by the caller (the CLI) for the file; defaults are filled by the trainer. */
	char *name;	       /* [A-Za-z0-9._+-]{1,64}, owned */
	char *version;	       /* printable ASCII, 1..64, owned */
	char *description;     /* owned, may be NULL */
	unsigned window;       /* W the features were computed over; 0 = unknown */
	cjd_event_mask events; /* events the features need; 0 = unknown */

	size_t n_features;
	char **feature_names;	     /* [n_features], owned */
	enum cjd_trained_norm *norm; /* [n_features] */
	double *mean, *scale;	     /* [n_features]; 0 and 1 for NORM_NONE */

	/* logistic: logit = bias + sum_j weights[j] * z_j */
	double bias;
	double *weights; /* [n_features] */

	/* gbdt: logit = base_score + sum over trees of the leaf reached */
	float base_score;
	size_t n_trees;
	size_t *tree_start; /* [n_trees + 1]: tree t is nodes[tree_start[t] .. tree_start[t+1]) */
	struct cjd_trained_node *nodes; /* all trees, concatenated */

	/* A window scoring >= threshold is flagged; a firing alert counts windows
	 * below threshold_low towards resolving. Both are probabilities (0..1). */
	float threshold, threshold_low;

	struct cjd_trained_meta meta;
};

/* A zeroed model of the kind with n_features names copied. Returns NULL on ENOMEM. */
struct cjd_trained_model *cjd_trained_model_new(enum cjd_trained_kind kind, size_t n_features,
						const char *const *names);
/* Accepts NULL. Frees every owned field. */
void cjd_trained_model_free(struct cjd_trained_model *m);

/* Replaces an owned string field (name, version, description). Returns 0 or -ENOMEM. */
int cjd_trained_model_set_string(char **field, const char *value);

/*
 * The reference scorer, in double: the log-odds of one feature vector
 * x[0..n_features) in the model's own feature order, and the score (its
 * sigmoid, 0..1). The detector has its own fast float version; the two must
 * agree on every flag decision except within float rounding of the
 * threshold. Thread-safe (m read-only).
 */
double cjd_trained_model_logit(const struct cjd_trained_model *m, const float *x);
float cjd_trained_model_score(const struct cjd_trained_model *m, const float *x);
/* The score of a logit: its sigmoid, rounded to float. */
float cjd_trained_model_score_logit(double logit);

/* The deepest leaf's depth over all trees (root alone = 0); 0 for logistic. */
unsigned cjd_trained_model_depth(const struct cjd_trained_model *m);

#endif
