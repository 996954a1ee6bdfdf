/* sock_diag for the network probe: a NETLINK_SOCK_DIAG socket in a process's network namespace, dumps, and their parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "network_internal.h"

void cjd_diag_tcp_info(const void *info, size_t len, struct cjd_tcp_counters *out)
{
	struct tcp_info ti;

	/* Older kernels send a shorter struct; newer ones a longer one. Missing fields read 0. */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, info, len < sizeof(ti) ? len : sizeof(ti));
	memset(out, 0, sizeof(*out));
	out->bytes_acked = ti.tcpi_bytes_acked;
	out->bytes_received = ti.tcpi_bytes_received;
	out->segs_out = ti.tcpi_segs_out;
	out->segs_in = ti.tcpi_segs_in;
	out->data_segs_out = ti.tcpi_data_segs_out;
	out->data_segs_in = ti.tcpi_data_segs_in;
	out->have_data_segs = len >= offsetof(struct tcp_info, tcpi_data_segs_out) + 4;
	out->last_data_sent = ti.tcpi_last_data_sent;
	out->last_data_recv = ti.tcpi_last_data_recv;
	out->rtt = ti.tcpi_rtt;
}

static void parse_attrs(const struct inet_diag_msg *m, size_t len, struct cjd_net_entry *e)
{
	const struct rtattr *rta = (const struct rtattr *)(m + 1);
	int rlen = (int)len;

	for (; RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen))
		if (rta->rta_type == INET_DIAG_INFO) {
			cjd_diag_tcp_info(RTA_DATA(rta), RTA_PAYLOAD(rta), &e->info);
			e->have_info = true;
		}
}

int cjd_diag_parse(const void *buf, size_t len, int proto, struct cjd_net_list *out, bool *done)
{
	const struct nlmsghdr *h = buf;
	int left = len > INT_MAX ? INT_MAX : (int)len;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		const struct inet_diag_msg *m;
		struct cjd_net_entry e;
		int rc;

		if (h->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *ne = NLMSG_DATA(h);
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ne)))
				return -EPROTO;
			return ne->error < 0 ? ne->error : -EPROTO;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			return -EPROTO;
		m = NLMSG_DATA(h);
		memset(&e, 0, sizeof(e));
		e.family = m->idiag_family;
		e.proto = (uint8_t)proto;
		e.state = m->idiag_state;
		e.inode = m->idiag_inode;
		e.sport = ntohs(m->id.idiag_sport);
		e.dport = ntohs(m->id.idiag_dport);
		memcpy(e.src, m->id.idiag_src, 16);
		memcpy(e.dst, m->id.idiag_dst, 16);
		e.rxq = m->idiag_rqueue;
		e.txq = m->idiag_wqueue;
		parse_attrs(m, h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)), &e);
		if ((rc = cjd_net_list_add(out, &e)) != 0)
			return rc;
	}
	/* Bytes left that are not a whole message: the buffer was cut. */
	return left > 0 ? -EPROTO : 0;
}

struct ns_arg {
	char path[PATH_MAX];
	int fd;
};

/* Runs on a thread of its own: entering the namespace changes this thread only, and it ends. */
static void *ns_socket(void *p)
{
	struct ns_arg *a = p;
	int nsfd = open(a->path, O_RDONLY | O_CLOEXEC);

	if (nsfd < 0) {
		a->fd = errno == ENOENT ? -ESRCH : -errno;
		return NULL;
	}
	if (setns(nsfd, CLONE_NEWNET) != 0) {
		a->fd = -errno;
		close(nsfd);
		return NULL;
	}
	close(nsfd);
	a->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (a->fd < 0)
		a->fd = -errno;
	return NULL;
}

int cjd_diag_open(const char *proc, pid_t pid, bool same_netns)
{
	struct ns_arg a = {.fd = -EINVAL};
	pthread_t t;
	int fd, rc;

	if (same_netns) {
		fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		return fd < 0 ? -errno : fd;
	}
	cjd_ev_proc_path(a.path, sizeof(a.path), proc, pid, 0, "ns/net");
	if ((rc = pthread_create(&t, NULL, ns_socket, &a)) != 0)
		return -rc;
	pthread_join(t, NULL);
	return a.fd;
}

/* One dump request (family, protocol) and every reply until NLMSG_DONE. */
static int dump_one(int fd, int family, int proto, uint32_t seq, struct cjd_net_list *out)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	/* Aligned for nlmsghdr; 32 KiB holds a few hundred sockets per read. */
	long buf[32768 / sizeof(long)];
	bool done = false;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = seq;
	req.r.sdiag_family = (uint8_t)family;
	req.r.sdiag_protocol = (uint8_t)proto;
	req.r.idiag_states = ~0u;
	if (proto == IPPROTO_TCP)
		req.r.idiag_ext = 1 << (INET_DIAG_INFO - 1);
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int rc;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		if ((rc = cjd_diag_parse(buf, (size_t)n, proto, out, &done)) != 0)
			return rc;
	}
	return 0;
}

int cjd_diag_dump(int fd, struct cjd_net_list *out, bool *no_udp)
{
	static const int fam[] = {AF_INET, AF_INET6};
	uint32_t seq = 1;
	int rc;

	for (int i = 0; i < 2; i++) {
		if ((rc = dump_one(fd, fam[i], IPPROTO_TCP, seq++, out)) != 0)
			return rc;
		/* udp_diag may be absent (a module not loaded where cjd may not load it). */
		rc = dump_one(fd, fam[i], IPPROTO_UDP, seq++, out);
		if (rc == -ENOENT || rc == -EINVAL || rc == -EOPNOTSUPP)
			*no_udp = true;
		else if (rc)
			return rc;
	}
	return 0;
}
