/* L2 logistic regression by Newton (IRLS) with step halving, on standardised features. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/trainer/train.h"
#include "internal.h"

void cjd_logistic_params_defaults(struct cjd_logistic_params *p)
{
	*p = (struct cjd_logistic_params){.l2 = 1e-3, .max_iter = 100, .tol = 1e-9, .log1p = NULL};
}

/* log(1 + exp(z)) - y z, without overflow. */
static double logloss(double z, int y)
{
	return fmax(z, 0.0) + log1p(exp(-fabs(z))) - (y ? z : 0.0);
}

/*
 * Cholesky solve of A x = b for symmetric A (k × k, row-major), in place:
 * A is overwritten by L, b by x. Returns -EDOM when A is not positive definite.
 */
static int cholesky_solve(double *A, double *b, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		double s = A[j * k + j];
		for (size_t p = 0; p < j; p++)
			s -= A[j * k + p] * A[j * k + p];
		if (!(s > 0.0))
			return -EDOM;
		double l = sqrt(s);
		A[j * k + j] = l;
		for (size_t i = j + 1; i < k; i++) {
			double t = A[i * k + j];
			for (size_t p = 0; p < j; p++)
				t -= A[i * k + p] * A[j * k + p];
			A[i * k + j] = t / l;
		}
	}
	for (size_t i = 0; i < k; i++) { /* L y = b */
		double t = b[i];
		for (size_t p = 0; p < i; p++)
			t -= A[i * k + p] * b[p];
		b[i] = t / A[i * k + i];
	}
	for (size_t i = k; i-- > 0;) { /* L^T x = y */
		double t = b[i];
		for (size_t p = i + 1; p < k; p++)
			t -= A[p * k + i] * b[p];
		b[i] = t / A[i * k + i];
	}
	return 0;
}

struct problem {
	size_t n, k;	 /* rows; k = features + 1 (column 0 is the bias) */
	const double *Z; /* n × k, column 0 all ones */
	const uint8_t *y;
	const double *w; /* normalised to sum 1 */
	double l2;
};

static double objective(const struct problem *P, const double *beta)
{
	double L = 0.0, r = 0.0;

	for (size_t i = 0; i < P->n; i++) {
		const double *z = P->Z + i * P->k;
		double s = 0.0;
		for (size_t j = 0; j < P->k; j++)
			s += beta[j] * z[j];
		L += P->w[i] * logloss(s, P->y[i]);
	}
	for (size_t j = 1; j < P->k; j++)
		r += beta[j] * beta[j];
	return L + 0.5 * P->l2 * r;
}

/* Gradient into g[k] and hessian into H[k × k]. */
static void derivatives(const struct problem *P, const double *beta, double *g, double *H)
{
	size_t k = P->k;

	memset(g, 0, k * sizeof(*g));
	memset(H, 0, k * k * sizeof(*H));
	for (size_t i = 0; i < P->n; i++) {
		const double *z = P->Z + i * k;
		double s = 0.0;
		for (size_t j = 0; j < k; j++)
			s += beta[j] * z[j];
		double p = cjd_sigmoid(s);
		double r = P->w[i] * (p - (double)P->y[i]);
		double v = P->w[i] * p * (1.0 - p);
		for (size_t a = 0; a < k; a++) {
			g[a] += r * z[a];
			double va = v * z[a];
			for (size_t b = 0; b <= a; b++)
				H[a * k + b] += va * z[b];
		}
	}
	for (size_t a = 1; a < k; a++) {
		g[a] += P->l2 * beta[a];
		H[a * k + a] += P->l2;
	}
	for (size_t a = 0; a < k; a++) /* mirror the lower triangle */
		for (size_t b = a + 1; b < k; b++)
			H[a * k + b] = H[b * k + a];
}

/* Newton with step halving from beta. Returns iterations used, or -ENOMEM. */
static int newton(const struct problem *P, double *beta, const struct cjd_logistic_params *p)
{
	size_t k = P->k;
	double *g = malloc(k * sizeof(*g)), *H = malloc(k * k * sizeof(*H));
	double *step = malloc(k * sizeof(*step)), *trial = malloc(k * sizeof(*trial));
	double *Hc = malloc(k * k * sizeof(*Hc));
	double f = objective(P, beta);
	unsigned it;
	int rc = -ENOMEM;

	if (!g || !H || !step || !trial || !Hc)
		goto out;
	for (it = 0; it < p->max_iter; it++) {
		derivatives(P, beta, g, H);
		double gmax = 0.0;
		for (size_t j = 0; j < k; j++)
			gmax = fmax(gmax, fabs(g[j]));
		if (gmax < p->tol)
			break;
		/* A singular hessian (all rows saturated, say) gets a growing ridge. */
		for (double ridge = 0.0;; ridge = ridge ? ridge * 100.0 : 1e-12) {
			memcpy(Hc, H, k * k * sizeof(*H));
			for (size_t j = 0; j < k; j++) {
				Hc[j * k + j] += ridge;
				step[j] = -g[j];
			}
			if (!cholesky_solve(Hc, step, k) || ridge > 1e6)
				break;
		}
		double slope = 0.0;
		for (size_t j = 0; j < k; j++)
			slope += g[j] * step[j];
		double t = 1.0, ft = f;
		bool moved = false;
		for (int half = 0; half < 40; half++, t *= 0.5) {
			for (size_t j = 0; j < k; j++)
				trial[j] = beta[j] + t * step[j];
			ft = objective(P, trial);
			if (ft <= f + 1e-4 * t * slope) {
				moved = true;
				break;
			}
		}
		if (!moved)
			break; /* no descent left at double precision */
		memcpy(beta, trial, k * sizeof(*beta));
		f = ft;
	}
	rc = (int)it;
out:
	free(g);
	free(H);
	free(step);
	free(trial);
	free(Hc);
	return rc;
}

