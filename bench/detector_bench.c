/* The measurements behind `cjd bench features` and `cjd bench tick`: medians, tiers side by side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/bench/detector_bench.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/detector/detector.h"
#include "kernels.h"
#include "model_internal.h"

#define MIN_REP_NS 20000000ull /* each repetition runs at least 20 ms */

/* CPU time of this thread, ns. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A timed stretch: wall and CPU, started together. */
struct stopwatch {
	uint64_t wall, cpu;
};

static struct stopwatch sw_start(void)
{
	return (struct stopwatch){cjd_now_mono_ns(), cpu_ns()};
}

static void sw_stop(const struct stopwatch *s, double *wall, double *cpu)
{
	*cpu = (double)(cpu_ns() - s->cpu);
	*wall = (double)(cjd_now_mono_ns() - s->wall);
}

/* cpu and wall: per-tick times of n repetitions (sorted in place). */
static void summarise(struct cjd_bench_row *r, double *cpu, double *wall, unsigned n,
		      size_t cgroups)
{
	r->median_ns = cjd_median(cpu, n);
	r->min_ns = cpu[0];
	r->max_ns = cpu[n - 1];
	r->wall_median_ns = cjd_median(wall, n);
	r->windows_per_s = (double)cgroups / (r->median_ns / 1e9);
	r->ran = true;
}

static int parse_set(const char *set, enum cjd_feature_set *out, struct cjd_error *err)
{
	if (!strcmp(set, "hw"))
		*out = CJD_SET_HW;
	else if (!strcmp(set, "sw"))
		*out = CJD_SET_SW;
	else
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "feature set '%s' is not hw or sw", set);
	return 0;
}

/* A plausible count for an event of a cgroup with the given busy fraction. */
static double count_for(int ev, double busy, uint64_t *rng)
{
	double ns = busy * 1e9, jitter = 0.9 + 0.2 * cjd_xorshift64_unit(rng);

	switch (ev) {
	case CJD_EV_CYCLES: return ns * 3.0 * jitter;
	case CJD_EV_INSTRUCTIONS: return ns * 3.0 * (0.3 + 2.5 * cjd_xorshift64_unit(rng));
	case CJD_EV_BRANCHES: return ns * 0.5 * jitter;
	case CJD_EV_BRANCH_MISSES: return ns * 0.01 * jitter;
	case CJD_EV_CACHE_REFERENCES: return ns * 0.05 * jitter;
	case CJD_EV_CACHE_MISSES: return ns * 0.005 * jitter;
	case CJD_EV_L1D_LOAD_MISSES: return ns * 0.03 * jitter;
	case CJD_EV_LLC_LOAD_MISSES: return ns * 0.001 * jitter;
	case CJD_EV_TASK_CLOCK: return ns * jitter;
	case CJD_EV_CONTEXT_SWITCHES: return 100 * cjd_xorshift64_unit(rng);
	case CJD_EV_CPU_MIGRATIONS: return 5 * cjd_xorshift64_unit(rng);
	case CJD_EV_PAGE_FAULTS: return 50 * cjd_xorshift64_unit(rng);
	case CJD_EV_SYSCALLS: return 2000 * cjd_xorshift64_unit(rng);
	default: return 1e9; /* CJD_OP_DT */
	}
}

/* ---- feature extraction ---- */

struct fx_bench {
	size_t n, pitch;
	unsigned w, slot;
	int n_ratio, ratio[CJD_RATIO__COUNT];
	float *slab; /* staged operand rows, then the ring rows: the input */
	size_t slab_floats;
	float *stage[CJD_OP__COUNT];
	float *ring[CJD_RATIO__COUNT];
	float *out; /* CJD_STAT__COUNT rows per ratio */
};

static void fx_tick(struct fx_bench *b, const struct cjd_kernels *k)
{
	for (int i = 0; i < b->n_ratio; i++) {
		const struct cjd_ratio_info *ri = cjd_ratio_info(b->ratio[i]);
		float *row = b->ring[i] + (size_t)b->slot * b->pitch;
		float *o[CJD_STAT__COUNT];
		for (int s = 0; s < CJD_STAT__COUNT; s++)
			o[s] = b->out + (size_t)(i * CJD_STAT__COUNT + s) * b->pitch;
		k->ratio(b->stage[ri->num], b->stage[ri->den], ri->scale, ri->safe, row, b->n);
		k->stats(b->ring[i], b->pitch, b->w, row,
			 b->ring[i] + (size_t)((b->slot + 1) % b->w) * b->pitch, o, b->n);
	}
	b->slot = (b->slot + 1) % b->w;
}

