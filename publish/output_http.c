/* The HTTP output's transport: one libcurl handle on the output worker, a POST per message, status codes sorted into sent, retry and rejected. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/publish/output_http.h"

struct http {
	CURL *curl;
	struct curl_slist *headers; /* the same on every request */
	char *url;
	enum cjd_http_format format;
	struct cjd_http_body_options body;
	char *splunk_index, *splunk_source, *splunk_sourcetype;
	uint64_t timeout_ns;
	char resp[512]; /* the start of the answer, for error messages */
	size_t resp_len;
	char errbuf[CURL_ERROR_SIZE];
};

static void http_free(void *ctx)
{
	struct http *h = ctx;

	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->url);
	free(h->splunk_index);
	free(h->splunk_source);
	free(h->splunk_sourcetype);
	free(h);
	curl_global_cleanup(); /* reference-counted: pairs with the init in new() */
}

/* Keeps the first bytes of the answer; the rest is read and discarded. */
static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t len = size * n, room = sizeof(h->resp) - 1 - h->resp_len;

	if (room) {
		size_t k = len < room ? len : room;
		memcpy(h->resp + h->resp_len, data, k);
		h->resp_len += k;
		h->resp[h->resp_len] = '\0';
	}
	return len;
}

/* event.id of a published message, for the de-duplication header. */
static void event_id_of(const char *json, size_t len, char *id, size_t cap)
{
	json_t *doc = json_loadb(json, len, 0, NULL);
	const char *v = json_string_value(json_object_get(json_object_get(doc, "event"), "id"));

	id[0] = '\0';
	/* ids are UUIDs; anything else (a relay's?) is left out rather than sent raw */
	if (v && strlen(v) < cap && strspn(v, "0123456789abcdefABCDEF-") == strlen(v))
		snprintf(id, cap, "%s", v);
	json_decref(doc);
}

/* The answer's first line, printable, for a log line. */
static const char *resp_text(struct http *h)
{
	for (size_t i = 0; i < h->resp_len; i++)
		if ((unsigned char)h->resp[i] < 0x20 || (unsigned char)h->resp[i] == 0x7f)
			h->resp[i] = ' ';
	return h->resp_len ? h->resp : "(empty answer)";
}

static enum cjd_output_result http_deliver(void *ctx, const char *topic, const char *json,
					   size_t len, struct cjd_output_attempt *a)
{
	struct http *h = ctx;
	struct curl_slist *hdrs = NULL;
	char *body = NULL, id[64], line[128];
	size_t blen;
	uint64_t budget = cjd_output_attempt_budget(a, h->timeout_ns);
	enum cjd_output_result res = CJD_OUTPUT_RETRY;
	long status = 0;
	int rc;

	if (!budget)
		return CJD_OUTPUT_RETRY;
	rc = cjd_http_body(h->format, &h->body, topic, json, len, &body, &blen);
	if (rc)
		return cjd_output_render_failed(a, topic, "build the body", rc);
	for (struct curl_slist *s = h->headers; s; s = s->next)
		if (!(hdrs = curl_slist_append(hdrs, s->data)))
			goto out_oom;
	event_id_of(json, len, id, sizeof(id));
	if (id[0]) {
		snprintf(line, sizeof(line), CJD_HTTP_EVENT_ID_HEADER ": %s", id);
		struct curl_slist *t = curl_slist_append(hdrs, line);
		if (!t)
			goto out_oom;
		hdrs = t;
	}
	h->resp_len = 0;
	h->resp[0] = '\0';
	h->errbuf[0] = '\0';
	/* at least 1 ms: 0 would mean "no timeout" to libcurl */
	long ms = (long)(budget / 1000000u) > 0 ? (long)(budget / 1000000u) : 1;
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
	CURLcode cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK) {
		/* libcurl's error buffer says more (the address, the TLS reason) when set */
		snprintf(a->why, sizeof(a->why), "POST: %.200s",
			 h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		res = CJD_OUTPUT_SENT;
	} else if (status == 408 || status == 429 || status >= 500 || status < 200) {
		curl_off_t after = 0;
		snprintf(a->why, sizeof(a->why), "POST: HTTP %ld: %.160s", status, resp_text(h));
		if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
			a->retry_after_ns = (uint64_t)after * CJD_NSEC_PER_SEC;
	} else {
		snprintf(a->why, sizeof(a->why), "POST: HTTP %ld: %.160s%s", status, resp_text(h),
			 status >= 300 && status < 400 ? " (redirects are not followed: give the "
							 "final URL)"
						       : "");
		res = CJD_OUTPUT_REJECTED;
	}
out:
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(body);
	return res;
out_oom:
	snprintf(a->why, sizeof(a->why), "out of memory");
	res = CJD_OUTPUT_RETRY;
	goto out;
}

