/* The network probe: the targets' socket inodes, matched per network namespace, sampled twice, classified. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "cjd/common/time.h"
#include "internal.h"
#include "network_internal.h"

#define TCP_ESTABLISHED_STATE 1
#define TCP_LISTEN_STATE 10

/* Ports mining pools commonly use (stratum). A weak hint: any service may use them. */
static const uint16_t pool_ports[] = {3333, 4444, 5555, 6666, 7777, 8888, 9999, 14433, 14444,
				      45560, 45700};

bool cjd_net_pool_port(uint16_t port)
{
	for (size_t i = 0; i < sizeof(pool_ports) / sizeof(pool_ports[0]); i++)
		if (pool_ports[i] == port)
			return true;
	return false;
}

bool cjd_net_is_loopback(int family, const uint8_t a[16])
{
	static const uint8_t v6lo[16] = {[15] = 1};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (family == AF_INET)
		return a[0] == 127;
	return !memcmp(a, v6lo, 16) || (!memcmp(a, mapped, 12) && a[12] == 127);
}

static const char *const role_names[CJD_NET_ROLE__COUNT] = {"outbound", "inbound", "listen",
							     "udp", "other"};

const char *cjd_net_role_name(enum cjd_net_role r)
{
	return (unsigned)r < CJD_NET_ROLE__COUNT ? role_names[r] : "?";
}

/* ---- the history of first sightings ---- */

struct hist_entry {
	uint64_t netns, inode, first_ns, gen;
};

struct cjd_network_history {
	struct hist_entry *e;
	size_t n, cap;
	uint64_t gen;
};

struct cjd_network_history *cjd_network_history_new(void)
{
	return calloc(1, sizeof(struct cjd_network_history));
}

void cjd_network_history_free(struct cjd_network_history *h)
{
	if (!h)
		return;
	free(h->e);
	free(h);
}

/* ms since (netns, inode) was first seen; records it now when new. -1 on allocation failure. */
static int64_t hist_seen(struct cjd_network_history *h, uint64_t netns, uint64_t inode, uint64_t now)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->e[i].netns == netns && h->e[i].inode == inode) {
			h->e[i].gen = h->gen;
			return (int64_t)((now - h->e[i].first_ns) / 1000000);
		}
	if (cjd_array_reserve(h->e, h->cap, h->n + 1))
		return -1;
	h->e[h->n++] = (struct hist_entry){netns, inode, now, h->gen};
	return 0;
}

/* Forgets sockets this run did not see (closed, or no longer a target's). */
static void hist_prune(struct cjd_network_history *h)
{
	size_t k = 0;

	for (size_t i = 0; i < h->n; i++)
		if (h->e[i].gen == h->gen)
			h->e[k++] = h->e[i];
	h->n = k;
}

/* ---- one run ---- */

/* A socket inode held by a target, and where it lives. */
struct tsock {
	uint64_t inode;
	pid_t pid;
	size_t group;
};

/* One network namespace and its two samples. */
struct group {
	uint64_t netns; /* its inode, or a unique key when unreadable */
	pid_t pid;      /* a process in it, to reach it through */
	int fd;         /* sock_diag socket, or -1 */
	struct cjd_net_list s0, s1;
};

struct run {
	struct cjd_network_opts o;
	struct cjd_network_result *res;
	struct tsock *ts;
	size_t nts, tscap;
	struct group *g;
	size_t ng;
};

static void run_release(struct run *r)
{
	for (size_t i = 0; i < r->ng; i++) {
		if (r->g[i].fd >= 0)
			close(r->g[i].fd);
		cjd_net_list_release(&r->g[i].s0);
		cjd_net_list_release(&r->g[i].s1);
	}
	free(r->g);
	free(r->ts);
}

static uint64_t netns_of(const char *proc, pid_t pid, bool *ok)
{
	char path[PATH_MAX];
	struct stat st;

	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "ns/net");
	*ok = stat(path, &st) == 0;
	/* Unreadable: a key no namespace has, so this process gets a group (and /proc) of its own. */
	return *ok ? (uint64_t)st.st_ino : (1ull << 63) | (uint64_t)pid;
}