static int fx_setup(struct fx_bench *b, size_t n, unsigned w, enum cjd_feature_set set)
{
	bool used[CJD_OP__COUNT] = {false};
	size_t rows = 0;
	uint64_t rng = 0x9E3779B97F4A7C15ull;

	memset(b, 0, sizeof(*b));
	b->n = n;
	b->w = w;
	b->pitch = n + 16;
	for (int r = 0; r < CJD_RATIO__COUNT; r++) {
		const struct cjd_ratio_info *ri = cjd_ratio_info(r);
		if (ri->set != set)
			continue;
		b->ratio[b->n_ratio++] = r;
		used[ri->num] = used[ri->den] = true;
	}
	for (int o = 0; o < CJD_OP__COUNT; o++)
		rows += used[o];
	rows += (size_t)b->n_ratio * w;
	b->slab_floats = rows * b->pitch;
	b->slab = aligned_alloc(64, (b->slab_floats * sizeof(float) + 63) & ~(size_t)63);
	b->out = aligned_alloc(64, ((size_t)b->n_ratio * CJD_STAT__COUNT * b->pitch * sizeof(float) +
				    63) & ~(size_t)63);
	if (!b->slab || !b->out)
		return -ENOMEM;
	float *p = b->slab;
	for (int o = 0; o < CJD_OP__COUNT; o++) {
		if (!used[o])
			continue;
		b->stage[o] = p;
		p += b->pitch;
	}
	for (int i = 0; i < b->n_ratio; i++) {
		b->ring[i] = p;
		p += (size_t)w * b->pitch;
	}
	/* Fill the rings the way ticks would, from plausible counts. */
	for (unsigned s = 0; s < w; s++) {
		for (size_t l = 0; l < b->pitch; l++) {
			double busy = l % 4 == 0 ? 1.0 : cjd_xorshift64_unit(&rng);
			for (int o = 0; o < CJD_OP__COUNT; o++)
				if (used[o])
					b->stage[o][l] = (float)count_for(o, busy, &rng);
		}
		fx_tick(b, cjd_kernels(CJD_SIMD_SCALAR));
	}
	return 0;
}

static void fx_free(struct fx_bench *b)
{
	free(b->slab);
	free(b->out);
}

/* Every row that ran: its speedup over row 0 (the scalar reference). */
static void speedups(struct cjd_bench_row *rows, size_t n)
{
	for (size_t r = 0; r < n; r++)
		if (rows[r].ran)
			rows[r].speedup = rows[0].median_ns / rows[r].median_ns;
}

/* A row for tier t (name: the tier's unless given), or why it cannot run here. */
static void tier_row(struct cjd_bench_row *row, enum cjd_simd_tier t, const char *name)
{
	snprintf(row->name, sizeof(row->name), "%s", name ? name : cjd_simd_tier_name(t));
	if (!cjd_kernels(t) || !cjd_simd_cpu_supports(t))
		snprintf(row->skip_reason, sizeof(row->skip_reason), "%s", cjd_simd_why_not(t));
}

/* Ticks per repetition so one lasts at least MIN_REP_NS. */
static unsigned calibrate(double ns_per_tick)
{
	double it = (double)MIN_REP_NS / (ns_per_tick > 1 ? ns_per_tick : 1);

	return it < 1 ? 1 : it > 100000 ? 100000 : (unsigned)it + 1;
}

/*
 * The rows of the features benchmark into out and their kernels into k: the
 * reference first, then the compiler's own vectorisation, then every tier of
 * every architecture (those that cannot run here say why). Returns the
 * kernels of the widest tier the CPU has, which does the streaming read.
 */
