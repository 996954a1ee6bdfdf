/* `cjd bench SUBJECT`: speed of feature extraction, gbdt scoring, a detector round, and replay; medians, side by side. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cjd/bench/detector_bench.h"
#include "cjd/bench/emulation.h"
#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"
#include "cjd/detector/simd.h"
#include "cli.h"

static const char bench_usage[] =
	"Usage: cjd bench features [--cgroups N] [--reps R] [--window W]... [--set hw|sw]... [--json]\n"
	"       cjd bench gbdt [--cgroups N] [--reps R] [--set hw|sw]... [--trees T] [--depth D]\n"
	"                      [--json]\n"
	"       cjd bench tick [--cgroups N] [--reps R] [--window W] [--set hw|sw]...\n"
	"                      [--trees T] [--depth D] [--json]\n"
	"       cjd bench replay [--samples N] [--cgroups C] [--reps R] [--model FILE]\n"
	"                        [--keep DIR] [--json]\n"
	"\n"
	"Measures the detector's speed. Every figure is a median over R repetitions (default 7,\n"
	"at least 5 recommended), each at least 20 ms long; variants are interleaved within\n"
	"each repetition so they share the machine's conditions. Times are this thread's CPU\n"
	"time (what the work costs one core); wall time is shown beside it: where the two\n"
	"differ, other processes were taking the CPU. Run on a quiet machine.\n"
	"\n"
	"Every SIMD tier of every architecture gets a row (scalar, sse42, avx2, avx512 on x86;\n"
	"neon on arm64); one that cannot run here says why (\"this CPU has no AVX-512F\", \"an\n"
	"arm64 tier, and this binary is built for x86-64\"). Under an emulator (qemu-user, seen\n"
	"in /proc/cpuinfo or named by $CJD_EMULATOR) every table is labelled EMULATED: its\n"
	"times measure the emulator, not a CPU of the binary's architecture.\n"
	"\n"
	"Subjects:\n"
	"  features  feature extraction alone (ratio and window-statistics kernels) for N\n"
	"            cgroups (default 4096), W = 8 and 32, hardware and software sets:\n"
	"            cgroup-windows/s for the scalar reference (-O3 -fno-tree-vectorize), the\n"
	"            same code at plain -O3 (compiler auto-vectorisation), and every SIMD tier\n"
	"            this CPU has; speedups over the scalar reference; and a memory-bandwidth\n"
	"            reference: a streaming read of the same buffers in the same run.\n"
	"  gbdt      the gbdt kernel alone, per tier: scoring N cgroups (default 4096) with a\n"
	"            SYNTHETIC random forest of T trees of depth D (default 100 x 6) over every\n"
	"            feature of the set, thresholds drawn from plausible feature values.\n"
	"  tick      a whole detector round through the public API for N cgroups: staging the\n"
	"            samples (push), then extraction, classification by a gbdt of T trees of\n"
	"            depth D (default 100 x 6) and the alert state machines (tick). The gbdt is\n"
	"            SYNTHETIC (random trees): it measures cost only and detects nothing.\n"
	"  replay    `cjd replay --speed max` throughput on a SYNTHETIC generated trace of N\n"
	"            samples (default 300000) over C cgroups (default 256), JSON parsing\n"
	"            included, run as a child process; also the trace reader alone, to show\n"
	"            how much of the time is parsing. --model defaults to a synthetic gbdt of\n"
	"            100 x 6 over the software features. --keep DIR keeps the trace and model.\n"
	"\n"
	"Options:\n"
	"  --json        one JSON document on stdout instead of tables\n"
	"  -h, --help    show this help\n";


static int parse_count(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (cjd_parse_u64(v, out) || *out < lo || *out > hi)
		return cjd_cli_usage_error("bench", "%s: '%s' is not a number from %llu to %llu",
					   opt, v, (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	enum { O_CG = 256, O_REPS, O_WIN, O_SET, O_TREES, O_DEPTH, O_SAMPLES, O_MODEL, O_KEEP,
	       O_JSON };
	static const struct option opts[] = {
		{"cgroups", required_argument, NULL, O_CG},
		{"reps", required_argument, NULL, O_REPS},
		{"window", required_argument, NULL, O_WIN},
		{"set", required_argument, NULL, O_SET},
		{"trees", required_argument, NULL, O_TREES},
		{"depth", required_argument, NULL, O_DEPTH},
		{"samples", required_argument, NULL, O_SAMPLES},
		{"model", required_argument, NULL, O_MODEL},
		{"keep", required_argument, NULL, O_KEEP},
		{"json", no_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t v;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_CG:
			if ((rc = parse_count("--cgroups", optarg, 1, 1u << 20, &v)))
				return rc;
			o->cgroups = v;
			break;
		case O_REPS:
			if ((rc = parse_count("--reps", optarg, 1, 1000, &v)))
				return rc;
			o->reps = (unsigned)v;
			break;
		case O_WIN:
			if ((rc = parse_count("--window", optarg, 2, 64, &v)))
				return rc;
			if (o->n_windows == CJD_ARRAY_SIZE(o->windows))
				return cjd_cli_usage_error("bench", "at most 4 --window values");
			o->windows[o->n_windows++] = (unsigned)v;
			break;
		case O_SET:
			if (strcmp(optarg, "hw") && strcmp(optarg, "sw"))
				return cjd_cli_usage_error("bench", "--set: '%s' is not hw or sw",
							   optarg);
			if (o->n_sets == 2)
				return cjd_cli_usage_error("bench", "at most 2 --set values");
			o->sets[o->n_sets++] = optarg;
			break;
		case O_TREES:
			if ((rc = parse_count("--trees", optarg, 1, 10000, &v)))
				return rc;
			o->trees = v;
			break;
		case O_DEPTH:
			if ((rc = parse_count("--depth", optarg, 1, 8, &v)))
				return rc;
			o->depth = (unsigned)v;
			break;
		case O_SAMPLES:
			if ((rc = parse_count("--samples", optarg, 1000, 100000000, &v)))
				return rc;
			o->samples = v;
			break;
		case O_MODEL: o->model = optarg; break;
		case O_KEEP: o->keep = optarg; break;
		case O_JSON: o->json = true; break;
		case 'h': fputs(bench_usage, stdout); return -1;
		default: return cjd_cli_bad_option("bench", argv, "h");
		}
	}
	if (optind != argc)
		return cjd_cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The EMULATED label: a line before a table. */
