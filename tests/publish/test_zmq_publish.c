/* Publisher tests on real libzmq: order, schema, slow subscribers, CURVE, errors, full disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/time.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/publish_zmq.h"
#include "zt.h"

#define CG "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"

static char *dir;
static void *zctx;

static struct cjd_publisher *pub_new(struct cjd_publisher_config *cfg)
{
	struct cjd_publisher *p = NULL;
	struct cjd_error err;
	char msg[800];
	int rc = cjd_publisher_new(&p, cfg, &err);
	if (rc)
		fail_msg("publisher: %s", cjd_error_format(&err, msg, sizeof(msg)));
	return p;
}

/*
 * PUB/SUB drops what is sent before a subscription arrives ("slow joiner"):
 * publish heartbeats until the subscriber has one, so the next message counts.
 */
static void join(struct cjd_publisher *p, void *sub)
{
	uint64_t deadline = zt_now_ms() + 10000;
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE};
	while (zt_now_ms() < deadline) {
		char *t, *b;
		assert_int_equal(cjd_publisher_heartbeat(p, &hb), 0);
		cjd_publisher_tick(p, cjd_now_mono_ns());
		if (zt_recv(sub, &t, &b, 50) == 0) {
			bool hb_seen = strcmp(t, "heartbeat") == 0;
			free(t);
			free(b);
			if (hb_seen) {
				/* drain the other heartbeats in flight */
				while (zt_recv(sub, &t, &b, 50) == 0)
					free(t), free(b);
				return;
			}
		}
		free(t);
		free(b);
	}
	fail_msg("the subscriber never joined");
}

/* The next message on an alert.* topic, skipping heartbeats. */
static int recv_alert(void *sub, char **topic, char **body, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;
	while (zt_now_ms() < deadline) {
		int rc = zt_recv(sub, topic, body, (int)(deadline - zt_now_ms()) + 1);
		if (rc)
			return rc;
		if (strncmp(*topic, "alert.", 6) == 0)
			return 0;
		free(*topic);
		free(*body);
	}
	return -ETIMEDOUT;
}

static void *sub_both(const char *ep)
{
	void *s = zt_sub(zctx, ep, "alert");
	assert_non_null(s);
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "heartbeat", 9);
	return s;
}

/* firing -> ongoing -> resolved arrive in order, valid against the schema, and match the journal byte for byte. */
static void test_sequence_in_order(void **state)
{
	(void)state;
	char journal[400];
	const char *eps[] = {"tcp://127.0.0.1:*"};
	snprintf(journal, sizeof(journal), "%s/seq/alerts.jsonl", dir);
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1, .linger_ms = -1,
					   .journal_path = journal, .host_name = "node-a"};
	struct cjd_publisher *p = pub_new(&cfg);
	const char *ep = cjd_publisher_endpoint(p, 0);
	assert_non_null(ep);
	assert_null(strstr(ep, ":*")); /* the real port */
	void *sub = sub_both(ep);
	join(p, sub);

	static const enum cjd_alert_action seq[] = {CJD_ALERT_FIRING, CJD_ALERT_ONGOING,
						    CJD_ALERT_RESOLVED};
	static const char *const topics[] = {"alert.firing", "alert.ongoing", "alert.resolved"};
	char ids[3][48];
	char *bodies[3];
	for (int i = 0; i < 3; i++) {
		struct cjd_alert a;
		zt_alert(&a, seq[i], CG);
		assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
		assert_true(cjd_event_id_valid(a.id)); /* assigned by the publisher */
		strcpy(ids[i], a.id);
	}
	for (int i = 0; i < 3; i++) {
		char *topic, *body, msg[4096];
		assert_int_equal(recv_alert(sub, &topic, &body, 5000), 0);
		assert_string_equal(topic, topics[i]);
		int rc = zt_validate("docs/schema/alert-v1.json", body, msg, sizeof(msg));
		if (rc)
			fail_msg("%s does not validate: %s\n%s", topic, msg, body);
		json_t *d = json_loads(body, 0, NULL);
		assert_string_equal(json_string_value(json_object_get(json_object_get(d, "event"), "id")), ids[i]);
		assert_string_equal(json_string_value(json_object_get(json_object_get(d, "event"), "action")),
				    topics[i] + 6);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "cjd"), "seq")), i + 1);
		assert_string_equal(json_string_value(json_object_get(json_object_get(d, "host"), "name")), "node-a");
		json_decref(d);
		free(topic);
		bodies[i] = body;
	}
	assert_true(strcmp(ids[0], ids[1]) < 0 && strcmp(ids[1], ids[2]) < 0);
	cjd_publisher_free(p);
	/* the journal holds exactly what was published, one line each */
	size_t len;
	char *all = zt_slurp(journal, &len), *line = all;
	for (int i = 0; i < 3; i++) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_string_equal(line, bodies[i]);
		line = nl + 1;
		free(bodies[i]);
	}
	assert_int_equal(*line, '\0');
	free(all);
	zmq_close(sub);
}

