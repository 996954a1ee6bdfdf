/* The stratum side of cjd-miner: a Monero-style stratum client and the stand-in pool it talks to. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

/*
 * A real pool miner (XMRig, cpuminer) is not a silent loop: besides its hashing threads, a
 * network thread keeps one long-lived stratum connection to the pool. This file is both ends
 * of that connection, speaking the protocol XMRig speaks to Monero pools: JSON-RPC 2.0, one
 * JSON object per line, over TCP.
 *
 *   miner -> pool  {"id":1,"method":"login","params":{"login","pass","agent","algo":[..]}}
 *   pool -> miner  {"id":1,"result":{"id":SESSION,"job":{"blob","job_id","target","algo",
 *                   "height","seed_hash"},"extensions":["keepalive"],"status":"OK"}}
 *   pool -> miner  {"method":"job","params":{JOB}}          a new job (new block / vardiff)
 *   miner -> pool  {"id":N,"method":"submit","params":{"id":SESSION,"job_id","nonce":8 hex,
 *                   "result":64 hex}}                       each share found
 *   pool -> miner  {"id":N,"result":{"status":"OK"}} or {"id":N,"error":{"code","message"}}
 *   miner -> pool  {"id":N,"method":"keepalived","params":{"id":SESSION}}   after 60 s quiet
 *   pool -> miner  {"id":N,"result":{"status":"KEEPALIVED"}}
 *
 * The target is Monero's: 8 hex digits, a 32-bit little-endian number t (difficulty
 * 0xffffffff / t), or 16 digits for a 64-bit one; a hash is a share when its last 8 bytes,
 * read little-endian, are below 2^64 / difficulty. The stand-in pool keeps each miner near
 * one share per share_every seconds (10 s) by variable difficulty, as pools do, sending a
 * job with the new target when it retargets, and otherwise a new job every job_every seconds
 * (30 s; Monero's blocks come every 2 minutes and pools refresh their templates between
 * them). It checks every submitted share: the job is one of the last four (pools keep the
 * jobs of the current height valid across retargets), the nonce is not a
 * duplicate, the result meets the target and, with --pool-verify, the hash is recomputed.
 * It logs every message with its size and time.
 *
 * Transports: --pool runs the pool as a thread of the miner at the other end of a
 * socketpair (no network at all); --pool-connect HOST:PORT makes a TCP connection to a
 * `cjd-miner --pool-serve HOST:PORT` (the corpus runs that one in a network namespace of its
 * own, reached over a veth pair: models/workloads/lib.sh).
 */

#define MAX_CLIENTS 16
#define LINE_MAX_LEN 8192

/* ---- shared helpers ---- */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

struct linebuf {
	char buf[LINE_MAX_LEN];
	size_t n;
};

/* Reads what fd has into lb. Returns the bytes read, 0 at EOF, -1 on error (or a line
 * longer than the buffer: a peer that sends such a thing is dropped). */
static ssize_t lb_fill(struct linebuf *lb, int fd)
{
	if (lb->n == sizeof(lb->buf))
		return -1;
	ssize_t r;
	do
		r = recv(fd, lb->buf + lb->n, sizeof(lb->buf) - lb->n, 0);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		lb->n += (size_t)r;
	return r;
}

/* Takes the next complete line out of lb into line (NUL-terminated, no newline): 1, or 0. */
static int lb_line(struct linebuf *lb, char *line, size_t cap)
{
	char *nl = memchr(lb->buf, '\n', lb->n);
	if (!nl)
		return 0;
	size_t len = (size_t)(nl - lb->buf);
	size_t k = len < cap - 1 ? len : cap - 1;
	memcpy(line, lb->buf, k);
	line[k] = 0;
	memmove(lb->buf, nl + 1, lb->n - len - 1);
	lb->n -= len + 1;
	return 1;
}

