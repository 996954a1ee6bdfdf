/* Training options shared by cjd train and cjd eval, and leave-one-workload-out through the detector. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"
#include "cjd/trainer/lowo.h"
#include "cjd/trainer/model_write.h"
#include "cli.h"
#include "train_opts.h"

const char tr_options_help[] =
	"Training options:\n"
	"  --features hw|sw         the feature set (required): hw = IPC, branch and cache\n"
	"                           miss rates and CPU utilisation (all six statistics each);\n"
	"                           sw = CPU utilisation, context switches, migrations, page\n"
	"                           faults and syscalls per CPU-second\n"
	"  --kind gbdt|logistic     the model (default gbdt)\n"
	"  --window W               samples per window, 2-64 (default 8, as the detector)\n"
	"  --intervals LIST         read each trace at these intervals: 'native' (as\n"
	"                           recorded) and/or durations, e.g. native,200ms,500ms,1s;\n"
	"                           longer intervals sum consecutive samples (see 'cjd trace\n"
	"                           cat --resample'), so one recording trains a model for\n"
	"                           several agent intervals; an interval shorter than a\n"
	"                           trace's own is skipped for it (default native)\n"
	"  --drop GLOB              leave out features whose name matches GLOB, e.g.\n"
	"                           'migr_per_cpu_s.*' (repeatable)\n"
	"  --increasing GLOB        gbdt: the score may only rise with the features whose name\n"
	"                           matches GLOB, all else equal (monotone constraint;\n"
	"                           repeatable), e.g. 'cpu_util.mean'\n"
	"  --decreasing GLOB        gbdt: ... may only fall with them, e.g.\n"
	"                           'syscall_per_cpu_s.mean'\n"
	"  --seed N                 random seed of the gbdt's row and feature sampling\n"
	"                           (default 1); the same traces, options and seed give a\n"
	"                           byte-identical model file\n"
	"  --trees N                gbdt: number of trees, 1-10000 (default 100)\n"
	"  --depth N                gbdt: maximum depth, 1-8 (default 6)\n"
	"  --learning-rate X        gbdt: shrinkage, (0, 1] (default 0.1)\n"
	"  --bins N                 gbdt: histogram bins per feature, 2-256 (default 256)\n"
	"  --min-leaf N             gbdt: rows per leaf at least (default 20)\n"
	"  --min-child-weight X     gbdt: hessian per leaf at least (default 1)\n"
	"  --subsample X            gbdt: fraction of rows per tree, (0, 1] (default 0.8)\n"
	"  --colsample X            gbdt: fraction of features per tree, (0, 1] (default 0.8)\n"
	"  --l2 X                   L2 regularisation: gbdt leaves (default 1), logistic\n"
	"                           weights (default 0.001)\n"
	"  --no-log1p               logistic: standardise rates as they are (default: their\n"
	"                           log1p, as rates are heavy-tailed)\n"
	"  --target-fpr X           calibrate the threshold to this benign window FPR on the\n"
	"                           training windows (default 0.001)\n"
	"  --target-fpr-low X       ... and threshold_low to this one (default 0.01)\n"
	"  --min-threshold X        never calibrate below this score (default 0.5)\n"
	"  --benign-weight X        class weight of benign windows (default 1)\n"
	"  --miner-weight X         class weight of miner windows (default 1)\n"
	"  --no-balance             weigh windows as they come (default: every workload of a\n"
	"                           class weighs the same, however long its recording)\n";

void tr_opts_init(struct tr_opts *o)
{
	memset(o, 0, sizeof(*o));
	cjd_train_config_defaults(&o->cfg);
	o->cfg.weighting.balance_groups = true;
	o->window = 8;
	o->intervals.n = 1; /* native */
	o->intervals_text = "native";
}

static int num(const char *cmd, const char *opt, const char *arg, double lo, double hi,
	       bool lo_open, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < lo || (lo_open && v == lo) || v > hi)
		return cjd_cli_usage_error(cmd, "%s '%s': expected a number in %s%g, %g]", opt, arg,
					   lo_open ? "(" : "[", lo, hi);
	*out = v;
	return 0;
}