struct fast_reader {
	void *sock;
	atomic_bool stop;
	unsigned long got, gaps;
	uint64_t last_seq;
};

/* Reads alerts as fast as it can and counts the cjd.seq gaps it sees. */
static void *fast_read(void *arg)
{
	struct fast_reader *r = arg;
	char topic[64], body[8192];
	for (;;) {
		zmq_pollitem_t it = {.socket = r->sock, .events = ZMQ_POLLIN};
		if (zmq_poll(&it, 1, 100) <= 0) {
			if (atomic_load(&r->stop))
				break;
			continue;
		}
		int n = zmq_recv(r->sock, topic, sizeof(topic) - 1, 0);
		int m = zmq_recv(r->sock, body, sizeof(body) - 1, 0);
		if (n < 0 || m < 0)
			continue;
		topic[n] = body[m < (int)sizeof(body) ? m : (int)sizeof(body) - 1] = '\0';
		if (strncmp(topic, "alert.", 6) != 0)
			continue;
		const char *s = strstr(body, "\"seq\":");
		uint64_t seq = s ? strtoull(s + 6, NULL, 10) : 0;
		if (r->last_seq && seq > r->last_seq + 1)
			r->gaps += seq - r->last_seq - 1;
		r->last_seq = seq;
		r->got++;
	}
	return NULL;
}

/* A subscriber that never reads must not block publishing; drops are counted; others keep receiving. */
static void test_slow_subscriber(void **state)
{
	(void)state;
	char ep[400];
	snprintf(ep, sizeof(ep), "ipc://%s/slow.sock", dir);
	const char *eps[] = {ep};
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1, .sndhwm = 200,
					   .linger_ms = -1};
	struct cjd_publisher *p = pub_new(&cfg);

	void *slow = zt_sub(zctx, NULL, "");
	int one = 1, small = 4096;
	zmq_setsockopt(slow, ZMQ_RCVHWM, &one, sizeof(one));
	zmq_setsockopt(slow, ZMQ_RCVBUF, &small, sizeof(small));
	assert_int_equal(zmq_connect(slow, ep), 0);
	join(p, slow);
	struct fast_reader fr = {.sock = sub_both(ep)};
	join(p, fr.sock);
	pthread_t th;
	pthread_create(&th, NULL, fast_read, &fr);

	const unsigned long n = 20000;
	for (unsigned long i = 0; i < n; i++) {
		struct cjd_alert a;
		zt_alert(&a, CJD_ALERT_ONGOING, CG);
		cjd_publisher_alert(p, &a, NULL); /* returns: never waits for the slow one */
	}
	struct cjd_publisher_stats st;
	cjd_publisher_stats(p, &st);
	assert_int_equal(st.alerts, n);
	assert_true(st.dropped > 0);
	/* the heartbeat carries the counter */
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE};
	assert_int_equal(cjd_publisher_heartbeat(p, &hb), 0);
	usleep(300000);
	atomic_store(&fr.stop, true);
	pthread_join(th, NULL);
	/* the fast subscriber accounts for every alert: received, or seen missing through cjd.seq */
	assert_true(fr.got > 0);
	assert_int_equal(fr.got + fr.gaps + (n - fr.last_seq), n);
	print_message("slow subscriber: %lu alerts, publisher counted %llu dropped; fast subscriber got %lu, "
		      "missed %lu\n",
		      n, (unsigned long long)st.dropped, fr.got, fr.gaps + (unsigned long)(n - fr.last_seq));
	cjd_publisher_free(p);
	zmq_close(slow);
	zmq_close(fr.sock);
}

