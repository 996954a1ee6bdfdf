/* `cjd train`: labelled traces -> windows (the detector's featurizer) -> a calibrated model file. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/json_dump.h"
#include "cjd/common/text.h"
#include "cjd/trainer/dataset_csv.h"
#include "cjd/trainer/eval_report.h"
#include "cjd/trainer/model_write.h"
#include "cjd/trainer/plot.h"
#include "cli.h"
#include "train_opts.h"
#include "verdict_data.h"

static const char train_usage_head[] =
	"Usage: cjd train --features hw|sw [OPTIONS] -o MODEL.json TRACE...\n"
	"       cjd train --features hw|sw [OPTIONS] --lowo [--json] [--plot DIR] TRACE...\n"
	"\n"
	"Trains a model (docs/model-format.md) from labelled traces. Every sample must carry a\n"
	"label, benign[/NAME] or miner[/NAME] (cjd record --label, cjd simrecord --label); the\n"
	"label is the WORKLOAD, and the traces must hold at least one miner and one benign\n"
	"workload. Windows are made by the detector's own feature extraction (the same ring\n"
	"buffers and SIMD kernels as 'cjd run'), W samples per window, one per sample.\n"
	"\n"
	"The threshold is calibrated on the training windows to a benign window FPR\n"
	"(--target-fpr). Training is deterministic: the same traces in the same order, the\n"
	"same options and --seed give a byte-identical file (nothing of the clock, the host\n"
	"or the paths goes into it; trace names are recorded without their directory).\n"
	"\n"
	"--lowo estimates how the model does on programs it has never seen: for each workload,\n"
	"a model is trained on all the OTHER workloads (the split is by workload, never by\n"
	"window: neighbouring windows of one run are nearly identical), written, loaded by the\n"
	"detector and scored with its code, and the held-out workload is judged at that\n"
	"model's own threshold. The report is 'cjd eval''s (see 'cjd eval --help'). With -o the\n"
	"final model on all workloads is written as well.\n"
	"\n"
	"Options:\n"
	"  -o, --output MODEL.json  write the model here (atomically)\n"
	"      --name NAME          the model's name (default <features>-<kind>), 1-64 of\n"
	"                           A-Z a-z 0-9 . _ + -; alerts carry it\n"
	"      --version V          the model's version text (default 1)\n"
	"      --description TEXT   free text stored in the model\n"
	"      --lowo               leave-one-workload-out evaluation on stdout\n"
	"      --json               the --lowo report as one JSON object\n"
	"      --plot DIR           the --lowo ROC curve and per-workload score plots (PNG,\n"
	"                           gnuplot)\n"
	"      --csv FILE           also write the windows as CSV (group,run,order,miner,\n"
	"                           <features>...), to look at them outside cjd\n"
	"      --fire-windows K     the alert rule of the --lowo report: K flagged windows in a\n"
	"                           row fire (default 3, as the detector)\n"
	"      --verdict SCREEN     train the combined verdict instead (docs/model-format.md,\n"
	"                           \"Verdict models\"): an L2 logistic regression on the\n"
	"                           screening model SCREEN's score of each window and the\n"
	"                           evidence features of its cgroup's newest complete evidence\n"
	"                           record (traces from cjd record --evidence), calibrated to\n"
	"                           --target-fpr (default 0.001) of the benign windows; takes\n"
	"                           -o, --name, --intervals (one), --target-fpr only. The\n"
	"                           rules of --rules FILE (default: the default verdict\n"
	"                           model, verdict-rule.json) are kept with weight 0 to\n"
	"                           explain the verdict and mark mining-specific evidence.\n"
	"                           'cjd eval --verdict' measures it leave-one-workload-out.\n"
	"  -q, --quiet              no progress or summary on stderr\n"
	"  -h, --help               this help\n"
	"\n";

static const char train_usage_tail[] =
	"\n"
	"Exit status: 0 done; 1 unreadable, unlabelled or one-class traces, a training or\n"
	"write failure; 2 a usage error.\n"
	"\n"
	"Examples:\n"
	"  cjd train --features hw -o hw.json models/data/*.sim.cjdt.gz\n"
	"  cjd train --features sw --intervals native,200ms,500ms,1s --lowo \\\n"
	"      -o sw.json models/data/*.real.cjdt.gz\n";

static void usage(void)
{
	fputs(train_usage_head, stdout);
	fputs(tr_options_help, stdout);
	fputs(train_usage_tail, stdout);
}

/* meta.data: what the rows were made from. Deterministic: basenames, options as given. */
static char *data_json(const struct tr_opts *o, char *const *files, size_t n,
		       const struct td_data *d)
{
	json_t *obj = json_object(), *tr = json_array();
	size_t mg, bg;
	char *text;

	td_count_classes(d->ds, &mg, &bg);
	json_object_set_new(obj, "features", json_string(td_set_name(o->set)));
	json_object_set_new(obj, "intervals", json_string(o->intervals_text));
	for (size_t i = 0; i < n; i++) {
		const char *b = strrchr(files[i], '/');
		json_array_append_new(tr, json_string(b ? b + 1 : files[i]));
	}
	json_object_set_new(obj, "traces", tr);
	struct {
		const char *key;
		const char *const *globs;
		size_t n;
	} lists[] = {{"dropped", o->drop, o->n_drop},
		     {"increasing", o->increasing, o->n_increasing},
		     {"decreasing", o->decreasing, o->n_decreasing}};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		if (!lists[l].n)
			continue;
		json_t *arr = json_array();
		for (size_t i = 0; i < lists[l].n; i++)
			json_array_append_new(arr, json_string(lists[l].globs[i]));
		json_object_set_new(obj, lists[l].key, arr);
	}
	text = cjd_json_dumps(obj);
	json_decref(obj);
	return text;
}

