/* `cjd replay`: streams traces through the whole detector and prints alerts as JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_reader.h"
#include "cjd/detector/detector.h"
#include "cjd/detector/model_load.h"
#include "cjd/publish/publish_zmq.h"
#include "cli.h"
#include "replay.h"

static const char replay_usage[] =
	"Usage: cjd replay [OPTIONS] FILE...\n"
	"\n"
	"Runs .cjdt traces through the whole detector (ring buffers, SIMD features, model,\n"
	"alert state machine) and prints each alert as one JSON line (schema cjd.alert/1,\n"
	"docs/alerts.md) on stdout. Time is the trace's own, so a replay fires exactly as the\n"
	"live agent would have; with --publish and --journal it also publishes and journals\n"
	"exactly as the agent does. Files are replayed one after another; at the end of each,\n"
	"cgroups still firing are reported \"gone\". A summary per cgroup and label goes to\n"
	"stderr at the end.\n"
	"\n"
	"Options:\n"
	"  -m, --model FILE         model JSON (docs/model-format.md). Default: hw-default.json\n"
	"                           or sw-default.json, chosen by the first trace's events, from\n"
	"                           $CJD_MODEL_DIR, then models/ beside the cjd binary (a\n"
	"                           build tree links its checkout's there), then\n"
	"                           ../share/cjd/models from the binary's directory (an\n"
	"                           install), then " CJD_MODEL_DIR "\n"
	"  -s, --speed N|max        replay at N times the trace's pace, or as fast as\n"
	"                           possible (default: max)\n"
	"      --allowlist GLOB     cgroups matching GLOB never alert (repeatable)\n"
	"      --window W           samples per window (default: the model's)\n"
	"      --threshold X        flag windows scoring >= X (default: the model's)\n"
	"      --threshold-low X    resolve below X (default: the model's)\n"
	"      --fire-windows K     flagged windows in a row before firing (default 3)\n"
	"      --resolve-windows R  low windows in a row before resolving (default 3)\n"
	"      --ongoing DURATION   re-publish while firing this often (default 1m)\n"
	"      --refire-holddown DURATION\n"
	"                           after an alert resolves, the cgroup cannot fire again\n"
	"                           for DURATION of trace time (flap suppression; default\n"
	"                           5m as in cjd run, 0 turns it off)\n"
	"      --price USD          price per CPU-hour for cost estimates (default 0.04)\n"
	"      --gone-after N       a cgroup silent for N of its intervals is gone (default 5)\n"
	"      --summary-json FILE  also write the summary as JSON to FILE\n"
	"      --publish ENDPOINT   also publish alerts on a ZeroMQ PUB socket bound to\n"
	"                           ENDPOINT (repeatable; e.g. tcp://127.0.0.1:5556)\n"
	"      --journal FILE       also append every alert to the JSON Lines journal FILE\n"
	"      --hwm N              per-subscriber send queue, messages (default 10000)\n"
	"      --curve-secret FILE  publish with CURVE, this server secret key (cjd keygen)\n"
	"      --curve-clients DIR  authorised subscriber public keys (with --curve-secret)\n"
	"      --wait-subscriber DURATION\n"
	"                           with --publish, wait up to DURATION for a subscriber\n"
	"                           before replaying (PUB/SUB drops what is sent before a\n"
	"                           subscriber has joined)\n"
	"  -q, --quiet              no summary on stderr\n"
	"      --wall-clock         stamp alerts with the current time, not the trace's\n"
	"  -h, --help               show this help\n"
	"\n"
	"Environment: CJD_SIMD=scalar|sse42|avx2|avx512|neon forces a SIMD tier.\n"
	"Exit status: 0 done, 1 a trace could not be read, 2 usage or model error.\n";

struct replay_opts {
	const char *model_path;
	double speed; /* 0: max */
	const char **allow;
	size_t n_allow, cap_allow;
	unsigned window;
	float threshold, threshold_low;
	uint32_t fire_windows, resolve_windows, gone_after;
	uint64_t ongoing_ns;
	uint64_t holddown_ns;
	bool holddown_set;
	double price;
	bool price_set;
	const char *summary_json;
	bool quiet, wall_clock;
	const char **publish;
	size_t n_publish, cap_publish;
	const char *journal, *curve_secret, *curve_clients;
	int hwm;
	uint64_t wait_sub_ns;
};