static void capture_stderr(int *saved, const char *path)
{
	fflush(stderr);
	*saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
}

static void restore_stderr(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static void *curve_sub(const char *ep, const char *server_pub, const struct cjd_curve_keypair *me)
{
	void *s = zt_sub(zctx, NULL, "alert");
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "heartbeat", 9);
	if (me) {
		zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me->public_z85, 40);
		zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me->secret_z85, 40);
	}
	assert_int_equal(zmq_connect(s, ep), 0);
	return s;
}

/* An authorised subscriber receives the alert; an unknown key and a plaintext client get nothing; the refusal is logged. */
static void test_curve(void **state)
{
	(void)state;
	char base[512], clients[400], secret[560], logpath[400];
	struct cjd_curve_keypair server, client, stranger;
	struct cjd_error err;

	snprintf(clients, sizeof(clients), "%s/clients", dir);
	mkdir(clients, 0700);
	snprintf(base, sizeof(base), "%s/server", dir);
	assert_int_equal(cjd_curve_keygen(base, false, &server, &err), 0);
	snprintf(secret, sizeof(secret), "%s.key", base);
	snprintf(base, sizeof(base), "%s/siem", clients);
	assert_int_equal(cjd_curve_keygen(base, false, &client, &err), 0);
	snprintf(base, sizeof(base), "%s/siem.key", clients);
	unlink(base); /* only the .pub stays in the clients dir */
	snprintf(base, sizeof(base), "%s/stranger", dir);
	assert_int_equal(cjd_curve_keygen(base, false, &stranger, &err), 0);
	snprintf(logpath, sizeof(logpath), "%s/curve.log", dir);

	int saved;
	capture_stderr(&saved, logpath);
	const char *eps[] = {"tcp://127.0.0.1:*"};
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1, .linger_ms = -1,
					   .curve_secret_file = secret, .curve_clients_dir = clients};
	struct cjd_publisher *p = pub_new(&cfg);
	const char *ep = cjd_publisher_endpoint(p, 0);
	void *bad = curve_sub(ep, server.public_z85, &stranger);
	void *plain = curve_sub(ep, NULL, NULL);
	void *good = curve_sub(ep, server.public_z85, &client);
	join(p, good);
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_FIRING, CG);
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	char *topic, *body;
	assert_int_equal(recv_alert(good, &topic, &body, 5000), 0);
	assert_string_equal(topic, "alert.firing");
	assert_non_null(strstr(body, a.id));
	free(topic);
	free(body);
	/* the others had as long as the good one, and more: nothing, not even heartbeats */
	assert_int_equal(zt_recv(bad, &topic, &body, 300), -ETIMEDOUT);
	assert_int_equal(zt_recv(plain, &topic, &body, 100), -ETIMEDOUT);
	struct cjd_publisher_stats st;
	cjd_publisher_stats(p, &st);
	assert_true(st.curve_refused >= 1);
	assert_true(st.curve_accepted >= 1);
	cjd_publisher_free(p);
	restore_stderr(saved);

	char *log = zt_slurp(logpath, NULL);
	char want[200];
	snprintf(want, sizeof(want), "refused subscriber with unknown key %s from 127.0.0.1",
		 stranger.public_z85);
	if (!strstr(log, want))
		fail_msg("the refusal is not logged as '%s'; log:\n%s", want, log);
	/* the authorised key is never reported as refused */
	assert_null(strstr(log, client.public_z85));
	free(log);
	zmq_close(bad);
	zmq_close(plain);
	zmq_close(good);
}

