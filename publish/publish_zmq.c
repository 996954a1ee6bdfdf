/* The publisher: serialize once, journal, then a non-blocking send on a ZeroMQ XPUB socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_id.h"
#include "cjd/publish/curve_keys.h"
#include "cjd/publish/curve_zap.h"
#include "cjd/publish/journal.h"
#include "cjd/publish/publish_zmq.h"

const char *const cjd_publish_default_endpoints[2] = {CJD_PUBLISH_DEFAULT_TCP,
						      CJD_PUBLISH_DEFAULT_IPC};

enum { SEQ_ALERT, SEQ_METRICS, SEQ_HEARTBEAT, SEQ__COUNT };

struct cjd_publisher {
	void *zctx;
	void *sock;
	char **bound; /* ZMQ_LAST_ENDPOINT of each bind */
	size_t n_bound;
	struct cjd_zap *zap;
	struct cjd_journal *journal;
	struct cjd_event_idgen idgen;
	char host_name[256];
	char host_id[40];
	struct cjd_json_host host;
	char *cgroup_root;
	FILE *echo;
	uint64_t seq[SEQ__COUNT];
	struct cjd_publisher_stats st;
	uint64_t last_send_error_log_ns;
	struct cjd_process procs[CJD_ALERT_MAX_PROCS];
	struct cjd_output *outputs[CJD_PUBLISH_MAX_OUTPUTS]; /* push outputs (HTTP, remote syslog) */
	size_t n_outputs;
};

static int zerr(void)
{
	return -zmq_errno();
}

/*
 * libzmq replaces the file of an ipc:// endpoint on bind, which would silently
 * steal the socket of a second cjd. Refuse when something still accepts on it;
 * a stale file from a crash (ECONNREFUSED) is fine to replace.
 */
static int ipc_prepare(const char *endpoint, struct cjd_error *err)
{
	const char *path = endpoint + strlen("ipc://");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	int fd, rc = 0;

	if (path[0] == '@')
		return 0; /* abstract namespace: no file, no directory */
	if (strlen(path) >= sizeof(sa.sun_path))
		return cjd_error_set(err, -ENAMETOOLONG, endpoint, 0, 0,
				     "cannot bind: the socket path is longer than %zu bytes",
				     sizeof(sa.sun_path) - 1);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* /run/cjd is ours to create; deeper missing parents are the user's typo */
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return cjd_error_set(err, -errno, endpoint, 0, 0,
					     "cannot create the directory %s: %s", dir,
					     strerror(errno));
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		rc = cjd_error_set(err, -EADDRINUSE, endpoint, 0, 0,
				   "cannot bind: another process is listening on %s", path);
	close(fd);
	return rc;
}

static int setopt_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v)) == 0 ? 0 : zerr();
}

static int open_socket(struct cjd_publisher *p, const struct cjd_publisher_config *cfg,
		       struct cjd_error *err)
{
	struct cjd_curve_keypair kp;
	bool ipv6 = false;
	int rc;

