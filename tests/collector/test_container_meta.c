/* Container names from the runtimes' records: fixture files per runtime (good, malformed, hostile), and a fake Engine API. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cjd/collector/container_meta.h"
#include "cjd/common/log.h"

#define ID_DOCKER "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define ID_SHIM "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define ID_BADJSON "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define ID_BADTYPE "a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4"
#define ID_HOSTILE "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
#define ID_CRI "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define ID_CRIBAD "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define ID_SANDBOX "b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3"
#define ID_CRIO "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
#define ID_PODMAN "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"
#define ID_PODMANBAD "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define ID_NONE "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"

static char data[4096], docker[4200], containerd[4200], run[4200], storage[4200];
static char tmp[64], sock_path[100];

/* Every source pointed at the fixtures; the Engine API off unless a test turns it on. */
static struct cjd_meta_config fixtures(void)
{
	return (struct cjd_meta_config){.docker_root = docker, .docker_socket = "",
					.containerd_tasks = containerd, .storage_run = run,
					.storage_root = storage, .api_timeout_ms = 300};
}

static int resolve(const struct cjd_meta_config *cfg, const char *cid, enum cjd_runtime guess,
		   struct cjd_identity *id, struct cjd_error *err)
{
	memset(id, 0, sizeof(*id));
	snprintf(id->container_id, sizeof(id->container_id), "%s", cid);
	id->runtime = guess;
	return cjd_meta_resolve(cfg, id, err);
}

static int setup(void **state)
{
	(void)state;
	const char *d = getenv("CJD_COLLECTOR_TEST_DATA");
	snprintf(data, sizeof(data), "%s/meta", d ? d : "tests/collector/data");
	snprintf(docker, sizeof(docker), "%s/docker", data);
	snprintf(containerd, sizeof(containerd), "%s/containerd", data);
	snprintf(run, sizeof(run), "%s/storage-run", data);
	snprintf(storage, sizeof(storage), "%s/storage", data);
	snprintf(tmp, sizeof(tmp), "/tmp/cjd-test-meta-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(tmp))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/docker.sock", tmp);
	cjd_log_setup(CJD_LOG_ERROR, CJD_LOG_TEXT); /* the cache's warnings are expected here */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_docker_file(void **state)
{
	(void)state;
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;

	assert_int_equal(resolve(&cfg, ID_DOCKER, CJD_RUNTIME_DOCKER, &id, &err), 0);
	assert_true(id.resolved);
	assert_int_equal(id.runtime, CJD_RUNTIME_DOCKER);
	assert_string_equal(id.name, "web-1"); /* Docker's leading '/' dropped */
	assert_string_equal(id.image, "nginx");
	assert_string_equal(id.image_tag, "1.25");
	assert_string_equal(id.pod_name, "");
	assert_string_equal(id.namespace, "");
	assert_string_equal(err.text, "");

	/* dockershim / cri-dockerd: Kubernetes' names from the labels, not k8s_web_web-7d9f_... */
	assert_int_equal(resolve(&cfg, ID_SHIM, CJD_RUNTIME_DOCKER, &id, &err), 0);
	assert_string_equal(id.name, "web");
	assert_string_equal(id.pod_name, "web-7d9f");
	assert_string_equal(id.namespace, "shop");
	assert_string_equal(id.pod_uid, "3f1c2a9e-4b5d-4c6e-8f70-123456789abc");
	/* started by image id: kept whole, no tag */
	assert_string_equal(id.image, "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	assert_string_equal(id.image_tag, "");

	/* the path guessed containerd (a bare id under kubepods): Docker's record still wins */
	assert_int_equal(resolve(&cfg, ID_SHIM, CJD_RUNTIME_CONTAINERD, &id, &err), 0);
	assert_int_equal(id.runtime, CJD_RUNTIME_DOCKER);
}

static void test_docker_malformed(void **state)
{
	(void)state;
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;
	char msg[700];

	assert_int_equal(resolve(&cfg, ID_BADJSON, CJD_RUNTIME_DOCKER, &id, &err), -EINVAL);
	assert_false(id.resolved);
	cjd_error_format(&err, msg, sizeof(msg));
	/* names the file, the line and the column */
	assert_non_null(strstr(msg, ID_BADJSON "/config.v2.json:1:"));
	assert_non_null(strstr(msg, "malformed JSON"));

	assert_int_equal(resolve(&cfg, ID_BADTYPE, CJD_RUNTIME_DOCKER, &id, &err), -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, ID_BADTYPE "/config.v2.json: \"Config\" is not an object"));
}

static void test_hostile_names(void **state)
{
	(void)state;
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;

	assert_int_equal(resolve(&cfg, ID_HOSTILE, CJD_RUNTIME_DOCKER, &id, &err), 0);
	/* kept byte for byte (printers escape), within bounds */
	assert_string_equal(id.name, "evil\"\n\x1b[31mname\\\\|=]");
	assert_string_equal(id.image, "reg.example/\xc3\xa9vil");
	assert_int_equal(strlen(id.image_tag), CJD_IDENTITY_TAG_MAX - 1);
	/* 254 'p' and a two-byte character: cut before the character, never inside it */
	assert_int_equal(strlen(id.pod_name), 254);
	assert_int_equal(id.pod_name[253], 'p');

	/* no path traversal through an id: only 64 lowercase hex digits are looked up */
	static const char *const bad[] = {"../../../../etc/passwd", "",
					  "../aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					  "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(resolve(&cfg, bad[i], CJD_RUNTIME_DOCKER, &id, &err), -EINVAL);
		assert_false(id.resolved);
	}
}

static void test_symlink_not_followed(void **state)
{
	(void)state;
	char dir[600], link[700], target[4400];
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;

	snprintf(dir, sizeof(dir), "%s/docker/containers/" ID_NONE, tmp);
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(link, sizeof(link), "%s/config.v2.json", dir);
	snprintf(target, sizeof(target), "%s/containers/" ID_DOCKER "/config.v2.json", docker);
	assert_int_equal(symlink(target, link), 0);
	snprintf(cmd, sizeof(cmd), "%s/docker", tmp);
	cfg.docker_root = cmd;
	assert_int_equal(resolve(&cfg, ID_NONE, CJD_RUNTIME_DOCKER, &id, &err), -ELOOP);
	assert_non_null(strstr(err.text, "symbolic link"));
	assert_false(id.resolved);
}

static void test_containerd_cri(void **state)
{
	(void)state;
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;
	char msg[700];

	assert_int_equal(resolve(&cfg, ID_CRI, CJD_RUNTIME_CONTAINERD, &id, &err), 0);
	assert_int_equal(id.runtime, CJD_RUNTIME_CONTAINERD);
	assert_string_equal(id.name, "miner");
	assert_string_equal(id.image, "docker.io/library/busybox");
	assert_string_equal(id.image_tag, "1.36");
	assert_string_equal(id.pod_name, "batch-5f6c");
	assert_string_equal(id.namespace, "jobs");
	assert_string_equal(id.pod_uid, "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b");

	/* a sandbox: the pod's names, no container name */
	assert_int_equal(resolve(&cfg, ID_SANDBOX, CJD_RUNTIME_CONTAINERD, &id, &err), 0);
	assert_string_equal(id.name, "");
	assert_string_equal(id.pod_name, "batch-5f6c");

	assert_int_equal(resolve(&cfg, ID_CRIBAD, CJD_RUNTIME_CONTAINERD, &id, &err), -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "k8s.io/" ID_CRIBAD "/config.json: \"annotations\" is not an object"));
}