/* Collects the targets' socket inodes, grouped by network namespace. */
static int collect(struct run *r, const pid_t *pids, size_t npids)
{
	uint64_t *ino = NULL;
	size_t cap = 0;
	int rc = 0;

	r->g = calloc(npids, sizeof(*r->g));
	if (!r->g)
		return -ENOMEM;
	for (size_t i = 0; i < npids && !rc; i++) {
		size_t n = 0, gi;
		bool ok;
		uint64_t ns;

		rc = cjd_procnet_fd_sockets(r->o.proc, pids[i], &ino, &n, &cap);
		if (rc == -ESRCH || rc == -EACCES || rc == -EPERM) {
			r->res->pids_unreadable++;
			rc = 0;
			continue;
		}
		if (rc)
			break;
		r->res->npids++;
		ns = netns_of(r->o.proc, pids[i], &ok);
		for (gi = 0; gi < r->ng && r->g[gi].netns != ns; gi++)
			;
		if (gi == r->ng)
			r->g[r->ng++] = (struct group){.netns = ns, .pid = pids[i], .fd = -1};
		for (size_t k = 0; k < n; k++) {
			if (cjd_array_reserve(r->ts, r->tscap, r->nts + 1)) {
				rc = -ENOMEM;
				break;
			}
			r->ts[r->nts++] = (struct tsock){ino[k], pids[i], gi};
		}
	}
	free(ino);
	return rc;
}

static void note(struct run *r, const char *fmt, const char *what, int rc)
{
	if (!r->res->source_note[0])
		snprintf(r->res->source_note, sizeof(r->res->source_note), fmt, what, strerror(-rc));
}

/* The first sample of every namespace: sock_diag where it can, /proc otherwise. */
static int sample_first(struct run *r, struct cjd_error *err)
{
	bool self_ok;
	uint64_t self = netns_of(r->o.proc, getpid(), &self_ok);
	int rc;

	r->res->used_diag = true;
	for (size_t i = 0; i < r->ng; i++) {
		struct group *g = &r->g[i];
		bool no_udp = false;

		if (!r->o.no_diag) {
			g->fd = cjd_diag_open(r->o.proc, g->pid, self_ok && g->netns == self);
			if (g->fd < 0) {
				note(r, "sock_diag in %s's network namespace: %s; read /proc/PID/net "
					"instead (no byte counters)",
				     g->fd == -EPERM ? "another process" : "a process", g->fd);
			} else if ((rc = cjd_diag_dump(g->fd, &g->s0, &no_udp)) != 0) {
				note(r, "%s: %s; read /proc/PID/net instead", "sock_diag dump", rc);
				close(g->fd);
				g->fd = -1;
				cjd_net_list_release(&g->s0);
			}
		}
		if (g->fd >= 0 && !no_udp)
			continue;
		if (g->fd < 0)
			r->res->used_diag = false;
		struct cjd_net_list proc = {0};
		if ((rc = cjd_procnet_load(r->o.proc, g->pid, &proc, err)) != 0) {
			cjd_net_list_release(&proc);
			if (rc == -ESRCH)
				continue; /* gone since its fds were read: its sockets go unmatched */
			return rc;
		}
		/* With sock_diag but no udp_diag, only the UDP rows are taken from /proc. */
		for (size_t k = 0; k < proc.n && !rc; k++)
			if (g->fd < 0 || proc.e[k].proto == IPPROTO_UDP)
				rc = cjd_net_list_add(&g->s0, &proc.e[k]);
		cjd_net_list_release(&proc);
		if (rc)
			return cjd_error_set(err, rc, "network", 0, 0, "out of memory");
	}
	if (!r->o.no_diag && !r->res->used_diag && !r->res->source_note[0])
		snprintf(r->res->source_note, sizeof(r->res->source_note), "sock_diag unavailable");
	if (r->o.no_diag)
		snprintf(r->res->source_note, sizeof(r->res->source_note),
			 "/proc/PID/net by request (no byte counters)");
	return 0;
}