static void expect_fail(struct cjd_publisher_config *cfg, int want_rc, const char *file,
			const char *words)
{
	struct cjd_publisher *p = (void *)1;
	struct cjd_error err;
	int rc = cjd_publisher_new(&p, cfg, &err);
	if ((want_rc && rc != want_rc) || rc == 0 || p != NULL)
		fail_msg("expected failure %d, got %d (%s)", want_rc, rc, err.text);
	if (file && strcmp(err.file, file) != 0)
		fail_msg("error names '%s', not '%s' (%s)", err.file, file, err.text);
	if (!strstr(err.text, words))
		fail_msg("error '%s' lacks '%s'", err.text, words);
}

static void test_startup_errors(void **state)
{
	(void)state;
	/* a port in use */
	const char *any[] = {"tcp://127.0.0.1:*"};
	struct cjd_publisher_config cfg = {.endpoints = any, .n_endpoints = 1, .linger_ms = -1};
	struct cjd_publisher *p = pub_new(&cfg);
	const char *taken[] = {cjd_publisher_endpoint(p, 0)};
	struct cjd_publisher_config c2 = {.endpoints = taken, .n_endpoints = 1, .linger_ms = -1};
	expect_fail(&c2, -EADDRINUSE, taken[0], "Address already in use");
	cjd_publisher_free(p);

	/* nonsense endpoints */
	const char *bad[] = {"tcp://127.0.0.1:*", "nonsense://x"};
	struct cjd_publisher_config c3 = {.endpoints = bad, .n_endpoints = 2, .linger_ms = -1};
	expect_fail(&c3, 0, "nonsense://x", "cannot bind");

	/* an ipc path another process (here: a plain listening socket) serves */
	char path[300], ep[320];
	snprintf(path, sizeof(path), "%s/live.sock", dir);
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	const char *live[] = {ep};
	struct cjd_publisher_config c4 = {.endpoints = live, .n_endpoints = 1, .linger_ms = -1};
	expect_fail(&c4, -EADDRINUSE, ep, "another process is listening");
	close(fd);
	/* the stale file left behind is fine to replace, and the directory is created */
	char ep2[320];
	snprintf(ep2, sizeof(ep2), "ipc://%s/run-cjd/alerts.sock", dir);
	const char *fresh[] = {ep2, live[0]};
	struct cjd_publisher_config c5 = {.endpoints = fresh, .n_endpoints = 2, .linger_ms = -1};
	p = pub_new(&c5);
	cjd_publisher_free(p);

	/* a journal that cannot be written */
	char jpath[512], file[400];
	snprintf(file, sizeof(file), "%s/plainfile", dir);
	fclose(fopen(file, "w"));
	snprintf(jpath, sizeof(jpath), "%s/alerts.jsonl", file);
	struct cjd_publisher_config c6 = {.journal_path = jpath};
	expect_fail(&c6, -ENOTDIR, file, "journal directory");

	/* CURVE half-configured, or with a malformed key */
	struct cjd_publisher_config c7 = {.endpoints = any, .n_endpoints = 1, .curve_clients_dir = dir};
	expect_fail(&c7, -EINVAL, NULL, "both");
	char key[400];
	snprintf(key, sizeof(key), "%s/broken.key", dir);
	FILE *f = fopen(key, "w");
	fputs("# a key\npublic-key = too-short\n", f);
	fclose(f);
	chmod(key, 0600);
	struct cjd_publisher_config c8 = {.endpoints = any, .n_endpoints = 1, .linger_ms = -1,
					  .curve_secret_file = key, .curve_clients_dir = dir};
	struct cjd_error err;
	assert_int_equal(cjd_publisher_new(&p, &c8, &err), -EINVAL);
	assert_string_equal(err.file, key);
	assert_int_equal(err.line, 2);
}

