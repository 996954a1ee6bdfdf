/* Benign interval arithmetic that switches the SSE rounding mode around every operation (fesetround), for the corpus. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Validated numerics (MPFI, Boost.Interval, INTLAB, C-XSC) compute a lower bound with the
 * FPU rounding down and an upper bound with it rounding up, so the bounds are guaranteed
 * whatever the rounding errors: the rounding mode changes around nearly every operation.
 * That is what RandomX's CFROUND does too, and few other programs do: the hard case for a
 * probe that reads the rounding-mode bits of MXCSR. This is a branch-and-bound global
 * minimiser of polynomials over a box, with interval arithmetic written out (fesetround
 * before each bound, as Boost.Interval's rounded_arith_std does). Built with -frounding-math
 * so the compiler keeps every operation where the mode was set. Runs until killed; prints
 * each minimum found.
 */

struct iv {
	double lo, hi;
};

static struct iv iv_add(struct iv a, struct iv b)
{
	struct iv r;

	fesetround(FE_DOWNWARD);
	r.lo = a.lo + b.lo;
	fesetround(FE_UPWARD);
	r.hi = a.hi + b.hi;
	return r;
}

static struct iv iv_mul(struct iv a, struct iv b)
{
	struct iv r;
	double p[4];

	fesetround(FE_DOWNWARD);
	p[0] = a.lo * b.lo, p[1] = a.lo * b.hi, p[2] = a.hi * b.lo, p[3] = a.hi * b.hi;
	r.lo = fmin(fmin(p[0], p[1]), fmin(p[2], p[3]));
	fesetround(FE_UPWARD);
	p[0] = a.lo * b.lo, p[1] = a.lo * b.hi, p[2] = a.hi * b.lo, p[3] = a.hi * b.hi;
	r.hi = fmax(fmax(p[0], p[1]), fmax(p[2], p[3]));
	return r;
}

static struct iv iv_k(double k)
{
	return (struct iv){k, k};
}

/* f(x, y) = sum c_ij x^i y^j, a polynomial of degree 6 in each variable, by Horner in x of
 * Horner in y: the interval extension of f over the box x, y. */
static double coef[7][7];

static struct iv f_iv(struct iv x, struct iv y)
{
	struct iv acc = iv_k(0);

	for (int i = 6; i >= 0; i--) {
		struct iv row = iv_k(0);
		for (int j = 6; j >= 0; j--)
			row = iv_add(iv_mul(row, y), iv_k(coef[i][j]));
		acc = iv_add(iv_mul(acc, x), row);
	}
	return acc;
}

static double f_pt(double x, double y)
{
	return f_iv(iv_k(x), iv_k(y)).hi;
}

#define QMAX 200000
static struct box {
	struct iv x, y;
	double lb;
} q[QMAX];

/* Branch and bound: split boxes whose lower bound may still beat the best point found, to
 * width eps. Returns an upper bound of the minimum (with lower bound *lb_out). */
static double minimise(double eps, double *lb_out, long *boxes)
{
	int n = 1;
	double best = f_pt(0, 0), lb_all = INFINITY;

	q[0] = (struct box){{-1.5, 1.5}, {-1.5, 1.5}, -INFINITY};
	*boxes = 0;
	while (n > 0) {
		struct box b = q[--n];
		if (b.lb > best)
			continue;
		++*boxes;
		struct iv v = f_iv(b.x, b.y);
		if (v.lo > best)
			continue;
		double mx = (b.x.lo + b.x.hi) / 2, my = (b.y.lo + b.y.hi) / 2;
		double fm = f_pt(mx, my);
		if (fm < best)
			best = fm;
		if (b.x.hi - b.x.lo < eps || n + 4 > QMAX) {
			if (v.lo < lb_all)
				lb_all = v.lo;
			continue;
		}
		q[n++] = (struct box){{b.x.lo, mx}, {b.y.lo, my}, v.lo};
		q[n++] = (struct box){{mx, b.x.hi}, {b.y.lo, my}, v.lo};
		q[n++] = (struct box){{b.x.lo, mx}, {my, b.y.hi}, v.lo};
		q[n++] = (struct box){{mx, b.x.hi}, {my, b.y.hi}, v.lo};
	}
	*lb_out = lb_all;
	return best;
}

int main(void)
{
	unsigned seed = 12345;

	for (unsigned long round = 0;; round++) {
		for (int i = 0; i < 7; i++)
			for (int j = 0; j < 7; j++) {
				seed = seed * 1103515245u + 12345u;
				coef[i][j] = (int)((seed >> 16) % 2001 - 1000) / 1000.0 / (1 + i + j);
			}
		double lb;
		long boxes;
		double ub = minimise(1e-3, &lb, &boxes);
		fesetround(FE_TONEAREST);
		printf("round %lu: min in [%.9g, %.9g], %ld boxes\n", round, lb, ub, boxes);
		fflush(stdout);
	}
	return 0;
}
