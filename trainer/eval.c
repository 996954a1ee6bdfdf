/* Summarises scored windows: pooled confusion and AUC, per-workload rates, per-run alerts. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/train.h"

void cjd_eval_free(struct cjd_eval *e)
{
	if (!e)
		return;
	free(e->score);
	free(e->row_threshold);
	free(e->groups);
	free(e->runs);
	free(e);
}

bool cjd_eval_matches(const struct cjd_eval *e, const struct cjd_dataset *ds)
{
	return e->n_rows == cjd_dataset_rows(ds) && e->n_groups == cjd_dataset_groups(ds) &&
	       e->n_runs == cjd_dataset_runs(ds);
}

/* Runs each run through the alert rule at its group's threshold. */
static int judge_runs(struct cjd_eval *e, const struct cjd_dataset *ds)
{
	size_t longest = 0;

	for (uint32_t r = 0; r < e->n_runs; r++) {
		size_t n;
		cjd_dataset_run_rows(ds, r, &n);
		longest = n > longest ? n : longest;
	}
	float *seq = malloc((longest ? longest : 1) * sizeof(*seq));
	if (!seq)
		return -ENOMEM;
	for (uint32_t r = 0; r < e->n_runs; r++) {
		size_t n;
		const uint32_t *rows = cjd_dataset_run_rows(ds, r, &n);
		uint32_t g = cjd_dataset_run_group(ds, r);
		struct cjd_eval_run *ru = &e->runs[r];
		struct cjd_eval_group *gr = &e->groups[g];
		*ru = (struct cjd_eval_run){.run = r, .group = g, .windows = n};
		for (size_t i = 0; i < n; i++) {
			seq[i] = e->score[rows[i]];
			ru->flagged += seq[i] >= gr->threshold;
		}
		ru->fired = cjd_alert_sim(seq, n, gr->threshold, e->k, &ru->fire_window);
		gr->runs++;
		if (ru->fired) {
			gr->runs_fired++;
			if (ru->fire_window > gr->slowest_fire)
				gr->slowest_fire = ru->fire_window;
		}
		if (gr->miner) {
			e->miner_runs++;
			if (ru->fired) {
				e->miner_runs_fired++;
				if (ru->fire_window > e->slowest_fire)
					e->slowest_fire = ru->fire_window;
			}
		} else {
			e->benign_runs++;
			e->benign_runs_fired += ru->fired;
		}
	}
	free(seq);
	return 0;
}

int cjd_eval_scores(const struct cjd_dataset *ds, const float *score, const float *group_thr,
		    const float *group_thr_low, float thr, float thr_low, unsigned k,
		    struct cjd_eval **out, struct cjd_error *err)
{
	size_t n = cjd_dataset_rows(ds);
	struct cjd_eval *e;
	bool *miner = NULL;
	int rc = -ENOMEM;

	if (n == 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "nothing to evaluate: no windows");
	for (size_t i = 0; i < n; i++)
		if (!isfinite(score[i]))
			return cjd_error_set(
			    err, -EINVAL, NULL, 0, 0, "window %zu (run %s) has score %g", i,
			    cjd_dataset_run_name(ds, cjd_dataset_run(ds, i)), (double)score[i]);
	e = calloc(1, sizeof(*e));
	if (!e)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	e->k = k ? k : CJD_ALERT_K_DEFAULT;
	e->n_rows = n;
	e->n_groups = cjd_dataset_groups(ds);
	e->n_runs = cjd_dataset_runs(ds);
	e->score = malloc(n * sizeof(*e->score));
	e->row_threshold = malloc(n * sizeof(*e->row_threshold));
	e->groups = calloc(e->n_groups, sizeof(*e->groups));
	e->runs = calloc(e->n_runs, sizeof(*e->runs));
	miner = malloc(n * sizeof(*miner));
	if (!e->score || !e->row_threshold || !e->groups || !e->runs || !miner)
		goto out;
	memcpy(e->score, score, n * sizeof(*score));
	for (uint32_t g = 0; g < e->n_groups; g++) {
		e->groups[g] = (struct cjd_eval_group){
		    .group = g,
		    .miner = cjd_dataset_group_miner(ds, g),
		    .threshold = group_thr ? group_thr[g] : thr,
		    .threshold_low = group_thr_low ? group_thr_low[g] : thr_low,
		};
	}
	for (size_t i = 0; i < n; i++) {
		struct cjd_eval_group *gr = &e->groups[cjd_dataset_group(ds, i)];
		bool flag = score[i] >= gr->threshold;
		miner[i] = gr->miner;
		e->row_threshold[i] = gr->threshold;
		gr->windows++;
		gr->flagged += flag;
		if (gr->miner)
			*(flag ? &e->cm.tp : &e->cm.fn) += 1;
		else
			*(flag ? &e->cm.fp : &e->cm.tn) += 1;
	}
	for (uint32_t g = 0; g < e->n_groups; g++) {
		struct cjd_eval_group *gr = &e->groups[g];
		gr->rate = gr->windows ? (double)gr->flagged / (double)gr->windows : 0.0;
	}
	e->tpr = cjd_confusion_tpr(&e->cm);
	e->fpr = cjd_confusion_fpr(&e->cm);
	rc = cjd_roc_auc(score, miner, n, &e->auc);
	if (rc && rc != -EDOM)
		goto out;
	e->has_auc = rc == 0;
	if ((rc = judge_runs(e, ds)))
		goto out;
	free(miner);
	*out = e;
	return 0;
out:
	free(miner);
	cjd_eval_free(e);
	return cjd_error_set(err, rc, NULL, 0, 0, "evaluation: %s", strerror(-rc));
}

int cjd_eval_model(const struct cjd_trained_model *m, const struct cjd_dataset *ds, unsigned k,
		   struct cjd_eval **out, struct cjd_error *err)
{
	size_t n = cjd_dataset_rows(ds);
	float *score = malloc((n ? n : 1) * sizeof(*score));
	int rc;

	if (!score)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	rc = cjd_trained_model_score_rows(m, ds, NULL, n, score, err);
	if (!rc)
		rc = cjd_eval_scores(ds, score, NULL, NULL, m->threshold, m->threshold_low, k, out,
				     err);
	free(score);
	return rc;
}
