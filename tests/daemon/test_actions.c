/* Tests of response actions: path refusals, symlink safety on a fake hierarchy, and a real freeze. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/daemon/actions.h"

static char fake[64];

static void put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *get_file(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;
	if (!fp)
		return NULL;
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	char p[256];
	snprintf(fake, sizeof(fake), "/tmp/cjd-actions-%d", getpid());
	mkdir(fake, 0755);
	snprintf(p, sizeof(p), "%s/v2", fake), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/v2/pod", fake), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/v2/pod/cgroup.freeze", fake), put_file(p, "0");
	snprintf(p, sizeof(p), "%s/outside", fake), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/outside/cgroup.freeze", fake), put_file(p, "0");
	char target[256];
	snprintf(target, sizeof(target), "%s/outside", fake);
	snprintf(p, sizeof(p), "%s/v2/link", fake);
	if (symlink(target, p) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/v1", fake), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/v1/pod", fake), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/v1/pod/cpu.cfs_quota_us", fake), put_file(p, "-1");
	snprintf(p, sizeof(p), "%s/v1/pod/cpu.cfs_period_us", fake), put_file(p, "100000");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cjd_actions *fake_actions(enum cjd_action_kind kind, const char *const *allow,
					size_t nallow)
{
	char v2[128], v1[128];
	struct cjd_actions *a;
	snprintf(v2, sizeof(v2), "%s/v2", fake);
	snprintf(v1, sizeof(v1), "%s/v1", fake);
	struct cjd_actions_config cfg = {.kind = kind, .min_score = 0.9, .quota_us = 20000,
					 .period_us = 100000, .v2_root = v2, .v1_cpu_root = v1,
					 .allowlist = allow, .n_allowlist = nallow,
					 .self_cgroup = "/system.slice/cjd.service"};
	assert_int_equal(cjd_actions_new(&a, &cfg), 0);
	return a;
}

static void test_refusals(void **state)
{
	(void)state;
	static const char *const allow[] = {"/system.slice/sshd*"};
	struct cjd_actions *a = fake_actions(CJD_ACTION_FREEZE, allow, 1);
	struct cjd_action_result r;
	static const char *const refused[] = {
		"/", "//", "", "relative", "/../etc", "/pod/../..", "/a/./b", "/pod/..",
		"/pod\n/x", "/system.slice/cjd.service", "/system.slice/cjd.service/",
		"/system.slice", "/system.slice/sshd.service"};
	char why[160];
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(cjd_actions_apply(a, refused[i], 0.99, &r), -EPERM);
		assert_int_equal(r.outcome, CJD_ACT_REFUSED);
	}
	assert_int_equal(cjd_actions_check(a, "/pod", why, sizeof(why)), 0);
	assert_int_equal(cjd_actions_check(a, "/pod..x", why, sizeof(why)), 0); /* a name, not '..' */
	/* below min_score: skipped, nothing written */
	assert_int_equal(cjd_actions_apply(a, "/pod", 0.5, &r), 0);
	assert_int_equal(r.outcome, CJD_ACT_SKIPPED);
	cjd_actions_free(a);
}

static void test_freeze_fake_and_symlink(void **state)
{
	(void)state;
	struct cjd_actions *a = fake_actions(CJD_ACTION_FREEZE, NULL, 0);
	struct cjd_action_result r;
	char p[256], buf[32];

	assert_int_equal(cjd_actions_apply(a, "/pod", 0.99, &r), 0);
	assert_int_equal(r.outcome, CJD_ACT_DONE);
	snprintf(p, sizeof(p), "%s/v2/pod/cgroup.freeze", fake);
	assert_string_equal(get_file(p, buf, sizeof(buf)), "1");
	/* a symlink inside the hierarchy is never followed out of it */
	assert_int_equal(cjd_actions_apply(a, "/link", 0.99, &r), -ELOOP);
	assert_int_equal(r.outcome, CJD_ACT_FAILED);
	snprintf(p, sizeof(p), "%s/outside/cgroup.freeze", fake);
	assert_string_equal(get_file(p, buf, sizeof(buf)), "0");
	/* a cgroup that does not exist: reported, not created */
	assert_int_equal(cjd_actions_apply(a, "/nope", 0.99, &r), -ENOENT);
	assert_int_equal(r.outcome, CJD_ACT_FAILED);
	cjd_actions_free(a);
}

static void test_throttle_falls_back_to_v1(void **state)
{
	(void)state;
	struct cjd_actions *a = fake_actions(CJD_ACTION_THROTTLE, NULL, 0);
	struct cjd_action_result r;
	char p[256], buf[32];

	assert_int_equal(cjd_actions_apply(a, "/pod", 0.95, &r), 0);
	assert_int_equal(r.outcome, CJD_ACT_DONE);
	snprintf(p, sizeof(p), "%s/v1/pod/cpu.cfs_quota_us", fake);
	assert_string_equal(get_file(p, buf, sizeof(buf)), "20000");
	/* with cpu.max present on v2, v2 wins */
	snprintf(p, sizeof(p), "%s/v2/pod/cpu.max", fake);
	put_file(p, "max 100000");
	assert_int_equal(cjd_actions_apply(a, "/pod", 0.95, &r), 0);
	assert_string_equal(get_file(p, buf, sizeof(buf)), "20000 100000");
	cjd_actions_free(a);
}

/* Real kernel: freeze a cgroup holding a sleeping child and see cgroup.events say so. */
static void test_real_freeze(void **state)
{
	(void)state;
	char root[256] = "", dir[512], p[600], buf[256];
	struct cjd_actions *a;
	struct cjd_action_result r;
	FILE *fp = fopen("/proc/self/mountinfo", "r");
	char line[1024];

	if (geteuid() != 0) {
		print_message("skip: creating cgroups needs root\n");
		skip();
	}
	while (fp && fgets(line, sizeof(line), fp)) {
		char mnt[256];
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1)
			snprintf(root, sizeof(root), "%s", mnt);
	}
	if (fp)
		fclose(fp);
	if (!root[0]) {
		print_message("skip: no cgroup v2 hierarchy mounted\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/cjd-test-freeze-%d", root, getpid());
	assert_int_equal(mkdir(dir, 0755), 0);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	snprintf(buf, sizeof(buf), "%d", child);
	put_file(p, buf);
	struct cjd_actions_config cfg = {.kind = CJD_ACTION_FREEZE, .min_score = 0.5,
					 .v2_root = root};
	assert_int_equal(cjd_actions_new(&a, &cfg), 0);
	int rc = cjd_actions_apply(a, dir + strlen(root), 0.99, &r);
	int frozen = 0;
	for (int i = 0; i < 200 && rc == 0 && !frozen; i++) {
		snprintf(p, sizeof(p), "%s/cgroup.events", dir);
		frozen = get_file(p, buf, sizeof(buf)) && strstr(buf, "frozen 1") != NULL;
		if (!frozen)
			usleep(10000);
	}
	/* clean up before asserting, so a failure leaves no cgroup behind */
	snprintf(p, sizeof(p), "%s/cgroup.freeze", dir);
	put_file(p, "0");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rmdir(dir);
	cjd_actions_free(a);
	assert_int_equal(rc, 0);
	assert_int_equal(r.outcome, CJD_ACT_DONE);
	assert_true(frozen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_freeze_fake_and_symlink),
		cmocka_unit_test(test_throttle_falls_back_to_v1),
		cmocka_unit_test(test_real_freeze),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
