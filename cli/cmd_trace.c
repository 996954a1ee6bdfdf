/* `cjd trace validate|stats|cat`: check, summarise and re-emit trace files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/resample.h"
#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_reader.h"
#include "cjd/common/trace_writer.h"
#include "cli.h"
#include "trace_sort.h"

static const char trace_usage[] =
	"Usage: cjd trace validate [-q] FILE...\n"
	"       cjd trace stats [--json] FILE\n"
	"       cjd trace cat [-o OUT] [-z|--no-gzip] [--cgroup GLOB]... [--label GLOB]...\n"
	"                     [--resample DUR] [--sort] FILE...\n"
	"\n"
	"Work with .cjdt traces (JSON Lines; .cjdt.gz is read and written through zlib).\n"
	"Compressed input is recognised by its content, not its name. FILE may be '-' for stdin.\n"
	"\n"
	"  validate   check every line of every FILE; stop at the first error, naming\n"
	"             the file, line, column and reason. Exit 1 on an error.\n"
	"    -q, --quiet     print nothing on success\n"
	"\n"
	"  stats      print samples, cgroups, labels, duration and per-event totals\n"
	"    --json          one JSON object instead of text\n"
	"\n"
	"  cat        re-emit samples (all FILEs must list the same events), optionally\n"
	"             filtered; convert between .cjdt and .cjdt.gz. Evidence records\n"
	"             (cjd record --evidence) go with their cgroup: kept when it passes\n"
	"             --cgroup and, with --label, once a sample of it has passed.\n"
	"    -o, --output OUT   write to OUT instead of stdout (gzip when OUT ends in .gz)\n"
	"    -z, --gzip         compress the output whatever its name\n"
	"        --no-gzip      never compress the output\n"
	"    --cgroup GLOB      keep samples whose cgroup matches GLOB (repeatable)\n"
	"    --label GLOB       keep samples whose label matches GLOB (repeatable)\n"
	"    --resample DUR     sum consecutive samples of each cgroup into samples of DUR\n"
	"                       (e.g. a 100ms recording as 1s samples; DUR must be at least\n"
	"                       the header's interval). Counts are deltas, so the sums are\n"
	"                       what a recording at DUR would have held. A sum is cut short\n"
	"                       at a gap in the samples, a label change or the end of a\n"
	"                       FILE; a short sum of under half of DUR is not written (how\n"
	"                       many samples that left out is printed on stderr).\n"
	"    --sort             write the samples in time order (stable), not one FILE or\n"
	"                       cgroup after the other: traces recorded side by side then\n"
	"                       replay as a live agent sees them, round by round (the\n"
	"                       aggregation across cgroups needs it). Holds every sample\n"
	"                       in memory (~200 bytes each) until the end; evidence\n"
	"                       records are written as they come, before the samples.\n"
	"\n"
	"See docs/trace-format.md for the format.\n";

static int report(const struct cjd_error *err)
{
	char msg[1024];

	fprintf(stderr, "%s\n", cjd_error_format(err, msg, sizeof(msg)));
	return CJD_EXIT_FAIL;
}

static int trace_validate(int argc, char **argv)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	bool quiet = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'h')
			return fputs(trace_usage, stdout), CJD_EXIT_OK;
		else
			return cjd_cli_bad_option("trace validate", argv, "qh");
	}
	if (optind >= argc)
		return cjd_cli_usage_error("trace validate", "no FILE given");
	for (int i = optind; i < argc; i++) {
		struct cjd_trace_reader *r;
		struct cjd_error err;
		struct cjd_sample s;
		uint64_t n = 0;
		int rc;

		if (cjd_trace_reader_open(&r, argv[i], &err))
			return report(&err);
		while ((rc = cjd_trace_reader_next(r, &s, &err)) > 0)
			n++;
		if (rc < 0) {
			cjd_trace_reader_free(r);
			return report(&err);
		}
		if (!quiet && cjd_trace_reader_evidence_count(r))
			printf("%s: ok, %" PRIu64 " samples, %" PRIu64 " evidence records\n", argv[i], n,
			       cjd_trace_reader_evidence_count(r));
		else if (!quiet)
			printf("%s: ok, %" PRIu64 " samples\n", argv[i], n);
		cjd_trace_reader_free(r);
	}
	return CJD_EXIT_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b, bool *sat)
{
	if (a > UINT64_MAX - b) {
		*sat = true;
		return UINT64_MAX;
	}
	return a + b;
}

/* What trace stats counts over a trace. */
struct stats {
	struct cjd_strmap *cgroups, *labels; /* labels: samples per label */
	uint64_t total[CJD_EV__COUNT], n, t_min, t_max, unlabelled;
	bool sat; /* a total saturated at 2^64-1 */
};

