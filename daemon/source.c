/* A collector ticking on its own event loop, built from the configuration's collector.* keys. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/daemon/source.h"

struct cjd_source {
	struct cjd_collector *collector;
	struct cjd_loop *loop;
	struct cjd_source_callbacks cb;
	int stop_rc; /* why the loop stopped: 0, or the collector's error */
};

int cjd_source_config(const struct cjd_config *cfg, struct cjd_collector_config *cc,
		      struct cjd_error *err)
{
	const char *spec = cfg->events;
	char bad[64];

	memset(cc, 0, sizeof(*cc));
	cc->interval_ns = cfg->interval_ns;
	cc->rescan_ns = cfg->rescan_ns;
	cc->include = (const char *const *)cfg->include.v;
	cc->n_include = cfg->include.n;
	cc->exclude = (const char *const *)cfg->exclude.v;
	cc->n_exclude = cfg->exclude.n;
	cc->cgroup_root = cfg->cgroup_root;
	/* "auto" leaves the mask 0: the collector picks by mode */
	if (!spec || !strcmp(spec, "auto"))
		return 0;
	if (!strcmp(spec, "hardware")) {
		/* the hardware features also need task-clock for per-CPU-second rates */
		cc->events = CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE;
	} else if (!strcmp(spec, "software")) {
		cc->events = CJD_EVMASK_SOFTWARE;
	} else if (cjd_event_mask_parse(spec, &cc->events, bad, sizeof(bad))) {
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "collector.events: unknown event \"%s\" (see `cjd events`)", bad);
	}
	return 0;
}

int cjd_source_new(struct cjd_source **out, const struct cjd_collector_config *cc,
		   struct cjd_error *err)
{
	struct cjd_source *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	if (!s)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	if ((rc = cjd_collector_new(&s->collector, cc, err))) {
		/* events this host cannot count are the configuration's to change */
		if (rc == -EOPNOTSUPP)
			rc = -EINVAL;
		if (!err->text[0])
			cjd_error_set(err, rc, NULL, 0, 0, "collector: %s", strerror(-rc));
		goto out_free;
	}
	if ((rc = cjd_loop_new(&s->loop))) {
		rc = cjd_error_set(err, cjd_errno_runtime(rc), NULL, 0, 0, "event loop: %s",
				   strerror(-rc));
		goto out_free;
	}
	*out = s;
	return 0;
out_free:
	cjd_source_free(s);
	return rc;
}

static void on_ended(void *ctx, int err)
{
	struct cjd_source *s = ctx;

	if (s->cb.ended) {
		s->cb.ended(s->cb.ctx, err);
		return;
	}
	cjd_err("collector stopped: %s", strerror(-err));
	s->stop_rc = cjd_errno_runtime(err);
	cjd_loop_stop(s->loop);
}

static void on_signal(struct cjd_loop *l, int signo, void *ctx)
{
	(void)ctx;
	cjd_info("%s: stopping", strsignal(signo));
	cjd_loop_stop(l);
}

int cjd_source_start(struct cjd_source *s, const struct cjd_source_callbacks *cb,
		     bool stop_on_signals)
{
	struct cjd_collector_callbacks ccb = {
		.samples = cb->samples, .added = cb->added, .gone = cb->gone, .ctx = cb->ctx};
	int rc;

	s->cb = *cb;
	cjd_collector_set_callbacks(s->collector, &ccb);
	if ((rc = cjd_collector_attach(s->collector, s->loop, on_ended, s)))
		return rc;
	if (stop_on_signals && ((rc = cjd_loop_add_signal(s->loop, SIGTERM, on_signal, s)) ||
				(rc = cjd_loop_add_signal(s->loop, SIGINT, on_signal, s)))) {
		cjd_collector_detach(s->collector);
		return rc;
	}
	return 0;
}

int cjd_source_run(struct cjd_source *s)
{
	int rc = cjd_loop_run(s->loop);

	if (rc) {
		cjd_err("event loop failed: %s", strerror(-rc));
		return cjd_errno_runtime(rc);
	}
	return s->stop_rc;
}

void cjd_source_stop(struct cjd_source *s)
{
	cjd_loop_stop(s->loop);
}

struct cjd_loop *cjd_source_loop(const struct cjd_source *s)
{
	return s->loop;
}

struct cjd_collector *cjd_source_collector(const struct cjd_source *s)
{
	return s->collector;
}

void cjd_source_free(struct cjd_source *s)
{
	if (!s)
		return;
	if (s->collector)
		cjd_collector_detach(s->collector);
	cjd_loop_free(s->loop);
	cjd_collector_free(s->collector);
	free(s);
}