static int uint_opt(const char *cmd, const char *opt, const char *arg, uint64_t lo, uint64_t hi,
		    uint64_t *out)
{
	if (cjd_parse_u64(arg, out) || *out < lo || *out > hi)
		return cjd_cli_usage_error(cmd, "%s '%s': expected an integer from %llu to %llu",
					   opt, arg, (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

/* The GBDT's parameters (and --l2, which the logistic model shares). Returns like tr_opt. */
static int tr_opt_gbdt(const char *cmd, int c, const char *arg, struct tr_opts *o)
{
	struct cjd_gbdt_params *g = &o->cfg.gbdt;
	uint64_t u;
	double d;
	int rc = 0;

	switch (c) {
	case TR_OPT_SEED:
		if (!(rc = uint_opt(cmd, "--seed", arg, 0, INT64_MAX, &u)))
			g->seed = u;
		break;
	case TR_OPT_TREES:
		if (!(rc = uint_opt(cmd, "--trees", arg, 1, 10000, &u)))
			g->n_trees = (unsigned)u;
		break;
	case TR_OPT_DEPTH:
		if (!(rc = uint_opt(cmd, "--depth", arg, 1, CJD_MODEL_MAX_DEPTH, &u)))
			g->max_depth = (unsigned)u;
		break;
	case TR_OPT_LR:
		rc = num(cmd, "--learning-rate", arg, 0, 1, true, &g->learning_rate);
		break;
	case TR_OPT_BINS:
		if (!(rc = uint_opt(cmd, "--bins", arg, 2, 256, &u)))
			g->max_bins = (unsigned)u;
		break;
	case TR_OPT_MIN_LEAF:
		if (!(rc = uint_opt(cmd, "--min-leaf", arg, 1, 1000000, &u)))
			g->min_samples_leaf = (unsigned)u;
		break;
	case TR_OPT_MIN_CHILD:
		rc = num(cmd, "--min-child-weight", arg, 0, 1e9, false, &g->min_child_weight);
		break;
	case TR_OPT_L2:
		if (!(rc = num(cmd, "--l2", arg, 0, 1e9, false, &d))) {
			g->l2 = d;
			o->cfg.logistic.l2 = d;
		}
		break;
	case TR_OPT_SUBSAMPLE:
		rc = num(cmd, "--subsample", arg, 0, 1, true, &g->row_subsample);
		break;
	case TR_OPT_COLSAMPLE:
		rc = num(cmd, "--colsample", arg, 0, 1, true, &g->col_subsample);
		break;
	default:
		return 0;
	}
	return rc ? rc : 1;
}

/* The thresholds' calibration and the class weights. Returns like tr_opt. */
static int tr_opt_calibration(const char *cmd, int c, const char *arg, struct tr_opts *o)
{
	struct cjd_calibration *cal = &o->cfg.calibration;
	struct cjd_weighting *w = &o->cfg.weighting;
	double d;
	int rc = 0;

	switch (c) {
	case TR_OPT_TARGET_FPR:
		rc = num(cmd, "--target-fpr", arg, 0, 0.999, false, &cal->target_fpr);
		break;
	case TR_OPT_TARGET_FPR_LOW:
		rc = num(cmd, "--target-fpr-low", arg, 0, 0.999, false, &cal->target_fpr_low);
		break;
	case TR_OPT_MIN_THRESHOLD:
		if (!(rc = num(cmd, "--min-threshold", arg, 0, 1, false, &d)))
			cal->min_threshold = (float)d;
		break;
	case TR_OPT_BENIGN_WEIGHT:
		rc = num(cmd, "--benign-weight", arg, 0, 1e6, true, &w->benign);
		break;
	case TR_OPT_MINER_WEIGHT:
		rc = num(cmd, "--miner-weight", arg, 0, 1e6, true, &w->miner);
		break;
	case TR_OPT_NO_BALANCE:
		w->balance_groups = false;
		break;
	default:
		return 0;
	}
	return rc ? rc : 1;
}

/* --increasing / --decreasing GLOB (monotone constraints). Returns like tr_opt. */
static int tr_opt_monotone(const char *cmd, int c, const char *arg, struct tr_opts *o)
{
	if ((c == TR_OPT_INCREASING ? o->n_increasing : o->n_decreasing) == TR_MAX_DROP)
		return cjd_cli_usage_error(cmd, "at most %d --increasing and --decreasing globs "
					   "each", TR_MAX_DROP);
	if (c == TR_OPT_INCREASING)
		o->increasing[o->n_increasing++] = arg;
	else
		o->decreasing[o->n_decreasing++] = arg;
	return 1;
}

int tr_opt(const char *cmd, int c, const char *arg, struct tr_opts *o)
{
	struct cjd_error err;
	uint64_t u;
	int rc = 0;

	if ((rc = tr_opt_gbdt(cmd, c, arg, o)) || (rc = tr_opt_calibration(cmd, c, arg, o)))
		return rc;
	switch (c) {
	case TR_OPT_KIND:
		if (cjd_trained_kind_parse(arg, &o->cfg.kind))
			return cjd_cli_usage_error(cmd, "--kind '%s': expected gbdt or logistic", arg);
		return 1;
	case TR_OPT_FEATURES:
		if (td_set_parse(arg, &o->set))
			return cjd_cli_usage_error(cmd, "--features '%s': unknown feature set, "
						   "expected hw or sw", arg);
		o->have_set = true;
		return 1;
	case TR_OPT_WINDOW:
		if (!(rc = uint_opt(cmd, "--window", arg, 2, 64, &u)))
			o->window = (unsigned)u;
		break;
	case TR_OPT_INTERVALS:
		if (td_intervals_parse(arg, &o->intervals, &err))
			return cjd_cli_usage_error(cmd, "--intervals '%s': %s", arg, err.text);
		o->intervals_text = arg;
		break;
	case TR_OPT_DROP:
		if (o->n_drop == TR_MAX_DROP)
			return cjd_cli_usage_error(cmd, "at most %d --drop globs", TR_MAX_DROP);
		o->drop[o->n_drop++] = arg;
		break;
	case TR_OPT_NO_LOG1P:
		o->no_log1p = true;
		break;
	case TR_OPT_INCREASING:
	case TR_OPT_DECREASING:
		return tr_opt_monotone(cmd, c, arg, o);
	default:
		return 0;
	}
	return rc ? rc : 1;
}

int tr_finish(const char *cmd, struct tr_opts *o, struct td_features *feat)
{
	struct cjd_error err;

	if (!o->have_set)
		return cjd_cli_usage_error(cmd, "--features hw|sw is required");
	if (o->cfg.calibration.target_fpr_low < o->cfg.calibration.target_fpr)
		return cjd_cli_usage_error(cmd, "--target-fpr-low (%g) must be at least --target-fpr "
					   "(%g)",
					   o->cfg.calibration.target_fpr_low,
					   o->cfg.calibration.target_fpr);
	if (td_features_of_set(o->set, o->drop, o->n_drop, feat, &err))
		return cjd_cli_usage_error(cmd, "%s", err.text);
	if ((o->n_increasing || o->n_decreasing) && o->cfg.kind != CJD_TRAINED_GBDT)
		return cjd_cli_usage_error(cmd, "--increasing and --decreasing constrain a gbdt; a "
					   "logistic model is monotone in every feature already");
	/* every glob must name a feature of the set: a typo would silently constrain nothing */
	for (int dir = 0; dir < 2; dir++) {
		const char *const *globs = dir ? o->decreasing : o->increasing;
		size_t ng = dir ? o->n_decreasing : o->n_increasing;
		for (size_t k = 0; k < ng; k++) {
			bool hit = false;
			for (size_t j = 0; j < feat->n; j++) {
				if (fnmatch(globs[k], feat->names[j], 0))
					continue;
				if (o->monotone[j] && o->monotone[j] != (dir ? -1 : 1))
					return cjd_cli_usage_error(cmd, "%s is both --increasing and "
								   "--decreasing", feat->names[j]);
				o->monotone[j] = dir ? -1 : 1;
				hit = true;
			}
			if (!hit)
				return cjd_cli_usage_error(cmd, "--%s '%s' matches no feature of the %s "
							   "set", dir ? "decreasing" : "increasing",
							   globs[k], td_set_name(o->set));
		}
	}
	if (o->n_increasing || o->n_decreasing)
		o->cfg.gbdt.monotone = o->monotone;
	return 0;
}

void tr_prepare(struct tr_opts *o, const struct td_features *feat)
{
	for (size_t j = 0; j < feat->n; j++) {
		struct cjd_feature_desc d;
		o->log1p[j] = !o->no_log1p && !cjd_feature_describe((size_t)feat->idx[j], &d) &&
			      d.nonnegative;
	}
	o->cfg.logistic.log1p = o->log1p;
}

int tr_model_finish(struct cjd_trained_model *m, const struct tr_opts *o,
		    const struct td_features *feat, const char *name, const char *version,
		    const char *description)
{
	m->window = o->window;
	m->events = feat->events;
	if (cjd_trained_model_set_string(&m->name, name) ||
	    cjd_trained_model_set_string(&m->version, version) ||
	    (description && cjd_trained_model_set_string(&m->description, description)))
		return -ENOMEM;
	return 0;
}

/* Fold progress on stderr; trees are too many to print. */
struct lowo_progress {
	struct cjd_progress p;
	const struct cjd_dataset *ds;
	uint32_t fold, folds;
	bool quiet;
};

static int on_progress(void *ctx, const char *what, size_t done, size_t total)
{
	struct lowo_progress *lp = ctx;

	if (!lp->quiet && !strcmp(what, "tree"))
		cjd_progress_update(&lp->p, "leave-one-workload-out: fold %u/%u (without %s), tree "
				    "%zu/%zu",
				    lp->fold + 1, lp->folds,
				    cjd_dataset_group_name(lp->ds, lp->fold), done, total);
	return 0;
}

/* One fold for cjd_lowo_scored: the training options and features, and the progress line. */
struct tr_fold {
	const struct tr_opts *o;
	const struct td_features *feat;
	struct cjd_train_config cfg;
	struct lowo_progress *lp;
};

/* Trains the fold without group g, loads it as the detector does, scores g's rows. */
static int fold(void *ctx, const struct cjd_dataset *ds, uint32_t g, const uint32_t *train,
		size_t nt, const uint32_t *held, size_t nh, float *score, float *thr, float *low,
		struct cjd_error *err)
{
	struct tr_fold *f = ctx;
	struct cjd_trained_model *m = NULL;
	struct cjd_model *dm = NULL;
	char *json = NULL, name[64];
	size_t len;
	float full[CJD_FEATURES_MAX];
	int rc;

	f->lp->fold = g;
	if (!f->lp->quiet)
		cjd_progress_update(&f->lp->p, "leave-one-workload-out: fold %u/%u (without %s)", g + 1,
				    f->lp->folds, cjd_dataset_group_name(ds, g));
	if ((rc = cjd_train(ds, train, nt, &f->cfg, &m, err)))
		return rc;
	snprintf(name, sizeof(name), "lowo-fold-%u", g + 1);
	if ((rc = tr_model_finish(m, f->o, f->feat, name, "0", NULL))) {
		rc = cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
		goto out;
	}
	if ((rc = cjd_trained_model_to_json(m, &json, &len, err)))
		goto out;
	if ((rc = cjd_model_load_string(&dm, name, json, len, err)))
		goto out;
	for (size_t i = 0; i < nh; i++) {
		td_full_vector(f->feat, cjd_dataset_row(ds, held[i]), full);
		score[i] = cjd_model_predict_one(dm, full);
	}
	*thr = cjd_model_threshold(dm);
	*low = cjd_model_threshold_low(dm);
out:
	cjd_model_free(dm);
	free(json);
	cjd_trained_model_free(m);
	return rc;
}

int tr_lowo(const struct tr_opts *o, const struct td_features *feat, const struct td_data *d,
	    unsigned k, bool quiet, struct cjd_eval **out, struct cjd_error *err)
{
	const struct cjd_dataset *ds = d->ds;
	struct lowo_progress lp = {.ds = ds, .folds = (uint32_t)cjd_dataset_groups(ds), .quiet = quiet};
	struct tr_fold f = {.o = o, .feat = feat, .cfg = o->cfg, .lp = &lp};
	int rc;

	cjd_progress_init(&lp.p);
	f.cfg.progress = on_progress;
	f.cfg.progress_ctx = &lp;
	rc = cjd_lowo_scored(ds, k, fold, &f, NULL, NULL, out, err);
	if (!quiet)
		cjd_progress_done(&lp.p);
	return rc;
}
