/* Docker's Engine API over its Unix socket: GET /containers/ID/json, with one deadline for the whole exchange. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "container_meta_internal.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` until the deadline. 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Sends the request and reads the whole answer (the server closes: HTTP/1.0). */
static int exchange(const char *sock_path, const char *req, long long deadline, char **out,
		    size_t *out_len, struct cjd_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = 0, cap = 16384, sent = 0, n = strlen(req);
	char *buf = NULL;
	int fd, rc = 0;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return cjd_error_set(err, -ENAMETOOLONG, sock_path, 0, 0, "socket path too long");
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cjd_error_set(err, -errno, sock_path, 0, 0, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		if (rc == -EAGAIN || rc == -EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, deadline);
		} else {
			close(fd);
			/* no engine listening is "this source does not know", not a failure */
			if (rc == -ENOENT || rc == -ECONNREFUSED)
				return -ENOENT;
			return cjd_error_set(err, rc, sock_path, 0, 0, "connect: %s", strerror(-rc));
		}
	}
	while (!rc && sent < n) {
		ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && (errno == EAGAIN || errno == EINTR))
			rc = wait_fd(fd, POLLOUT, deadline);
		else
			rc = -errno;
	}
	if (!rc && !(buf = malloc(cap)))
		rc = -ENOMEM;
	while (!rc) {
		if (cap - len < 4096) {
			if (cap >= CJD_META_MAX_RECORD) {
				rc = -EFBIG;
				break;
			}
			if ((rc = cjd_array_reserve(buf, cap, cap * 2)))
				break;
		}
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r > 0)
			len += (size_t)r;
		else if (r == 0)
			break;
		else if (errno == EAGAIN || errno == EINTR)
			rc = wait_fd(fd, POLLIN, deadline);
		else
			rc = -errno;
	}
	close(fd);
	if (rc) {
		free(buf);
		if (rc == -ETIMEDOUT)
			return cjd_error_set(err, rc, sock_path, 0, 0,
					     "the Engine API did not answer in time");
		if (rc == -EFBIG)
			return cjd_error_set(err, rc, sock_path, 0, 0,
					     "the Engine API's answer is larger than %u bytes",
					     CJD_META_MAX_RECORD);
		return cjd_error_set(err, rc, sock_path, 0, 0, "Engine API: %s", strerror(-rc));
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* Decodes a chunked body in place. Returns its length, or -1 when malformed. */
static long dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(body + in, &end, 16);
		char *crlf = strstr(body + in, "\r\n");
		if (end == body + in || !crlf || (size_t)(crlf - body) >= len)
			return -1;
		in = (size_t)(crlf - body) + 2;
		if (n == 0)
			return (long)out;
		if (n > len - in)
			return -1;
		memmove(body + out, body + in, n);
		out += n;
		in += n;
		if (in + 2 > len || body[in] != '\r' || body[in + 1] != '\n')
			return -1;
		in += 2;
	}
}

/* Whether the header block (NUL-terminated) has "Name: value" (case-insensitive). */
static bool header_is(const char *headers, const char *name, const char *value)
{
	size_t nl = strlen(name);

	for (const char *l = headers; l && *l; l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL) {
		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (*v == ' ')
				v++;
			if (strncasecmp(v, value, strlen(value)) == 0)
				return true;
		}
	}
	return false;
}

static int docker_api(const struct cjd_meta_config *cfg, const char *id, struct cjd_identity *out,
		      struct cjd_error *err)
{
	const char *sock = cjd_meta_path(cfg->docker_socket, CJD_META_DOCKER_SOCKET);
	int timeout = cfg->api_timeout_ms > 0 ? cfg->api_timeout_ms : 1000;
	char req[256], what[4200], *resp = NULL;
	size_t len = 0;
	int status, rc;
	json_t *doc;

	if (!sock || access(sock, F_OK) != 0)
		return -ENOENT;
	snprintf(req, sizeof(req), "GET /containers/%s/json HTTP/1.0\r\nHost: docker\r\n\r\n", id);
	if ((rc = exchange(sock, req, now_ms() + timeout, &resp, &len, err)))
		return rc;
	snprintf(what, sizeof(what), "%s: GET /containers/%.12s/json", sock, id);
	char *body = strstr(resp, "\r\n\r\n");
	if (sscanf(resp, "HTTP/1.%*[01] %d", &status) != 1 || !body) {
		rc = cjd_error_set(err, -EPROTO, what, 0, 0, "not an HTTP answer");
		goto out;
	}
	*body = '\0';
	body += 4;
	size_t blen = len - (size_t)(body - resp);
	if (status == 404) {
		rc = -ENOENT;
		goto out;
	}
	if (status != 200) {
		rc = cjd_error_set(err, -EPROTO, what, 0, 0, "HTTP status %d", status);
		goto out;
	}
	if (header_is(resp, "Transfer-Encoding", "chunked")) {
		long n = dechunk(body, blen);
		if (n < 0) {
			rc = cjd_error_set(err, -EPROTO, what, 0, 0, "malformed chunked body");
			goto out;
		}
		blen = (size_t)n;
	}
	if ((rc = cjd_meta_parse(what, body, blen, &doc, err)))
		goto out;
	rc = cjd_meta_docker_record(what, doc, id, out, err);
	json_decref(doc);
out:
	free(resp);
	return rc;
}

const struct cjd_meta_source cjd_meta_docker_api = {"docker Engine API", CJD_RUNTIME_DOCKER,
						    docker_api};
