/* The metrics HTTP server on libmicrohttpd's own thread: /metrics (content-negotiated), /healthz, /readyz; TLS and basic auth. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/log.h"
#include "cjd/metrics/http.h"
#include "cjd/metrics/render.h"

struct cjd_metrics_http {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock; /* guards `current` only: held for a pointer swap or a ref */
	struct cjd_metrics_snapshot *current;
	bool (*healthy)(void *ctx, char *why, size_t whylen);
	bool (*ready)(void *ctx, char *why, size_t whylen);
	void *ctx;
	char *auth;      /* the whole expected "Basic <base64>" credential, or NULL */
	char *tls_cert;  /* PEM texts, kept for libmicrohttpd's lifetime */
	char *tls_key;
	char url[96];
	atomic_uint_fast64_t requests, scrapes, unauthorized;
	atomic_bool running; /* started: its log lines are about clients from now on */
};

/* ---- the address ---- */

bool cjd_metrics_listen_off(const char *text)
{
	return !text || !text[0] || !strcmp(text, "off");
}

int cjd_metrics_listen_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			     char *why, size_t whylen)
{
	char host[64];
	const char *colon, *port_text;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!text)
		text = "";
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			goto out_form;
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
		port_text = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof(host) || strchr(text, ':') != colon)
			goto out_form;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		port_text = colon + 1;
	}
	errno = 0;
	port = strtoul(port_text, &end, 10);
	if (!*port_text || *end || errno || port > 65535 || *port_text == '-' || *port_text == '+') {
		snprintf(why, whylen, "\"%s\": the port must be a number from 0 to 65535", text);
		return -EINVAL;
	}
	if (text[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			snprintf(why, whylen, "\"%s\": \"%s\" is not a numeric IPv6 address", text, host);
			return -EINVAL;
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			snprintf(why, whylen,
				 "\"%s\": \"%s\" is not a numeric IPv4 address (write IPv6 as [::1]:PORT)",
				 text, host);
			return -EINVAL;
		}
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
out_form:
	snprintf(why, whylen,
		 "\"%s\" is not an address: write IPv4:PORT (127.0.0.1:5558), [IPv6]:PORT ([::1]:5558) "
		 "or off",
		 text);
	return -EINVAL;
}

/* Binds and listens; the socket goes to libmicrohttpd, which closes it on stop. */
static int listen_on(const char *text, int *fd_out, char *url, size_t urllen, bool tls,
		     struct cjd_error *err)
{
	struct sockaddr_storage ss, got;
	socklen_t len, glen = sizeof(got);
	char why[256], addr[INET6_ADDRSTRLEN];
	int one = 1, fd, rc;

	if ((rc = cjd_metrics_listen_parse(text, &ss, &len, why, sizeof(why))))
		return cjd_error_set(err, rc, NULL, 0, 0, "metrics.listen %s", why);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cjd_error_set(err, -errno, NULL, 0, 0, "metrics.listen %s: socket: %s", text,
				     strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 32) ||
	    getsockname(fd, (struct sockaddr *)&got, &glen)) {
		rc = -errno;
		close(fd);
		return cjd_error_set(err, rc, NULL, 0, 0, "metrics.listen %s: cannot bind: %s", text,
				     strerror(-rc));
	}
	if (got.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&got;
		inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
		snprintf(url, urllen, "%s://[%s]:%u", tls ? "https" : "http", addr, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&got;
		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		snprintf(url, urllen, "%s://%s:%u", tls ? "https" : "http", addr, ntohs(a->sin_port));
	}
	*fd_out = fd;
	return 0;
}

/* ---- files ---- */

/* Reads a small text file whole (NUL-terminated); what names the setting in errors. */
static int slurp(const char *what, const char *path, char **out, struct stat *st,
		 struct cjd_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	if (fd < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "%s: cannot open: %s", what,
				     strerror(errno));
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "%s: not a regular file", what);
		goto out_close;
	}
	if (st->st_size > (1 << 20)) {
		rc = cjd_error_set(err, -EFBIG, path, 0, 0, "%s: larger than 1 MiB", what);
		goto out_close;
	}
	if (!(text = malloc((size_t)st->st_size + 1))) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out_close;
	}
	while (len < (size_t)st->st_size) {
		ssize_t n = read(fd, text + len, (size_t)st->st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = cjd_error_set(err, n < 0 ? -errno : -EIO, path, 0, 0, "%s: read error",
					   what);
			free(text);
			goto out_close;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "%s: contains a NUL byte", what);
		goto out_close;
	}
	*out = text;