struct replay_ctx {
	struct replay_summary *sum;
	int file;
	uint64_t epoch_real_ns; /* trace "created" as CLOCK_REALTIME ns, 0 if unknown */
	bool wall_clock;
	struct cjd_publisher *pub;
	uint64_t last_pub_tick_ns;
};

/* The publisher wants a tick at least once a second: journal fsync, subscriptions. */
static void pub_tick(struct replay_ctx *rc)
{
	uint64_t now = cjd_now_mono_ns();

	if (now - rc->last_pub_tick_ns >= CJD_NSEC_PER_SEC / 2) {
		cjd_publisher_tick(rc->pub, now);
		rc->last_pub_tick_ns = now;
	}
}

static int on_alert(const struct cjd_alert *a, void *ctx)
{
	struct replay_ctx *rc = ctx;
	struct cjd_alert copy = *a;

	if (!rc->wall_clock && rc->epoch_real_ns)
		copy.time_real_ns = rc->epoch_real_ns + a->t_ns;
	/* The agent's own path: id, journal, publish, and the echo to stdout. A
	 * journal failure is logged by the publisher and the alert still goes out. */
	int n = cjd_publisher_alert(rc->pub, &copy, NULL);
	if (n == -ENOMEM || n == -EINVAL)
		cjd_err("alert for %s could not be rendered (%s)", a->cgroup, strerror(-n));
	fflush(stdout); /* alerts are rare; a consumer should see each at once */
	return replay_summary_alert(rc->sum, rc->file, a);
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct replay_ctx *rc = ctx;

	return replay_summary_window(rc->sum, rc->file, w);
}

