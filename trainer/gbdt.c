/* Histogram GBDT for the logistic loss: binned rows, depth-first growth, histogram subtraction. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "binning_internal.h"
#include "cjd/trainer/train.h"
#include "internal.h"
#include "rng_internal.h"

#define MAX_DEPTH      8
#define MAX_TREES      10000
#define MAX_TREE_NODES ((1u << (MAX_DEPTH + 1)) - 1)
/* |leaf| cap. A pure node with vanishing hessian would otherwise get a huge
 * step; 100 is far past where the sigmoid saturates, and keeps every file
 * inside the loader's limits. */
#define MAX_LEAF 100.0
/* Gains at or below this are rounding noise, not structure. */
#define GAIN_EPS 1e-9

void cjd_gbdt_params_defaults(struct cjd_gbdt_params *p)
{
	*p = (struct cjd_gbdt_params){
	    .n_trees = 100,
	    .max_depth = 6,
	    .learning_rate = 0.1,
	    .max_bins = 256,
	    .min_samples_leaf = 20,
	    .min_child_weight = 1.0,
	    .l2 = 1.0,
	    .min_split_gain = 0.0,
	    .row_subsample = 0.8,
	    .col_subsample = 0.8,
	    .seed = 1,
	    .monotone = NULL,
	};
}

static int check_params(const struct cjd_gbdt_params *p, struct cjd_error *err)
{
	const char *bad = NULL;

	if (p->n_trees < 1 || p->n_trees > MAX_TREES)
		bad = "n_trees must be 1..10000";
	else if (p->max_depth < 1 || p->max_depth > MAX_DEPTH)
		bad = "max_depth must be 1..8";
	else if (!(p->learning_rate > 0.0 && p->learning_rate <= 1.0))
		bad = "learning_rate must be in (0, 1]";
	else if (p->max_bins < 2 || p->max_bins > CJD_BINS_MAX)
		bad = "max_bins must be 2..256";
	else if (p->min_samples_leaf < 1)
		bad = "min_samples_leaf must be >= 1";
	else if (!(p->min_child_weight >= 0.0) || !isfinite(p->min_child_weight))
		bad = "min_child_weight must be finite and >= 0";
	else if (!(p->l2 >= 0.0) || !isfinite(p->l2))
		bad = "l2 must be finite and >= 0";
	else if (!(p->min_split_gain >= 0.0) || !isfinite(p->min_split_gain))
		bad = "min_split_gain must be finite and >= 0";
	else if (!(p->row_subsample > 0.0 && p->row_subsample <= 1.0))
		bad = "row_subsample must be in (0, 1]";
	else if (!(p->col_subsample > 0.0 && p->col_subsample <= 1.0))
		bad = "col_subsample must be in (0, 1]";
	else if (p->seed > (uint64_t)INT64_MAX)
		bad = "seed must be below 2^63";
	if (bad)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "gbdt: %s", bad);
	return 0;
}

struct hbin {
	double g, h;
	uint32_t c;
};

/* Everything one tree's growth reads and writes. */
struct grower {
	const struct cjd_gbdt_params *p;
	const struct cjd_bins *bins;
	const uint8_t *B; /* n × d binned rows */
	size_t d;
	const double *g, *h;
	uint32_t *idx, *tmp; /* the node's rows are idx[lo..hi) */
	const uint32_t *sel; /* features this tree may split on, ascending */
	size_t n_sel;
	struct hbin *hist;  /* [max_depth + 1][2][n_usable × max_bins] */
	size_t hist_stride; /* n_sel × max_bins */
	struct cjd_trained_node nodes[MAX_TREE_NODES];
	uint8_t split_bin[MAX_TREE_NODES];
	int32_t n_nodes;
};

static struct hbin *hist_at(struct grower *G, unsigned depth, unsigned side)
{
	return G->hist + ((size_t)depth * 2 + side) * G->hist_stride;
}

static void build_hist(struct grower *G, struct hbin *H, size_t lo, size_t hi)
{
	size_t mb = G->p->max_bins;

	memset(H, 0, G->hist_stride * sizeof(*H));
	for (size_t i = lo; i < hi; i++) {
		uint32_t r = G->idx[i];
		const uint8_t *br = G->B + (size_t)r * G->d;
		double gr = G->g[r], hr = G->h[r];
		for (size_t k = 0; k < G->n_sel; k++) {
			struct hbin *hb = &H[k * mb + br[G->sel[k]]];
			hb->g += gr;
			hb->h += hr;
			hb->c++;
		}
	}
}

