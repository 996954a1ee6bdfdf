/* A command-line harness around cjd_trainer for benchmarks and debugging (not the CLI). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/text.h"
#include "cjd/trainer/dataset_csv.h"
#include "cjd/trainer/eval.h"
#include "cjd/trainer/eval_report.h"
#include "cjd/trainer/lowo.h"
#include "cjd/trainer/model_write.h"
#include "cjd/trainer/plot.h"
#include "fixtures.h"

static const char usage[] =
    "Usage: cjd-train-harness bench [--rows N] [--features D] [--trees T] [--depth K]\n"
    "                               [--bins B] [--reps R] [--kind gbdt|logistic]\n"
    "       cjd-train-harness train CSV -o MODEL.json [--kind K] [--seed S] [--trees T]\n"
    "                               [--depth K] [--window W] [--events hw|sw]\n"
    "       cjd-train-harness lowo CSV [--kind K] [--seed S] [--trees T] [--depth K]\n"
    "                               [--json] [--plot DIR]\n"
    "\n"
    "bench: trains on a SYNTHETIC random set (speed only: it detects nothing) R times\n"
    "and prints each wall time and the median. train / lowo read a dataset CSV\n"
    "(group,run,order,miner,<features>...) as cjd_dataset_load_csv does.\n";

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Synthetic: d features, half informative through a nonlinear rule (so the
 * trees split deep), half noise; 20 groups. Only for timing.
 */
static struct cjd_dataset *synthetic(size_t n, size_t d)
{
	char **names = calloc(d, sizeof(*names));
	float *x = calloc(d, sizeof(*x));
	struct cjd_dataset *ds = NULL;
	uint64_t st = 42;

	for (size_t j = 0; j < d; j++) {
		names[j] = malloc(24);
		snprintf(names[j], 24, "f%zu", j);
	}
	if (cjd_dataset_new(&ds, d, (const char *const *)names, NULL))
		goto out;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++)
			x[j] = (float)fx_uniform(&st, -1, 1);
		double z = x[0] * x[1] + sin(3 * x[2]) + (d > 3 ? x[3] * x[3] : 0) - 0.3 +
			   fx_uniform(&st, -0.5, 0.5);
		bool miner = z > 0;
		char group[32], run[40];
		snprintf(group, sizeof(group), "%s/g%zu", miner ? "miner" : "benign", i % 10);
		snprintf(run, sizeof(run), "%s#r", group);
		if (cjd_dataset_append(ds, group, run, i, miner, x, NULL)) {
			cjd_dataset_free(ds);
			ds = NULL;
			goto out;
		}
	}
out:
	for (size_t j = 0; j < d; j++)
		free(names[j]);
	free(names);
	free(x);
	return ds;
}

static int progress(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	fprintf(stderr, "\r%s %zu/%zu", what, done, total);
	if (done == total)
		fputc('\n', stderr);
	return 0;
}

struct opts {
	const char *out, *plot, *events;
	size_t rows, features;
	unsigned reps, window;
	bool json;
	struct cjd_train_config cfg;
};

static int bench(struct opts *o)
{
	struct cjd_dataset *ds = synthetic(o->rows, o->features);
	double *t = calloc(o->reps, sizeof(*t)), *cpu = calloc(o->reps, sizeof(*cpu));
	struct cjd_error err;

	if (!ds || !t || !cpu)
		return 1;
	printf("SYNTHETIC set (speed only): %zu rows x %zu features; %s", o->rows, o->features,
	       cjd_trained_kind_name(o->cfg.kind));
	if (o->cfg.kind == CJD_TRAINED_GBDT)
		printf(", %u trees, depth %u, %u bins, subsample %g/%g", o->cfg.gbdt.n_trees,
		       o->cfg.gbdt.max_depth, o->cfg.gbdt.max_bins, o->cfg.gbdt.row_subsample,
		       o->cfg.gbdt.col_subsample);
	printf("; training + calibration\n");
	for (unsigned r = 0; r < o->reps; r++) {
		struct cjd_trained_model *m = NULL;
		double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		if (cjd_train(ds, NULL, cjd_dataset_rows(ds), &o->cfg, &m, &err)) {
			fprintf(stderr, "train: %s\n", err.text);
			return 1;
		}
		t[r] = now_s(CLOCK_MONOTONIC) - t0;
		cpu[r] = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		printf("run %u: wall %.3f s, cpu %.3f s (threshold %g)\n", r + 1, t[r], cpu[r],
		       (double)m->threshold);
		cjd_trained_model_free(m);
	}
	qsort(t, o->reps, sizeof(*t), cjd_cmp_double);
	qsort(cpu, o->reps, sizeof(*cpu), cjd_cmp_double);
	printf("median over %u runs: wall %.3f s (min %.3f, max %.3f), cpu %.3f s (min %.3f, "
	       "max %.3f)\n",
	       o->reps, t[o->reps / 2], t[0], t[o->reps - 1], cpu[o->reps / 2], cpu[0],
	       cpu[o->reps - 1]);
	free(t);
	free(cpu);
	cjd_dataset_free(ds);
	return 0;
}

