/* The aggregator: probe lists, a run on our own process, the JSON shape, the summary, the text rendering, connection ages across inspections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cjd/evidence/inspect.h"
#include "evidence_fixtures.h"

static void test_probe_names(void **state)
{
	(void)state;
	assert_string_equal(cjd_inspect_probe_name(CJD_PROBE_fpstate), "fpstate");
	assert_string_equal(cjd_inspect_probe_name(CJD_PROBE_codesample), "codesample");
	assert_string_equal(cjd_inspect_probe_name(CJD_PROBE_network), "network");
	assert_string_equal(cjd_inspect_probe_name(CJD_PROBE_memory), "memory");
	/* the order they run and report in: the most telling evidence first */
	assert_true(CJD_PROBE_fpstate < CJD_PROBE_codesample);
	assert_true(CJD_PROBE_codesample < CJD_PROBE_network);
	assert_true(CJD_PROBE_network < CJD_PROBE_memory);
	assert_null(cjd_inspect_probe_name(CJD_PROBE__COUNT));
	assert_non_null(cjd_inspect_probe_summary(CJD_PROBE_memory));
	assert_null(cjd_inspect_probe_summary((enum cjd_inspect_probe)-1));
}

static void test_parse_probes(void **state)
{
	struct cjd_error err;
	unsigned mask;

	(void)state;
	assert_int_equal(cjd_inspect_parse_probes("fpstate", &mask, &err), 0);
	assert_int_equal(mask, 1u << CJD_PROBE_fpstate);
	assert_int_equal(cjd_inspect_parse_probes("memory,fpstate", &mask, &err), 0);
	assert_int_equal(mask, (1u << CJD_PROBE_fpstate) | (1u << CJD_PROBE_memory));
	assert_int_equal(cjd_inspect_parse_probes("all", &mask, &err), 0);
	assert_int_equal(mask, (1u << CJD_PROBE__COUNT) - 1);
	assert_int_equal(cjd_inspect_parse_probes("memory,bogus", &mask, &err), -EINVAL);
	assert_non_null(strstr(err.text,
			       "unknown probe 'bogus' (known: fpstate, codesample, network, "
			       "memory, stratum, or all)"));
	assert_int_equal(cjd_inspect_parse_probes("network,codesample", &mask, &err), 0);
	assert_int_equal(mask, (1u << CJD_PROBE_network) | (1u << CJD_PROBE_codesample));
	assert_int_equal(cjd_inspect_parse_probes("", &mask, &err), -EINVAL);
	assert_int_equal(cjd_inspect_parse_probes(",", &mask, &err), -EINVAL);
	assert_non_null(strstr(err.text, "empty probe list"));
}

static void test_run_self(void **state)
{
	struct cjd_inspect_opts o = {.fpstate = {.rounds = 2, .interval_ns = 1000000},
				     .codesample = {.duration_ns = 50000000},
				     .network = {.window_ns = 20000000}};
	struct cjd_inspect_result res;
	struct cjd_target t;
	struct cjd_error err;
	json_t *j, *mem, *fp, *cs, *net, *sum;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(cjd_target_from_pid(&t, getpid(), NULL, NULL, &err), 0);
	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), 0);
	assert_true(res.nran >= 1);
	assert_int_equal(res.status[CJD_PROBE_memory].state, CJD_INSPECT_RAN);
	assert_int_equal(res.memory.nread, 1);
	assert_true(res.memory.total.rss > 0);
	assert_ptr_equal(res.target, &t);

	assert_int_equal(cjd_inspect_to_json(&res, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "target"), "pid")),
			 getpid());
	mem = json_object_get(j, "memory");
	assert_string_equal(json_string_value(json_object_get(mem, "status")), "ok");
	assert_true(json_is_integer(json_object_get(mem, "probe_cpu_ns")));
	fp = json_object_get(j, "fpstate");
	assert_non_null(fp); /* selected: present whether or not it could run here */
	/* a process target: code sampling follows its threads, not its whole cgroup */
	cs = json_object_get(j, "codesample");
	assert_non_null(cs);
	if (res.status[CJD_PROBE_codesample].state == CJD_INSPECT_RAN) {
		assert_true(res.codesample.per_thread);
		assert_string_equal(json_string_value(json_object_get(cs, "mode")), "threads");
		assert_int_equal(res.codesample.nrings, t.ntids);
	}
	net = json_object_get(j, "network");
	assert_string_equal(json_string_value(json_object_get(net, "status")), "ok");
	assert_int_equal(json_integer_value(json_object_get(net, "processes")), 1);
	/* one sentence per probe, in the probes' order */
	sum = json_object_get(j, "summary");
	assert_int_equal(json_array_size(sum), CJD_PROBE__COUNT);
	assert_non_null(strstr(json_string_value(json_array_get(sum, CJD_PROBE_codesample)),
			       "codesample: "));
	assert_non_null(strstr(json_string_value(json_array_get(sum, CJD_PROBE_network)),
			       "network: "));
	assert_non_null(strstr(json_string_value(json_array_get(sum, CJD_PROBE_memory)),
			       "memory: 1 process holds"));
	if (res.status[CJD_PROBE_fpstate].state == CJD_INSPECT_RAN)
		/* cjd never traces itself: nothing else to look at */
		assert_string_equal(json_string_value(json_array_get(sum, 0)),
				    "fpstate: No threads to look at (only cjd itself, which it does "
				    "not trace).");
	assert_true(json_is_integer(json_object_get(j, "cpu_ns")));
	json_decref(j);

	out = open_memstream(&text, &len);
	assert_int_equal(cjd_inspect_print(&res, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "target: process "));
	assert_non_null(strstr(text, "\nsummary:\n  - fpstate: "));
	assert_non_null(strstr(text, "\nmemory: ok in "));
	assert_non_null(strstr(text, "  procs:\n    pid"));
	assert_non_null(strstr(text, "\nnetwork: ok in "));
	/* nested objects are flattened into dotted figures, not left as {...} */
	assert_non_null(strstr(text, "  counts.outbound 0"));
	assert_null(strstr(text, "{...}"));
	free(text);
	cjd_inspect_result_free(&res);
	cjd_inspect_result_free(NULL);
	cjd_target_free(&t);
}