/* large = parent - small, in place over the parent's buffer copy `large`. */
static void subtract_hist(struct grower *G, struct hbin *large, const struct hbin *parent,
			  const struct hbin *small)
{
	for (size_t i = 0; i < G->hist_stride; i++) {
		large[i].g = parent[i].g - small[i].g;
		large[i].h = parent[i].h - small[i].h;
		large[i].c = parent[i].c - small[i].c;
	}
}

struct split {
	double gain;
	size_t k; /* index into sel */
	unsigned bin;
	double wl, wr; /* the children's (bounded) outputs, for their bounds */
};

/* Bounds on a node's leaf outputs (before the learning rate), from monotone
 * splits above it. Unbounded: -inf, +inf. */
struct bounds {
	double lo, hi;
};

static bool bounded(struct bounds b)
{
	return b.lo > -INFINITY || b.hi < INFINITY;
}

static double score_side(double g, double h, double l2)
{
	return h + l2 > 0.0 ? g * g / (h + l2) : 0.0;
}

/* The optimal output -G/(H+l2) of a leaf, inside the bounds. */
static double output_in(double g, double h, double l2, struct bounds b)
{
	double w = h + l2 > 0.0 ? -g / (h + l2) : 0.0;

	return w < b.lo ? b.lo : w > b.hi ? b.hi : w;
}

/* The loss reduction of a leaf whose output is w (not necessarily optimal),
 * on score_side's scale: at w = -G/(H+l2) both give G^2/(H+l2). */
static double score_at(double g, double h, double l2, double w)
{
	return -(2.0 * g * w + (h + l2) * w * w);
}

/*
 * Best split of a node with totals (Gs, Hs, Cs) and output bounds bd; gain 0
 * when none qualifies. Unconstrained nodes and features take the plain
 * formula (so models without constraints are bit-for-bit what they were);
 * constrained ones score each side at its bounded output, and a split on a
 * monotone feature must order its children as the constraint says.
 */
static struct split find_split(const struct grower *G, const struct hbin *H, double Gs, double Hs,
			       uint32_t Cs, struct bounds bd)
{
	const struct cjd_gbdt_params *p = G->p;
	bool node_bounded = bounded(bd);
	double parent = node_bounded ? score_at(Gs, Hs, p->l2, output_in(Gs, Hs, p->l2, bd))
				     : score_side(Gs, Hs, p->l2);
	struct split best = {.gain = 0.0};
	double floor_gain = p->min_split_gain > GAIN_EPS ? p->min_split_gain : GAIN_EPS;

	for (size_t k = 0; k < G->n_sel; k++) {
		const struct hbin *hb = H + k * p->max_bins;
		unsigned nb = G->bins->n_bins[G->sel[k]];
		int mono = p->monotone ? p->monotone[G->sel[k]] : 0;
		double gl = 0.0, hl = 0.0;
		uint32_t cl = 0;
		for (unsigned b = 0; b + 1 < nb; b++) {
			gl += hb[b].g;
			hl += hb[b].h;
			cl += hb[b].c;
			uint32_t cr = Cs - cl;
			if (cl < p->min_samples_leaf)
				continue;
			if (cr < p->min_samples_leaf)
				break;
			double gr = Gs - gl, hr = Hs - hl;
			if (hl < p->min_child_weight || hr < p->min_child_weight)
				continue;
			double gain, wl = 0.0, wr = 0.0;
			if (!mono && !node_bounded) {
				gain = score_side(gl, hl, p->l2) + score_side(gr, hr, p->l2) - parent;
			} else {
				wl = output_in(gl, hl, p->l2, bd);
				wr = output_in(gr, hr, p->l2, bd);
				/* the left child holds the lower values of the feature */
				if ((mono > 0 && wl > wr) || (mono < 0 && wl < wr))
					continue;
				gain = score_at(gl, hl, p->l2, wl) + score_at(gr, hr, p->l2, wr) -
				       parent;
			}
			/* Strictly better only: ties keep the lower feature, then bin. */
			if (gain > floor_gain && gain > best.gain)
				best = (struct split){
				    .gain = gain, .k = k, .bin = b, .wl = wl, .wr = wr};
		}
	}
	return best;
}