out_close:
	close(fd);
	return rc;
}

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* "USER:PASSWORD" from the file, as the exact Authorization value a client sends. */
static int load_auth(const char *path, char **auth, struct cjd_error *err)
{
	static const char what[] = "metrics.basic_auth_file";
	struct stat st;
	char *text;
	int rc = slurp(what, path, &text, &st, err);

	if (rc)
		return rc;
	if (st.st_mode & S_IROTH) {
		rc = cjd_error_set(err, -EPERM, path, 0, 0,
				   "%s: readable by everyone (mode %04o): chmod o-r it", what,
				   (unsigned)(st.st_mode & 07777));
		goto out_free;
	}
	text[strcspn(text, "\r\n")] = '\0'; /* one line; a trailing newline is not the password */
	char *colon = strchr(text, ':');
	if (!colon || colon == text || !colon[1]) {
		rc = cjd_error_set(err, -EINVAL, path, 1, 0,
				   "%s: the first line must be USER:PASSWORD, both non-empty", what);
		goto out_free;
	}
	size_t n = strlen(text);
	if (!(*auth = malloc(6 + (n + 2) / 3 * 4 + 1))) {
		rc = cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
		goto out_free;
	}
	memcpy(*auth, "Basic ", 6);
	base64((const unsigned char *)text, n, *auth + 6);
out_free:
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

/* Compares the whole value without stopping at the first difference (no timing hint). */
static bool auth_ok(const struct cjd_metrics_http *h, const char *got)
{
	size_t want = strlen(h->auth), n;
	unsigned diff = 0;

	if (!got)
		return false;
	n = strlen(got);
	/* the scheme is case-insensitive (RFC 7617); the credentials are not */
	if (n < 6 || strncasecmp(got, "Basic ", 6))
		return false;
	diff |= (unsigned)(n ^ want);
	for (size_t i = 6; i < want; i++)
		diff |= (unsigned)(unsigned char)h->auth[i] ^ (unsigned)(unsigned char)(i < n ? got[i] : 0);
	return diff == 0;
}

/* ---- requests ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *ctype,
				 char *body, size_t len, const char *hname, const char *hvalue)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result send_msg(struct MHD_Connection *c, unsigned status, const char *hname,
				const char *hvalue, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static enum MHD_Result send_msg(struct MHD_Connection *c, unsigned status, const char *hname,
				const char *hvalue, const char *fmt, ...)
{
	char *body = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return send_text(c, status, "text/plain; charset=utf-8", body, (size_t)n, hname, hvalue);
}

static enum MHD_Result probe(struct MHD_Connection *c, bool (*fn)(void *, char *, size_t),
			     void *ctx, const char *good, const char *bad)
{
	char why[512] = "";

	if (!fn || fn(ctx, why, sizeof(why)))
		return send_msg(c, MHD_HTTP_OK, NULL, NULL, "%s\n", good);
	return send_msg(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, NULL, "%s: %s\n", bad,
			why[0] ? why : "no reason given");
}

static enum MHD_Result metrics(struct cjd_metrics_http *h, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum cjd_om_format f = accept && strstr(accept, "application/openmetrics-text")
				       ? CJD_OM_OPENMETRICS
				       : CJD_OM_PROMETHEUS_TEXT;
	struct cjd_metrics_snapshot *s;
	char *text;
	size_t len;
	int rc;

	pthread_mutex_lock(&h->lock);
	s = h->current ? cjd_metrics_snapshot_ref(h->current) : NULL;
	pthread_mutex_unlock(&h->lock);
	if (!s)
		return send_msg(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, NULL, "no metrics yet\n");
	rc = cjd_metrics_render(s, f, &text, &len);
	cjd_metrics_snapshot_unref(s);
	if (rc)
		return send_msg(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, "out of memory\n");
	atomic_fetch_add(&h->scrapes, 1);
	return send_text(c, MHD_HTTP_OK, cjd_om_content_type(f), text, len, "Vary", "Accept");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **req)
{
	static int started; /* marks the first call of a request */
	struct cjd_metrics_http *h = cls;

	(void)version;
	(void)upload_data;
	if (!*req) {
		/* the first call only announces the request: answer once its body (if any) is in */
		*req = &started;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is never wanted: read and dropped */
		return MHD_YES;
	}
	atomic_fetch_add(&h->requests, 1);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_msg(c, MHD_HTTP_METHOD_NOT_ALLOWED, MHD_HTTP_HEADER_ALLOW, "GET, HEAD",
				"%s is not allowed: only GET and HEAD\n", method);
	if (!strcmp(url, "/healthz"))
		return probe(c, h->healthy, h->ctx, "ok", "unhealthy");
	if (!strcmp(url, "/readyz"))
		return probe(c, h->ready, h->ctx, "ready", "not ready");
	if (h->auth &&
	    !auth_ok(h, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))) {
		atomic_fetch_add(&h->unauthorized, 1);
		return send_msg(c, MHD_HTTP_UNAUTHORIZED, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				"Basic realm=\"cjd\", charset=\"UTF-8\"", "unauthorized\n");
	}
	if (!strcmp(url, "/metrics"))
		return metrics(h, c);
	if (!strcmp(url, "/"))
		return send_msg(c, MHD_HTTP_OK, NULL, NULL,
				"cjd %s\n/metrics  OpenMetrics or Prometheus text (by Accept)\n"
				"/healthz  200 while the collector and publisher make progress\n"
				"/readyz   200 once counters are open and the model is loaded\n",
				CJD_VERSION);
	return send_msg(c, MHD_HTTP_NOT_FOUND, NULL, NULL, "not found: try /metrics\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct cjd_metrics_http *h = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* at start-up it explains a failure (a key that is not the certificate's); later it is
	 * about clients (a reset, a bad request, a handshake a scanner broke off): not ours */
	if (atomic_load(&h->running))
		cjd_debug("metrics http: %s", line);
	else
		cjd_warn("metrics http: %s", line);
}

