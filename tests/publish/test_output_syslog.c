/* Remote syslog: RFC 6587 frames in each MSG format, and a local TCP and TLS receiver (syslog_receiver.py) that checks framing, is restarted mid-stream, and sees every message in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/common/identity.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_format.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/alert_json.h"
#include "cjd/publish/output_syslog.h"
#include "zt.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CG "/docker/" ID64

static char *dir;
static struct cjd_event_idgen gen;

static char *alert_line(enum cjd_alert_action act, const char *name, char *id)
{
	struct cjd_alert a;
	struct cjd_identity idn;
	char *json;
	size_t len;

	zt_alert(&a, act, CG);
	a.time_real_ns = cjd_now_real_ns();
	cjd_event_id_next(&gen, a.time_real_ns, a.id);
	strcpy(id, a.id);
	cjd_identity_parse(CG, &idn);
	if (name) {
		idn.resolved = true;
		cjd_identity_set(idn.name, sizeof(idn.name), name);
	}
	struct cjd_alert_context ctx = {.host_name = "node-17", .identity = &idn};
	assert_int_equal(cjd_alert_json(&a, &ctx, &json, &len), 0);
	return json;
}

/* ---- frames ---- */

static void check_frame(const char *frame, size_t flen, const char *want_in_msg)
{
	char *end;
	unsigned long n = strtoul(frame, &end, 10);

	assert_true(frame[0] >= '1' && frame[0] <= '9'); /* no leading zero */
	assert_int_equal(*end, ' ');
	assert_int_equal(n, flen - (size_t)(end + 1 - frame));
	assert_int_equal(strncmp(end + 1, "<28>1 ", 6), 0); /* daemon.warning, version 1 */
	assert_null(memchr(frame, '\n', flen));
	assert_non_null(strstr(end + 1, want_in_msg));
}

static void test_frames(void **state)
{
	(void)state;
	char id[40], *f, *want;
	size_t fl;
	char *json = alert_line(CJD_ALERT_FIRING, "web-1\tx\n<13>1 forged", id);
	json_t *doc = json_loads(json, 0, NULL);

	/* rfc5424: exactly `cjd sub --format syslog`, framed */
	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_RFC5424, "alert.firing", json,
					  strlen(json), &f, &fl), 0);
	assert_int_equal(cjd_format_message(CJD_FMT_SYSLOG, "alert.firing", doc, &want), 0);
	check_frame(f, fl, want);
	assert_non_null(strstr(f, " cjd - alert.firing [cjd@32473 "));
	assert_non_null(strstr(f, "container_name=\"web-1\\tx\\n<13>1 forged\""));
	free(want);
	free(f);

	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_LEEF, "alert.firing", json, strlen(json),
					  &f, &fl), 0);
	check_frame(f, fl, " cjd - alert.firing - LEEF:2.0|cjd|cjd|");
	assert_non_null(strstr(f, "\tcontainer=web-1\\tx\\n<13>1 forged\t"));
	free(f);

	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_CEF, "alert.firing", json, strlen(json),
					  &f, &fl), 0);
	check_frame(f, fl, " cjd - alert.firing - CEF:0|cjd|cjd|");
	free(f);

	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_JSON, "alert.firing", json, strlen(json),
					  &f, &fl), 0);
	check_frame(f, fl, json);
	free(f);

	/* UTF-8 counts in bytes */
	json_decref(doc);
	free(json);
	json = alert_line(CJD_ALERT_FIRING, "wéb-ü", id);
	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_RFC5424, "alert.firing", json,
					  strlen(json), &f, &fl), 0);
	check_frame(f, fl, "wéb-ü");
	free(f);
	assert_int_equal(cjd_syslog_frame(CJD_SYSLOG_MSG_RFC5424, "alert.firing", "[1]", 3, &f, &fl),
			 -EINVAL);
	free(json);
}

static void test_remote_parse(void **state)
{
	(void)state;
	char h[256], p[8], why[300];

	assert_int_equal(cjd_syslog_remote_parse("siem.example:1514", "514", h, sizeof(h), p,
						 sizeof(p), why, sizeof(why)), 0);
	assert_string_equal(h, "siem.example");
	assert_string_equal(p, "1514");
	assert_int_equal(cjd_syslog_remote_parse("10.0.0.5", "6514", h, sizeof(h), p, sizeof(p), why,
						 sizeof(why)), 0);
	assert_string_equal(p, "6514");
	assert_int_equal(cjd_syslog_remote_parse("[2001:db8::1]:514", "6514", h, sizeof(h), p,
						 sizeof(p), why, sizeof(why)), 0);
	assert_string_equal(h, "2001:db8::1");
	assert_int_equal(cjd_syslog_remote_parse("2001:db8::1", "514", h, sizeof(h), p, sizeof(p),
						 why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "[ADDRESS]:PORT"));
	assert_int_equal(cjd_syslog_remote_parse("host:0", "514", h, sizeof(h), p, sizeof(p), why,
						 sizeof(why)), -EINVAL);
	assert_int_equal(cjd_syslog_remote_parse(":514", "514", h, sizeof(h), p, sizeof(p), why,
						 sizeof(why)), -EINVAL);
	assert_int_equal(cjd_syslog_remote_parse("a b:514", "514", h, sizeof(h), p, sizeof(p), why,
						 sizeof(why)), -EINVAL);
}

