/* Target enumeration: cgroup v1 and v2 fixture trees, malformed id files, a process and its threads, name resolution. */
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

#include "cjd/evidence/target.h"
#include "evidence_fixtures.h"
#include "internal.h"

static void assert_ids(const pid_t *v, size_t n, const pid_t *want, size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], want[i]);
}

static void test_v2_tree(void **state)
{
	struct cjd_target t;
	struct cjd_error err;
	static const pid_t all_pids[] = {100, 300, 400, 500};
	static const pid_t all_tids[] = {100, 101, 102, 300, 400, 401, 500, 501, 502};
	static const pid_t top_pids[] = {100, 300};

	(void)state;
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-v2"), true, &err), 0);
	assert_int_equal(t.version, 2);
	assert_ids(t.pids, t.npids, all_pids, 4); /* sorted, descendants included */
	assert_ids(t.tids, t.ntids, all_tids, 9);
	assert_int_equal(t.ncgroups, 4); /* itself, web, web/worker, idle */
	assert_string_equal(t.path, fixture_data("cgroup-v2"));
	assert_int_equal(t.pid, 0);
	cjd_target_free(&t);
	assert_null(t.pids);

	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-v2"), false, &err), 0);
	assert_ids(t.pids, t.npids, top_pids, 2);
	assert_int_equal(t.ntids, 4);
	assert_int_equal(t.ncgroups, 1);
	cjd_target_free(&t);

	/* empty: not an error */
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-v2/idle"), true, &err), 0);
	assert_int_equal(t.npids, 0);
	assert_int_equal(t.ntids, 0);
	cjd_target_free(&t);
	cjd_target_free(NULL);
}

static void test_v1_tree(void **state)
{
	struct cjd_target t;
	struct cjd_error err;
	static const pid_t pids[] = {7, 9, 11};
	static const pid_t tids[] = {7, 8, 9, 10, 11};

	(void)state;
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-v1"), true, &err), 0);
	assert_int_equal(t.version, 1);
	assert_ids(t.pids, t.npids, pids, 3);
	assert_ids(t.tids, t.ntids, tids, 5);
	assert_int_equal(t.ncgroups, 3);
	cjd_target_free(&t);
}

static void test_bad_trees(void **state)
{
	struct cjd_target t;
	struct cjd_error err;
	char msg[1024];

	(void)state;
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-bad"), true, &err), -EINVAL);
	assert_non_null(strstr(err.file, "cgroup-bad/cgroup.procs"));
	assert_int_equal(err.line, 2);
	assert_string_equal(err.text, "'abc' is not a process or thread id");
	assert_null(t.pids);

	/* deep in a descendant, and a negative id */
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-bad-child"), true, &err),
			 -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "cgroup-bad-child/sub/cgroup.threads:2: '-5' is not"));
	/* ... which a non-recursive read never opens */
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("cgroup-bad-child"), false, &err),
			 0);
	cjd_target_free(&t);

	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("not-a-cgroup"), true, &err),
			 -ENOTDIR);
	assert_non_null(strstr(err.text, "not a cgroup directory"));
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("not-a-cgroup/README"), true, &err),
			 -ENOTDIR);
	assert_int_equal(cjd_target_from_cgroup(&t, fixture_data("no-such-dir"), true, &err), -ENOENT);
	assert_string_equal(err.text, "no such cgroup");
}

