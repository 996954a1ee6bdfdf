/* The remote syslog transport: octet-counted RFC 5424 frames over TCP or TLS, a dead connection noticed before each write, reconnection left to the queue's back-off. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_format.h"
#include "cjd/publish/output_syslog.h"

static const char *const msg_format_names[] = {"rfc5424", "cef", "leef", "json"};

int cjd_syslog_msg_format_parse(const char *s, enum cjd_syslog_msg_format *out)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(msg_format_names); i++) {
		if (strcmp(s, msg_format_names[i]) == 0) {
			*out = (enum cjd_syslog_msg_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cjd_syslog_msg_format_name(enum cjd_syslog_msg_format f)
{
	return (unsigned)f < CJD_ARRAY_SIZE(msg_format_names) ? msg_format_names[f] : "?";
}

int cjd_syslog_remote_parse(const char *remote, const char *default_port, char *host,
			    size_t host_len, char *port, size_t port_len, char *why, size_t whylen)
{
	const char *p = NULL;
	size_t hl;

	if (!remote || !*remote) {
		snprintf(why, whylen, "the remote is empty");
		return -EINVAL;
	}
	if (remote[0] == '[') {
		const char *close = strchr(remote, ']');
		if (!close || (close[1] && close[1] != ':')) {
			snprintf(why, whylen, "'%s' is not [IPv6]:PORT", remote);
			return -EINVAL;
		}
		hl = (size_t)(close - remote - 1);
		memmove(host, remote + 1, hl < host_len ? hl : 0);
		p = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strchr(remote, ':');
		if (colon && strchr(colon + 1, ':')) {
			snprintf(why, whylen, "'%s': write an IPv6 address as [ADDRESS]:PORT", remote);
			return -EINVAL;
		}
		hl = colon ? (size_t)(colon - remote) : strlen(remote);
		memmove(host, remote, hl < host_len ? hl : 0);
		p = colon ? colon + 1 : NULL;
	}
	if (hl == 0 || hl >= host_len) {
		snprintf(why, whylen, "'%s' has no host name (or one too long)", remote);
		return -EINVAL;
	}
	host[hl] = '\0';
	for (const unsigned char *c = (const unsigned char *)host; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f || *c == '/') {
			snprintf(why, whylen, "'%s': the host holds a character a host name cannot", remote);
			return -EINVAL;
		}
	}
	if (!p)
		p = default_port;
	uint64_t v;
	if (cjd_parse_u64(p, &v) || v == 0 || v > 65535) {
		snprintf(why, whylen, "'%s': the port must be a number from 1 to 65535", remote);
		return -EINVAL;
	}
	snprintf(port, port_len, "%llu", (unsigned long long)v);
	return 0;
}

int cjd_syslog_frame(enum cjd_syslog_msg_format format, const char *topic, const char *json,
		     size_t len, char **out, size_t *out_len)
{
	json_t *doc = json_loadb(json, len, 0, NULL);
	char *msg = NULL, *line = NULL;
	int rc;

	*out = NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -EINVAL;
	}
	switch (format) {
	case CJD_SYSLOG_MSG_RFC5424:
		rc = cjd_format_message(CJD_FMT_SYSLOG, topic, doc, &msg);
		break;
	case CJD_SYSLOG_MSG_CEF:
	case CJD_SYSLOG_MSG_LEEF:
		rc = cjd_format_message(format == CJD_SYSLOG_MSG_CEF ? CJD_FMT_CEF : CJD_FMT_LEEF,
					topic, doc, &line);
		if (!rc)
			rc = cjd_format_syslog_wrap(topic, doc, line, &msg);
		break;
	default:
		/* the published line has no raw newline: JSON escapes every control character */
		if (!(line = strndup(json, len)))
			rc = -ENOMEM;
		else
			rc = cjd_format_syslog_wrap(topic, doc, line, &msg);
		break;
	}
	json_decref(doc);
	free(line);
	if (rc)
		return rc;
	size_t mlen = strlen(msg);
	if (asprintf(out, "%zu %s", mlen, msg) < 0) {
		*out = NULL;
		free(msg);
		return -ENOMEM;
	}
	*out_len = strlen(*out);
	free(msg);
	return 0;
}

/* ---- the connection ---- */

