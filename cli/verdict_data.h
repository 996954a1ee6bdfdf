/* The combined verdict's data (screening score + evidence features per window) and its evaluation, for cjd eval/train --verdict. */
#ifndef CJD_CLI_VERDICT_DATA_H
#define CJD_CLI_VERDICT_DATA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/error.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/verdict.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/model.h"

/*
 * Dataset columns: "screen" (the screening model's score of the window), then every evidence
 * feature (its value, 0 when absent), then "absent:<feature>" for each (1 when absent). The
 * evidence of a window is the cgroup's newest evidence record that was complete
 * (t_ns + inspection.elapsed_ns) by the window's end; none before the first (all absent).
 */
#define VD_COLUMNS (1 + 2 * CJD_EVFEAT__COUNT)

struct vd_config {
	const struct cjd_model *screen; /* scores every window (the detector's code) */
	uint64_t interval_ns;           /* samples summed to this first (0: as recorded) */
	bool quiet;
};

/* Reads files[0..n) into *out (one row per scored window; group = the label, run = file and
 * cgroup). Returns 0 or -errno with err naming the file and line. */
int vd_build(const struct vd_config *cfg, char *const *files, size_t n, struct cjd_dataset **out,
	     struct cjd_error *err);

/* Row i's screening score and evidence (ev->present 0 when it had none). */
void vd_row(const struct cjd_dataset *ds, size_t i, double *screen, struct cjd_evfeat *ev);

/*
 * Trains the learned verdict (L2 logistic regression on the columns, threshold calibrated to
 * target_fpr of benign windows) on rows[0..n) (NULL: all), as a trained model.
 */
int vd_train(const struct cjd_dataset *ds, const uint32_t *rows, size_t n, double target_fpr,
	     struct cjd_trained_model **out, struct cjd_error *err);

/*
 * Writes the learned model as a cjd-verdict file (docs/model-format.md): its coefficients as
 * terms, with the rules of `explain` (the hand rule's JSON, weights set to 0) to explain it
 * and mark mining-specific evidence. Returns 0 or -errno with err.
 */
int vd_write_model(const struct cjd_trained_model *m, const char *name, const char *desc,
		   const char *explain_path, const char *out_path, struct cjd_error *err);

/*
 * Leave-one-workload-out comparison, printed to f (text, or JSON with json): screening alone
 * (at the screening model's threshold), the verdict model `rule` (flagged at its medium
 * level; not trained), and the learned verdict trained without each workload in turn.
 * k: the alert rule's K. Returns 0 or -errno with err.
 */
int vd_compare(const struct cjd_dataset *ds, const struct cjd_model *screen,
	       const struct cjd_verdict_model *rule, double target_fpr, unsigned k, bool json,
	       FILE *f, struct cjd_error *err);

/* What cjd eval --verdict and cjd train --verdict were given. */
struct vd_cli {
	const char *screen_path;  /* the screening model */
	const char *verdict_path; /* eval: the verdict model compared; train: the rules kept */
	const char *out_path;     /* train: the learned model's file; eval: NULL */
	const char *name;         /* train: its name */
	uint64_t interval_ns;     /* 0: as recorded */
	double target_fpr;        /* the learned verdict's calibration */
	char *const *files;
	size_t n;
	unsigned k;
	bool json, quiet;
};

/* Runs cjd eval --verdict (a->out_path NULL: the comparison on stdout) or cjd train --verdict
 * (the learned model written). Returns the exit status. */
int vd_cli_run(const char *cmd, const struct vd_cli *a);

#endif