static const struct cjd_kernels *features_rows(struct cjd_bench_features *out,
					       const struct cjd_kernels **k)
{
	k[0] = cjd_kernels(CJD_SIMD_SCALAR);
	k[1] = &cjd_kernels_scalar_o3;
	for (int t = CJD_SIMD_SCALAR + 1; t < CJD_SIMD__COUNT; t++)
		k[t + 1] = cjd_kernels((enum cjd_simd_tier)t);
	out->n_rows = CJD_SIMD__COUNT + 1;
	for (size_t r = 0; r < out->n_rows; r++)
		tier_row(&out->rows[r], r < 2 ? CJD_SIMD_SCALAR : (enum cjd_simd_tier)(r - 1),
			 r == 0   ? "scalar (-O3 -fno-tree-vectorize)"
			 : r == 1 ? "scalar, plain -O3 (autovec)"
				  : NULL);
	const struct cjd_kernels *bwk = k[0];
	for (int t = CJD_SIMD__COUNT - 1; t >= 0; t--) {
		if (cjd_simd_cpu_supports((enum cjd_simd_tier)t)) {
			bwk = cjd_kernels((enum cjd_simd_tier)t);
			break;
		}
	}
	snprintf(out->bw_tier, sizeof(out->bw_tier), "%s", bwk->name);
	return bwk;
}

/* Ticks per repetition of every row that runs (two ticks also warm the caches), and
 * streaming reads per repetition. */
static void features_calibrate(const struct cjd_bench_features *out, struct fx_bench *b,
			       const struct cjd_kernels *const *k, const struct cjd_kernels *bwk,
			       unsigned *iters, unsigned *bw_iters)
{
	for (size_t r = 0; r < out->n_rows; r++) {
		if (out->rows[r].skip_reason[0])
			continue;
		uint64_t t0 = cjd_now_mono_ns();
		fx_tick(b, k[r]); /* also warms the caches */
		fx_tick(b, k[r]);
		iters[r] = calibrate((double)(cjd_now_mono_ns() - t0) / 2);
	}
	uint64_t t0 = cjd_now_mono_ns();
	volatile float sink = bwk->sum(b->slab, b->slab_floats);
	(void)sink;
	*bw_iters = calibrate((double)(cjd_now_mono_ns() - t0));
}

int cjd_bench_features_run(size_t cgroups, unsigned window, const char *set, unsigned reps,
			   struct cjd_bench_features *out, struct cjd_error *err)
{
	const struct cjd_kernels *k[CJD_BENCH_MAX_ROWS];
	enum cjd_feature_set fs;
	struct fx_bench b;
	double *times = NULL, *walls = NULL, *bw = NULL;
	int rc;

	if ((rc = parse_set(set, &fs, err)))
		return rc;
	if (!cgroups || window < 2 || window > 64 || reps < 1)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "bad benchmark parameters");
	memset(out, 0, sizeof(*out));
	out->cgroups = cgroups;
	out->window = window;
	snprintf(out->set, sizeof(out->set), "%s", set);
	out->reps = reps;
	if ((rc = fx_setup(&b, cgroups, window, fs))) {
		fx_free(&b);
		return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	}
	out->ratios = b.n_ratio;
	out->input_bytes = (double)(b.slab_floats / b.pitch) * (double)cgroups * sizeof(float);

	const struct cjd_kernels *bwk = features_rows(out, k);

	times = calloc(out->n_rows * reps, sizeof(*times));
	walls = calloc(out->n_rows * reps, sizeof(*walls));
	bw = calloc(reps, sizeof(*bw));
	if (!times || !walls || !bw) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	unsigned iters[CJD_BENCH_MAX_ROWS], bw_iters;
	features_calibrate(out, &b, k, bwk, iters, &bw_iters);
	for (unsigned rep = 0; rep < reps; rep++) {
		for (size_t r = 0; r < out->n_rows; r++) {
			if (out->rows[r].skip_reason[0])
				continue;
			struct stopwatch w = sw_start();
			double cpu, wall;
			for (unsigned i = 0; i < iters[r]; i++)
				fx_tick(&b, k[r]);
			sw_stop(&w, &wall, &cpu);
			times[r * reps + rep] = cpu / iters[r];
			walls[r * reps + rep] = wall / iters[r];
		}
		volatile float sink = 0;
		struct stopwatch w = sw_start();
		double ns, wall;
		for (unsigned i = 0; i < bw_iters; i++)
			sink += bwk->sum(b.slab, b.slab_floats);
		(void)sink;
		sw_stop(&w, &wall, &ns);
		ns /= bw_iters;
		bw[rep] = (double)b.slab_floats * sizeof(float) / ns; /* bytes/ns = GB/s */
	}
	for (size_t r = 0; r < out->n_rows; r++)
		if (!out->rows[r].skip_reason[0])
			summarise(&out->rows[r], times + r * reps, walls + r * reps, reps, cgroups);
	speedups(out->rows, out->n_rows);
	out->bw_gbs = cjd_median(bw, reps);
	out->bw_windows_per_s = (double)cgroups / (out->input_bytes / out->bw_gbs / 1e9);
	rc = 0;
