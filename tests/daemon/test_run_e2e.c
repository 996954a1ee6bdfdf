/* End to end: `cjd run` in software mode on real cgroups, real processes and a real SUB socket. */
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "zt.h"

static char *dir;
static void *zctx;
static void *sub;
static char root[4096], base[4200], hash_cg[4300], idle_cg[4300];
static pid_t hash_pid = -1, idle_pid = -1;
/* the cjd processes, here so that teardown stops them when an assertion failed midway */
static struct zt_child agent, det, col[2];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Starts argv inside the cgroup directory cg (the child moves itself in before exec). */
static pid_t start_in(const char *cg, char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		if (cjd_cgroupfs_enter_self(cg) != 0)
			_exit(126);
		/* The test is about the agent's path from counts to alert and action, not about
		 * the scheduler: on a busy machine (a shared CI host) a miner at nice 0 gets a
		 * fraction of a CPU and stops looking like one. At -15 it gets its CPU, as a
		 * miner does on the idle cores it picks. */
		(void)setpriority(PRIO_PROCESS, 0, -15);
		int null = open("/dev/null", 0);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

static int setup(void **state)
{
	(void)state;
	struct cjd_mounts m;
	if (geteuid() != 0) {
		fprintf(stderr, "skip: the end-to-end test creates cgroups and needs root\n");
		exit(77);
	}
	if (cjd_mounts_parse(NULL, &m) || !cjd_mounts_v2(&m)) {
		fprintf(stderr, "skip: no cgroup v2 hierarchy mounted\n");
		exit(77);
	}
	snprintf(root, sizeof(root), "%s", cjd_mounts_v2(&m));
	if (zt_setup("run-e2e", false, &dir, &zctx))
		return -1;
	snprintf(base, sizeof(base), "%s/cjd-e2e-%d", root, (int)getpid());
	snprintf(hash_cg, sizeof(hash_cg), "%s/hash", base);
	snprintf(idle_cg, sizeof(idle_cg), "%s/idle", base);
	if (mkdir(base, 0755) || mkdir(hash_cg, 0755) || mkdir(idle_cg, 0755))
		return -1;
	return 0;
}

/* Kills a cjd a failed assertion left running (pid > 0: spawned and not waited for). */
static void reap(struct zt_child *c)
{
	if (c->pid > 0)
		zt_child_close(c);
}

static int teardown(void **state)
{
	(void)state;
	char p[4400];
	reap(&agent);
	reap(&det);
	reap(&col[0]);
	reap(&col[1]);
	if (sub)
		zmq_close(sub);
	snprintf(p, sizeof(p), "%s/cgroup.freeze", hash_cg);
	put(p, "0");
	stop_child(&hash_pid);
	stop_child(&idle_pid);
	/* an emptied cgroup can take a moment to be removable */
	for (int i = 0; i < 100 && (rmdir(hash_cg) || rmdir(idle_cg) || rmdir(base)) && errno == EBUSY; i++)
		usleep(20000);
	rmdir(hash_cg);
	rmdir(idle_cg);
	rmdir(base);
	return zt_teardown(&dir, &zctx);
}

static bool frozen(void)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/cgroup.events", hash_cg);
	size_t n;
	char *t = zt_slurp(p, &n);
	bool yes = t && strstr(t, "frozen 1");
	free(t);
	return yes;
}

/* Waits for the first heartbeat on sub (subscribed to it): then the agent has our
 * subscription, and nothing it publishes from now on is dropped for want of it. */
static int wait_heartbeat(void *sock, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;

	while (zt_now_ms() < deadline) {
		char *topic = NULL, *body = NULL;
		if (zt_recv(sock, &topic, &body, 500) != 0)
			continue;
		bool hb = !strcmp(topic, "heartbeat");
		free(topic);
		free(body);
		if (hb)
			return 0;
	}
	return -ETIMEDOUT;
}