struct tree_progress {
	struct cjd_progress p;
	bool quiet;
};

static int on_tree(void *ctx, const char *what, size_t done, size_t total)
{
	struct tree_progress *tp = ctx;

	if (!tp->quiet)
		cjd_progress_update(&tp->p, "training: %s %zu/%zu", what, done, total);
	return 0;
}

/* cjd train --verdict SCREEN [--rules RULE] -o OUT TRACE...: the learned verdict. */
static int train_verdict(const char *screen, const char *rules, const char *out, const char *name,
			 const struct tr_opts *o, char *const *files, size_t n, bool quiet)
{
	struct cjd_cli_model_dirs md;
	const char *const *dirs = cjd_cli_model_dirs(&md);
	char path[4096];
	struct cjd_error err;

	if (!screen || !out || !n)
		return cjd_cli_usage_error("train", "--verdict SCREEN.json needs -o OUT.json and TRACEs "
					   "(with evidence records: cjd record --evidence)");
	if (o->intervals.n > 1)
		return cjd_cli_usage_error("train", "--verdict reads the traces at one interval");
	if (!rules) {
		cjd_error_clear(&err);
		if (cjd_verdict_default_path(dirs, md.n, path, sizeof(path), &err))
			return cjd_cli_error("train", &err);
		rules = path;
	}
	struct vd_cli a = {.screen_path = screen, .verdict_path = rules, .out_path = out,
			   .name = name ? name : "verdict-learned",
			   .interval_ns = o->intervals.n ? o->intervals.ns[0] : 0,
			   .target_fpr = o->cfg.calibration.target_fpr, .files = files, .n = n,
			   .quiet = quiet};
	return vd_cli_run("train", &a);
}

/* What the command line of cjd train says, beside the training options. */
struct train_args {
	const char *out, *name, *version, *desc, *plot, *csv, *verdict, *rules;
	bool lowo, json, quiet;
	unsigned k;
};

/* Parses the options into o and a. Returns 0, TRAIN_HELP when --help was printed, or
 * CJD_EXIT_USAGE. */
