/* `cjd replay --publish`: a real SUB socket sees firing, ongoing and resolved, in order, schema-valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/trace_header.h"
#include "cjd/common/trace_writer.h"
#include "zt.h"

#define SEC 1000000000ull

static char *dir;
static void *zctx;
static char trace[512];
static void *sub; /* closed in teardown too, so a failed test cannot hang zmq_ctx_term */

/*
 * A synthetic trace (built here, labelled synthetic): one cgroup flat and busy
 * for 60 s, then idle for 30 s, so the alert fires, goes ongoing, and resolves;
 * and an idle cgroup that must never alert.
 */
static void write_trace(void)
{
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_error err;

	snprintf(trace, sizeof(trace), "%s/fires.cjdt", dir);
	cjd_trace_header_init(&h, "synthetic");
	snprintf(h.created, sizeof(h.created), "2026-11-26T18:00:00Z");
	h.interval_ns = SEC;
	cjd_trace_header_set_events(&h, CJD_EVMASK_SOFTWARE);
	assert_int_equal(cjd_trace_header_set_meta(&h, "{\"note\":\"synthetic test trace\"}"), 0);
	assert_int_equal(cjd_trace_writer_open(&w, trace, &h, CJD_TRACE_COMPRESS_NONE, &err), 0);
	for (uint64_t t = 1; t <= 90; t++) {
		for (int i = 0; i < 2; i++) {
			struct cjd_sample s;
			bool busy = i == 0 && t <= 60;
			cjd_sample_clear(&s);
			s.t_ns = t * SEC;
			s.dt_ns = SEC;
			s.cgroup = i == 0 ? "/miner" : "/idle";
			s.events = CJD_EVMASK_SOFTWARE;
			s.count[CJD_EV_TASK_CLOCK] = busy ? 999000000ull + 500000ull * (t % 3) : 1000000;
			s.count[CJD_EV_CONTEXT_SWITCHES] = 5;
			s.count[CJD_EV_PAGE_FAULTS] = 1;
			s.count[CJD_EV_SYSCALLS] = busy ? 20 : 3;
			assert_int_equal(cjd_trace_writer_write(w, &s, &err), 0);
		}
	}
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	cjd_trace_header_release(&h);
}

static int setup(void **state)
{
	(void)state;
	if (zt_setup("replay", false, &dir, &zctx))
		return -1;
	write_trace();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (sub)
		zmq_close(sub);
	sub = NULL;
	return zt_teardown(&dir, &zctx);
}

static void test_replay_publishes_in_order(void **state)
{
	(void)state;
	char endpoint[600], journal[600], model[600], msg[512];
	struct zt_child c;

	snprintf(endpoint, sizeof(endpoint), "ipc://%s/alerts.sock", dir);
	snprintf(journal, sizeof(journal), "%s/alerts.jsonl", dir);
	zt_source("tests/detector/data/good/sw-test.json", model, sizeof(model));
	char *const argv[] = {(char *)zt_cjd_bin(), "replay", "-q", "--model", model,
			      "--publish", endpoint, "--wait-subscriber", "10s", "--journal",
			      journal, "--ongoing", "10s", trace, NULL};
	assert_int_equal(zt_spawn(&c, argv, true), 0);

	/* connect once the socket exists; replay waits for the subscription to arrive */
	char sockpath[600];
	snprintf(sockpath, sizeof(sockpath), "%s/alerts.sock", dir);
	for (int i = 0; i < 500 && access(sockpath, F_OK) != 0; i++)
		usleep(10000);
	sub = zt_sub(zctx, endpoint, "alert.");
	assert_non_null(sub);

	const char *want[] = {"alert.firing", "alert.ongoing", "alert.resolved"};
	size_t stage = 0, ongoing = 0;
	for (;;) {
		char *topic = NULL, *body = NULL;
		if (zt_recv(sub, &topic, &body, 10000) != 0)
			break;
		if (zt_validate("docs/schema/alert-v1.json", body, msg, sizeof(msg)) != 0)
			fail_msg("%s body does not validate: %s", topic, msg);
		assert_non_null(strstr(body, "\"path\":\"/miner\""));
		if (stage < 3 && strcmp(topic, want[stage]) == 0) {
			stage++;
		} else if (stage == 2 && strcmp(topic, "alert.ongoing") == 0) {
			ongoing++;
		} else {
			fail_msg("unexpected %s after %zu stages", topic, stage);
		}
		bool done = strcmp(topic, "alert.resolved") == 0;
		free(topic);
		free(body);
		if (done)
			break;
	}
	assert_int_equal(stage, 3);
	zmq_close(sub);
	sub = NULL;
	int st = zt_wait(&c, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* stdout and the journal carry the same alerts, ids included */
	char *out = zt_read_all(&c, 1000);
	size_t jlen;
	char *j = zt_slurp(journal, &jlen);
	assert_non_null(j);
	assert_string_equal(out, j);
	assert_int_equal(zt_count_lines(journal), (long)(3 + ongoing));
	free(out);
	free(j);
	zt_child_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_publishes_in_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