struct rsyslog {
	char host[256];
	char port[8];
	char shown[300]; /* "tcp://host:port" */
	char *server_name;
	bool tls;
	enum cjd_syslog_msg_format format;
	uint64_t timeout_ns;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	uint64_t connects; /* successful connections so far */
};

static void disconnect(struct rsyslog *r)
{
	if (r->ssl) {
		SSL_free(r->ssl);
		r->ssl = NULL;
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

/* A write to a closed socket raised SIGPIPE on this thread, where it is
 * blocked: take it off the pending set so it never reaches anything else. */
static void clear_sigpipe(void)
{
	sigset_t s;
	struct timespec zero = {0, 0};

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	while (sigtimedwait(&s, NULL, &zero) > 0)
		;
}

/* The OpenSSL error queue as one line (emptied). */
static const char *ssl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t pos = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0 && pos + 2 < len) {
		char one[256];
		ERR_error_string_n(e, one, sizeof(one));
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? "; " : "", one);
	}
	return buf[0] ? buf : "unknown TLS error";
}

static void set_timeouts(int fd, uint64_t ns)
{
	struct timeval tv = {.tv_sec = (time_t)(ns / CJD_NSEC_PER_SEC),
			     .tv_usec = (suseconds_t)(ns % CJD_NSEC_PER_SEC / 1000)};

	if (!tv.tv_sec && !tv.tv_usec)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Non-blocking connect bounded by `ns`, then a blocking socket with send/receive timeouts. */
static int connect_one(const struct addrinfo *ai, uint64_t ns, int *out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	int e = 0;
	socklen_t el = sizeof(e);

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			close(fd);
			return -e;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int n;
		do
			n = poll(&p, 1, (int)(ns / 1000000u) > 0 ? (int)(ns / 1000000u) : 1);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			e = e ? e : errno;
			close(fd);
			return -e;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	set_timeouts(fd, ns);
	*out = fd;
	return 0;
}

static int do_connect(struct rsyslog *r, uint64_t ns, char *why, size_t whylen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(r->host, r->port, &hints, &res);

	if (rc) {
		snprintf(why, whylen, "cannot resolve %.100s: %.120s", r->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -EHOSTUNREACH;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if ((rc = connect_one(ai, ns, &r->fd)) == 0)
			break;
	freeaddrinfo(res);
	if (rc) {
		snprintf(why, whylen, "connect to %.100s: %.120s", r->shown, strerror(-rc));
		return rc;
	}
	if (!r->tls)
		goto out_ok;
	char errs[512];
	ERR_clear_error();
	if (!(r->ssl = SSL_new(r->ctx)) || SSL_set_fd(r->ssl, r->fd) != 1) {
		snprintf(why, whylen, "TLS setup: %.200s", ssl_errors(errs, sizeof(errs)));
		goto out_fail;
	}
	struct in6_addr a6;
	struct in_addr a4;
	bool is_ip = inet_pton(AF_INET, r->server_name, &a4) == 1 ||
		     inet_pton(AF_INET6, r->server_name, &a6) == 1;
	X509_VERIFY_PARAM *vp = SSL_get0_param(r->ssl);
	if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, r->server_name) != 1
		  : (SSL_set_tlsext_host_name(r->ssl, r->server_name) != 1 ||
		     SSL_set1_host(r->ssl, r->server_name) != 1)) {
		snprintf(why, whylen, "TLS setup: %.200s", ssl_errors(errs, sizeof(errs)));
		goto out_fail;
	}
	if (SSL_connect(r->ssl) != 1) {
		long v = SSL_get_verify_result(r->ssl);
		if (v != X509_V_OK)
			snprintf(why, whylen, "TLS handshake with %.60s: the certificate is not "
					      "trusted for '%.40s': %.80s",
				 r->shown, r->server_name, X509_verify_cert_error_string(v));
		else
			snprintf(why, whylen, "TLS handshake with %.60s: %.160s", r->shown,
				 ERR_peek_error() ? ssl_errors(errs, sizeof(errs))
						  : errno ? strerror(errno)
							  : "the connection was closed");
		clear_sigpipe();
		goto out_fail;
	}
out_ok:
	if (r->connects++)
		cjd_info("output syslog %s: connected again", r->shown);
	return 0;
out_fail:
	disconnect(r);
	return -EPROTO;
}

/*
 * Whether the receiver has closed the connection (or reset it). A syslog
 * receiver never talks, so anything readable is an end of file, an error, a
 * TLS alert or close_notify. Checked before each write: writing into a
 * half-closed connection would succeed locally and lose the message.
 */
static bool peer_closed(struct rsyslog *r)
{
	struct pollfd p = {.fd = r->fd, .events = POLLIN | POLLRDHUP};
	char b[256];

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL))
		return true;
	if (!r->ssl) {
		ssize_t n = recv(r->fd, b, sizeof(b), MSG_DONTWAIT);
		return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
	}
	/* TLS: read what came without waiting: a closed session reads as 0 */
	int fl = fcntl(r->fd, F_GETFL);
	fcntl(r->fd, F_SETFL, fl | O_NONBLOCK);
	int n = SSL_read(r->ssl, b, sizeof(b));
	int e = n > 0 ? SSL_ERROR_NONE : SSL_get_error(r->ssl, n);
	fcntl(r->fd, F_SETFL, fl);
	ERR_clear_error();
	return !(n > 0 || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
}

