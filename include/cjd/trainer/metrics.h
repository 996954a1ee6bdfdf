/* Window metrics (confusion, ROC, exact AUC), threshold calibration, the alert rule. */
#ifndef CJD_TRAINER_METRICS_H
#define CJD_TRAINER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Conventions everywhere: a window is FLAGGED when score >= threshold
 * (scores are model probabilities, 0..1); class 1 = miner = positive.
 * All functions are pure (no state, no I/O) and thread-safe.
 */

struct cjd_confusion {
	uint64_t tp, fp, tn, fn;
};

/* Counts score[i] >= thr against miner[i] over i < n, adding into *c. */
void cjd_confusion_add(struct cjd_confusion *c, const float *score, const bool *miner, size_t n,
		       float thr);

/* tp / (tp + fn) and fp / (fp + tn); 0 when the denominator is 0. */
double cjd_confusion_tpr(const struct cjd_confusion *c);
double cjd_confusion_fpr(const struct cjd_confusion *c);

/*
 * Exact ROC AUC, tie-aware: the probability that a random miner window
 * scores above a random benign one, ties counting one half (the
 * Mann-Whitney U with midranks, divided by n_pos * n_neg). O(n log n).
 * Returns 0 with *auc, -EDOM when either class is absent (AUC undefined),
 * -EINVAL on a non-finite score, -ENOMEM.
 */
int cjd_roc_auc(const float *score, const bool *miner, size_t n, double *auc);

/*
 * The ROC curve: one point per distinct score s, from the highest down,
 * giving (fpr, tpr) when flagging score >= s, preceded by (0, 0) at
 * threshold +inf; the last point is (1, 1). Tied scores make a single
 * diagonal step, which is what makes the trapezoid area equal the tie-aware
 * AUC above. *pts is malloc'd. Returns 0, -EDOM (a class absent), -EINVAL
 * (a non-finite score), -ENOMEM.
 */
struct cjd_roc_point {
	float threshold;
	double fpr, tpr;
};
int cjd_roc_curve(const float *score, const bool *miner, size_t n, struct cjd_roc_point **pts,
		  size_t *npts);

/*
 * The lowest threshold whose benign FPR (over the benign windows among
 * score[0..n)) is at most target_fpr, but never below min_thr. With k =
 * floor(target_fpr * n_benign) false positives allowed, it is the smallest
 * float strictly above the (k+1)-th highest benign score (so exactly k or
 * fewer benign windows reach it; ties push it higher, never lower).
 * No benign window (or k >= n_benign) gives min_thr. Scores are
 * probabilities, so the result is capped at 1.0: when the (k+1)-th benign
 * score is already 1.0 the target cannot be met and every window scoring
 * exactly 1.0 stays flagged (check the achieved FPR). Returns 0, -EINVAL
 * (target outside [0, 1), non-finite min_thr or score), -ENOMEM.
 */
int cjd_threshold_for_fpr(const float *score, const bool *miner, size_t n, double target_fpr,
			  float min_thr, float *thr);

/*
 * The alert rule, in one pure function: a run FIRES at the first window that
 * completes K consecutive windows with score >= threshold. Returns true and
 * sets *windows to that window's 1-based position in the run (K at the
 * earliest) when it fires; false (and *windows = 0) when it never does.
 * k = 0 is treated as 1.
 *
 * This MUST match the detector's alert state machine (issue 4: "fires when
 * the score stays >= threshold for K consecutive windows", default K = 3);
 * if the detector's rule changes, change this with it. The detector's
 * re-firing hold-down (flap suppression) starts only after a resolve, so it
 * never changes the first firing, which is all this computes.
 */
#define CJD_ALERT_K_DEFAULT 3
bool cjd_alert_sim(const float *score, size_t n, float threshold, unsigned k, size_t *windows);

#endif