static void hex_of(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Decodes hex (exactly 2 * n digits) into b. Returns 0 or -1. */
static int hex_to(uint8_t *b, size_t n, const char *hex)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (uint8_t)v;
	}
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Monero's job target for a difficulty, and back. */
static void target_hex(char out[17], uint64_t diff)
{
	uint8_t b[8];

	if (diff <= 1)
		diff = 1;
	if (diff <= 0xffffffffull) {
		uint32_t t = (uint32_t)(0xffffffffull / diff);
		memcpy(b, &t, 4);
		hex_of(out, b, 4);
	} else {
		uint64_t t = UINT64_MAX / diff;
		memcpy(b, &t, 8);
		hex_of(out, b, 8);
	}
}

static int target_parse(const char *hex, uint64_t *target)
{
	uint8_t b[8] = {0};

	if (strlen(hex) == 8 && !hex_to(b, 4, hex)) {
		uint32_t t;
		memcpy(&t, b, 4);
		if (!t)
			return -1;
		*target = UINT64_MAX / (0xffffffffull / t);
		return 0;
	}
	if (strlen(hex) == 16 && !hex_to(b, 8, hex)) {
		*target = le64(b);
		return 0;
	}
	return -1;
}

/* ---- the stand-in pool ---- */

/* A job the pool has handed out; the last VALID_JOBS stay valid for shares, as pools keep the
 * jobs of the current height valid across difficulty changes and template refreshes. */
#define VALID_JOBS 4
struct pjob {
	unsigned no; /* 0: none */
	char id[16];
	uint8_t blob[128];
	uint64_t diff;
	uint32_t seen[512]; /* nonces submitted for it */
	unsigned nseen;
};

struct client {
	int fd;
	int id;
	struct linebuf in;
	int logged_in;
	char sess[17];
	const struct algo *algo;
	void *verify; /* the algo's per-thread state, for --pool-verify */
	uint64_t diff;
	struct pjob jobs[VALID_JOBS];
	unsigned cur; /* jobs[cur] is the newest */
	double job_t, retarget_t;
	unsigned shares_since;
	unsigned long accepted, rejected;
};

struct server {
	struct client c[MAX_CLIENTS];
	int lfd; /* listening socket, or -1 (the socketpair pool) */
	struct pool_opts o;
	FILE *log;
	double t0;
	unsigned jobs;  /* job numbers are unique across clients */
	int next_id;
	const struct algo *inproc; /* set up already (the in-process pool), or NULL */
	const struct algo *verify_algo; /* the one algorithm --pool-serve set up for verifying */
	char verify_opt[64];            /* ... with this --opt */
};