static void test_crio_and_podman(void **state)
{
	(void)state;
	struct cjd_meta_config cfg = fixtures();
	struct cjd_identity id;
	struct cjd_error err;
	char msg[700];

	assert_int_equal(resolve(&cfg, ID_CRIO, CJD_RUNTIME_CRIO, &id, &err), 0);
	assert_int_equal(id.runtime, CJD_RUNTIME_CRIO);
	assert_string_equal(id.name, "api");
	assert_string_equal(id.image, "quay.io/acme/api");
	assert_string_equal(id.image_tag, "2.3.1");
	assert_string_equal(id.pod_name, "api-6b8d");
	assert_string_equal(id.namespace, "prod");
	assert_string_equal(id.pod_uid, ""); /* "not-a-uid" is not an id */

	/* Podman's userdata has no names; containers.json does */
	assert_int_equal(resolve(&cfg, ID_PODMAN, CJD_RUNTIME_PODMAN, &id, &err), 0);
	assert_int_equal(id.runtime, CJD_RUNTIME_PODMAN);
	assert_string_equal(id.name, "db-1");
	assert_string_equal(id.image, "docker.io/library/postgres");
	assert_string_equal(id.image_tag, "16");

	assert_int_equal(resolve(&cfg, ID_PODMANBAD, CJD_RUNTIME_PODMAN, &id, &err), -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "containers.json: container c3c3c3c3c3c3: its \"metadata\" is malformed JSON"));

	/* nobody knows it */
	assert_int_equal(resolve(&cfg, ID_NONE, CJD_RUNTIME_PODMAN, &id, &err), -ENOENT);
	assert_false(id.resolved);
}