static void emulation_note(void)
{
	char why[160];

	if (cjd_bench_emulated(why, sizeof(why)))
		printf("  EMULATED (%s): these times measure the emulator running %s code, not a "
		       "CPU of that architecture\n",
		       why, cjd_simd_build_arch());
}

/* A table's rows: cpu and wall medians, throughput and speedup, or why a row was skipped. */
static void text_rows(const struct cjd_bench_row *rows, size_t n, const char *rate)
{
	printf("  %-34s %9s %9s %14s %9s\n", "variant", "cpu us", "wall us", rate, "speedup");
	for (size_t i = 0; i < n; i++) {
		const struct cjd_bench_row *row = &rows[i];
		if (!row->ran) {
			printf("  %-34s skipped: %s\n", row->name, row->skip_reason);
			continue;
		}
		printf("  %-34s %9.1f %9.1f %14.3g %8.2fx\n", row->name, row->median_ns / 1e3,
		       row->wall_median_ns / 1e3, row->windows_per_s, row->speedup);
	}
}

void bench_json_whole(struct cjd_jw *w, const char *key, double v)
{
	if (v >= 0 && v < 1.8e19)
		cjd_jw_u64(w, key, (uint64_t)llround(v));
	else
		cjd_jw_null(w, key);
}

/* A ratio in JSON, rounded to `digits` decimals (null when not finite). */
static void json_rounded(struct cjd_jw *w, const char *key, double v, int digits)
{
	double scale = pow(10, digits);

	cjd_jw_double(w, key, round(v * scale) / scale);
}

/* Opens the --json document of a subject: {"subject":..., "emulated":..., "runs":[ */
static void json_begin(struct cjd_jw *w, const char *subject)
{
	char why[160];

	cjd_jw_obj(w, NULL);
	cjd_jw_str(w, "subject", subject);
	if (cjd_bench_emulated(why, sizeof(why)))
		cjd_jw_str(w, "emulated", why);
	else
		cjd_jw_null(w, "emulated");
	cjd_jw_arr(w, "runs");
}

/* Closes the document and prints it on stdout. */
static int json_end(struct cjd_jw *w)
{
	char *text;

	cjd_jw_end(w, ']');
	cjd_jw_end(w, '}');
	if (cjd_jw_take(w, &text, NULL))
		return cjd_cli_fail("bench", "out of memory");
	puts(text);
	free(text);
	return CJD_EXIT_OK;
}

