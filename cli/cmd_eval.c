/* `cjd eval`: scores labelled traces with the detector's model code and reports per workload. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"
#include "cjd/trainer/eval_report.h"
#include "cjd/trainer/plot.h"
#include "cli.h"
#include "train_opts.h"
#include "verdict_data.h"

static const char eval_usage_head[] =
	"Usage: cjd eval --model MODEL.json [OPTIONS] TRACE...\n"
	"       cjd eval --lowo-train --features hw|sw [TRAINING OPTIONS] [OPTIONS] TRACE...\n"
	"\n"
	"Evaluates a model on labelled traces (every sample labelled benign[/NAME] or\n"
	"miner[/NAME]; the label is the workload). Windows are made by the detector's own\n"
	"feature extraction at the model's window length and scored by the detector's own\n"
	"model code (cjd_model_predict_one), so the figures are what 'cjd run' would see.\n"
	"\n"
	"The report, per workload: windows, flagged windows, and the window rate (TPR for a\n"
	"miner workload, FPR for a benign one); runs (one cgroup of one trace, split where\n"
	"the samples have a gap, as the detector restarts its window there) that fired an\n"
	"alert, and the most windows any of them needed to fire. An alert fires, as in the\n"
	"detector, at the K-th flagged window in a row (default K = 3). Then the pooled\n"
	"window TPR and FPR, the confusion matrix, the ROC AUC (undefined when the traces hold\n"
	"one class only, e.g. miners alone) and the alert-level verdict: miner runs that fired\n"
	"and how fast, benign runs that fired.\n"
	"\n"
	"--lowo-train, instead of a model file: leave-one-workload-out. For each workload a\n"
	"model is trained on all the others with the training options below (as 'cjd train'),\n"
	"written, loaded by the detector and scored; the held-out workload is judged at that\n"
	"fold's threshold. This measures generalisation to programs the model never saw.\n"
	"\n"
	"Options:\n"
	"  -m, --model FILE         the model to evaluate\n"
	"      --lowo-train         leave-one-workload-out training instead of --model\n"
	"      --json               one JSON object on stdout: top-level tpr, fpr, auc (null\n"
	"                           when undefined), confusion, alerts and a workloads list,\n"
	"                           each with its runs\n"
	"      --plot DIR           PNG pictures via gnuplot (Debian gnuplot-nox): roc.png and,\n"
	"                           per workload, its runs' scores over time against the\n"
	"                           threshold (score-NN-<workload>.png), with their data\n"
	"      --intervals LIST     read each trace at these intervals ('native' and/or\n"
	"                           durations such as 1s: consecutive samples summed, see\n"
	"                           'cjd trace cat --resample'); default native\n"
	"      --threshold X        flag windows scoring >= X (default: the model's)\n"
	"      --fire-windows K     flagged windows in a row that fire an alert (default 3)\n"
	"      --verdict VMODEL     the combined verdict instead (with --model, the screening\n"
	"                           model): every window's screening score beside its\n"
	"                           cgroup's newest complete evidence record (cjd record\n"
	"                           --evidence), per workload, for three verdicts: screening\n"
	"                           alone (at the model's threshold), VMODEL (a cjd-verdict\n"
	"                           file such as models/verdict-rule.json, flagged at its\n"
	"                           medium level) and a logistic regression on the screening\n"
	"                           score and the evidence features trained leave-one-\n"
	"                           workload-out (each fold calibrated to --verdict-fpr of\n"
	"                           its benign windows, default 0.001)\n"
	"  -q, --quiet              no progress on stderr\n"
	"  -h, --help               this help\n"
	"\n";

static const char eval_usage_tail[] =
	"\n"
	"Exit status: 0 done (whatever the figures); 1 unreadable or unlabelled traces, a\n"
	"model that cannot be loaded or whose events the traces lack; 2 a usage error.\n"
	"\n"
	"Examples:\n"
	"  cjd eval --model models/hw-default.json models/data/*.sim.cjdt.gz\n"
	"  cjd eval --model models/sw-default.json --intervals 1s --json models/data/*.real.cjdt.gz\n"
	"  cjd eval --lowo-train --features hw --plot /tmp/hw-lowo models/data/*.sim.cjdt.gz\n"
	"  cjd eval --model models/sw-default.json --verdict models/verdict-rule.json \\\n"
	"      --intervals 1s models/evidence/*.real.cjdt.gz\n";

static void usage(void)
{
	fputs(eval_usage_head, stdout);
	fputs(tr_options_help, stdout);
	fputs(eval_usage_tail, stdout);
}

/* What the command line asks of cjd eval. */
struct eval_opts {
	struct tr_opts tr;
	const char *model_path, *plot, *train_opt, *verdict;
	double verdict_fpr;
	bool lowo, json, quiet;
	float thr;
	unsigned k;
};

