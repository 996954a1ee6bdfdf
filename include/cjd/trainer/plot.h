/* PNG pictures of an evaluation via gnuplot: ROC curve, each workload's score over time. */
#ifndef CJD_TRAINER_PLOT_H
#define CJD_TRAINER_PLOT_H

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"
#include "cjd/trainer/eval.h"

/*
 * Writes into dir (created if missing, mode 0755):
 *   roc.dat, roc.png                ROC curve of e's pooled scores, AUC in the title
 *   score-<NN>-<workload>.dat/.png  per group NN (2+ digits, dataset order):
 *                                   score of each of its runs by window index,
 *                                   with threshold and threshold_low lines
 *   plot.gp                         the gnuplot script that drew them all
 * <workload> is the group name with every character outside [A-Za-z0-9._-]
 * turned into '_' ("miner/randomx" -> "miner_randomx"); NN keeps the names
 * unique. gnuplot runs once, in dir, with a png terminal (pngcairo when
 * available). Returns 0; -ENOENT with err saying "gnuplot not found: install
 * the Debian package gnuplot-nox" when it is missing; -EIO when gnuplot
 * fails (its exit status in err; its messages go to our stderr); -EINVAL
 * when e was not computed on ds; or the errno of a failed write.
 */
int cjd_plot_eval(const char *dir, const struct cjd_dataset *ds, const struct cjd_eval *e,
		  struct cjd_error *err);

/* True when a gnuplot executable is on PATH (tests use it to skip with a reason). */
bool cjd_plot_available(void);

#endif
