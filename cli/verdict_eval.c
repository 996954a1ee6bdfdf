/* The combined verdict learned and measured leave-one-workload-out: screening alone, the hand rule, logistic regression. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/detector/model_predict.h"
#include "cjd/trainer/eval.h"
#include "cjd/trainer/lowo.h"
#include "cjd/trainer/train.h"
#include "cjd/detector/model_load.h"
#include "cli.h"
#include "verdict_data.h"

/* The learned verdict's training: L2 logistic regression, every workload weighing alike, the
 * threshold calibrated to target_fpr of the benign windows. */
static void train_config(struct cjd_train_config *cfg, double target_fpr)
{
	cjd_train_config_defaults(cfg);
	cfg->kind = CJD_TRAINED_LOGISTIC;
	cfg->logistic.l2 = 1e-2;
	cfg->weighting.balance_groups = true;
	cfg->calibration.target_fpr = target_fpr;
	cfg->calibration.target_fpr_low = target_fpr * 10 < 0.5 ? target_fpr * 10 : 0.5;
	cfg->calibration.min_threshold = 0.5f;
}

int vd_train(const struct cjd_dataset *ds, const uint32_t *rows, size_t n, double target_fpr,
	     struct cjd_trained_model **out, struct cjd_error *err)
{
	struct cjd_train_config cfg;

	train_config(&cfg, target_fpr);
	return cjd_train(ds, rows, n, &cfg, out, err);
}

/* z_j = (x_j - mean_j) / scale_j for a STANDARD feature, x_j for NONE. */
static void coef(const struct cjd_trained_model *m, size_t j, double *w, double *mean, double *scale)
{
	*w = m->weights[j];
	*mean = m->norm[j] == CJD_TRAINED_NORM_NONE ? 0.0 : m->mean[j];
	*scale = m->norm[j] == CJD_TRAINED_NORM_NONE ? 1.0 : m->scale[j];
}

/*
 * The trained logit over the columns, rewritten in the verdict format: for feature j with
 * value column v and indicator column a (1 when absent),
 *   present: wv (v - mv)/sv + wa (0 - ma)/sa;   absent: wv (0 - mv)/sv + wa (1 - ma)/sa
 * so the term is weight wv, mean mv, scale sv, absent = -wv mv/sv + wa/sa, and the bias takes
 * the present constant -wa ma/sa (and the screen column's -ws ms/ss).
 */
static json_t *terms_json(const struct cjd_trained_model *m, double *bias, double *screen_w)
{
	json_t *terms = json_array();
	double w, mean, scale;

	coef(m, 0, &w, &mean, &scale);
	*bias = m->bias - w * mean / scale;
	*screen_w = w / scale;
	for (unsigned j = 0; terms && j < CJD_EVFEAT__COUNT; j++) {
		double wa, ma, sa;

		coef(m, 1 + j, &w, &mean, &scale);
		coef(m, 1 + CJD_EVFEAT__COUNT + j, &wa, &ma, &sa);
		*bias -= wa * ma / sa;
		if (w == 0 && wa == 0)
			continue;
		json_array_append_new(terms, json_pack("{s:s, s:f, s:f, s:f, s:f}", "feature",
						       cjd_evfeat_name(j), "weight", w, "mean", mean,
						       "scale", scale, "absent",
						       -w * mean / scale + wa / sa));
	}
	return terms;
}