/* Counts one sample. Returns 0 or -ENOMEM. */
static int stats_add(struct stats *st, const struct cjd_trace_header *h, const struct cjd_sample *s)
{
	uint64_t *v;

	st->n++;
	if (cjd_strmap_upsert(st->cgroups, s->cgroup, &v) < 0 ||
	    (s->label && cjd_strmap_upsert(st->labels, s->label, &v) < 0))
		return -ENOMEM;
	if (s->label)
		(*v)++;
	else
		st->unlabelled++;
	uint64_t start = s->t_ns > s->dt_ns ? s->t_ns - s->dt_ns : 0;
	st->t_min = start < st->t_min ? start : st->t_min;
	st->t_max = s->t_ns > st->t_max ? s->t_ns : st->t_max;
	for (int e = 0; e < h->n_events; e++)
		st->total[h->events[e]] = sat_add(st->total[h->events[e]], s->count[h->events[e]],
						  &st->sat);
	return 0;
}

static double stats_duration_s(const struct stats *st)
{
	return st->n ? (double)(st->t_max - st->t_min) / 1e9 : 0.0;
}

/* trace stats --json: one object on stdout. Returns 0 or -ENOMEM. */
static int stats_print_json(const struct stats *st, const char *file,
			    const struct cjd_trace_header *h)
{
	struct cjd_jw w;
	char *text;
	size_t it = 0;
	const char *key;
	uint64_t *val;

	cjd_jw_init(&w, 0);
	cjd_jw_obj(&w, NULL);
	cjd_jw_str(&w, "file", file);
	cjd_jw_str(&w, "host", h->host);
	cjd_jw_str(&w, "source", h->source);
	cjd_jw_u64(&w, "samples", st->n);
	cjd_jw_u64(&w, "cgroups", cjd_strmap_count(st->cgroups));
	cjd_jw_double(&w, "duration_s", round(stats_duration_s(st) * 1e3) / 1e3);
	cjd_jw_obj(&w, "labels");
	while (cjd_strmap_next(st->labels, &it, &key, &val))
		cjd_jw_u64(&w, key, *val);
	cjd_jw_end(&w, '}');
	cjd_jw_u64(&w, "unlabelled", st->unlabelled);
	cjd_jw_obj(&w, "totals");
	for (int e = 0; e < h->n_events; e++)
		cjd_jw_u64(&w, cjd_event_info(h->events[e])->name, st->total[h->events[e]]);
	cjd_jw_end(&w, '}');
	cjd_jw_bool(&w, "saturated", st->sat);
	cjd_jw_end(&w, '}');
	if (cjd_jw_take(&w, &text, NULL))
		return -ENOMEM;
	puts(text);
	free(text);
	return 0;
}

