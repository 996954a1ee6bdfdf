/* The training options cjd train and cjd eval --lowo-train share, and LOWO scored by the detector. */
#ifndef CJD_CLI_TRAIN_OPTS_H
#define CJD_CLI_TRAIN_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/train.h"
#include "train_data.h"

#define TR_MAX_DROP 64

struct tr_opts {
	struct cjd_train_config cfg;
	bool have_set;
	enum td_set set;
	unsigned window;
	struct td_intervals intervals;
	const char *intervals_text; /* as given, for the model's metadata */
	const char *drop[TR_MAX_DROP];
	size_t n_drop;
	bool no_log1p;
	bool log1p[CJD_FEATURES_MAX]; /* per dataset feature, filled by tr_prepare */
	const char *increasing[TR_MAX_DROP], *decreasing[TR_MAX_DROP];
	size_t n_increasing, n_decreasing;
	int8_t monotone[CJD_FEATURES_MAX]; /* per dataset feature, filled by tr_finish */
};

/* Defaults: gbdt with the trainer's defaults, W = 8, as recorded, groups balanced. */
void tr_opts_init(struct tr_opts *o);

/* The long options below, to be copied into a command's getopt_long table. */
enum {
	TR_OPT_KIND = 300,
	TR_OPT_FEATURES,
	TR_OPT_SEED,
	TR_OPT_TREES,
	TR_OPT_DEPTH,
	TR_OPT_LR,
	TR_OPT_BINS,
	TR_OPT_MIN_LEAF,
	TR_OPT_MIN_CHILD,
	TR_OPT_L2,
	TR_OPT_SUBSAMPLE,
	TR_OPT_COLSAMPLE,
	TR_OPT_WINDOW,
	TR_OPT_INTERVALS,
	TR_OPT_TARGET_FPR,
	TR_OPT_TARGET_FPR_LOW,
	TR_OPT_MIN_THRESHOLD,
	TR_OPT_BENIGN_WEIGHT,
	TR_OPT_MINER_WEIGHT,
	TR_OPT_NO_BALANCE,
	TR_OPT_DROP,
	TR_OPT_NO_LOG1P,
	TR_OPT_INCREASING,
	TR_OPT_DECREASING,
};

#define TR_LONG_OPTIONS                                                                            \
	{"kind", required_argument, NULL, TR_OPT_KIND},                                            \
	    {"features", required_argument, NULL, TR_OPT_FEATURES},                                \
	    {"seed", required_argument, NULL, TR_OPT_SEED},                                        \
	    {"trees", required_argument, NULL, TR_OPT_TREES},                                      \
	    {"depth", required_argument, NULL, TR_OPT_DEPTH},                                      \
	    {"learning-rate", required_argument, NULL, TR_OPT_LR},                                 \
	    {"bins", required_argument, NULL, TR_OPT_BINS},                                        \
	    {"min-leaf", required_argument, NULL, TR_OPT_MIN_LEAF},                                \
	    {"min-child-weight", required_argument, NULL, TR_OPT_MIN_CHILD},                       \
	    {"l2", required_argument, NULL, TR_OPT_L2},                                            \
	    {"subsample", required_argument, NULL, TR_OPT_SUBSAMPLE},                              \
	    {"colsample", required_argument, NULL, TR_OPT_COLSAMPLE},                              \
	    {"window", required_argument, NULL, TR_OPT_WINDOW},                                    \
	    {"intervals", required_argument, NULL, TR_OPT_INTERVALS},                              \
	    {"target-fpr", required_argument, NULL, TR_OPT_TARGET_FPR},                            \
	    {"target-fpr-low", required_argument, NULL, TR_OPT_TARGET_FPR_LOW},                    \
	    {"min-threshold", required_argument, NULL, TR_OPT_MIN_THRESHOLD},                      \
	    {"benign-weight", required_argument, NULL, TR_OPT_BENIGN_WEIGHT},                      \
	    {"miner-weight", required_argument, NULL, TR_OPT_MINER_WEIGHT},                        \
	    {"no-balance", no_argument, NULL, TR_OPT_NO_BALANCE},                                  \
	    {"drop", required_argument, NULL, TR_OPT_DROP},                                        \
	    {"increasing", required_argument, NULL, TR_OPT_INCREASING},                            \
	    {"decreasing", required_argument, NULL, TR_OPT_DECREASING},                            \
	{                                                                                          \
		"no-log1p", no_argument, NULL, TR_OPT_NO_LOG1P                                     \
	}

/* The help text of those options (for both commands' usage). */
extern const char tr_options_help[];

/*
 * Handles one getopt result c (with optarg). Returns 1 when c is a training
 * option and it was applied, 0 when c is not one of them, or CJD_EXIT_USAGE
 * after printing a usage error naming the option (cmd: "train" or "eval").
 */
int tr_opt(const char *cmd, int c, const char *arg, struct tr_opts *o);

/*
 * After parsing: checks that --features was given and that the kind's
 * parameters are consistent (usage errors, CJD_EXIT_USAGE); fills feat and
 * the gbdt's monotone constraints. Returns 0 or CJD_EXIT_USAGE.
 */
int tr_finish(const char *cmd, struct tr_opts *o, struct td_features *feat);

/* Per dataset feature: log1p_standard for the logistic model when the feature
 * is nonnegative (rates are heavy-tailed), unless --no-log1p. */
void tr_prepare(struct tr_opts *o, const struct td_features *feat);

/*
 * Leave-one-workload-out, scored the way production scores: each fold's
 * model is trained on every other workload, written by the model writer,
 * loaded by the detector's loader and scored with cjd_model_predict_one;
 * each held-out workload is judged at its fold's calibrated thresholds.
 * k: the alert rule's K. Needs >= 2 miner and >= 2 benign workloads.
 * Returns 0, -EINVAL with err (too few workloads, a fold's failure), -ENOMEM.
 */
int tr_lowo(const struct tr_opts *o, const struct td_features *feat, const struct td_data *d,
	    unsigned k, bool quiet, struct cjd_eval **out, struct cjd_error *err);

/* Sets the fields the trainer leaves to the caller: W, the events, name, version. */
int tr_model_finish(struct cjd_trained_model *m, const struct tr_opts *o,
		    const struct td_features *feat, const char *name, const char *version,
		    const char *description);

#endif
