/* cjd_train: weights rows, trains the chosen kind, calibrates thresholds, records provenance. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/metrics.h"
#include "cjd/trainer/train.h"
#include "internal.h"

void cjd_calibration_defaults(struct cjd_calibration *c)
{
	*c = (struct cjd_calibration){
	    .target_fpr = 0.001, .target_fpr_low = 0.01, .min_threshold = 0.5f};
}

void cjd_train_config_defaults(struct cjd_train_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = CJD_TRAINED_GBDT;
	cjd_gbdt_params_defaults(&c->gbdt);
	cjd_logistic_params_defaults(&c->logistic);
	cjd_weighting_defaults(&c->weighting);
	cjd_calibration_defaults(&c->calibration);
}

int cjd_trained_model_score_rows(const struct cjd_trained_model *m, const struct cjd_dataset *ds,
				 const uint32_t *rows, size_t n, float *score,
				 struct cjd_error *err)
{
	size_t d = cjd_dataset_features(ds);

	if (m->n_features != d)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "the model has %zu features, the data %zu", m->n_features, d);
	for (size_t j = 0; j < d; j++)
		if (strcmp(m->feature_names[j], cjd_dataset_feature_name(ds, j)))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "feature %zu is %s in the model but %s in the data", j,
					     m->feature_names[j], cjd_dataset_feature_name(ds, j));
	for (size_t i = 0; i < n; i++)
		score[i] = cjd_trained_model_score(m, cjd_dataset_row(ds, cjd_sel(rows, i)));
	return 0;
}

/* The groups among the rows, with their row counts, into the metadata. */
static int summarise(struct cjd_trained_meta *meta, const struct cjd_dataset *ds,
		     const uint32_t *rows, size_t n)
{
	size_t ng = cjd_dataset_groups(ds);
	size_t *count = calloc(ng ? ng : 1, sizeof(*count));

	if (!count)
		return -ENOMEM;
	meta->rows = n;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = cjd_sel(rows, i);
		count[cjd_dataset_group(ds, r)]++;
		*(cjd_dataset_miner(ds, r) ? &meta->miner_rows : &meta->benign_rows) += 1;
	}
	for (uint32_t g = 0; g < ng; g++)
		if (count[g])
			meta->groups++;
	meta->group_names = calloc(meta->groups ? meta->groups : 1, sizeof(char *));
	meta->group_rows = calloc(meta->groups ? meta->groups : 1, sizeof(size_t));
	meta->group_miner = calloc(meta->groups ? meta->groups : 1, sizeof(bool));
	if (!meta->group_names || !meta->group_rows || !meta->group_miner) {
		free(count);
		return -ENOMEM;
	}
	size_t k = 0;
	for (uint32_t g = 0; g < ng; g++) {
		if (!count[g])
			continue;
		meta->group_names[k] = strdup(cjd_dataset_group_name(ds, g));
		if (!meta->group_names[k]) {
			free(count);
			return -ENOMEM;
		}
		meta->group_miner[k] = cjd_dataset_group_miner(ds, g);
		meta->group_rows[k++] = count[g];
		*(cjd_dataset_group_miner(ds, g) ? &meta->miner_groups : &meta->benign_groups) += 1;
	}
	free(count);
	return 0;
}

