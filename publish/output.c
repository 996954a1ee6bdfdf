/* The bounded queue and worker thread under every push output (HTTP, remote syslog): in order, with back-off, drops counted, a bounded drain. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/output.h"

/* One queued message: "topic\0json\0" in one allocation. */
struct msg {
	struct msg *next;
	size_t topic_len;
	size_t len;
	char data[];
};

struct cjd_output {
	char *name;
	struct cjd_output_options opts;
	char **topics;
	size_t n_topics;
	struct cjd_output_transport tp;
	void *tctx;

	pthread_t thread;
	bool started;
	bool joined;
	/* Guards everything below. The worker holds it only to link or unlink a
	 * message and update counters, never across a delivery or a log line,
	 * so submit never waits on the network. */
	pthread_mutex_t mu;
	pthread_cond_t work; /* a message arrived, or stop */
	struct msg *head, *tail;
	size_t count;
	bool stopping;
	uint64_t drain_deadline; /* CLOCK_MONOTONIC; valid once stopping */
	struct cjd_output_stats st;
	bool dropping;           /* in a burst of drops */
	uint64_t burst_dropped;
	/* worker-only state */
	unsigned attempt;        /* failed attempts in a row on the head message */
	uint64_t fail_since_ns;
	uint64_t last_fail_log_ns;
	uint64_t last_reject_log_ns;
	uint64_t rejects_unlogged;
	uint64_t rnd;
};

#define LOG_EVERY_NS (60ull * CJD_NSEC_PER_SEC)

uint64_t cjd_output_attempt_budget(struct cjd_output_attempt *a, uint64_t timeout_ns)
{
	uint64_t now = cjd_now_mono_ns();

	if (a->deadline_mono_ns <= now) {
		snprintf(a->why, sizeof(a->why), "no time left to send (shutting down)");
		return 0;
	}
	return a->deadline_mono_ns - now < timeout_ns ? a->deadline_mono_ns - now : timeout_ns;
}

enum cjd_output_result cjd_output_render_failed(struct cjd_output_attempt *a, const char *topic,
						const char *what, int rc)
{
	if (rc == -EINVAL) {
		snprintf(a->why, sizeof(a->why), "a %s message is not a JSON object", topic);
		return CJD_OUTPUT_REJECTED;
	}
	snprintf(a->why, sizeof(a->why), "cannot %s: %s", what, strerror(-rc));
	return CJD_OUTPUT_RETRY;
}

