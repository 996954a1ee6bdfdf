/* The output queue and worker with a scripted transport: order, retries, back-off, drops counted exactly, rejections, a bounded drain, submit never waiting on delivery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/time.h"
#include "cjd/publish/output.h"

/* A transport that follows a script and records what it delivered. */
struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool hold;             /* deliver() waits while set (a stalled receiver) */
	bool holding;          /* deliver() is waiting now */
	int fail_first;        /* RETRY this many attempts before the first success */
	int reject_seq;        /* REJECTED for the message whose json is this number (-1: none) */
	bool always_fail;
	int attempts;
	int delivered[10000];  /* the json of each SENT message, in order */
	int n_delivered;
	bool stopped;
	bool freed;
};

static enum cjd_output_result fake_deliver(void *ctx, const char *topic, const char *json,
					   size_t len, struct cjd_output_attempt *a)
{
	struct fake *f = ctx;
	enum cjd_output_result r = CJD_OUTPUT_SENT;

	(void)topic, (void)len;
	pthread_mutex_lock(&f->mu);
	f->holding = true;
	pthread_cond_broadcast(&f->cv);
	while (f->hold)
		pthread_cond_wait(&f->cv, &f->mu);
	f->holding = false;
	f->attempts++;
	if (f->always_fail || f->fail_first > 0) {
		f->fail_first--;
		snprintf(a->why, sizeof(a->why), "scripted failure");
		r = CJD_OUTPUT_RETRY;
	} else if (atoi(json) == f->reject_seq) {
		snprintf(a->why, sizeof(a->why), "HTTP 400: scripted");
		r = CJD_OUTPUT_REJECTED;
	} else {
		f->delivered[f->n_delivered++] = atoi(json);
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

static void fake_stop(void *ctx)
{
	((struct fake *)ctx)->stopped = true;
}

static void fake_free(void *ctx)
{
	((struct fake *)ctx)->freed = true;
}

static const struct cjd_output_transport fake_tp = {
	.kind = "fake", .deliver = fake_deliver, .stop = fake_stop, .free = fake_free};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->reject_seq = -1;
	return f;
}

static void fake_release(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->hold = false;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Waits until deliver() is stuck on the stalled receiver. */
static void fake_wait_holding(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	while (!f->holding)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void fake_free_all(struct fake *f)
{
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

static int submit_n(struct cjd_output *o, int from, int n)
{
	int failed = 0;
	for (int i = from; i < from + n; i++) {
		char json[16];
		snprintf(json, sizeof(json), "%d", i);
		if (cjd_output_submit(o, "alert.firing", json, strlen(json)))
			failed++;
	}
	return failed;
}

/* Waits (at most 20 s: a loaded host may not run the worker for a while) until the queue is
 * empty and `done` messages were sent or rejected; *st gets the counters. */
static void wait_done(struct cjd_output *o, uint64_t done, struct cjd_output_stats *st)
{
	for (int i = 0; i < 20000; i++) {
		cjd_output_stats(o, st);
		if (st->queued == 0 && st->sent + st->rejected >= done)
			return;
		usleep(1000);
	}
}

static const struct cjd_output_options fast = {
	.queue = 64, .backoff_min_ns = 1000000, .backoff_max_ns = 4000000, .drain_ns = 5000000000ull};

static void test_in_order_everything(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;

	assert_int_equal(cjd_output_new(&o, "fake test", &fast, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 60), 0);
	cjd_output_free(o);
	assert_int_equal(f->n_delivered, 60);
	for (int i = 0; i < 60; i++)
		assert_int_equal(f->delivered[i], i);
	assert_true(f->stopped);
	assert_true(f->freed);
	fake_free_all(f);
	(void)st;
}


static void test_retries_keep_order(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;

	f->fail_first = 5;
	assert_int_equal(cjd_output_new(&o, "fake retries", &fast, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 20), 0);
	/* wait for the worker to get through, then look at the counters */
	wait_done(o, 20, &st);
	assert_string_equal(st.kind, "fake");
	assert_int_equal(st.sent, 20);
	assert_int_equal(st.retries, 5);
	assert_int_equal(st.submitted, 20);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.queued, 0);
	assert_false(st.failing);
	assert_string_equal(st.last_error, "scripted failure");
	cjd_output_free(o);
	assert_int_equal(f->n_delivered, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(f->delivered[i], i);
	assert_int_equal(f->attempts, 25);
	fake_free_all(f);
}

/*
 * A stalled receiver: the worker is stuck in deliver(). Submit must still
 * return at once (a test that hangs here means submit waits on delivery),
 * the queue fills, and every message beyond it is counted as dropped: sent +
 * dropped = produced, exactly.
 */
static void test_full_queue_drops_counted(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_output_options opts = fast;

	opts.queue = 10;
	f->hold = true;
	assert_int_equal(cjd_output_new(&o, "fake full", &opts, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 1), 0);
	fake_wait_holding(f); /* message 0 is in flight, and counts against the queue */
	int failed = submit_n(o, 1, 99);
	cjd_output_stats(o, &st);
	assert_int_equal(failed, 90);
	assert_int_equal(st.dropped, 90);
	assert_int_equal(st.submitted, 10);
	assert_int_equal(st.queued, 10);
	fake_release(f);
	/* room again: the burst ends */
	wait_done(o, 10, &st);
	assert_int_equal(submit_n(o, 100, 5), 0);
	cjd_output_free(o);
	assert_int_equal(f->n_delivered, 15);
	for (int i = 0; i < 10; i++)
		assert_int_equal(f->delivered[i], i); /* the oldest are kept: tail drop */
	for (int i = 0; i < 5; i++)
		assert_int_equal(f->delivered[10 + i], 100 + i);
	assert_int_equal((uint64_t)f->n_delivered + 90, 105);
	fake_free_all(f);
}

static void test_rejected_not_retried(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;

	f->reject_seq = 3;
	assert_int_equal(cjd_output_new(&o, "fake reject", &fast, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 6), 0);
	wait_done(o, 6, &st);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.retries, 0);
	assert_string_equal(st.last_error, "HTTP 400: scripted");
	cjd_output_free(o);
	assert_int_equal(f->attempts, 6);
	fake_free_all(f);
}

/* Waits (at most 20 s: a loaded host may not run the worker for a while) for n failed attempts. */
static void wait_retries(struct cjd_output *o, uint64_t n)
{
	struct cjd_output_stats st;
	for (int i = 0; i < 20000; i++) {
		cjd_output_stats(o, &st);
		if (st.retries >= n)
			return;
		usleep(1000);
	}
	fail_msg("no %llu failed attempts after 20 s", (unsigned long long)n);
}

/* A receiver that never comes back: free() gives up after the drain time and counts the rest. */
static void test_drain_is_bounded(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_options opts = fast;

	opts.drain_ns = 300000000; /* 300 ms */
	f->always_fail = true;
	assert_int_equal(cjd_output_new(&o, "fake drain", &opts, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 7), 0);
	wait_retries(o, 1);
	uint64_t t0 = cjd_now_mono_ns();
	cjd_output_free(o);
	uint64_t ms = (cjd_now_mono_ns() - t0) / 1000000;
	/* it kept trying for the drain time, and not much longer (a loaded host may add a little) */
	assert_true(ms >= 290);
	assert_true(ms < 3000);
	assert_int_equal(f->n_delivered, 0);
	assert_true(f->attempts >= 1);
	fake_free_all(f);
}

static void test_abandoned_counted(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_options opts = fast;
	struct cjd_output_stats st;

	opts.drain_ns = 50000000;
	f->always_fail = true;
	assert_int_equal(cjd_output_new(&o, "fake abandoned", &opts, &fake_tp, f), 0);
	assert_int_equal(submit_n(o, 0, 4), 0);
	wait_retries(o, 1);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.submitted, 4);
	assert_int_equal(st.abandoned, 4);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.sent, 0);
	assert_true(st.retries >= 1);
	assert_true(st.failing);
	/* after stop, a submit is dropped and counted, never queued */
	assert_int_equal(cjd_output_submit(o, "alert.firing", "9", 1), -ENOBUFS);
	cjd_output_stats(o, &st);
	assert_int_equal(st.dropped, 1);
	cjd_output_free(o);
	assert_int_equal(f->n_delivered, 0);
	fake_free_all(f);
}

static void test_topics_filter(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;
	const char *topics[] = {"alert.firing", "heartbeat"};
	struct cjd_output_options opts = fast;

	assert_int_equal(cjd_output_new(&o, "fake default topics", &fast, &fake_tp, f), 0);
	assert_true(cjd_output_wants(o, "alert.resolved"));
	assert_false(cjd_output_wants(o, "metrics"));
	assert_false(cjd_output_wants(o, "heartbeat"));
	assert_int_equal(cjd_output_submit(o, "metrics", "1", 1), 0);
	cjd_output_stats(o, &st);
	assert_int_equal(st.submitted, 0);
	cjd_output_free(o);

	opts.topics = topics;
	opts.n_topics = 2;
	assert_int_equal(cjd_output_new(&o, "fake topics", &opts, &fake_tp, f), 0);
	assert_true(cjd_output_wants(o, "alert.firing"));
	assert_false(cjd_output_wants(o, "alert.ongoing"));
	assert_true(cjd_output_wants(o, "heartbeat"));
	cjd_output_free(o);
	fake_free_all(f);
}

/* A bridge (cjd sub) waits for room instead of dropping. */
static void test_waiting_for_room_loses_nothing(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_output_options opts = fast;

	opts.queue = 3;
	f->fail_first = 3;
	assert_int_equal(cjd_output_new(&o, "fake block", &opts, &fake_tp, f), 0);
	assert_int_equal(cjd_output_room(o), 3);
	for (int i = 0; i < 200; i++) {
		while (cjd_output_room(o) == 0)
			usleep(100);
		assert_int_equal(submit_n(o, i, 1), 0);
	}
	cjd_output_stats(o, &st);
	assert_int_equal(st.dropped, 0);
	cjd_output_free(o);
	assert_int_equal(f->n_delivered, 200);
	for (int i = 0; i < 200; i++)
		assert_int_equal(f->delivered[i], i);
	fake_free_all(f);
}

static void test_backoff(void **state)
{
	(void)state;
	const uint64_t ms = 1000000;

	/* equal jitter: within [d/2, d] */
	assert_int_equal(cjd_output_backoff_ns(1, 100 * ms, 30000 * ms, 0), 50 * ms);
	assert_int_equal(cjd_output_backoff_ns(1, 100 * ms, 30000 * ms, 50 * ms), 100 * ms);
	assert_int_equal(cjd_output_backoff_ns(2, 100 * ms, 30000 * ms, 100 * ms), 200 * ms);
	assert_int_equal(cjd_output_backoff_ns(3, 100 * ms, 30000 * ms, 0), 200 * ms);
	/* capped, and no overflow however many attempts */
	assert_int_equal(cjd_output_backoff_ns(200, 100 * ms, 30000 * ms, 15000 * ms), 30000 * ms);
	uint64_t seed = 12345;
	for (unsigned a = 1; a < 100; a++) {
		uint64_t d = cjd_output_backoff_ns(a, 500 * ms, 30000 * ms, seed = seed * 6364136223846793005ull + 1);
		uint64_t full = 500 * ms << (a - 1 < 20 ? a - 1 : 20);
		if (full > 30000 * ms || a > 20)
			full = 30000 * ms;
		assert_true(d >= full / 2 && d <= full);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_everything),
		cmocka_unit_test(test_retries_keep_order),
		cmocka_unit_test(test_full_queue_drops_counted),
		cmocka_unit_test(test_rejected_not_retried),
		cmocka_unit_test(test_drain_is_bounded),
		cmocka_unit_test(test_abandoned_counted),
		cmocka_unit_test(test_topics_filter),
		cmocka_unit_test(test_waiting_for_room_loses_nothing),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
