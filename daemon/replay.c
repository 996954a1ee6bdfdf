/* `cjd replay`'s mechanism: traces streamed through the pipeline `cjd run` and `cjd detect` use, on the traces' own clock. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_reader.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/daemon/replay.h"
#include "cjd/detector/detector.h"
#include "cjd/detector/model_load.h"

struct cjd_replay {
	struct cjd_replay_options o;
	struct cjd_pipeline *pipe;
	struct cjd_replay_summary *sum;
	struct cjd_trace_reader *first; /* opened by cjd_replay_new to choose the model */
	enum cjd_mode mode;             /* the first trace's: its model is the totals' */
	int file;                       /* the file being replayed, an index into o.files */
	uint64_t epoch_real_ns;         /* its "created" as CLOCK_REALTIME ns, 0 if unknown */
	uint64_t last_pub_tick_ns;
	uint64_t samples;
	double seconds;
	int hook_rc;                    /* the first failure of a hook (-ENOMEM) */
	bool alerted;                   /* an alert was echoed since the last flush */
};

/* ---- the pipeline's hooks ---- */

/* Every alert, before the pipeline publishes it: trace time, and the summary's count. */
static void on_alert(void *ctx, struct cjd_alert *a)
{
	struct cjd_replay *r = ctx;
	int rc;

	if (!r->o.wall_clock && r->epoch_real_ns)
		a->time_real_ns = r->epoch_real_ns + a->t_ns;
	if ((rc = cjd_replay_summary_alert(r->sum, r->file, a)) && !r->hook_rc)
		r->hook_rc = rc;
	r->alerted = true;
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct cjd_replay *r = ctx;
	int rc = cjd_replay_summary_window(r->sum, r->file, w);

	if (rc && !r->hook_rc)
		r->hook_rc = rc;
	return rc;
}

/* Alerts are rare: a consumer of the echo should see each at once. */
static void flush_echo(struct cjd_replay *r)
{
	if (r->alerted && r->o.echo)
		fflush(r->o.echo);
	r->alerted = false;
}

/* The publisher wants a tick at least once a second: journal fsync, subscriptions. */
static void pub_tick(struct cjd_replay *r)
{
	uint64_t now = cjd_now_mono_ns();

	if (now - r->last_pub_tick_ns >= CJD_NSEC_PER_SEC / 2) {
		cjd_pipeline_housekeeping(r->pipe);
		r->last_pub_tick_ns = now;
	}
}