	p->zctx = zmq_ctx_new();
	if (!p->zctx)
		return cjd_error_set(err, zerr(), "", 0, 0, "zmq_ctx_new: %s",
				     zmq_strerror(zmq_errno()));
	if (cfg->curve_secret_file) {
		/* a key file or clients directory that cannot be used is configuration */
		rc = cjd_curve_read(cfg->curve_secret_file, true, false, &kp, err);
		if (rc)
			return cjd_errno_config(rc);
		/* the handler must be bound before the first peer can handshake */
		rc = cjd_zap_start(&p->zap, p->zctx, cfg->curve_clients_dir, err);
		if (rc) {
			explicit_bzero(&kp, sizeof(kp));
			/* the directory missing, unreadable or holding a bad key, not
			 * the handler's own socket or thread failing */
			bool dir = rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES || rc == -EINVAL;
			return dir ? cjd_errno_config(rc) : rc;
		}
	}
	/*
	 * XPUB rather than PUB: with XPUB_NODROP a full subscriber queue turns into
	 * EAGAIN, which is how drops get counted (see send_parts()). SUB clients
	 * cannot tell the difference.
	 */
	p->sock = zmq_socket(p->zctx, ZMQ_XPUB);
	if (!p->sock)
		return cjd_error_set(err, zerr(), "", 0, 0, "zmq_socket: %s",
				     zmq_strerror(zmq_errno()));
	int hwm = cfg->sndhwm > 0 ? cfg->sndhwm : CJD_PUBLISH_DEFAULT_SNDHWM;
	int linger = cfg->linger_ms > 0 ? cfg->linger_ms
		     : cfg->linger_ms < 0 ? 0
					  : CJD_PUBLISH_DEFAULT_LINGER_MS;
	for (size_t i = 0; i < cfg->n_endpoints; i++)
		if (strchr(cfg->endpoints[i], '['))
			ipv6 = true;
	if ((rc = setopt_int(p->sock, ZMQ_SNDHWM, hwm)) ||
	    (rc = setopt_int(p->sock, ZMQ_LINGER, linger)) ||
	    (rc = setopt_int(p->sock, ZMQ_XPUB_NODROP, 1)) ||
	    (ipv6 && (rc = setopt_int(p->sock, ZMQ_IPV6, 1))))
		return cjd_error_set(err, cjd_errno_runtime(rc), "", 0, 0, "zmq_setsockopt: %s",
				     zmq_strerror(-rc));
	if (cfg->curve_secret_file) {
		rc = setopt_int(p->sock, ZMQ_CURVE_SERVER, 1);
		if (!rc && zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, kp.secret_z85,
					  CJD_CURVE_Z85_LEN) != 0)
			rc = zerr();
		if (!rc && zmq_setsockopt(p->sock, ZMQ_ZAP_DOMAIN, "cjd", 3) != 0)
			rc = zerr();
		explicit_bzero(&kp, sizeof(kp));
		if (rc)
			return cjd_error_set(err, cjd_errno_runtime(rc), cfg->curve_secret_file, 0,
					     0, "CURVE setup: %s", zmq_strerror(-rc));
	}
	p->bound = calloc(cfg->n_endpoints, sizeof(*p->bound));
	if (!p->bound)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_endpoints; i++) {
		const char *ep = cfg->endpoints[i];
		char last[1024];
		size_t len = sizeof(last);

		if (strncmp(ep, "ipc://", 6) == 0 && (rc = ipc_prepare(ep, err)))
			return rc;
		if (zmq_bind(p->sock, ep) != 0) {
			rc = zerr();
			return cjd_error_set(err, rc, ep, 0, 0, "cannot bind: %s",
					     zmq_strerror(-rc));
		}
		if (zmq_getsockopt(p->sock, ZMQ_LAST_ENDPOINT, last, &len) != 0)
			snprintf(last, sizeof(last), "%s", ep);
		p->bound[p->n_bound] = strdup(last);
		if (!p->bound[p->n_bound])
			return -ENOMEM;
		p->n_bound++;
	}
	return 0;
}

int cjd_publisher_new(struct cjd_publisher **out, const struct cjd_publisher_config *cfg,
		      struct cjd_error *err)
{
	struct cjd_publisher *p;
	int rc;

	*out = NULL;
	cjd_error_clear(err);
	p = calloc(1, sizeof(*p));
	if (!p) {
		for (size_t i = 0; i < cfg->n_outputs; i++)
			cjd_output_free(cfg->outputs[i]);
		return -ENOMEM;
	}
	/* owned from here on, whatever happens next */
	for (size_t i = 0; i < cfg->n_outputs; i++) {
		if (i < CJD_PUBLISH_MAX_OUTPUTS)
			p->outputs[p->n_outputs++] = cfg->outputs[i];
		else
			cjd_output_free(cfg->outputs[i]);
	}
	if (cfg->n_outputs > CJD_PUBLISH_MAX_OUTPUTS) {
		rc = cjd_error_set(err, -E2BIG, "", 0, 0, "more than %d push outputs",
				   CJD_PUBLISH_MAX_OUTPUTS);
		goto out_free;
	}
	if (!cfg->curve_secret_file != !cfg->curve_clients_dir) {
		rc = cjd_error_set(err, -EINVAL, "", 0, 0,
				   "CURVE needs both a secret key file and a clients directory");
		goto out_free;
	}
	cjd_event_idgen_init(&p->idgen);
	if (cfg->host_name)
		snprintf(p->host_name, sizeof(p->host_name), "%s", cfg->host_name);
	else
		cjd_hostname(p->host_name, sizeof(p->host_name));
	if (cfg->host_id)
		snprintf(p->host_id, sizeof(p->host_id), "%s", cfg->host_id);
	else if (cjd_machine_id(NULL, p->host_id, sizeof(p->host_id)) < 0)
		cjd_debug("no usable /etc/machine-id: host.id is left out");
	p->host.name = p->host_name;
	p->host.id = p->host_id[0] ? p->host_id : NULL;
	p->echo = cfg->echo;
	if (cfg->cgroup_root && !(p->cgroup_root = strdup(cfg->cgroup_root))) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (cfg->journal_path) {
		struct cjd_journal_config jc = {.path = cfg->journal_path,
						.max_bytes = cfg->journal_max_bytes,
						.keep = cfg->journal_keep};
		rc = cjd_journal_open(&p->journal, &jc, err);
		if (rc)
			goto out_free;
	}
	if (cfg->n_endpoints > 0) {
		rc = open_socket(p, cfg, err);
		if (rc)
			goto out_free;
	}
	*out = p;
	return 0;

out_free:
	/* nothing was published: do not make a failed start wait for linger */
	if (p->sock) {
		int zero = 0;
		zmq_setsockopt(p->sock, ZMQ_LINGER, &zero, sizeof(zero));
	}
	cjd_publisher_free(p);
	return rc;
}

