/* Leave-one-workload-out cross-validation: one fold per group, out-of-fold scores. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/lowo.h"

static int default_train(void *ctx, const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			 const struct cjd_train_config *cfg, struct cjd_trained_model **out,
			 struct cjd_error *err)
{
	(void)ctx;
	return cjd_train(ds, rows, n, cfg, out, err);
}

/* Prefixes err's text with the fold, keeping what the trainer said and where. */
static void blame_fold(struct cjd_error *err, int rc, const char *group)
{
	struct cjd_error old;

	if (!err)
		return;
	old = *err;
	cjd_error_set(err, rc, old.file[0] ? old.file : NULL, old.line, old.column,
		      "fold without %s: %s", group, old.text);
}

int cjd_lowo(const struct cjd_dataset *ds, const struct cjd_train_config *cfg, unsigned k,
	     cjd_fold_train_fn train, void *train_ctx, struct cjd_eval **out, struct cjd_error *err)
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
	if (!train)
		train = default_train;
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
		struct cjd_trained_model *m = NULL;
		size_t nt = 0, nh = 0;
		for (size_t i = 0; i < n; i++) {
			if (cjd_dataset_group(ds, i) == g)
				held[nh++] = (uint32_t)i;
			else
				rows[nt++] = (uint32_t)i;
		}
		rc = train(train_ctx, ds, rows, nt, cfg, &m, err);
		if (rc) {
			blame_fold(err, rc, cjd_dataset_group_name(ds, g));
			goto out;
		}
		rc = cjd_trained_model_score_rows(m, ds, held, nh, part, err);
		if (!rc) {
			for (size_t i = 0; i < nh; i++)
				oof[held[i]] = part[i];
			thr[g] = m->threshold;
			low[g] = m->threshold_low;
		}
		cjd_trained_model_free(m);
		if (rc) {
			blame_fold(err, rc, cjd_dataset_group_name(ds, g));
			goto out;
		}
		if (cfg->progress && (rc = cfg->progress(cfg->progress_ctx, "fold", g + 1, ng)))
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
