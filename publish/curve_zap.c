/* The ZAP handler (ZeroMQ RFC 27), in its own thread: admits CURVE clients with known keys. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/curve_zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define REFUSAL_SLOTS 16
#define REFUSAL_QUIET_NS (60ull * CJD_NSEC_PER_SEC)

/* How often one stranger's key was refused, so repeats are summarised. */
struct refusal {
	uint8_t key[32];
	uint64_t last_log_ns;
	uint64_t since_log;
	bool used;
};

struct cjd_zap {
	void *sock;  /* REP, used only by the thread after start */
	pthread_t thread;
	bool running;
	uint8_t (*keys)[32]; /* sorted, read-only once the thread runs */
	size_t n_keys;
	atomic_uint_fast64_t refused;
	atomic_uint_fast64_t accepted;
	struct refusal recent[REFUSAL_SLOTS];
};

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int load_clients(struct cjd_zap *z, const char *dir, struct cjd_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	int rc = 0;

	if (!d)
		return cjd_error_set(err, -errno, dir, 0, 0, "cannot open the CURVE clients directory: %s",
				     strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[4352];
		struct stat st;
		struct cjd_curve_keypair kp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = cjd_curve_read(path, false, true, &kp, err);
		if (rc)
			break;
		if ((rc = cjd_array_reserve(z->keys, cap, z->n_keys + 1)))
			break;
		zmq_z85_decode(z->keys[z->n_keys++], kp.public_z85);
	}
	closedir(d);
	if (rc)
		return rc;
	if (z->n_keys)
		qsort(z->keys, z->n_keys, 32, key_cmp);
	if (z->n_keys == 0)
		cjd_warn("CURVE clients directory %s holds no key: every subscriber is refused", dir);
	return 0;
}

/* Logs a refusal unless this key was logged within the last minute. */
static void log_refusal(struct cjd_zap *z, const uint8_t key[32], const char *address)
{
	char z85[CJD_CURVE_Z85_LEN + 1];
	uint64_t now = cjd_now_mono_ns();
	struct refusal *slot = NULL, *oldest = &z->recent[0];

	for (int i = 0; i < REFUSAL_SLOTS; i++) {
		struct refusal *r = &z->recent[i];
		if (r->used && memcmp(r->key, key, 32) == 0) {
			slot = r;
			break;
		}
		if (!r->used || r->last_log_ns < oldest->last_log_ns)
			oldest = r;
	}
	if (slot && now - slot->last_log_ns < REFUSAL_QUIET_NS) {
		slot->since_log++;
		return;
	}
	if (!slot) {
		slot = oldest;
		memset(slot, 0, sizeof(*slot));
		memcpy(slot->key, key, 32);
		slot->used = true;
	}
	zmq_z85_encode(z85, key, 32);
	if (slot->since_log)
		cjd_warn("CURVE: refused subscriber with unknown key %s from %s (and %llu more "
			 "attempts with this key in the last minute)",
			 z85, address[0] ? address : "(local)", (unsigned long long)slot->since_log);
	else
		cjd_warn("CURVE: refused subscriber with unknown key %s from %s", z85,
			 address[0] ? address : "(local)");
	slot->since_log = 0;
	slot->last_log_ns = now;
}

/* Reads one frame into buf (truncated, NUL-terminated). Returns its size or -1. */
static int frame(void *sock, char *buf, size_t cap, bool *more)
{
	zmq_msg_t m;
	int n;

	zmq_msg_init(&m);
	n = zmq_msg_recv(&m, sock, 0);
	if (n >= 0) {
		size_t c = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
		memcpy(buf, zmq_msg_data(&m), c);
		buf[c] = '\0';
		*more = zmq_msg_more(&m);
	}
	zmq_msg_close(&m);
	return n;
}

static void reply(void *sock, const char *request_id, size_t id_len, const char *code,
		  const char *text)
{
	zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(sock, request_id, id_len, ZMQ_SNDMORE);
	zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(sock, "", 0, ZMQ_SNDMORE); /* user id */
	zmq_send(sock, "", 0, 0);           /* metadata */
}

/*
 * One request: version, request id, domain, address, routing id, mechanism,
 * credentials. Returns -1 when the context is shutting down.
 */
