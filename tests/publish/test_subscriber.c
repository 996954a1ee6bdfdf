/* publish/subscriber.c: checked live messages, journal catch-up without repeats, refusals, a failing sink (real libzmq over ipc). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zmq.h>

#include "cjd/publish/subscriber.h"
#include "zt.h"

static char *dir;
static void *zctx;

#define ID_A "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01"
#define ID_B "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02"
#define ID_C "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03"

/* An alert body as the publisher would send it (only what the subscriber reads). */
#define ALERT(id, action, seq)                                                                     \
	"{\"event\":{\"id\":\"" id "\",\"action\":\"" action "\"},\"host\":{\"name\":\"h1\"},"  \
	"\"cjd\":{\"seq\":" #seq "}}"

/* What the sink saw, in order. */
struct seen {
	char topic[16][64];
	char body[16][512];
	size_t n;
	size_t fail_at; /* the sink fails (-EIO) on this message (1-based); 0: never */
};

static int sink(const char *topic, const char *json, size_t len, json_t *doc, void *ctx)
{
	struct seen *s = ctx;

	assert_true(json_is_object(doc));
	assert_int_equal(strlen(json), len);
	if (s->fail_at && s->n + 1 == s->fail_at)
		return -EIO;
	assert_true(s->n < 16);
	snprintf(s->topic[s->n], sizeof(s->topic[0]), "%s", topic);
	snprintf(s->body[s->n], sizeof(s->body[0]), "%s", json);
	s->n++;
	return 0;
}

/* A scripted publisher: frames of each message, NULL-terminated; messages end with a NULL list. */
struct script {
	char endpoint[300];
	const char *const *msgs[12];
	bool sent; /* set by the publisher thread (cmocka's asserts belong to the main thread) */
};

/* Binds an XPUB, waits for the subscriber's subscription (so nothing is lost to the slow joiner), sends the script. */
static void *publisher(void *arg)
{
	struct script *sc = arg;
	void *pub = zmq_socket(zctx, ZMQ_XPUB);
	int tmo = 10000, linger = 5000;
	char sub[64];

	if (!pub)
		return NULL;
	zmq_setsockopt(pub, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(pub, sc->endpoint) == 0 && zmq_recv(pub, sub, sizeof(sub), 0) > 0) {
		sc->sent = true;
		for (size_t m = 0; sc->msgs[m]; m++)
			for (size_t f = 0; sc->msgs[m][f]; f++)
				if (zmq_send(pub, sc->msgs[m][f], strlen(sc->msgs[m][f]),
					     sc->msgs[m][f + 1] ? ZMQ_SNDMORE : 0) < 0)
					sc->sent = false;
	}
	zmq_close(pub);
	return NULL;
}

static const char *journal(const char *name, const char *const *lines, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; lines[i]; i++)
		fprintf(f, "%s\n", lines[i]);
	fclose(f);
	return path;
}

/* Runs a subscriber on cfg (its endpoint: sc's, at ipc://DIR/sock) against the scripted
 * publisher sc until it stops; returns its counters. */
static struct cjd_subscriber_stats run_scripted(struct script *sc, const char *sock,
						struct cjd_subscriber_config *cfg)
{
	const char *ep[1] = {sc->endpoint};
	struct cjd_subscriber *s;
	struct cjd_subscriber_stats st;
	struct cjd_error err;
	pthread_t t;

	snprintf(sc->endpoint, sizeof(sc->endpoint), "ipc://%s/%s", dir, sock);
	cfg->endpoints = ep;
	cfg->n_endpoints = 1;
	assert_int_equal(pthread_create(&t, NULL, publisher, sc), 0);
	assert_int_equal(cjd_subscriber_new(&s, cfg, &err), 0);
	assert_int_equal(cjd_subscriber_run(s, &err), 0);
	cjd_subscriber_stats(s, &st);
	pthread_join(t, NULL);
	assert_true(sc->sent);
	cjd_subscriber_free(s);
	return st;
}

/* Live: malformed messages counted and skipped, extra frames dropped, seq gaps counted, count stops. */
static void test_live_checks_messages(void **state)
{
	(void)state;
	static const char *const m1[] = {"alert.firing", NULL}; /* no body */
	static const char *const m2[] = {"alert.firing", "not json", NULL};
	static const char *const m3[] = {"alert.firing", "{\"a\":1,\"a\":2}", NULL};
	static const char *const m4[] = {"alert.firing", "[1]", NULL};
	static const char *const m5[] = {"metrics", "{\"m\":1}", NULL}; /* not subscribed */
	static const char *const m6[] = {"alert.firing", ALERT(ID_A, "firing", 1), NULL};
	static const char *const m7[] = {"alert.firing", ALERT(ID_B, "firing", 3), "extra", NULL};
	static const char *const m8[] = {"alert.resolved", ALERT(ID_C, "resolved", 4), NULL};
	struct script sc = {.msgs = {m1, m2, m3, m4, m5, m6, m7, m8}};
	struct seen seen = {0};
	struct cjd_subscriber_config cfg = {.count = 3, .sink = sink, .sink_ctx = &seen,
					    .quiet = true};
	struct cjd_subscriber_stats st = run_scripted(&sc, "live.sock", &cfg);

	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.journaled, 0);
	assert_int_equal(st.malformed, 4);
	assert_int_equal(st.missed, 1); /* seq 2 never came */
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.topic[0], "alert.firing");
	assert_string_equal(seen.body[0], ALERT(ID_A, "firing", 1));
	assert_string_equal(seen.body[1], ALERT(ID_B, "firing", 3));
	assert_string_equal(seen.topic[2], "alert.resolved");
}

