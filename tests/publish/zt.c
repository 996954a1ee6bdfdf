/* Helpers shared by the ZeroMQ/journal tests and their driver (see zt.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "zt.h"

extern char **environ;

uint64_t zt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void zt_alert(struct cjd_alert *a, enum cjd_alert_action action, const char *cgroup)
{
	static const char *const names[] = {"cpu_util", "ctx_switches_per_cpu_s",
					    "page_faults_per_cpu_s", "syscalls_per_cpu_s",
					    "cpu_util_cv"};
	static const float values[] = {0.985f, 12.5f, 0.25f, 3.0f, 0.0125f};

	memset(a, 0, sizeof(*a));
	a->action = action;
	a->time_real_ns = 1795718400123456789ull; /* 2026-11-26T18:40:00.123456789Z */
	a->t_ns = 42000000000ull;
	a->fired_t_ns = 40000000000ull;
	a->cgroup = cgroup;
	a->label = "miner/randomx";
	a->mode = CJD_MODE_SOFTWARE;
	a->severity = 73;
	a->score = 0.97f;
	a->threshold = 0.8f;
	a->model_name = "software-gbdt";
	a->model_version = "1.0.0";
	a->windows = 5;
	a->windows_flagged = 5;
	a->cpu_seconds = action == CJD_ALERT_FIRING ? 3.5 : 61.25;
	a->cost_usd = a->cpu_seconds / 3600.0 * 0.04;
	a->n_features = 5;
	for (int i = 0; i < 5; i++) {
		a->features[i].name = names[i];
		a->features[i].value = values[i];
	}
}

char *zt_tmpdir(const char *tag)
{
	char tmpl[256];
	snprintf(tmpl, sizeof(tmpl), "/tmp/cjd-%s-%d-XXXXXX", tag, (int)getpid());
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void zt_rmrf(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/cjd-", 9) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int zt_setup(const char *tag, bool private_mounts, char **dir, void **zctx)
{
	if (private_mounts && geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (dir && !(*dir = zt_tmpdir(tag)))
		return -1;
	if (zctx && !(*zctx = zmq_ctx_new()))
		return -1;
	return 0;
}

int zt_teardown(char **dir, void **zctx)
{
	if (zctx && *zctx) {
		zmq_ctx_term(*zctx);
		*zctx = NULL;
	}
	if (dir && *dir) {
		zt_rmrf(*dir);
		free(*dir);
		*dir = NULL;
	}
	return 0;
}

int zt_spawn(struct zt_child *c, char *const argv[], bool capture_err)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2] = {-1, -1};
	int rc;

	memset(c, 0, sizeof(*c));
	c->err = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (capture_err && pipe2(err, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (capture_err)
		posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (capture_err)
		close(err[1]);
	if (rc) {
		close(out[0]);
		if (capture_err)
			close(err[0]);
		return -rc;
	}
	c->out = out[0];
	c->err = capture_err ? err[0] : -1;
	return 0;
}

int zt_read_line(struct zt_child *c, char *line, size_t cap, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			size_t k = n < cap - 1 ? n : cap - 1;
			memcpy(line, c->buf, k);
			line[k] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return (int)k;
		}
		uint64_t now = zt_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = c->out, .events = POLLIN};
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		if (c->len == sizeof(c->buf))
			return -ENOBUFS;
		ssize_t r = read(c->out, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		c->len += (size_t)r;
	}
}

static char *read_fd_all(int fd, const char *pre, size_t pre_len, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;
	size_t cap = pre_len + 65536, len = pre_len;
	char *s = malloc(cap + 1);

	memcpy(s, pre, pre_len);
	while (fd >= 0) {
		uint64_t now = zt_now_ms();
		if (now >= deadline)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		if (len == cap) {
			cap *= 2;
			s = realloc(s, cap + 1);
		}
		ssize_t r = read(fd, s + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	s[len] = '\0';
	return s;
}

char *zt_read_all(struct zt_child *c, int timeout_ms)
{
	char *s = read_fd_all(c->out, c->buf, c->len, timeout_ms);
	c->len = 0;
	return s;
}

char *zt_read_err(struct zt_child *c, int timeout_ms)
{
	return read_fd_all(c->err, "", 0, timeout_ms);
}

/* Receivers started by zt_spawn_python and not reaped yet: a failed assertion
 * (a longjmp out of the test) must not leave them running. Only unreaped
 * children are listed, so a pid here cannot have been reused. */
static pid_t spawned[32];

static void spawned_forget(pid_t pid)
{
	for (size_t i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] == pid)
			spawned[i] = 0;
}

void zt_kill_spawned(void)
{
	for (size_t i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++) {
		if (spawned[i] > 0) {
			kill(spawned[i], SIGKILL);
			while (waitpid(spawned[i], NULL, 0) < 0 && errno == EINTR)
				;
			spawned[i] = 0;
		}
	}
}

int zt_kill_wait(struct zt_child *c, int sig)
{
	int st = 0;
	spawned_forget(c->pid);
	kill(c->pid, sig);
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
	return st;
}

int zt_wait(struct zt_child *c, int timeout_ms)
{
	uint64_t deadline = zt_now_ms() + (uint64_t)timeout_ms;
	int st = 0;

	while (zt_now_ms() < deadline) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid) {
			spawned_forget(c->pid);
			c->pid = 0;
			return st;
		}
		usleep(5000);
	}
	zt_kill_wait(c, SIGKILL);
	return -ETIMEDOUT;
}

