/* The evaluation reports: a human table and one JSON line (what cjd eval --json prints). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/eval.h"
#include "cjd/trainer/eval_report.h"
#include "strbuf_internal.h"

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

static void json_runs(struct cjd_sb *sb, const struct cjd_eval *e, const struct cjd_dataset *ds,
		      uint32_t g)
{
	bool first = true;

	cjd_sb_add(sb, "[");
	for (uint32_t r = 0; r < e->n_runs; r++) {
		const struct cjd_eval_run *ru = &e->runs[r];
		if (ru->group != g)
			continue;
		cjd_sb_add(sb, first ? "{\"name\":" : ",{\"name\":");
		cjd_sb_json_string(sb, cjd_dataset_run_name(ds, r));
		cjd_sb_addf(sb, ",\"windows\":%zu,\"flagged\":%zu,\"fired\":%s", ru->windows,
			    ru->flagged, ru->fired ? "true" : "false");
		if (ru->fired)
			cjd_sb_addf(sb, ",\"fire_window\":%zu", ru->fire_window);
		else
			cjd_sb_add(sb, ",\"fire_window\":null");
		cjd_sb_add(sb, "}");
		first = false;
	}
	cjd_sb_add(sb, "]");
}

int cjd_eval_write_json(const struct cjd_eval *e, const struct cjd_dataset *ds, FILE *f)
{
	struct cjd_sb sb;
	char *text;
	size_t len;

	if (!cjd_eval_matches(e, ds))
		return -EINVAL;
	cjd_sb_init(&sb);
	cjd_sb_add(&sb, "{\"tpr\":");
	cjd_sb_double(&sb, e->tpr);
	cjd_sb_add(&sb, ",\"fpr\":");
	cjd_sb_double(&sb, e->fpr);
	cjd_sb_add(&sb, ",\"auc\":");
	if (e->has_auc)
		cjd_sb_double(&sb, e->auc);
	else
		cjd_sb_add(&sb, "null");
	cjd_sb_addf(&sb, ",\"cross_validated\":%s,\"k\":%u,\"windows\":%zu",
		    e->cross_validated ? "true" : "false", e->k, e->n_rows);
	cjd_sb_addf(&sb, ",\"confusion\":{\"tp\":%llu,\"fp\":%llu,\"tn\":%llu,\"fn\":%llu}",
		    (unsigned long long)e->cm.tp, (unsigned long long)e->cm.fp,
		    (unsigned long long)e->cm.tn, (unsigned long long)e->cm.fn);
	cjd_sb_addf(&sb,
		    ",\"alerts\":{\"miner_runs\":%zu,\"miner_runs_fired\":%zu,"
		    "\"benign_runs\":%zu,\"benign_runs_fired\":%zu,\"slowest_fire\":",
		    e->miner_runs, e->miner_runs_fired, e->benign_runs, e->benign_runs_fired);
	if (e->miner_runs_fired)
		cjd_sb_addf(&sb, "%zu}", e->slowest_fire);
	else
		cjd_sb_add(&sb, "null}");
	cjd_sb_add(&sb, ",\"workloads\":[");
	for (uint32_t g = 0; g < e->n_groups; g++) {
		const struct cjd_eval_group *gr = &e->groups[g];
		cjd_sb_add(&sb, g ? ",{\"name\":" : "{\"name\":");
		cjd_sb_json_string(&sb, cjd_dataset_group_name(ds, g));
		cjd_sb_addf(&sb, ",\"class\":\"%s\",\"windows\":%zu,\"flagged\":%zu,\"%s\":",
			    gr->miner ? "miner" : "benign", gr->windows, gr->flagged,
			    gr->miner ? "tpr" : "fpr");
		cjd_sb_double(&sb, gr->rate);
		cjd_sb_add(&sb, ",\"threshold\":");
		cjd_sb_float(&sb, gr->threshold);
		cjd_sb_add(&sb, ",\"threshold_low\":");
		cjd_sb_float(&sb, gr->threshold_low);
		cjd_sb_addf(&sb, ",\"runs_fired\":%zu,\"runs\":", gr->runs_fired);
		json_runs(&sb, e, ds, g);
		cjd_sb_add(&sb, "}");
	}
	cjd_sb_add(&sb, "]}\n");
	if (cjd_sb_error(&sb)) {
		cjd_sb_release(&sb);
		return -ENOMEM;
	}
	text = cjd_sb_take(&sb, &len);
	size_t wr = fwrite(text, 1, len, f);
	free(text);
	return wr == len && !ferror(f) ? 0 : -EIO;
}