uint64_t cjd_output_backoff_ns(unsigned attempt, uint64_t min_ns, uint64_t max_ns, uint64_t rnd)
{
	uint64_t d = min_ns ? min_ns : 1;

	for (unsigned i = 1; i < attempt && d < max_ns; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	if (d > max_ns)
		d = max_ns;
	uint64_t half = d / 2;
	return half + rnd % (d - half + 1);
}

static void abs_mono(struct timespec *ts, uint64_t mono_ns)
{
	ts->tv_sec = (time_t)(mono_ns / CJD_NSEC_PER_SEC);
	ts->tv_nsec = (long)(mono_ns % CJD_NSEC_PER_SEC);
}

/* Waits on cv until woken or until mono_ns (UINT64_MAX: no limit). Called with mu held. */
static void wait_until(struct cjd_output *o, pthread_cond_t *cv, uint64_t mono_ns)
{
	struct timespec ts;

	if (mono_ns == UINT64_MAX) {
		pthread_cond_wait(cv, &o->mu);
		return;
	}
	abs_mono(&ts, mono_ns);
	pthread_cond_timedwait(cv, &o->mu, &ts);
}

/* "1.5s", "200ms": durations for a person (to the ms, or 0.1 s beyond 10 s). */
static const char *dur(uint64_t ns, char *buf, size_t len)
{
	uint64_t unit = ns >= 10 * CJD_NSEC_PER_SEC ? 100000000u : 1000000u;
	return cjd_duration_format(ns / unit * unit, buf, len);
}

/* Logs the outcome of an attempt (called without the lock). */
struct outcome_log {
	enum cjd_log_level level;
	char text[700];
};

/* Updates the counters after an attempt; returns when to try again (RETRY), else 0. Called with mu held. */
static uint64_t account(struct cjd_output *o, enum cjd_output_result res,
			const struct cjd_output_attempt *a, struct outcome_log *lg)
{
	uint64_t now = cjd_now_mono_ns();
	char d1[32], d2[32];

	lg->text[0] = '\0';
	if (res != CJD_OUTPUT_RETRY) {
		struct msg *m = o->head;
		o->head = m->next;
		if (!o->head)
			o->tail = NULL;
		o->count--;
		if (res == CJD_OUTPUT_SENT) {
			o->st.sent++;
			if (o->attempt) {
				lg->level = CJD_LOG_INFO;
				snprintf(lg->text, sizeof(lg->text),
					 "output %s: delivering again, after %u failed attempt%s over %s "
					 "(%zu queued)",
					 o->name, o->attempt, o->attempt == 1 ? "" : "s",
					 dur(now - o->fail_since_ns, d1, sizeof(d1)), o->count);
			}
		} else {
			o->st.rejected++;
			snprintf(o->st.last_error, sizeof(o->st.last_error), "%s", a->why);
			/* one line per rejection, but a receiver refusing everything
			 * must not flood the log: then a count every minute */
			if (!o->last_reject_log_ns || now - o->last_reject_log_ns >= LOG_EVERY_NS) {
				lg->level = CJD_LOG_ERROR;
				snprintf(lg->text, sizeof(lg->text),
					 "output %s: the receiver rejected an alert: %s (not retried: it "
					 "stays in the journal; %llu rejected so far)",
					 o->name, a->why, (unsigned long long)o->st.rejected);
				o->last_reject_log_ns = now;
			}
		}
		o->st.failing = false;
		o->attempt = 0;
		free(m);
		return 0;
	}
	o->st.retries++;
	o->st.failing = true;
	snprintf(o->st.last_error, sizeof(o->st.last_error), "%s", a->why);
	if (o->attempt++ == 0) {
		o->fail_since_ns = now;
		o->last_fail_log_ns = now;
		lg->level = CJD_LOG_WARN;
		snprintf(lg->text, sizeof(lg->text),
			 "output %s: %s; retrying with back-off (%s up to %s between attempts), "
			 "messages wait in the queue meanwhile (%zu of %zu)",
			 o->name, a->why, dur(o->opts.backoff_min_ns, d1, sizeof(d1)),
			 dur(o->opts.backoff_max_ns, d2, sizeof(d2)), o->count, o->opts.queue);
	} else if (now - o->last_fail_log_ns >= LOG_EVERY_NS) {
		o->last_fail_log_ns = now;
		lg->level = CJD_LOG_WARN;
		snprintf(lg->text, sizeof(lg->text),
			 "output %s: still failing after %u attempts over %s: %s (%zu queued, %llu "
			 "dropped so far)",
			 o->name, o->attempt, dur(now - o->fail_since_ns, d1, sizeof(d1)), a->why,
			 o->count, (unsigned long long)o->st.dropped);
	}
	uint64_t delay = cjd_output_backoff_ns(o->attempt, o->opts.backoff_min_ns,
					       o->opts.backoff_max_ns, cjd_xorshift64(&o->rnd));
	if (a->retry_after_ns)
		delay = a->retry_after_ns < o->opts.backoff_max_ns ? a->retry_after_ns
								   : o->opts.backoff_max_ns;
	return now + delay;
}

static bool drain_over(const struct cjd_output *o)
{
	return o->stopping && cjd_now_mono_ns() >= o->drain_deadline;
}

static void *worker(void *arg)
{
	struct cjd_output *o = arg;
	sigset_t all;

	/* signals belong to the main loop (signalfd); a write to a closed socket
	 * becomes EPIPE here instead of killing the agent */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->head && !o->stopping)
			pthread_cond_wait(&o->work, &o->mu);
		if (!o->head || drain_over(o))
			break;
		struct msg *m = o->head;
		struct cjd_output_attempt a = {
			.deadline_mono_ns = o->stopping ? o->drain_deadline : UINT64_MAX};
		pthread_mutex_unlock(&o->mu);

		/* the message stays linked (and counted) while in flight; only
		 * this thread unlinks, so m stays valid */
		enum cjd_output_result res = o->tp.deliver(o->tctx, m->data, m->data + m->topic_len + 1,
							   m->len, &a);
		struct outcome_log lg;

		pthread_mutex_lock(&o->mu);
		uint64_t wake = account(o, res, &a, &lg);
		pthread_mutex_unlock(&o->mu);
		if (lg.text[0])
			cjd_log(lg.level, "%s", lg.text);
		pthread_mutex_lock(&o->mu);
		while (res == CJD_OUTPUT_RETRY && !drain_over(o) && cjd_now_mono_ns() < wake)
			wait_until(o, &o->work,
				   o->stopping && o->drain_deadline < wake ? o->drain_deadline : wake);
	}
	/* stopping: what is left could not be delivered in the drain time */
	uint64_t left = 0;
	while (o->head) {
		struct msg *m = o->head;
		o->head = m->next;
		free(m);
		left++;
	}
	o->tail = NULL;
	o->count = 0;
	o->st.abandoned += left;
	pthread_mutex_unlock(&o->mu);
	if (o->tp.stop)
		o->tp.stop(o->tctx);
	if (left)
		cjd_err("output %s: %llu message%s not delivered at shutdown (the drain time ran out; "
			"last error: %s); alerts among them are in the journal",
			o->name, (unsigned long long)left, left == 1 ? "" : "s",
			o->st.last_error[0] ? o->st.last_error : "none");
	return NULL;
}