/* trace stats: lines for a person on stdout. */
static void stats_print_text(const struct stats *st, const char *file,
			     const struct cjd_trace_header *h)
{
	size_t it = 0;
	const char *key;
	uint64_t *val;

	printf("file:       %s\n", file);
	printf("host:       %s (source %s, %u CPUs, interval %.3f s)\n", h->host, h->source,
	       h->cpus, (double)h->interval_ns / 1e9);
	printf("samples:    %" PRIu64 "\n", st->n);
	printf("cgroups:    %zu\n", cjd_strmap_count(st->cgroups));
	printf("duration:   %.3f s\n", stats_duration_s(st));
	printf("labels:\n");
	while (cjd_strmap_next(st->labels, &it, &key, &val))
		printf("  %-32s %" PRIu64 " samples\n", key, *val);
	if (st->unlabelled)
		printf("  %-32s %" PRIu64 " samples\n", "(none)", st->unlabelled);
	printf("totals:\n");
	for (int e = 0; e < h->n_events; e++)
		printf("  %-24s %20" PRIu64 " %s\n", cjd_event_info(h->events[e])->name,
		       st->total[h->events[e]], cjd_event_info(h->events[e])->unit);
	if (st->sat)
		printf("(some totals saturated at 2^64-1)\n");
}

static int trace_stats(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct cjd_trace_reader *r = NULL;
	const struct cjd_trace_header *h;
	struct stats st = {.t_min = UINT64_MAX};
	struct cjd_error err;
	struct cjd_sample s;
	bool json = false;
	int c, rc, ret = CJD_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return fputs(trace_usage, stdout), CJD_EXIT_OK;
		else
			return cjd_cli_bad_option("trace stats", argv, "h");
	}
	if (argc - optind != 1)
		return cjd_cli_usage_error("trace stats", "expected exactly one FILE");
	if (cjd_trace_reader_open(&r, argv[optind], &err))
		return report(&err);
	h = cjd_trace_reader_header(r);
	st.cgroups = cjd_strmap_new();
	st.labels = cjd_strmap_new();
	if (!st.cgroups || !st.labels) {
		ret = cjd_cli_fail("trace stats", "out of memory");
		goto out_free;
	}
	while ((rc = cjd_trace_reader_next(r, &s, &err)) > 0) {
		if (stats_add(&st, h, &s)) {
			ret = cjd_cli_fail("trace stats", "out of memory");
			goto out_free;
		}
	}
	if (rc < 0) {
		ret = report(&err);
		goto out_free;
	}
	if (json && stats_print_json(&st, argv[optind], h)) {
		ret = cjd_cli_fail("trace stats", "out of memory");
		goto out_free;
	}
	if (!json)
		stats_print_text(&st, argv[optind], h);
	ret = CJD_EXIT_OK;
out_free:
	cjd_strmap_free(st.labels);
	cjd_strmap_free(st.cgroups);
	cjd_trace_reader_free(r);
	return ret;
}

#define MAX_GLOBS 64

/* The filters and the sink of trace cat, shared by the direct and resampled paths. */
struct cat_ctx {
	const char *const *cg_globs, *const *lb_globs;
	size_t n_cg, n_lb;
	struct cjd_trace_writer *w;
	struct trace_sort *sort; /* --sort: samples are held here until the end */
	struct cjd_strmap *passed; /* cgroups with a sample through the label filter */
	struct cjd_error err;
};