out_free:
	free(times);
	free(walls);
	free(bw);
	fx_free(&b);
	return rc;
}

/* ---- a synthetic forest over real feature values ---- */

/* The features of set fs, into feats (CJD_MODEL_MAX_FEATURES long) if given; returns the count. */
static size_t set_features(enum cjd_feature_set fs, int *feats)
{
	size_t n = 0;

	for (int f = 0; f < CJD_FEATURE__COUNT; f++) {
		if (cjd_ratio_info(f / CJD_STAT__COUNT)->set != fs)
			continue;
		if (feats)
			feats[n] = f;
		n++;
	}
	return n;
}

/*
 * A SYNTHETIC random gbdt of trees x depth over every feature of set fs
 * (window W), whose thresholds are drawn from the features of n plausible
 * cgroups so that lanes branch both ways, as with a trained model. If x is
 * given it gets that feature matrix (CJD_FEATURE__COUNT rows of *pitch
 * floats; the caller frees it). Returns 0 or -ENOMEM.
 */
static int synthetic_forest(size_t n, unsigned window, enum cjd_feature_set fs, size_t trees,
			    unsigned depth, struct cjd_model **model, float **x, size_t *pitch)
{
	int feats[CJD_MODEL_MAX_FEATURES];
	size_t n_feat = set_features(fs, feats);
	struct fx_bench fb;
	float *m = NULL;
	int rc;

	*model = NULL;
	if ((rc = fx_setup(&fb, n, window, fs)))
		goto out;
	if (!(m = calloc((size_t)CJD_FEATURE__COUNT * fb.pitch, sizeof(float)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < fb.n_ratio; i++)
		memcpy(m + (size_t)CJD_FEATURE(fb.ratio[i], 0) * fb.pitch,
		       fb.out + (size_t)i * CJD_STAT__COUNT * fb.pitch,
		       CJD_STAT__COUNT * fb.pitch * sizeof(float));
	if ((rc = cjd_model_synthetic_gbdt(model, feats, n_feat, trees, depth, m, fb.pitch, n, 7)))
		goto out;
	(*model)->window = window;
	if (x) {
		*x = m;
		*pitch = fb.pitch;
		m = NULL;
	}
out:
	free(m);
	fx_free(&fb);
	return rc;
}

/* ---- the gbdt kernels alone ---- */

int cjd_bench_gbdt_run(size_t cgroups, const char *set, size_t trees, unsigned depth,
		       unsigned reps, struct cjd_bench_gbdt *out, struct cjd_error *err)
{
	struct cjd_model *model = NULL;
	enum cjd_feature_set fs;
	float *x = NULL, *z = NULL;
	int32_t *offs = NULL;
	double *cpu = NULL, *wall = NULL;
	unsigned iters[CJD_SIMD__COUNT];
	size_t pitch = 0;
	int rc;

	if ((rc = parse_set(set, &fs, err)))
		return rc;
	if (!cgroups || !reps || !trees || depth < 1 || depth > CJD_MODEL_MAX_DEPTH)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "bad benchmark parameters");
	memset(out, 0, sizeof(*out));
	out->cgroups = cgroups;
	snprintf(out->set, sizeof(out->set), "%s", set);
	out->trees = trees;
	out->depth = depth;
	out->reps = reps;
	out->features = set_features(fs, NULL);
	if ((rc = synthetic_forest(cgroups, 8, fs, trees, depth, &model, &x, &pitch)))
		goto out_nomem;
	const struct cjd_gbdt_flat *g = &model->gbdt;
	size_t nodes = g->n_trees * g->n_inner;
	offs = malloc(nodes * sizeof(*offs));
	z = calloc(cgroups, sizeof(*z));
	cpu = calloc((size_t)CJD_SIMD__COUNT * reps, sizeof(*cpu));
	wall = calloc((size_t)CJD_SIMD__COUNT * reps, sizeof(*wall));
	if (!offs || !z || !cpu || !wall)
		goto out_nomem;
	for (size_t k = 0; k < nodes; k++)
		offs[k] = (int32_t)((size_t)g->feat[k] * pitch);

	out->n_rows = CJD_SIMD__COUNT;
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		tier_row(&out->rows[t], (enum cjd_simd_tier)t, NULL);
		if (out->rows[t].skip_reason[0])
			continue;
		/* z only accumulates: bounded leaves keep it finite for any run length */
		uint64_t t0 = cjd_now_mono_ns();
		cjd_kernels((enum cjd_simd_tier)t)->gbdt(g, offs, x, cgroups, z);
		iters[t] = calibrate((double)(cjd_now_mono_ns() - t0));
	}
	for (unsigned rep = 0; rep < reps; rep++) {
		for (int t = 0; t < CJD_SIMD__COUNT; t++) {
			if (out->rows[t].skip_reason[0])
				continue;
			cjd_gbdt_fn walk = cjd_kernels((enum cjd_simd_tier)t)->gbdt;
			struct stopwatch w = sw_start();
			double c, wl;
			for (unsigned i = 0; i < iters[t]; i++)
				walk(g, offs, x, cgroups, z);
			sw_stop(&w, &wl, &c);
			cpu[(size_t)t * reps + rep] = c / iters[t];
			wall[(size_t)t * reps + rep] = wl / iters[t];
		}
	}
	for (int t = 0; t < CJD_SIMD__COUNT; t++)
		if (!out->rows[t].skip_reason[0])
			summarise(&out->rows[t], cpu + (size_t)t * reps, wall + (size_t)t * reps, reps,
				  cgroups);
	speedups(out->rows, out->n_rows);
	rc = 0;
	goto out_free;
out_nomem:
	rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
out_free:
	cjd_model_free(model);
	free(x);
	free(z);
	free(offs);
	free(cpu);
	free(wall);
	return rc;
}