/* ---- a fake Engine API ---- */

struct fake {
	int listen_fd;
	const char *reply; /* NULL: accept and never answer */
	char request[512];
	int served;
};

static void *serve(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	size_t n = 0;
	while (n + 1 < sizeof(f->request) && !strstr(f->request, "\r\n\r\n")) {
		ssize_t r = read(fd, f->request + n, sizeof(f->request) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		f->request[n] = '\0';
	}
	if (f->reply) {
		size_t len = strlen(f->reply), off = 0;
		while (off < len) {
			ssize_t w = write(fd, f->reply + off, len - off > 7 ? 7 : len - off); /* dribble */
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	} else {
		char c;
		(void)!read(fd, &c, 1); /* until the client gives up and closes */
	}
	f->served++;
	close(fd);
	return NULL;
}

/* Resolves ID_NONE (in no file) through a fake engine answering `reply`. */
static int via_api(const char *reply, struct cjd_identity *id, struct cjd_error *err, char *request)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fake f = {.reply = reply};
	pthread_t th;

	unlink(sock_path);
	f.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f.listen_fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.listen_fd, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, &f), 0);
	struct cjd_meta_config cfg = fixtures();
	cfg.docker_socket = sock_path;
	int rc = resolve(&cfg, ID_NONE, CJD_RUNTIME_DOCKER, id, err);
	pthread_join(th, NULL);
	close(f.listen_fd);
	if (request)
		snprintf(request, 512, "%s", f.request);
	return rc;
}

static void test_engine_api(void **state)
{
	(void)state;
	struct cjd_identity id;
	struct cjd_error err;
	char req[512], msg[700];
	static const char ok[] =
		"HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n\r\n"
		"{\"Id\":\"" ID_NONE "\",\"Name\":\"/api-web\",\"State\":{\"Running\":true},"
		"\"Config\":{\"Image\":\"registry:5000/team/web:2.0@sha256:abc\",\"Labels\":null}}\n";
	assert_int_equal(via_api(ok, &id, &err, req), 0);
	assert_true(strncmp(req, "GET /containers/" ID_NONE "/json HTTP/1.0\r\n", 87) == 0);
	assert_string_equal(id.name, "api-web");
	assert_string_equal(id.image, "registry:5000/team/web");
	assert_string_equal(id.image_tag, "2.0");
	assert_int_equal(id.runtime, CJD_RUNTIME_DOCKER);

	/* HTTP/1.1 with a chunked body, cut in the middle of a string */
	static const char *const pieces[] = {"{\"Name\":\"/chunk", "y\",\"Config\":{\"Image\":",
					     "\"x:1\"}}\n"};
	char chunked[512];
	int o = snprintf(chunked, sizeof(chunked), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (size_t i = 0; i < 3; i++)
		o += snprintf(chunked + o, sizeof(chunked) - (size_t)o, "%zx\r\n%s\r\n",
			      strlen(pieces[i]), pieces[i]);
	snprintf(chunked + o, sizeof(chunked) - (size_t)o, "0\r\n\r\n");
	assert_int_equal(via_api(chunked, &id, &err, NULL), 0);
	assert_string_equal(id.name, "chunky");
	assert_string_equal(id.image, "x");

	/* unknown to the engine: not a failure */
	assert_int_equal(via_api("HTTP/1.0 404 Not Found\r\nContent-Length: 38\r\n\r\n"
				 "{\"message\":\"No such container\"}\n",
				 &id, &err, NULL),
			 -ENOENT);
	/* errors name the socket and say what went wrong */
	assert_int_equal(via_api("HTTP/1.0 500 Internal Server Error\r\n\r\n{}", &id, &err, NULL),
			 -EPROTO);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "docker.sock: GET /containers/d4d4d4d4d4d4/json: HTTP status 500"));
	assert_int_equal(via_api("garbage", &id, &err, NULL), -EPROTO);
	assert_int_equal(via_api("HTTP/1.0 200 OK\r\n\r\n{\"Name\": ", &id, &err, NULL), -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "malformed JSON"));
	assert_int_equal(via_api("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &id,
				 &err, NULL),
			 -EPROTO);
	/* a hung engine costs the timeout, not the agent */
	assert_int_equal(via_api(NULL, &id, &err, NULL), -ETIMEDOUT);
	assert_non_null(strstr(err.text, "did not answer in time"));
	assert_false(id.resolved);

	/* no engine listening: the source simply does not know */
	unlink(sock_path);
	struct cjd_meta_config cfg = fixtures();
	cfg.docker_socket = sock_path;
	assert_int_equal(resolve(&cfg, ID_NONE, CJD_RUNTIME_DOCKER, &id, &err), -ENOENT);
}