/* With the disk full the journal write fails loudly, and the alert is still published. */
static void test_full_disk_still_publishes(void **state)
{
	(void)state;
	char jdir[400], journal[420];
	snprintf(jdir, sizeof(jdir), "%s/tiny", dir);
	mkdir(jdir, 0755);
	if (geteuid() != 0 || mount("tmpfs", jdir, "tmpfs", 0, "size=8k") != 0) {
		print_message("SKIP: cannot mount a tiny tmpfs (needs root): %s\n", strerror(errno));
		skip();
	}
	snprintf(journal, sizeof(journal), "%s/alerts.jsonl", jdir);
	const char *eps[] = {"tcp://127.0.0.1:*"};
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1, .linger_ms = -1,
					   .journal_path = journal};
	struct cjd_publisher *p = pub_new(&cfg);
	void *sub = sub_both(cjd_publisher_endpoint(p, 0));
	join(p, sub);
	int rc = 0, i;
	for (i = 0; i < 100 && rc == 0; i++) {
		struct cjd_alert a;
		zt_alert(&a, CJD_ALERT_ONGOING, CG);
		rc = cjd_publisher_alert(p, &a, NULL);
		char *topic, *body;
		assert_int_equal(recv_alert(sub, &topic, &body, 5000), 0);
		assert_non_null(strstr(body, a.id)); /* published, journal or not */
		free(topic);
		free(body);
	}
	assert_int_equal(rc, -ENOSPC);
	struct cjd_publisher_stats st;
	cjd_publisher_stats(p, &st);
	assert_true(st.journal_failing);
	assert_int_equal(st.journal_lines, (uint64_t)i - 1);
	/* the heartbeat says so */
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "heartbeat", 9);
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE};
	assert_int_equal(cjd_publisher_heartbeat(p, &hb), 0);
	char *topic, *body;
	assert_int_equal(zt_recv(sub, &topic, &body, 5000), 0);
	assert_string_equal(topic, "heartbeat");
	json_t *d = json_loads(body, 0, NULL);
	json_t *j = json_object_get(json_object_get(d, "cjd"), "journal");
	assert_true(json_is_true(json_object_get(j, "error")));
	assert_non_null(strstr(json_string_value(json_object_get(j, "last_error")), "No space left"));
	json_decref(d);
	free(topic);
	free(body);
	cjd_publisher_free(p);
	zmq_close(sub);
	umount(jdir);
}

/* Without endpoints (replay without --publish): ids are assigned, lines echoed, nothing bound. */
static void test_echo_only(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct cjd_publisher_config cfg = {.echo = m, .host_name = "replay-host", .host_id = ""};
	struct cjd_publisher *p = pub_new(&cfg);
	assert_null(cjd_publisher_endpoint(p, 0));
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_FIRING, "/x");
	strcpy(a.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"); /* an upstream id is kept */
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	zt_alert(&a, CJD_ALERT_RESOLVED, "/x");
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	cjd_publisher_free(p);
	fclose(m);
	assert_non_null(strstr(text, "\"id\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\""));
	assert_non_null(strstr(text, a.id));
	assert_non_null(strstr(text, "\"name\":\"replay-host\"}"));
	int lines = 0;
	for (char *c = text; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 2);
	free(text);
}

/* Whether process pid has exec'd a program whose comm is name, waiting up to timeout_ms. */
static bool exec_done(pid_t pid, const char *name, int timeout_ms)
{
	char path[64], comm[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		FILE *f = fopen(path, "r");
		bool same = false;
		if (f) {
			same = fgets(comm, sizeof(comm), f) && strncmp(comm, name, strlen(name)) == 0 &&
			       comm[strlen(name)] == '\n';
			fclose(f);
		}
		if (same)
			return true;
		usleep(10000);
	}
	return false;
}

/* With a cgroup root, alerts carry the cgroup's processes, read at alert time: a real
 * cgroup with one sleeper in it. */