static float leaf_value(const struct cjd_gbdt_params *p, double Gs, double Hs, struct bounds bd)
{
	double v;

	if (bounded(bd))
		v = p->learning_rate * output_in(Gs, Hs, p->l2, bd);
	else
		v = Hs + p->l2 > 0.0 ? -p->learning_rate * Gs / (Hs + p->l2) : 0.0;
	return (float)fmax(-MAX_LEAF, fmin(MAX_LEAF, v));
}

/* Gradient and hessian sums of a node's rows. */
struct totals {
	double g, h;
};

/*
 * Stable partition of idx[lo..hi) by bin <= b on feature j; returns the
 * split point and each side's exact totals, summed in the children's row
 * order (the subtraction trick's rounding never reaches a node's totals).
 */
static size_t partition(struct grower *G, size_t lo, size_t hi, size_t j, unsigned b,
			struct totals *tl, struct totals *tr)
{
	size_t nl = lo, nr = 0;

	*tl = *tr = (struct totals){0.0, 0.0};
	for (size_t i = lo; i < hi; i++) {
		uint32_t r = G->idx[i];
		if (G->B[(size_t)r * G->d + j] <= b) {
			G->idx[nl++] = r;
			tl->g += G->g[r];
			tl->h += G->h[r];
		} else {
			G->tmp[nr++] = r;
			tr->g += G->g[r];
			tr->h += G->h[r];
		}
	}
	memcpy(G->idx + nl, G->tmp, nr * sizeof(*G->tmp));
	return nl;
}

/*
 * Grows the subtree of rows idx[lo..hi) at `depth` with totals t; H is its
 * histogram (NULL at max depth, where nothing is split). Returns the node index.
 */
static int32_t grow(struct grower *G, size_t lo, size_t hi, unsigned depth, struct hbin *H,
		    struct totals t, struct bounds bd)
{
	const struct cjd_gbdt_params *p = G->p;
	int32_t me = G->n_nodes++;
	double Gs = t.g, Hs = t.h;
	uint32_t Cs = (uint32_t)(hi - lo);
	struct split s = {.gain = 0.0};

	if (H && depth < p->max_depth && Cs >= 2u * p->min_samples_leaf)
		s = find_split(G, H, Gs, Hs, Cs, bd);
	if (s.gain <= 0.0) {
		G->nodes[me] = (struct cjd_trained_node){
		    .feature = -1, .left = -1, .right = -1, .value = leaf_value(p, Gs, Hs, bd)};
		return me;
	}
	size_t j = G->sel[s.k];
	/* Below a monotone split every left leaf stays on its side of the mid-point. */
	struct bounds bl = bd, br = bd;
	int mono = p->monotone ? p->monotone[j] : 0;
	if (mono) {
		double mid = 0.5 * (s.wl + s.wr);
		if (mono > 0) {
			bl.hi = mid;
			br.lo = mid;
		} else {
			bl.lo = mid;
			br.hi = mid;
		}
	}
	struct totals tl, tr;
	size_t mid = partition(G, lo, hi, j, s.bin, &tl, &tr);
	struct hbin *HL = NULL, *HR = NULL;
	if (depth + 1 < p->max_depth) {
		/* Scan the smaller child; the larger is the parent minus it. */
		HL = hist_at(G, depth + 1, 0);
		HR = hist_at(G, depth + 1, 1);
		if (mid - lo <= hi - mid) {
			build_hist(G, HL, lo, mid);
			subtract_hist(G, HR, H, HL);
		} else {
			build_hist(G, HR, mid, hi);
			subtract_hist(G, HL, H, HR);
		}
	}
	G->nodes[me] = (struct cjd_trained_node){
	    .feature = (int32_t)j,
	    .threshold = G->bins->cuts[G->bins->off[j] + s.bin],
	    .value = 0.0f,
	};
	G->split_bin[me] = (uint8_t)s.bin;
	/* Preorder: the left subtree's nodes come right after me. */
	int32_t l = grow(G, lo, mid, depth + 1, HL, tl, bl);
	int32_t r = grow(G, mid, hi, depth + 1, HR, tr, br);
	G->nodes[me].left = l;
	G->nodes[me].right = r;
	return me;
}