/* ---- the server ---- */

int cjd_metrics_http_new(struct cjd_metrics_http **out, const struct cjd_metrics_http_config *cfg,
			 struct cjd_error *err)
{
	struct cjd_metrics_http *h = calloc(1, sizeof(*h));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	bool tls = cfg->tls_cert_file || cfg->tls_key_file;
	sigset_t all, old;
	struct stat st;
	int fd = -1, rc;

	*out = NULL;
	cjd_error_clear(err);
	if (!h)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	pthread_mutex_init(&h->lock, NULL);
	h->healthy = cfg->healthy;
	h->ready = cfg->ready;
	h->ctx = cfg->ctx;
	if (tls) {
		if (!cfg->tls_cert_file || !cfg->tls_key_file) {
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
					   "metrics.tls_cert and metrics.tls_key go together");
			goto out_free;
		}
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			rc = cjd_error_set(err, -EOPNOTSUPP, NULL, 0, 0,
					   "metrics.tls_cert: this libmicrohttpd has no TLS; "
					   "use a reverse proxy (docs/metrics.md)");
			goto out_free;
		}
		if ((rc = slurp("metrics.tls_cert", cfg->tls_cert_file, &h->tls_cert, &st, err)) ||
		    (rc = slurp("metrics.tls_key", cfg->tls_key_file, &h->tls_key, &st, err)))
			goto out_free;
		flags |= MHD_USE_TLS;
	}
	if (cfg->basic_auth_file && (rc = load_auth(cfg->basic_auth_file, &h->auth, err)))
		goto out_free;
	if ((rc = listen_on(cfg->listen, &fd, h->url, sizeof(h->url), tls, err)))
		goto out_free;
	if (strstr(h->url, "://["))
		flags |= MHD_USE_IPv6;

	/* The server thread inherits this mask: every signal stays with the owner's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = 0;
	if (tls)
		h->mhd = MHD_start_daemon(
			flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
			MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_HTTPS_MEM_CERT,
			h->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, h->tls_key, MHD_OPTION_END);
	else
		h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER,
					  mhd_log, h, MHD_OPTION_LISTEN_SOCKET, fd,
					  MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
					  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	rc = errno ? -errno : -EIO;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->mhd) {
		close(fd);
		/* with TLS, the likely cause is the key or certificate (GnuTLS said why, above) */
		rc = cjd_error_set(err, rc, tls ? cfg->tls_key_file : NULL, 0, 0,
				   "metrics.listen %s: the HTTP server did not start%s (%s)", cfg->listen,
				   tls ? " (is the TLS key the certificate's, both PEM?)" : "",
				   strerror(-rc));
		goto out_free;
	}
	atomic_store(&h->running, true);
	*out = h;
	return 0;
out_free:
	cjd_metrics_http_free(h);
	return rc;
}

void cjd_metrics_http_publish(struct cjd_metrics_http *h, struct cjd_metrics_snapshot *s)
{
	struct cjd_metrics_snapshot *old;

	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = s;
	pthread_mutex_unlock(&h->lock);
	cjd_metrics_snapshot_unref(old); /* freed here, or by the scrape still rendering it */
}

const char *cjd_metrics_http_url(const struct cjd_metrics_http *h)
{
	return h->url;
}

void cjd_metrics_http_stats(const struct cjd_metrics_http *h, struct cjd_metrics_http_stats *st)
{
	st->requests = atomic_load(&h->requests);
	st->scrapes = atomic_load(&h->scrapes);
	st->unauthorized = atomic_load(&h->unauthorized);
}

void cjd_metrics_http_free(struct cjd_metrics_http *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd); /* joins the thread, closes the listening socket */
	cjd_metrics_snapshot_unref(h->current);
	pthread_mutex_destroy(&h->lock);
	if (h->auth) {
		explicit_bzero(h->auth, strlen(h->auth));
		free(h->auth);
	}
	if (h->tls_key) {
		explicit_bzero(h->tls_key, strlen(h->tls_key));
		free(h->tls_key);
	}
	free(h->tls_cert);
	free(h);
}