int vd_write_model(const struct cjd_trained_model *m, const char *name, const char *desc,
		   const char *explain_path, const char *out_path, struct cjd_error *err)
{
	json_error_t je;
	json_t *rules = NULL, *explain, *o, *r;
	double bias, screen_w;
	size_t i;
	int rc = 0;

	if (!(explain = json_load_file(explain_path, JSON_REJECT_DUPLICATES, &je)))
		return cjd_error_set(err, -EINVAL, explain_path, je.line, je.column, "%s", je.text);
	rules = json_deep_copy(json_object_get(explain, "rules"));
	json_array_foreach(rules, i, r)
		json_object_set_new(r, "weight", json_real(0)); /* they explain; the terms score */
	o = json_pack("{s:s, s:i, s:s, s:s, s:f, s:f, s:{s:f, s:f, s:f}, s:o, s:o}", "format",
		      "cjd-verdict", "version", 1, "name", name, "description", desc, "bias", 0.0,
		      "screen_weight", 0.0, "levels", "low", (double)m->threshold_low, "medium",
		      (double)m->threshold, "high", fmax(0.9, (double)m->threshold), "terms",
		      terms_json(m, &bias, &screen_w), "rules", rules ? rules : json_array());
	if (!o) {
		json_decref(explain);
		return cjd_error_set(err, -ENOMEM, out_path, 0, 0, "out of memory");
	}
	json_object_set_new(o, "bias", json_real(bias));
	json_object_set_new(o, "screen_weight", json_real(screen_w));
	json_object_set_new(o, "meta", json_pack("{s:s, s:I}", "trained_by", "cjd train --verdict",
						 "training_rows", (json_int_t)m->meta.rows));
	if (json_dump_file(o, out_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
		rc = cjd_error_set(err, -EIO, out_path, 0, 0, "cannot write the verdict model");
	json_decref(o);
	json_decref(explain);
	return rc;
}

/* Scores of every row by screening alone and by the verdict model. */
static int fixed_scores(const struct cjd_dataset *ds, const struct cjd_verdict_model *rule,
			float *screen, float *ruled, bool *specific, struct cjd_error *err)
{
	for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
		struct cjd_verdict v;
		struct cjd_evfeat ev;
		double s;
		int rc;

		vd_row(ds, i, &s, &ev);
		screen[i] = (float)s;
		if ((rc = cjd_verdict_score(rule, s, ev.present ? &ev : NULL, &v, err)))
			return rc;
		ruled[i] = (float)v.score;
		specific[i] = v.mining_specific;
		cjd_verdict_clear(&v);
	}
	return 0;
}

/* Per group: the share of its windows whose evidence was mining-specific under the rule. */
static double specific_share(const struct cjd_dataset *ds, const bool *specific, uint32_t g)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < cjd_dataset_rows(ds); i++)
		if (cjd_dataset_group(ds, i) == g) {
			n++;
			k += specific[i];
		}
	return n ? (double)k / (double)n : 0.0;
}

static void print_text(const struct cjd_dataset *ds, struct cjd_eval *const e[3],
		       const bool *specific, FILE *f)
{
	static const char *const what[3] = { "screening", "rule", "learned" };

	fprintf(f, "Flagged windows per workload (TPR for a miner, FPR for a benign one), and whether\n"
		   "a run fired (K flagged windows in a row):\n");
	fprintf(f, "%-28s %7s   %-17s %-17s %-17s %s\n", "workload", "windows", "screening", "rule",
		"learned (LOWO)", "mining-specific");
	for (size_t g = 0; g < cjd_dataset_groups(ds); g++) {
		fprintf(f, "%-28s %7zu  ", cjd_dataset_group_name(ds, (uint32_t)g), e[0]->groups[g].windows);
		for (int k = 0; k < 3; k++)
			fprintf(f, " %6.1f %% %-8s", 100 * e[k]->groups[g].rate,
				e[k]->groups[g].runs_fired ? "fired" : "-");
		fprintf(f, " %6.1f %%\n", 100 * specific_share(ds, specific, (uint32_t)g));
	}
	for (int k = 0; k < 3; k++)
		fprintf(f, "%-10s window TPR %.4f FPR %.4f; miner runs fired %zu/%zu, benign runs fired %zu/%zu\n",
			what[k], e[k]->tpr, e[k]->fpr, e[k]->miner_runs_fired, e[k]->miner_runs,
			e[k]->benign_runs_fired, e[k]->benign_runs);
}

static json_t *eval_json(const struct cjd_dataset *ds, const struct cjd_eval *e, const bool *specific)
{
	json_t *w = json_array(), *o;

	for (size_t g = 0; g < cjd_dataset_groups(ds); g++)
	{
		json_t *wo = json_pack("{s:s, s:b, s:I, s:I, s:f, s:b}", "workload",
				      cjd_dataset_group_name(ds, (uint32_t)g), "miner", e->groups[g].miner,
				      "windows", (json_int_t)e->groups[g].windows, "flagged",
				      (json_int_t)e->groups[g].flagged, "rate", e->groups[g].rate, "fired",
				      e->groups[g].runs_fired > 0);
		if (specific)
			json_object_set_new(wo, "mining_specific_share",
					    json_real(specific_share(ds, specific, (uint32_t)g)));
		json_array_append_new(w, wo);
	}
	o = json_pack("{s:f, s:f, s:I, s:I, s:I, s:I, s:o}", "tpr", e->tpr, "fpr", e->fpr,
		      "miner_runs", (json_int_t)e->miner_runs, "miner_runs_fired",
		      (json_int_t)e->miner_runs_fired, "benign_runs", (json_int_t)e->benign_runs,
		      "benign_runs_fired", (json_int_t)e->benign_runs_fired, "workloads", w);
	return o;
}

