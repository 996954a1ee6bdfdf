/* The network probe's result as JSON and as words, and whether it can run here. */
#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cjd/common/caps.h"
#include "internal.h"
#include "network_internal.h"

static json_t *sock_json(const struct cjd_net_sock *s, int *rc)
{
	json_t *o = json_object();

	if (!o) {
		*rc = -ENOMEM;
		return NULL;
	}
	cjd_ev_json_put(o, "role", json_string(cjd_net_role_name(s->role)), rc);
	cjd_ev_json_put(o, "proto", json_string(s->proto == IPPROTO_UDP ? "udp" : "tcp"), rc);
	cjd_ev_json_put(o, "state", json_integer(s->state), rc);
	cjd_ev_json_put(o, "pid", json_integer(s->pid), rc);
	cjd_ev_json_put(o, "inode", json_integer((json_int_t)s->inode), rc);
	cjd_ev_json_put(o, "local", json_string(s->local), rc);
	cjd_ev_json_put(o, "local_port", json_integer(s->lport), rc);
	cjd_ev_json_put(o, "remote", json_string(s->remote), rc);
	cjd_ev_json_put(o, "remote_port", json_integer(s->rport), rc);
	cjd_ev_json_put(o, "loopback", json_boolean(s->loopback), rc);
	cjd_ev_json_put(o, "pool_port_hint", json_boolean(s->pool_port_hint), rc);
	cjd_ev_json_put(o, "seen_for_ms",
			s->seen_for_ms >= 0 ? json_integer(s->seen_for_ms) : json_null(), rc);
	cjd_ev_json_put(o, "process_age_ms",
			s->process_age_ms >= 0 ? json_integer(s->process_age_ms) : json_null(), rc);
	if (s->proto == IPPROTO_TCP && s->have_info) {
		json_t *t = json_object();
		if (!t) {
			*rc = -ENOMEM;
			return o;
		}
		cjd_ev_json_put(t, "bytes_sent", json_integer((json_int_t)s->bytes_sent), rc);
		cjd_ev_json_put(t, "bytes_received", json_integer((json_int_t)s->bytes_received),
				rc);
		cjd_ev_json_put(t, "segs_out", json_integer((json_int_t)s->segs_out), rc);
		cjd_ev_json_put(t, "segs_in", json_integer((json_int_t)s->segs_in), rc);
		cjd_ev_json_put(t, "window_bytes_sent", json_integer((json_int_t)s->win_bytes_sent),
				rc);
		cjd_ev_json_put(t, "window_bytes_received",
				json_integer((json_int_t)s->win_bytes_received), rc);
		cjd_ev_json_put(t, "window_segs_out", json_integer((json_int_t)s->win_segs_out),
				rc);
		cjd_ev_json_put(t, "window_segs_in", json_integer((json_int_t)s->win_segs_in), rc);
		cjd_ev_json_put(t, "msgs_per_s", json_real(s->msgs_per_s), rc);
		cjd_ev_json_put(t, "last_send_ms", json_integer(s->last_send_ms), rc);
		cjd_ev_json_put(t, "last_recv_ms", json_integer(s->last_recv_ms), rc);
		cjd_ev_json_put(t, "rtt_us", json_integer(s->rtt_us), rc);
		cjd_ev_json_put(o, "tcp", t, rc);
	} else {
		cjd_ev_json_put(o, "tcp", json_null(), rc);
	}
	cjd_ev_json_put(o, "tx_queue", json_integer(s->tx_queue), rc);
	cjd_ev_json_put(o, "rx_queue", json_integer(s->rx_queue), rc);
	return o;
}

