/* Real kernel: code sampling tells JIT code from file-backed code, sees an AES loop's mix, counts losses, samples threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/evidence/codesample.h"
#include "kernel_env.h"

/*
 * Needs root and cgroup v2 with perf_event (main exits 77 with the reason
 * otherwise). Each test starts evidence_codeload in a cgroup of its own under
 * <v2>/cjd-ev-code-<pid>/ and removes it, also when an assertion fails.
 */

#include "kids.h"

static void start(struct kid *k, const char *name, const char *mode)
{
	char *argv[] = {(char *)CJD_CODELOAD, (char *)mode, NULL};

	kid_start(k, name, argv);
	usleep(100000); /* into its loop */
}

static void sample(struct kid *k, const struct cjd_codesample_opts *o,
		   struct cjd_codesample_result *r)
{
	struct cjd_error err;
	char text[800];

	if (cjd_codesample_run(k->dir, o, r, &err) != 0)
		fail_msg("codesample: %s: %s", err.file, err.text);
	cjd_codesample_describe(r, text, sizeof(text));
	fprintf(stderr, "  %s\n", text);
}

/* The mul/xor/rotate loop: one block of imul, xor, rol, add, jmp. */
static void assert_mulxor_mix(const struct cjd_codesample_result *r)
{
	assert_true(r->mix_available);
	assert_true(r->decoded_samples >= r->user_samples * 9 / 10);
	assert_true(r->mix[CJD_ICLASS_MUL64] > 0.15 && r->mix[CJD_ICLASS_MUL64] < 0.25);
	assert_true(r->mix[CJD_ICLASS_ALU] > 0.55 && r->mix[CJD_ICLASS_ALU] < 0.65);
	assert_true(r->mix[CJD_ICLASS_BRANCH] > 0.15 && r->mix[CJD_ICLASS_BRANCH] < 0.25);
	assert_true(r->mix[CJD_ICLASS_AES] == 0.0);
	/* A 16-byte loop: 90 % of the samples sit in one or two 64-byte lines. */
	assert_true(r->hot90_lines >= 1 && r->hot90_lines <= 2);
}

static void test_jit_is_off_disk(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;

	start(k, "jit", "jit");
	sample(k, NULL, &r);
	assert_true(r.user_samples >= 50);
	assert_int_equal(r.npids, 1);
	assert_true(r.off_disk_share > 0.9);
	assert_int_equal(r.top[0].kind, CJD_REGION_ANON);
	assert_string_equal(r.top[0].path, "[anon]");
	assert_false(r.per_thread);
	assert_mulxor_mix(&r);
}

static void test_file_is_main_executable(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;

	start(k, "file", "file");
	sample(k, NULL, &r);
	assert_true(r.user_samples >= 50);
	assert_true(r.off_disk_share < 0.05);
	assert_int_equal(r.top[0].kind, CJD_REGION_MAIN);
	assert_non_null(strstr(r.top[0].path, "evidence_codeload"));
	assert_mulxor_mix(&r);
}

static void test_aes_loop_mix(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;

	start(k, "aes", "aes");
	sample(k, NULL, &r);
	assert_true(r.user_samples >= 50);
	/* Four aesenc and a jmp: 80 % AES by the block rule. */
	assert_true(r.mix_available);
	assert_true(r.mix[CJD_ICLASS_AES] > 0.7);
	assert_true(r.mix[CJD_ICLASS_MUL64] == 0.0);
}

static void test_idle_has_no_samples(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;
	struct cjd_codesample_opts o = {.duration_ns = 300000000};
	char text[400];

	start(k, "idle", "idle");
	sample(k, &o, &r);
	assert_int_equal(r.user_samples, 0);
	assert_false(r.mix_available);
	cjd_codesample_describe(&r, text, sizeof(text));
	assert_true(strstr(text, "idle") || strstr(text, "kernel"));
}

/* A one-page ring drained every 100 ms cannot hold 10 kHz of samples: the kernel reports losses. */
static void test_losses_are_counted(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;
	struct cjd_codesample_opts o = {.period_ns = 100000, .ring_pages = 1, .no_code = true};
	json_t *j;

	start(k, "lossy", "file");
	sample(k, &o, &r);
	assert_true(r.lost > 0);
	assert_int_equal(r.corrupt, 0);
	assert_false(r.mix_available);
	assert_string_equal(r.mix_why, "code reading turned off");
	assert_int_equal(cjd_codesample_to_json(&r, &j), 0);
	assert_true(json_integer_value(json_object_get(json_object_get(j, "samples"), "lost")) > 0);
	json_decref(j);
}