/* ---- a whole detector round ---- */

#define BATCHES 16 /* pre-generated count sets, cycled, so the timed loop makes no data */

struct tick_bench {
	size_t n;
	char (*names)[32];
	struct cjd_sample *batch[BATCHES];
	uint64_t t_ns;
};

static int tick_setup(struct tick_bench *tb, size_t n, cjd_event_mask events)
{
	uint64_t rng = 12345;

	tb->n = n;
	tb->names = calloc(n, sizeof(*tb->names));
	if (!tb->names)
		return -ENOMEM;
	for (size_t l = 0; l < n; l++)
		snprintf(tb->names[l], sizeof(tb->names[l]), "/bench/cg%05zu", l);
	for (int b = 0; b < BATCHES; b++) {
		if (!(tb->batch[b] = calloc(n, sizeof(struct cjd_sample))))
			return -ENOMEM;
		for (size_t l = 0; l < n; l++) {
			struct cjd_sample *s = &tb->batch[b][l];
			double busy = l % 4 == 0 ? 0.99 : cjd_xorshift64_unit(&rng);
			s->cgroup = tb->names[l];
			s->dt_ns = 1000000000ull;
			s->events = events;
			for (int e = 0; e < CJD_EV__COUNT; e++)
				if (events & CJD_EVMASK(e))
					s->count[e] = (uint64_t)count_for(e, busy, &rng);
		}
	}
	return 0;
}

static void tick_free(struct tick_bench *tb)
{
	free(tb->names);
	for (int b = 0; b < BATCHES; b++)
		free(tb->batch[b]);
}

/* One round: push every cgroup's sample, then tick. Adds the two times. */
static int round_run(struct cjd_detector *d, struct tick_bench *tb, uint64_t t_ns,
		     double acc[3])
{
	struct cjd_sample *batch = tb->batch[(t_ns / 1000000000ull) % BATCHES];
	struct cjd_error err;
	double wall, cpu;

	struct stopwatch w = sw_start();
	for (size_t l = 0; l < tb->n; l++) {
		batch[l].t_ns = t_ns;
		if (cjd_detector_push(d, &batch[l], &err))
			return -EINVAL;
	}
	sw_stop(&w, &wall, &cpu);
	acc[0] += cpu;
	w = sw_start();
	cjd_detector_tick(d);
	sw_stop(&w, &wall, &cpu);
	acc[1] += cpu;
	acc[2] += wall;
	return 0;
}

/* A row per tier and, for each that can run here, a detector of that tier over model.
 * Returns 0 or the detector's error (err set). */
static int tick_detectors(struct cjd_bench_tick *out, cjd_event_mask events,
			  const struct cjd_model *model, struct cjd_detector **d,
			  struct cjd_error *err)
{
	int rc;