void zt_child_close(struct zt_child *c)
{
	if (c->pid > 0)
		zt_kill_wait(c, SIGKILL);
	if (c->out > 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->out = 0;
	c->err = -1;
}

void *zt_sub(void *zctx, const char *endpoint, const char *topic)
{
	void *s = zmq_socket(zctx, ZMQ_SUB);
	int zero = 0;
	if (!s)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, topic, strlen(topic));
	if (endpoint && zmq_connect(s, endpoint) != 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

static char *frame(void *sock, bool *more)
{
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, sock, 0) < 0) {
		zmq_msg_close(&m);
		return NULL;
	}
	size_t n = zmq_msg_size(&m);
	char *s = malloc(n + 1);
	memcpy(s, zmq_msg_data(&m), n);
	s[n] = '\0';
	*more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	return s;
}

int zt_recv(void *sock, char **topic, char **body, int timeout_ms)
{
	zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
	bool more = false;

	*topic = *body = NULL;
	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	*topic = frame(sock, &more);
	if (!*topic || !more)
		return -EPROTO;
	*body = frame(sock, &more);
	return *body && !more ? 0 : -EPROTO;
}

const char *zt_source(const char *rel, char *buf, size_t cap)
{
	const char *root = getenv("CJD_SOURCE_DIR");
	snprintf(buf, cap, "%s/%s", root ? root : CJD_TEST_SOURCE_DIR, rel);
	return buf;
}

const char *zt_cjd_bin(void)
{
	const char *b = getenv("CJD_BIN");
	return b ? b : CJD_TEST_BIN;
}

const char *zt_driver_bin(void)
{
	return CJD_TEST_DRIVER;
}

int zt_validate(const char *schema_name, const char *json, char *msg, size_t cap)
{
	char script[1024], schema[1024], dir_tmpl[] = "/tmp/cjd-validate-XXXXXX", file[256];
	char cmd[4096];
	int st;

	msg[0] = '\0';
	if (!mkdtemp(dir_tmpl))
		return -errno;
	snprintf(file, sizeof(file), "%s/doc.json", dir_tmpl);
	FILE *f = fopen(file, "w");
	fputs(json, f);
	fclose(f);
	zt_source("tests/publish/validate_schema.py", script, sizeof(script));
	zt_source(schema_name, schema, sizeof(schema));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s' 2>&1", script, schema, file);
	FILE *p = popen(cmd, "r");
	size_t n = fread(msg, 1, cap - 1, p);
	msg[n] = '\0';
	st = pclose(p);
	unlink(file);
	rmdir(dir_tmpl);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long zt_count_lines(const char *path)
{
	size_t len;
	char *s = zt_slurp(path, &len);
	long n = 0;
	if (!s)
		return -1;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	free(s);
	return n;
}

char *zt_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 65536, n = 0;
	char *s;

	if (!f)
		return NULL;
	s = malloc(cap + 1);
	for (;;) {
		size_t r = fread(s + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		cap *= 2;
		s = realloc(s, cap + 1);
	}
	fclose(f);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

const char *zt_own_cgroup(char *path, size_t cap)
{
	static const char *const roots[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	char line[4096], probe[4200];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, cap, "%s", line + 3);
			found = true;
		}
	}
	if (f)
		fclose(f);
	for (int i = 0; found && i < 2; i++) {
		snprintf(probe, sizeof(probe), "%s%s/cgroup.procs", roots[i], path);
		if (access(probe, R_OK) == 0)
			return roots[i];
	}
	return NULL;
}

int zt_spawn_python(struct zt_child *c, const char *script, char *const args[],
		    const char *port_file)
{
	char src[600];
	char *argv[40] = {"/usr/bin/python3", src};
	size_t n = 2;
	int port = -1;

	zt_source(script, src, sizeof(src));
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	unlink(port_file);
	if (zt_spawn(c, argv, false))
		return -1;
	for (size_t i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++) {
		if (!spawned[i]) {
			spawned[i] = c->pid;
			break;
		}
	}
	for (int i = 0; i < 3000 && access(port_file, R_OK) != 0; i++)
		usleep(10000);
	char *text = zt_slurp(port_file, NULL);
	if (text)
		port = atoi(text);
	free(text);
	if (port <= 0) {
		zt_child_close(c);
		return -1;
	}
	return port;
}

json_t *zt_json_lines(const char *path)
{
	json_t *all = json_array();
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		json_t *e = json_loads(line, 0, NULL);
		if (e)
			json_array_append_new(all, e);
	}
	free(line);
	if (f)
		fclose(f);
	return all;
}

int zt_receivers_setup(const char *tag, bool ca, char **dir)
{
	char cmd[1400], script[600];

	if (access("/usr/bin/python3", X_OK) != 0) {
		fprintf(stderr, "skip: /usr/bin/python3 is missing (scripts/packages.txt lists python3)\n");
		exit(77);
	}
	*dir = zt_tmpdir(tag);
	if (!ca)
		return 0;
	zt_source("tests/publish/make_test_ca.sh", script, sizeof(script));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/ca && %s %s/ca", *dir, script, *dir);
	return system(cmd) == 0 ? 0 : -1;
}

int zt_receivers_teardown(char **dir)
{
	zt_kill_spawned();
	if (*dir)
		zt_rmrf(*dir);
	free(*dir);
	*dir = NULL;
	return 0;
}