/* ---- setup ---- */

static bool tchar(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c);
}

int cjd_http_header_check(const char *line, char *why, size_t whylen)
{
	static const char *const ours[] = {"Content-Type", "Content-Length", "Host",
					   CJD_HTTP_EVENT_ID_HEADER};
	size_t n = 0;

	while (line[n] && tchar((unsigned char)line[n]))
		n++;
	if (n == 0 || line[n] != ':') {
		snprintf(why, whylen, "header '%s' is not \"Name: value\" (the name: letters, digits "
				      "and !#$%%&'*+-.^_`|~)", line);
		return -EINVAL;
	}
	for (const unsigned char *c = (const unsigned char *)line + n + 1; *c; c++) {
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
			snprintf(why, whylen, "header '%.*s' holds a control character", (int)n, line);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (strlen(ours[i]) == n && !strncasecmp(line, ours[i], n)) {
			snprintf(why, whylen, "header '%.*s' is set by cjd itself", (int)n, line);
			return -EINVAL;
		}
	}
	return 0;
}

/* Reads the token: the file's first line, without surrounding white space. */
static int read_token(const char *path, char *tok, size_t cap, struct cjd_error *err)
{
	struct stat st;
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open the token file: %s",
				     strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & 0077))
		cjd_warn("%s: the token file is readable by group or others (mode %03o); chmod 600 "
			 "it",
			 path, (unsigned)(st.st_mode & 0777));
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return cjd_error_set(err, -e, path, 0, 0, "cannot read the token file: %s",
				     strerror(e));
	buf[n] = '\0';
	char *s = buf, *end;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strcspn(s, "\r\n");
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (!*s)
		return cjd_error_set(err, -EINVAL, path, 1, 0, "the token file's first line is empty");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x21 || *c == 0x7f)
			return cjd_error_set(err, -EINVAL, path, 1, (int)((const char *)c - buf) + 1,
					     "the token holds a space or a control character");
	if ((size_t)(end - s) >= cap)
		return cjd_error_set(err, -EINVAL, path, 1, 0, "the token is longer than %zu bytes",
				     cap - 1);
	memcpy(tok, s, (size_t)(end - s) + 1);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int check_file(const char *path, const char *what, struct cjd_error *err)
{
	if (path && access(path, R_OK) != 0)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot read the %s: %s", what,
				     strerror(errno));
	return 0;
}

