/* The HTTP output against a local receiver (http_receiver.py) that refuses, fails, stalls and recovers: at least once, in order, drops counted exactly, the journal complete; Falcosidekick and Splunk HEC bodies as those receivers require; TLS verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/identity.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_status_json.h"
#include "cjd/publish/output_http.h"
#include "cjd/publish/publish_zmq.h"
#include "zt.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CG "/kubepods/burstable/pod3f1c2a9e-4b5d-4c6e-8f70-123456789abc/" ID64

static char *dir;

/* ---- the receiver ---- */

struct rx {
	struct zt_child c;
	char portfile[600], log[600];
	char release[620]; /* a refuse step lasts until this file exists (http_receiver.py) */
	char url[128];
};

static void rx_start(struct rx *r, const char *tag, const char *script, const char *expect,
		     const char *token, bool tls, bool wait_ready)
{
	char ready[700], cert[600], key[600];

	snprintf(r->portfile, sizeof(r->portfile), "%s/%s.port", dir, tag);
	snprintf(r->log, sizeof(r->log), "%s/%s.log", dir, tag);
	snprintf(cert, sizeof(cert), "%s/ca/server.pem", dir);
	snprintf(key, sizeof(key), "%s/ca/server.key", dir);
	snprintf(ready, sizeof(ready), "%s.ready", r->portfile);
	snprintf(r->release, sizeof(r->release), "%s.release", r->portfile);
	unlink(ready);
	unlink(r->release);
	char *args[18] = {"--port-file", r->portfile, "--log", r->log, "--script", (char *)script,
			  "--expect", (char *)expect, "--release-file", r->release};
	int n = 10;
	if (token) {
		args[n++] = "--token";
		args[n++] = (char *)token;
	}
	if (tls) {
		args[n++] = "--tls";
		args[n++] = cert;
		args[n++] = key;
	}
	args[n] = NULL;
	int port = zt_spawn_python(&r->c, "tests/publish/http_receiver.py", args, r->portfile);
	assert_true(port > 0);
	snprintf(r->url, sizeof(r->url), "%s://%s:%d/ingest", tls ? "https" : "http",
		 tls ? "localhost" : "127.0.0.1", port);
	for (int i = 0; wait_ready && i < 3000 && access(ready, R_OK) != 0; i++)
		usleep(10000);
}

/* Every request the receiver read, in order, as JSON objects. */
static json_t *rx_entries(struct rx *r)
{
	return zt_json_lines(r->log);
}

static void rx_stop(struct rx *r)
{
	zt_kill_wait(&r->c, SIGTERM);
	zt_child_close(&r->c);
}

static const char *entry_id(json_t *e)
{
	json_t *b = json_object_get(e, "body");
	json_t *id = json_object_get(json_object_get(b, "event"), "id"); /* ECS */
	if (!id)
		id = json_object_get(json_object_get(json_object_get(b, "event"), "event"), "id");
	if (!id)
		id = json_object_get(b, "uuid"); /* falcosidekick */
	return json_string_value(id);
}

/* ---- alerts ---- */

static struct cjd_event_idgen gen;

static char *alert_line(enum cjd_alert_action act, const struct cjd_identity *idn, char *id)
{
	struct cjd_alert a;
	char *json;
	size_t len;

	zt_alert(&a, act, CG);
	a.time_real_ns = cjd_now_real_ns();
	cjd_event_id_next(&gen, a.time_real_ns, a.id);
	strcpy(id, a.id);
	struct cjd_alert_context ctx = {.host_name = "node-17", .identity = idn, .seq = 1};
	assert_int_equal(cjd_alert_json(&a, &ctx, &json, &len), 0);
	return json;
}

static void wait_idle(struct cjd_output *o, int timeout_ms)
{
	struct cjd_output_stats st;
	uint64_t end = zt_now_ms() + (uint64_t)timeout_ms;

	do {
		cjd_output_stats(o, &st);
		if (st.queued == 0)
			return;
		usleep(20000);
	} while (zt_now_ms() < end);
}