/* logits: the training rows' logits when the trainer gave them, else NULL (score here). */
static int calibrate(struct cjd_trained_model *m, const struct cjd_dataset *ds,
		     const uint32_t *rows, size_t n, const double *logits,
		     const struct cjd_calibration *c, struct cjd_error *err)
{
	float *score = malloc(n * sizeof(*score));
	bool *miner = malloc(n * sizeof(*miner));
	struct cjd_confusion cm = {0};
	float thr, low;
	int rc = -ENOMEM;

	if (!score || !miner)
		goto out;
	if (logits) {
		for (size_t i = 0; i < n; i++)
			score[i] = cjd_trained_model_score_logit(logits[i]);
	} else if ((rc = cjd_trained_model_score_rows(m, ds, rows, n, score, err))) {
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		miner[i] = cjd_dataset_miner(ds, cjd_sel(rows, i));
	if ((rc = cjd_threshold_for_fpr(score, miner, n, c->target_fpr, c->min_threshold, &thr)) ||
	    (rc = cjd_threshold_for_fpr(score, miner, n, c->target_fpr_low, c->min_threshold,
					&low))) {
		cjd_error_set(err, rc, NULL, 0, 0, "calibration failed: %s", strerror(-rc));
		goto out;
	}
	m->threshold = thr;
	m->threshold_low = low < thr ? low : thr;
	cjd_confusion_add(&cm, score, miner, n, thr);
	m->meta.target_fpr = c->target_fpr;
	m->meta.target_fpr_low = c->target_fpr_low;
	m->meta.train_tpr = cjd_confusion_tpr(&cm);
	m->meta.train_fpr = cjd_confusion_fpr(&cm);
	rc = 0;
out:
	if (rc == -ENOMEM)
		cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	free(score);
	free(miner);
	return rc;
}

int cjd_train(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
	      const struct cjd_train_config *cfg, struct cjd_trained_model **out,
	      struct cjd_error *err)
{
	const struct cjd_calibration *c = &cfg->calibration;
	struct cjd_trained_model *m = NULL;
	double *w = NULL, *logits = NULL;
	int rc;

	if (n == 0 || (!rows && n != cjd_dataset_rows(ds)))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "no training rows");
	if (!(c->target_fpr >= 0.0 && c->target_fpr < 1.0) ||
	    !(c->target_fpr_low >= c->target_fpr && c->target_fpr_low < 1.0) ||
	    !(c->min_threshold >= 0.0f && c->min_threshold <= 1.0f))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "calibration: need 0 <= target_fpr <= target_fpr_low < 1 and "
				     "min_threshold in [0, 1]");
	w = malloc(n * sizeof(*w));
	logits = cfg->kind == CJD_TRAINED_GBDT ? malloc(n * sizeof(*logits)) : NULL;
	if (!w || (cfg->kind == CJD_TRAINED_GBDT && !logits)) {
		free(w);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	rc = cjd_dataset_weights(ds, rows, n, &cfg->weighting, w);
	if (rc) {
		cjd_error_set(err, rc, NULL, 0, 0, "weights: %s",
			      rc == -EINVAL ? "class weights must be finite and > 0"
					    : strerror(-rc));
		goto out;
	}
	if (cfg->kind == CJD_TRAINED_GBDT)
		rc = cjd_gbdt_train_logits(ds, rows, n, w, &cfg->gbdt, cfg->progress,
					   cfg->progress_ctx, &m, logits, err);
	else if (cfg->kind == CJD_TRAINED_LOGISTIC)
		rc = cjd_train_logistic(ds, rows, n, w, &cfg->logistic, &m, err);
	else
		rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "unknown model kind %d", cfg->kind);
	if (rc)
		goto out;
	if ((rc = calibrate(m, ds, rows, n, logits, c, err)))
		goto out;
	const struct cjd_weighting *wt = &cfg->weighting;
	if (summarise(&m->meta, ds, rows, n) ||
	    cjd_meta_param_double(&m->meta, "miner_weight", wt->miner) ||
	    cjd_meta_param_double(&m->meta, "benign_weight", wt->benign) ||
	    cjd_meta_param_bool(&m->meta, "balance_groups", wt->balance_groups) ||
	    cjd_meta_param_double(&m->meta, "min_threshold", c->min_threshold) ||
	    cjd_trained_model_set_string(
		&m->name, cfg->kind == CJD_TRAINED_GBDT ? "trained-gbdt" : "trained-logistic") ||
	    cjd_trained_model_set_string(&m->version, "0")) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	*out = m;
	m = NULL;
out:
	cjd_trained_model_free(m);
	free(w);
	free(logits);
	return rc;
}
