/* Real processes: the stratum probe finds a CryptoNote stratum job in a child's heap, nothing in an ordinary JSON-RPC client's, and survives a process exiting mid-scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/evidence/features.h"
#include "cjd/evidence/stratum.h"
#include "kids.h"

/*
 * The workloads are this test's own children, in no cgroup of their own:
 * reading a child's memory needs no privilege (Yama's ptrace_scope 1 allows
 * a parent), so this test runs without root. It exits 77 with the reason
 * when process_vm_readv is refused all the same (ptrace_scope 3).
 */

static void start(struct kid *k, const char *mode)
{
	char *argv[] = {(char *)CJD_POOLMSG, (char *)mode, NULL};

	kid_start(k, NULL, argv);
}

/* Whether mask holds the marker called name (which must exist). */
static bool has(uint32_t mask, const char *name)
{
	int i = cjd_stratum_marker_find(name);

	assert_true(i >= 0);
	return mask & (1u << i);
}

/* Runs the probe on pids and computes the features from its JSON, as cjd inspect does. */
static void probe(const pid_t *pids, size_t n, struct cjd_stratum_result *r, struct cjd_evfeat *f)
{
	struct cjd_error err = { 0 };
	char text[800];
	json_t *j, *insp = json_object();

	if (cjd_stratum_run(pids, n, NULL, r, &err) != 0)
		fail_msg("stratum: %s", err.text);
	cjd_stratum_describe(r, text, sizeof(text));
	fprintf(stderr, "  %s\n", text);
	assert_int_equal(cjd_stratum_to_json(r, &j), 0);
	json_object_set_new(j, "status", json_string("ok"));
	json_object_set_new(insp, "stratum", j);
	if (cjd_evfeat_from_json(insp, f, &err) != 0)
		fail_msg("features: %s", err.text);
	json_decref(insp);
}

static void test_job(void **state)
{
	struct kid *k = *state;
	struct cjd_stratum_result r;
	struct cjd_evfeat f;

	start(k, "job");
	probe(&k->pid, 1, &r, &f);
	assert_int_equal(r.procs_scanned, 1);
	assert_true(has(r.markers, "method:job") && has(r.markers, "job_id") &&
		    has(r.markers, "blob") && has(r.markers, "seed_hash"));
	assert_int_equal(r.procs_with_2_markers, 1);
	assert_true(r.bytes_read > 0 && r.regions_scanned > 0);
	assert_true(f.present >> CJD_EVFEAT_st_markers & 1);
	assert_true(f.v[CJD_EVFEAT_st_markers] >= 2 && f.v[CJD_EVFEAT_st_processes] == 1);
	cjd_stratum_result_free(&r);
}

static void test_jsonrpc(void **state)
{
	struct kid *k = *state;
	struct cjd_stratum_result r;
	struct cjd_evfeat f;

	start(k, "jsonrpc");
	probe(&k->pid, 1, &r, &f);
	assert_int_equal(r.procs_scanned, 1);
	assert_true(r.bytes_read > 0);
	assert_int_equal(r.markers, 0);
	assert_true(f.present >> CJD_EVFEAT_st_markers & 1); /* measured: zero */
	assert_true(f.v[CJD_EVFEAT_st_markers] == 0 && f.v[CJD_EVFEAT_st_processes] == 0);
	cjd_stratum_result_free(&r);
}

/* A process gone before the scan, and one that exits while it is read (48 MiB to read, it
 * exits 20 ms after it is ready): counted, never an error. */
static void test_exits(void **state)
{
	struct kid *k = *state;
	struct cjd_stratum_result r;
	struct cjd_evfeat f;
	pid_t pids[2];

	start(k, "job");
	pids[0] = k->pid;
	kid_stop(k);
	start(k, "churn");
	pids[1] = k->pid;
	probe(pids, 2, &r, &f);
	assert_int_equal(r.procs[0].rc, -ESRCH);
	/* the churner was read whole (the scan won the race) or counted as gone */
	assert_true(r.procs[1].rc == 0 || r.procs[1].rc == -ESRCH);
	assert_int_equal(r.procs_gone, 1 + (r.procs[1].rc == -ESRCH));
	fprintf(stderr, "  churn: %s after %llu bytes\n", r.procs[1].rc ? "exited mid-scan" : "read whole",
		(unsigned long long)r.procs[1].bytes_read);
	cjd_stratum_result_free(&r);
}

int main(void)
{
	char why[256];
	struct cjd_stratum_result r;
	struct cjd_error err;
	pid_t self = getpid();

	/* a process may always read its own memory; a refusal here says the kernel forbids it */
	if (!cjd_stratum_available(why, sizeof(why)) ||
	    cjd_stratum_run(&self, 1, NULL, &r, &err) != 0) {
		fprintf(stderr, "SKIP: process_vm_readv does not work here: %s\n", why[0] ? why : err.text);
		return 77;
	}
	cjd_stratum_result_free(&r);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_job, setup_kid, teardown_kid),
		cmocka_unit_test_setup_teardown(test_jsonrpc, setup_kid, teardown_kid),
		cmocka_unit_test_setup_teardown(test_exits, setup_kid, teardown_kid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