/* "https://siem.example:8088/services/collector/event": the URL without user, password or query. */
static int safe_url(const char *url, char *buf, size_t len, struct cjd_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int rc = 0;

	if (!u)
		return -ENOMEM;
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		rc = cjd_error_set(err, -EINVAL, "", 0, 0, "outputs.http.url '%s' is not a URL: %s",
				   url, curl_url_strerror(uc));
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (!scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		rc = cjd_error_set(err, -EINVAL, "", 0, 0,
				   "outputs.http.url '%s' must start with http:// or https://", url);
		goto out;
	}
	snprintf(buf, len, "%s://%s%s%s%s", scheme, host ? host : "", port ? ":" : "",
		 port ? port : "", path ? path : "/");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static int add_header(struct http *h, const char *line)
{
	struct curl_slist *t = curl_slist_append(h->headers, line);

	if (!t)
		return -ENOMEM;
	h->headers = t;
	return 0;
}

static int dup_opt(char **dst, const char *src)
{
	return src && !(*dst = strdup(src)) ? -ENOMEM : 0;
}

/* What can be checked before anything is set up; shown gets the URL fit for logs. Returns 0 or -EINVAL. */
static int check_config(const struct cjd_output_http_config *cfg, char *shown, size_t len,
			struct cjd_error *err)
{
	char why[300];
	int rc;

	if (!cfg->url)
		return cjd_error_set(err, -EINVAL, "", 0, 0, "outputs.http.url is not set");
	if ((rc = safe_url(cfg->url, shown, len, err)))
		return rc;
	if (!cfg->cert_file != !cfg->key_file)
		return cjd_error_set(err, -EINVAL, "", 0, 0,
				     "a client certificate needs both a cert_file and a key_file");
	if ((rc = check_file(cfg->ca_file, "CA file", err)) ||
	    (rc = check_file(cfg->cert_file, "client certificate", err)) ||
	    (rc = check_file(cfg->key_file, "client key", err)))
		return rc;
	for (size_t i = 0; i < cfg->n_headers; i++) {
		if (cjd_http_header_check(cfg->headers[i], why, sizeof(why)))
			return cjd_error_set(err, -EINVAL, "", 0, 0, "outputs.http.headers: %s", why);
		if (cfg->token_file && !strncasecmp(cfg->headers[i], "Authorization:", 14))
			return cjd_error_set(err, -EINVAL, "", 0, 0,
					     "outputs.http.headers: an Authorization header and a "
					     "token_file: give one");
	}
	return 0;
}

/* Every POST's headers: the content type, the token's Authorization, the extra ones.
 * Returns 0, -ENOMEM, or the token file's error (err set). */
static int set_headers(struct http *h, const struct cjd_output_http_config *cfg,
		       struct cjd_error *err)
{
	char tok[4096 + 32];
	int rc;

	if (add_header(h, "Content-Type: application/json") ||
	    add_header(h, "Expect:")) /* no 100-continue round trip */
		return -ENOMEM;
	if (cfg->token_file) {
		char t[4096];
		if ((rc = read_token(cfg->token_file, t, sizeof(t), err)))
			return rc;
		snprintf(tok, sizeof(tok), "Authorization: %s %s",
			 cfg->format == CJD_HTTP_SPLUNK_HEC ? "Splunk" : "Bearer", t);
		explicit_bzero(t, sizeof(t));
		rc = add_header(h, tok);
		explicit_bzero(tok, sizeof(tok));
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < cfg->n_headers; i++)
		if ((rc = add_header(h, cfg->headers[i])))
			return rc;
	return 0;
}

/* The libcurl handle: POST to h->url, TLS verified, no redirects, no signals. Returns 0 or -ENOMEM. */
static int setup_curl(struct http *h, const struct cjd_output_http_config *cfg,
		      struct cjd_error *err)
{
	if (!(h->curl = curl_easy_init()))
		return cjd_error_set(err, -ENOMEM, "", 0, 0, "curl_easy_init failed");
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L); /* a worker thread: no SIGALRM */
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "cjd/" CJD_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	if (cfg->ca_file)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->cert_file) {
		curl_easy_setopt(h->curl, CURLOPT_SSLCERT, cfg->cert_file);
		curl_easy_setopt(h->curl, CURLOPT_SSLKEY, cfg->key_file);
	}
	return 0;
}

int cjd_output_http_new(struct cjd_output **out, const struct cjd_output_http_config *cfg,
			struct cjd_error *err)
{
	static const struct cjd_output_transport tp = {
		.kind = "http", .deliver = http_deliver, .free = http_free};
	char name[1200], shown[1024];
	struct http *h;
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	if ((rc = check_config(cfg, shown, sizeof(shown), err)))
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cjd_error_set(err, -ENOMEM, "", 0, 0, "curl_global_init failed");
	h = calloc(1, sizeof(*h));
	if (!h) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	h->format = cfg->format;
	h->timeout_ns = cfg->timeout_ns ? cfg->timeout_ns : CJD_OUTPUT_DEFAULT_TIMEOUT_NS;
	rc = -ENOMEM;
	if (dup_opt(&h->url, cfg->url) || dup_opt(&h->splunk_index, cfg->body.splunk_index) ||
	    dup_opt(&h->splunk_source, cfg->body.splunk_source) ||
	    dup_opt(&h->splunk_sourcetype, cfg->body.splunk_sourcetype))
		goto out_free;
	h->body.splunk_index = h->splunk_index;
	h->body.splunk_source = h->splunk_source;
	h->body.splunk_sourcetype = h->splunk_sourcetype;
	if ((rc = set_headers(h, cfg, err)) || (rc = setup_curl(h, cfg, err)))
		goto out_free;
	snprintf(name, sizeof(name), "http %s", shown);
	rc = cjd_output_new(out, name, &cfg->queue, &tp, h); /* owns h from here */
	if (rc)
		return cjd_error_set(err, rc, "", 0, 0, "cannot start the HTTP output: %s",
				     strerror(-rc));
	char topics[200];
	cjd_info("output: POSTing %s to %s as %s (queue %zu, timeout %.3gs)",
		 cjd_output_topics_text(&cfg->queue, topics, sizeof(topics)), shown,
		 cjd_http_format_name(cfg->format),
		 cfg->queue.queue ? cfg->queue.queue : (size_t)CJD_OUTPUT_DEFAULT_QUEUE,
		 (double)h->timeout_ns / 1e9);
	return 0;
out_free:
	http_free(h);
	return rc;
}
