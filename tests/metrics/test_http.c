/* The metrics HTTP server over real sockets: content negotiation, probes, basic auth, TLS, errors, signal masks, publishing during scrapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/metrics/http.h"
#include "cjd/metrics/registry.h"
#include "cjd/metrics/render.h"

static char dir[] = "/tmp/cjd-metrics-http-XXXXXX";
static atomic_bool is_healthy, is_ready;

static bool healthy(void *ctx, char *why, size_t len)
{
	(void)ctx;
	if (atomic_load(&is_healthy))
		return true;
	snprintf(why, len, "the collector took no sample for 3.0s");
	return false;
}

static bool ready(void *ctx, char *why, size_t len)
{
	(void)ctx;
	if (atomic_load(&is_ready))
		return true;
	snprintf(why, len, "starting");
	return false;
}

struct resp {
	int status;
	char head[4096];
	char *body;
	size_t len;
};

static int port_of(const struct cjd_metrics_http *h)
{
	const char *u = cjd_metrics_http_url(h);
	return atoi(strrchr(u, ':') + 1);
}

/* One request over a fresh connection (Connection: close); 0 or -1 when nothing came back. */
static int http(int port, const char *method, const char *path, const char *headers,
		struct resp *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 10};
	char req[2048], *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(r, 0, sizeof(*r));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
			 method, path, headers ? headers : "");
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (cap - len < 65536)
			buf = realloc(buf, cap = cap ? cap * 2 : 131072);
		ssize_t k = read(fd, buf + len, cap - len - 1);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	char *end = strstr(buf, "\r\n\r\n");
	if (!end || sscanf(buf, "HTTP/1.1 %d", &r->status) != 1) {
		free(buf);
		return -1;
	}
	snprintf(r->head, sizeof(r->head), "%.*s", (int)(end - buf), buf);
	r->len = len - (size_t)(end + 4 - buf);
	r->body = malloc(r->len + 1);
	memcpy(r->body, end + 4, r->len + 1);
	free(buf);
	return 0;
}

/* One request that must answer `status`, and `body` exactly when it is not NULL. */
static void expect(int port, const char *path, const char *headers, int status, const char *body)
{
	struct resp r;

	if (http(port, "GET", path, headers, &r))
		fail_msg("GET %s: no answer", path);
	if (r.status != status || (body && strcmp(r.body, body)))
		fail_msg("GET %s (%s): %d \"%s\", want %d \"%s\"", path, headers ? headers : "", r.status,
			 r.body, status, body ? body : "...");
	free(r.body);
}

static struct cjd_metrics_registry *reg;

static struct cjd_metrics_snapshot *snapshot(double cpu)
{
	struct cjd_metrics_snapshot *s;
	struct cjd_metrics m = {.cgroup = "/docker/abc", .state = "idle", .cpu_seconds_total = cpu};

	cjd_metrics_registry_begin(reg, 0);
	cjd_metrics_registry_cgroup(reg, &m, 0);
	cjd_metrics_registry_end(reg, 0);
	assert_int_equal(cjd_metrics_registry_snapshot(reg, &s), 0);
	return s;
}

static struct cjd_metrics_http *start(const char *auth_file, const char *cert, const char *key)
{
	struct cjd_metrics_http_config c = {.listen = "127.0.0.1:0", .basic_auth_file = auth_file,
					    .tls_cert_file = cert, .tls_key_file = key,
					    .healthy = healthy, .ready = ready};
	struct cjd_metrics_http *h;
	struct cjd_error err;

	if (cjd_metrics_http_new(&h, &c, &err))
		fail_msg("cjd_metrics_http_new: %s", err.text);
	return h;
}