static void test_run_fires_freezes_and_stops(void **state)
{
	(void)state;
	char endpoint[600], journal[600], include[4400], model[600], hashloop[600];

	snprintf(hashloop, sizeof(hashloop), "%s", getenv("CJD_HASHLOOP"));
	char *hash_argv[] = {hashloop, NULL};
	char *idle_argv[] = {"/bin/sleep", "1000", NULL};
	idle_pid = start_in(idle_cg, idle_argv);
	assert_true(idle_pid > 0);

	snprintf(endpoint, sizeof(endpoint), "ipc://%s/alerts.sock", dir);
	snprintf(journal, sizeof(journal), "%s/alerts.jsonl", dir);
	snprintf(include, sizeof(include), "/cjd-e2e-%d/*", (int)getpid());
	/* The fixture that scores steadily busy CPU high, not the shipped model: this test is
	 * about the agent's path from counts to alert, action and shutdown. The shipped
	 * model lets this network-silent one-thread loop pass at 1 s and catches it at
	 * 200 ms in only 2 of 3 runs (BENCHMARKS.md, "Detection latency"); its quality is
	 * tested on recorded traces by tests/models/default_models.sh. The fixture fires
	 * from a third of a CPU on (a shared CI host may not give the loop a whole one),
	 * and it needs syscalls: the agent refuses it unless it counts them, which on a
	 * freshly booted host means it mounted tracefs itself. */
	zt_source("tests/daemon/data/busy-syscalls.json", model, sizeof(model));
	char config[600];
	snprintf(config, sizeof(config), "%s/cjd.json", dir);
	FILE *cf = fopen(config, "w");
	assert_non_null(cf);
	fputs("{\"publish\": {\"heartbeat_every\": \"1s\"}}\n", cf);
	fclose(cf);
	char *const argv[] = {(char *)zt_cjd_bin(), "--log-level", "debug", "run", "--config",
			      config, "--interval", "200ms", "--cgroup", include, "--model", model,
			      "--publish", endpoint, "--metrics-listen", "127.0.0.1:0",
			      "--journal", journal, "--action", "freeze",
			      "--action-min-score", "0.5",
			      /* screening alone decides (the evidence stage has its own test) */
			      "--evidence-require", "none", NULL};
	/* PUB/SUB drops what goes out before a subscription arrives, and the fixture fires
	 * within a second of counting a busy cgroup: the loop starts only once a heartbeat
	 * came through (the agent then finds its cgroup at the next re-scan), so a test that
	 * subscribes slowly (under valgrind) does not miss the alert. */
	sub = zt_sub(zctx, endpoint, "alert.");
	assert_non_null(sub);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "heartbeat", 9), 0);
	assert_int_equal(zt_spawn(&agent, argv, true), 0);
	assert_int_equal(wait_heartbeat(sub, 30000), 0);
	hash_pid = start_in(hash_cg, hash_argv);
	assert_true(hash_pid > 0);

	/* firing, then frozen, for the hashing cgroup; nothing at all for the sleeper */
	bool fired = false, froze_alert = false;
	uint64_t deadline = zt_now_ms() + 30000;
	while (zt_now_ms() < deadline && !(fired && froze_alert)) {
		char *topic = NULL, *body = NULL;
		if (zt_recv(sub, &topic, &body, 1000) != 0)
			continue;
		if (strstr(body, "/idle\""))
			fail_msg("the idle cgroup alerted: %s %s", topic, body);
		if (strstr(body, "/hash\"")) {
			if (!strcmp(topic, "alert.firing"))
				fired = true;
			if (!strcmp(topic, "alert.frozen")) {
				assert_true(fired);
				assert_non_null(strstr(body, "\"outcome\":\"success\""));
				froze_alert = true;
			}
		}
		free(topic);
		free(body);
	}
	if (!fired || !froze_alert) {
		kill(agent.pid, SIGTERM);
		zt_wait(&agent, 5000);
		char *log = zt_read_err(&agent, 1000);
		size_t n = strlen(log);
		fprintf(stderr, "the agent said (last 6000 bytes):\n%s\n", log + (n > 6000 ? n - 6000 : 0));
		free(log);
		fail_msg("no %s for /hash in 30 s", fired ? "alert.frozen" : "alert.firing");
	}
	/* the kernel agrees: the cgroup is frozen */
	bool is_frozen = false;
	for (int i = 0; i < 100 && !(is_frozen = frozen()); i++)
		usleep(20000);
	assert_true(is_frozen);

	/* SIGTERM: exit 0 within 2 s, every fd closed */
	uint64_t t0 = zt_now_ms();
	kill(agent.pid, SIGTERM);
	int st = zt_wait(&agent, 5000);
	uint64_t took = zt_now_ms() - t0;
	char *err = zt_read_err(&agent, 1000);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fail_msg("cjd run exited with status %d:\n%s", st, err);
	if (took > 2000)
		fail_msg("cjd run took %llu ms to stop", (unsigned long long)took);
	if (!strstr(err, "file descriptors left open at exit: 0\n")) {
		const char *tail = strstr(err, "file descriptors left open");
		fail_msg("status %d after %llu ms; fds left open: %s", st, (unsigned long long)took, tail ? tail : err + (strlen(err) > 400 ? strlen(err) - 400 : 0));
	}
	assert_non_null(strstr(err, "software mode"));
	free(err);
	zt_child_close(&agent);
	/* the journal holds the same alerts, each a complete line */
	assert_true(zt_count_lines(journal) >= 2);
}

