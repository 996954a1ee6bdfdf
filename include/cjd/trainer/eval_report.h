/* The evaluation reports: a human table and one JSON line (what cjd eval --json prints). */
#ifndef CJD_TRAINER_EVAL_REPORT_H
#define CJD_TRAINER_EVAL_REPORT_H

#include <stdio.h>

#include "cjd/trainer/dataset.h"
#include "cjd/trainer/eval.h"

/*
 * Reports. Text: a per-workload table (windows, flagged, TPR/FPR, runs
 * fired, slowest fire), the alert verdict, the confusion matrix and AUC.
 * JSON (one object, one line): top-level "tpr", "fpr", "auc" (null when
 * undefined), "confusion", "alerts" and a "workloads" list with each
 * workload's runs. Return 0, -EIO, -ENOMEM (json), or -EINVAL when e was not
 * computed on ds (its row, group or run counts differ).
 */
int cjd_eval_write_text(const struct cjd_eval *e, const struct cjd_dataset *ds, FILE *f);
int cjd_eval_write_json(const struct cjd_eval *e, const struct cjd_dataset *ds, FILE *f);

#endif