static struct cjd_output_http_config base_config(const char *url)
{
	return (struct cjd_output_http_config){
		.url = url,
		.format = CJD_HTTP_ECS,
		.timeout_ns = 700 * 1000000ull,
		.queue = {.queue = 1000,
			  .backoff_min_ns = 50 * 1000000ull,
			  .backoff_max_ns = 400 * 1000000ull,
			  .drain_ns = 30 * CJD_NSEC_PER_SEC},
	};
}

/*
 * Connection refused for 1.5 s (and until the output has met a refusal), then
 * four HTTP 500s, then a request read and
 * never answered (the client times out), then 200s: every alert arrives, at
 * least once, in order; the one whose answer was lost arrives twice (the
 * documented duplicate), and the event id header lets the receiver see it.
 */
static void test_failing_receiver(void **state)
{
	(void)state;
	enum { N = 30 };
	struct rx r;
	char ids[N][40];
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;

	rx_start(&r, "failing", "refuse:1.5,500:4,stall:1", "ecs", NULL, false, false);
	struct cjd_output_http_config hc = base_config(r.url);
	uint64_t t0 = zt_now_ms();
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	for (int i = 0; i < N; i++) {
		char *json = alert_line(CJD_ALERT_FIRING, NULL, ids[i]);
		assert_int_equal(cjd_output_submit(o, "alert.firing", json, strlen(json)), 0);
		free(json);
		if (i == N / 2)
			usleep(300000); /* some arrive while the receiver is down, some later */
	}
	/* the receiver listens once the output met a refused connection (within
	 * its 1.5 s, unless the client is slowed down, under valgrind say) */
	uint64_t end = zt_now_ms() + 60000;
	do {
		cjd_output_stats(o, &st);
	} while (st.retries == 0 && zt_now_ms() < end && usleep(10000) == 0);
	assert_true(st.retries >= 1);
	assert_non_null(strstr(st.last_error, "onnect")); /* nothing listened: a connect failure */
	FILE *rel = fopen(r.release, "w");
	assert_non_null(rel);
	fclose(rel);
	wait_idle(o, 60000);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	uint64_t ms = zt_now_ms() - t0;
	assert_int_equal(st.sent, N);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.abandoned, 0);
	assert_int_equal(st.queued, 0);

	json_t *all = rx_entries(&r);
	size_t i;
	json_t *e;
	int ok = 0, fails500 = 0, stalls = 0, dups = 0, next = 0;
	const char *stalled_id = NULL;
	json_array_foreach (all, i, e) {
		const char *id = entry_id(e);
		json_t *status = json_object_get(e, "status");
		assert_non_null(id);
		/* the de-duplication header is the body's event.id */
		assert_string_equal(json_string_value(json_object_get(e, "event_id_header")), id);
		assert_string_equal(json_string_value(json_object_get(e, "content_type")),
				    "application/json");
		if (json_is_null(status)) {
			stalls++;
			stalled_id = id;
			continue;
		}
		if (json_integer_value(status) == 500) {
			fails500++;
			continue;
		}
		assert_int_equal(json_integer_value(status), 200);
		ok++;
		/* in order: each accepted id is the next expected one, or (a
		 * duplicate) the one just before it */
		if (next > 0 && !strcmp(id, ids[next - 1])) {
			dups++;
			continue;
		}
		assert_true(next < N);
		assert_string_equal(id, ids[next]);
		next++;
	}
	assert_int_equal(next, N);
	assert_int_equal(fails500, 4);
	assert_int_equal(stalls, 1);
	assert_non_null(stalled_id);
	/* the stalled request was read by the receiver and sent again: seen twice */
	int seen_stalled = 0;
	json_array_foreach (all, i, e)
		seen_stalled += !strcmp(entry_id(e), stalled_id);
	assert_true(seen_stalled >= 2);
	/* retries: every 500, the stall, and at least one refused connection */
	assert_true(st.retries >= 4 + 1 + 1);
	uint64_t refused = st.retries - 4 - 1;
	printf("failing receiver: %d alerts, %llu sent in order in %llu ms; %llu failed attempts "
	       "(%llu connection refused, %d HTTP 500, %d stalled to the 700 ms timeout); the "
	       "receiver read %zu requests and accepted %d (%d accepted twice); the stalled "
	       "alert was read %d times (the documented at-least-once duplicate); "
	       "dropped %llu, rejected %llu\n",
	       N, (unsigned long long)st.sent, (unsigned long long)ms,
	       (unsigned long long)st.retries, (unsigned long long)refused, fails500, stalls,
	       json_array_size(all), ok, dups, seen_stalled, (unsigned long long)st.dropped,
	       (unsigned long long)st.rejected);
	json_decref(all);
	cjd_output_free(o);
	rx_stop(&r);
}