void cjd_publisher_free(struct cjd_publisher *p)
{
	if (!p)
		return;
	/* the journal first: alerts must be durable whatever the network does */
	cjd_journal_free(p->journal);
	if (p->sock)
		zmq_close(p->sock); /* queued messages get up to linger_ms in zmq_ctx_term */
	if (p->zctx) {
		zmq_ctx_shutdown(p->zctx); /* wakes the ZAP thread with ETERM */
		cjd_zap_stop(p->zap);
		zmq_ctx_term(p->zctx);
	} else {
		cjd_zap_stop(p->zap);
	}
	/* last: each drains its queue (the stopping heartbeat included) for a bounded time */
	for (size_t i = 0; i < p->n_outputs; i++)
		cjd_output_free(p->outputs[i]);
	for (size_t i = 0; i < p->n_bound; i++)
		free(p->bound[i]);
	free(p->bound);
	free(p->cgroup_root);
	free(p);
}

/* Logs send failures at most once every 10 s: a dead socket must not flood stderr. */
static void send_failed(struct cjd_publisher *p, const char *topic, int e)
{
	uint64_t now = cjd_now_mono_ns();

	p->st.dropped++;
	if (p->last_send_error_log_ns && now - p->last_send_error_log_ns < 10 * CJD_NSEC_PER_SEC)
		return;
	p->last_send_error_log_ns = now;
	cjd_err("publish %s: %s (%llu messages dropped so far)", topic, zmq_strerror(e),
		(unsigned long long)p->st.dropped);
}

/* Hands a message to the push outputs: a copy into each queue that wants it, never waiting. */
static void to_outputs(struct cjd_publisher *p, const char *topic, const char *json, size_t len)
{
	for (size_t i = 0; i < p->n_outputs; i++)
		cjd_output_submit(p->outputs[i], topic, json, len); /* drops are counted there */
}

static int send_frame(void *sock, const void *buf, size_t len, int flags)
{
	int rc;

	do
		rc = zmq_send(sock, buf, len, flags | ZMQ_DONTWAIT);
	while (rc < 0 && zmq_errno() == EINTR);
	return rc < 0 ? zerr() : 0;
}

/*
 * Sends [topic, json] without ever blocking. The socket runs with
 * XPUB_NODROP, so when some matching subscriber's queue is full the first
 * frame fails with EAGAIN instead of silently skipping that subscriber: the
 * message is counted as dropped, and sent again in lossy mode so every other
 * subscriber still gets it.
 */
static void send_parts(struct cjd_publisher *p, const char *topic, const char *json, size_t len)
{
	bool lossy = false;
	int rc;

	if (!p->sock)
		return;
	rc = send_frame(p->sock, topic, strlen(topic), ZMQ_SNDMORE);
	if (rc == -EAGAIN) {
		p->st.dropped++;
		lossy = setopt_int(p->sock, ZMQ_XPUB_NODROP, 0) == 0;
		rc = lossy ? send_frame(p->sock, topic, strlen(topic), ZMQ_SNDMORE) : rc;
		if (rc)
			p->st.dropped--; /* counted again just below */
	}
	if (!rc)
		rc = send_frame(p->sock, json, len, 0);
	if (lossy)
		setopt_int(p->sock, ZMQ_XPUB_NODROP, 1);
	if (rc) {
		send_failed(p, topic, -rc);
		return;
	}
	p->st.sent++;
}

int cjd_publisher_alert(struct cjd_publisher *p, struct cjd_alert *alert,
			const struct cjd_alert_context *ctx_in)
{
	struct cjd_alert_context ctx = {0};
	char topic[32];
	char *json;
	size_t len;
	int rc, jrc = 0;

	if (ctx_in)
		ctx = *ctx_in;
	/* assigned once, before journaling: the journal and every subscriber see one id */
	if (!alert->id[0])
		cjd_event_id_next(&p->idgen, cjd_now_real_ns(), alert->id);
	if (!ctx.host_name)
		ctx.host_name = p->host.name;
	if (!ctx.host_id)
		ctx.host_id = p->host.id;
	if (p->cgroup_root && !ctx.procs_known && alert->cgroup && !alert->host) {
		int n = cjd_procs_read(p->cgroup_root, alert->cgroup, p->procs, CJD_ALERT_MAX_PROCS,
				       &ctx.procs_total);
		ctx.procs = p->procs;
		ctx.n_procs = n > 0 ? (size_t)n : 0;
		ctx.procs_known = true;
	}
	ctx.seq = ++p->seq[SEQ_ALERT];
	rc = cjd_alert_json(alert, &ctx, &json, &len);
	if (rc) {
		cjd_err("alert %s: cannot serialize: %s", alert->id, strerror(-rc));
		return rc;
	}
	p->st.alerts++;
	p->st.alert_seq = ctx.seq;
	if (p->journal) {
		jrc = cjd_journal_append(p->journal, json, len);
		if (!jrc) {
			p->st.journal_lines++;
			cjd_journal_tick(p->journal, cjd_now_mono_ns());
		}
	}
	snprintf(topic, sizeof(topic), "%s%s", CJD_TOPIC_ALERT_PREFIX,
		 cjd_alert_action_name(alert->action));
	send_parts(p, topic, json, len);
	to_outputs(p, topic, json, len);
	if (p->echo && (fwrite(json, 1, len, p->echo) != len || fputc('\n', p->echo) == EOF) &&
	    !jrc)
		jrc = -EIO;
	free(json);
	return jrc;
}