static int load(const char *path, struct cjd_dataset **ds)
{
	struct cjd_error err;
	char buf[512];

	if (cjd_dataset_load_csv(ds, path, &err)) {
		fprintf(stderr, "%s\n", cjd_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	return 0;
}

static int train(struct opts *o, const char *csv)
{
	struct cjd_dataset *ds;
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;
	char buf[512];

	if (!o->out) {
		fputs(usage, stderr);
		return 2;
	}
	if (load(csv, &ds))
		return 1;
	o->cfg.progress = progress;
	if (cjd_train(ds, NULL, cjd_dataset_rows(ds), &o->cfg, &m, &err))
		goto fail;
	m->window = o->window;
	m->events = strcmp(o->events, "hw") ? CJD_EVMASK_SOFTWARE : CJD_EVMASK_HARDWARE;
	if (cjd_trained_model_save(m, o->out, &err))
		goto fail;
	printf("wrote %s: threshold %g, threshold_low %g, training TPR %g FPR %g\n", o->out,
	       (double)m->threshold, (double)m->threshold_low, m->meta.train_tpr,
	       m->meta.train_fpr);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
	return 0;
fail:
	fprintf(stderr, "%s\n", cjd_error_format(&err, buf, sizeof(buf)));
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
	return 1;
}

static int lowo(struct opts *o, const char *csv)
{
	struct cjd_dataset *ds;
	struct cjd_eval *e = NULL;
	struct cjd_error err;
	char buf[512];
	int rc = 1;

	if (load(csv, &ds))
		return 1;
	o->cfg.progress = progress;
	if (cjd_lowo(ds, &o->cfg, CJD_ALERT_K_DEFAULT, NULL, NULL, &e, &err))
		goto fail;
	if (o->json ? cjd_eval_write_json(e, ds, stdout) : cjd_eval_write_text(e, ds, stdout))
		goto out;
	if (o->plot && cjd_plot_eval(o->plot, ds, e, &err))
		goto fail;
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "%s\n", cjd_error_format(&err, buf, sizeof(buf)));
out:
	cjd_eval_free(e);
	cjd_dataset_free(ds);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"rows", required_argument, NULL, 'n'},   {"features", required_argument, NULL, 'd'},
	    {"trees", required_argument, NULL, 't'},  {"depth", required_argument, NULL, 'k'},
	    {"bins", required_argument, NULL, 'b'},   {"reps", required_argument, NULL, 'r'},
	    {"kind", required_argument, NULL, 'K'},   {"seed", required_argument, NULL, 's'},
	    {"window", required_argument, NULL, 'w'}, {"events", required_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},	      {"plot", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},	      {0},
	};
	struct opts o = {.rows = 100000, .features = 40, .reps = 5, .window = 8, .events = "sw"};
	uint64_t v;
	int c;

	cjd_train_config_defaults(&o.cfg);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == 'o' || c == 'p' || c == 'e') {
			*(c == 'o' ? &o.out : c == 'p' ? &o.plot : &o.events) = optarg;
			continue;
		}
		if (c == 'j') {
			o.json = true;
			continue;
		}
		if (c == 'K') {
			if (cjd_trained_kind_parse(optarg, &o.cfg.kind))
				goto bad;
			continue;
		}
		if (c == '?' || cjd_parse_u64(optarg, &v))
			goto bad;
		switch (c) {
		case 'n':
			o.rows = v;
			break;
		case 'd':
			o.features = v;
			break;
		case 't':
			o.cfg.gbdt.n_trees = (unsigned)v;
			break;
		case 'k':
			o.cfg.gbdt.max_depth = (unsigned)v;
			break;
		case 'b':
			o.cfg.gbdt.max_bins = (unsigned)v;
			break;
		case 'r':
			o.reps = v ? (unsigned)v : 1;
			break;
		case 's':
			o.cfg.gbdt.seed = v;
			break;
		case 'w':
			o.window = (unsigned)v;
			break;
		}
	}
	if (!strcmp(cmd, "bench") && optind == argc)
		return bench(&o);
	if (!strcmp(cmd, "train") && optind == argc - 1)
		return train(&o, argv[optind]);
	if (!strcmp(cmd, "lowo") && optind == argc - 1)
		return lowo(&o, argv[optind]);
bad:
	fputs(usage, stderr);
	return 2;
}