/* The leaf value row i of the binned matrix reaches in the tree just grown. */
static float tree_value(const struct grower *G, size_t i)
{
	const uint8_t *br = G->B + i * G->d;
	int32_t k = 0;

	while (G->nodes[k].feature >= 0)
		k = br[G->nodes[k].feature] <= G->split_bin[k] ? G->nodes[k].left
							       : G->nodes[k].right;
	return G->nodes[k].value;
}

static int add_params(struct cjd_trained_meta *m, const struct cjd_gbdt_params *p)
{
	if (cjd_meta_param_u64(m, "n_trees", p->n_trees) ||
	    cjd_meta_param_u64(m, "max_depth", p->max_depth) ||
	    cjd_meta_param_double(m, "learning_rate", p->learning_rate) ||
	    cjd_meta_param_u64(m, "max_bins", p->max_bins) ||
	    cjd_meta_param_u64(m, "min_samples_leaf", p->min_samples_leaf) ||
	    cjd_meta_param_double(m, "min_child_weight", p->min_child_weight) ||
	    cjd_meta_param_double(m, "l2", p->l2) ||
	    cjd_meta_param_double(m, "min_split_gain", p->min_split_gain) ||
	    cjd_meta_param_double(m, "row_subsample", p->row_subsample) ||
	    cjd_meta_param_double(m, "col_subsample", p->col_subsample))
		return -ENOMEM;
	return 0;
}

/* One training run: the rows (n of them, d features), their state, and the trees so far. */
struct work {
	size_t n, d;
	struct cjd_bins bins;
	uint8_t *B, *y;
	double *w, *F, *g, *h;
	double wpos, wneg;        /* class weights */
	uint32_t *idx, *tmp, *usable, *sel;
	size_t n_usable;          /* features with more than one bin */
	struct grower *G;
	struct cjd_trained_node *nodes; /* all trees so far */
	size_t nodes_cap, total_nodes;
	size_t *tree_start;
};

static void work_release(struct work *W)
{
	cjd_bins_release(&W->bins);
	free(W->B);
	free(W->y);
	free(W->w);
	free(W->F);
	free(W->g);
	free(W->h);
	free(W->idx);
	free(W->tmp);
	free(W->usable);
	free(W->sel);
	if (W->G)
		free(W->G->hist);
	free(W->G);
	free(W->nodes);
	free(W->tree_start);
}

