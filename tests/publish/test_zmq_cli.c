/* Process tests: kill -9 and sub --since, relay, sub reconnect and formats, CLI errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/publish/alert_id.h"
#include "cjd/publish/journal_read.h"
#include "zt.h"

static char *dir;
static void *zctx;

/* Runs a command to completion; returns the exit status (or -1), with stdout/stderr captured. */
static int run(char *const argv[], char **out, char **err, int timeout_ms)
{
	struct zt_child c;
	assert_int_equal(zt_spawn(&c, argv, true), 0);
	char *o = zt_read_all(&c, timeout_ms);
	char *e = zt_read_err(&c, 1000);
	int st = zt_wait(&c, timeout_ms);
	zt_child_close(&c);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts the driver publishing; returns after its 'ready', with the first bound endpoint in ep. */
static void start_driver(struct zt_child *c, char *const args[], char *ep, size_t cap)
{
	char *argv[32] = {(char *)zt_driver_bin(), "pub"};
	int n = 2;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(zt_spawn(c, argv, false), 0);
	char line[1024];
	ep[0] = '\0';
	for (;;) {
		int r = zt_read_line(c, line, sizeof(line), 10000);
		if (r <= 0)
			fail_msg("the driver did not start (%d)", r);
		if (strncmp(line, "endpoint ", 9) == 0 && !ep[0] && strlen(line + 9) < cap)
			memcpy(ep, line + 9, strlen(line + 9) + 1);
		if (strcmp(line, "ready") == 0)
			return;
	}
}

struct lines {
	char **text;
	char (*ids)[48];
	size_t n, cap;
};

static int keep_line(const char *file, uint64_t line, const char *json, size_t len, const char *id,
		     void *ctx)
{
	struct lines *l = ctx;
	(void)file, (void)line;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->text = realloc(l->text, l->cap * sizeof(*l->text));
		l->ids = realloc(l->ids, l->cap * sizeof(*l->ids));
	}
	l->text[l->n] = strndup(json, len);
	snprintf(l->ids[l->n], 48, "%s", id);
	l->n++;
	return 0;
}

static long journal_lines(const char *path)
{
	char name[600];
	long total = 0, n;
	if ((n = zt_count_lines(path)) > 0)
		total += n;
	for (int k = 1; k < 100; k++) {
		snprintf(name, sizeof(name), "%s.%d", path, k);
		if ((n = zt_count_lines(name)) < 0) {
			/* one name missing: killed mid-rotation (the reader looks past it too) */
			snprintf(name, sizeof(name), "%s.%d", path, k + 1);
			if (zt_count_lines(name) < 0)
				break;
			continue;
		}
		total += n;
	}
	return total;
}

