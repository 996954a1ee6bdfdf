/* Real processes: the network probe tells a loopback client exchanging small messages from a listener and from a process with no socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/evidence/network.h"
#include "kids.h"

/*
 * Needs root (cgroups, and CAP_SYS_ADMIN to enter a namespace); main exits
 * 77 with the reason otherwise. Each workload runs in a cgroup of its own
 * under <v2>/cjd-ev-code-net-<pid>/, which the probe's targets are read from,
 * as cjd inspect does.
 */

static void start(struct kid *k, const char *name, const char *mode)
{
	char *argv[] = {(char *)CJD_NETPEER, (char *)mode, NULL};

	kid_start(k, name, argv);
}

/* The cgroup's processes, from cgroup.procs. */
static size_t procs(const struct kid *k, pid_t *pids, size_t max)
{
	char path[4500];
	size_t n = 0;
	int pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", k->dir);
	assert_non_null(f = fopen(path, "re"));
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

static void probe(const struct kid *k, const struct cjd_network_opts *o,
		  struct cjd_network_result *r)
{
	struct cjd_error err;
	pid_t pids[16];
	size_t n = procs(k, pids, 16);
	char text[800];

	/* The chat workload forks its server: wait until both are in. */
	for (int i = 0; i < 100 && n < 2 && strstr(k->rel, "chat"); i++) {
		usleep(10000);
		n = procs(k, pids, 16);
	}
	if (cjd_network_run(pids, n, o, r, &err) != 0)
		fail_msg("network: %s", err.text);
	cjd_network_describe(r, text, sizeof(text));
	fprintf(stderr, "  %s\n", text);
	if (getenv("CJD_TEST_VERBOSE")) {
		json_t *j;
		if (cjd_network_to_json(r, &j) == 0)
			json_dumpf(j, stderr, JSON_INDENT(1));
		json_decref(j);
	}
}

static const struct cjd_net_sock *first(const struct cjd_network_result *r, enum cjd_net_role role)
{
	for (size_t i = 0; i < r->nsocks; i++)
		if (r->socks[i].role == role)
			return &r->socks[i];
	return NULL;
}

/* 32-byte request and reply every 100 ms: about 10 data segments a second each way. */
static void assert_chatty(const struct cjd_net_sock *s)
{
	assert_non_null(s);
	assert_true(s->loopback);
	assert_string_equal(s->remote, "127.0.0.1");
	assert_false(s->pool_port_hint);
	assert_true(s->have_info);
	assert_true(s->msgs_per_s > 8 && s->msgs_per_s < 40);
	assert_true(s->win_bytes_sent >= 5 * 32 && s->win_bytes_sent <= 15 * 32);
	assert_true(s->win_bytes_received >= 5 * 32 && s->win_bytes_received <= 15 * 32);
	assert_true(s->bytes_sent >= s->win_bytes_sent);
	assert_true(s->last_send_ms < 1000);
	assert_true(s->process_age_ms >= 0);
}

static void test_chat(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;
	struct cjd_network_opts o = {.history = cjd_network_history_new()};
	const struct cjd_net_sock *out, *in;
	json_t *j;

	start(k, "chat", "chat");
	probe(k, &o, &r);
	assert_true(r.used_diag);
	assert_int_equal(r.npids, 2);
	assert_int_equal(r.count[CJD_NET_OUTBOUND], 1);
	assert_int_equal(r.count[CJD_NET_INBOUND], 1); /* the server child's accepted socket */
	assert_int_equal(r.other_sockets, 0);
	assert_int_equal(r.count[CJD_NET_LISTEN], 1);
	out = first(&r, CJD_NET_OUTBOUND);
	in = first(&r, CJD_NET_INBOUND);
	assert_chatty(out);
	assert_int_equal(out->rport, in->lport);
	assert_int_equal(out->lport, in->rport);
	assert_int_equal(out->seen_for_ms, 0); /* first sighting */
	assert_int_equal(cjd_network_to_json(&r, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "outbound")), 1);
	json_decref(j);
	cjd_network_result_free(&r);

	/* The same history a second time: the connection is known for a window at least. */
	probe(k, &o, &r);
	out = first(&r, CJD_NET_OUTBOUND);
	assert_non_null(out);
	assert_true(out->seen_for_ms >= 900);
	cjd_network_result_free(&r);
	cjd_network_history_free(o.history);
}

static void test_listen_only(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;
	const struct cjd_net_sock *l;

	start(k, "listen", "listen");
	probe(k, NULL, &r);
	assert_int_equal(r.nsocks, 1);
	assert_int_equal(r.count[CJD_NET_LISTEN], 1);
	assert_int_equal(r.count[CJD_NET_OUTBOUND], 0);
	assert_non_null(l = first(&r, CJD_NET_LISTEN));
	assert_string_equal(l->local, "127.0.0.1");
	assert_int_equal(l->seen_for_ms, -1); /* no history */
	cjd_network_result_free(&r);
}