static void slog(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(struct server *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(s->log, "pool: %9.3f ", mono_s() - s->t0);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
}

static int csend(struct server *s, struct client *c, const char *msg, const char *what)
{
	size_t n = strlen(msg);

	slog(s, "c%d -> %s (%zu bytes)", c->id, what, n);
	return write_all(c->fd, msg, n);
}

static void client_close(struct server *s, struct client *c)
{
	slog(s, "c%d closed: %lu accepted, %lu rejected", c->id, c->accepted, c->rejected);
	close(c->fd);
	if (c->verify && c->algo)
		c->algo->thread_free(c->verify);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* The job object for c's current job, as text. */
static void job_json(struct client *c, char *out, size_t cap)
{
	char blob[257], target[17];

	const struct pjob *j = &c->jobs[c->cur];

	hex_of(blob, j->blob, c->algo->blob_len);
	target_hex(target, j->diff);
	snprintf(out, cap,
		 "{\"blob\":\"%s\",\"job_id\":\"%s\",\"target\":\"%s\",\"algo\":\"%s\",\"height\":%u,"
		 "\"seed_hash\":\"%064x\",\"id\":\"%s\"}",
		 blob, j->id, target, c->algo->name, 3000000 + j->no, 0, c->sess);
}

/* Vardiff, then the next job for c. */
static void new_job(struct server *s, struct client *c, double now)
{
	double el = now - c->retarget_t;

	if (c->jobs[c->cur].no && el > 0) {
		double f = c->shares_since ? c->shares_since * s->o.share_every / el : 0.25;
		f = f < 0.25 ? 0.25 : f > 1000 ? 1000 : f;
		double d = (double)c->diff * f;
		c->diff = d < 1 ? 1 : d > 1e18 ? (uint64_t)1e18 : (uint64_t)d;
	}
	c->retarget_t = now;
	c->shares_since = 0;
	c->job_t = now;
	c->cur = (c->cur + 1) % VALID_JOBS;
	struct pjob *j = &c->jobs[c->cur];
	j->no = ++s->jobs;
	j->diff = c->diff;
	j->nseen = 0;
	snprintf(j->id, sizeof(j->id), "%u", j->no);
	miner_make_blob(j->blob, c->algo->blob_len, j->no);
}

static void send_job(struct server *s, struct client *c)
{
	char job[700], msg[800], what[80];

	job_json(c, job, sizeof(job));
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":%s}\n", job);
	snprintf(what, sizeof(what), "job %s diff %llu", c->jobs[c->cur].id, (unsigned long long)c->diff);
	csend(s, c, msg, what);
}

static void reply_error(struct server *s, struct client *c, json_int_t id, const char *m)
{
	char msg[300];

	snprintf(msg, sizeof(msg),
		 "{\"id\":%lld,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,\"message\":\"%s\"}}\n",
		 (long long)id, m);
	csend(s, c, msg, m);
}

/* The verifying algorithm for name: the in-process pool's (set up by the miner), else the
 * one --pool-serve sets up on first use (RandomX fast mode is verified in light mode: the
 * same hashes without a 2 GiB dataset). */
static const struct algo *verifier(struct server *s, const struct algo *a, const char *opt)
{
	if (s->inproc)
		return s->inproc == a ? a : NULL;
	if (a == &algo_randomx_fast)
		a = &algo_randomx_light;
	if (!s->verify_algo) {
		if (a->setup(1, *opt ? opt : NULL))
			return NULL;
		s->verify_algo = a;
		snprintf(s->verify_opt, sizeof(s->verify_opt), "%s", opt);
	}
	return s->verify_algo == a && !strcmp(s->verify_opt, opt) ? a : NULL;
}

static void on_login(struct server *s, struct client *c, json_int_t id, json_t *params)
{
	const char *login = NULL;
	json_t *algos = NULL, *v;
	size_t i;
	char job[700], msg[900], opt[64] = "";

	if (json_unpack(params, "{s:s,s?o}", "login", &login, "algo", &algos) || !login) {
		reply_error(s, c, id, "Invalid login");
		return;
	}
	/* Each algorithm is "NAME" or "NAME/OPT" (cjd-miner's --opt: a variant such as
	 * cryptonight's test-sized "small" hashes differently, and the pool must know). */
	c->algo = NULL;
	if (json_is_array(algos))
		json_array_foreach(algos, i, v)
			if (!c->algo && json_is_string(v)) {
				char name[64];
				snprintf(name, sizeof(name), "%s", json_string_value(v));
				char *slash = strchr(name, '/');
				if (slash)
					*slash = 0;
				c->algo = algo_find(name);
				snprintf(opt, sizeof(opt), "%s", slash ? slash + 1 : "");
			}
	if (!c->algo) {
		reply_error(s, c, id, "No supported algorithm");
		return;
	}
	/* "name+DIFF" asks for a starting difficulty, as many pools allow. */
	const char *plus = strrchr(login, '+');
	c->diff = plus ? strtoull(plus + 1, NULL, 10) : 0;
	if (!c->diff)
		c->diff = 1000;
	if (s->o.verify) {
		const struct algo *va = verifier(s, c->algo, opt);
		c->verify = va ? va->thread_new(0) : NULL;
		if (!c->verify)
			slog(s, "c%d: cannot verify %s shares: checking the target only", c->id,
			     c->algo->name);
	}
	snprintf(c->sess, sizeof(c->sess), "%08x%08x", (unsigned)rand(), (unsigned)c->id);
	c->logged_in = 1;
	new_job(s, c, mono_s());
	job_json(c, job, sizeof(job));
	snprintf(msg, sizeof(msg),
		 "{\"id\":%lld,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"%s\",\"job\":%s,"
		 "\"extensions\":[\"keepalive\"],\"status\":\"OK\"}}\n",
		 (long long)id, c->sess, job);
	slog(s, "c%d <- login %s algo %s%s%s", c->id, login, c->algo->name, *opt ? "/" : "", opt);
	char what[80];
	snprintf(what, sizeof(what), "login OK, job %s diff %llu", c->jobs[c->cur].id,
		 (unsigned long long)c->diff);
	csend(s, c, msg, what);
}

static void on_submit(struct server *s, struct client *c, json_int_t id, json_t *params)
{
	const char *job_id, *nonce_hex, *result_hex;
	uint8_t nb[4], res[32];
	uint32_t nonce;

	if (!c->logged_in) {
		reply_error(s, c, id, "Unauthenticated");
		return;
	}
	if (json_unpack(params, "{s:s,s:s,s:s}", "job_id", &job_id, "nonce", &nonce_hex, "result",
			&result_hex) ||
	    hex_to(nb, 4, nonce_hex) || hex_to(res, 32, result_hex)) {
		c->rejected++;
		reply_error(s, c, id, "Malformed share");
		return;
	}
	memcpy(&nonce, nb, 4);
	slog(s, "c%d <- submit job %s nonce %s", c->id, job_id, nonce_hex);
	const char *why = NULL;
	struct pjob *j = NULL;
	for (unsigned k = 0; k < VALID_JOBS; k++)
		if (c->jobs[k].no && !strcmp(job_id, c->jobs[k].id))
			j = &c->jobs[k];
	if (!j)
		why = "Block expired";
	for (unsigned k = 0; !why && k < j->nseen; k++)
		if (j->seen[k] == nonce)
			why = "Duplicate share";
	if (!why && le64(res + 24) >= UINT64_MAX / j->diff)
		why = "Low difficulty share";
	if (!why && c->verify) {
		uint8_t blob[128], h[32];
		memcpy(blob, j->blob, c->algo->blob_len);
		memcpy(blob + c->algo->nonce_offset, nb, 4);
		const struct algo *va = s->inproc ? s->inproc : s->verify_algo;
		va->hash(c->verify, blob, h);
		if (memcmp(h, res, 32))
			why = "Invalid share";
	}
	if (why) {
		c->rejected++;
		reply_error(s, c, id, why);
		return;
	}
	if (j->nseen < sizeof(j->seen) / sizeof(j->seen[0]))
		j->seen[j->nseen++] = nonce;
	c->accepted++;
	c->shares_since++;
	char msg[200];
	snprintf(msg, sizeof(msg),
		 "{\"id\":%lld,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}\n",
		 (long long)id);
	csend(s, c, msg, c->verify ? "accepted (verified)" : "accepted");
}

static void on_line(struct server *s, struct client *c, const char *line)
{
	json_error_t err;
	json_t *m = json_loads(line, JSON_REJECT_DUPLICATES, &err), *params = NULL;
	const char *method = NULL;
	json_int_t id = 0;

	if (!m || json_unpack(m, "{s:s,s?I,s?o}", "method", &method, "id", &id, "params", &params)) {
		slog(s, "c%d <- bad message (%s): %.80s", c->id, m ? "no method" : err.text, line);
		reply_error(s, c, id, "Malformed request");
	} else if (!strcmp(method, "login")) {
		on_login(s, c, id, params);
	} else if (!strcmp(method, "submit")) {
		on_submit(s, c, id, params);
	} else if (!strcmp(method, "keepalived")) {
		char msg[160];
		slog(s, "c%d <- keepalived", c->id);
		snprintf(msg, sizeof(msg),
			 "{\"id\":%lld,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":"
			 "\"KEEPALIVED\"}}\n",
			 (long long)id);
		csend(s, c, msg, "KEEPALIVED");
	} else {
		reply_error(s, c, id, "Unknown method");
	}
	json_decref(m);
}

static struct client *client_add(struct server *s, int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd < 0) {
			memset(&s->c[i], 0, sizeof(s->c[i]));
			s->c[i].fd = fd;
			s->c[i].id = ++s->next_id;
			return &s->c[i];
		}
	return NULL;
}