/* cjd inspect --pid: events per thread, no cgroup. */
static void test_threads_mode(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;
	struct cjd_error err;
	pid_t tids[64];
	size_t n = 0;
	char path[64];
	DIR *d;
	struct dirent *e;

	start(k, NULL, "jit");
	snprintf(path, sizeof(path), "/proc/%d/task", (int)k->pid);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)) && n < 64)
		if (e->d_name[0] != '.')
			tids[n++] = atoi(e->d_name);
	closedir(d);
	/* A thread id that does not exist is skipped, not an error. */
	tids[n++] = 0x3ffffff0;
	if (cjd_codesample_run_tids(tids, n, NULL, &r, &err) != 0)
		fail_msg("codesample: %s", err.text);
	assert_true(r.per_thread);
	assert_int_equal(r.nrings, n - 1);
	assert_true(r.user_samples >= 50);
	assert_true(r.off_disk_share > 0.9);
	assert_mulxor_mix(&r);
	pid_t gone = 0x3ffffff0;
	assert_int_equal(cjd_codesample_run_tids(&gone, 1, NULL, &r, &err), -ESRCH);
}

/* A maps file that does not parse: samples resolve as "unknown", and the error is reported. */
static void test_bad_maps_is_reported(void **state)
{
	struct kid *k = *state;
	struct cjd_codesample_result r;
	struct cjd_codesample_opts o = {.duration_ns = 300000000, .no_code = true};
	char root[] = "/tmp/cjd-ev-code-proc-XXXXXX", dir[128], file[160];
	FILE *f;

	start(k, "badmaps", "file");
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/%d", root, (int)k->pid);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/maps", dir);
	assert_non_null(f = fopen(file, "w"));
	fputs("not a maps line\n", f);
	fclose(f);
	o.proc = root;
	sample(k, &o, &r);
	unlink(file);
	rmdir(dir);
	rmdir(root);
	assert_true(r.user_samples > 0);
	assert_int_equal(r.maps_failed, 1);
	assert_int_equal(r.region_samples[CJD_REGION_UNKNOWN], r.user_samples);
	assert_non_null(strstr(r.maps_note, "/maps:1:1: expected 'start-end'"));
}

static void test_missing_cgroup(void **state)
{
	struct cjd_codesample_result r;
	struct cjd_error err;
	char dir[4400];

	(void)state;
	snprintf(dir, sizeof(dir), "%s%s/absent", v2.path, parent);
	assert_int_equal(cjd_codesample_run(dir, NULL, &r, &err), -ENOENT);
	assert_string_equal(err.file, dir);
	assert_non_null(strstr(err.text, "cannot open the cgroup"));
}

int main(void)
{
	struct cjd_error err;
	char why[256];
	int rc;

	if ((rc = kernel_env(&v2)) != 0)
		return rc;
	if (!cjd_codesample_available(false, why, sizeof(why))) {
		fprintf(stderr, "SKIP: %s\n", why);
		return 77;
	}
	snprintf(parent, sizeof(parent), "/cjd-ev-code-%d", (int)getpid());
	if (cjd_cgroupfs_create(&v2, parent, &err) != 0) {
		fprintf(stderr, "SKIP: cannot create %s: %s\n", parent, err.text);
		return 77;
	}
#define T(f) cmocka_unit_test_setup_teardown(f, setup_kid, teardown_kid)
	const struct CMUnitTest tests[] = {
		T(test_jit_is_off_disk),    T(test_file_is_main_executable), T(test_aes_loop_mix),
		T(test_idle_has_no_samples), T(test_losses_are_counted),      T(test_threads_mode),
		T(test_bad_maps_is_reported),
		cmocka_unit_test(test_missing_cgroup),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (cjd_cgroupfs_destroy(&v2, parent, 2000, &err) != 0)
		fprintf(stderr, "teardown: %s\n", err.text);
	return rc;
}