static void test_udp(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;

	start(k, "udp", "udp");
	probe(k, NULL, &r);
	assert_int_equal(r.nsocks, 2);
	assert_int_equal(r.count[CJD_NET_UDP], 2);
	assert_int_equal(r.count[CJD_NET_OUTBOUND], 0);
	/* Both ends are here: the bound one (unconnected, state 7) and the connected one (1). */
	for (size_t i = 0; i < r.nsocks; i++) {
		assert_int_equal(r.socks[i].proto, IPPROTO_UDP);
		assert_string_equal(r.socks[i].local, "127.0.0.1");
		assert_false(r.socks[i].have_info);
	}
	assert_true((r.socks[0].state == 1 && r.socks[0].loopback && r.socks[0].rport) ||
		    (r.socks[1].state == 1 && r.socks[1].loopback && r.socks[1].rport));
	cjd_network_result_free(&r);
}

static void test_no_sockets(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;
	char text[200];

	start(k, "none", "none");
	probe(k, NULL, &r);
	assert_int_equal(r.nsocks, 0);
	assert_int_equal(r.socket_fds, 0);
	cjd_network_describe(&r, text, sizeof(text));
	assert_non_null(strstr(text, "No TCP or UDP sockets"));
	cjd_network_result_free(&r);
}

/* The targets live in another network namespace: sock_diag through a thread that enters it. */
static void test_other_netns(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;

	start(k, "nschat", "nschat");
	probe(k, NULL, &r);
	assert_int_equal(r.nnetns, 1);
	assert_true(r.used_diag);
	assert_int_equal(r.count[CJD_NET_OUTBOUND], 1);
	assert_int_equal(r.count[CJD_NET_INBOUND], 1);
	/* The UDP socket it used to bring lo up was never bound: not in any table. */
	assert_int_equal(r.other_sockets, 1);
	assert_chatty(first(&r, CJD_NET_OUTBOUND));
	cjd_network_result_free(&r);
}

/* /proc/PID/net finds the same connection, without counters, and says so. */
static void test_proc_fallback(void **state)
{
	struct kid *k = *state;
	struct cjd_network_result r;
	struct cjd_network_opts o = {.no_diag = true, .window_ns = 200000000};
	const struct cjd_net_sock *out;
	char text[800];

	start(k, "nschat-proc", "nschat");
	probe(k, &o, &r);
	assert_false(r.used_diag);
	assert_non_null(strstr(r.source_note, "/proc"));
	assert_int_equal(r.count[CJD_NET_OUTBOUND], 1);
	assert_int_equal(r.count[CJD_NET_INBOUND], 1);
	assert_non_null(out = first(&r, CJD_NET_OUTBOUND));
	assert_true(out->loopback);
	assert_false(out->have_info);
	cjd_network_describe(&r, text, sizeof(text));
	assert_non_null(strstr(text, "No byte counters"));
	cjd_network_result_free(&r);
}

static void test_unreadable_pids(void **state)
{
	struct cjd_network_result r;
	struct cjd_error err;
	pid_t gone[] = {0x3ffffff0, 0x3ffffff1};
	pid_t mixed[] = {getpid(), 0x3ffffff0};

	(void)state;
	assert_int_equal(cjd_network_run(gone, 2, NULL, &r, &err), -ESRCH);
	assert_non_null(strstr(err.text, "none of the 2 processes"));
	cjd_network_result_free(&r);
	struct cjd_network_opts o = {.window_ns = 10000000};
	assert_int_equal(cjd_network_run(mixed, 2, &o, &r, &err), 0);
	assert_int_equal(r.npids, 1);
	assert_int_equal(r.pids_unreadable, 1);
	cjd_network_result_free(&r);
}

int main(void)
{
	struct cjd_error err;
	const char *why = NULL;
	int rc;

	if (geteuid() != 0)
		why = "needs root to create cgroups and enter network namespaces";
	else if (cjd_cgroupfs_find(&v2, NULL, NULL, &err) != 0)
		why = err.text;
	if (why) {
		fprintf(stderr, "SKIP: %s\n", why);
		return 77;
	}
	snprintf(parent, sizeof(parent), "/cjd-ev-code-net-%d", (int)getpid());
	if (cjd_cgroupfs_create(&v2, parent, &err) != 0) {
		fprintf(stderr, "SKIP: cannot create %s in %s: %s\n", parent, v2.path, err.text);
		return 77;
	}
#define T(f) cmocka_unit_test_setup_teardown(f, setup_kid, teardown_kid)
	const struct CMUnitTest tests[] = {
		T(test_chat),         T(test_listen_only),   T(test_udp),  T(test_no_sockets),
		T(test_other_netns),  T(test_proc_fallback), cmocka_unit_test(test_unreadable_pids),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (cjd_cgroupfs_destroy(&v2, parent, 2000, &err) != 0)
		fprintf(stderr, "teardown: %s\n", err.text);
	return rc;
}