/*
 * The agent's path with a queue too small for a stalled receiver: the
 * publisher journals every alert, the output drops what does not fit and
 * counts it exactly (sent + dropped = produced), and the heartbeat shows it.
 */
static void test_small_queue_journal_complete(void **state)
{
	(void)state;
	enum { N = 40 };
	struct rx r;
	struct cjd_output *o;
	struct cjd_publisher *p;
	struct cjd_output_stats st;
	struct cjd_error err;
	char journal[700], msg[4096];

	rx_start(&r, "smallq", "stall:1", "ecs", NULL, false, true);
	struct cjd_output_http_config hc = base_config(r.url);
	hc.queue.queue = 4;
	hc.timeout_ns = 1500 * 1000000ull;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	snprintf(journal, sizeof(journal), "%s/smallq.jsonl", dir);
	struct cjd_output *outs[] = {o};
	struct cjd_publisher_config pc = {.journal_path = journal,
					  .host_name = "node-17",
					  .host_id = "",
					  .outputs = outs,
					  .n_outputs = 1};
	assert_int_equal(cjd_publisher_new(&p, &pc, &err), 0);
	for (int i = 0; i < N; i++) {
		struct cjd_alert a;
		zt_alert(&a, i % 2 ? CJD_ALERT_ONGOING : CJD_ALERT_FIRING, CG);
		a.time_real_ns = cjd_now_real_ns();
		assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	}
	/* a metrics message is not an alert: the output skips it (its topics) */
	struct cjd_metrics m = {.cgroup = CG, .mode = CJD_MODE_SOFTWARE, .interval_ns = 1};
	cjd_publisher_metrics(p, &m);
	uint64_t end = zt_now_ms() + 30000;
	do {
		usleep(20000);
		cjd_publisher_outputs(p, &st, 1);
	} while (st.queued && zt_now_ms() < end);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.abandoned, 0);
	assert_true(st.dropped > 0);
	assert_int_equal(st.sent + st.dropped, N);
	assert_int_equal(st.submitted, st.sent);

	/* the heartbeat carries the counters, and stays valid against its schema */
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE, .model_name = "m",
				   .model_version = "1"};
	struct cjd_heartbeat_publish pub = {.outputs = &st, .n_outputs = 1};
	struct cjd_json_host host = {.name = "node-17"};
	char *hj;
	size_t hl;
	assert_int_equal(cjd_heartbeat_json(&hb, &pub, &host, 1, &hj, &hl), 0);
	json_t *hd = json_loads(hj, 0, NULL);
	json_t *ho = json_object_get(json_object_get(json_object_get(hd, "cjd"), "outputs"), "http");
	assert_int_equal(json_integer_value(json_object_get(ho, "dropped")), st.dropped);
	assert_int_equal(json_integer_value(json_object_get(ho, "sent")), st.sent);
	assert_int_equal(zt_validate("docs/schema/heartbeat-v1.json", hj, msg, sizeof(msg)), 0);
	json_decref(hd);
	free(hj);
	cjd_publisher_free(p);

	/* the journal holds every alert; the receiver got the sent ones, in journal order */
	assert_int_equal(zt_count_lines(journal), N);
	json_t *all = rx_entries(&r);
	FILE *jf = fopen(journal, "r");
	char *line = NULL;
	size_t cap = 0, i;
	json_t *e;
	uint64_t accepted = 0;
	json_array_foreach (all, i, e) {
		if (json_integer_value(json_object_get(e, "status")) != 200)
			continue;
		const char *id = entry_id(e);
		bool found = false;
		/* journal lines are read forward only: order is kept */
		while (!found && getline(&line, &cap, jf) > 0)
			found = strstr(line, id) != NULL;
		assert_true(found);
		accepted++;
	}
	assert_int_equal(accepted, st.sent);
	printf("small queue (4) and a receiver stalling 1.5 s: %d alerts produced, all %ld "
	       "journaled; %llu sent + %llu dropped = %llu\n",
	       N, zt_count_lines(journal), (unsigned long long)st.sent,
	       (unsigned long long)st.dropped, (unsigned long long)(st.sent + st.dropped));
	free(line);
	fclose(jf);
	json_decref(all);
	rx_stop(&r);
}