#define TRAIN_HELP (-1)
static int train_parse(int argc, char **argv, struct tr_opts *o, struct train_args *a)
{
	enum { OPT_NAME = 256, OPT_VERSION, OPT_DESC, OPT_LOWO, OPT_JSON, OPT_PLOT, OPT_K, OPT_CSV,
	       OPT_VERDICT, OPT_RULES };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, OPT_NAME},
		{"version", required_argument, NULL, OPT_VERSION},
		{"description", required_argument, NULL, OPT_DESC},
		{"lowo", no_argument, NULL, OPT_LOWO},
		{"json", no_argument, NULL, OPT_JSON},
		{"plot", required_argument, NULL, OPT_PLOT},
		{"fire-windows", required_argument, NULL, OPT_K},
		{"csv", required_argument, NULL, OPT_CSV},
		{"verdict", required_argument, NULL, OPT_VERDICT},
		{"rules", required_argument, NULL, OPT_RULES},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		TR_LONG_OPTIONS,
		{0},
	};
	uint64_t u;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		if ((rc = tr_opt("train", c, optarg, o)) == 1)
			continue;
		if (rc)
			return rc;
		switch (c) {
		case 'o': a->out = optarg; break;
		case OPT_NAME:
			if (!cjd_name_ok(optarg))
				return cjd_cli_usage_error("train", "--name '%s': expected 1-64 of "
							   "A-Z a-z 0-9 . _ + -", optarg);
			a->name = optarg;
			break;
		case OPT_VERSION:
			a->version = optarg;
			break;
		case OPT_DESC: a->desc = optarg; break;
		case OPT_LOWO: a->lowo = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_PLOT: a->plot = optarg; break;
		case OPT_CSV: a->csv = optarg; break;
		case OPT_VERDICT: a->verdict = optarg; break;
		case OPT_RULES: a->rules = optarg; break;
		case OPT_K:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 1000)
				return cjd_cli_usage_error("train", "--fire-windows '%s': expected 1 to "
							   "1000", optarg);
			a->k = (unsigned)u;
			break;
		case 'q': a->quiet = true; break;
		case 'h': usage(); return TRAIN_HELP;
		default: return cjd_cli_bad_option("train", argv, "o:qh");
		}
	}
	return 0;
}

/* What the options say together (for a GBDT or logistic model). Returns 0 or CJD_EXIT_USAGE. */
static int train_check(const struct train_args *a, int n_traces)
{
	if (n_traces <= 0)
		return cjd_cli_usage_error("train", "no TRACE given");
	if (!a->out && !a->lowo && !a->csv)
		return cjd_cli_usage_error("train", "-o MODEL.json is required (or --lowo, --csv)");
	if ((a->json || a->plot) && !a->lowo)
		return cjd_cli_usage_error("train", "--json and --plot report on --lowo; add it");
	if (strlen(a->version) == 0 || strlen(a->version) > 64)
		return cjd_cli_usage_error("train", "--version: 1 to 64 characters");
	for (const char *v = a->version; *v; v++)
		if (*v < 0x20 || *v > 0x7e)
			return cjd_cli_usage_error("train", "--version: printable ASCII only");
	return 0;
}

/*
 * Says what the traces gave, writes --csv, and checks that both classes are
 * there. Returns 0, or an exit status (the reason printed).
 */
static int train_data_ready(const struct train_args *a, const struct td_data *d, size_t n_feat,
			    int n_traces)
{
	size_t mg, bg;

	td_count_classes(d->ds, &mg, &bg);
	if (!a->quiet)
		fprintf(stderr,
			"cjd train: %zu windows of %zu features from %d traces: %zu miner and %zu "
			"benign workloads\n",
			cjd_dataset_rows(d->ds), n_feat, n_traces, mg, bg);
	if (d->discarded && !a->quiet)
		fprintf(stderr, "cjd train: resampling left out %llu samples at gaps and ends "
			"(sums shorter than half an interval)\n", (unsigned long long)d->discarded);
	if (a->csv) {
		FILE *f = fopen(a->csv, "we");
		if (!f || cjd_dataset_write_csv(d->ds, f) || fclose(f))
			return cjd_cli_fail("train", "cannot write %s: %s", a->csv, strerror(errno));
	}
	if (mg == 0 || bg == 0) {
		fprintf(stderr, "cjd train: the traces hold %s: training needs both miner and "
			"benign workloads (labels miner[/NAME] and benign[/NAME])\n",
			mg ? "no benign workload, only miners" : "no miner workload, only benign ones");
		return CJD_EXIT_FAIL;
	}
	return 0;
}