int cjd_output_new(struct cjd_output **out, const char *name,
		   const struct cjd_output_options *opts,
		   const struct cjd_output_transport *transport, void *transport_ctx)
{
	struct cjd_output *o;
	pthread_condattr_t ca;
	int rc = -ENOMEM;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o) {
		if (transport->free)
			transport->free(transport_ctx);
		return -ENOMEM;
	}
	o->tp = *transport;
	o->tctx = transport_ctx;
	o->opts = *opts;
	if (!o->opts.queue)
		o->opts.queue = CJD_OUTPUT_DEFAULT_QUEUE;
	if (!o->opts.backoff_min_ns)
		o->opts.backoff_min_ns = CJD_OUTPUT_DEFAULT_BACKOFF_MIN_NS;
	if (!o->opts.backoff_max_ns)
		o->opts.backoff_max_ns = CJD_OUTPUT_DEFAULT_BACKOFF_MAX_NS;
	if (o->opts.backoff_max_ns < o->opts.backoff_min_ns)
		o->opts.backoff_max_ns = o->opts.backoff_min_ns;
	if (!o->opts.drain_ns)
		o->opts.drain_ns = CJD_OUTPUT_DEFAULT_DRAIN_NS;
	o->opts.topics = NULL;
	snprintf(o->st.kind, sizeof(o->st.kind), "%s", transport->kind);
	o->rnd = cjd_now_real_ns() ^ (uint64_t)(uintptr_t)o;
	if (!o->rnd)
		o->rnd = 1;
	if (!(o->name = strdup(name)))
		goto out_free;
	size_t nt = opts->n_topics ? opts->n_topics : 1;
	if (!(o->topics = calloc(nt, sizeof(*o->topics))))
		goto out_free;
	for (size_t i = 0; i < nt; i++) {
		if (!(o->topics[i] = strdup(opts->n_topics ? opts->topics[i] : "alert")))
			goto out_free;
		o->n_topics++;
	}
	pthread_mutex_init(&o->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->work, &ca);
	pthread_condattr_destroy(&ca);
	rc = -pthread_create(&o->thread, NULL, worker, o);
	if (rc)
		goto out_free;
	o->started = true;
	*out = o;
	return 0;
out_free:
	cjd_output_free(o);
	return rc;
}

bool cjd_output_wants(const struct cjd_output *o, const char *topic)
{
	for (size_t i = 0; i < o->n_topics; i++)
		if (strncmp(topic, o->topics[i], strlen(o->topics[i])) == 0)
			return true;
	return false;
}