static void json_row(struct cjd_jw *w, const struct cjd_bench_row *r, bool tick)
{
	cjd_jw_obj(w, NULL);
	cjd_jw_str(w, "name", r->name);
	cjd_jw_bool(w, "ran", r->ran);
	if (!r->ran) {
		cjd_jw_str(w, "skipped", r->skip_reason);
		cjd_jw_end(w, '}');
		return;
	}
	bench_json_whole(w, "cpu_median_ns", r->median_ns);
	bench_json_whole(w, "cpu_min_ns", r->min_ns);
	bench_json_whole(w, "cpu_max_ns", r->max_ns);
	bench_json_whole(w, "wall_median_ns", r->wall_median_ns);
	bench_json_whole(w, "windows_per_s", r->windows_per_s);
	json_rounded(w, "speedup", r->speedup, 3);
	if (tick)
		bench_json_whole(w, "push_median_ns", r->push_median_ns);
	cjd_jw_end(w, '}');
}

/* A run's rows, closing the run's object: "rows":[...]} */
static void json_rows(struct cjd_jw *w, const struct cjd_bench_row *rows, size_t n, bool tick)
{
	cjd_jw_arr(w, "rows");
	for (size_t i = 0; i < n; i++)
		json_row(w, &rows[i], tick);
	cjd_jw_end(w, ']');
	cjd_jw_end(w, '}');
}

/* Opens a gbdt or tick run's object: the set, the window (0: none) and the synthetic forest. */
static void json_forest_run(struct cjd_jw *w, const char *set, unsigned window, size_t cgroups,
			    size_t trees, unsigned depth, size_t features, unsigned reps)
{
	cjd_jw_obj(w, NULL);
	cjd_jw_str(w, "set", set);
	if (window)
		cjd_jw_u64(w, "window", window);
	cjd_jw_u64(w, "cgroups", cgroups);
	cjd_jw_u64(w, "trees", trees);
	cjd_jw_u64(w, "depth", depth);
	cjd_jw_u64(w, "features", features);
	cjd_jw_u64(w, "reps", reps);
	cjd_jw_bool(w, "synthetic_model", true);
}

static int bench_features(const struct bench_opts *o)
{
	struct cjd_jw jw;

	cjd_jw_init(&jw, 0);
	if (o->json)
		json_begin(&jw, "features");
	for (size_t s = 0; s < o->n_sets; s++) {
		for (size_t w = 0; w < o->n_windows; w++) {
			struct cjd_bench_features r;
			struct cjd_error err;
			if (!o->json)
				fprintf(stderr, "measuring features: set %s, W=%u, %zu cgroups...\n",
					o->sets[s], o->windows[w], o->cgroups);
			if (cjd_bench_features_run(o->cgroups, o->windows[w], o->sets[s], o->reps,
						   &r, &err)) {
				cjd_jw_release(&jw);
				return cjd_cli_fail("bench", "%s", err.text);
			}
			if (o->json) {
				cjd_jw_obj(&jw, NULL);
				cjd_jw_str(&jw, "set", r.set);
				cjd_jw_u64(&jw, "window", r.window);
				cjd_jw_u64(&jw, "cgroups", r.cgroups);
				cjd_jw_i64(&jw, "ratios", r.ratios);
				cjd_jw_u64(&jw, "reps", r.reps);
				bench_json_whole(&jw, "input_bytes", r.input_bytes);
				json_rounded(&jw, "bandwidth_gbs", r.bw_gbs, 2);
				cjd_jw_str(&jw, "bandwidth_tier", r.bw_tier);
				bench_json_whole(&jw, "bandwidth_windows_per_s", r.bw_windows_per_s);
				json_rows(&jw, r.rows, r.n_rows, false);
				continue;
			}
			printf("\nfeatures: set %s (%d ratios x 6 statistics), W=%u, %zu cgroups, "
			       "median of %u\n",
			       r.set, r.ratios, r.window, r.cgroups, r.reps);
			emulation_note();
			text_rows(r.rows, r.n_rows, "cgroup-win/s");
			printf("  bandwidth reference: %s streaming read of the same %.0f KiB: "
			       "%.1f GB/s = %.3g cgroup-windows/s if bound by it\n",
			       r.bw_tier, r.input_bytes / 1024, r.bw_gbs, r.bw_windows_per_s);
		}
	}
	return o->json ? json_end(&jw) : CJD_EXIT_OK;
}

