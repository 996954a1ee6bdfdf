/* Benign rounding-mode sensitivity test (Kahan's recipe): the same numerical kernels run in all four IEEE rounding modes, toward zero included. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Kahan's cheap test of a computation's numerical stability ("How futile are mindless
 * assessments of roundoff", 2006): run it again under each of the four rounding modes and
 * compare; results that move far beyond the last digits betray an ill-conditioned step.
 * Numerical libraries' test suites do this (glibc's libm tests every function in all four
 * modes). Unlike interval arithmetic (down and up only, the corpus's `interval`), this
 * passes through round-toward-zero a quarter of the time, as RandomX's CFROUND does: the
 * hardest benign case for a probe that reads MXCSR's rounding bits. Kernels: Gaussian
 * elimination of a Hilbert system (ill-conditioned), Muller's recurrence (unstable), a
 * Horner evaluation near a multiple root and a long harmonic sum, each a few milliseconds,
 * the mode changed before each. Built with -frounding-math. Runs until killed; prints each
 * sweep's spread of results every 200 sweeps.
 */

#define N 10

static double hilbert_solve(void)
{
	double a[N][N + 1];

	for (int i = 0; i < N; i++) {
		a[i][N] = 0;
		for (int j = 0; j < N; j++) {
			a[i][j] = 1.0 / (i + j + 1);
			a[i][N] += a[i][j]; /* the solution is all ones */
		}
	}
	for (int k = 0; k < N; k++) {
		int p = k;

		for (int i = k + 1; i < N; i++)
			if (fabs(a[i][k]) > fabs(a[p][k]))
				p = i;
		for (int j = k; j <= N; j++) {
			double t = a[k][j];

			a[k][j] = a[p][j];
			a[p][j] = t;
		}
		for (int i = k + 1; i < N; i++) {
			double f = a[i][k] / a[k][k];

			for (int j = k; j <= N; j++)
				a[i][j] -= f * a[k][j];
		}
	}
	double x[N], err = 0;

	for (int i = N - 1; i >= 0; i--) {
		double s = a[i][N];

		for (int j = i + 1; j < N; j++)
			s -= a[i][j] * x[j];
		x[i] = s / a[i][i];
		err += fabs(x[i] - 1);
	}
	return err;
}

/* Muller: x_{n+1} = 108 - (815 - 1500/x_{n-1})/x_n converges to 5 in exact arithmetic and
 * to 100 in floating point; how soon depends on the rounding. */
static double muller(void)
{
	double x0 = 4, x1 = 4.25;

	for (int n = 0; n < 30; n++) {
		double x2 = 108 - (815 - 1500 / x0) / x1;

		x0 = x1, x1 = x2;
	}
	return x1;
}

/* (x - 1)^7 expanded, evaluated by Horner on a grid near its root. */
static double horner_root(void)
{
	static const double c[8] = {1, -7, 21, -35, 35, -21, 7, -1};
	double s = 0;

	for (int k = 0; k < 4000; k++) {
		double x = 0.99 + k * 5e-6, p = 0;

		for (int j = 0; j < 8; j++)
			p = p * x + c[j];
		s += fabs(p);
	}
	return s;
}

static double harmonic(void)
{
	double s = 0;

	for (int k = 1; k <= 20000; k++)
		s += 1.0 / k;
	return s;
}

int main(void)
{
	static const int modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
	double (*const kernels[4])(void) = {hilbert_solve, muller, horner_root, harmonic};
	unsigned long sweep = 0;

	for (;;) {
		double lo[4], hi[4];

		for (int k = 0; k < 4; k++) {
			lo[k] = INFINITY, hi[k] = -INFINITY;
			for (int m = 0; m < 4; m++) {
				double r;

				fesetround(modes[m]);
				r = kernels[k]();
				fesetround(FE_TONEAREST);
				lo[k] = fmin(lo[k], r);
				hi[k] = fmax(hi[k], r);
			}
		}
		if (++sweep % 200 == 0) {
			printf("sweep %lu: spread hilbert %.3g muller %.3g horner %.3g harmonic %.3g\n",
			       sweep, hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], hi[3] - lo[3]);
			fflush(stdout);
		}
	}
}