/* --since all with an endpoint: the journal first, then live, an alert seen in both delivered once. */
static void test_journal_then_live_once(void **state)
{
	(void)state;
	static const char *const lines[] = {ALERT(ID_A, "firing", 1), ALERT(ID_B, "resolved", 2),
					    NULL};
	static const char *const m1[] = {"alert.resolved", ALERT(ID_B, "resolved", 2), NULL};
	static const char *const m2[] = {"alert.firing", ALERT(ID_C, "firing", 3), NULL};
	struct script sc = {.msgs = {m1, m2}};
	struct cjd_since all = {.kind = CJD_SINCE_ALL};
	struct seen seen = {0};
	char path[400];
	struct cjd_subscriber_config cfg = {.count = 3, .since = &all,
					    .journal = journal("j1.jsonl", lines, path, sizeof(path)),
					    .sink = sink, .sink_ctx = &seen, .quiet = true};
	struct cjd_subscriber_stats st = run_scripted(&sc, "catchup.sock", &cfg);

	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.journaled, 2);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.topic[0], "alert.firing");
	assert_string_equal(seen.topic[1], "alert.resolved");
	assert_string_equal(seen.body[2], ALERT(ID_C, "firing", 3));
}

/* The journal alone: its alerts' topics are filtered as live ones are, and run ends after it. */
static void test_journal_only_topics(void **state)
{
	(void)state;
	static const char *const lines[] = {ALERT(ID_A, "firing", 1), ALERT(ID_B, "resolved", 2),
					    ALERT(ID_C, "firing", 3), NULL};
	static const char *const topics[] = {"alert.resolved"};
	struct cjd_since all = {.kind = CJD_SINCE_ALL};
	struct seen seen = {0};
	char path[400];
	struct cjd_subscriber_config cfg = {.topics = topics, .n_topics = 1, .since = &all,
					    .journal = journal("j2.jsonl", lines, path, sizeof(path)),
					    .sink = sink, .sink_ctx = &seen, .quiet = true};
	struct cjd_subscriber *s;
	struct cjd_error err;

	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), 0);
	assert_int_equal(cjd_subscriber_run(s, &err), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.body[0], ALERT(ID_B, "resolved", 2));
	cjd_subscriber_free(s);
}

/* A sink that fails stops the subscriber with its error; the failed message is not counted. */
static void test_sink_failure_stops(void **state)
{
	(void)state;
	static const char *const lines[] = {ALERT(ID_A, "firing", 1), ALERT(ID_B, "firing", 2),
					    ALERT(ID_C, "firing", 3), NULL};
	struct cjd_since all = {.kind = CJD_SINCE_ALL};
	struct seen seen = {.fail_at = 2};
	char path[400];
	struct cjd_subscriber_config cfg = {.since = &all,
					    .journal = journal("j3.jsonl", lines, path, sizeof(path)),
					    .sink = sink, .sink_ctx = &seen, .quiet = true};
	struct cjd_subscriber *s;
	struct cjd_subscriber_stats st;
	struct cjd_error err;

	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), 0);
	assert_int_equal(cjd_subscriber_run(s, &err), -EIO);
	assert_non_null(strstr(err.text, "cannot hand on a message (topic alert.firing)"));
	cjd_subscriber_stats(s, &st);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(seen.n, 1);
	cjd_subscriber_free(s);
}

/* What new() refuses as the configuration's fault (-EINVAL), and a journal that is not there. */
static void test_refusals(void **state)
{
	(void)state;
	const char *bad_ep[] = {"nonsense://x"};
	const char *ep[] = {"ipc:///nonexistent/cjd-test.sock"};
	struct cjd_since all = {.kind = CJD_SINCE_ALL};
	struct cjd_subscriber_config cfg = {.endpoints = bad_ep, .n_endpoints = 1, .quiet = true};
	struct cjd_subscriber *s = (struct cjd_subscriber *)&cfg; /* must come back NULL */
	struct cjd_error err;
	char key[400];

	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err.text, "cannot connect to 'nonsense://x'"));
	cfg.n_endpoints = 0;
	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.text, "nothing to subscribe to"));
	cfg.endpoints = ep;
	cfg.n_endpoints = 1;
	cfg.curve_secret = "/nonexistent/sub.key";
	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.text, "go together"));
	/* a malformed key: the file and the line named */
	snprintf(key, sizeof(key), "%s/bad.pub", dir);
	FILE *f = fopen(key, "w");
	assert_non_null(f);
	fputs("# first\npublic-key = short\n", f);
	fclose(f);
	cfg.curve_server_key = key;
	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), -EINVAL);
	assert_string_equal(err.file, key);
	assert_int_equal(err.line, 2);
	/* the journal is read by run, a runtime failure naming it */
	cfg = (struct cjd_subscriber_config){.since = &all, .journal = "/nonexistent/j.jsonl",
					     .quiet = true};
	assert_int_equal(cjd_subscriber_new(&s, &cfg, &err), 0);
	assert_int_equal(cjd_subscriber_run(s, &err), -ENOENT);
	assert_non_null(strstr(err.file, "/nonexistent/j.jsonl"));
	cjd_subscriber_free(s);
	cjd_subscriber_free(NULL);
}

static int setup(void **state)
{
	(void)state;
	return zt_setup("subscriber", false, &dir, &zctx);
}

static int teardown(void **state)
{
	(void)state;
	return zt_teardown(&dir, &zctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_checks_messages),
		cmocka_unit_test(test_journal_then_live_once),
		cmocka_unit_test(test_journal_only_topics),
		cmocka_unit_test(test_sink_failure_stops),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