static int setup(void **state)
{
	(void)state;
	struct cjd_metrics_registry_config rc = {.stale_after_ns = 1, .max_cgroups = 10};
	return mkdtemp(dir) && cjd_metrics_registry_new(&reg, &rc) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	cjd_metrics_registry_free(reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_listen_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int family, port;
		const char *why; /* NULL: valid */
	} cases[] = {
		{"127.0.0.1:5558", AF_INET, 5558, NULL},
		{"0.0.0.0:0", AF_INET, 0, NULL},
		{"[::1]:9", AF_INET6, 9, NULL},
		{"[::]:65535", AF_INET6, 65535, NULL},
		{"localhost:5558", 0, 0, "\"localhost\" is not a numeric IPv4 address"},
		{"127.0.0.1", 0, 0, "is not an address: write IPv4:PORT"},
		{"127.0.0.1:", 0, 0, "the port must be a number from 0 to 65535"},
		{"127.0.0.1:65536", 0, 0, "the port must be a number from 0 to 65535"},
		{"127.0.0.1:-1", 0, 0, "the port must be a number"},
		{"127.0.0.1:80x", 0, 0, "the port must be a number"},
		{"::1:5558", 0, 0, "is not an address"},
		{"[::1:5558", 0, 0, "is not an address"},
		{"[1.2.3.4]:5558", 0, 0, "is not a numeric IPv6 address"},
		{"", 0, 0, "is not an address"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		char why[256] = "";
		int rc = cjd_metrics_listen_parse(cases[i].text, &ss, &len, why, sizeof(why));
		if (!cases[i].why) {
			assert_int_equal(rc, 0);
			assert_int_equal(ss.ss_family, cases[i].family);
			int port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
							   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			assert_int_equal(port, cases[i].port);
		} else {
			assert_int_equal(rc, -EINVAL);
			if (!strstr(why, cases[i].why))
				fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text, why, cases[i].why);
		}
	}
	assert_true(cjd_metrics_listen_off(NULL) && cjd_metrics_listen_off("") &&
		    cjd_metrics_listen_off("off"));
	assert_false(cjd_metrics_listen_off("127.0.0.1:5558"));
}

static char *render(struct cjd_metrics_snapshot *s, enum cjd_om_format f)
{
	char *t;
	size_t n;
	assert_int_equal(cjd_metrics_render(s, f, &t, &n), 0);
	return t;
}