static void server_init(struct server *s, const struct pool_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = *o;
	if (s->o.job_every <= 0)
		s->o.job_every = 30;
	if (s->o.share_every <= 0)
		s->o.share_every = 10;
	s->log = stderr;
	s->t0 = mono_s();
	s->lfd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->c[i].fd = -1;
}

/* The pool's event loop: a poll over the listening socket and the clients, waking at least
 * every second for the job timers, until *stop. */
static void serve(struct server *s, atomic_int *stop)
{
	char line[LINE_MAX_LEN];

	while (!atomic_load(stop)) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		struct client *who[MAX_CLIENTS + 1];
		int n = 0;

		if (s->lfd >= 0) {
			pfd[n] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
			who[n++] = NULL;
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (s->c[i].fd >= 0) {
				pfd[n] = (struct pollfd){.fd = s->c[i].fd, .events = POLLIN};
				who[n++] = &s->c[i];
			}
		int r = poll(pfd, (nfds_t)n, 1000);
		if (r < 0 && errno != EINTR)
			break;
		for (int k = 0; r > 0 && k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (!who[k]) {
				int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					continue;
				struct client *c = client_add(s, fd);
				if (!c) {
					close(fd);
					continue;
				}
				slog(s, "c%d connected", c->id);
				continue;
			}
			struct client *c = who[k];
			if (lb_fill(&c->in, c->fd) <= 0) {
				client_close(s, c);
				continue;
			}
			while (c->fd >= 0 && lb_line(&c->in, line, sizeof(line)))
				on_line(s, c, line);
		}
		double now = mono_s();
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &s->c[i];
			if (c->fd < 0 || !c->logged_in)
				continue;
			/* A new job on the timer, or early when shares come far too fast. */
			if (now - c->job_t >= s->o.job_every ||
			    (c->shares_since >= 16 && now - c->retarget_t >= 1.0)) {
				new_job(s, c, now);
				send_job(s, c);
			}
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			client_close(s, &s->c[i]);
}

/* ---- the in-process pool (--pool) ---- */

static void *pool_thread(void *arg)
{
	struct pool *p = arg;
	struct server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	server_init(s, &p->opts);
	s->inproc = p->algo;
	client_add(s, p->fd[1]);
	serve(s, &p->stop);
	s->c[0].fd = -1;
	free(s);
	return NULL;
}

int pool_start(struct pool *p, const struct algo *algo, const struct pool_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->opts = *o;
	p->algo = algo;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fd))
		return -1;
	if (pthread_create(&p->tid, NULL, pool_thread, p)) {
		close(p->fd[0]);
		close(p->fd[1]);
		return -1;
	}
	return 0;
}

