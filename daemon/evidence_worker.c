/* The inspection worker thread: a queue of cgroups in, inspections out, paced to a CPU budget. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/daemon/evidence_worker.h"
#include "cjd/evidence/inspect.h"

/* A connection-age history kept for a cgroup this long after its last inspection. */
#define HISTORY_KEEP_NS (15ull * 60 * 1000000000ull)

struct job {
	struct job *next;
	char *cgroup;
	enum cjd_evjob_kind kind;
};

struct done {
	struct done *next;
	struct cjd_evresult r;
	char *cgroup;
	char error[700];
};

/* Only the worker thread touches these. */
struct history {
	struct history *next;
	char *cgroup;
	struct cjd_network_history *h;
	uint64_t used_mono_ns;
};

struct cjd_evworker {
	struct cjd_evworker_config cfg;
	char *root;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct job *head, *tail; /* queued */
	size_t nqueued;
	char *running;           /* the cgroup being inspected, or NULL */
	struct done *dhead, *dtail;
	struct cjd_evworker_stats st;
	uint64_t start_mono_ns;
	struct history *hist;    /* the worker thread's */
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void job_free(struct job *j)
{
	if (j) {
		free(j->cgroup);
		free(j);
	}
}

static void done_free(struct done *d)
{
	if (d) {
		json_decref(d->r.inspection);
		free(d->cgroup);
		free(d);
	}
}

/* The cgroup's network history, created on first use; old ones are dropped. */
static struct cjd_network_history *history_of(struct cjd_evworker *w, const char *cgroup,
					      uint64_t now)
{
	struct history **pp = &w->hist, *found = NULL;

	while (*pp) {
		struct history *h = *pp;
		if (!strcmp(h->cgroup, cgroup)) {
			found = h;
		} else if (now - h->used_mono_ns > HISTORY_KEEP_NS) {
			*pp = h->next;
			cjd_network_history_free(h->h);
			free(h->cgroup);
			free(h);
			continue;
		}
		pp = &h->next;
	}
	if (!found) {
		found = calloc(1, sizeof(*found));
		if (!found)
			return NULL;
		if (!(found->cgroup = strdup(cgroup)) || !(found->h = cjd_network_history_new())) {
			free(found->cgroup);
			free(found);
			return NULL;
		}
		found->next = w->hist;
		w->hist = found;
	}
	found->used_mono_ns = now;
	return found->h;
}

/* Adds one probe's inspection JSON (one) to the whole one's (*root): the probe's member,
 * the summary sentences, the times. Takes one. Returns 0 or -ENOMEM. */
static int merge(json_t **root, json_t *one)
{
	const char *k;
	json_t *v;

	if (!*root) {
		*root = one;
		return 0;
	}
	json_object_foreach(one, k, v) {
		json_t *have = json_object_get(*root, k);
		if (!strcmp(k, "target"))
			continue;
		if (!strcmp(k, "summary") && json_is_array(have)) {
			json_array_extend(have, v);
		} else if ((!strcmp(k, "elapsed_ns") || !strcmp(k, "cpu_ns")) &&
			   json_is_integer(have)) {
			json_object_set_new(*root, k, json_integer(json_integer_value(have) +
								   json_integer_value(v)));
		} else if (json_object_set(*root, k, v)) {
			json_decref(one);
			return -ENOMEM;
		}
	}
	json_decref(one);
	return 0;
}

/* The fpstate figures of one probe run, into the result and the stats. */
static void account_fpstate(struct cjd_evworker *w, const struct cjd_fpstate_result *f,
			    struct done *d)
{
	uint64_t sum = 0, held_max = 0;

	/* pause figures are summed per look: the mean needs the sum, not the median */
	for (size_t i = 0; i < f->nthreads; i++)
		for (unsigned k = 0; k < f->threads[i].npause; k++) {
			sum += f->threads[i].pause_ns[k];
			if (f->threads[i].held_ns[k] > held_max)
				held_max = f->threads[i].held_ns[k];
		}
	d->r.looks += f->npauses;
	if (f->pause_max_ns > d->r.pause_max_ns)
		d->r.pause_max_ns = f->pause_max_ns;
	/* the tracer threads fpstate starts are CPU the worker spent too */
	d->r.cpu_ns += f->cpu_ns;
	pthread_mutex_lock(&w->mu);
	w->st.looks += f->npauses;
	w->st.pause_total_ns += sum;
	if (f->pause_max_ns > w->st.pause_max_ns)
		w->st.pause_max_ns = f->pause_max_ns;
	if (held_max > w->st.held_max_ns)
		w->st.held_max_ns = held_max;
	pthread_mutex_unlock(&w->mu);
}

static bool stopping(struct cjd_evworker *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED);
}