static void test_parse_id(void **state)
{
	pid_t id;

	(void)state;
	assert_int_equal(cjd_ev_parse_id("42", &id), 0);
	assert_int_equal(id, 42);
	assert_int_equal(cjd_ev_parse_id("2147483647", &id), 0);
	assert_int_equal(cjd_ev_parse_id("2147483648", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id("0", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id("", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id(" 1", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id("1 ", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id("+1", &id), -EINVAL);
	assert_int_equal(cjd_ev_parse_id("99999999999999999999", &id), -EINVAL);
}

static void *idle_thread(void *arg)
{
	pthread_barrier_t *b = arg;

	pthread_barrier_wait(b); /* started */
	pthread_barrier_wait(b); /* may end */
	return NULL;
}

static void test_from_pid(void **state)
{
	struct cjd_target t;
	struct cjd_error err;
	pthread_barrier_t b;
	pthread_t th;
	char rel[4096];
	pid_t *tids;
	int n;

	(void)state;
	/* threads before ours: 1 natively; under qemu-user also the emulator's own */
	int before = cjd_target_list_tids(getpid(), NULL, &tids);
	free(tids);
	assert_true(before >= 1);
	pthread_barrier_init(&b, NULL, 2);
	pthread_create(&th, NULL, idle_thread, &b);
	pthread_barrier_wait(&b);
	assert_int_equal(cjd_target_from_pid(&t, getpid(), NULL, NULL, &err), 0);
	assert_int_equal(t.pid, getpid());
	assert_int_equal(t.npids, 1);
	assert_int_equal(t.pids[0], getpid());
	assert_int_equal(t.ntids, before + 1);
	assert_int_equal(t.tids[0], getpid());
	assert_string_equal(t.path, "");
	assert_int_equal(t.version, 0);
	pid_t other = t.tids[1];
	cjd_target_free(&t);
	/* a thread id names its process */
	assert_int_equal(cjd_target_from_pid(&t, other, NULL, NULL, &err), 0);
	assert_int_equal(t.pid, getpid());
	cjd_target_free(&t);
	pthread_barrier_wait(&b);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&b);

	/* pthread_join returns before the kernel has dropped the thread from /proc: allow
	 * it a moment */
	for (int i = 0; i < 1000; i++) {
		n = cjd_target_list_tids(getpid(), NULL, &tids);
		free(tids);
		if (n == before)
			break;
		usleep(1000);
	}
	assert_int_equal(n, before);
	assert_int_equal(cjd_target_list_tids(999999999, NULL, &tids), -ESRCH);
	assert_null(tids);

	assert_int_equal(cjd_target_from_pid(&t, 999999999, NULL, NULL, &err), -ESRCH);
	assert_string_equal(err.text, "process 999999999 does not exist");
	assert_int_equal(cjd_target_from_pid(&t, -3, NULL, NULL, &err), -EINVAL);

	/* our own cgroup v2 path, when the kernel has the v2 line */
	if (cjd_target_cgroup_of(getpid(), NULL, NULL, rel, sizeof(rel)) == 0)
		assert_true(rel[0] == '/');
}

static void test_cgroup_of(void **state)
{
	char dir[256], rel[4096];

	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "cgroup-of");
	fixture_write(dir, "5/cgroup",
		      "12:pids:/user.slice\n5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n"
		      "1:name=systemd:/docker/abc\n0::/system.slice/docker-abc.scope\n");
	fixture_write(dir, "6/cgroup", "0::/\n");
	fixture_write(dir, "7/cgroup", "garbage\n4:memory\n");
	assert_int_equal(cjd_target_cgroup_of(5, dir, NULL, rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/system.slice/docker-abc.scope");
	assert_int_equal(cjd_target_cgroup_of(5, dir, "memory", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/docker/abc");
	assert_int_equal(cjd_target_cgroup_of(5, dir, "cpuacct", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/docker/abc");
	assert_int_equal(cjd_target_cgroup_of(5, dir, "name=systemd", rel, sizeof(rel)), 0);
	assert_int_equal(cjd_target_cgroup_of(5, dir, "cpuset", rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cjd_target_cgroup_of(6, dir, "memory", rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cjd_target_cgroup_of(6, dir, NULL, rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/");
	assert_int_equal(cjd_target_cgroup_of(7, dir, "memory", rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cjd_target_cgroup_of(8, dir, NULL, rel, sizeof(rel)), -ESRCH);
	assert_int_equal(cjd_target_cgroup_of(5, dir, NULL, rel, 4), -ENAMETOOLONG);
	fixture_rmtree(dir);
}

static void test_resolve(void **state)
{
	char dir[4096], root[4096];
	struct cjd_error err;

	(void)state;
	snprintf(root, sizeof(root), "%s", fixture_data("cgroup-v2"));
	/* relative names, with or without the leading '/' alerts print */
	assert_int_equal(cjd_target_resolve("web/worker", root, dir, sizeof(dir), &err), 0);
	assert_non_null(strstr(dir, "cgroup-v2/web/worker"));
	assert_int_equal(cjd_target_resolve("/web/worker/", root, dir, sizeof(dir), &err), 0);
	assert_true(strstr(dir, "cgroup-v2/web/worker") &&
		    dir[strlen(dir) - 1] == 'r'); /* no trailing slash */
	assert_int_equal(cjd_target_resolve("/", root, dir, sizeof(dir), &err), 0);
	assert_string_equal(dir, root);
	assert_int_equal(cjd_target_resolve("/nope", root, dir, sizeof(dir), &err), -ENOENT);
	assert_non_null(strstr(err.text, "cgroup '/nope' does not exist (no directory "));
	assert_int_equal(cjd_target_resolve("", root, dir, sizeof(dir), &err), -EINVAL);
	assert_int_equal(cjd_target_resolve("web", NULL, dir, sizeof(dir), &err), -ENOENT);
	snprintf(root, sizeof(root), "%s", fixture_data("not-a-cgroup"));
	assert_int_equal(cjd_target_resolve("README", root, dir, sizeof(dir), &err), -ENOTDIR);
	assert_int_equal(cjd_target_resolve("x", root, dir, 8, &err), -ENAMETOOLONG);
	/* a directory on a real cgroup filesystem is taken as it is */
	if (cjd_target_resolve("/sys/fs/cgroup/unified", "/elsewhere", dir, sizeof(dir), &err) == 0)
		assert_string_equal(dir, "/sys/fs/cgroup/unified");
	else if (cjd_target_resolve("/sys/fs/cgroup", "/elsewhere", dir, sizeof(dir), &err) == 0)
		assert_string_equal(dir, "/sys/fs/cgroup");
}

static void test_procfs_helpers(void **state)
{
	char dir[256], comm[16];
	long v;

	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "procfs");
	fixture_task(dir, 50, 51, 1234, 'D');
	assert_int_equal(cjd_ev_status_field(50, 51, dir, "TracerPid", &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(cjd_ev_status_field(50, 51, dir, "Tgid", &v), 0);
	assert_int_equal(v, 50);
	assert_int_equal(cjd_ev_status_field(50, 51, dir, "NoSuch", &v), -ENOENT);
	assert_int_equal(cjd_ev_status_field(50, 52, dir, "Tgid", &v), -ESRCH);
	/* the state after the last ')' of a name holding ") " */
	assert_int_equal(cjd_ev_thread_state(50, 51, dir), 'D');
	assert_int_equal(cjd_ev_thread_state(50, 52, dir), '?');
	cjd_ev_comm(50, 51, dir, comm, sizeof(comm));
	assert_string_equal(comm, "t51");
	cjd_ev_comm(50, 52, dir, comm, sizeof(comm));
	assert_string_equal(comm, "");
	assert_int_equal(cjd_ev_thread_state(getpid(), getpid(), NULL), 'R');
	fixture_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_tree),	  cmocka_unit_test(test_v1_tree),
		cmocka_unit_test(test_bad_trees), cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_from_pid),  cmocka_unit_test(test_cgroup_of),
		cmocka_unit_test(test_resolve),	  cmocka_unit_test(test_procfs_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
