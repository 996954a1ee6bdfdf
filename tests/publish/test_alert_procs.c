/* cjd.processes from cgroup v1 and v2 trees: fixture hierarchies listing this test's own process, read directly and by the publisher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/publish/alert_procs.h"
#include "cjd/publish/publish_zmq.h"
#include "zt.h"

#define ID64 "5f781a344b1cb2b614834c77c2665a7e1ee471cf09467e83b92b264ca8685dd8"

static char tmp[128];

static void put(const char *dir, const char *file, const char *text)
{
	char cmd[1200], path[1200];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/*
 * The two layouts a container's processes are found in:
 *   v1 (a perf_event or other v1 hierarchy, Docker's cgroupfs driver): <root>/docker/<id>/
 *      with cgroup.procs and tasks
 *   v2 (unified, systemd driver): <root>/system.slice/docker-<id>.scope/ with cgroup.procs
 *      and cgroup.threads
 * Each lists this process, a PID that does not exist and a line that is not a PID.
 */
static int setup(void **state)
{
	(void)state;
	char dir[600], list[128];
	snprintf(tmp, sizeof(tmp), "/tmp/cjd-test-procs-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(tmp))
		return -1;
	snprintf(list, sizeof(list), "%d\n999999999\nnot-a-pid\n", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/v1/docker/" ID64, tmp);
	put(dir, "cgroup.procs", list);
	put(dir, "tasks", list);
	put(dir, "freezer.state", "THAWED\n");
	snprintf(dir, sizeof(dir), "%s/v2/system.slice/docker-" ID64 ".scope", tmp);
	put(dir, "cgroup.procs", list);
	put(dir, "cgroup.threads", list);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void check_self(const struct cjd_process *p)
{
	char comm[64] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	assert_int_equal(p->pid, (int)getpid());
	assert_string_equal(p->comm, comm);
	assert_non_null(strstr(p->exe, "test_alert_procs"));
	assert_non_null(strstr(p->cmdline, "test_alert_procs"));
}

static void test_v1_and_v2_trees(void **state)
{
	(void)state;
	struct cjd_process procs[CJD_ALERT_MAX_PROCS];
	char root[300];
	size_t total;

	snprintf(root, sizeof(root), "%s/v1", tmp);
	assert_int_equal(cjd_procs_read(root, "/docker/" ID64, procs, CJD_ALERT_MAX_PROCS, &total), 1);
	assert_int_equal(total, 2); /* two PIDs listed; the gone one is not itemised */
	check_self(&procs[0]);
	/* a trailing slash, as some v1 paths are written */
	assert_int_equal(cjd_procs_read(root, "/docker/" ID64 "/", procs, CJD_ALERT_MAX_PROCS, &total), 1);

	snprintf(root, sizeof(root), "%s/v2", tmp);
	assert_int_equal(cjd_procs_read(root, "/system.slice/docker-" ID64 ".scope", procs,
					CJD_ALERT_MAX_PROCS, &total),
			 1);
	check_self(&procs[0]);

	/* gone, and never outside the root */
	assert_int_equal(cjd_procs_read(root, "/docker/" ID64, procs, CJD_ALERT_MAX_PROCS, &total), -ENOENT);
	assert_int_equal(cjd_procs_read(root, "/system.slice/../../v1/docker/" ID64, procs,
					CJD_ALERT_MAX_PROCS, &total),
			 -EINVAL);
	assert_int_equal(total, 0);
}

/* The publisher lists processes for a v1 root just as for a v2 one (the agent passes either). */
static void test_publisher_v1_root(void **state)
{
	(void)state;
	char root[300], *text = NULL, msg[4096];
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct cjd_error err;
	struct cjd_publisher *p;
	struct cjd_alert a;

	snprintf(root, sizeof(root), "%s/v1", tmp);
	struct cjd_publisher_config cfg = {.echo = m, .cgroup_root = root, .host_name = "h",
					   .host_id = ""};
	assert_int_equal(cjd_publisher_new(&p, &cfg, &err), 0);
	zt_alert(&a, CJD_ALERT_FIRING, "/docker/" ID64);
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	cjd_publisher_free(p);
	fclose(m);
	json_t *d = json_loads(text, 0, NULL);
	assert_non_null(d);
	json_t *cjd = json_object_get(d, "cjd");
	assert_int_equal(json_integer_value(json_object_get(cjd, "processes_total")), 2);
	json_t *p0 = json_array_get(json_object_get(cjd, "processes"), 0);
	assert_int_equal(json_integer_value(json_object_get(p0, "pid")), (int)getpid());
	json_decref(d);
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", text, msg, sizeof(msg)), 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_v1_and_v2_trees),
					   cmocka_unit_test(test_publisher_v1_root)};
	return cmocka_run_group_tests(tests, setup, teardown);
}