/* Hostile names, the ones docs/security.md warns of, in a Falco event. */
static struct cjd_identity hostile_identity(void)
{
	struct cjd_identity id;
	cjd_identity_parse(CG, &id);
	id.resolved = true;
	cjd_identity_set(id.name, sizeof(id.name), "web\"1\n\tx=\\y|z");
	cjd_identity_set_image(&id, "nginx:1.25");
	cjd_identity_set(id.pod_name, sizeof(id.pod_name), "web-7d9f");
	cjd_identity_set(id.namespace, sizeof(id.namespace), "shop");
	return id;
}

static void test_falcosidekick_bodies(void **state)
{
	(void)state;
	struct rx r;
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;
	char id1[40], id2[40];
	const char *topics[] = {"alert", "heartbeat"};

	rx_start(&r, "falco", "", "falcosidekick", NULL, false, true);
	struct cjd_output_http_config hc = base_config(r.url);
	hc.format = CJD_HTTP_FALCOSIDEKICK;
	hc.queue.topics = topics;
	hc.queue.n_topics = 2;
	const char *hdrs[] = {"X-Extra: yes"};
	hc.headers = hdrs;
	hc.n_headers = 1;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	struct cjd_identity idn = hostile_identity();
	char *a1 = alert_line(CJD_ALERT_FIRING, &idn, id1);
	char *a2 = alert_line(CJD_ALERT_RESOLVED, &idn, id2);
	assert_int_equal(cjd_output_submit(o, "alert.firing", a1, strlen(a1)), 0);
	assert_int_equal(cjd_output_submit(o, "alert.resolved", a2, strlen(a2)), 0);
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE};
	struct cjd_json_host host = {.name = "node-17"};
	char *hj;
	size_t hl;
	assert_int_equal(cjd_heartbeat_json(&hb, NULL, &host, 1, &hj, &hl), 0);
	assert_int_equal(cjd_output_submit(o, "heartbeat", hj, hl), 0);
	wait_idle(o, 20000);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	/* the receiver answers 422 to a body falcosidekick would refuse: none was */
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.sent, 3);

	json_t *all = rx_entries(&r);
	assert_int_equal(json_array_size(all), 3);
	json_t *f1 = json_object_get(json_array_get(all, 0), "body");
	json_t *f2 = json_object_get(json_array_get(all, 1), "body");
	json_t *f3 = json_object_get(json_array_get(all, 2), "body");
	json_t *of = json_object_get(f1, "output_fields");
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "extra")),
			    "yes");
	assert_string_equal(json_string_value(json_object_get(f1, "uuid")), id1);
	assert_string_equal(json_string_value(json_object_get(f1, "priority")), "Error"); /* 73 */
	assert_string_equal(json_string_value(json_object_get(f2, "priority")), "Notice");
	assert_string_equal(json_string_value(json_object_get(f3, "priority")), "Informational");
	assert_string_equal(json_string_value(json_object_get(f1, "rule")),
			    "cjd cryptomining: software-gbdt software");
	assert_string_equal(json_string_value(json_object_get(f1, "source")), "cjd");
	assert_string_equal(json_string_value(json_object_get(f1, "hostname")), "node-17");
	assert_non_null(strstr(json_string_value(json_object_get(f1, "output")),
			       ": Error Cryptocurrency miner detected: container web\"1\\n\\tx=\\\\y|z"));
	assert_null(strchr(json_string_value(json_object_get(f1, "output")), '\n'));
	/* the fields, flat: ECS names and Falco's */
	assert_string_equal(json_string_value(json_object_get(of, "event.id")), id1);
	assert_string_equal(json_string_value(json_object_get(of, "container.name")),
			    "web\"1\n\tx=\\y|z");
	assert_string_equal(json_string_value(json_object_get(of, "container.image.repository")),
			    "nginx");
	assert_string_equal(json_string_value(json_object_get(of, "container.image.tag")), "1.25");
	assert_string_equal(json_string_value(json_object_get(of, "k8s.ns.name")), "shop");
	assert_string_equal(json_string_value(json_object_get(of, "k8s.pod.name")), "web-7d9f");
	assert_string_equal(json_string_value(json_object_get(of, "rule.id")),
			    "cjd:software-gbdt:alert.firing");
	assert_true(json_is_integer(json_object_get(of, "evt.time")));
	assert_true(json_is_number(json_object_get(of, "cjd.score")));
	assert_true(json_is_array(json_object_get(of, "threat.technique.id")));
	assert_true(json_is_number(json_object_get(of, "cjd.window.cpu_util")));
	json_decref(all);
	free(a1);
	free(a2);
	free(hj);
	cjd_output_free(o);
	rx_stop(&r);
}