static void test_processes_filled(void **state)
{
	(void)state;
	char own[4096], cg[64], dirpath[600], procs_file[700];
	const char *root = zt_own_cgroup(own, sizeof(own));
	snprintf(cg, sizeof(cg), "/cjd-test-procs-%d", (int)getpid());
	if (root)
		snprintf(dirpath, sizeof(dirpath), "%s%s", root, cg);
	if (!root || geteuid() != 0 || mkdir(dirpath, 0755) != 0) {
		print_message("SKIP: cannot create a cgroup v2 child (needs root and cgroup v2)\n");
		skip();
	}
	struct zt_child sleeper;
	char *argv[] = {"/bin/sleep", "30", NULL};
	assert_int_equal(zt_spawn(&sleeper, argv, false), 0);
	snprintf(procs_file, sizeof(procs_file), "%s/cgroup.procs", dirpath);
	FILE *f = fopen(procs_file, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)sleeper.pid);
	assert_int_equal(fclose(f), 0);
	/* The child runs this test's code until its execve: the alert must name sleep, so
	 * wait for the exec (slow under the sanitizers and valgrind). */
	assert_true(exec_done(sleeper.pid, "sleep", 20000));

	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct cjd_publisher_config cfg = {.echo = m, .cgroup_root = root};
	struct cjd_publisher *p = pub_new(&cfg);
	struct cjd_alert a;
	zt_alert(&a, CJD_ALERT_FIRING, cg);
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	zt_alert(&a, CJD_ALERT_GONE, "/cjd-no-such-cgroup-here");
	assert_int_equal(cjd_publisher_alert(p, &a, NULL), 0);
	cjd_publisher_free(p);
	fclose(m);
	zt_kill_wait(&sleeper, SIGKILL);
	zt_child_close(&sleeper);
	rmdir(dirpath);

	char *second = strchr(text, '\n') + 1;
	second[-1] = '\0';
	*strchr(second, '\n') = '\0';
	json_t *d = json_loads(text, 0, NULL);
	json_t *cjd = json_object_get(d, "cjd");
	json_t *p0 = json_array_get(json_object_get(cjd, "processes"), 0);
	assert_int_equal(json_integer_value(json_object_get(cjd, "processes_total")), 1);
	assert_int_equal(json_array_size(json_object_get(cjd, "processes")), 1);
	assert_string_equal(json_string_value(json_object_get(p0, "comm")), "sleep");
	assert_non_null(strstr(json_string_value(json_object_get(p0, "exe")), "sleep"));
	assert_string_equal(json_string_value(json_object_get(p0, "cmdline")), "/bin/sleep 30");
	json_decref(d);
	/* a vanished cgroup: an empty list, not an error */
	assert_non_null(strstr(second, "\"processes\":[],\"processes_total\":0"));
	char msg[4096];
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", text, msg, sizeof(msg)), 0);
	assert_int_equal(zt_validate("docs/schema/alert-v1.json", second, msg, sizeof(msg)), 0);
	free(text);
}

/* The last heartbeat (stopping) still leaves when free() follows at once: the default linger. */
static void test_stopping_heartbeat_delivered(void **state)
{
	(void)state;
	const char *eps[] = {"tcp://127.0.0.1:*"};
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1};
	struct cjd_publisher *p = pub_new(&cfg);
	void *sub = sub_both(cjd_publisher_endpoint(p, 0));
	join(p, sub);
	struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE, .stopping = true};
	assert_int_equal(cjd_publisher_heartbeat(p, &hb), 0);
	cjd_publisher_free(p);
	char *topic, *body;
	assert_int_equal(zt_recv(sub, &topic, &body, 5000), 0);
	assert_string_equal(topic, "heartbeat");
	assert_non_null(strstr(body, "\"stopping\":true"));
	free(topic);
	free(body);
	zmq_close(sub);
}

static int setup(void **state)
{
	(void)state;
	return zt_setup("publish", true, &dir, &zctx);
}

static int teardown(void **state)
{
	(void)state;
	return zt_teardown(&dir, &zctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence_in_order),
		cmocka_unit_test(test_slow_subscriber),
		cmocka_unit_test(test_curve),
		cmocka_unit_test(test_startup_errors),
		cmocka_unit_test(test_full_disk_still_publishes),
		cmocka_unit_test(test_echo_only),
		cmocka_unit_test(test_stopping_heartbeat_delivered),
		cmocka_unit_test(test_processes_filled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