static void test_run_selected(void **state)
{
	struct cjd_inspect_opts o = {.probes = 1u << CJD_PROBE_memory};
	struct cjd_inspect_result res;
	struct cjd_target t;
	struct cjd_error err;
	json_t *j;

	(void)state;
	/* a cgroup target from fixtures: processes that do not exist here */
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-v1"), true, &err), 0);
	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), 0);
	assert_int_equal(res.status[CJD_PROBE_fpstate].state, CJD_INSPECT_NOT_SELECTED);
	assert_int_equal(res.status[CJD_PROBE_memory].state, CJD_INSPECT_RAN);
	assert_int_equal(cjd_inspect_to_json(&res, &j), 0);
	assert_null(json_object_get(j, "fpstate")); /* not selected: left out */
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(j, "target"), "cgroup_version")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "target"), "cgroups")),
			 3);
	assert_int_equal(json_array_size(json_object_get(j, "summary")), 1);
	json_decref(j);
	cjd_inspect_result_free(&res);

	o.probes = 1u << CJD_PROBE__COUNT;
	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), -EINVAL);
	cjd_inspect_result_free(&res);
	cjd_target_free(&t);
}

/* A loopback TCP connection inside this process: listener, client and accepted end. */
static void tcp_pair(int fd[3])
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	assert_true((fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(fd[0], (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd[0], 1), 0);
	assert_int_equal(getsockname(fd[0], (struct sockaddr *)&a, &alen), 0);
	assert_true((fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(connect(fd[1], (struct sockaddr *)&a, sizeof(a)), 0);
	assert_true((fd[2] = accept4(fd[0], NULL, NULL, SOCK_CLOEXEC)) >= 0);
}

/* The outbound end of the pair in a result, or NULL. */
static const struct cjd_net_sock *outbound(const struct cjd_inspect_result *res)
{
	for (size_t i = 0; i < res->network.nsocks; i++)
		if (res->network.socks[i].role == CJD_NET_OUTBOUND)
			return &res->network.socks[i];
	return NULL;
}

/* The caller's network history gives a connection an age across inspections of one target;
 * without one, the age is unknown (-1). */
static void test_history_across_inspections(void **state)
{
	struct cjd_inspect_opts o = {.probes = 1u << CJD_PROBE_network,
				     .network = {.window_ns = 10000000}};
	struct cjd_network_history *h = cjd_network_history_new();
	struct cjd_inspect_result res;
	const struct cjd_net_sock *s;
	struct cjd_target t;
	struct cjd_error err;
	struct timespec pause = {0, 300000000};
	int fd[3];

	(void)state;
	assert_non_null(h);
	tcp_pair(fd);
	assert_int_equal(cjd_target_from_pid(&t, getpid(), NULL, NULL, &err), 0);

	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), 0);
	assert_non_null(s = outbound(&res));
	assert_int_equal(s->seen_for_ms, -1);
	cjd_inspect_result_free(&res);

	o.network.history = h;
	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), 0);
	assert_non_null(s = outbound(&res));
	assert_true(s->seen_for_ms >= 0 && s->seen_for_ms < 300);
	cjd_inspect_result_free(&res);
	nanosleep(&pause, NULL);
	assert_int_equal(cjd_inspect_run(&t, &o, &res, &err), 0);
	assert_non_null(s = outbound(&res));
	assert_true(s->seen_for_ms >= 300);
	cjd_inspect_result_free(&res);

	for (int i = 0; i < 3; i++)
		close(fd[i]);
	cjd_network_history_free(h);
	cjd_network_history_free(NULL);
	cjd_target_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_names),
		cmocka_unit_test(test_parse_probes),
		cmocka_unit_test(test_run_self),
		cmocka_unit_test(test_run_selected),
		cmocka_unit_test(test_history_across_inspections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