/* Picks this tree's rows (Bernoulli) into idx; returns how many. Never 0. */
static size_t sample_rows(struct work *W, size_t n, double frac, struct cjd_rng *rng)
{
	size_t m = 0;

	if (frac >= 1.0) {
		for (size_t i = 0; i < n; i++)
			W->idx[i] = (uint32_t)i;
		return n;
	}
	for (size_t i = 0; i < n; i++)
		if (cjd_rng_double(rng) < frac)
			W->idx[m++] = (uint32_t)i;
	if (m == 0) /* tiny sets: fall back to every row rather than an empty tree */
		return sample_rows(W, n, 1.0, rng);
	return m;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Picks this tree's features from the usable ones (partial Fisher-Yates), ascending. */
static size_t sample_features(struct work *W, size_t n_usable, double frac, struct cjd_rng *rng)
{
	size_t k = (size_t)llround(frac * (double)n_usable);

	if (k < 1)
		k = 1;
	if (k > n_usable)
		k = n_usable;
	memcpy(W->sel, W->usable, n_usable * sizeof(*W->sel));
	if (k < n_usable) {
		for (size_t i = 0; i < k; i++) {
			size_t r = i + (size_t)cjd_rng_below(rng, n_usable - i);
			uint32_t t = W->sel[i];
			W->sel[i] = W->sel[r];
			W->sel[r] = t;
		}
		qsort(W->sel, k, sizeof(*W->sel), cmp_u32);
	}
	return k;
}

int cjd_train_gbdt(const struct cjd_dataset *ds, const uint32_t *rows, size_t n, const double *w,
		   const struct cjd_gbdt_params *p, cjd_train_progress_fn progress, void *ctx,
		   struct cjd_trained_model **out, struct cjd_error *err)
{
	return cjd_gbdt_train_logits(ds, rows, n, w, p, progress, ctx, out, NULL, err);
}

/* ---- the steps of a training run ---- */

static int work_alloc(struct work *W, size_t n, size_t d, const struct cjd_gbdt_params *p)
{
	W->n = n;
	W->d = d;
	W->y = malloc(n);
	W->w = malloc(n * sizeof(double));
	W->F = malloc(n * sizeof(double));
	W->g = malloc(n * sizeof(double));
	W->h = malloc(n * sizeof(double));
	W->idx = malloc(n * sizeof(uint32_t));
	W->tmp = malloc(n * sizeof(uint32_t));
	W->B = malloc(n * d);
	W->usable = malloc(d * sizeof(uint32_t));
	W->sel = malloc(d * sizeof(uint32_t));
	W->G = calloc(1, sizeof(*W->G));
	W->tree_start = calloc((size_t)p->n_trees + 1, sizeof(size_t));
	if (!W->y || !W->w || !W->F || !W->g || !W->h || !W->idx || !W->tmp || !W->B ||
	    !W->usable || !W->sel || !W->G || !W->tree_start)
		return -ENOMEM;
	return 0;
}

/* Labels and weights of the training rows; both classes must weigh something. */
static int load_labels(struct work *W, const struct cjd_dataset *ds, const uint32_t *rows,
		       const double *w, struct cjd_error *err)
{
	for (size_t i = 0; i < W->n; i++) {
		uint32_t r = cjd_sel(rows, i);
		W->y[i] = cjd_dataset_miner(ds, r);
		W->w[i] = w ? w[i] : 1.0;
		if (!(W->w[i] >= 0.0) || !isfinite(W->w[i]))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "gbdt: weight %zu is %g (must be finite and >= 0)", i,
					     W->w[i]);
		*(W->y[i] ? &W->wpos : &W->wneg) += W->w[i];
	}
	if (!(W->wpos > 0.0) || !(W->wneg > 0.0))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "gbdt: the training rows need both classes (miner weight %g, "
				     "benign weight %g)",
				     W->wpos, W->wneg);
	return 0;
}

static int check_monotone(const struct cjd_gbdt_params *p, size_t d, struct cjd_error *err)
{
	for (size_t j = 0; p->monotone && j < d; j++)
		if (p->monotone[j] < -1 || p->monotone[j] > 1)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "gbdt: monotone constraint of feature %zu is %d (must "
					     "be -1, 0 or 1)",
					     j, (int)p->monotone[j]);
	return 0;
}

/* Bins every feature of the training rows and lists the usable ones. */
static int bin_features(struct work *W, const struct cjd_dataset *ds, const uint32_t *rows,
			const struct cjd_gbdt_params *p, struct cjd_error *err)
{
	int rc = cjd_bins_fit(&W->bins, ds, rows, W->n, p->max_bins, W->B);

	if (rc)
		return cjd_error_set(err, rc, NULL, 0, 0, "gbdt: binning failed: %s",
				     strerror(-rc));
	for (size_t j = 0; j < W->d; j++)
		if (W->bins.n_bins[j] > 1)
			W->usable[W->n_usable++] = (uint32_t)j;
	return 0;
}

/* Points the grower at the run's arrays and sizes its histograms. */
static int grower_init(struct work *W, const struct cjd_gbdt_params *p)
{
	struct grower *G = W->G;

	G->p = p;
	G->bins = &W->bins;
	G->B = W->B;
	G->d = W->d;
	G->g = W->g;
	G->h = W->h;
	G->idx = W->idx;
	G->tmp = W->tmp;
	G->sel = W->sel;
	G->hist_stride = (W->n_usable ? W->n_usable : 1) * p->max_bins;
	G->hist = malloc(((size_t)p->max_depth + 1) * 2 * G->hist_stride * sizeof(struct hbin));
	return G->hist ? 0 : -ENOMEM;
}

/* One boosting round: gradients at the current logits, this tree's rows and
 * features, the tree grown into W->G->nodes, and the logits moved by it. */
