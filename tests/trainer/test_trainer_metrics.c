/* Unit tests for the metrics against hand-computed values, ties included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cjd/trainer/metrics.h"
#include "fixtures.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static double auc_of(const float *s, const bool *y, size_t n)
{
	double auc = -1;

	assert_int_equal(cjd_roc_auc(s, y, n, &auc), 0);
	return auc;
}

static void test_auc_hand(void **state)
{
	(void)state;
	/* Pairs (miner, benign): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 -> 3/4. */
	float s1[] = {0.1f, 0.4f, 0.35f, 0.8f};
	bool y1[] = {0, 0, 1, 1};
	assert_true(auc_of(s1, y1, 4) == 0.75);

	/* Ties count one half: miners {0.5, 0.9}, benign {0.2, 0.5}:
	 * 1 + 0.5 + 1 + 1 = 3.5 of 4. */
	float s2[] = {0.2f, 0.5f, 0.5f, 0.9f};
	bool y2[] = {0, 1, 0, 1};
	assert_true(auc_of(s2, y2, 4) == 0.875);

	/* All tied: 1/2 whatever the labels. */
	float s3[] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
	bool y3[] = {1, 0, 1, 0, 0};
	assert_true(auc_of(s3, y3, 5) == 0.5);

	/* Perfect and perfectly wrong. */
	float s4[] = {0.1f, 0.2f, 0.3f, 0.9f};
	bool y4[] = {0, 0, 1, 1}, y5[] = {1, 1, 0, 0};
	assert_true(auc_of(s4, y4, 4) == 1.0);
	assert_true(auc_of(s4, y5, 4) == 0.0);

	/* A tie group straddling classes among others: miners {0.3, 0.6, 0.6},
	 * benign {0.1, 0.6, 0.7}. Pairs: 0.3: >0.1 (1), <0.6, <0.7 -> 1;
	 * each 0.6: >0.1 (1), =0.6 (0.5), <0.7 -> 1.5, twice -> 3. 4 of 9. */
	float s6[] = {0.6f, 0.1f, 0.3f, 0.6f, 0.7f, 0.6f};
	bool y6[] = {1, 0, 1, 0, 0, 1};
	assert_true(fabs(auc_of(s6, y6, 6) - 4.0 / 9.0) < 1e-15);

	double auc;
	bool only[] = {1, 1, 1, 1};
	assert_int_equal(cjd_roc_auc(s4, only, 4, &auc), -EDOM);
	float nan[] = {0.1f, NAN};
	assert_int_equal(cjd_roc_auc(nan, y4, 2, &auc), -EINVAL);
}

/* Area under the ROC points by trapezoids. */
static double trapezoid(const struct cjd_roc_point *p, size_t n)
{
	double a = 0;

	for (size_t i = 1; i < n; i++)
		a += (p[i].fpr - p[i - 1].fpr) * (p[i].tpr + p[i - 1].tpr) / 2;
	return a;
}

static void test_roc_curve(void **state)
{
	(void)state;
	float s[] = {0.6f, 0.1f, 0.3f, 0.6f, 0.7f, 0.6f};
	bool y[] = {1, 0, 1, 0, 0, 1};
	struct cjd_roc_point *p;
	size_t n;

	assert_int_equal(cjd_roc_curve(s, y, N(s), &p, &n), 0);
	/* +inf, 0.7, 0.6 (one diagonal step for the tie), 0.3, 0.1 */
	assert_int_equal(n, 5);
	assert_true(isinf(p[0].threshold) && p[0].fpr == 0 && p[0].tpr == 0);
	assert_true(p[1].threshold == 0.7f && fabs(p[1].fpr - 1.0 / 3) < 1e-15 && p[1].tpr == 0);
	assert_true(p[2].threshold == 0.6f && fabs(p[2].fpr - 2.0 / 3) < 1e-15 &&
		    fabs(p[2].tpr - 2.0 / 3) < 1e-15);
	assert_true(p[3].threshold == 0.3f && fabs(p[3].tpr - 1.0) < 1e-15);
	assert_true(p[4].fpr == 1.0 && p[4].tpr == 1.0);
	/* with ties as diagonal steps, the trapezoid area IS the tie-aware AUC */
	assert_true(fabs(trapezoid(p, n) - 4.0 / 9.0) < 1e-12);
	free(p);

	/* and on a bigger random set with many ties */
	enum { M = 2000 };
	static float rs[M];
	static bool ry[M];
	uint64_t st = 5;
	double auc;
	for (int i = 0; i < M; i++) {
		ry[i] = fx_uniform(&st, 0, 1) < 0.3;
		rs[i] = (float)floor(fx_uniform(&st, 0, 10) + (ry[i] ? 2 : 0)) / 12.0f;
	}
	assert_int_equal(cjd_roc_auc(rs, ry, M, &auc), 0);
	assert_int_equal(cjd_roc_curve(rs, ry, M, &p, &n), 0);
	assert_true(n <= 13 + 1);
	assert_true(fabs(trapezoid(p, n) - auc) < 1e-12);
	/* brute force over all pairs */
	double pairs = 0, wins = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++)
			if (ry[i] && !ry[j]) {
				pairs += 1;
				wins += rs[i] > rs[j] ? 1.0 : rs[i] == rs[j] ? 0.5 : 0.0;
			}
	assert_true(fabs(wins / pairs - auc) < 1e-12);
	free(p);
}