static int cat_emit(const struct cjd_sample *s, void *ctx)
{
	struct cat_ctx *cc = ctx;

	if (cc->n_cg && !cjd_glob_any(cc->cg_globs, cc->n_cg, s->cgroup))
		return 0;
	if (cc->n_lb && !cjd_glob_any(cc->lb_globs, cc->n_lb, s->label ? s->label : ""))
		return 0;
	if (cc->n_lb && !cjd_strmap_get(cc->passed, s->cgroup)) {
		uint64_t *v;
		if (cjd_strmap_upsert(cc->passed, s->cgroup, &v) < 0)
			return cjd_error_set(&cc->err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	if (cc->sort && trace_sort_add(cc->sort, s))
		return cjd_error_set(&cc->err, -ENOMEM, NULL, 0, 0, "out of memory");
	return cc->sort ? 0 : cjd_trace_writer_write(cc->w, s, &cc->err);
}

/* Evidence records follow their cgroup: kept when it passes --cgroup and, with --label, when
 * a sample of it has passed the label filter (evidence records carry no label). */
static int cat_evidence(const struct cjd_trace_evidence *ev, struct cat_ctx *cc)
{
	if (cc->n_cg && !cjd_glob_any(cc->cg_globs, cc->n_cg, ev->cgroup))
		return 0;
	if (cc->n_lb && !cjd_strmap_get(cc->passed, ev->cgroup))
		return 0;
	return cjd_trace_writer_write_evidence(cc->w, ev, &cc->err);
}

/* trace cat's options and what it holds while it runs. */
struct cat {
	const char *out_path, *cg_globs[MAX_GLOBS], *lb_globs[MAX_GLOBS];
	uint64_t resample_ns;
	enum cjd_trace_compress comp;
	struct cjd_resampler *rs;
	struct cat_ctx cc;
	const char *first; /* the first file: its events are the output's */
	cjd_event_mask events;
};

/* Returns 0, CAT_HELP after --help, or an exit code. */
#define CAT_HELP (-1)
static int cat_parse(int argc, char **argv, struct cat *ct)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"gzip", no_argument, NULL, 'z'},
					     {"no-gzip", no_argument, NULL, 'Z'},
					     {"cgroup", required_argument, NULL, 'c'},
					     {"label", required_argument, NULL, 'l'},
					     {"resample", required_argument, NULL, 'r'},
					     {"sort", no_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:zh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': ct->out_path = optarg; break;
		case 'z': ct->comp = CJD_TRACE_COMPRESS_GZIP; break;
		case 'Z': ct->comp = CJD_TRACE_COMPRESS_NONE; break;
		case 'c':
			if (ct->cc.n_cg == MAX_GLOBS)
				return cjd_cli_usage_error("trace cat", "at most %d --cgroup globs", MAX_GLOBS);
			ct->cg_globs[ct->cc.n_cg++] = optarg;
			break;
		case 'l':
			if (ct->cc.n_lb == MAX_GLOBS)
				return cjd_cli_usage_error("trace cat", "at most %d --label globs", MAX_GLOBS);
			ct->lb_globs[ct->cc.n_lb++] = optarg;
			break;
		case 'r':
			if ((rc = cjd_cli_duration("trace cat", "--resample", optarg, 1,
						   &ct->resample_ns)))
				return rc;
			break;
		case 's':
			if (!ct->cc.sort && !(ct->cc.sort = trace_sort_new()))
				return cjd_cli_fail("trace cat", "out of memory");
			break;
		case 'h': return fputs(trace_usage, stdout), CAT_HELP;
		default: return cjd_cli_bad_option("trace cat", argv, "o:zh");
		}
	}
	if (optind >= argc)
		return cjd_cli_usage_error("trace cat", "no FILE given");
	return 0;
}

/* The output, opened on the first file with its header; a later file must have its events. */
static int cat_output(struct cat *ct, const struct cjd_trace_header *h, const char *path)
{
	struct cjd_trace_header oh;
	struct cjd_error err;
	int rc;

	if (ct->cc.w) {
		if (cjd_trace_header_mask(h) == ct->events)
			return 0;
		return cjd_cli_fail("trace cat", "%s: its events differ from those of %s; "
			"cat only joins traces with the same events", path, ct->first);
	}
	ct->first = path;
	ct->events = cjd_trace_header_mask(h);
	if (cjd_trace_header_copy(&oh, h))
		return cjd_cli_fail("trace cat", "out of memory");
	if (ct->resample_ns)
		oh.interval_ns = ct->resample_ns;
	rc = cjd_trace_writer_open(&ct->cc.w, ct->out_path, &oh, ct->comp, &err);
	cjd_trace_header_release(&oh);
	return rc ? report(&err) : 0;
}

