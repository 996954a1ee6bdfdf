/* The evaluation reports: a human table and one JSON line (what cjd eval --json prints). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_writer.h"
#include "cjd/trainer/eval.h"
#include "cjd/trainer/eval_report.h"

int cjd_eval_write_text(const struct cjd_eval *e, const struct cjd_dataset *ds, FILE *f)
{
	int w = 8;

	if (!cjd_eval_matches(e, ds))
		return -EINVAL;
	for (uint32_t g = 0; g < e->n_groups; g++) {
		int len = (int)strlen(cjd_dataset_group_name(ds, g));
		w = len > w ? len : w;
	}
	fprintf(f, "%-*s  %-6s  %9s  %9s  %-14s  %6s  %s\n", w, "workload", "class", "windows",
		"flagged", "window rate", "fired", "slowest");
	for (uint32_t g = 0; g < e->n_groups; g++) {
		const struct cjd_eval_group *gr = &e->groups[g];
		char fired[32], slow[32];
		snprintf(fired, sizeof(fired), "%zu/%zu", gr->runs_fired, gr->runs);
		if (gr->runs_fired)
			snprintf(slow, sizeof(slow), "%zu", gr->slowest_fire);
		else
			snprintf(slow, sizeof(slow), "-");
		fprintf(f, "%-*s  %-6s  %9zu  %9zu  %s %8.3f%%  %6s  %s\n", w,
			cjd_dataset_group_name(ds, g), gr->miner ? "miner" : "benign", gr->windows,
			gr->flagged, gr->miner ? "TPR" : "FPR", 100.0 * gr->rate, fired, slow);
	}
	fprintf(f,
		"\nwindows: TPR %.3f%% (%llu of %llu miner windows), FPR %.3f%% (%llu of %llu "
		"benign windows)\n",
		100.0 * e->tpr, (unsigned long long)e->cm.tp,
		(unsigned long long)(e->cm.tp + e->cm.fn), 100.0 * e->fpr,
		(unsigned long long)e->cm.fp, (unsigned long long)(e->cm.fp + e->cm.tn));
	fprintf(f, "confusion matrix (rows: truth; columns: verdict)\n");
	fprintf(f, "  %-8s %12s %12s\n", "", "flagged", "not flagged");
	fprintf(f, "  %-8s %12llu %12llu\n", "miner", (unsigned long long)e->cm.tp,
		(unsigned long long)e->cm.fn);
	fprintf(f, "  %-8s %12llu %12llu\n", "benign", (unsigned long long)e->cm.fp,
		(unsigned long long)e->cm.tn);
	if (e->has_auc)
		fprintf(f, "ROC AUC %.6f%s\n", e->auc,
			e->cross_validated ? " (pooled out-of-fold scores, leave-one-workload-out)"
					   : "");
	else
		fprintf(f, "ROC AUC undefined (the windows hold only one class)\n");
	fprintf(f, "alerts (%u consecutive windows): miner runs fired %zu/%zu", e->k,
		e->miner_runs_fired, e->miner_runs);
	if (e->miner_runs_fired)
		fprintf(f, " (slowest after %zu windows)", e->slowest_fire);
	fprintf(f, "; benign runs fired %zu/%zu\n", e->benign_runs_fired, e->benign_runs);
	return ferror(f) ? -EIO : 0;
}

static void json_runs(struct cjd_jw *w, const struct cjd_eval *e, const struct cjd_dataset *ds,
		      uint32_t g)
{
	cjd_jw_arr(w, "runs");
	for (uint32_t r = 0; r < e->n_runs; r++) {
		const struct cjd_eval_run *ru = &e->runs[r];
		if (ru->group != g)
			continue;
		cjd_jw_obj(w, NULL);
		cjd_jw_str(w, "name", cjd_dataset_run_name(ds, r));
		cjd_jw_u64(w, "windows", ru->windows);
		cjd_jw_u64(w, "flagged", ru->flagged);
		cjd_jw_bool(w, "fired", ru->fired);
		if (ru->fired)
			cjd_jw_u64(w, "fire_window", ru->fire_window);
		else
			cjd_jw_null(w, "fire_window");
		cjd_jw_end(w, '}');
	}
	cjd_jw_end(w, ']');
}

int cjd_eval_write_json(const struct cjd_eval *e, const struct cjd_dataset *ds, FILE *f)
{
	struct cjd_jw w;
	char *text;
	size_t len;

	if (!cjd_eval_matches(e, ds))
		return -EINVAL;
	cjd_jw_init(&w, 0);
	cjd_jw_obj(&w, NULL);
	cjd_jw_double(&w, "tpr", e->tpr);
	cjd_jw_double(&w, "fpr", e->fpr);
	if (e->has_auc)
		cjd_jw_double(&w, "auc", e->auc);
	else
		cjd_jw_null(&w, "auc");
	cjd_jw_bool(&w, "cross_validated", e->cross_validated);
	cjd_jw_u64(&w, "k", e->k);
	cjd_jw_u64(&w, "windows", e->n_rows);
	cjd_jw_obj(&w, "confusion");
	cjd_jw_u64(&w, "tp", e->cm.tp);
	cjd_jw_u64(&w, "fp", e->cm.fp);
	cjd_jw_u64(&w, "tn", e->cm.tn);
	cjd_jw_u64(&w, "fn", e->cm.fn);
	cjd_jw_end(&w, '}');
	cjd_jw_obj(&w, "alerts");
	cjd_jw_u64(&w, "miner_runs", e->miner_runs);
	cjd_jw_u64(&w, "miner_runs_fired", e->miner_runs_fired);
	cjd_jw_u64(&w, "benign_runs", e->benign_runs);
	cjd_jw_u64(&w, "benign_runs_fired", e->benign_runs_fired);
	if (e->miner_runs_fired)
		cjd_jw_u64(&w, "slowest_fire", e->slowest_fire);
	else
		cjd_jw_null(&w, "slowest_fire");
	cjd_jw_end(&w, '}');
	cjd_jw_arr(&w, "workloads");
	for (uint32_t g = 0; g < e->n_groups; g++) {
		const struct cjd_eval_group *gr = &e->groups[g];
		cjd_jw_obj(&w, NULL);
		cjd_jw_str(&w, "name", cjd_dataset_group_name(ds, g));
		cjd_jw_str(&w, "class", gr->miner ? "miner" : "benign");
		cjd_jw_u64(&w, "windows", gr->windows);
		cjd_jw_u64(&w, "flagged", gr->flagged);
		cjd_jw_double(&w, gr->miner ? "tpr" : "fpr", gr->rate);
		cjd_jw_float(&w, "threshold", gr->threshold);
		cjd_jw_float(&w, "threshold_low", gr->threshold_low);
		cjd_jw_u64(&w, "runs_fired", gr->runs_fired);
		json_runs(&w, e, ds, g);
		cjd_jw_end(&w, '}');
	}
	cjd_jw_end(&w, ']');
	cjd_jw_end(&w, '}');
	if (cjd_jw_take(&w, &text, &len))
		return -ENOMEM;
	size_t wr = fwrite(text, 1, len, f);
	free(text);
	return wr == len && fputc('\n', f) != EOF && !ferror(f) ? 0 : -EIO;
}