int cjd_output_submit(struct cjd_output *o, const char *topic, const char *json, size_t len)
{
	size_t tl = strlen(topic);
	uint64_t burst = 0, total = 0;
	bool first_drop = false;

	if (!cjd_output_wants(o, topic))
		return 0;
	struct msg *m = malloc(sizeof(*m) + tl + 1 + len + 1);
	pthread_mutex_lock(&o->mu);
	if (!m || o->count >= o->opts.queue || o->stopping) {
		const char *why = !m ? "out of memory" : o->stopping ? "the output is stopped"
								    : "the queue is full";
		o->st.dropped++;
		first_drop = !o->dropping;
		o->dropping = true;
		o->burst_dropped++;
		pthread_mutex_unlock(&o->mu);
		if (first_drop)
			cjd_warn("output %s: %s: dropping %s and what follows until there is room "
				 "(dropped messages are counted in heartbeats; alerts stay in the "
				 "journal)",
				 o->name, why, topic);
		int rc = m ? -ENOBUFS : -ENOMEM;
		free(m);
		return rc;
	}
	m->next = NULL;
	m->topic_len = tl;
	m->len = len;
	memcpy(m->data, topic, tl + 1);
	memcpy(m->data + tl + 1, json, len);
	m->data[tl + 1 + len] = '\0';
	if (o->tail)
		o->tail->next = m;
	else
		o->head = m;
	o->tail = m;
	o->count++;
	o->st.submitted++;
	if (o->dropping) {
		burst = o->burst_dropped;
		total = o->st.dropped;
		o->dropping = false;
		o->burst_dropped = 0;
	}
	pthread_cond_signal(&o->work);
	pthread_mutex_unlock(&o->mu);
	if (burst)
		cjd_warn("output %s: the queue has room again; %llu message%s dropped in that burst "
			 "(%llu so far)",
			 o->name, (unsigned long long)burst, burst == 1 ? " was" : "s were",
			 (unsigned long long)total);
	return 0;
}

const char *cjd_output_topics_text(const struct cjd_output_options *opts, char *buf, size_t len)
{
	size_t pos = 0;

	if (!opts->n_topics || (opts->n_topics == 1 && !strcmp(opts->topics[0], "alert")))
		return "alerts";
	buf[0] = '\0';
	for (size_t i = 0; i < opts->n_topics && pos < len; i++) {
		if (!opts->topics[i][0])
			return "every message";
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s*", i ? ", " : "", opts->topics[i]);
	}
	return buf;
}

size_t cjd_output_room(const struct cjd_output *o)
{
	struct cjd_output *w = (struct cjd_output *)o; /* the lock is not part of the value */
	size_t room;

	pthread_mutex_lock(&w->mu);
	room = o->stopping || o->count >= o->opts.queue ? 0 : o->opts.queue - o->count;
	pthread_mutex_unlock(&w->mu);
	return room;
}

void cjd_output_stats(const struct cjd_output *o, struct cjd_output_stats *st)
{
	struct cjd_output *w = (struct cjd_output *)o; /* the lock is not part of the value */

	pthread_mutex_lock(&w->mu);
	*st = o->st;
	st->queued = o->count;
	pthread_mutex_unlock(&w->mu);
}

const char *cjd_output_name(const struct cjd_output *o)
{
	return o->name;
}

void cjd_output_stop(struct cjd_output *o)
{
	if (!o->started || o->joined)
		return;
	pthread_mutex_lock(&o->mu);
	o->stopping = true;
	uint64_t now = cjd_now_mono_ns();
	o->drain_deadline = o->opts.drain_ns > UINT64_MAX - now ? UINT64_MAX : now + o->opts.drain_ns;
	pthread_cond_broadcast(&o->work);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->thread, NULL);
	o->joined = true;
}

void cjd_output_free(struct cjd_output *o)
{
	if (!o)
		return;
	if (o->started) {
		cjd_output_stop(o);
		pthread_cond_destroy(&o->work);
		pthread_mutex_destroy(&o->mu);
	}
	if (o->tp.free)
		o->tp.free(o->tctx);
	for (size_t i = 0; i < o->n_topics; i++)
		free(o->topics[i]);
	free(o->topics);
	free(o->name);
	free(o);
}