/* Returns 0, EVAL_HELP after --help, or an exit code. */
#define EVAL_HELP (-1)
static int eval_parse(int argc, char **argv, struct eval_opts *eo)
{
	enum { OPT_LOWO = 256, OPT_JSON, OPT_PLOT, OPT_THR, OPT_K, OPT_VERDICT, OPT_VFPR };
	static const struct option opts[] = {
		{"model", required_argument, NULL, 'm'},
		{"lowo-train", no_argument, NULL, OPT_LOWO},
		{"json", no_argument, NULL, OPT_JSON},
		{"plot", required_argument, NULL, OPT_PLOT},
		{"threshold", required_argument, NULL, OPT_THR},
		{"fire-windows", required_argument, NULL, OPT_K},
		{"verdict", required_argument, NULL, OPT_VERDICT},
		{"verdict-fpr", required_argument, NULL, OPT_VFPR},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		TR_LONG_OPTIONS,
		{0},
	};
	uint64_t u;
	int c, rc, li = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", opts, &li)) != -1) {
		if ((rc = tr_opt("eval", c, optarg, &eo->tr)) == 1) {
			if (c != TR_OPT_INTERVALS && !eo->train_opt && li >= 0)
				eo->train_opt = opts[li].name;
			li = -1;
			continue;
		}
		li = -1;
		if (rc)
			return rc;
		switch (c) {
		case 'm': eo->model_path = optarg; break;
		case OPT_LOWO: eo->lowo = true; break;
		case OPT_JSON: eo->json = true; break;
		case OPT_PLOT: eo->plot = optarg; break;
		case OPT_THR: {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v >= 0.0 && v <= 1.0))
				return cjd_cli_usage_error("eval", "--threshold '%s': expected a score "
							   "in [0, 1]", optarg);
			eo->thr = (float)v;
			break;
		}
		case OPT_K:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 1000)
				return cjd_cli_usage_error("eval", "--fire-windows '%s': expected 1 to "
							   "1000", optarg);
			eo->k = (unsigned)u;
			break;
		case OPT_VERDICT: eo->verdict = optarg; break;
		case OPT_VFPR: {
			char *end;
			eo->verdict_fpr = strtod(optarg, &end);
			if (end == optarg || *end || !(eo->verdict_fpr >= 0.0 && eo->verdict_fpr < 0.5))
				return cjd_cli_usage_error("eval", "--verdict-fpr '%s': expected a rate "
							   "in [0, 0.5)", optarg);
			break;
		}
		case 'q': eo->quiet = true; break;
		case 'h': usage(); return EVAL_HELP;
		default: return cjd_cli_bad_option("eval", argv, "m:qh");
		}
	}
	if (eo->verdict) {
		if (!eo->model_path || eo->lowo || eo->plot || !isnan(eo->thr) || eo->train_opt)
			return cjd_cli_usage_error("eval", "--verdict takes the screening model with "
						   "--model, and --intervals, --json, --fire-windows, "
						   "--verdict-fpr only");
		if (optind >= argc)
			return cjd_cli_usage_error("eval", "no TRACE given");
		if (eo->tr.intervals.n > 1)
			return cjd_cli_usage_error("eval", "--verdict reads the traces at one interval");
		return 0;
	}
	if (!eo->model_path == !eo->lowo)
		return cjd_cli_usage_error("eval", "give either --model FILE or --lowo-train");
	if (optind >= argc)
		return cjd_cli_usage_error("eval", "no TRACE given");
	if (eo->model_path && eo->train_opt)
		return cjd_cli_usage_error("eval", "--%s is a training option: it goes with "
					   "--lowo-train, not --model", eo->train_opt);
	if (eo->lowo && !isnan(eo->thr))
		return cjd_cli_usage_error("eval", "--threshold goes with --model: each "
					   "--lowo-train fold uses its own calibrated threshold");
	return 0;
}