/*
 * One inspection, on the worker thread: the probes one at a time (each
 * cjd_inspect_run on one probe), so that a stop request waits for one probe
 * at most, never for the whole inspection; their JSON merged into one.
 */
static void inspect(struct cjd_evworker *w, const struct job *j, struct done *d)
{
	struct cjd_inspect_opts o;
	struct cjd_target t;
	struct cjd_error err;
	char dir[4096];
	uint64_t t0 = cjd_now_mono_ns(), c0 = thread_cpu_ns();
	unsigned mask = w->cfg.probes[j->kind] ? w->cfg.probes[j->kind] : ~0u;
	bool ran = false;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.fpstate.max_pause_ns = w->cfg.max_pause_ns;
	o.network.history = history_of(w, j->cgroup, t0);
	cjd_error_clear(&err);
	if (!(rc = cjd_target_resolve(j->cgroup, w->root, dir, sizeof(dir), &err)) &&
	    !(rc = cjd_target_from_cgroup(&t, dir, true, &err)) && !t.npids)
		rc = cjd_error_set(&err, -ENOENT, NULL, 0, 0, "the cgroup has no processes");
	for (int p = 0; !rc && p < CJD_PROBE__COUNT; p++) {
		struct cjd_inspect_result res;
		struct cjd_error perr;
		json_t *one = NULL;

		if (!(mask & (1u << p)))
			continue;
		if (stopping(w)) {
			rc = cjd_error_set(&err, -ECANCELED, NULL, 0, 0, "cjd is stopping");
			break;
		}
		memset(&res, 0, sizeof(res));
		o.probes = 1u << p;
		int prc = cjd_inspect_run(&t, &o, &res, &perr);
		/* no probe could run (-ENODATA): the status still says why */
		if (!prc || prc == -ENODATA) {
			ran |= !prc;
			if (cjd_inspect_to_json(&res, &one) || merge(&d->r.inspection, one))
				rc = cjd_error_set(&err, -ENOMEM, NULL, 0, 0, "out of memory");
		} else {
			rc = prc;
			err = perr;
		}
		if (p == CJD_PROBE_fpstate)
			account_fpstate(w, &res.fpstate, d);
		cjd_inspect_result_free(&res);
	}
	if (!rc && !ran)
		rc = -ENODATA;
	if (rc && rc != -ENODATA) {
		json_decref(d->r.inspection);
		d->r.inspection = NULL;
	}
	d->r.rc = rc;
	snprintf(d->error, sizeof(d->error), "%s",
		 rc == -ENODATA ? "no probe could run here (see the probes' statuses)"
				: rc ? err.text : "");
	d->r.elapsed_ns = cjd_now_mono_ns() - t0;
	d->r.cpu_ns += thread_cpu_ns() - c0;
	d->r.done_mono_ns = cjd_now_mono_ns();
	cjd_target_free(&t);
}

/* Waits, with the lock held, until `until` (monotonic) or stop. */
static void wait_until(struct cjd_evworker *w, uint64_t until)
{
	struct timespec ts;

	while (!w->stop) {
		uint64_t now = cjd_now_mono_ns();
		if (now >= until)
			return;
		/* the condvar runs on CLOCK_MONOTONIC (see cjd_evworker_new) */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t left = until - now;
		ts.tv_sec += (time_t)(left / 1000000000ull);
		ts.tv_nsec += (long)(left % 1000000000ull);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
}

static void *worker_main(void *arg)
{
	struct cjd_evworker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !w->head)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		struct job *j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->nqueued--;
		w->running = j->cgroup;
		pthread_mutex_unlock(&w->mu);

		struct done *d = calloc(1, sizeof(*d));
		uint64_t t0 = cjd_now_mono_ns();
		if (d) {
			inspect(w, j, d);
			d->cgroup = j->cgroup;
			j->cgroup = NULL;
			d->r.cgroup = d->cgroup;
			d->r.kind = j->kind;
			d->r.error = d->error;
		}
		pthread_mutex_lock(&w->mu);
		w->running = NULL;
		if (d) {
			w->st.inspections++;
			w->st.suspect += d->r.kind == CJD_EVJOB_SUSPECT;
			w->st.sweep += d->r.kind == CJD_EVJOB_SWEEP;
			w->st.failed += d->r.rc != 0;
			w->st.cpu_ns += d->r.cpu_ns;
			if (w->dtail)
				w->dtail->next = d;
			else
				w->dhead = d;
			w->dtail = d;
			/* the budget: this inspection's CPU time, spread at cpu_budget */
			uint64_t until = t0 + (uint64_t)((double)d->r.cpu_ns / w->cfg.cpu_budget);
			uint64_t now = cjd_now_mono_ns();
			if (until > now) {
				wait_until(w, until);
				w->st.wait_ns += cjd_now_mono_ns() - now;
			}
		}
		job_free(j);
	}
	pthread_mutex_unlock(&w->mu);
	while (w->hist) {
		struct history *h = w->hist;
		w->hist = h->next;
		cjd_network_history_free(h->h);
		free(h->cgroup);
		free(h);
	}
	return NULL;
}