static void boost_round(struct work *W, const struct cjd_gbdt_params *p, struct cjd_rng *rng)
{
	struct grower *G = W->G;
	size_t n = W->n;

	for (size_t i = 0; i < n; i++) {
		double pr = cjd_sigmoid(W->F[i]);
		W->g[i] = W->w[i] * (pr - (double)W->y[i]);
		W->h[i] = W->w[i] * pr * (1.0 - pr);
	}
	/* Draw rows then features from one stream, in a fixed order. */
	size_t nrows = sample_rows(W, n, p->row_subsample, rng);
	G->n_sel = W->n_usable ? sample_features(W, W->n_usable, p->col_subsample, rng) : 0;
	G->n_nodes = 0;
	struct hbin *root = NULL;
	if (G->n_sel) {
		root = hist_at(G, 0, 0);
		build_hist(G, root, 0, nrows);
	}
	struct totals t0 = {0.0, 0.0};
	for (size_t i = 0; i < nrows; i++) {
		t0.g += W->g[W->idx[i]];
		t0.h += W->h[W->idx[i]];
	}
	grow(G, 0, nrows, 0, root, t0, (struct bounds){-INFINITY, INFINITY});
	for (size_t i = 0; i < n; i++)
		W->F[i] += (double)tree_value(G, i);
}

/* Appends the tree just grown (tree t) to the run's node array. */
static int keep_tree(struct work *W, unsigned t)
{
	size_t k = (size_t)W->G->n_nodes;

	if (cjd_array_reserve(W->nodes, W->nodes_cap, W->total_nodes + k))
		return -ENOMEM;
	memcpy(W->nodes + W->total_nodes, W->G->nodes, k * sizeof(*W->nodes));
	W->total_nodes += k;
	W->tree_start[t + 1] = W->total_nodes;
	return 0;
}

/* Hands the trees to the model, trimmed, and the final logits to the caller. */
static int hand_over(struct work *W, struct cjd_trained_model *m,
		     const struct cjd_gbdt_params *p, double *logits)
{
	free(m->tree_start);
	m->tree_start = W->tree_start;
	W->tree_start = NULL;
	m->n_trees = p->n_trees;
	m->nodes = realloc(W->nodes, W->total_nodes * sizeof(*W->nodes));
	if (!m->nodes)
		m->nodes = W->nodes;
	W->nodes = NULL;
	m->meta.seed = p->seed;
	if (logits)
		memcpy(logits, W->F, W->n * sizeof(*logits));
	return add_params(&m->meta, p);
}

int cjd_gbdt_train_logits(const struct cjd_dataset *ds, const uint32_t *rows, size_t n,
			  const double *w, const struct cjd_gbdt_params *p,
			  cjd_train_progress_fn progress, void *ctx, struct cjd_trained_model **out,
			  double *logits, struct cjd_error *err)
{
	size_t d = cjd_dataset_features(ds);
	struct work W = {0};
	struct cjd_trained_model *m = NULL;
	struct cjd_rng rng;
	int rc;

	if ((rc = check_params(p, err)))
		return rc;
	if (n == 0 || (!rows && n != cjd_dataset_rows(ds)))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "gbdt: no training rows");
	if (work_alloc(&W, n, d, p))
		goto out_nomem;
	if ((rc = load_labels(&W, ds, rows, w, err)) || (rc = check_monotone(p, d, err)) ||
	    (rc = bin_features(&W, ds, rows, p, err)))
		goto out;
	if (grower_init(&W, p))
		goto out_nomem;
	m = cjd_trained_model_new(CJD_TRAINED_GBDT, d, cjd_dataset_feature_names(ds));
	if (!m)
		goto out_nomem;
	/* The prior log-odds, rounded to the float the file stores, so the
	 * boosting starts exactly where the scorer will. */
	m->base_score = (float)log(W.wpos / W.wneg);
	for (size_t i = 0; i < n; i++)
		W.F[i] = (double)m->base_score;
	cjd_rng_seed(&rng, p->seed);
	for (unsigned t = 0; t < p->n_trees; t++) {
		boost_round(&W, p, &rng);
		if (keep_tree(&W, t))
			goto out_nomem;
		if (progress && (rc = progress(ctx, "tree", t + 1, p->n_trees)))
			goto out;
	}
	if (hand_over(&W, m, p, logits))
		goto out_nomem;
	*out = m;
	m = NULL;
	rc = 0;
	goto out;
out_nomem:
	rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
out:
	cjd_trained_model_free(m);
	work_release(&W);
	return rc;
}