static void test_confusion(void **state)
{
	(void)state;
	float s[] = {0.9f, 0.5f, 0.49f, 0.2f, 0.7f, 0.5f, 0.1f};
	bool y[] = {1, 1, 1, 0, 0, 0, 0};
	struct cjd_confusion c = {0};

	cjd_confusion_add(&c, s, y, N(s), 0.5f);
	/* flagged means >= 0.5: miners 0.9, 0.5 flagged, 0.49 missed;
	 * benign 0.7 and 0.5 flagged, 0.2 and 0.1 not */
	assert_int_equal(c.tp, 2);
	assert_int_equal(c.fn, 1);
	assert_int_equal(c.fp, 2);
	assert_int_equal(c.tn, 2);
	assert_true(fabs(cjd_confusion_tpr(&c) - 2.0 / 3) < 1e-15);
	assert_true(cjd_confusion_fpr(&c) == 0.5);
	struct cjd_confusion z = {0};
	assert_true(cjd_confusion_tpr(&z) == 0 && cjd_confusion_fpr(&z) == 0);
}

static void test_threshold_for_fpr(void **state)
{
	(void)state;
	/* benign scores 0.9, 0.8, 0.8, 0.6, 0.3 (n = 5); miners ignored */
	float s[] = {0.9f, 0.99f, 0.8f, 0.8f, 0.6f, 0.3f, 0.1f};
	bool y[] = {0, 1, 0, 0, 0, 0, 1};
	float t;

	/* target 0: above the highest benign */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.0, 0.0f, &t), 0);
	assert_true(t == nextafterf(0.9f, 1.0f));
	/* 0.2 * 5 = 1 allowed: above the 2nd highest (0.8) */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.2, 0.0f, &t), 0);
	assert_true(t == nextafterf(0.8f, 1.0f));
	/* 0.4 -> 2 allowed: the 3rd highest is 0.8 again (a tie): above it, so
	 * only one benign window is flagged, never three */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.4, 0.0f, &t), 0);
	assert_true(t == nextafterf(0.8f, 1.0f));
	/* 0.6 -> 3 allowed: above 0.6 */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.6, 0.0f, &t), 0);
	assert_true(t == nextafterf(0.6f, 1.0f));
	/* the floor wins when it is higher */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.6, 0.75f, &t), 0);
	assert_true(t == 0.75f);
	/* every benign window allowed: the floor */
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 0.999, 0.5f, &t), 0);
	assert_true(t == 0.5f);
	/* a benign window at exactly 1.0 caps the threshold at 1.0 */
	float s1[] = {1.0f, 0.2f};
	bool y1[] = {0, 0};
	assert_int_equal(cjd_threshold_for_fpr(s1, y1, 2, 0.0, 0.5f, &t), 0);
	assert_true(t == 1.0f);
	/* 0.001 * 1000 must allow exactly one, despite 0.001 not being exact */
	static float big[1000];
	static bool by[1000];
	for (int i = 0; i < 1000; i++)
		big[i] = (float)i / 1000.0f;
	assert_int_equal(cjd_threshold_for_fpr(big, by, 1000, 0.001, 0.0f, &t), 0);
	assert_true(t == nextafterf(998.0f / 1000.0f, 1.0f));
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), 1.0, 0.0f, &t), -EINVAL);
	assert_int_equal(cjd_threshold_for_fpr(s, y, N(s), -0.1, 0.0f, &t), -EINVAL);
}

static void test_alert_sim(void **state)
{
	(void)state;
	size_t w;
	float a[] = {0.9f, 0.9f, 0.9f};
	float b[] = {0.9f, 0.9f, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f};
	float flap[] = {0.9f, 0.1f, 0.9f, 0.9f, 0.2f, 0.9f, 0.9f, 0.3f};
	float edge[] = {0.5f, 0.5f, 0.5f}; /* >= threshold counts */

	assert_true(cjd_alert_sim(a, 3, 0.5f, 3, &w));
	assert_int_equal(w, 3);
	assert_true(cjd_alert_sim(b, N(b), 0.5f, 3, &w));
	assert_int_equal(w, 6); /* the streak restarts after the dip */
	assert_false(cjd_alert_sim(flap, N(flap), 0.5f, 3, &w));
	assert_int_equal(w, 0);
	assert_true(cjd_alert_sim(flap, N(flap), 0.5f, 2, &w));
	assert_int_equal(w, 4);
	assert_true(cjd_alert_sim(flap, N(flap), 0.5f, 1, &w));
	assert_int_equal(w, 1);
	assert_true(cjd_alert_sim(flap, N(flap), 0.5f, 0, &w)); /* K 0 acts as 1 */
	assert_int_equal(w, 1);
	assert_true(cjd_alert_sim(edge, 3, 0.5f, 3, &w));
	assert_false(cjd_alert_sim(a, 2, 0.5f, 3, &w)); /* too short */
	assert_false(cjd_alert_sim(NULL, 0, 0.5f, 3, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_auc_hand),  cmocka_unit_test(test_roc_curve),
	    cmocka_unit_test(test_confusion), cmocka_unit_test(test_threshold_for_fpr),
	    cmocka_unit_test(test_alert_sim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