static void test_serves_and_negotiates(void **state)
{
	(void)state;
	struct cjd_metrics_http *h = start(NULL, NULL, NULL);
	int port = port_of(h);
	struct resp r;

	assert_non_null(strstr(cjd_metrics_http_url(h), "http://127.0.0.1:"));
	/* nothing published yet */
	assert_int_equal(http(port, "GET", "/metrics", NULL, &r), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "no metrics yet\n");
	free(r.body);

	struct cjd_metrics_snapshot *s = snapshot(1.5);
	char *text = render(s, CJD_OM_PROMETHEUS_TEXT), *om = render(s, CJD_OM_OPENMETRICS);
	cjd_metrics_http_publish(h, s);

	/* no Accept (curl, promtool users): the Prometheus text format */
	assert_int_equal(http(port, "GET", "/metrics", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_string_equal(r.body, text);
	free(r.body);
	/* what Prometheus 2.x sends: OpenMetrics */
	assert_int_equal(http(port, "GET", "/metrics",
			      "Accept: application/openmetrics-text;version=1.0.0,application/"
			      "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n",
			      &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"));
	assert_string_equal(r.body, om);
	free(r.body);
	/* HEAD: the headers alone */
	assert_int_equal(http(port, "HEAD", "/metrics", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	free(r.body);
	/* other methods, other paths */
	assert_int_equal(http(port, "POST", "/metrics", "Content-Length: 5\r\n\r\nhello", &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(strstr(r.head, "Allow: GET, HEAD"));
	free(r.body);
	assert_int_equal(http(port, "GET", "/metrics/../etc/passwd", NULL, &r), 0);
	assert_int_equal(r.status, 404);
	free(r.body);
	assert_int_equal(http(port, "GET", "/", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/metrics"));
	free(r.body);

	/* a new snapshot replaces the old one */
	cjd_metrics_http_publish(h, snapshot(7.25));
	assert_int_equal(http(port, "GET", "/metrics", NULL, &r), 0);
	assert_non_null(strstr(r.body, "cjd_cgroup_cpu_seconds_total{cgroup=\"/docker/abc\"} 7.25\n"));
	free(r.body);

	struct cjd_metrics_http_stats st;
	cjd_metrics_http_stats(h, &st);
	assert_int_equal(st.scrapes, 4);
	assert_int_equal(st.requests, 8);
	cjd_metrics_http_free(h);
	cjd_metrics_http_free(NULL);
	free(text);
	free(om);
}

static void test_health_and_ready(void **state)
{
	(void)state;
	struct cjd_metrics_http *h = start(NULL, NULL, NULL);
	int port = port_of(h);

	atomic_store(&is_healthy, false);
	atomic_store(&is_ready, false);
	expect(port, "/healthz", NULL, 503, "unhealthy: the collector took no sample for 3.0s\n");
	expect(port, "/readyz", NULL, 503, "not ready: starting\n");
	atomic_store(&is_healthy, true);
	atomic_store(&is_ready, true);
	expect(port, "/healthz", NULL, 200, "ok\n");
	expect(port, "/readyz", NULL, 200, "ready\n");
	cjd_metrics_http_free(h);
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

static void test_basic_auth(void **state)
{
	(void)state;
	struct cjd_metrics_http *h = start(write_file("auth", "prom:s3cr:et\n", 0600), NULL, NULL);
	int port = port_of(h);
	struct resp r;

	cjd_metrics_http_publish(h, snapshot(1));
	atomic_store(&is_healthy, true);
	assert_int_equal(http(port, "GET", "/metrics", NULL, &r), 0);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.head, "WWW-Authenticate: Basic realm=\"cjd\""));
	free(r.body);
	static const struct {
		const char *path, *header;
		int status;
	} cases[] = {
		{"/metrics", "Authorization: Basic cHJvbTp3cm9uZw==\r\n", 401},     /* prom:wrong */
		{"/metrics", "Authorization: Basic cHJvbTpzM2Ny\r\n", 401},         /* a prefix of it */
		{"/", "Authorization: Bearer cHJvbTpzM2NyOmV0\r\n", 401},           /* another scheme */
		{"/metrics", "Authorization: Basic cHJvbTpzM2NyOmV0\r\n", 200},     /* a colon in the password */
		{"/metrics", "Authorization: basic cHJvbTpzM2NyOmV0\r\n", 200},     /* the scheme's case */
		{"/healthz", NULL, 200}, /* the kubelet's probes carry no credentials */
		{"/readyz", NULL, 200},
	};
	atomic_store(&is_ready, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(port, cases[i].path, cases[i].header, cases[i].status, NULL);
	assert_int_equal(http(port, "GET", "/metrics", "Authorization: Basic cHJvbTpzM2NyOmV0\r\n", &r), 0);
	assert_non_null(strstr(r.body, "cjd_cgroup_cpu_seconds_total{cgroup=\"/docker/abc\"} 1\n"));
	free(r.body);
	struct cjd_metrics_http_stats st;
	cjd_metrics_http_stats(h, &st);
	assert_int_equal(st.unauthorized, 4);
	cjd_metrics_http_free(h);

	/* refused files, each with a reason */
	static const struct {
		const char *text;
		mode_t mode;
		const char *why;
	} bad[] = {
		{"prom:pw\n", 0644, "readable by everyone (mode 0644): chmod o-r it"},
		{"prom\n", 0600, "the first line must be USER:PASSWORD"},
		{":pw\n", 0600, "the first line must be USER:PASSWORD"},
		{"prom:\n", 0600, "the first line must be USER:PASSWORD"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cjd_metrics_http_config c = {.listen = "127.0.0.1:0",
						    .basic_auth_file = write_file("bad", bad[i].text, bad[i].mode)};
		struct cjd_error err;
		assert_true(cjd_metrics_http_new(&h, &c, &err) < 0);
		assert_null(h);
		if (!strstr(err.text, bad[i].why) || !strstr(err.file, "/bad"))
			fail_msg("%s: %s: %s", bad[i].text, err.file, err.text);
	}
	struct cjd_metrics_http_config c = {.listen = "127.0.0.1:0", .basic_auth_file = "/nonexistent/auth"};
	struct cjd_error err;
	assert_int_equal(cjd_metrics_http_new(&h, &c, &err), -ENOENT);
	assert_non_null(strstr(err.text, "metrics.basic_auth_file: cannot open"));
}

static void test_bind_errors(void **state)
{
	(void)state;
	struct cjd_metrics_http *h = start(NULL, NULL, NULL), *h2;
	struct cjd_error err;
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port_of(h));
	struct cjd_metrics_http_config c = {.listen = addr};
	assert_int_equal(cjd_metrics_http_new(&h2, &c, &err), -EADDRINUSE);
	char want[128];
	snprintf(want, sizeof(want), "metrics.listen %s: cannot bind: Address already in use", addr);
	assert_string_equal(err.text, want);
	cjd_metrics_http_free(h);
	c.listen = "192.0.2.1:5558"; /* TEST-NET: not an address of this host */
	assert_int_equal(cjd_metrics_http_new(&h2, &c, &err), -EADDRNOTAVAIL);
	assert_non_null(strstr(err.text, "cannot bind: Cannot assign requested address"));
	c.listen = "[::1]:0"; /* IPv6 loopback, where the host has it */
	if (cjd_metrics_http_new(&h2, &c, &err) == 0) {
		assert_non_null(strstr(cjd_metrics_http_url(h2), "http://[::1]:"));
		cjd_metrics_http_free(h2);
	} else {
		print_message("note: no IPv6 loopback here: %s\n", err.text);
	}
}

/* The threads of this process now, as a list of tids (0-terminated). */
static void tasks(int *tid, size_t cap)
{
	DIR *d = opendir("/proc/self/task");
	size_t n = 0;

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) && n + 1 < cap;)
		if (atoi(e->d_name) > 0)
			tid[n++] = atoi(e->d_name);
	tid[n] = 0;
	closedir(d);
}

/* The server thread starts with every signal blocked (SigBlk bits are 1 << (sig - 1)). */
static void test_server_thread_blocks_signals(void **state)
{
	(void)state;
	int before[256], after[256], checked = 0;
	char path[300], line[256];

	if (getenv("CJD_EMULATOR")) {
		/* qemu-user keeps the guest's signal masks itself; /proc shows the host's */
		print_message("skip: under %s, /proc/PID/task/*/status shows the emulator's masks\n",
			      getenv("CJD_EMULATOR"));
		skip();
	}
	tasks(before, 256);
	struct cjd_metrics_http *h = start(NULL, NULL, NULL);
	tasks(after, 256);
	for (int *t = after; *t; t++) {
		bool old = false;
		for (int *b = before; *b; b++)
			old |= *b == *t;
		if (old)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", *t);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		unsigned long long blk = 0;
		while (fgets(line, sizeof(line), f))
			sscanf(line, "SigBlk: %llx", &blk);
		fclose(f);
		/* SIGTERM, SIGINT and SIGHUP must reach the owner's signalfd, never this thread */
		assert_true(blk & (1ull << (SIGTERM - 1)));
		assert_true(blk & (1ull << (SIGINT - 1)));
		assert_true(blk & (1ull << (SIGHUP - 1)));
		checked++;
	}
	assert_true(checked >= 1); /* the server's thread is new */
	cjd_metrics_http_free(h);
}

static atomic_bool stop_publishing;
static struct cjd_metrics_http *shared;

static void *publisher(void *arg)
{
	(void)arg;
	for (int i = 0; !atomic_load(&stop_publishing); i++) {
		/* the registry is the loop's: only this thread touches it here */
		cjd_metrics_http_publish(shared, snapshot(i));
		usleep(200);
	}
	return NULL;
}

static void test_publish_while_scraping(void **state)
{
	(void)state;
	pthread_t t;
	struct resp r;

	shared = start(NULL, NULL, NULL);
	cjd_metrics_http_publish(shared, snapshot(0));
	atomic_store(&stop_publishing, false);
	assert_int_equal(pthread_create(&t, NULL, publisher, NULL), 0);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(http(port_of(shared), "GET", "/metrics",
				      "Accept: application/openmetrics-text\r\n", &r), 0);
		assert_int_equal(r.status, 200);
		/* whole snapshots only: always the full text, ending in # EOF */
		assert_true(r.len > 6 && !strcmp(r.body + r.len - 6, "# EOF\n"));
		assert_non_null(strstr(r.body, "cjd_cgroup_cpu_seconds_total{cgroup=\"/docker/abc\"}"));
		free(r.body);
	}
	atomic_store(&stop_publishing, true);
	pthread_join(t, NULL);
	cjd_metrics_http_free(shared);
}

/* Runs cmd; its exit status, with its output in out. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return -1;
	while (n + 1 < cap) {
		size_t k = fread(out + n, 1, cap - n - 1, p);
		if (!k)
			break;
		n += k;
	}
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_tls(void **state)
{
	(void)state;
	char cert[300], key[300], cmd[1600], out[65536];

	if (access("/usr/bin/openssl", X_OK) || access("/usr/bin/python3", X_OK)) {
		print_message("skip: TLS needs /usr/bin/openssl (to make a certificate) and "
			      "/usr/bin/python3 (a TLS client)\n");
		skip();
	}
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
		 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>&1",
		 key, cert);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	struct cjd_metrics_http *h = start(write_file("auth2", "prom:pw", 0400), cert, key);
	cjd_metrics_http_publish(h, snapshot(2.5));
	assert_non_null(strstr(cjd_metrics_http_url(h), "https://127.0.0.1:"));

	/* a client that checks the certificate against it, with the credentials */
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c \""
		 "import base64, ssl, sys, urllib.request\n"
		 "ctx = ssl.create_default_context(cafile='%s')\n"
		 "req = urllib.request.Request('%s/metrics', headers={'Authorization': 'Basic ' + "
		 "base64.b64encode(b'prom:pw').decode()})\n"
		 "print(urllib.request.urlopen(req, context=ctx, timeout=10).read().decode())\n"
		 "try:\n"
		 "    urllib.request.urlopen('%s/metrics', context=ctx, timeout=10)\n"
		 "except urllib.error.HTTPError as e:\n"
		 "    print('without credentials:', e.code)\n"
		 "\" 2>&1",
		 cert, cjd_metrics_http_url(h), cjd_metrics_http_url(h));
	int rc = run(cmd, out, sizeof(out));
	if (rc != 0)
		fail_msg("python TLS client (exit %d):\n%s", rc, out);
	assert_non_null(strstr(out, "cjd_cgroup_cpu_seconds_total{cgroup=\"/docker/abc\"} 2.5\n"));
	assert_non_null(strstr(out, "without credentials: 401"));
	/* plain HTTP gets no metrics from the TLS port */
	struct resp r;
	if (http(port_of(h), "GET", "/metrics", NULL, &r) == 0) {
		assert_int_not_equal(r.status, 200);
		free(r.body);
	}
	cjd_metrics_http_free(h);

	/* a key that is not the certificate's is refused at start, saying so */
	char key2[300];
	snprintf(key2, sizeof(key2), "%s/key2.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out %s 2>&1", key2);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	struct cjd_metrics_http_config c = {.listen = "127.0.0.1:0", .tls_cert_file = cert,
					    .tls_key_file = key2};
	struct cjd_error err;
	assert_true(cjd_metrics_http_new(&h, &c, &err) < 0);
	assert_non_null(strstr(err.text, "the HTTP server did not start"));
	c.tls_key_file = "/nonexistent/key.pem";
	assert_int_equal(cjd_metrics_http_new(&h, &c, &err), -ENOENT);
	assert_non_null(strstr(err.text, "metrics.tls_key: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_serves_and_negotiates),
		cmocka_unit_test(test_health_and_ready),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_server_thread_blocks_signals),
		cmocka_unit_test(test_publish_while_scraping),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