/* --lowo: leave one workload out, the report on stdout (text or --json), and --plot. */
static int train_lowo_report(const struct train_args *a, struct tr_opts *o,
			     const struct td_features *feat, struct td_data *d)
{
	struct cjd_eval *e = NULL;
	struct cjd_error err;
	int ret = CJD_EXIT_OK;

	if (tr_lowo(o, feat, d, a->k, a->quiet, &e, &err)) {
		ret = cjd_cli_error("train", &err);
	} else if (a->json ? cjd_eval_write_json(e, d->ds, stdout)
			   : cjd_eval_write_text(e, d->ds, stdout)) {
		ret = cjd_cli_fail("train", "cannot write the report: %s", strerror(errno));
	} else {
		fflush(stdout);
		if (a->plot && cjd_plot_eval(a->plot, d->ds, e, &err))
			ret = cjd_cli_error("train", &err);
	}
	cjd_eval_free(e);
	return ret;
}

/* Trains on every window, writes the model to -o and says what it is. Returns an exit status. */
static int train_write_model(const struct train_args *a, struct tr_opts *o,
			     const struct td_features *feat, const struct td_data *d,
			     char *const *files, size_t n_files)
{
	struct tree_progress tp = {.quiet = a->quiet};
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;
	char defname[64];
	int rc, ret = CJD_EXIT_FAIL;

	snprintf(defname, sizeof(defname), "%s-%s", td_set_name(o->set),
		 cjd_trained_kind_name(o->cfg.kind));
	cjd_progress_init(&tp.p);
	o->cfg.progress = on_tree;
	o->cfg.progress_ctx = &tp;
	rc = cjd_train(d->ds, NULL, cjd_dataset_rows(d->ds), &o->cfg, &m, &err);
	if (!a->quiet)
		cjd_progress_done(&tp.p);
	if (rc) {
		ret = cjd_cli_error("train", &err);
		goto out;
	}
	if (tr_model_finish(m, o, feat, a->name ? a->name : defname, a->version, a->desc) ||
	    !(m->meta.data_json = data_json(o, files, n_files, d))) {
		ret = cjd_cli_fail("train", "out of memory");
		goto out;
	}
	if (cjd_trained_model_save(m, a->out, &err)) {
		ret = cjd_cli_error("train", &err);
		goto out;
	}
	if (!a->quiet) {
		char thr[40], low[40];
		cjd_fmt_float(thr, sizeof(thr), m->threshold);
		cjd_fmt_float(low, sizeof(low), m->threshold_low);
		fprintf(stderr,
			"cjd train: wrote %s (%s, %zu features, %zu trees): threshold %s, "
			"threshold_low %s; on its training windows TPR %.4f, FPR %.5f\n",
			a->out, cjd_trained_kind_name(m->kind), m->n_features, m->n_trees, thr,
			low, m->meta.train_tpr, m->meta.train_fpr);
	}
	ret = CJD_EXIT_OK;
out:
	cjd_trained_model_free(m);
	return ret;
}

int cmd_train(int argc, char **argv)
{
	struct tr_opts o;
	struct td_features feat;
	struct td_data d = {0};
	struct cjd_error err;
	struct train_args a = {.version = "1", .k = CJD_ALERT_K_DEFAULT};
	int rc;

	tr_opts_init(&o);
	if ((rc = train_parse(argc, argv, &o, &a)))
		return rc == TRAIN_HELP ? CJD_EXIT_OK : rc;
	char *const *files = argv + optind;
	size_t n_files = optind < argc ? (size_t)(argc - optind) : 0;
	if (a.verdict || a.rules)
		return train_verdict(a.verdict, a.rules, a.out, a.name, &o, files, n_files, a.quiet);
	if ((rc = tr_finish("train", &o, &feat)))
		return rc;
	if ((rc = train_check(&a, argc - optind)))
		return rc;
	tr_prepare(&o, &feat);

	struct td_config tc = {.window = o.window, .feat = &feat, .intervals = &o.intervals,
			       .quiet = a.quiet};
	if (td_build(&tc, files, n_files, &d, &err))
		return cjd_cli_error("train", &err);
	rc = train_data_ready(&a, &d, feat.n, argc - optind);
	if (!rc && a.lowo)
		rc = train_lowo_report(&a, &o, &feat, &d);
	if (!rc && a.out)
		rc = train_write_model(&a, &o, &feat, &d, files, n_files);
	td_data_release(&d);
	return rc;
}