void pool_stop(struct pool *p)
{
	atomic_store(&p->stop, 1);
	shutdown(p->fd[0], SHUT_RDWR);
	pthread_join(p->tid, NULL);
	close(p->fd[0]);
}

/* ---- the TCP pool (--pool-serve) ---- */

static atomic_int serve_stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&serve_stop, 1);
}

/* Splits "HOST:PORT" and resolves it (numeric or local names only: no network is needed). */
static int resolve(const char *addr, struct addrinfo **res, int passive)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};

	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host)) {
		fprintf(stderr, "miner: pool address '%s': want HOST:PORT\n", addr);
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	if (passive)
		hints.ai_flags = AI_PASSIVE;
	int r = getaddrinfo(host, colon + 1, &hints, res);
	if (r) {
		fprintf(stderr, "miner: pool address '%s': %s\n", addr, gai_strerror(r));
		return -1;
	}
	return 0;
}

int pool_serve(const char *addr, const struct pool_opts *o)
{
	struct addrinfo *ai;
	struct server *s = calloc(1, sizeof(*s));
	int one = 1, rc = 1;

	if (!s || resolve(addr, &ai, 1)) {
		free(s);
		return 2;
	}
	server_init(s, o);
	if (o->log && !(s->log = fopen(o->log, "a"))) {
		fprintf(stderr, "miner: pool log %s: %s\n", o->log, strerror(errno));
		goto out;
	}
	s->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->lfd, ai->ai_addr, ai->ai_addrlen) || listen(s->lfd, 16)) {
		fprintf(stderr, "miner: pool: listen on %s: %s\n", addr, strerror(errno));
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	slog(s, "listening on %s (a job every %.0f s, vardiff to a share every %.0f s%s)", addr,
	     s->o.job_every, s->o.share_every, o->verify ? ", shares verified" : "");
	serve(s, &serve_stop);
	slog(s, "stopped");
	rc = 0;
out:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->log && s->log != stderr)
		fclose(s->log);
	if (s->verify_algo)
		s->verify_algo->teardown();
	freeaddrinfo(ai);
	free(s);
	return rc;
}

