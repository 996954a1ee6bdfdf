/* Benign numeric kernels (n-body, a blocked float matrix product, a Jacobi stencil) on N threads, for the corpus. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Built twice by the Makefile: numkern (-O2) and numkern-fastmath (-O2 -ffast-math). With
 * -ffast-math, GCC links crtfastmath.o, whose start-up code sets flush-to-zero and
 * denormals-are-zero in MXCSR before main, and threads inherit it: exactly the MXCSR flags
 * miners set, on a program that is not one (the hard case for a floating-point probe). The
 * kernels let values decay towards the denormal range now and then, so the flags matter.
 * Runs until killed; prints a checksum line every 25 rounds.
 * Usage: numkern [THREADS]
 */

#define NB 256	/* bodies */
#define MN 192	/* matrix size */
#define GN 512	/* stencil grid */

static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], mass[NB];

static void nbody_init(unsigned seed)
{
	for (int i = 0; i < NB; i++) {
		seed = seed * 1103515245u + 12345u;
		px[i] = (seed % 2000) / 100.0 - 10.0;
		py[i] = ((seed >> 8) % 2000) / 100.0 - 10.0;
		pz[i] = ((seed >> 16) % 2000) / 100.0 - 10.0;
		vx[i] = vy[i] = vz[i] = 0;
		mass[i] = 1.0 + (seed % 100) / 50.0;
	}
}

static double nbody_step(double dt)
{
	for (int i = 0; i < NB; i++) {
		double ax = 0, ay = 0, az = 0;
		for (int j = 0; j < NB; j++) {
			double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
			double r2 = dx * dx + dy * dy + dz * dz + 0.01;
			double inv = mass[j] / (r2 * sqrt(r2));
			ax += dx * inv, ay += dy * inv, az += dz * inv;
		}
		vx[i] += ax * dt, vy[i] += ay * dt, vz[i] += az * dt;
	}
	double e = 0;
	for (int i = 0; i < NB; i++) {
		px[i] += vx[i] * dt, py[i] += vy[i] * dt, pz[i] += vz[i] * dt;
		e += mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
	}
	return e;
}

static float ma[MN][MN], mb[MN][MN], mc[MN][MN];

static float matmul(float scale)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			ma[i][j] = (float)((i * 7 + j * 3) % 17) * scale;
			mb[i][j] = (float)((i * 5 + j * 11) % 13) * 1e-3f;
			mc[i][j] = 0;
		}
	for (int ii = 0; ii < MN; ii += 32)
		for (int kk = 0; kk < MN; kk += 32)
			for (int i = ii; i < ii + 32; i++)
				for (int k = kk; k < kk + 32; k++) {
					float a = ma[i][k];
					for (int j = 0; j < MN; j++)
						mc[i][j] += a * mb[k][j];
				}
	float s = 0;
	for (int i = 0; i < MN; i++)
		s += mc[i][i];
	return s;
}

/* Each thread has its own grid (heap): a heat equation whose values decay towards zero,
 * through the denormal range, so FTZ/DAZ change what it computes and how fast. */
static float jacobi(float *g, float *h, int steps)
{
	for (int s = 0; s < steps; s++) {
		for (int i = 1; i < GN - 1; i++)
			for (int j = 1; j < GN - 1; j++)
				h[i * GN + j] = 0.2499f * (g[(i - 1) * GN + j] + g[(i + 1) * GN + j] +
							   g[i * GN + j - 1] + g[i * GN + j + 1]);
		float *t = g;
		g = h;
		h = t;
	}
	return g[(GN / 2) * GN + GN / 2];
}

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg)
{
	long id = (long)arg;
	float *g = calloc((size_t)GN * GN, sizeof(float)), *h = calloc((size_t)GN * GN, sizeof(float));

	if (!g || !h)
		return NULL;
	for (unsigned long round = 0;; round++) {
		double e = 0;
		if (id == 0) /* the global n-body and matrix state belong to thread 0 */
			nbody_init((unsigned)round);
		for (int k = 0; id == 0 && k < 20; k++)
			e += nbody_step(0.001);
		float m = id == 0 ? matmul(1e-36f * (float)(round % 5 + 1)) : 0;
		for (int i = 0; i < GN * GN; i++)
			g[i] = (i % 97 == 0) ? 1e-30f : 0;
		float j = jacobi(g, h, id == 0 ? 20 : 60);
		if (round % 25)
			continue;
		pthread_mutex_lock(&print_lock);
		printf("thread %ld round %lu: %.6g %.6g %.6g\n", id, round, e, (double)m, (double)j);
		fflush(stdout);
		pthread_mutex_unlock(&print_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	pthread_t tid[64];

	if (n < 1 || n > 64) {
		fprintf(stderr, "usage: numkern [THREADS 1..64]\n");
		return 2;
	}
	for (long i = 1; i < n; i++)
		if (pthread_create(&tid[i], NULL, run, (void *)i)) {
			fprintf(stderr, "numkern: pthread_create failed\n");
			return 1;
		}
	run((void *)0);
	return 0;
}