/*
 * Split mode: two collectors with different host names watch the same
 * cgroups and stream to one detector; each host's hashing cgroup fires on
 * its own (state kept apart per host), and the sleeper never alerts.
 */
static void test_split_mode_two_hosts(void **state)
{
	(void)state;
	char samples_ep[600], alerts_ep[600], journal[600], include[4400], model[600];
	char p[4400];

	/* the first test froze the hashing cgroup: thaw it, and make sure the loop runs */
	snprintf(p, sizeof(p), "%s/cgroup.freeze", hash_cg);
	put(p, "0");
	if (hash_pid <= 0) {
		char hashloop[600];
		snprintf(hashloop, sizeof(hashloop), "%s", getenv("CJD_HASHLOOP"));
		char *hash_argv[] = {hashloop, NULL};
		hash_pid = start_in(hash_cg, hash_argv);
	}
	if (idle_pid <= 0) {
		char *idle_argv[] = {"/bin/sleep", "1000", NULL};
		idle_pid = start_in(idle_cg, idle_argv);
	}
	snprintf(samples_ep, sizeof(samples_ep), "ipc://%s/samples.sock", dir);
	snprintf(alerts_ep, sizeof(alerts_ep), "ipc://%s/split-alerts.sock", dir);
	snprintf(journal, sizeof(journal), "%s/split.jsonl", dir);
	snprintf(include, sizeof(include), "/cjd-e2e-%d/*", (int)getpid());
	zt_source("tests/daemon/data/busy-syscalls.json", model, sizeof(model));

	char *const dargv[] = {(char *)zt_cjd_bin(), "detect", "--bind", samples_ep, "--publish",
			       alerts_ep, "--journal", journal, "--model", model, NULL};
	assert_int_equal(zt_spawn(&det, dargv, true), 0);
	char sockpath[600];
	snprintf(sockpath, sizeof(sockpath), "%s/split-alerts.sock", dir);
	for (int i = 0; i < 500 && access(sockpath, F_OK) != 0; i++)
		usleep(10000);
	if (sub)
		zmq_close(sub);
	sub = zt_sub(zctx, alerts_ep, "alert.");
	assert_non_null(sub);
	const char *hosts[2] = {"sim-host-a", "sim-host-b"};
	for (int h = 0; h < 2; h++) {
		char *const cargv[] = {(char *)zt_cjd_bin(), "collect", "--connect", samples_ep,
				       "--host", (char *)hosts[h], "--interval", "200ms",
				       "--cgroup", include, NULL};
		assert_int_equal(zt_spawn(&col[h], cargv, true), 0);
	}

	bool fired[2] = {false, false};
	uint64_t deadline = zt_now_ms() + 30000;
	while (zt_now_ms() < deadline && !(fired[0] && fired[1])) {
		char *topic = NULL, *body = NULL;
		if (zt_recv(sub, &topic, &body, 1000) != 0)
			continue;
		if (strstr(body, "/idle\""))
			fail_msg("the idle cgroup alerted: %s %s", topic, body);
		for (int h = 0; h < 2; h++) {
			char want[64];
			snprintf(want, sizeof(want), "\"name\":\"%s\"", hosts[h]);
			if (!strcmp(topic, "alert.firing") && strstr(body, want) &&
			    strstr(body, "/hash\""))
				fired[h] = true;
		}
		free(topic);
		free(body);
	}
	for (int h = 0; h < 2; h++) {
		kill(col[h].pid, SIGTERM);
		int st = zt_wait(&col[h], 5000);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		zt_child_close(&col[h]);
	}
	kill(det.pid, SIGTERM);
	int st = zt_wait(&det, 5000);
	char *err = zt_read_err(&det, 1000);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fail_msg("cjd detect exited with status %d", st);
	assert_non_null(strstr(err, "detect: 2 hosts"));
	free(err);
	zt_child_close(&det);
	assert_true(fired[0]);
	assert_true(fired[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_fires_freezes_and_stops),
		cmocka_unit_test(test_split_mode_two_hosts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