/*
 * The rows' labels into y and their weights, normalised to sum 1, into wn;
 * *wsum and *wpos get the raw total and the miners' share. Returns 0, or
 * -EINVAL with err set (a negative or non-finite weight, a class missing).
 */
static int labels_and_weights(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			      const double *w, uint8_t *y, double *wn, double *wsum, double *wpos,
			      struct cjd_error *err)
{
	*wsum = *wpos = 0.0;
	for (size_t i = 0; i < n; i++) {
		wn[i] = w ? w[i] : 1.0;
		y[i] = cjd_dataset_miner(ds, cjd_sel(rows, i));
		if (!(wn[i] >= 0.0) || !isfinite(wn[i]))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "logistic: weight %zu is %g (must be finite and >= 0)",
					     i, wn[i]);
		*wsum += wn[i];
		*wpos += y[i] ? wn[i] : 0.0;
	}
	if (!(*wpos > 0.0) || !(*wsum - *wpos > 0.0))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "logistic: the training rows need both classes");
	for (size_t i = 0; i < n; i++)
		wn[i] /= *wsum;
	return 0;
}

/*
 * Feature j into column 1 + j of Z (n rows of m's d + 1 columns): log1p when
 * lg, then standardised with unweighted row statistics (the normalisation
 * describes the data, the weights only the loss), recorded in m. Returns 0,
 * or -EINVAL with err set (a negative value under log1p).
 */
static int standardise(const struct cjd_dataset *ds, const uint32_t *rows, size_t n, size_t j,
		       bool lg, struct cjd_trained_model *m, double *Z, struct cjd_error *err)
{
	size_t k = m->n_features + 1;
	double mean = 0.0, var = 0.0;

	for (size_t i = 0; i < n; i++) {
		double x = cjd_dataset_row(ds, cjd_sel(rows, i))[j];
		if (lg && x < 0.0)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "logistic: feature %s is log1p-normalised but "
					     "row %u has %g < 0",
					     m->feature_names[j], cjd_sel(rows, i), x);
		x = lg ? log1p(x) : x;
		Z[i * k + 1 + j] = x;
		mean += x;
	}
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dv = Z[i * k + 1 + j] - mean;
		var += dv * dv;
	}
	double sd = sqrt(var / (double)n);
	/* A (numerically) constant feature carries nothing: scale 1 keeps z at 0. */
	double scale = sd > 1e-12 * fmax(fabs(mean), 1e-300) ? sd : 1.0;
	for (size_t i = 0; i < n; i++)
		Z[i * k + 1 + j] = (Z[i * k + 1 + j] - mean) / scale;
	m->norm[j] = lg ? CJD_TRAINED_NORM_LOG1P_STANDARD : CJD_TRAINED_NORM_STANDARD;
	m->mean[j] = mean;
	m->scale[j] = scale;
	return 0;
}

int cjd_train_logistic(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
		       const double *w, const struct cjd_logistic_params *p,
		       struct cjd_trained_model **out, struct cjd_error *err)
{
	size_t d = cjd_dataset_features(ds), k = d + 1;
	struct cjd_trained_model *m = NULL;
	double *Z = NULL, *wn = NULL, *beta = NULL;
	uint8_t *y = NULL;
	double wsum = 0.0, wpos = 0.0;
	int rc, iters;

	if (!(p->l2 > 0.0) || !isfinite(p->l2) || p->max_iter < 1 || !(p->tol > 0.0))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "logistic: l2 and tol must be > 0, max_iter >= 1");
	if (n == 0 || (!rows && n != cjd_dataset_rows(ds)))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "logistic: no training rows");
	m = cjd_trained_model_new(CJD_TRAINED_LOGISTIC, d, cjd_dataset_feature_names(ds));
	Z = malloc(n * k * sizeof(*Z));
	wn = malloc(n * sizeof(*wn));
	y = malloc(n);
	beta = calloc(k, sizeof(*beta));
	if (!m || !Z || !wn || !y || !beta)
		goto out_nomem;
	if ((rc = labels_and_weights(ds, rows, n, w, y, wn, &wsum, &wpos, err)))
		goto out;
	for (size_t j = 0; j < d; j++)
		if ((rc = standardise(ds, rows, n, j, p->log1p && p->log1p[j], m, Z, err)))
			goto out;
	for (size_t i = 0; i < n; i++)
		Z[i * k] = 1.0;
	beta[0] = log(wpos / (wsum - wpos)); /* start at the prior */
	struct problem P = {.n = n, .k = k, .Z = Z, .y = y, .w = wn, .l2 = p->l2};
	iters = newton(&P, beta, p);
	if (iters < 0)
		goto out_nomem;
	m->bias = beta[0];
	for (size_t j = 0; j < d; j++)
		m->weights[j] = beta[1 + j];
	if (cjd_meta_param_double(&m->meta, "l2", p->l2) ||
	    cjd_meta_param_u64(&m->meta, "max_iter", p->max_iter) ||
	    cjd_meta_param_double(&m->meta, "tol", p->tol) ||
	    cjd_meta_param_u64(&m->meta, "newton_iterations", (uint64_t)iters))
		goto out_nomem;
	*out = m;
	m = NULL;
	rc = 0;
	goto out;
out_nomem:
	rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
out:
	cjd_trained_model_free(m);
	free(Z);
	free(wn);
	free(y);
	free(beta);
	return rc;
}
