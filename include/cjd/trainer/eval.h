/* Evaluation of scored windows per workload and run: pooled confusion and AUC, per-run alerts. */
#ifndef CJD_TRAINER_EVAL_H
#define CJD_TRAINER_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/metrics.h"
#include "cjd/trainer/model.h"

/* One run (a recording of one cgroup) under the alert rule. */
struct cjd_eval_run {
	uint32_t run, group;
	size_t windows, flagged;
	bool fired;
	size_t fire_window; /* 1-based window at which it fired (0 when it did not) */
};

/* One workload: its window rate is TPR for a miner, FPR for a benign one. */
struct cjd_eval_group {
	uint32_t group;
	bool miner;
	size_t windows, flagged;
	double rate;			/* flagged / windows (0 when no window) */
	float threshold, threshold_low; /* what scored it (LOWO: its fold's model) */
	size_t runs, runs_fired;
	size_t slowest_fire; /* largest fire_window of its fired runs */
};

struct cjd_eval {
	bool cross_validated; /* scores are out-of-fold (LOWO) */
	unsigned k;	      /* the alert rule's K */
	size_t n_rows;
	float *score;		 /* [n_rows], by dataset row */
	float *row_threshold;	 /* [n_rows]: the threshold that judged each row */
	struct cjd_confusion cm; /* pooled over all rows, each at its own threshold */
	double tpr, fpr;
	bool has_auc; /* false when a class is absent */
	double auc;   /* pooled over all scores (LOWO: out-of-fold scores of different models) */
	size_t n_groups;
	struct cjd_eval_group *groups; /* [n_groups], by dataset group index */
	size_t n_runs;
	struct cjd_eval_run *runs; /* [n_runs], by dataset run index */
	/* The alert-level verdict. */
	size_t miner_runs, miner_runs_fired, benign_runs, benign_runs_fired;
	size_t slowest_fire; /* over all fired miner runs */
};

/*
 * Summarises scores of every row of ds (score[0..rows), copied). Each group
 * g is judged at group_thr[g] / group_thr_low[g] when those arrays are given
 * (LOWO: each fold its own model), else at thr / thr_low. k: the alert rule's
 * K (0 = CJD_ALERT_K_DEFAULT). Returns 0, -EINVAL (an empty dataset, a
 * non-finite score) with err, -ENOMEM.
 */
int cjd_eval_scores(const struct cjd_dataset *ds, const float *score, const float *group_thr,
		    const float *group_thr_low, float thr, float thr_low, unsigned k,
		    struct cjd_eval **out, struct cjd_error *err);

/* Scores every row with the reference scorer and summarises at the model's thresholds. */
int cjd_eval_model(const struct cjd_trained_model *m, const struct cjd_dataset *ds, unsigned k,
		   struct cjd_eval **out, struct cjd_error *err);

/* Accepts NULL. */
void cjd_eval_free(struct cjd_eval *e);

/* True when e's rows, groups and runs are those of ds (it was computed on ds). */
bool cjd_eval_matches(const struct cjd_eval *e, const struct cjd_dataset *ds);

#endif