static const struct cjd_net_entry *find(const struct cjd_net_list *l, uint64_t inode)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].inode == inode)
			return &l->e[i];
	return NULL;
}

/* Is a listener of the namespace bound to this local port (any address of the family)? */
static bool has_listener(const struct cjd_net_list *l, const struct cjd_net_entry *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].proto == IPPROTO_TCP && l->e[i].state == TCP_LISTEN_STATE &&
		    l->e[i].sport == e->sport)
			return true;
	return false;
}

static enum cjd_net_role role_of(const struct cjd_net_list *all, const struct cjd_net_entry *e)
{
	if (e->proto == IPPROTO_UDP)
		return CJD_NET_UDP;
	if (e->state == TCP_LISTEN_STATE)
		return CJD_NET_LISTEN;
	if (e->state != TCP_ESTABLISHED_STATE)
		return CJD_NET_OTHER;
	/* Accepted sockets keep the listener's local port; connect() takes an ephemeral one. */
	return has_listener(all, e) ? CJD_NET_INBOUND : CJD_NET_OUTBOUND;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0; /* counters restart only with a new socket; never negative */
}

static void fill(struct run *r, const struct tsock *t, const struct group *g,
		 const struct cjd_net_entry *e, uint64_t now, struct cjd_net_sock *s)
{
	const struct cjd_net_entry *e1 = find(&g->s1, e->inode);
	double win_s = (double)r->res->window_ns / 1e9;

	memset(s, 0, sizeof(*s));
	s->inode = e->inode;
	s->pid = t->pid;
	s->family = e->family;
	s->proto = e->proto;
	s->state = e->state;
	s->role = role_of(&g->s0, e);
	inet_ntop(e->family, e->src, s->local, sizeof(s->local));
	inet_ntop(e->family, e->dst, s->remote, sizeof(s->remote));
	s->lport = e->sport;
	s->rport = e->dport;
	s->loopback = s->role != CJD_NET_LISTEN && e->dport && cjd_net_is_loopback(e->family, e->dst);
	s->pool_port_hint = s->role == CJD_NET_OUTBOUND && cjd_net_pool_port(e->dport);
	s->tx_queue = e->txq;
	s->rx_queue = e->rxq;
	if (e->have_info) {
		const struct cjd_tcp_counters *a = &e->info, *b = e1 && e1->have_info ? &e1->info : a;
		s->have_info = true;
		s->bytes_sent = b->bytes_acked;
		s->bytes_received = b->bytes_received;
		s->segs_out = b->have_data_segs ? b->data_segs_out : b->segs_out;
		s->segs_in = b->have_data_segs ? b->data_segs_in : b->segs_in;
		s->win_bytes_sent = sub0(b->bytes_acked, a->bytes_acked);
		s->win_bytes_received = sub0(b->bytes_received, a->bytes_received);
		s->win_segs_out = b->have_data_segs ? sub0(b->data_segs_out, a->data_segs_out)
						    : sub0(b->segs_out, a->segs_out);
		s->win_segs_in = b->have_data_segs ? sub0(b->data_segs_in, a->data_segs_in)
						   : sub0(b->segs_in, a->segs_in);
		s->msgs_per_s = win_s > 0 ? (double)(s->win_segs_out + s->win_segs_in) / win_s : 0;
		s->last_send_ms = b->last_data_sent;
		s->last_recv_ms = b->last_data_recv;
		s->rtt_us = b->rtt;
	}
	s->seen_for_ms = r->o.history ? hist_seen(r->o.history, g->netns, e->inode, now) : -1;
	s->process_age_ms = cjd_ev_process_age_ms(t->pid, r->o.proc);
}