int cjd_evworker_new(struct cjd_evworker **out, const struct cjd_evworker_config *cfg,
		     struct cjd_error *err)
{
	struct cjd_evworker *w;
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (!(cfg->cpu_budget > 0 && cfg->cpu_budget <= 1))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "evidence.cpu_budget must be in (0, 1], not %g", cfg->cpu_budget);
	if (!(w = calloc(1, sizeof(*w))))
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	w->cfg = *cfg;
	if (!w->cfg.max_queue)
		w->cfg.max_queue = 64;
	if (!(w->root = strdup(cfg->cgroup_root ? cfg->cgroup_root : ""))) {
		free(w);
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	}
	w->cfg.cgroup_root = w->root;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->start_mono_ns = cjd_now_mono_ns();
	/* Every signal blocked: SIGTERM and friends are the loop's (signalfd), and the
	 * fpstate probe waits for SIGCHLD itself with sigtimedwait. */
	pthread_attr_t attr;
	sigset_t all;
	sigfillset(&all);
	pthread_attr_init(&attr);
	pthread_attr_setsigmask_np(&attr, &all);
	rc = pthread_create(&w->thread, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (rc) {
		cjd_evworker_free(w);
		return cjd_error_set(err, -rc, NULL, 0, 0, "inspection worker: %s", strerror(rc));
	}
	w->started = true;
	*out = w;
	return 0;
}

void cjd_evworker_free(struct cjd_evworker *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	while (w->head) {
		struct job *j = w->head;
		w->head = j->next;
		job_free(j);
	}
	while (w->dhead) {
		struct done *d = w->dhead;
		w->dhead = d->next;
		done_free(d);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->root);
	free(w);
}

int cjd_evworker_submit(struct cjd_evworker *w, const char *cgroup, enum cjd_evjob_kind kind)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	for (struct job *j = w->head; j; j = j->next)
		if (!strcmp(j->cgroup, cgroup)) {
			if (kind == CJD_EVJOB_SUSPECT)
				j->kind = kind; /* the full inspection covers the cheap one */
			rc = -EEXIST;
			goto out_unlock;
		}
	if (w->running && !strcmp(w->running, cgroup)) {
		rc = -EEXIST;
		goto out_unlock;
	}
	if (w->nqueued >= w->cfg.max_queue) {
		w->st.refused++;
		rc = -ENOSPC;
		goto out_unlock;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j || !(j->cgroup = strdup(cgroup))) {
		free(j);
		rc = -ENOMEM;
		goto out_unlock;
	}
	j->kind = kind;
	/* suspects go before sweep jobs: they are what screening flagged */
	if (kind == CJD_EVJOB_SUSPECT) {
		struct job **pp = &w->head;
		while (*pp && (*pp)->kind == CJD_EVJOB_SUSPECT)
			pp = &(*pp)->next;
		j->next = *pp;
		*pp = j;
		if (!j->next)
			w->tail = j;
	} else {
		if (w->tail)
			w->tail->next = j;
		else
			w->head = j;
		w->tail = j;
	}
	w->nqueued++;
	pthread_cond_signal(&w->cv);
out_unlock:
	pthread_mutex_unlock(&w->mu);
	return rc;
}

bool cjd_evworker_pending(struct cjd_evworker *w, const char *cgroup)
{
	bool yes = false;

	pthread_mutex_lock(&w->mu);
	yes = w->running && !strcmp(w->running, cgroup);
	for (struct job *j = w->head; j && !yes; j = j->next)
		yes = !strcmp(j->cgroup, cgroup);
	pthread_mutex_unlock(&w->mu);
	return yes;
}

size_t cjd_evworker_poll(struct cjd_evworker *w, cjd_evresult_cb cb, void *ctx)
{
	struct done *list;
	size_t n = 0;

	pthread_mutex_lock(&w->mu);
	list = w->dhead;
	w->dhead = w->dtail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		struct done *d = list;
		list = d->next;
		cb(&d->r, ctx);
		done_free(d);
		n++;
	}
	return n;
}

void cjd_evworker_stats(struct cjd_evworker *w, struct cjd_evworker_stats *st)
{
	uint64_t life = cjd_now_mono_ns() - w->start_mono_ns;

	pthread_mutex_lock(&w->mu);
	*st = w->st;
	st->queued = w->nqueued;
	pthread_mutex_unlock(&w->mu);
	st->cpu_share = life ? (double)st->cpu_ns / (double)life : 0;
}
