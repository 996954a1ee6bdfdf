/* Periodic inspection of one cgroup in a thread of its own: the timing, the stop, the hand-over of the JSON. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/time.h"
#include "cjd/evidence/inspect.h"
#include "cjd/evidence/periodic.h"

#define MIN_EVERY_NS (3ull * 1000000000ull)

struct cjd_inspect_periodic {
	char dir[4096];
	uint64_t first_ns, every_ns;
	cjd_inspect_periodic_fn fn;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* signalled by stop */
	bool stop;
	atomic_uint_fast64_t count;
	struct cjd_network_history *hist;
};

/* Sleeps until the monotonic time `until` or a stop; returns true when stopped. */
static bool wait_until(struct cjd_inspect_periodic *p, uint64_t until)
{
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
			       .tv_nsec = (long)(until % 1000000000ull) };
	bool stop;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && cjd_now_mono_ns() < until)
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	stop = p->stop;
	pthread_mutex_unlock(&p->mu);
	return stop;
}

static void inspect_once(struct cjd_inspect_periodic *p, uint64_t t0)
{
	struct cjd_inspect_opts o = { 0 };
	struct cjd_inspect_result res;
	struct cjd_target t = { 0 };
	struct cjd_error err;
	json_t *j = NULL;
	int rc;

	cjd_error_clear(&err);
	if ((rc = cjd_target_from_cgroup(&t, p->dir, true, &err))) {
		p->fn(p->ctx, t0, NULL, rc, &err);
		return;
	}
	if (t.npids == 0) {
		cjd_target_free(&t);
		return; /* nothing to inspect (not started yet, or gone) */
	}
	o.network.history = p->hist;
	rc = cjd_inspect_run(&t, &o, &res, &err);
	if (rc == 0 && (rc = cjd_inspect_to_json(&res, &j)))
		cjd_error_set(&err, rc, NULL, 0, 0, "inspection of %s: out of memory", p->dir);
	if (rc == 0) {
		atomic_fetch_add(&p->count, 1);
		p->fn(p->ctx, t0, j, 0, NULL);
	} else {
		p->fn(p->ctx, t0, NULL, rc, &err);
	}
	json_decref(j);
	cjd_inspect_result_free(&res);
	cjd_target_free(&t);
}

static void *run(void *arg)
{
	struct cjd_inspect_periodic *p = arg;
	uint64_t next = cjd_now_mono_ns() + p->first_ns;

	while (!wait_until(p, next)) {
		uint64_t t0 = cjd_now_mono_ns();

		inspect_once(p, t0);
		next = t0 + p->every_ns;
	}
	return NULL;
}

int cjd_inspect_periodic_start(struct cjd_inspect_periodic **out, const char *dir, uint64_t first_ns,
			       uint64_t every_ns, cjd_inspect_periodic_fn fn, void *ctx,
			       struct cjd_error *err)
{
	struct cjd_inspect_periodic *p;
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (every_ns < MIN_EVERY_NS)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "inspections at least 3 s apart (one takes about 2.5 s)");
	if (!(p = calloc(1, sizeof(*p))) || !(p->hist = cjd_network_history_new())) {
		free(p);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->first_ns = first_ns;
	p->every_ns = every_ns;
	p->fn = fn;
	p->ctx = ctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&p->thread, NULL, run, p))) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		cjd_network_history_free(p->hist);
		free(p);
		return cjd_error_set(err, -rc, NULL, 0, 0, "cannot start the inspection thread: %s",
				     strerror(rc));
	}
	*out = p;
	return 0;
}

uint64_t cjd_inspect_periodic_count(const struct cjd_inspect_periodic *p)
{
	return atomic_load(&((struct cjd_inspect_periodic *)p)->count);
}

void cjd_inspect_periodic_stop(struct cjd_inspect_periodic *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	cjd_network_history_free(p->hist);
	free(p);
}