/* ---- against a receiver ---- */

struct rx {
	struct zt_child c;
	char portfile[600], log[600];
	int port;
};

static void rx_start(struct rx *r, const char *tag, int port, bool tls, bool client_ca)
{
	char cert[600], key[600], ca[600], portarg[16];

	snprintf(r->portfile, sizeof(r->portfile), "%s/%s.port", dir, tag);
	snprintf(r->log, sizeof(r->log), "%s/%s.log", dir, tag);
	snprintf(cert, sizeof(cert), "%s/ca/server.pem", dir);
	snprintf(key, sizeof(key), "%s/ca/server.key", dir);
	snprintf(ca, sizeof(ca), "%s/ca/ca.pem", dir);
	snprintf(portarg, sizeof(portarg), "%d", port);
	char *args[16] = {"--port-file", r->portfile, "--log", r->log, "--port", portarg};
	int n = 6;
	if (tls) {
		args[n++] = "--tls";
		args[n++] = cert;
		args[n++] = key;
	}
	if (client_ca) {
		args[n++] = "--client-ca";
		args[n++] = ca;
	}
	args[n] = NULL;
	/* the port of a receiver just killed may linger a moment */
	for (int i = 0; i < 50; i++) {
		r->port = zt_spawn_python(&r->c, "tests/publish/syslog_receiver.py", args, r->portfile);
		if (r->port > 0)
			break;
		usleep(100000);
	}
	assert_true(r->port > 0);
}

static void rx_stop(struct rx *r)
{
	zt_kill_wait(&r->c, SIGKILL); /* as a crash: no goodbye */
	zt_child_close(&r->c);
}

/* Messages logged so far (framing errors fail the test). */
static size_t rx_count(const char *log, json_t **out)
{
	json_t *all = zt_json_lines(log), *msgs = json_array(), *e;
	size_t i;

	json_array_foreach (all, i, e) {
		json_t *err = json_object_get(e, "error");
		if (err)
			fail_msg("framing: %s", json_string_value(err));
		if (json_object_get(e, "msg"))
			json_array_append(msgs, e);
	}
	json_decref(all);
	size_t n = json_array_size(msgs);
	if (out)
		*out = msgs;
	else
		json_decref(msgs);
	return n;
}

static void wait_count(const char *log, size_t n, int timeout_ms)
{
	uint64_t end = zt_now_ms() + (uint64_t)timeout_ms;
	while (rx_count(log, NULL) < n && zt_now_ms() < end)
		usleep(20000);
}

static struct cjd_output_syslog_config base_config(const char *remote)
{
	return (struct cjd_output_syslog_config){
		.remote = remote,
		.format = CJD_SYSLOG_MSG_RFC5424,
		.timeout_ns = 2 * CJD_NSEC_PER_SEC,
		.queue = {.queue = 1000,
			  .backoff_min_ns = 50 * 1000000ull,
			  .backoff_max_ns = 300 * 1000000ull,
			  .drain_ns = 30 * CJD_NSEC_PER_SEC},
	};
}

/*
 * Ten messages, the receiver killed (as a crash), ten more while it is down,
 * the receiver back on the same port, ten more: the two receivers together
 * saw all thirty, in order, each once, framed correctly.
 */
static void restart_run(const char *tag, bool tls)
{
	enum { N = 30 };
	struct rx r1, r2;
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;
	char remote[64], ids[N][40], log1[700], log2[700], tag2[64], ca[600], cert[600], key[600];

	snprintf(tag2, sizeof(tag2), "%s-2", tag);
	rx_start(&r1, tag, 0, tls, tls);
	snprintf(log1, sizeof(log1), "%s", r1.log);
	snprintf(remote, sizeof(remote), "%s:%d", tls ? "localhost" : "127.0.0.1", r1.port);
	struct cjd_output_syslog_config sc = base_config(remote);
	snprintf(ca, sizeof(ca), "%s/ca/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/ca/client.pem", dir);
	snprintf(key, sizeof(key), "%s/ca/client.key", dir);
	if (tls) {
		sc.tls = true;
		sc.ca_file = ca;
		sc.cert_file = cert;
		sc.key_file = key;
	}
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), 0);
	for (int i = 0; i < N; i++) {
		char *json = alert_line(i % 3 ? CJD_ALERT_ONGOING : CJD_ALERT_FIRING, "web-1", ids[i]);
		assert_int_equal(cjd_output_submit(o, i % 3 ? "alert.ongoing" : "alert.firing", json,
						   strlen(json)),
				 0);
		free(json);
		if (i == 9) {
			wait_count(log1, 10, 20000);
			assert_int_equal(rx_count(log1, NULL), 10);
			rx_stop(&r1);
		}
		if (i == 19) {
			usleep(300000); /* a few refused connections */
			rx_start(&r2, tag2, r1.port, tls, tls);
			snprintf(log2, sizeof(log2), "%s", r2.log);
		}
	}
	wait_count(log2, 20, 30000);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, N);
	assert_int_equal(st.dropped + st.rejected + st.abandoned, 0);
	assert_true(st.retries >= 1);

	json_t *m1, *m2, *e;
	size_t i;
	assert_int_equal(rx_count(log1, &m1), 10);
	assert_int_equal(rx_count(log2, &m2), 20);
	json_array_extend(m1, m2);
	json_array_foreach (m1, i, e) {
		const char *msg = json_string_value(json_object_get(e, "msg"));
		char want[64];
		assert_true(i < N);
		snprintf(want, sizeof(want), " id=\"%.40s\" ", ids[i]);
		assert_non_null(strstr(msg, want)); /* in order, each once */
		if (tls)
			assert_string_equal(json_string_value(json_object_get(e, "peer_cn")),
					    "cjd agent");
	}
	printf("syslog over %s: %d messages, the receiver killed after 10 and back after 20: "
	       "all %zu seen in order, once each; %llu failed attempts while it was down\n",
	       tls ? "TLS (client certificate verified)" : "TCP", N, json_array_size(m1),
	       (unsigned long long)st.retries);
	json_decref(m1);
	json_decref(m2);
	cjd_output_free(o);
	rx_stop(&r2);
}