static void sleep_until(uint64_t mono_ns)
{
	struct timespec ts = {(time_t)(mono_ns / 1000000000ull), (long)(mono_ns % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Sleeps until `due`, in slices, so that the publisher keeps its tick. */
static void pace(struct cjd_replay *r, uint64_t due)
{
	while (cjd_now_mono_ns() + CJD_NSEC_PER_SEC / 2 < due) {
		sleep_until(cjd_now_mono_ns() + CJD_NSEC_PER_SEC / 2);
		pub_tick(r);
	}
	sleep_until(due);
}

/* PUB/SUB drops what is sent before a subscriber has joined. */
static void wait_subscriber(struct cjd_replay *r)
{
	struct cjd_publisher *pub = cjd_pipeline_publisher(r->pipe);
	struct cjd_publisher_stats st;
	uint64_t until = cjd_now_mono_ns() + r->o.wait_subscriber_ns;

	do {
		cjd_publisher_tick(pub, cjd_now_mono_ns());
		cjd_publisher_stats(pub, &st);
		if (st.subscriptions)
			return;
		sleep_until(cjd_now_mono_ns() + 10 * 1000 * 1000);
	} while (cjd_now_mono_ns() < until);
	cjd_warn("replay: no subscriber after --wait-subscriber; replaying anyway");
}

/* ---- one trace ---- */

/* Where a sample went wrong: the trace and its line. Returns rc. */
static int at_line(int rc, struct cjd_error *err, const char *path, struct cjd_trace_reader *tr)
{
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = (int)cjd_trace_reader_line(tr);
	return rc;
}

/* One sample: counted, then pushed (a new timestamp first completes the previous one). */
static int replay_sample(struct cjd_replay *r, struct cjd_sample *s, uint64_t *last_t,
			 uint64_t *t0, uint64_t wall0, struct cjd_error *err)
{
	int rc;

	if (s->t_ns != *last_t) {
		cjd_pipeline_tick(r->pipe);
		flush_echo(r);
		if (r->o.speed > 0) {
			if (*last_t == UINT64_MAX)
				*t0 = s->t_ns;
			pace(r, wall0 + (uint64_t)((double)(s->t_ns - *t0) / r->o.speed));
		}
		*last_t = s->t_ns;
	}
	if (r->hook_rc)
		return cjd_error_set(err, r->hook_rc, NULL, 0, 0, "out of memory");
	uint64_t start = s->t_ns > s->dt_ns ? s->t_ns - s->dt_ns : 0;
	if ((rc = cjd_replay_summary_sample(r->sum, r->file, s->cgroup, s->label, start)))
		return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	if ((rc = cjd_pipeline_push(r->pipe, s, err)))
		return cjd_errno_runtime(rc); /* the trace is at fault, not the configuration */
	return 0;
}

/* Streams one trace into the pipeline, then ends it. Returns 0 or a negative errno. */
static int replay_file(struct cjd_replay *r, struct cjd_trace_reader *tr, const char *path,
		       struct cjd_error *err)
{
	const struct cjd_trace_header *h = cjd_trace_reader_header(tr);
	uint64_t last_t = UINT64_MAX, t0 = 0, wall0 = cjd_now_mono_ns(), n = 0;
	struct cjd_progress prog;
	struct cjd_sample s;
	int rc;

	cjd_progress_init(&prog);
	r->epoch_real_ns = 0;
	if (cjd_rfc3339_parse(h->created, &r->epoch_real_ns))
		cjd_debug("%s: created \"%s\" is not RFC 3339; alerts carry wall-clock time", path,
			  h->created);
	while ((rc = cjd_trace_reader_next(tr, &s, err)) > 0) {
		s.host = h->host;
		if ((rc = replay_sample(r, &s, &last_t, &t0, wall0, err))) {
			at_line(rc, err, path, tr);
			break;
		}
		if ((++n & 0xfff) == 0) {
			pub_tick(r);
			if (r->o.progress)
				cjd_progress_update(&prog, "%s: %llu samples", path,
						    (unsigned long long)n);
		}
	}
	if (rc < 0 && rc != -ENOMEM)
		rc = cjd_errno_runtime(rc); /* a trace that cannot be read */
	/* End of the trace: what is still firing is gone, state starts afresh. */
	cjd_pipeline_finish(r->pipe);
	flush_echo(r);
	cjd_progress_done(&prog);
	r->samples += n;
	if (!rc && r->hook_rc)
		rc = cjd_error_set(err, r->hook_rc, path, 0, 0, "out of memory");
	return rc;
}

/* ---- the whole replay ---- */

int cjd_replay_new(struct cjd_replay **out, const struct cjd_replay_options *opts,
		   struct cjd_error *err)
{
	struct cjd_replay *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r || !(r->sum = cjd_replay_summary_new())) {
		rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	r->o = *opts;
	signal(SIGXFSZ, SIG_IGN); /* a full disk fails a journal write; it does not kill */
	if ((rc = cjd_trace_reader_open(&r->first, opts->files[0], err))) {
		rc = cjd_errno_runtime(rc);
		goto out_free;
	}
	/* The first trace decides the mode and the default model. */
	cjd_event_mask events = cjd_trace_header_mask(cjd_trace_reader_header(r->first));
	struct cjd_pipeline_options po = {
		.cfg = opts->cfg,
		.model_dirs = opts->model_dirs,
		.n_model_dirs = opts->n_model_dirs,
		.echo = opts->echo,
		.quiet = true, /* the alerts are the echo; the summary comes at the end */
		.strict = true,
		.gone_intervals = opts->gone_intervals,
		.alert_hook = on_alert,
		.window_cb = on_window,
		.hook_ctx = r,
	};
	r->mode = cjd_mode_of(events);
	if ((rc = cjd_pipeline_new(&r->pipe, &po, 1u << r->mode, events, err)))
		goto out_free;
	if (opts->wait_subscriber_ns && opts->cfg->endpoints.n)
		wait_subscriber(r);
	*out = r;
	return 0;
out_free:
	cjd_replay_free(r);
	return rc;
}

int cjd_replay_run(struct cjd_replay *r, struct cjd_error *err)
{
	uint64_t t_start = cjd_now_mono_ns();
	struct cjd_trace_reader *tr = r->first;
	int rc = 0;

	r->first = NULL;
	for (size_t i = 0; i < r->o.n_files && !rc; i++) {
		const char *path = r->o.files[i];
		if (i > 0 && (rc = cjd_trace_reader_open(&tr, path, err))) {
			rc = cjd_errno_runtime(rc);
			break;
		}
		cjd_event_mask have = cjd_trace_header_mask(cjd_trace_reader_header(tr));
		if (cjd_mode_of(have) != r->mode && !r->o.cfg->model) {
			/* the defaults of the first trace's mode are the only ones loaded */
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
					   "%s: a %s mode trace after a %s mode one; the model is "
					   "the first trace's: replay them apart, or give --model",
					   path, cjd_mode_name(cjd_mode_of(have)),
					   cjd_mode_name(r->mode));
		} else if ((rc = cjd_pipeline_expect(r->pipe, have, err))) {
			/* "FILE: why" as the message: the error is the model's, not a line's */
			struct cjd_error e = *err;
			cjd_error_set(err, rc, NULL, 0, 0, "%s: %s", path, e.text);
		} else {
			r->file = (int)i;
			rc = replay_file(r, tr, path, err);
		}
		cjd_trace_reader_free(tr);
		tr = NULL;
	}
	r->seconds = (double)(cjd_now_mono_ns() - t_start) / 1e9;
	return rc;
}

const struct cjd_replay_summary *cjd_replay_summary(const struct cjd_replay *r)
{
	return r->sum;
}

void cjd_replay_totals(const struct cjd_replay *r, struct cjd_replay_totals *t)
{
	const struct cjd_model *m = cjd_pipeline_model(r->pipe, r->mode, NULL);
	const struct cjd_detector *d = cjd_pipeline_detector(r->pipe, r->mode);
	const struct cjd_config *cfg = r->o.cfg;

	*t = (struct cjd_replay_totals){
		.samples = r->samples,
		.seconds = r->seconds,
		.model_kind = cjd_model_kind_name(cjd_model_kind(m)),
		.window = cjd_detector_window(d),
		.fire_windows = cfg->fire_windows,
		.threshold = isnan(cfg->threshold) ? cjd_model_threshold(m) : (float)cfg->threshold,
		.tier = cjd_simd_tier_name(cjd_detector_tier(d)),
	};
	snprintf(t->model_name, sizeof(t->model_name), "%s", cjd_model_name(m));
	snprintf(t->model_version, sizeof(t->model_version), "%s", cjd_model_version(m));
}

void cjd_replay_publisher_stats(const struct cjd_replay *r, struct cjd_publisher_stats *st)
{
	cjd_publisher_stats(cjd_pipeline_publisher(r->pipe), st);
}

void cjd_replay_free(struct cjd_replay *r)
{
	if (!r)
		return;
	cjd_trace_reader_free(r->first);
	cjd_pipeline_free(r->pipe); /* fsyncs the journal, lets queued messages leave */
	cjd_replay_summary_free(r->sum);
	free(r);
}