int vd_compare(const struct cjd_dataset *ds, const struct cjd_model *screen,
	       const struct cjd_verdict_model *rule, double target_fpr, unsigned k, bool json,
	       FILE *f, struct cjd_error *err)
{
	size_t n = cjd_dataset_rows(ds);
	float *s_screen = malloc(n * sizeof(float)), *s_rule = malloc(n * sizeof(float));
	bool *specific = malloc(n * sizeof(bool));
	struct cjd_eval *e[3] = { NULL, NULL, NULL };
	struct cjd_train_config cfg;
	int rc = -ENOMEM;

	train_config(&cfg, target_fpr);
	if (!s_screen || !s_rule || !specific) {
		cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
		goto out;
	}
	if ((rc = fixed_scores(ds, rule, s_screen, s_rule, specific, err)) ||
	    (rc = cjd_eval_scores(ds, s_screen, NULL, NULL, cjd_model_threshold(screen),
				  cjd_model_threshold_low(screen), k, &e[0], err)) ||
	    (rc = cjd_eval_scores(ds, s_rule, NULL, NULL, (float)cjd_verdict_model_threshold(rule, CJD_VERDICT_MEDIUM),
				  (float)cjd_verdict_model_threshold(rule, CJD_VERDICT_MEDIUM), k, &e[1], err)) ||
	    (rc = cjd_lowo(ds, &cfg, k, NULL, NULL, &e[2], err)))
		goto out;
	if (json) {
		json_t *o = json_pack("{s:o, s:o, s:o}", "screening", eval_json(ds, e[0], NULL), "rule",
				      eval_json(ds, e[1], specific), "learned_lowo",
				      eval_json(ds, e[2], NULL));
		json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', f);
		json_decref(o);
	} else {
		print_text(ds, e, specific, f);
	}
out:
	for (int i = 0; i < 3; i++)
		cjd_eval_free(e[i]);
	free(s_screen);
	free(s_rule);
	free(specific);
	return rc;
}

/* The written file, loaded as the agent loads it, must score every row as the trained model
 * does: checks the rewriting of the coefficients (terms_json) on every training. */
static int check_written(const struct cjd_trained_model *m, const struct cjd_dataset *ds,
			 const char *path, struct cjd_error *err)
{
	struct cjd_verdict_model *vm = NULL;
	size_t n = cjd_dataset_rows(ds);
	float *ref = malloc(n * sizeof(float));
	int rc;

	if (!ref)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	if ((rc = cjd_trained_model_score_rows(m, ds, NULL, n, ref, err)) ||
	    (rc = cjd_verdict_model_load(path, &vm, err)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		struct cjd_verdict v;
		struct cjd_evfeat ev;
		double s;

		vd_row(ds, i, &s, &ev);
		/* ev with nothing present is still evidence (every probe off), not "no inspection" */
		if ((rc = cjd_verdict_score(vm, s, &ev, &v, err)))
			break;
		if (fabs(v.score - ref[i]) > 1e-4)
			rc = cjd_error_set(err, -EPROTO, path, 0, 0,
					   "row %zu: the written model scores %.6f, the trained one %.6f",
					   i, v.score, (double)ref[i]);
		cjd_verdict_clear(&v);
	}
out:
	cjd_verdict_model_free(vm);
	free(ref);
	return rc;
}

int vd_cli_run(const char *cmd, const struct vd_cli *a)
{
	struct cjd_verdict_model *rule = NULL;
	struct cjd_dataset *ds = NULL;
	struct cjd_model *screen = NULL;
	struct cjd_trained_model *m = NULL;
	struct vd_config cfg = {.interval_ns = a->interval_ns, .quiet = a->quiet};
	struct cjd_error err;
	int ret = CJD_EXIT_FAIL;

	cjd_error_clear(&err);
	if (cjd_model_load(&screen, a->screen_path, &err) ||
	    cjd_verdict_model_load(a->verdict_path, &rule, &err))
		goto out_err;
	cfg.screen = screen;
	if (vd_build(&cfg, a->files, a->n, &ds, &err))
		goto out_err;
	if (!a->quiet)
		cjd_info("%s: %zu windows of %zu workloads; screening by %s, rule %s", cmd,
			 cjd_dataset_rows(ds), cjd_dataset_groups(ds), cjd_model_name(screen),
			 cjd_verdict_model_name(rule));
	if (a->out_path) {
		if (vd_train(ds, NULL, cjd_dataset_rows(ds), a->target_fpr, &m, &err) ||
		    vd_write_model(m, a->name, "Learned verdict: L2 logistic regression on the screening "
				   "score and the evidence features (cjd train --verdict; models/README.md)",
				   a->verdict_path, a->out_path, &err) ||
		    check_written(m, ds, a->out_path, &err))
			goto out_err;
		if (!a->quiet)
			cjd_info("%s: wrote %s (threshold %.3f)", cmd, a->out_path, (double)m->threshold);
	} else if (vd_compare(ds, screen, rule, a->target_fpr, a->k, a->json, stdout, &err)) {
		goto out_err;
	}
	ret = CJD_EXIT_OK;
	goto out;
out_err:
	ret = cjd_cli_error(cmd, &err);
out:
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
	cjd_verdict_model_free(rule);
	cjd_model_free(screen);
	return ret;
}
