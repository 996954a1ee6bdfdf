/* `cjd detect`'s mechanism: a split receiver feeding the pipeline, its timers and heartbeat, on one loop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/loop.h"
#include "cjd/common/time.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/daemon/split_detector.h"

struct cjd_split_detector {
	struct cjd_pipeline *pipe;
	struct cjd_split_receiver *rx;
	struct cjd_loop *loop;
	uint64_t start_ns, hb_ns, hb_samples;
};

static void on_sample(void *ctx, const char *host, const struct cjd_sample *s)
{
	struct cjd_split_detector *d = ctx;

	struct cjd_error err;

	(void)host; /* s->host is the frame's host already */
	cjd_pipeline_push(d->pipe, s, &err); /* refusals are counted and logged */
}

static void on_frame_done(void *ctx, const char *host)
{
	struct cjd_split_detector *d = ctx;

	(void)host;
	cjd_pipeline_tick(d->pipe);
}

static void on_gone(void *ctx, const char *host, const char *cgroup)
{
	struct cjd_split_detector *d = ctx;

	cjd_pipeline_forget(d->pipe, host, cgroup);
}

static void heartbeat(struct cjd_split_detector *d, bool stopping)
{
	struct cjd_split_receiver_stats rs;
	struct cjd_pipeline_stats ps;
	uint64_t now = cjd_now_mono_ns();

	cjd_split_receiver_stats(d->rx, &rs);
	cjd_pipeline_stats(d->pipe, &ps);
	double secs = (double)(now - d->hb_ns) / 1e9;
	struct cjd_heartbeat hb = {
		.mode = cjd_pipeline_model(d->pipe, CJD_MODE_HARDWARE, NULL) ? CJD_MODE_HARDWARE
									      : CJD_MODE_SOFTWARE,
		.uptime_ns = now - d->start_ns,
		.cgroups_monitored = (uint32_t)ps.cgroups,
		.samples_per_s = secs > 0 ? (double)(rs.samples - d->hb_samples) / secs : 0,
		.samples_dropped = rs.lost_frames, /* frames, the only loss visible here */
		.stopping = stopping,
	};
	d->hb_ns = now;
	d->hb_samples = rs.samples;
	cjd_pipeline_heartbeat(d->pipe, &hb);
}

static void on_housekeeping(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	cjd_pipeline_housekeeping(((struct cjd_split_detector *)ctx)->pipe);
}

static void on_metrics(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	cjd_pipeline_metrics(((struct cjd_split_detector *)ctx)->pipe);
}

static void on_heartbeat(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	(void)l;
	(void)exp;
	heartbeat(ctx, false);
}

static void on_signal(struct cjd_loop *l, int signo, void *ctx)
{
	(void)ctx;
	cjd_info("%s: stopping", strsignal(signo));
	cjd_loop_stop(l);
}

/* The loop: frames as they arrive, the publisher's timers, the stop signals. */
static int start_loop(struct cjd_split_detector *d, const struct cjd_config *cfg,
		      struct cjd_error *err)
{
	int rc;

	if ((rc = cjd_loop_new(&d->loop)) || (rc = cjd_split_receiver_attach(d->rx, d->loop)) ||
	    (rc = cjd_loop_add_timer(d->loop, CJD_NSEC_PER_SEC / 2, on_housekeeping, d)) < 0 ||
	    (rc = cjd_loop_add_timer(d->loop, cfg->metrics_ns, on_metrics, d)) < 0 ||
	    (rc = cjd_loop_add_timer(d->loop, cfg->heartbeat_ns, on_heartbeat, d)) < 0 ||
	    (rc = cjd_loop_add_signal(d->loop, SIGTERM, on_signal, d)) ||
	    (rc = cjd_loop_add_signal(d->loop, SIGINT, on_signal, d)))
		return cjd_error_set(err, cjd_errno_runtime(rc), NULL, 0, 0,
				     "cannot set up the event loop: %s", strerror(-rc));
	return 0;
}

int cjd_split_detector_new(struct cjd_split_detector **out,
			   const struct cjd_split_detector_options *opts, struct cjd_error *err)
{
	struct cjd_split_detector *d = calloc(1, sizeof(*d));
	struct cjd_pipeline_options po = {
		.cfg = opts->cfg,
		.model_dirs = opts->model_dirs,
		.n_model_dirs = opts->n_model_dirs,
	};
	struct cjd_split_callbacks cbs = {.samples = on_sample, .frame_done = on_frame_done,
					  .gone = on_gone, .ctx = d};
	int rc;

	*out = NULL;
	if (!d)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	/* a full disk fails a journal write, a gone subscriber a send: neither kills */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* every model a host may need is loaded now (a bad one is a configuration
	 * error); each mode's detector starts on the first frame of that mode */
	if ((rc = cjd_pipeline_new(&d->pipe, &po, 0, 0, err)) ||
	    (rc = cjd_split_receiver_new(&d->rx, &opts->rx, &cbs, err)) ||
	    (rc = start_loop(d, opts->cfg, err)))
		goto out_free;
	d->start_ns = d->hb_ns = cjd_now_mono_ns();
	for (size_t i = 0; i < opts->rx.n_connect; i++)
		cjd_info("detect: receiving samples from %s", opts->rx.connect[i]);
	for (size_t i = 0; i < opts->rx.n_bind; i++)
		cjd_info("detect: receiving samples on %s", opts->rx.bind[i]);
	for (size_t i = 0;; i++) {
		const char *ep = cjd_publisher_endpoint(cjd_pipeline_publisher(d->pipe), i);
		if (!ep)
			break;
		cjd_info("detect: publishing alerts on %s", ep);
	}
	*out = d;
	return 0;
out_free:
	cjd_split_detector_free(d);
	return rc;
}

static void log_totals(const struct cjd_split_detector *d)
{
	struct cjd_split_receiver_stats st;
	struct cjd_pipeline_stats ps;
	struct cjd_publisher_stats pst;

	cjd_split_receiver_stats(d->rx, &st);
	cjd_pipeline_stats(d->pipe, &ps);
	cjd_info("detect: %zu hosts, %llu frames, %llu samples (%llu not scorable), %llu frames "
		 "lost, %llu malformed",
		 st.hosts, (unsigned long long)st.frames, (unsigned long long)st.samples,
		 (unsigned long long)ps.samples_refused, (unsigned long long)st.lost_frames,
		 (unsigned long long)st.malformed);
	cjd_publisher_stats(cjd_pipeline_publisher(d->pipe), &pst);
	cjd_info("detect: %llu alerts published, %llu messages dropped by the publisher (a lower "
		 "bound)",
		 (unsigned long long)pst.alerts, (unsigned long long)pst.dropped);
}

int cjd_split_detector_run(struct cjd_split_detector *d)
{
	int rc = cjd_loop_run(d->loop);

	if (rc)
		cjd_err("event loop failed: %s", strerror(-rc));
	heartbeat(d, true);
	cjd_pipeline_housekeeping(d->pipe);
	log_totals(d);
	return cjd_errno_runtime(rc);
}

void cjd_split_detector_free(struct cjd_split_detector *d)
{
	if (!d)
		return;
	cjd_split_receiver_free(d->rx);
	cjd_loop_free(d->loop);
	cjd_pipeline_free(d->pipe);
	free(d);
}