static void test_splunk_hec_bodies(void **state)
{
	(void)state;
	struct rx r;
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;
	char id1[40], tokfile[700];

	snprintf(tokfile, sizeof(tokfile), "%s/hec.token", dir);
	int fd = open(tokfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "  0f3c8e1a-hec-token \n# comment\n", 32), 32);
	close(fd);
	rx_start(&r, "hec", "", "splunk-hec", "0f3c8e1a-hec-token", false, true);
	struct cjd_output_http_config hc = base_config(r.url);
	hc.format = CJD_HTTP_SPLUNK_HEC;
	hc.token_file = tokfile;
	hc.body.splunk_index = "security";
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	char *a1 = alert_line(CJD_ALERT_FIRING, NULL, id1);
	assert_int_equal(cjd_output_submit(o, "alert.firing", a1, strlen(a1)), 0);
	wait_idle(o, 20000);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.sent, 1);
	json_t *all = rx_entries(&r);
	json_t *b = json_object_get(json_array_get(all, 0), "body");
	json_t *doc = json_loads(a1, 0, NULL);
	assert_true(json_equal(json_object_get(b, "event"), doc)); /* the document as published */
	assert_string_equal(json_string_value(json_object_get(b, "sourcetype")), "cjd:alert");
	assert_string_equal(json_string_value(json_object_get(b, "source")), "cjd");
	assert_string_equal(json_string_value(json_object_get(b, "index")), "security");
	assert_string_equal(json_string_value(json_object_get(b, "host")), "node-17");
	uint64_t ns;
	assert_int_equal(cjd_rfc3339_parse(json_string_value(json_object_get(doc, "@timestamp")), &ns),
			 0);
	double t = json_number_value(json_object_get(b, "time"));
	assert_true(t * 1000.0 - (double)(ns / 1000000) < 0.5 &&
		    (double)(ns / 1000000) - t * 1000.0 < 0.5);
	json_decref(doc);
	json_decref(all);
	free(a1);
	cjd_output_free(o);
	rx_stop(&r);
}