static int write_all(struct rsyslog *r, const char *buf, size_t len, char *why, size_t whylen)
{
	while (len) {
		ssize_t n;
		if (r->ssl) {
			ERR_clear_error();
			int k = SSL_write(r->ssl, buf, (int)(len > 1u << 30 ? 1u << 30 : len));
			if (k <= 0) {
				char errs[512];
				int e = SSL_get_error(r->ssl, k);
				snprintf(why, whylen, "write to %.60s: %.160s", r->shown,
					 e == SSL_ERROR_SYSCALL && errno ? strerror(errno)
									 : ssl_errors(errs, sizeof(errs)));
				clear_sigpipe();
				return -EIO;
			}
			n = k;
		} else {
			n = send(r->fd, buf, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(why, whylen, "write to %.60s: %.160s", r->shown,
					 errno == EAGAIN ? "timed out (the receiver does not read)"
							 : strerror(errno));
				return -EIO;
			}
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum cjd_output_result syslog_deliver(void *ctx, const char *topic, const char *json,
					     size_t len, struct cjd_output_attempt *a)
{
	struct rsyslog *r = ctx;
	uint64_t budget = cjd_output_attempt_budget(a, r->timeout_ns);
	char *frame;
	size_t flen;
	int rc;

	if (!budget)
		return CJD_OUTPUT_RETRY;
	rc = cjd_syslog_frame(r->format, topic, json, len, &frame, &flen);
	if (rc)
		return cjd_output_render_failed(a, topic, "render the message", rc);
	if (r->fd >= 0 && peer_closed(r)) {
		cjd_info("output syslog %s: the receiver closed the connection; reconnecting",
			 r->shown);
		disconnect(r);
	}
	if (r->fd < 0 && do_connect(r, budget, a->why, sizeof(a->why))) {
		free(frame);
		return CJD_OUTPUT_RETRY;
	}
	set_timeouts(r->fd, budget);
	rc = write_all(r, frame, flen, a->why, sizeof(a->why));
	free(frame);
	if (rc) {
		/* a frame cut in the middle poisons the stream: start a new one */
		disconnect(r);
		return CJD_OUTPUT_RETRY;
	}
	return CJD_OUTPUT_SENT;
}

/* On the worker (where SIGPIPE is blocked): one close_notify, not waiting for the answer. */
static void syslog_stop(void *ctx)
{
	struct rsyslog *r = ctx;

	if (r->ssl && r->fd >= 0 && !peer_closed(r)) {
		SSL_shutdown(r->ssl);
		clear_sigpipe();
	}
	disconnect(r);
}

static void syslog_free(void *ctx)
{
	struct rsyslog *r = ctx;

	if (!r)
		return;
	disconnect(r);
	SSL_CTX_free(r->ctx);
	free(r->server_name);
	free(r);
}

static int tls_setup(struct rsyslog *r, const struct cjd_output_syslog_config *cfg,
		     struct cjd_error *err)
{
	char errs[512];

	ERR_clear_error();
	r->ctx = SSL_CTX_new(TLS_client_method());
	if (!r->ctx)
		return cjd_error_set(err, -ENOMEM, "", 0, 0, "TLS: %s",
				     ssl_errors(errs, sizeof(errs)));
	SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(r->ctx, SSL_MODE_AUTO_RETRY);
	if (cfg->ca_file ? SSL_CTX_load_verify_locations(r->ctx, cfg->ca_file, NULL) != 1
			 : SSL_CTX_set_default_verify_paths(r->ctx) != 1)
		return cjd_error_set(err, -EINVAL, cfg->ca_file ? cfg->ca_file : "", 0, 0,
				     "cannot load the CA certificates: %s",
				     ssl_errors(errs, sizeof(errs)));
	if (cfg->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(r->ctx, cfg->cert_file) != 1)
			return cjd_error_set(err, -EINVAL, cfg->cert_file, 0, 0,
					     "cannot load the client certificate: %s",
					     ssl_errors(errs, sizeof(errs)));
		if (SSL_CTX_use_PrivateKey_file(r->ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1)
			return cjd_error_set(err, -EINVAL, cfg->key_file, 0, 0,
					     "cannot load the client key: %s",
					     ssl_errors(errs, sizeof(errs)));
		if (SSL_CTX_check_private_key(r->ctx) != 1)
			return cjd_error_set(err, -EINVAL, cfg->key_file, 0, 0,
					     "the client key does not match %s", cfg->cert_file);
	}
	return 0;
}

int cjd_output_syslog_new(struct cjd_output **out, const struct cjd_output_syslog_config *cfg,
			  struct cjd_error *err)
{
	static const struct cjd_output_transport tp = {
		.kind = "syslog", .deliver = syslog_deliver, .stop = syslog_stop, .free = syslog_free};
	struct rsyslog *r;
	char why[300], name[400];
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	if (!cfg->tls && (cfg->ca_file || cfg->cert_file || cfg->key_file || cfg->server_name))
		return cjd_error_set(err, -EINVAL, "", 0, 0,
				     "remote syslog: CA, client certificate and server name need TLS");
	if (!cfg->cert_file != !cfg->key_file)
		return cjd_error_set(err, -EINVAL, "", 0, 0,
				     "remote syslog: a client certificate needs both a cert_file "
				     "and a key_file");
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->tls = cfg->tls;
	r->format = cfg->format;
	r->timeout_ns = cfg->timeout_ns ? cfg->timeout_ns : CJD_OUTPUT_DEFAULT_TIMEOUT_NS;
	if (cjd_syslog_remote_parse(cfg->remote, cfg->tls ? CJD_SYSLOG_TLS_PORT : CJD_SYSLOG_TCP_PORT,
				    r->host, sizeof(r->host), r->port, sizeof(r->port), why,
				    sizeof(why))) {
		rc = cjd_error_set(err, -EINVAL, "", 0, 0, "outputs.syslog.remote: %s", why);
		goto out_free;
	}
	snprintf(r->shown, sizeof(r->shown), "%s://%s%s%s:%s", cfg->tls ? "tls" : "tcp",
		 strchr(r->host, ':') ? "[" : "", r->host, strchr(r->host, ':') ? "]" : "", r->port);
	if (!(r->server_name = strdup(cfg->server_name ? cfg->server_name : r->host))) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (cfg->tls && (rc = tls_setup(r, cfg, err)))
		goto out_free;
	snprintf(name, sizeof(name), "syslog %s", r->shown);
	rc = cjd_output_new(out, name, &cfg->queue, &tp, r); /* owns r from here */
	if (rc)
		return cjd_error_set(err, rc, "", 0, 0, "cannot start the syslog output: %s",
				     strerror(-rc));
	char topics[200];
	cjd_info("output: sending %s to %s as RFC 5424 (%s%s), octet-counted (RFC 6587)",
		 cjd_output_topics_text(&cfg->queue, topics, sizeof(topics)), name + 7,
		 cfg->format == CJD_SYSLOG_MSG_RFC5424 ? "structured data"
						       : cjd_syslog_msg_format_name(cfg->format),
		 cfg->format == CJD_SYSLOG_MSG_RFC5424 ? "" : " in MSG");
	return 0;
out_free:
	syslog_free(r);
	return rc;
}