static int serve_one(struct cjd_zap *z)
{
	char f[8][256];
	int len[8] = {0};
	bool more = true;
	int n = 0;

	while (more) {
		char sink[256];
		int r = frame(z->sock, n < 8 ? f[n] : sink, 256, &more);
		if (r < 0)
			return errno == ETERM || errno == ENOTSOCK ? -1 : 0;
		if (n < 8)
			len[n] = r;
		n++;
	}
	if (n < 6 || strcmp(f[0], "1.0") != 0) {
		cjd_warn("CURVE: malformed ZAP request (%d frames) ignored", n);
		reply(z->sock, n > 1 ? f[1] : "", n > 1 ? (size_t)len[1] : 0, "500",
		      "malformed request");
		return 0;
	}
	size_t id_len = (size_t)len[1] < sizeof(f[1]) ? (size_t)len[1] : sizeof(f[1]) - 1;
	if (strcmp(f[5], "CURVE") != 0 || n < 7 || len[6] != 32) {
		/* only CURVE sockets use this context's ZAP domain; anything else is refused */
		reply(z->sock, f[1], id_len, "400", "only CURVE is accepted");
		atomic_fetch_add(&z->refused, 1);
		return 0;
	}
	const uint8_t *key = (const uint8_t *)f[6];
	if (z->n_keys && bsearch(key, z->keys, z->n_keys, 32, key_cmp)) {
		atomic_fetch_add(&z->accepted, 1);
		if (cjd_log_enabled(CJD_LOG_DEBUG)) {
			char z85[CJD_CURVE_Z85_LEN + 1];
			zmq_z85_encode(z85, key, 32);
			cjd_debug("CURVE: admitted subscriber %s from %s", z85, f[3]);
		}
		reply(z->sock, f[1], id_len, "200", "OK");
	} else {
		atomic_fetch_add(&z->refused, 1);
		log_refusal(z, key, f[3]);
		reply(z->sock, f[1], id_len, "400", "unknown client key");
	}
	return 0;
}

static void *zap_main(void *arg)
{
	struct cjd_zap *z = arg;

	while (serve_one(z) == 0)
		;
	/* linger 0: a reply still queued at shutdown has nobody to go to */
	int zero = 0;
	zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_close(z->sock);
	z->sock = NULL;
	return NULL;
}

int cjd_zap_start(struct cjd_zap **out, void *zmq_ctx, const char *clients_dir,
		  struct cjd_error *err)
{
	struct cjd_zap *z = calloc(1, sizeof(*z));
	int rc;

	*out = NULL;
	if (!z)
		return -ENOMEM;
	atomic_init(&z->refused, 0);
	atomic_init(&z->accepted, 0);
	rc = load_clients(z, clients_dir, err);
	if (rc)
		goto out_free;
	z->sock = zmq_socket(zmq_ctx, ZMQ_REP);
	if (!z->sock) {
		rc = -zmq_errno();
		cjd_error_set(err, rc, "", 0, 0, "ZAP socket: %s", zmq_strerror(-rc));
		goto out_free;
	}
	if (zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
		rc = -zmq_errno();
		cjd_error_set(err, rc, "", 0, 0, "ZAP handler cannot bind %s: %s", ZAP_ENDPOINT,
			      zmq_strerror(-rc));
		zmq_close(z->sock);
		goto out_free;
	}
	rc = -pthread_create(&z->thread, NULL, zap_main, z);
	if (rc) {
		cjd_error_set(err, rc, "", 0, 0, "ZAP thread: %s", strerror(-rc));
		zmq_close(z->sock);
		goto out_free;
	}
	z->running = true;
	cjd_info("CURVE: %zu authorised subscriber key%s from %s", z->n_keys,
		 z->n_keys == 1 ? "" : "s", clients_dir);
	*out = z;
	return 0;

out_free:
	free(z->keys);
	free(z);
	return rc;
}

void cjd_zap_stop(struct cjd_zap *z)
{
	if (!z)
		return;
	if (z->running)
		pthread_join(z->thread, NULL);
	free(z->keys);
	free(z);
}

uint64_t cjd_zap_refused(const struct cjd_zap *z)
{
	return z ? atomic_load(&((struct cjd_zap *)z)->refused) : 0;
}

uint64_t cjd_zap_accepted(const struct cjd_zap *z)
{
	return z ? atomic_load(&((struct cjd_zap *)z)->accepted) : 0;
}

size_t cjd_zap_client_count(const struct cjd_zap *z)
{
	return z ? z->n_keys : 0;
}
