/* Leave-one-workload-out cross-validation: the one fold loop, with a scoring callback, and the trainer's folds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/lowo.h"

/* Prefixes err's text with the fold, keeping what the fold said and where. */
static void blame_fold(struct cjd_error *err, int rc, const char *group)
{
	struct cjd_error old;

	if (!err)
		return;
	old = *err;
	cjd_error_set(err, rc, old.file[0] ? old.file : NULL, old.line, old.column,
		      "fold without %s: %s", group, old.text);
}

int cjd_lowo_scored(const struct cjd_dataset *ds, unsigned k, cjd_lowo_fold_fn fold, void *ctx,
		    cjd_train_progress_fn progress, void *progress_ctx, struct cjd_eval **out,
		    struct cjd_error *err)
{
	size_t n = cjd_dataset_rows(ds), ng = cjd_dataset_groups(ds);
	size_t miner_groups = 0, benign_groups = 0;
	uint32_t *rows = NULL, *held = NULL;
	float *oof = NULL, *thr = NULL, *low = NULL, *part = NULL;
	int rc = -ENOMEM;

	for (uint32_t g = 0; g < ng; g++)
		*(cjd_dataset_group_miner(ds, g) ? &miner_groups : &benign_groups) += 1;
	if (miner_groups < 2 || benign_groups < 2)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "leave-one-workload-out needs at least 2 miner and 2 benign "
				     "workloads (have %zu and %zu): every fold must train on both",
				     miner_groups, benign_groups);
	rows = malloc(n * sizeof(*rows));
	held = malloc(n * sizeof(*held));
	oof = malloc(n * sizeof(*oof));
	part = malloc(n * sizeof(*part));
	thr = malloc(ng * sizeof(*thr));
	low = malloc(ng * sizeof(*low));
	if (!rows || !held || !oof || !part || !thr || !low) {
		cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
		goto out;
	}
	for (uint32_t g = 0; g < ng; g++) {
		size_t nt = 0, nh = 0;
		for (size_t i = 0; i < n; i++) {
			if (cjd_dataset_group(ds, i) == g)
				held[nh++] = (uint32_t)i;
			else
				rows[nt++] = (uint32_t)i;
		}
		rc = fold(ctx, ds, g, rows, nt, held, nh, part, &thr[g], &low[g], err);
		if (rc) {
			blame_fold(err, rc, cjd_dataset_group_name(ds, g));
			goto out;
		}
		for (size_t i = 0; i < nh; i++)
			oof[held[i]] = part[i];
		if (progress && (rc = progress(progress_ctx, "fold", g + 1, ng)))
			goto out;
	}
	rc = cjd_eval_scores(ds, oof, thr, low, 0.0f, 0.0f, k, out, err);
	if (!rc)
		(*out)->cross_validated = true;
out:
	free(rows);
	free(held);
	free(oof);
	free(part);
	free(thr);
	free(low);
	return rc;
}

/* cjd_lowo's fold: the trainer (cjd_train unless a spy), then its own scoring. */
struct train_fold {
	const struct cjd_train_config *cfg;
	cjd_fold_train_fn train;
	void *train_ctx;
};

static int train_fold(void *ctx, const struct cjd_dataset *ds, uint32_t g, const uint32_t *train,
		      size_t nt, const uint32_t *held, size_t nh, float *score, float *thr,
		      float *thr_low, struct cjd_error *err)
{
	struct train_fold *tf = ctx;
	struct cjd_trained_model *m = NULL;
	int rc;

	(void)g;
	rc = tf->train ? tf->train(tf->train_ctx, ds, train, nt, tf->cfg, &m, err)
		       : cjd_train(ds, train, nt, tf->cfg, &m, err);
	if (rc)
		return rc;
	rc = cjd_trained_model_score_rows(m, ds, held, nh, score, err);
	*thr = m->threshold;
	*thr_low = m->threshold_low;
	cjd_trained_model_free(m);
	return rc;
}

int cjd_lowo(const struct cjd_dataset *ds, const struct cjd_train_config *cfg, unsigned k,
	     cjd_fold_train_fn train, void *train_ctx, struct cjd_eval **out, struct cjd_error *err)
{
	struct train_fold tf = {.cfg = cfg, .train = train, .train_ctx = train_ctx};

	return cjd_lowo_scored(ds, k, train_fold, &tf, cfg->progress, cfg->progress_ctx, out, err);
}