/* ---- the stratum client (the miner's network thread) ---- */

struct conn {
	int fd;
	char job_id[32];     /* the pool's current job */
	unsigned long stale; /* shares of an older job, not submitted */
	struct linebuf in;
	char sess[64];
	long next_id;
	double last_send;
	unsigned long accepted, rejected;
	uint64_t diff;
};

static int tcp_connect(const char *addr)
{
	struct addrinfo *ai, *a;
	int fd = -1;

	if (resolve(addr, &ai, 0))
		return -1;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !connect(fd, a->ai_addr, a->ai_addrlen))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int msend(struct conn *k, const char *msg)
{
	k->last_send = mono_s();
	return write_all(k->fd, msg, strlen(msg));
}

static void take_job(struct conn *k, json_t *j, const struct algo *algo)
{
	const char *blob, *id, *target;
	struct job job = {0};

	if (json_unpack(j, "{s:s,s:s,s:s}", "blob", &blob, "job_id", &id, "target", &target) ||
	    strlen(blob) / 2 != algo->blob_len || hex_to(job.blob, algo->blob_len, blob) ||
	    target_parse(target, &job.target) || strlen(id) >= sizeof(job.id)) {
		fprintf(stderr, "miner: pool: bad job ignored\n");
		return;
	}
	job.len = algo->blob_len;
	snprintf(job.id, sizeof(job.id), "%s", id);
	k->diff = UINT64_MAX / (job.target ? job.target : 1);
	snprintf(k->job_id, sizeof(k->job_id), "%s", job.id);
	job_set(&job);
}

static void client_line(struct conn *k, const char *line, const struct algo *algo)
{
	json_error_t err;
	json_t *m = json_loads(line, 0, &err), *res, *params, *job, *error;
	const char *method = NULL, *status = NULL, *sess = NULL;

	if (!m) {
		fprintf(stderr, "miner: pool: bad message: %s\n", err.text);
		return;
	}
	if (!json_unpack(m, "{s:s,s:o}", "method", &method, "params", &params)) {
		if (!strcmp(method, "job"))
			take_job(k, params, algo);
	} else if ((res = json_object_get(m, "result")) && json_is_object(res)) {
		if (!json_unpack(res, "{s:s,s:o}", "id", &sess, "job", &job)) {
			snprintf(k->sess, sizeof(k->sess), "%s", sess);
			take_job(k, job, algo);
			fprintf(stderr, "miner: pool: logged in\n");
		} else if (!json_unpack(res, "{s:s}", "status", &status) && !strcmp(status, "OK")) {
			k->accepted++;
			fprintf(stderr, "miner: pool: accepted (%lu/%lu) diff %llu\n", k->accepted,
				k->rejected, (unsigned long long)k->diff);
		}
	} else if ((error = json_object_get(m, "error")) && json_is_object(error)) {
		k->rejected++;
		fprintf(stderr, "miner: pool: rejected (%lu/%lu): %s\n", k->accepted, k->rejected,
			json_string_value(json_object_get(error, "message")));
	}
	json_decref(m);
}