int cjd_publisher_metrics(struct cjd_publisher *p, const struct cjd_metrics *m)
{
	char *json;
	size_t len;
	int rc = cjd_metrics_json(m, &p->host, ++p->seq[SEQ_METRICS], &json, &len);

	if (rc)
		return rc;
	p->st.metrics++;
	send_parts(p, CJD_TOPIC_METRICS, json, len);
	to_outputs(p, CJD_TOPIC_METRICS, json, len);
	free(json);
	return 0;
}

int cjd_publisher_heartbeat(struct cjd_publisher *p, const struct cjd_heartbeat *hb)
{
	struct cjd_publisher_stats st;
	struct cjd_heartbeat_publish pub;
	struct cjd_output_stats outs[CJD_PUBLISH_MAX_OUTPUTS];
	char *json;
	size_t len;
	int rc;

	cjd_publisher_stats(p, &st);
	pub = (struct cjd_heartbeat_publish){
		.sent = st.sent,
		.dropped = st.dropped,
		.alert_seq = st.alert_seq,
		.curve_refused = st.curve_refused,
		.journal_path = p->journal ? cjd_journal_path(p->journal) : NULL,
		.journal_failing = st.journal_failing,
		.journal_errors = st.journal_errors,
		.journal_error = p->journal ? cjd_journal_last_error(p->journal) : NULL,
		.outputs = outs,
		.n_outputs = cjd_publisher_outputs(p, outs, CJD_PUBLISH_MAX_OUTPUTS),
	};
	rc = cjd_heartbeat_json(hb, &pub, &p->host, ++p->seq[SEQ_HEARTBEAT], &json, &len);
	if (rc)
		return rc;
	p->st.heartbeats++;
	send_parts(p, CJD_TOPIC_HEARTBEAT, json, len);
	to_outputs(p, CJD_TOPIC_HEARTBEAT, json, len);
	free(json);
	return 0;
}

int cjd_publisher_tick(struct cjd_publisher *p, uint64_t now_mono_ns)
{
	char sub[256];
	int n;

	(void)now_mono_ns;
	/* (un)subscriptions queue up inside an XPUB until read; log and discard them */
	while (p->sock && (n = zmq_recv(p->sock, sub, sizeof(sub), ZMQ_DONTWAIT)) > 0) {
		size_t len = (size_t)n < sizeof(sub) ? (size_t)n : sizeof(sub);
		if (sub[0] == 1)
			p->st.subscriptions++;
		else if (sub[0] == 0 && p->st.subscriptions > 0)
			p->st.subscriptions--;
		cjd_debug("publish: %s '%.*s'", sub[0] == 1 ? "subscription" : "unsubscription",
			  (int)(len - 1), sub + 1);
	}
	return p->journal ? cjd_journal_sync(p->journal) : 0;
}

void cjd_publisher_stats(const struct cjd_publisher *p, struct cjd_publisher_stats *st)
{
	*st = p->st;
	if (p->journal) {
		st->journal_errors = cjd_journal_errors(p->journal);
		st->journal_failing = cjd_journal_failing(p->journal);
	}
	st->curve_refused = cjd_zap_refused(p->zap);
	st->curve_accepted = cjd_zap_accepted(p->zap);
}

size_t cjd_publisher_outputs(const struct cjd_publisher *p, struct cjd_output_stats *st,
			     size_t max)
{
	for (size_t i = 0; i < p->n_outputs && i < max; i++)
		cjd_output_stats(p->outputs[i], &st[i]);
	return p->n_outputs;
}

const char *cjd_publisher_endpoint(const struct cjd_publisher *p, size_t i)
{
	return i < p->n_bound ? p->bound[i] : NULL;
}

const struct cjd_json_host *cjd_publisher_host(const struct cjd_publisher *p)
{
	return &p->host;
}