/* --model: the model, its features, window and threshold. Returns an exit code. */
static int eval_model(struct eval_opts *eo, struct cjd_model **model, struct td_features *feat)
{
	struct cjd_error err;

	if (cjd_model_load(model, eo->model_path, &err))
		return cjd_cli_error("eval", &err);
	td_features_of_model(*model, feat);
	eo->tr.window = cjd_model_window(*model);
	if (isnan(eo->thr))
		eo->thr = cjd_model_threshold(*model);
	if (!eo->quiet) {
		char t[40];
		cjd_fmt_float(t, sizeof(t), eo->thr);
		fprintf(stderr, "cjd eval: model %s %s (%s, W=%u, %zu features), threshold %s\n",
			cjd_model_name(*model), cjd_model_version(*model),
			cjd_model_kind_name(cjd_model_kind(*model)), eo->tr.window, feat->n, t);
	}
	return 0;
}

int cmd_eval(int argc, char **argv)
{
	struct eval_opts eo = {.thr = NAN, .k = CJD_ALERT_K_DEFAULT, .verdict_fpr = 0.001};
	struct tr_opts *o = &eo.tr;
	struct td_features feat;
	struct td_data d = {0};
	struct cjd_model *model = NULL;
	struct cjd_eval *e = NULL;
	struct cjd_error err;
	int rc, ret = CJD_EXIT_FAIL;

	tr_opts_init(o);
	if ((rc = eval_parse(argc, argv, &eo)))
		return rc == EVAL_HELP ? CJD_EXIT_OK : rc;
	if (eo.verdict) {
		struct vd_cli a = {.screen_path = eo.model_path, .verdict_path = eo.verdict,
				   .interval_ns = o->intervals.n ? o->intervals.ns[0] : 0,
				   .target_fpr = eo.verdict_fpr, .files = argv + optind,
				   .n = (size_t)(argc - optind), .k = eo.k, .json = eo.json,
				   .quiet = eo.quiet};
		return vd_cli_run("eval", &a);
	}
	if (eo.model_path) {
		if ((rc = eval_model(&eo, &model, &feat)))
			return rc;
	} else {
		if ((rc = tr_finish("eval", o, &feat)))
			return rc;
		tr_prepare(o, &feat);
	}
	bool quiet = eo.quiet;
	float thr = eo.thr;
	unsigned k = eo.k;

	struct td_config tc = {.window = o->window, .feat = &feat, .intervals = &o->intervals,
			       .score = model, .quiet = quiet};
	if (td_build(&tc, argv + optind, (size_t)(argc - optind), &d, &err)) {
		ret = cjd_cli_error("eval", &err);
		goto out;
	}
	if (d.discarded && !quiet)
		fprintf(stderr, "cjd eval: resampling left out %llu samples at gaps and ends "
			"(sums shorter than half an interval)\n", (unsigned long long)d.discarded);
	if (model)
		rc = cjd_eval_scores(d.ds, d.score, NULL, NULL, thr,
				     fminf(thr, cjd_model_threshold_low(model)), k, &e, &err);
	else
		rc = tr_lowo(o, &feat, &d, k, quiet, &e, &err);
	if (rc) {
		ret = cjd_cli_error("eval", &err);
		goto out;
	}
	if (eo.json ? cjd_eval_write_json(e, d.ds, stdout) : cjd_eval_write_text(e, d.ds, stdout)) {
		ret = cjd_cli_fail("eval", "cannot write the report: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	if (eo.plot && cjd_plot_eval(eo.plot, d.ds, e, &err)) {
		ret = cjd_cli_error("eval", &err);
		goto out;
	}
	ret = CJD_EXIT_OK;
out:
	cjd_eval_free(e);
	td_data_release(&d);
	cjd_model_free(model);
	return ret;
}