	out->n_rows = CJD_SIMD__COUNT;
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		struct cjd_bench_row *row = &out->rows[t];
		struct cjd_detector_config cfg;
		tier_row(row, (enum cjd_simd_tier)t, NULL);
		if (row->skip_reason[0])
			continue;
		cjd_detector_config_init(&cfg);
		cfg.events = events;
		cfg.tier = (enum cjd_simd_tier)t;
		if ((rc = cjd_detector_new(&d[t], &cfg, model, NULL, NULL, err)))
			return rc;
	}
	return 0;
}

/* Warm up: fill every window (advancing *t_ns), then size the repetitions from the
 * scalar detector's last round. Returns 0 or -EINVAL (a sample refused). */
static int tick_warm_up(struct cjd_detector **d, struct tick_bench *tb, unsigned window,
			uint64_t *t_ns, unsigned *iters)
{
	for (unsigned i = 0; i < window + 2; i++) {
		*t_ns += 1000000000ull;
		for (int t = 0; t < CJD_SIMD__COUNT; t++) {
			double acc[3] = {0};
			if (d[t] && round_run(d[t], tb, *t_ns, acc))
				return -EINVAL;
			if (d[t] && t == CJD_SIMD_SCALAR && i == window + 1)
				*iters = calibrate(acc[0] + acc[1]);
		}
	}
	return 0;
}

int cjd_bench_tick_run(size_t cgroups, unsigned window, const char *set, size_t trees,
		       unsigned depth, unsigned reps, struct cjd_bench_tick *out,
		       struct cjd_error *err)
{
	struct cjd_detector *d[CJD_SIMD__COUNT] = {NULL};
	struct cjd_model *model = NULL;
	struct tick_bench tb = {0};
	enum cjd_feature_set fs;
	int rc;
	double *push = NULL, *tick = NULL, *twall = NULL;

	if ((rc = parse_set(set, &fs, err)))
		return rc;
	if (!cgroups || window < 2 || window > 64 || !reps || !trees || depth < 1 ||
	    depth > CJD_MODEL_MAX_DEPTH)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "bad benchmark parameters");
	memset(out, 0, sizeof(*out));
	out->cgroups = cgroups;
	out->window = window;
	snprintf(out->set, sizeof(out->set), "%s", set);
	out->trees = trees;
	out->depth = depth;
	out->reps = reps;
	cjd_event_mask events = cjd_feature_set_events(fs);
	out->features = set_features(fs, NULL);

	if ((rc = synthetic_forest(cgroups, window, fs, trees, depth, &model, NULL, NULL)) ||
	    (rc = tick_setup(&tb, cgroups, events)))
		goto out_nomem;

	if ((rc = tick_detectors(out, events, model, d, err)))
		goto out_free;
	push = calloc((size_t)CJD_SIMD__COUNT * reps, sizeof(*push));
	tick = calloc((size_t)CJD_SIMD__COUNT * reps, sizeof(*tick));
	twall = calloc((size_t)CJD_SIMD__COUNT * reps, sizeof(*twall));
	if (!push || !tick || !twall)
		goto out_nomem;

	uint64_t t_ns = 0;
	unsigned iters = 1;
	if (tick_warm_up(d, &tb, window, &t_ns, &iters))
		goto out_inval;
	for (unsigned rep = 0; rep < reps; rep++) {
		for (int t = 0; t < CJD_SIMD__COUNT; t++) {
			double acc[3] = {0};
			if (!d[t])
				continue;
			uint64_t tt = t_ns;
			for (unsigned i = 0; i < iters; i++) {
				tt += 1000000000ull;
				if (round_run(d[t], &tb, tt, acc))
					goto out_inval;
			}
			push[(size_t)t * reps + rep] = acc[0] / iters;
			tick[(size_t)t * reps + rep] = acc[1] / iters;
			twall[(size_t)t * reps + rep] = acc[2] / iters;
		}
		t_ns += (uint64_t)iters * 1000000000ull;
	}
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		struct cjd_bench_row *row = &out->rows[t];
		if (!d[t])
			continue;
		row->push_median_ns = cjd_median(push + (size_t)t * reps, reps);
		summarise(row, tick + (size_t)t * reps, twall + (size_t)t * reps, reps, cgroups);
	}
	speedups(out->rows, out->n_rows);
	rc = 0;
	goto out_free;
out_inval:
	rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "a benchmark sample was refused");
	goto out_free;
out_nomem:
	rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
out_free:
	for (int t = 0; t < CJD_SIMD__COUNT; t++)
		cjd_detector_free(d[t]);
	cjd_model_free(model);
	tick_free(&tb);
	free(push);
	free(tick);
	free(twall);
	return rc;
}