/* Copies (filtered, resampled) the samples of one open trace. Returns an exit code. */
static int cat_samples(struct cat *ct, struct cjd_trace_reader *r, const char *path)
{
	struct cjd_trace_evidence ev;
	struct cjd_error err;
	struct cjd_sample s;
	int rc;

	while ((rc = cjd_trace_reader_next_record(r, &s, &ev, &err)) > 0) {
		if (rc == CJD_TRACE_EVIDENCE) {
			rc = cat_evidence(&ev, &ct->cc);
		} else if (ct->rs) {
			rc = cjd_resampler_push(ct->rs, &s, &ct->cc.err);
			if (rc && !ct->cc.err.file[0]) /* the resampler's own complaint */
				cjd_error_set(&ct->cc.err, rc, path, (int)cjd_trace_reader_line(r), 0,
					      "%s", ct->cc.err.text);
		} else {
			rc = cat_emit(&s, &ct->cc);
		}
		if (rc)
			return report(&ct->cc.err);
	}
	if (rc < 0)
		return report(&err);
	if (ct->rs && (rc = cjd_resampler_finish(ct->rs))) {
		if (!ct->cc.err.text[0])
			cjd_error_set(&ct->cc.err, rc, path, 0, 0, "%s", strerror(-rc));
		return report(&ct->cc.err);
	}
	return 0;
}

/* One input file. Returns an exit code. */
static int cat_file(struct cat *ct, const char *path)
{
	struct cjd_trace_reader *r;
	struct cjd_error err;
	int ret;

	if (cjd_trace_reader_open(&r, path, &err))
		return report(&err);
	const struct cjd_trace_header *h = cjd_trace_reader_header(r);
	if (ct->resample_ns && ct->resample_ns < h->interval_ns) {
		char a[32], b[32];
		ret = cjd_cli_usage_error(
		    "trace cat", "--resample %s is shorter than the interval of %s (%s)",
		    cjd_duration_format(ct->resample_ns, a, sizeof(a)), path,
		    cjd_duration_format(h->interval_ns, b, sizeof(b)));
	} else if (!(ret = cat_output(ct, h, path))) {
		ret = cat_samples(ct, r, path);
	}
	cjd_trace_reader_free(r);
	return ret;
}

static int trace_cat(int argc, char **argv)
{
	struct cat ct = {.out_path = "-", .comp = CJD_TRACE_COMPRESS_AUTO};
	struct cjd_error err;
	int ret;

	ct.cc.cg_globs = ct.cg_globs;
	ct.cc.lb_globs = ct.lb_globs;
	if ((ret = cat_parse(argc, argv, &ct))) {
		trace_sort_free(ct.cc.sort);
		return ret == CAT_HELP ? CJD_EXIT_OK : ret;
	}
	if (!(ct.cc.passed = cjd_strmap_new()) ||
	    (ct.resample_ns && cjd_resampler_new(&ct.rs, ct.resample_ns, cat_emit, &ct.cc))) {
		cjd_strmap_free(ct.cc.passed);
		trace_sort_free(ct.cc.sort);
		return cjd_cli_fail("trace cat", "out of memory");
	}
	for (int i = optind; i < argc && !ret; i++)
		ret = cat_file(&ct, argv[i]);
	if (!ret && ct.rs && cjd_resampler_discarded(ct.rs))
		fprintf(stderr,
			"cjd trace cat: %llu samples at gaps or ends made sums shorter than half of "
			"--resample and were not written\n",
			(unsigned long long)cjd_resampler_discarded(ct.rs));
	if (!ret && ct.cc.sort && ct.cc.w && trace_sort_write(ct.cc.sort, ct.cc.w, &ct.cc.err))
		ret = report(&ct.cc.err);
	trace_sort_free(ct.cc.sort);
	cjd_resampler_free(ct.rs);
	cjd_strmap_free(ct.cc.passed);
	if (cjd_trace_writer_close(ct.cc.w, &err) && ret == CJD_EXIT_OK)
		ret = report(&err);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2)
		return cjd_cli_usage_error("trace", "expected validate, stats or cat");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return fputs(trace_usage, stdout), CJD_EXIT_OK;
	if (!strcmp(argv[1], "validate"))
		return trace_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return trace_stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cat"))
		return trace_cat(argc - 1, argv + 1);
	return cjd_cli_usage_error("trace", "unknown action '%s' (expected validate, stats or cat)",
				   argv[1]);
}