static void sleep_until(uint64_t mono_ns)
{
	struct timespec ts = {(time_t)(mono_ns / 1000000000ull), (long)(mono_ns % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Streams one trace. Returns 0, or an exit code. */
static int replay_file(struct cjd_detector *d, struct replay_ctx *rc, struct cjd_trace_reader *r,
		       const char *path, const struct replay_opts *o, uint64_t *samples)
{
	const struct cjd_trace_header *h = cjd_trace_reader_header(r);
	struct cjd_progress prog;
	struct cjd_sample s;
	struct cjd_error err;
	uint64_t last_t = UINT64_MAX, t0 = 0, wall0 = cjd_now_mono_ns(), n = 0;
	int rc_read, ret = 0;

	cjd_progress_init(&prog);
	rc->epoch_real_ns = 0;
	if (cjd_rfc3339_parse(h->created, &rc->epoch_real_ns))
		cjd_debug("%s: created \"%s\" is not RFC 3339; alerts carry wall-clock time", path,
			  h->created);
	while ((rc_read = cjd_trace_reader_next(r, &s, &err)) > 0) {
		s.host = h->host;
		if (s.t_ns != last_t) {
			/* A new timestamp: the previous one is complete, compute it. */
			cjd_detector_tick(d);
			if (o->speed > 0) {
				if (last_t == UINT64_MAX)
					t0 = s.t_ns;
				fflush(stdout);
				uint64_t due = wall0 + (uint64_t)((double)(s.t_ns - t0) / o->speed);
				/* sleep in slices so the publisher keeps its once-a-second tick */
				while (cjd_now_mono_ns() + CJD_NSEC_PER_SEC / 2 < due) {
					sleep_until(cjd_now_mono_ns() + CJD_NSEC_PER_SEC / 2);
					pub_tick(rc);
				}
				sleep_until(due);
			}
			last_t = s.t_ns;
		}
		uint64_t start = s.t_ns > s.dt_ns ? s.t_ns - s.dt_ns : 0;
		if (replay_summary_sample(rc->sum, rc->file, s.cgroup, s.label, start)) {
			ret = cjd_cli_fail("replay", "out of memory");
			goto out;
		}
		if (cjd_detector_push(d, &s, &err)) {
			snprintf(err.file, sizeof(err.file), "%s", path);
			err.line = (int)cjd_trace_reader_line(r);
			ret = cjd_cli_error("replay", &err);
			goto out;
		}
		if ((++n & 0xfff) == 0) {
			pub_tick(rc);
			if (!o->quiet)
				cjd_progress_update(&prog, "%s: %llu samples", path,
						    (unsigned long long)n);
		}
	}
	if (rc_read < 0)
		ret = cjd_cli_error("replay", &err);
out:
	/* End of the trace: what is still firing is gone, state starts afresh. */
	cjd_detector_finish(d);
	cjd_progress_done(&prog);
	*samples += n;
	return ret;
}

static int parse_opts(int argc, char **argv, struct replay_opts *o)
{
	enum { O_ALLOW = 256, O_WINDOW, O_THR, O_THR_LOW, O_K, O_R, O_ONGOING, O_PRICE, O_GONE,
	       O_SUMMARY, O_WALL, O_PUBLISH, O_JOURNAL, O_HWM, O_CURVE_SECRET, O_CURVE_CLIENTS,
	       O_WAIT_SUB, O_HOLDDOWN };
	static const struct option opts[] = {
		{"model", required_argument, NULL, 'm'},
		{"speed", required_argument, NULL, 's'},
		{"allowlist", required_argument, NULL, O_ALLOW},
		{"window", required_argument, NULL, O_WINDOW},
		{"threshold", required_argument, NULL, O_THR},
		{"threshold-low", required_argument, NULL, O_THR_LOW},
		{"fire-windows", required_argument, NULL, O_K},
		{"resolve-windows", required_argument, NULL, O_R},
		{"ongoing", required_argument, NULL, O_ONGOING},
		{"refire-holddown", required_argument, NULL, O_HOLDDOWN},
		{"price", required_argument, NULL, O_PRICE},
		{"gone-after", required_argument, NULL, O_GONE},
		{"summary-json", required_argument, NULL, O_SUMMARY},
		{"quiet", no_argument, NULL, 'q'},
		{"wall-clock", no_argument, NULL, O_WALL},
		{"publish", required_argument, NULL, O_PUBLISH},
		{"journal", required_argument, NULL, O_JOURNAL},
		{"hwm", required_argument, NULL, O_HWM},
		{"curve-secret", required_argument, NULL, O_CURVE_SECRET},
		{"curve-clients", required_argument, NULL, O_CURVE_CLIENTS},
		{"wait-subscriber", required_argument, NULL, O_WAIT_SUB},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:s:qh", opts, NULL)) != -1) {
		char *end;
		uint64_t u;
		double x;
		switch (c) {
		case 'm': o->model_path = optarg; break;
		case 's':
			if (!strcmp(optarg, "max")) {
				o->speed = 0;
				break;
			}
			x = strtod(optarg, &end);
			if (*end || !(x > 0) || !isfinite(x))
				return cjd_cli_usage_error("replay", "--speed: '%s' is not a positive "
								     "number or max", optarg);
			o->speed = x;
			break;
		case O_ALLOW:
		case O_PUBLISH: {
			const char ***list = c == O_ALLOW ? &o->allow : &o->publish;
			size_t *n = c == O_ALLOW ? &o->n_allow : &o->n_publish;
			size_t *cap = c == O_ALLOW ? &o->cap_allow : &o->cap_publish;
			if (cjd_array_reserve(*list, *cap, *n + 1))
				return cjd_cli_fail("replay", "out of memory");
			(*list)[(*n)++] = optarg;
			break;
		}
		case O_JOURNAL: o->journal = optarg; break;
		case O_WAIT_SUB:
			if ((c = cjd_cli_duration("replay", "--wait-subscriber", optarg, 1,
						  &o->wait_sub_ns)))
				return c;
			break;
		case O_CURVE_SECRET: o->curve_secret = optarg; break;
		case O_CURVE_CLIENTS: o->curve_clients = optarg; break;
		case O_HWM:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 10000000)
				return cjd_cli_usage_error("replay", "--hwm: '%s' is not a count from 1 "
								     "to 10000000", optarg);
			o->hwm = (int)u;
			break;
		case O_THR:
		case O_THR_LOW:
		case O_PRICE:
			x = strtod(optarg, &end);
			if (*end || !isfinite(x) || x < 0 || (c != O_PRICE && x > 1))
				return cjd_cli_usage_error("replay", "--%s: '%s' is out of range",
							   c == O_PRICE ? "price" : c == O_THR ?
							   "threshold" : "threshold-low",
							   optarg);
			if (c == O_THR)
				o->threshold = (float)x;
			else if (c == O_THR_LOW)
				o->threshold_low = (float)x;
			else
				o->price = x, o->price_set = true;
			break;
		case O_WINDOW:
		case O_K:
		case O_R:
		case O_GONE:
			if (cjd_parse_u64(optarg, &u) || u < 1 || u > 100000 ||
			    (c == O_WINDOW && (u < 2 || u > 64)))
				return cjd_cli_usage_error("replay", "'%s' is not a valid count for "
								     "--%s",
							   optarg, c == O_WINDOW ? "window" :
								   c == O_K ? "fire-windows" :
								   c == O_R ? "resolve-windows" :
									      "gone-after");
			if (c == O_WINDOW)
				o->window = (unsigned)u;
			else if (c == O_K)
				o->fire_windows = (uint32_t)u;
			else if (c == O_R)
				o->resolve_windows = (uint32_t)u;
			else
				o->gone_after = (uint32_t)u;
			break;
		case O_ONGOING:
			if ((c = cjd_cli_duration("replay", "--ongoing", optarg, 1, &o->ongoing_ns)))
				return c;
			break;
		case O_HOLDDOWN:
			if ((c = cjd_cli_duration("replay", "--refire-holddown", optarg, 0,
						  &o->holddown_ns)))
				return c;
			o->holddown_set = true;
			break;
		case O_SUMMARY: o->summary_json = optarg; break;
		case 'q': o->quiet = true; break;
		case O_WALL: o->wall_clock = true; break;
		case 'h': fputs(replay_usage, stdout); return -1;
		default: return cjd_cli_bad_option("replay", argv, "m:s:qh");
		}
	}
	if (optind >= argc)
		return cjd_cli_usage_error("replay", "no FILE given");
	if (o->wait_sub_ns && !o->n_publish)
		return cjd_cli_usage_error("replay", "--wait-subscriber needs --publish");
	if (!o->curve_secret != !o->curve_clients)
		return cjd_cli_usage_error("replay", "--curve-secret and --curve-clients go together");
	return 0;
}

static int load_model(const struct replay_opts *o, cjd_event_mask events, struct cjd_model **m)
{
	struct cjd_cli_model_dirs md;
	const char *const *dirs = cjd_cli_model_dirs(&md);
	char path[4096], msg[1024];
	struct cjd_error err;
	const char *p = o->model_path;

	if (!p) {
		if (cjd_model_default_path(events, dirs, md.n, path,
					   sizeof(path), &err)) {
			fprintf(stderr, "cjd replay: %s\n", err.text);
			return CJD_EXIT_USAGE;
		}
		p = path;
	}
	if (cjd_model_load(m, p, &err)) {
		fprintf(stderr, "cjd replay: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		return CJD_EXIT_USAGE;
	}
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = {.threshold = NAN, .threshold_low = NAN};
	struct replay_ctx rc = {0};
	struct cjd_trace_reader *r = NULL;
	struct cjd_model *model = NULL;
	struct cjd_detector *d = NULL;
	struct cjd_detector_config cfg;
	struct cjd_error err;
	uint64_t samples = 0, t_start;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		goto out_opts;
	const char *const *files = (const char *const *)argv + optind;
	int n_files = argc - optind;

	/* The first trace decides the default model; every trace is checked against it. */
	if (cjd_trace_reader_open(&r, files[0], &err)) {
		ret = cjd_cli_error("replay", &err);
		goto out_opts;
	}
	cjd_event_mask events = cjd_trace_header_mask(cjd_trace_reader_header(r));
	if ((ret = load_model(&o, events, &model)))
		goto out_free;

	cjd_detector_config_init(&cfg);
	cfg.events = cjd_model_events(model); /* each trace is checked below */
	cfg.window = o.window;
	cfg.threshold = o.threshold;
	cfg.threshold_low = o.threshold_low;
	if (o.fire_windows)
		cfg.fire_windows = o.fire_windows;
	if (o.resolve_windows)
		cfg.resolve_windows = o.resolve_windows;
	if (o.ongoing_ns)
		cfg.ongoing_ns = o.ongoing_ns;
	if (o.holddown_set)
		cfg.refire_holddown_ns = o.holddown_ns;
	if (o.price_set)
		cfg.price_per_cpu_hour = o.price;
	if (o.gone_after)
		cfg.gone_intervals = o.gone_after;
	cfg.allowlist = o.allow;
	cfg.n_allowlist = o.n_allow;
	cfg.window_cb = on_window;
	cfg.window_ctx = &rc;
	rc.wall_clock = o.wall_clock;
	rc.sum = replay_summary_new();
	if (!rc.sum) {
		ret = cjd_cli_fail("replay", "out of memory");
		goto out_free;
	}
	/* A full disk must fail the journal write, not kill the process. */
	signal(SIGXFSZ, SIG_IGN);
	struct cjd_publisher_config pcfg = {
		.endpoints = o.publish,
		.n_endpoints = o.n_publish,
		.sndhwm = o.hwm,
		.journal_path = o.journal,
		.curve_secret_file = o.curve_secret,
		.curve_clients_dir = o.curve_clients,
		.echo = stdout,
	};
	if (cjd_publisher_new(&rc.pub, &pcfg, &err)) {
		char msg[1024];
		fprintf(stderr, "cjd replay: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		ret = err.line ? CJD_EXIT_USAGE : CJD_EXIT_FAIL;
		goto out_free;
	}
	if (o.wait_sub_ns) {
		struct cjd_publisher_stats st;
		uint64_t until = cjd_now_mono_ns() + o.wait_sub_ns;
		do {
			cjd_publisher_tick(rc.pub, cjd_now_mono_ns());
			cjd_publisher_stats(rc.pub, &st);
			if (st.subscriptions)
				break;
			sleep_until(cjd_now_mono_ns() + 10 * 1000 * 1000);
		} while (cjd_now_mono_ns() < until);
		if (!st.subscriptions)
			cjd_warn("replay: no subscriber after --wait-subscriber; replaying anyway");
	}
	if (cjd_detector_new(&d, &cfg, model, on_alert, &rc, &err)) {
		fprintf(stderr, "cjd replay: %s\n", err.text);
		ret = CJD_EXIT_USAGE;
		goto out_free;
	}

	t_start = cjd_now_mono_ns();
	for (int i = 0; i < n_files; i++) {
		if (i > 0 && cjd_trace_reader_open(&r, files[i], &err)) {
			ret = cjd_cli_error("replay", &err);
			goto out_free;
		}
		cjd_event_mask have = cjd_trace_header_mask(cjd_trace_reader_header(r));
		if (cjd_model_check_events(model, have, &err)) {
			fprintf(stderr, "cjd replay: %s: %s\n", files[i], err.text);
			ret = CJD_EXIT_USAGE;
			goto out_free;
		}
		rc.file = i;
		ret = replay_file(d, &rc, r, files[i], &o, &samples);
		cjd_trace_reader_free(r);
		r = NULL;
		if (ret)
			goto out_free;
	}

	struct replay_totals tot = {
		.samples = samples,
		.seconds = (double)(cjd_now_mono_ns() - t_start) / 1e9,
		.model_name = cjd_model_name(model),
		.model_version = cjd_model_version(model),
		.model_kind = cjd_model_kind_name(cjd_model_kind(model)),
		.window = cjd_detector_window(d),
		.fire_windows = cfg.fire_windows,
		.threshold = isnan(o.threshold) ? cjd_model_threshold(model) : o.threshold,
		.tier = cjd_simd_tier_name(cjd_detector_tier(d)),
	};
	if (!o.quiet)
		replay_summary_print(rc.sum, files, &tot, stderr);
	if (!o.quiet && (o.n_publish || o.journal)) {
		struct cjd_publisher_stats st;
		cjd_publisher_stats(rc.pub, &st);
		fprintf(stderr, "publisher: %llu alerts, %llu messages sent, %llu dropped (a lower "
				"bound), %llu journal lines, %llu journal errors\n",
			(unsigned long long)st.alerts, (unsigned long long)st.sent,
			(unsigned long long)st.dropped, (unsigned long long)st.journal_lines,
			(unsigned long long)st.journal_errors);
	}
	if (o.summary_json) {
		FILE *f = fopen(o.summary_json, "we");
		if (!f || replay_summary_json(rc.sum, files, &tot, f) || fclose(f)) {
			ret = cjd_cli_fail("replay", "%s: %s", o.summary_json, strerror(errno));
			goto out_free;
		}
	}
	ret = CJD_EXIT_OK;
out_free:
	cjd_trace_reader_free(r);
	cjd_detector_free(d);
	cjd_publisher_free(rc.pub); /* fsyncs the journal, lets queued messages leave */
	cjd_model_free(model);
	replay_summary_free(rc.sum);
out_opts:
	free(o.allow);
	free(o.publish);
	return ret < 0 ? CJD_EXIT_OK : ret;
}