static void test_tcp_restart(void **state)
{
	(void)state;
	restart_run("tcp", false);
}

static void test_tls_restart(void **state)
{
	(void)state;
	restart_run("tls", true);
}

/* A certificate for another name, or from another CA, is never trusted: retried, not sent. */
static void test_tls_refuses_wrong_server(void **state)
{
	(void)state;
	struct rx r;
	struct cjd_output *o;
	struct cjd_output_stats st;
	struct cjd_error err;
	char remote[64], ca[600], other[600], id[40];

	rx_start(&r, "tls-wrong", 0, true, false);
	snprintf(remote, sizeof(remote), "127.0.0.1:%d", r.port);
	snprintf(ca, sizeof(ca), "%s/ca/ca.pem", dir);
	snprintf(other, sizeof(other), "%s/ca/other-ca.pem", dir);
	char *json = alert_line(CJD_ALERT_FIRING, NULL, id);

	struct cjd_output_syslog_config sc = base_config(remote);
	sc.tls = true;
	sc.ca_file = ca;
	sc.server_name = "siem.example"; /* the certificate says localhost and 127.0.0.1 */
	sc.queue.drain_ns = 400 * 1000000ull;
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), 0);
	assert_int_equal(cjd_output_submit(o, "alert.firing", json, strlen(json)), 0);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.abandoned, 1);
	assert_non_null(strstr(st.last_error, "not trusted for 'siem.example'"));
	cjd_output_free(o);

	sc.server_name = NULL; /* 127.0.0.1, which the certificate holds as an IP address */
	sc.ca_file = other;
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), 0);
	assert_int_equal(cjd_output_submit(o, "alert.firing", json, strlen(json)), 0);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, 0);
	assert_non_null(strstr(st.last_error, "not trusted"));
	cjd_output_free(o);

	sc.ca_file = ca; /* right CA, IP address checked */
	sc.queue.drain_ns = 10 * CJD_NSEC_PER_SEC;
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), 0);
	assert_int_equal(cjd_output_submit(o, "alert.firing", json, strlen(json)), 0);
	cjd_output_stop(o);
	cjd_output_stats(o, &st);
	assert_int_equal(st.sent, 1);
	cjd_output_free(o);
	wait_count(r.log, 1, 10000);
	assert_int_equal(rx_count(r.log, NULL), 1);
	free(json);
	rx_stop(&r);
}

static void test_setup_errors(void **state)
{
	(void)state;
	struct cjd_output *o;
	struct cjd_error err;
	char cert[600];

	snprintf(cert, sizeof(cert), "%s/ca/client.pem", dir);
	struct cjd_output_syslog_config sc = base_config("host:99999");
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), -EINVAL);
	assert_null(o);
	assert_non_null(strstr(err.text, "port"));
	sc.remote = "127.0.0.1:6514";
	sc.ca_file = "/etc/ssl/certs/ca-certificates.crt";
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), -EINVAL); /* CA without TLS */
	sc.tls = true;
	sc.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), -EINVAL);
	assert_string_equal(err.file, "/nonexistent/ca.pem");
	sc.ca_file = NULL;
	sc.cert_file = cert;
	assert_int_equal(cjd_output_syslog_new(&o, &sc, &err), -EINVAL); /* no key */
	assert_non_null(strstr(err.text, "key_file"));
}

static int setup(void **state)
{
	(void)state;
	cjd_event_idgen_init(&gen);
	return zt_receivers_setup("outputs-syslog", true, &dir);
}

static int teardown(void **state)
{
	(void)state;
	return zt_receivers_teardown(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_remote_parse),
		cmocka_unit_test(test_tcp_restart),
		cmocka_unit_test(test_tls_restart),
		cmocka_unit_test(test_tls_refuses_wrong_server),
		cmocka_unit_test(test_setup_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