static int bench_gbdt(const struct bench_opts *o)
{
	struct cjd_jw jw;

	cjd_jw_init(&jw, 0);
	if (o->json)
		json_begin(&jw, "gbdt");
	for (size_t s = 0; s < o->n_sets; s++) {
		struct cjd_bench_gbdt r;
		struct cjd_error err;
		if (!o->json)
			fprintf(stderr, "measuring gbdt: set %s, %zu cgroups, %zu x %u...\n",
				o->sets[s], o->cgroups, o->trees, o->depth);
		if (cjd_bench_gbdt_run(o->cgroups, o->sets[s], o->trees, o->depth, o->reps, &r,
				       &err)) {
			cjd_jw_release(&jw);
			return cjd_cli_fail("bench", "%s", err.text);
		}
		if (o->json) {
			json_forest_run(&jw, r.set, 0, r.cgroups, r.trees, r.depth, r.features, r.reps);
			json_rows(&jw, r.rows, r.n_rows, false);
			continue;
		}
		printf("\ngbdt: set %s, %zu cgroups, SYNTHETIC forest %zu trees x depth %u over %zu "
		       "features, median of %u\n",
		       r.set, r.cgroups, r.trees, r.depth, r.features, r.reps);
		emulation_note();
		text_rows(r.rows, r.n_rows, "cgroups/s");
	}
	return o->json ? json_end(&jw) : CJD_EXIT_OK;
}

static int bench_tick(const struct bench_opts *o)
{
	struct cjd_jw jw;

	cjd_jw_init(&jw, 0);
	if (o->json)
		json_begin(&jw, "tick");
	for (size_t s = 0; s < o->n_sets; s++) {
		struct cjd_bench_tick r;
		struct cjd_error err;
		if (!o->json)
			fprintf(stderr, "measuring tick: set %s, %zu cgroups, gbdt %zu x %u...\n",
				o->sets[s], o->cgroups, o->trees, o->depth);
		if (cjd_bench_tick_run(o->cgroups, o->windows[0], o->sets[s], o->trees, o->depth,
				       o->reps, &r, &err)) {
			cjd_jw_release(&jw);
			return cjd_cli_fail("bench", "%s", err.text);
		}
		if (o->json) {
			json_forest_run(&jw, r.set, r.window, r.cgroups, r.trees, r.depth, r.features,
					r.reps);
			json_rows(&jw, r.rows, r.n_rows, true);
			continue;
		}
		printf("\ntick: set %s, %zu cgroups, W=%u, SYNTHETIC gbdt %zu trees x depth %u over "
		       "%zu features, median of %u\n",
		       r.set, r.cgroups, r.window, r.trees, r.depth, r.features, r.reps);
		emulation_note();
		printf("  %-10s %13s %20s %13s %9s\n", "tier", "push cpu us", "tick cpu us (x+s)",
		       "tick wall us", "speedup");
		for (size_t i = 0; i < r.n_rows; i++) {
			const struct cjd_bench_row *row = &r.rows[i];
			if (!row->ran) {
				printf("  %-10s skipped: %s\n", row->name, row->skip_reason);
				continue;
			}
			printf("  %-10s %13.1f %20.1f %13.1f %8.2fx\n", row->name,
			       row->push_median_ns / 1e3, row->median_ns / 1e3,
			       row->wall_median_ns / 1e3, row->speedup);
		}
	}
	return o->json ? json_end(&jw) : CJD_EXIT_OK;
}

struct subject {
	const char *name;
	int (*run)(const struct bench_opts *o);
};

/* New subjects (collector overhead, publisher) add a row here. */
static const struct subject subjects[] = {
	{"features", bench_features},
	{"gbdt", bench_gbdt},
	{"tick", bench_tick},
	{"replay", bench_replay},
};

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = {.cgroups = 4096, .reps = 7, .trees = 100, .depth = 6,
			       .samples = 300000};
	int rc;

	if (argc < 2)
		return cjd_cli_usage_error("bench", "no subject given (features, gbdt, tick or replay)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return fputs(bench_usage, stdout), CJD_EXIT_OK;
	for (size_t i = 0; i < CJD_ARRAY_SIZE(subjects); i++) {
		if (strcmp(argv[1], subjects[i].name))
			continue;
		rc = parse_opts(argc - 1, argv + 1, &o);
		if (rc)
			return rc < 0 ? CJD_EXIT_OK : rc;
		if (!o.n_windows) {
			o.windows[o.n_windows++] = 8;
			if (!strcmp(argv[1], "features"))
				o.windows[o.n_windows++] = 32;
		}
		if (!o.n_sets) {
			o.sets[o.n_sets++] = "hw";
			o.sets[o.n_sets++] = "sw";
		}
		if (!strcmp(argv[1], "replay") && o.cgroups == 4096)
			o.cgroups = 256;
		return subjects[i].run(&o);
	}
	return cjd_cli_usage_error("bench", "unknown subject '%s' (features, gbdt, tick or replay)",
				   argv[1]);
}