int cjd_network_to_json(const struct cjd_network_result *r, json_t **out)
{
	json_t *o = json_object(), *cnt = json_object(), *arr = json_array();
	int rc = 0;

	*out = NULL;
	if (!o || !cnt || !arr) {
		json_decref(o);
		json_decref(cnt);
		json_decref(arr);
		return -ENOMEM;
	}
	cjd_ev_json_put(o, "window_s", json_real((double)r->window_ns / 1e9), &rc);
	cjd_ev_json_put(o, "source", json_string(r->used_diag ? "sock_diag" : "proc"), &rc);
	cjd_ev_json_put(o, "source_note", json_string(r->source_note), &rc);
	cjd_ev_json_put(o, "processes", json_integer(r->npids), &rc);
	cjd_ev_json_put(o, "processes_unreadable", json_integer(r->pids_unreadable), &rc);
	cjd_ev_json_put(o, "netns", json_integer(r->nnetns), &rc);
	cjd_ev_json_put(o, "socket_fds", json_integer((json_int_t)r->socket_fds), &rc);
	cjd_ev_json_put(o, "other_sockets", json_integer((json_int_t)r->other_sockets), &rc);
	cjd_ev_json_put(o, "truncated", json_integer((json_int_t)r->truncated), &rc);
	for (int k = 0; k < CJD_NET_ROLE__COUNT; k++)
		cjd_ev_json_put(cnt, cjd_net_role_name((enum cjd_net_role)k),
				json_integer((json_int_t)r->count[k]), &rc);
	cjd_ev_json_put(o, "counts", cnt, &rc);
	for (size_t i = 0; i < r->nsocks && !rc; i++) {
		json_t *s = sock_json(&r->socks[i], &rc);
		if (!s || json_array_append_new(arr, s) != 0)
			rc = -ENOMEM;
	}
	cjd_ev_json_put(o, "sockets", arr, &rc);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* "127.0.0.1:3333" with brackets for IPv6. */
static void add_peer(char *buf, size_t len, size_t *pos, const struct cjd_net_sock *s)
{
	if (s->family == AF_INET6)
		cjd_ev_appendf(buf, len, pos, "[%s]:%u", s->remote, s->rport);
	else
		cjd_ev_appendf(buf, len, pos, "%s:%u", s->remote, s->rport);
}

/* What one outbound connection did over the window, and how old it is. */
static void add_outbound(char *buf, size_t len, size_t *pos, const struct cjd_net_sock *s,
			 double win_s)
{
	add_peer(buf, len, pos, s);
	if (s->pool_port_hint)
		cjd_ev_appendf(buf, len, pos, " (a port pools use: weak hint)");
	if (s->have_info &&
	    (s->msgs_per_s > 0 || s->win_bytes_sent || s->win_bytes_received)) {
		char tx[32], rx[32];
		cjd_ev_fmt_bytes(s->win_bytes_sent, tx, sizeof(tx));
		cjd_ev_fmt_bytes(s->win_bytes_received, rx, sizeof(rx));
		cjd_ev_appendf(buf, len, pos,
			       ", %.1f messages/s, %s sent and %s received in %.1f s",
			       s->msgs_per_s, tx, rx, win_s);
	} else if (s->have_info) {
		cjd_ev_appendf(buf, len, pos,
			       ", quiet for the %.1f s watched (data last sent %.1f s and received "
			       "%.1f s ago)",
			       win_s, s->last_send_ms / 1e3, s->last_recv_ms / 1e3);
	}
	if (s->seen_for_ms > 0)
		cjd_ev_appendf(buf, len, pos, ", open at least %.0f s",
			       (double)s->seen_for_ms / 1e3);
	else if (s->process_age_ms >= 0)
		cjd_ev_appendf(buf, len, pos, ", open at most %.0f s (its process's age)",
			       (double)s->process_age_ms / 1e3);
}

/* "2 listening sockets" into the list of what else there is. */
static void add_count(char *buf, size_t len, size_t *pos, bool *first, size_t n,
		      const char *one, const char *many)
{
	if (!n)
		return;
	cjd_ev_appendf(buf, len, pos, "%s%zu %s", *first ? " Also " : ", ", n, n == 1 ? one : many);
	*first = false;
}

int cjd_network_describe(const struct cjd_network_result *r, char *buf, size_t len)
{
	size_t pos = 0, shown = 0, out = r->count[CJD_NET_OUTBOUND];
	double win_s = (double)r->window_ns / 1e9;
	bool first = true;

	if (len)
		buf[0] = '\0';
	if (!r->npids && !r->pids_unreadable) {
		cjd_ev_appendf(buf, len, &pos, "No processes, so no sockets to look at.");
		return (int)pos;
	}
	if (!r->nsocks) {
		cjd_ev_appendf(buf, len, &pos, "No TCP or UDP sockets");
		if (r->other_sockets)
			cjd_ev_appendf(buf, len, &pos,
				       " (%zu other socket%s: unix, netlink, or not "
				       "bound)",
				       r->other_sockets, r->other_sockets == 1 ? "" : "s");
		cjd_ev_appendf(buf, len, &pos, ".");
	} else {
		if (!out)
			cjd_ev_appendf(buf, len, &pos, "No outbound TCP connection.");
		else
			cjd_ev_appendf(buf, len, &pos, "%zu outbound TCP connection%s: ", out,
				       out == 1 ? "" : "s");
		for (size_t i = 0; i < r->nsocks && shown < 3; i++) {
			if (r->socks[i].role != CJD_NET_OUTBOUND)
				continue;
			cjd_ev_appendf(buf, len, &pos, "%s", shown++ ? "; " : "");
			add_outbound(buf, len, &pos, &r->socks[i], win_s);
		}
		if (out > shown)
			cjd_ev_appendf(buf, len, &pos, "; and %zu more", out - shown);
		if (out)
			cjd_ev_appendf(buf, len, &pos, ".");
		add_count(buf, len, &pos, &first, r->count[CJD_NET_INBOUND], "inbound connection",
			  "inbound connections");
		add_count(buf, len, &pos, &first, r->count[CJD_NET_LISTEN], "listening socket",
			  "listening sockets");
		add_count(buf, len, &pos, &first, r->count[CJD_NET_UDP], "UDP socket",
			  "UDP sockets");
		add_count(buf, len, &pos, &first, r->count[CJD_NET_OTHER],
			  "TCP socket in another state", "TCP sockets in other states");
		if (!first)
			cjd_ev_appendf(buf, len, &pos, ".");
	}
	if (r->pids_unreadable)
		cjd_ev_appendf(buf, len, &pos,
			       " %u process%s could not be read (gone, or not allowed).",
			       r->pids_unreadable, r->pids_unreadable == 1 ? "" : "es");
	if (r->nsocks && !r->used_diag)
		cjd_ev_appendf(buf, len, &pos, " No byte counters: %s.", r->source_note);
	return (int)pos;
}

bool cjd_network_available(char *why, size_t len)
{
	bool ptrace = cjd_caps_have(CAP_SYS_PTRACE), admin = cjd_caps_have(CAP_SYS_ADMIN);

	if (!ptrace && !admin)
		snprintf(why, len, "without CAP_SYS_PTRACE only this user's processes' sockets are "
				   "seen, and without CAP_SYS_ADMIN other network namespaces have no "
				   "byte counters");
	else if (!ptrace)
		snprintf(why, len, "without CAP_SYS_PTRACE only this user's processes' sockets are seen");
	else if (!admin)
		snprintf(why, len, "without CAP_SYS_ADMIN other network namespaces are read from "
				   "/proc/PID/net: no byte counters or message rates there");
	else if (len)
		why[0] = '\0';
	return true;
}