static void login(struct conn *k, const struct algo *algo, const char *opt, unsigned difficulty)
{
	char msg[400], user[40] = "cjd-corpus";

	k->sess[0] = 0;
	k->in.n = 0;

	if (difficulty) /* "user+DIFF": the starting difficulty, as many pools allow */
		snprintf(user, sizeof(user), "cjd-corpus+%llu",
			 difficulty >= 63 ? 1ull << 62 : 1ull << difficulty);
	snprintf(msg, sizeof(msg),
		 "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":"
		 "\"%s\",\"pass\":\"x\",\"agent\":\"cjd-miner/1.0\",\"algo\":[\"%s%s%s\"]}}\n",
		 user, algo->name, opt ? "/" : "", opt ? opt : "");
	k->next_id = 2;
	msend(k, msg);
}

void pool_loop(int fd, const char *addr, const struct algo *algo, const char *opt,
	       unsigned difficulty, atomic_int *running, unsigned long (*total)(void *ctx), void *ctx)
{
	char line[LINE_MAX_LEN];
	struct conn k = {.fd = fd};
	unsigned long last_hashes = 0;
	double start = mono_s(), next_print = start + 10.0, last_print = start, retry = 0;

	if (addr) {
		k.fd = tcp_connect(addr);
		if (k.fd < 0) {
			fprintf(stderr, "miner: pool: cannot connect to %s; retrying every 5 s\n", addr);
			retry = start + 5.0;
		}
	}
	if (k.fd >= 0)
		login(&k, algo, opt, difficulty);
	while (atomic_load(running) > 0) {
		double now = mono_s();
		if (k.fd < 0) {
			/* Keep hashing the last job while the pool is away, as miners do. */
			struct timespec ts = {0, 200000000};
			nanosleep(&ts, NULL);
			if (addr && now >= retry) {
				k.fd = tcp_connect(addr);
				if (k.fd >= 0)
					login(&k, algo, opt, difficulty);
				else
					retry = now + 5.0;
			}
		} else {
			struct pollfd pfd = {.fd = k.fd, .events = POLLIN};
			if (poll(&pfd, 1, 1000) > 0 && lb_fill(&k.in, k.fd) <= 0) {
				fprintf(stderr, "miner: pool: connection lost\n");
				close(k.fd);
				k.fd = -1;
				retry = mono_s() + 5.0;
				if (!addr)
					retry = 1e300; /* the in-process pool does not come back */
				continue;
			}
			while (lb_line(&k.in, line, sizeof(line)))
				client_line(&k, line, algo);
			struct share sh;
			while (k.sess[0] && share_pop(&sh)) {
				char msg[400], nonce[9], res[65];
				if (strcmp(sh.job_id, k.job_id)) { /* found just before a new job came */
					k.stale++;
					continue;
				}
				uint8_t nb[4];
				memcpy(nb, &sh.nonce, 4);
				hex_of(nonce, nb, 4);
				hex_of(res, sh.hash, 32);
				snprintf(msg, sizeof(msg),
					 "{\"id\":%ld,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":"
					 "{\"id\":\"%s\",\"job_id\":\"%s\",\"nonce\":\"%s\",\"result\":\"%s\"}}\n",
					 k.next_id++, k.sess, sh.job_id, nonce, res);
				msend(&k, msg);
			}
			now = mono_s();
			if (k.sess[0] && now - k.last_send >= 60.0) {
				char msg[160];
				snprintf(msg, sizeof(msg),
					 "{\"id\":%ld,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\","
					 "\"params\":{\"id\":\"%s\"}}\n",
					 k.next_id++, k.sess);
				msend(&k, msg);
			}
		}
		if (now >= next_print) {
			unsigned long h = total(ctx);
			fprintf(stderr, "miner: %s: speed %.1f H/s, %lu accepted, %lu rejected, %lu stale\n",
				algo->name, (double)(h - last_hashes) / (now - last_print), k.accepted,
				k.rejected, k.stale);
			last_hashes = h;
			last_print = now;
			next_print += 10.0;
		}
	}
	if (addr && k.fd >= 0)
		close(k.fd);
}