/* The file is primary; the API answers when the file is unreadable. */
static void test_file_then_api(void **state)
{
	(void)state;
	struct cjd_identity id;
	struct cjd_error err;
	static const char ok[] = "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"/from-api\",\"Config\":{}}";

	/* ID_NONE has no file: only the API can know it (see test_engine_api); a file that is
	 * malformed falls back to the API too, and the failure is still reported */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fake f = {.reply = ok};
	pthread_t th;
	unlink(sock_path);
	f.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.listen_fd, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, &f), 0);
	struct cjd_meta_config cfg = fixtures();
	cfg.docker_socket = sock_path;
	assert_int_equal(resolve(&cfg, ID_BADJSON, CJD_RUNTIME_DOCKER, &id, &err), 0);
	pthread_join(th, NULL);
	close(f.listen_fd);
	assert_string_equal(id.name, "from-api");
	assert_non_null(strstr(err.text, "malformed JSON"));
	/* a good file never asks the engine (nothing listens now: it would be -ENOENT anyway) */
	assert_int_equal(resolve(&cfg, ID_DOCKER, CJD_RUNTIME_DOCKER, &id, &err), 0);
	assert_string_equal(id.name, "web-1");
}

static void test_cache(void **state)
{
	(void)state;
	char root[600], dir[700], file[800], cmd[10000];
	struct cjd_meta_cache *c;
	struct cjd_identity id;

	/* a writable copy of the Docker fixtures, to change under the cache */
	snprintf(root, sizeof(root), "%s/cache-docker", tmp);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp -r '%s/containers' '%s/'", root, docker, root);
	assert_int_equal(system(cmd), 0);
	snprintf(dir, sizeof(dir), "%s/containers/" ID_DOCKER, root);
	snprintf(file, sizeof(file), "%s/config.v2.json", dir);
	struct cjd_meta_config cfg = fixtures();
	cfg.docker_root = root;
	assert_int_equal(cjd_meta_cache_new(&c, &cfg), 0);

	/* a cgroup without a container: nothing to resolve, nothing cached */
	assert_false(cjd_meta_cache_lookup(c, "/system.slice/cron.service", true, &id));
	assert_int_equal(cjd_meta_cache_size(c), 0);
	/* not resolving: the ids only */
	assert_false(cjd_meta_cache_lookup(c, "/docker/" ID_DOCKER, false, &id));
	assert_string_equal(id.container_id, ID_DOCKER);
	assert_string_equal(id.name, "");
	assert_int_equal(cjd_meta_cache_size(c), 0);
	/* discovered: resolved once */
	assert_true(cjd_meta_cache_lookup(c, "/docker/" ID_DOCKER, true, &id));
	assert_string_equal(id.name, "web-1");
	assert_int_equal(cjd_meta_cache_size(c), 1);
	/* later lookups read the cache: the record may change or vanish meanwhile */
	assert_int_equal(unlink(file), 0);
	assert_true(cjd_meta_cache_lookup(c, "/docker/" ID_DOCKER, false, &id));
	assert_true(cjd_meta_cache_lookup(c, "/docker/" ID_DOCKER, true, &id));
	assert_string_equal(id.name, "web-1");
	assert_string_equal(id.image, "nginx");
	/* another path of the same container (systemd driver) shares the entry, ids from its path */
	assert_true(cjd_meta_cache_lookup(c, "/system.slice/docker-" ID_DOCKER ".scope", false, &id));
	assert_string_equal(id.unit, "docker-" ID_DOCKER ".scope");
	assert_string_equal(id.name, "web-1");
	/* gone: forgotten; a new container with that id is resolved afresh (here: not found) */
	cjd_meta_cache_forget(c, "/docker/" ID_DOCKER);
	assert_int_equal(cjd_meta_cache_size(c), 0);
	assert_false(cjd_meta_cache_lookup(c, "/docker/" ID_DOCKER, true, &id));
	assert_int_equal(cjd_meta_cache_size(c), 1); /* the failure is cached, retried later */
	/* a malformed record is not fatal */
	assert_false(cjd_meta_cache_lookup(c, "/docker/" ID_BADJSON, true, &id));
	cjd_meta_cache_free(c);
	cjd_meta_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_file),     cmocka_unit_test(test_docker_malformed),
		cmocka_unit_test(test_hostile_names),   cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_containerd_cri),  cmocka_unit_test(test_crio_and_podman),
		cmocka_unit_test(test_engine_api),      cmocka_unit_test(test_file_then_api),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
