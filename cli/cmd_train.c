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

int cmd_train(int argc, char **argv)
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
	struct tr_opts o;
	struct td_features feat;
	struct td_data d = {0};
	struct cjd_trained_model *m = NULL;
	struct cjd_eval *e = NULL;
	struct cjd_error err;
	const char *out = NULL, *name = NULL, *version = "1", *desc = NULL, *plot = NULL,
		   *csv = NULL, *verdict = NULL, *rules = NULL;
	char defname[64];
	bool lowo = false, json = false, quiet = false;
	unsigned k = CJD_ALERT_K_DEFAULT;
	uint64_t u;
	int c, rc, ret = CJD_EXIT_FAIL;

	tr_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		if ((rc = tr_opt("train", c, optarg, &o)) == 1)
			continue;
		if (rc)
			return rc;
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_NAME:
			if (!cjd_name_ok(optarg))
				return cjd_cli_usage_error("train", "--name '%s': expected 1-64 of "
							   "A-Z a-z 0-9 . _ + -", optarg);
			name = optarg;
			break;
		case OPT_VERSION:
			version = optarg;
			break;
		case OPT_DESC: desc = optarg; break;
		case OPT_LOWO: lowo = true; break;
		case OPT_JSON: json = true; break;
		case OPT_PLOT: plot = optarg; break;
		case OPT_CSV: csv = optarg; break;
		case OPT_VERDICT: verdict = optarg; break;
		case OPT_RULES: rules = optarg; break;
		case OPT_K:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 1000)
				return cjd_cli_usage_error("train", "--fire-windows '%s': expected 1 to "
							   "1000", optarg);
			k = (unsigned)u;
			break;
		case 'q': quiet = true; break;
		case 'h': usage(); return CJD_EXIT_OK;
		default: return cjd_cli_bad_option("train", argv, "o:qh");
		}
	}
	if (verdict || rules)
		return train_verdict(verdict, rules, out, name, &o, argv + optind,
				     optind < argc ? (size_t)(argc - optind) : 0, quiet);
	if ((rc = tr_finish("train", &o, &feat)))
		return rc;
	if (optind >= argc)
		return cjd_cli_usage_error("train", "no TRACE given");
	if (!out && !lowo && !csv)
		return cjd_cli_usage_error("train", "-o MODEL.json is required (or --lowo, --csv)");
	if ((json || plot) && !lowo)
		return cjd_cli_usage_error("train", "--json and --plot report on --lowo; add it");
	if (strlen(version) == 0 || strlen(version) > 64)
		return cjd_cli_usage_error("train", "--version: 1 to 64 characters");
	for (const char *v = version; *v; v++)
		if (*v < 0x20 || *v > 0x7e)
			return cjd_cli_usage_error("train", "--version: printable ASCII only");
	snprintf(defname, sizeof(defname), "%s-%s", td_set_name(o.set),
		 cjd_trained_kind_name(o.cfg.kind));
	tr_prepare(&o, &feat);

	struct td_config tc = {.window = o.window, .feat = &feat, .intervals = &o.intervals,
			       .quiet = quiet};
	if (td_build(&tc, argv + optind, (size_t)(argc - optind), &d, &err))
		return cjd_cli_error("train", &err);
	size_t mg, bg;
	td_count_classes(d.ds, &mg, &bg);
	if (!quiet)
		fprintf(stderr,
			"cjd train: %zu windows of %zu features from %d traces: %zu miner and %zu "
			"benign workloads\n",
			cjd_dataset_rows(d.ds), feat.n, argc - optind, mg, bg);
	if (d.discarded && !quiet)
		fprintf(stderr, "cjd train: resampling left out %llu samples at gaps and ends "
			"(sums shorter than half an interval)\n", (unsigned long long)d.discarded);
	if (csv) {
		FILE *f = fopen(csv, "we");
		if (!f || cjd_dataset_write_csv(d.ds, f) || fclose(f)) {
			ret = cjd_cli_fail("train", "cannot write %s: %s", csv, strerror(errno));
			goto out;
		}
	}
	if (mg == 0 || bg == 0) {
		fprintf(stderr, "cjd train: the traces hold %s: training needs both miner and "
			"benign workloads (labels miner[/NAME] and benign[/NAME])\n",
			mg ? "no benign workload, only miners" : "no miner workload, only benign ones");
		goto out;
	}

	if (lowo) {
		if (tr_lowo(&o, &feat, &d, k, quiet, &e, &err)) {
			ret = cjd_cli_error("train", &err);
			goto out;
		}
		if ((json ? cjd_eval_write_json(e, d.ds, stdout) : cjd_eval_write_text(e, d.ds, stdout))) {
			ret = cjd_cli_fail("train", "cannot write the report: %s", strerror(errno));
			goto out;
		}
		fflush(stdout);
		if (plot && cjd_plot_eval(plot, d.ds, e, &err)) {
			ret = cjd_cli_error("train", &err);
			goto out;
		}
	}
	if (out) {
		struct tree_progress tp = {.quiet = quiet};
		cjd_progress_init(&tp.p);
		o.cfg.progress = on_tree;
		o.cfg.progress_ctx = &tp;
		rc = cjd_train(d.ds, NULL, cjd_dataset_rows(d.ds), &o.cfg, &m, &err);
		if (!quiet)
			cjd_progress_done(&tp.p);
		if (rc) {
			ret = cjd_cli_error("train", &err);
			goto out;
		}
		if (tr_model_finish(m, &o, &feat, name ? name : defname, version, desc) ||
		    !(m->meta.data_json = data_json(&o, argv + optind, (size_t)(argc - optind), &d))) {
			ret = cjd_cli_fail("train", "out of memory");
			goto out;
		}
		if (cjd_trained_model_save(m, out, &err)) {
			ret = cjd_cli_error("train", &err);
			goto out;
		}
		if (!quiet) {
			char thr[40], low[40];
			cjd_fmt_float(thr, sizeof(thr), m->threshold);
			cjd_fmt_float(low, sizeof(low), m->threshold_low);
			fprintf(stderr,
				"cjd train: wrote %s (%s, %zu features, %zu trees): threshold %s, "
				"threshold_low %s; on its training windows TPR %.4f, FPR %.5f\n",
				out, cjd_trained_kind_name(m->kind), m->n_features, m->n_trees, thr,
				low, m->meta.train_tpr, m->meta.train_fpr);
		}
	}
	ret = CJD_EXIT_OK;
out:
	cjd_eval_free(e);
	cjd_trained_model_free(m);
	td_data_release(&d);
	return ret;
}