static int cmp_tsock(const void *pa, const void *pb)
{
	const struct tsock *a = pa, *b = pb;

	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int cmp_sock(const void *pa, const void *pb)
{
	const struct cjd_net_sock *a = pa, *b = pb;

	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	if (a->rport != b->rport)
		return a->rport < b->rport ? -1 : 1;
	return a->lport < b->lport ? -1 : a->lport > b->lport;
}

static int build(struct run *r, uint64_t now)
{
	struct cjd_network_result *res = r->res;

	/* A socket shared by several processes (fork, SCM_RIGHTS) is reported once. */
	if (r->nts) /* qsort's array may not be NULL, even for no elements */
		qsort(r->ts, r->nts, sizeof(*r->ts), cmp_tsock);
	res->socks = calloc(r->nts ? r->nts : 1, sizeof(*res->socks));
	if (!res->socks)
		return -ENOMEM;
	for (size_t i = 0; i < r->nts; i++) {
		const struct tsock *t = &r->ts[i];
		const struct group *g = &r->g[t->group];
		const struct cjd_net_entry *e;

		if (i && t->inode == r->ts[i - 1].inode)
			continue;
		res->socket_fds++;
		if (!(e = find(&g->s0, t->inode))) {
			res->other_sockets++; /* unix, netlink, raw..., or closed since */
			continue;
		}
		if (res->nsocks == CJD_NETWORK_MAX_SOCKS) {
			res->truncated++;
			continue;
		}
		fill(r, t, g, e, now, &res->socks[res->nsocks]);
		res->count[res->socks[res->nsocks].role]++;
		res->nsocks++;
	}
	qsort(res->socks, res->nsocks, sizeof(*res->socks), cmp_sock);
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / CJD_NSEC_PER_SEC), (long)(ns % CJD_NSEC_PER_SEC)};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int cjd_network_run(const pid_t *pids, size_t npids, const struct cjd_network_opts *opts,
		    struct cjd_network_result *res, struct cjd_error *err)
{
	struct run r = {0};
	uint64_t t0;
	int rc;

	if (!res)
		return cjd_error_set(err, -EINVAL, "network", 0, 0, "no result given");
	memset(res, 0, sizeof(*res));
	cjd_error_clear(err);
	r.res = res;
	r.o = opts ? *opts : (struct cjd_network_opts){0};
	if (!r.o.window_ns)
		r.o.window_ns = CJD_NETWORK_DEFAULT_WINDOW_NS;
	if (!r.o.proc)
		r.o.proc = "/proc";
	if (!pids && npids)
		return cjd_error_set(err, -EINVAL, "network", 0, 0, "no process list given");
	if (!npids)
		return 0; /* an empty target: nothing to look at, and nothing wrong */
	if (r.o.window_ns > 60 * CJD_NSEC_PER_SEC)
		return cjd_error_set(err, -EINVAL, "network", 0, 0, "window over 60 s");
	if ((rc = collect(&r, pids, npids)) != 0) {
		cjd_error_set(err, rc, "network", 0, 0, "listing sockets: %s", strerror(-rc));
		goto out;
	}
	if (!res->npids) {
		rc = cjd_error_set(err, -ESRCH, "network", 0, 0,
				   "none of the %zu processes could be read (gone, or not allowed)",
				   npids);
		goto out;
	}
	res->nnetns = (unsigned)r.ng;
	if ((rc = sample_first(&r, err)) != 0)
		goto out;
	t0 = cjd_now_mono_ns();
	sleep_ns(r.o.window_ns);
	res->window_ns = cjd_now_mono_ns() - t0; /* from the end of one sample to the next's start */
	/* The second sample: TCP counters only move with sock_diag; /proc has none to compare. */
	for (size_t i = 0; i < r.ng; i++) {
		bool no_udp = false;
		if (r.g[i].fd >= 0 && cjd_diag_dump(r.g[i].fd, &r.g[i].s1, &no_udp) != 0)
			cjd_net_list_release(&r.g[i].s1); /* rates unknown for it: the first sample stands */
	}
	if (r.o.history)
		r.o.history->gen++;
	if ((rc = build(&r, cjd_now_mono_ns())) != 0) {
		cjd_error_set(err, rc, "network", 0, 0, "out of memory");
		goto out;
	}
	if (r.o.history)
		hist_prune(r.o.history);
out:
	run_release(&r);
	return rc;
}

void cjd_network_result_free(struct cjd_network_result *res)
{
	if (!res)
		return;
	free(res->socks);
	res->socks = NULL;
	res->nsocks = 0;
}