/* kill -9 mid-run: every journal line is whole JSON, and `cjd sub --since` returns exactly those after the id. */
static void test_kill9_journal_since(void **state)
{
	(void)state;
	char journal[400], ep[600], sock[400];
	struct zt_child drv;
	snprintf(journal, sizeof(journal), "%s/k9/alerts.jsonl", dir);
	snprintf(sock, sizeof(sock), "ipc://%s/k9.sock", dir);
	char *args[] = {"--endpoint", sock, "--journal", journal, "--journal-max-bytes", "40000",
			"--journal-keep", "50", "--interval-us", "200", NULL};
	start_driver(&drv, args, ep, sizeof(ep));
	uint64_t deadline = zt_now_ms() + 20000;
	/* The count races the driver's renames (a file being shifted from .k to .k+1 can be
	 * counted twice), so it may run ahead of the truth: wait for 300, ask for 150 below. */
	while (journal_lines(journal) < 300 && zt_now_ms() < deadline)
		usleep(10000);
	int st = zt_kill_wait(&drv, SIGKILL);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	zt_child_close(&drv);

	char rotated[420];
	snprintf(rotated, sizeof(rotated), "%s.1", journal);
	assert_int_equal(access(rotated, F_OK), 0); /* it rotated on the way */
	/* every file ends on a newline, and every line is a JSON object with an id */
	for (int k = 0; k < 100; k++) {
		char name[440];
		size_t len;
		if (k == 0)
			snprintf(name, sizeof(name), "%s", journal);
		else
			snprintf(name, sizeof(name), "%s.%d", journal, k);
		char *all = zt_slurp(name, &len);
		if (!all)
			break;
		assert_true(len == 0 || all[len - 1] == '\n');
		free(all);
	}
	struct lines l = {0};
	struct cjd_error err;
	assert_int_equal(cjd_journal_walk(journal, keep_line, &l, &err), 0);
	assert_int_equal((long)l.n, journal_lines(journal)); /* no line was skipped as broken */
	assert_true(l.n >= 150);
	for (size_t i = 0; i < l.n; i++) {
		json_t *d = json_loads(l.text[i], JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(d);
		json_decref(d);
		assert_true(cjd_event_id_valid(l.ids[i]));
		if (i)
			assert_true(strcmp(l.ids[i - 1], l.ids[i]) < 0); /* journal order is id order */
	}

	size_t k = l.n / 3;
	char *out, *errs;
	char *sub[] = {(char *)zt_cjd_bin(), "sub", "--since", l.ids[k], "--journal", journal, NULL};
	assert_int_equal(run(sub, &out, &errs, 20000), 0);
	char *line = out;
	size_t got = 0;
	for (size_t i = k + 1; i < l.n; i++, got++) {
		char *nl = strchr(line, '\n');
		if (!nl)
			fail_msg("cjd sub stopped after %zu of %zu lines; stderr: %s", got, l.n - k - 1, errs);
		*nl = '\0';
		assert_string_equal(line, l.text[i]);
		line = nl + 1;
	}
	assert_int_equal(*line, '\0'); /* and nothing more */
	free(out);
	free(errs);
	/* after the last one: nothing, exit 0 */
	char *sub_last[] = {(char *)zt_cjd_bin(), "sub", "--since", l.ids[l.n - 1], "--journal", journal, NULL};
	assert_int_equal(run(sub_last, &out, NULL, 20000), 0);
	assert_string_equal(out, "");
	free(out);
	/* --topic applies to the journal too: only alert.firing (the driver's first alert) */
	char *sub_fire[] = {(char *)zt_cjd_bin(), "sub", "--since", "00000000-0000-7000-8000-000000000000",
			    "--journal", journal, "--topic", "alert.firing", NULL};
	assert_int_equal(run(sub_fire, &out, &errs, 20000), 0);
	assert_non_null(strstr(out, l.ids[0]));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
	assert_non_null(strstr(errs, "is not in")); /* a warning: the id was not found */
	free(out);
	free(errs);
	for (size_t i = 0; i < l.n; i++)
		free(l.text[i]);
	free(l.text);
	free(l.ids);
}

/* Two publishers, one relay, one subscriber: both hosts arrive. */
static void test_relay(void **state)
{
	(void)state;
	char a[400], b[400], out_ep[400], ep[600];
	struct zt_child pa, pb, relay;
	snprintf(a, sizeof(a), "ipc://%s/a.sock", dir);
	snprintf(b, sizeof(b), "ipc://%s/b.sock", dir);
	snprintf(out_ep, sizeof(out_ep), "ipc://%s/relay.sock", dir);
	char *args_a[] = {"--endpoint", a, "--host", "host-a", "--interval-us", "20000", NULL};
	char *args_b[] = {"--endpoint", b, "--host", "host-b", "--interval-us", "20000", NULL};
	start_driver(&pa, args_a, ep, sizeof(ep));
	start_driver(&pb, args_b, ep, sizeof(ep));
	char *rargv[] = {(char *)zt_cjd_bin(), "relay", a, b, out_ep, NULL};
	assert_int_equal(zt_spawn(&relay, rargv, true), 0);

	void *sub = zt_sub(zctx, out_ep, "alert");
	bool seen_a = false, seen_b = false;
	uint64_t deadline = zt_now_ms() + 15000;
	while (!(seen_a && seen_b) && zt_now_ms() < deadline) {
		char *t, *body;
		if (zt_recv(sub, &t, &body, 500) != 0)
			continue;
		json_t *d = json_loads(body, 0, NULL);
		const char *h = json_string_value(json_object_get(json_object_get(d, "host"), "name"));
		seen_a |= h && strcmp(h, "host-a") == 0;
		seen_b |= h && strcmp(h, "host-b") == 0;
		json_decref(d);
		free(t);
		free(body);
	}
	assert_true(seen_a);
	assert_true(seen_b);
	/* SIGTERM stops it cleanly and quickly */
	uint64_t t0 = zt_now_ms();
	kill(relay.pid, SIGTERM);
	int st = zt_wait(&relay, 5000);
	assert_true(st >= 0 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(zt_now_ms() - t0 < 5000);
	char *errs = zt_read_err(&relay, 1000);
	assert_non_null(strstr(errs, "stopping"));
	free(errs);
	zt_child_close(&relay);
	zt_kill_wait(&pa, SIGTERM);
	zt_kill_wait(&pb, SIGTERM);
	zt_child_close(&pa);
	zt_child_close(&pb);
	zmq_close(sub);
}

static bool wait_line_with(struct zt_child *c, const char *needle, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;
	char line[16384];
	while (zt_now_ms() < deadline) {
		int r = zt_read_line(c, line, sizeof(line), (int)(deadline - zt_now_ms()) + 1);
		if (r < 0 && r != -ETIMEDOUT)
			return false;
		if (r == 0)
			return false;
		if (r > 0 && strstr(line, needle))
			return true;
	}
	return false;
}

/* `cjd sub` reconnects by itself when the publisher restarts on the same endpoint. */
static void test_sub_reconnects(void **state)
{
	(void)state;
	char ep[600];
	struct zt_child p1, p2, sub;
	char *args1[] = {"--endpoint", "tcp://127.0.0.1:*", "--host", "first-run", "--interval-us", "20000", NULL};
	start_driver(&p1, args1, ep, sizeof(ep));
	char *sargv[] = {(char *)zt_cjd_bin(), "sub", ep, "--topic", "alert", NULL};
	assert_int_equal(zt_spawn(&sub, sargv, false), 0);
	assert_true(wait_line_with(&sub, "\"first-run\"", 10000));
	zt_kill_wait(&p1, SIGKILL);
	zt_child_close(&p1);
	char *args2[] = {"--endpoint", ep, "--host", "second-run", "--interval-us", "20000", NULL};
	char ep2[600];
	start_driver(&p2, args2, ep2, sizeof(ep2));
	assert_string_equal(ep2, ep);
	assert_true(wait_line_with(&sub, "\"second-run\"", 15000));
	kill(sub.pid, SIGTERM);
	int st = zt_wait(&sub, 5000);
	assert_true(st >= 0 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	zt_child_close(&sub);
	zt_kill_wait(&p2, SIGTERM);
	zt_child_close(&p2);
}

/*
 * `cjd sub` says on stderr what it subscribed to, that it waits, and when its
 * connection is made and lost; stdout carries only the messages.
 */
static void test_sub_says_what_it_does(void **state)
{
	(void)state;
	char ep[600], ep2[600], outfile[400], script[1200], want[800];
	struct zt_child p1, p2, sub;
	/* learn a free port from a first publisher, then stop it: sub starts with nobody there */
	char *args1[] = {"--endpoint", "tcp://127.0.0.1:*", "--host", "says", "--interval-us", "20000",
			 NULL};
	start_driver(&p1, args1, ep, sizeof(ep));
	zt_kill_wait(&p1, SIGKILL);
	zt_child_close(&p1);

	snprintf(outfile, sizeof(outfile), "%s/says.out", dir);
	/* the child's stdout (read here) is cjd sub's stderr; its stdout goes to a file */
	snprintf(script, sizeof(script), "exec \"$0\" sub \"$1\" 2>&1 >'%s'", outfile);
	char *sargv[] = {"/bin/sh", "-c", script, (char *)zt_cjd_bin(), ep, NULL};
	assert_int_equal(zt_spawn(&sub, sargv, false), 0);
	snprintf(want, sizeof(want), "sub: subscribed to topics alert* on %s; no CURVE (plain text)", ep);
	assert_true(wait_line_with(&sub, want, 10000));
	assert_true(wait_line_with(&sub, "sub: waiting for messages", 5000));
	snprintf(want, sizeof(want), "sub: %s is not reachable yet", ep);
	assert_true(wait_line_with(&sub, want, 10000));

	char *args2[] = {"--endpoint", ep, "--host", "says", "--interval-us", "20000", NULL};
	start_driver(&p2, args2, ep2, sizeof(ep2));
	snprintf(want, sizeof(want), "sub: connected to %s", ep);
	assert_true(wait_line_with(&sub, want, 15000));
	/* some alerts reach stdout before the publisher goes */
	uint64_t deadline = zt_now_ms() + 15000;
	while (zt_count_lines(outfile) < 2 && zt_now_ms() < deadline)
		usleep(20000);
	zt_kill_wait(&p2, SIGKILL);
	zt_child_close(&p2);
	snprintf(want, sizeof(want), "sub: lost the connection to %s; reconnecting", ep);
	assert_true(wait_line_with(&sub, want, 15000));
	kill(sub.pid, SIGTERM);
	int st = zt_wait(&sub, 5000);
	assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	zt_child_close(&sub);

	/* stdout: alerts only, one JSON object per line */
	size_t len;
	char *text = zt_slurp(outfile, &len);
	assert_non_null(text);
	assert_true(len > 0);
	size_t lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		json_error_t e;
		json_t *d = json_loads(line, 0, &e);
		if (!d || !json_object_get(d, "schema"))
			fail_msg("stdout line is not a message: %s", line);
		json_decref(d);
	}
	assert_true(lines > 0);
	free(text);

	/* -q: nothing but warnings */
	char *out, *errs;
	char *qargv[] = {(char *)zt_cjd_bin(), "sub", ep, "-q", "--count", "1", NULL};
	struct zt_child p3;
	char ep3[600];
	start_driver(&p3, args2, ep3, sizeof(ep3));
	assert_int_equal(run(qargv, &out, &errs, 15000), 0);
	if (strstr(errs, "sub: subscribed") || strstr(errs, "waiting"))
		fail_msg("-q still printed: %s", errs);
	free(out);
	free(errs);
	zt_kill_wait(&p3, SIGTERM);
	zt_child_close(&p3);
}

/* --since all, a duration and an RFC 3339 time through the command line. */
static void test_sub_since_forms(void **state)
{
	(void)state;
	char journal[400], *out, *errs;
	snprintf(journal, sizeof(journal), "%s/since-forms.jsonl", dir);
	FILE *f = fopen(journal, "w");
	assert_non_null(f);
	fprintf(f, "{\"@timestamp\":\"2026-12-03T09:00:00.000000000Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000001\",\"action\":\"firing\"}}\n");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T10:00:00.000000000Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000002\",\"action\":\"resolved\"}}\n");
	fclose(f);
	char *bin = (char *)zt_cjd_bin();

	char *all[] = {bin, "sub", "--since", "all", "--journal", journal, NULL};
	assert_int_equal(run(all, &out, &errs, 10000), 0);
	assert_non_null(strstr(out, "000000000001"));
	assert_non_null(strstr(out, "000000000002"));
	assert_non_null(strstr(errs, "sub: reading every alert from the journal"));
	assert_non_null(strstr(errs, "sub: 2 journaled alerts printed"));
	free(out);
	free(errs);

	char *at[] = {bin, "sub", "--since", "2026-12-03T10:30:00+01:00", "--journal", journal, NULL};
	assert_int_equal(run(at, &out, &errs, 10000), 0);
	assert_null(strstr(out, "000000000001"));
	assert_non_null(strstr(out, "000000000002"));
	assert_non_null(strstr(errs, "sub: reading alerts since 2026-12-03T09:30:00Z"));
	assert_non_null(strstr(errs, "sub: 1 journaled alert printed"));
	free(out);
	free(errs);

	/* a duration is measured back from now: these alerts are either all in or all out,
	 * whatever the clock says, so compare with what the clock says */
	char *dur[] = {bin, "sub", "--since", "1h", "--journal", journal, "--topic", "alert.firing",
		       NULL};
	assert_int_equal(run(dur, &out, &errs, 10000), 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	bool recent = now.tv_sec < 1796288400 + 3600; /* 09:00Z + 1h */
	assert_true((strstr(out, "000000000001") != NULL) == recent);
	assert_null(strstr(out, "000000000002")); /* not an alert.firing */
	free(out);
	free(errs);
}

/* Hostile cgroup names through the whole chain: publisher -> cjd sub -> JSON, CEF and syslog lines. */
static void test_sub_formats_hostile(void **state)
{
	(void)state;
	char ep[600], sock[400];
	struct zt_child p;
	static const char name[] = "/evil\"]\\\n|=x\xff";
	snprintf(sock, sizeof(sock), "ipc://%s/fmt.sock", dir);
	char *args[] = {"--endpoint", sock, "--cgroup", (char *)name, "--interval-us", "20000", NULL};
	start_driver(&p, args, ep, sizeof(ep));

	static const struct {
		const char *format;
		const char *expect;
	} cases[] = {
		/* JSON: escaped quote, backslash and newline; the invalid byte is U+FFFD */
		{"json", "\"path\":\"/evil\\\"]\\\\\\n|=x\xef\xbf\xbd\""},
		{"ecs", "\"cgroup.path\":\"/evil\\\"]\\\\\\n|=x\xef\xbf\xbd\""},
		/* CEF extension: \ and = escaped, newline as \n */
		{"cef", " cs1=/evil\"]\\\\\\n|\\=x\xef\xbf\xbd"},
		/* RFC 5424 PARAM-VALUE: " \ ] escaped, newline as \n */
		{"syslog", " cgroup=\"/evil\\\"\\]\\\\\\n|=x\xef\xbf\xbd\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out, *errs;
		char *sargv[] = {(char *)zt_cjd_bin(), "sub", sock, "--format", (char *)cases[i].format,
				 "--count", "2", NULL};
		assert_int_equal(run(sargv, &out, &errs, 15000), 0);
		char *nl = strchr(out, '\n');
		assert_non_null(nl);
		assert_non_null(strchr(nl + 1, '\n')); /* two messages, two lines */
		if (!strstr(out, cases[i].expect))
			fail_msg("%s: '%s' not in:\n%s", cases[i].format, cases[i].expect, out);
		free(out);
		free(errs);
	}
	zt_kill_wait(&p, SIGTERM);
	zt_child_close(&p);
}

/*
 * In a private mount namespace with its own /dev, receives on a /dev/log socket what
 * `cjd sub --syslog` sends. Runs in a child (the namespace must not leak into the test).
 * Exit 0 with the datagram in out_path, 77 when the namespace cannot be set up.
 */
static int syslog_child(const char *sock_ep, const char *out_path)
{
	char olddev[512];
	snprintf(olddev, sizeof(olddev), "%s/olddev", dir);
	mkdir(olddev, 0755);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/dev", olddev, NULL, MS_BIND | MS_REC, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "size=64k,mode=755"))
		return 77;
	/* the few devices a program may open, taken from the real /dev */
	static const char *const devs[] = {"null", "zero", "urandom", "random"};
	for (size_t i = 0; i < 4; i++) {
		char from[600], to[64];
		snprintf(from, sizeof(from), "%s/%s", olddev, devs[i]);
		snprintf(to, sizeof(to), "/dev/%s", devs[i]);
		close(open(to, O_CREAT | O_WRONLY, 0666));
		mount(from, to, NULL, MS_BIND, NULL);
	}
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 77;
	struct zt_child sub;
	char *argv[] = {(char *)zt_cjd_bin(), "sub", (char *)sock_ep, "--syslog", "--count", "1", NULL};
	if (zt_spawn(&sub, argv, false))
		return 2;
	struct pollfd p = {.fd = s, .events = POLLIN};
	char buf[8192];
	ssize_t n = poll(&p, 1, 15000) == 1 ? recv(s, buf, sizeof(buf) - 1, 0) : -1;
	int st = zt_wait(&sub, 5000);
	zt_child_close(&sub);
	if (n <= 0)
		return 3;
	FILE *f = fopen(out_path, "w");
	fwrite(buf, 1, (size_t)n, f);
	fclose(f);
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 4;
}

/* `cjd sub --syslog` hands RFC 5424 structured data to syslog(3), which writes /dev/log. */
static void test_sub_syslog(void **state)
{
	(void)state;
	char ep[600], sock[400], out[400];
	struct zt_child p;
	if (geteuid() != 0) {
		print_message("SKIP: needs root for a private /dev with a /dev/log socket\n");
		skip();
	}
	snprintf(sock, sizeof(sock), "ipc://%s/syslog.sock", dir);
	snprintf(out, sizeof(out), "%s/syslog.txt", dir);
	char *args[] = {"--endpoint", sock, "--cgroup", "/x\"]y", "--interval-us", "20000", NULL};
	start_driver(&p, args, ep, sizeof(ep));
	pid_t pid = fork();
	if (pid == 0)
		_exit(syslog_child(sock, out));
	int st;
	waitpid(pid, &st, 0);
	zt_kill_wait(&p, SIGTERM);
	zt_child_close(&p);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		print_message("SKIP: cannot make a private /dev (%s)\n", strerror(errno));
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
	char *msg = zt_slurp(out, NULL);
	/* <daemon.warning> from glibc, then our structured data and summary */
	if (strncmp(msg, "<28>", 4) != 0 || !strstr(msg, " cjd[") ||
	    !strstr(msg, "]: [cjd@32473 schema=\"cjd.alert/1\" id=\"") ||
	    !strstr(msg, " cgroup=\"/x\\\"\\]y\"") || !strstr(msg, "] Cryptocurrency miner"))
		fail_msg("unexpected syslog datagram: %s", msg);
	free(msg);
}

static void expect_exit(int want, const char *needle, char *const argv[])
{
	char *out, *errs;
	int rc = run(argv, &out, &errs, 10000);
	if (rc != want || (needle && !strstr(errs, needle)))
		fail_msg("%s %s: exit %d (want %d), stderr: %s", argv[1], argv[2] ? argv[2] : "", rc,
			 want, errs);
	free(out);
	free(errs);
}

static void test_cli_errors(void **state)
{
	(void)state;
	char *bin = (char *)zt_cjd_bin();
	char base[400], pubfile[420];
	snprintf(base, sizeof(base), "%s/cli-key", dir);
	snprintf(pubfile, sizeof(pubfile), "%s.pub", base);

	expect_exit(2, "'yesterday' is not 'all', an event id", (char *[]){bin, "sub", "--since", "yesterday", NULL});
	expect_exit(2, "'90' needs a unit", (char *[]){bin, "sub", "--since", "90", NULL});
	expect_exit(2, "has no time zone", (char *[]){bin, "sub", "--since", "2026-12-03T10:00:00", NULL});
	expect_exit(2, "go together", (char *[]){bin, "sub", "--curve-secret", "x", NULL});
	expect_exit(2, "--format", (char *[]){bin, "sub", "--format", "xml", NULL});
	expect_exit(1, "/nonexistent/alerts.jsonl",
		    (char *[]){bin, "sub", "--since", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
			       "--journal", "/nonexistent/alerts.jsonl", NULL});
	expect_exit(2, "cannot connect", (char *[]){bin, "sub", "nonsense://x", "--count", "1", NULL});
	expect_exit(2, "-o BASENAME", (char *[]){bin, "keygen", NULL});
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", base, NULL});
	assert_int_equal(access(pubfile, R_OK), 0);
	expect_exit(1, "exists already", (char *[]){bin, "keygen", "-o", base, NULL});
	expect_exit(2, "at least one IN", (char *[]){bin, "relay", "tcp://127.0.0.1:1", NULL});
	expect_exit(2, "cannot bind OUT", (char *[]){bin, "relay", "tcp://127.0.0.1:1", "nonsense://x", NULL});
	/* a malformed key: file and line named */
	char bad[420];
	snprintf(bad, sizeof(bad), "%s/bad.pub", dir);
	FILE *f = fopen(bad, "w");
	fputs("# first\npublic-key = short\n", f);
	fclose(f);
	char want[500];
	snprintf(want, sizeof(want), "%s:2:", bad);
	char keyfile[420];
	snprintf(keyfile, sizeof(keyfile), "%s.key", base);
	expect_exit(2, want, (char *[]){bin, "sub", "--curve-server-key", bad, "--curve-secret", keyfile,
				       "--count", "1", NULL});
	/* --help on each */
	expect_exit(0, NULL, (char *[]){bin, "sub", "--help", NULL});
	expect_exit(0, NULL, (char *[]){bin, "relay", "--help", NULL});
	expect_exit(0, NULL, (char *[]){bin, "keygen", "--help", NULL});
}

/* `cjd sub EP --curve-server-key PUB --curve-secret KEY --count 1` prints an alert. */
static void sub_gets_alert(const char *ep, const char *server_pub, const char *secret)
{
	char *out, *errs;
	char *argv[] = {(char *)zt_cjd_bin(), "sub", (char *)ep, "--curve-server-key", (char *)server_pub,
			"--curve-secret", (char *)secret, "--count", "1", NULL};
	int rc = run(argv, &out, &errs, 15000);
	if (rc != 0 || !strstr(out, "\"schema\":\"cjd.alert/1\""))
		fail_msg("cjd sub %s: exit %d, stdout '%s', stderr '%s'", ep, rc, out, errs);
	if (!strstr(errs, "(CURVE: encrypted, and this subscriber's key was accepted)"))
		fail_msg("cjd sub %s did not report the CURVE connection: %s", ep, errs);
	free(out);
	free(errs);
}

/* CURVE end to end through the CLI: cjd keygen files, an authorised `cjd sub` receives. */
static void test_sub_curve(void **state)
{
	(void)state;
	char *bin = (char *)zt_cjd_bin();
	char srv[400], cli_dir[400], cli[420], srv_key[420], srv_pub[420], cli_key[440], ep[600];
	snprintf(srv, sizeof(srv), "%s/curve-srv", dir);
	snprintf(cli_dir, sizeof(cli_dir), "%s/curve-clients", dir);
	mkdir(cli_dir, 0700);
	snprintf(cli, sizeof(cli), "%s/siem", cli_dir);
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", srv, NULL});
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", cli, NULL});
	snprintf(srv_key, sizeof(srv_key), "%s.key", srv);
	snprintf(srv_pub, sizeof(srv_pub), "%s.pub", srv);
	snprintf(cli_key, sizeof(cli_key), "%s/siem.key", dir);
	char moved[440];
	snprintf(moved, sizeof(moved), "%s.key", cli);
	assert_int_equal(rename(moved, cli_key), 0); /* the secret lives with the subscriber */
	struct zt_child p;
	char *args[] = {"--endpoint", "tcp://127.0.0.1:*", "--curve-secret", srv_key, "--curve-clients",
			cli_dir, "--interval-us", "20000", NULL};
	start_driver(&p, args, ep, sizeof(ep));
	sub_gets_alert(ep, srv_pub, cli_key);

	/* a key the publisher does not know: cjd sub says so instead of waiting in silence */
	char stranger[420], stranger_key[440], script[600], want[700];
	snprintf(stranger, sizeof(stranger), "%s/stranger", dir);
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", stranger, NULL});
	snprintf(stranger_key, sizeof(stranger_key), "%s.key", stranger);
	snprintf(script, sizeof(script), "exec \"$0\" sub \"$1\" --curve-server-key \"$2\" "
					 "--curve-secret \"$3\" 2>&1 >/dev/null");
	char *sargv[] = {"/bin/sh", "-c", script, bin, ep, srv_pub, stranger_key, NULL};
	struct zt_child sub;
	assert_int_equal(zt_spawn(&sub, sargv, false), 0);
	snprintf(want, sizeof(want), "; CURVE with the publisher key in %s", srv_pub);
	assert_true(wait_line_with(&sub, want, 10000));
	snprintf(want, sizeof(want), "sub: %s refused this subscriber's CURVE key", ep);
	assert_true(wait_line_with(&sub, want, 15000));
	kill(sub.pid, SIGTERM);
	zt_wait(&sub, 5000);
	zt_child_close(&sub);
	zt_kill_wait(&p, SIGTERM);
	zt_child_close(&p);
}

/* CURVE on both sides of a relay: publisher -> relay (relay's key authorised) -> cjd sub (siem's key authorised). */
static void test_relay_curve(void **state)
{
	(void)state;
	char *bin = (char *)zt_cjd_bin();
	char pubc[400], relc[400], srv[400], rel[400], siem[400], ep[600], out_ep[400];
	char srv_key[420], srv_pub[420], rel_key[420], rel_pub[420], siem_key[420], tmp[440];
	snprintf(pubc, sizeof(pubc), "%s/rc-publisher-clients", dir);
	snprintf(relc, sizeof(relc), "%s/rc-relay-clients", dir);
	mkdir(pubc, 0700);
	mkdir(relc, 0700);
	snprintf(srv, sizeof(srv), "%s/rc-srv", dir);
	snprintf(rel, sizeof(rel), "%s/rc-relay", dir);
	snprintf(siem, sizeof(siem), "%s/rc-siem", dir);
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", srv, NULL});
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", rel, NULL});
	expect_exit(0, NULL, (char *[]){bin, "keygen", "-o", siem, NULL});
	snprintf(srv_key, sizeof(srv_key), "%s.key", srv);
	snprintf(srv_pub, sizeof(srv_pub), "%s.pub", srv);
	snprintf(rel_key, sizeof(rel_key), "%s.key", rel);
	snprintf(rel_pub, sizeof(rel_pub), "%s.pub", rel);
	snprintf(siem_key, sizeof(siem_key), "%s.key", siem);
	snprintf(tmp, sizeof(tmp), "%s/relay.pub", pubc);
	assert_int_equal(link(rel_pub, tmp), 0);
	snprintf(tmp, sizeof(tmp), "%s/siem.pub", relc);
	char siem_pub[420];
	snprintf(siem_pub, sizeof(siem_pub), "%s.pub", siem);
	assert_int_equal(link(siem_pub, tmp), 0);

	struct zt_child p, relay;
	char *args[] = {"--endpoint", "tcp://127.0.0.1:*", "--curve-secret", srv_key, "--curve-clients",
			pubc, "--interval-us", "20000", NULL};
	start_driver(&p, args, ep, sizeof(ep));
	snprintf(out_ep, sizeof(out_ep), "ipc://%s/rc-relay.sock", dir);
	char *rargv[] = {bin, "relay", "--curve-secret", rel_key, "--curve-server-key", srv_pub,
			 "--curve-clients", relc, ep, out_ep, NULL};
	assert_int_equal(zt_spawn(&relay, rargv, true), 0);
	sub_gets_alert(out_ep, rel_pub, siem_key);
	/* the publisher's own key is not authorised at the relay: refused there */
	char *bad[] = {bin, "sub", out_ep, "--curve-server-key", rel_pub, "--curve-secret", srv_key,
		       "--count", "1", NULL};
	struct zt_child b;
	assert_int_equal(zt_spawn(&b, bad, true), 0);
	char *nothing = zt_read_all(&b, 1500);
	assert_string_equal(nothing, "");
	free(nothing);
	zt_kill_wait(&b, SIGTERM);
	zt_child_close(&b);
	kill(relay.pid, SIGTERM);
	int st = zt_wait(&relay, 5000);
	assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *errs = zt_read_err(&relay, 1000);
	assert_non_null(strstr(errs, "refused subscriber with unknown key"));
	free(errs);
	zt_child_close(&relay);
	zt_kill_wait(&p, SIGTERM);
	zt_child_close(&p);
}

static int setup(void **state)
{
	(void)state;
	if (access(zt_cjd_bin(), X_OK) != 0 || access(zt_driver_bin(), X_OK) != 0) {
		fprintf(stderr, "%s or %s is not built\n", zt_cjd_bin(), zt_driver_bin());
		return -1;
	}
	return zt_setup("cli", false, &dir, &zctx);
}

static int teardown(void **state)
{
	(void)state;
	return zt_teardown(&dir, &zctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_journal_since),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_sub_reconnects),
		cmocka_unit_test(test_sub_says_what_it_does),
		cmocka_unit_test(test_sub_since_forms),
		cmocka_unit_test(test_sub_formats_hostile),
		cmocka_unit_test(test_sub_syslog),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_sub_curve),
		cmocka_unit_test(test_relay_curve),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