/* TLS: verified with the CA given; refused (and retried, never dropped) without it. */
static void test_tls_verification(void **state)
{
	(void)state;
	struct rx r;
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;
	char ca[700], other[700], id1[40];

	snprintf(ca, sizeof(ca), "%s/ca/ca.pem", dir);
	snprintf(other, sizeof(other), "%s/ca/other-ca.pem", dir);
	rx_start(&r, "tls", "", "ecs", NULL, true, true);
	char *a1 = alert_line(CJD_ALERT_FIRING, NULL, id1);

	struct cjd_output_http_config hc = base_config(r.url);
	hc.ca_file = other; /* a CA that did not sign the server's certificate */
	hc.timeout_ns = 10 * CJD_NSEC_PER_SEC; /* a handshake under valgrind is slow */
	hc.queue.drain_ns = 400 * 1000000ull;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	assert_int_equal(cjd_output_submit(o, "alert.firing", a1, strlen(a1)), 0);
	uint64_t end = zt_now_ms() + 60000;
	do {
		cjd_output_stats(o, &st);
	} while (st.retries == 0 && zt_now_ms() < end && usleep(10000) == 0);
	assert_true(st.retries >= 1);
	assert_non_null(strstr(st.last_error, "certificate"));
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.abandoned, 1);
	cjd_output_free(o);

	hc.ca_file = ca;
	hc.queue.drain_ns = 10 * CJD_NSEC_PER_SEC;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), 0);
	assert_int_equal(cjd_output_submit(o, "alert.firing", a1, strlen(a1)), 0);
	wait_idle(o, 10000);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, 1);
	cjd_output_free(o);
	free(a1);
	rx_stop(&r);
}

static void test_setup_errors(void **state)
{
	(void)state;
	struct cjd_output *o;
	struct cjd_error err;
	char why[300], tok[700];

	struct cjd_output_http_config hc = base_config("ftp://example.org/x");
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), -EINVAL);
	assert_null(o);
	assert_non_null(strstr(err.text, "must start with http:// or https://"));

	hc.url = "http://127.0.0.1:9/x";
	hc.token_file = "/nonexistent/token";
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/token");

	snprintf(tok, sizeof(tok), "%s/empty.token", dir);
	int fd = open(tok, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	hc.token_file = tok;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), -EINVAL);
	assert_non_null(strstr(err.text, "empty"));

	hc.token_file = NULL;
	hc.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), -ENOENT);
	hc.ca_file = NULL;

	const char *bad[] = {"X-Evil: a\r\nInjected: b"};
	hc.headers = bad;
	hc.n_headers = 1;
	assert_int_equal(cjd_output_http_new(&o, &hc, &err), -EINVAL);
	assert_non_null(strstr(err.text, "control character"));

	assert_int_equal(cjd_http_header_check("Authorization: Bearer x", why, sizeof(why)), 0);
	assert_int_equal(cjd_http_header_check("X-Cjd-Event-Id: 1", why, sizeof(why)), -EINVAL);
	assert_int_equal(cjd_http_header_check("Bad Name: 1", why, sizeof(why)), -EINVAL);
	assert_int_equal(cjd_http_header_check("NoColon", why, sizeof(why)), -EINVAL);
}

static int setup(void **state)
{
	(void)state;
	cjd_event_idgen_init(&gen);
	return zt_receivers_setup("outputs-http", true, &dir);
}

static int teardown(void **state)
{
	(void)state;
	return zt_receivers_teardown(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failing_receiver),
		cmocka_unit_test(test_small_queue_journal_complete),
		cmocka_unit_test(test_falcosidekick_bodies),
		cmocka_unit_test(test_splunk_hec_bodies),
		cmocka_unit_test(test_tls_verification),
		cmocka_unit_test(test_setup_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
