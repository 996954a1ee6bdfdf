/* The network probe's inner units (socket entries, /proc parsers, sock_diag), declared for each other and for tests. */
#ifndef CJD_EVIDENCE_NETWORK_INTERNAL_H
#define CJD_EVIDENCE_NETWORK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"
#include "cjd/evidence/network.h"

/* The TCP counters the probe uses, from struct tcp_info. */
struct cjd_tcp_counters {
	uint64_t bytes_acked, bytes_received;
	uint32_t segs_out, segs_in;           /* all segments */
	uint32_t data_segs_out, data_segs_in; /* segments carrying data (kernel 4.6+) */
	bool have_data_segs;
	uint32_t last_data_sent, last_data_recv; /* ms */
	uint32_t rtt;                         /* us */
};

/* One socket of a network namespace, as sock_diag or /proc/net lists it. */
struct cjd_net_entry {
	uint64_t inode;
	uint8_t family, proto, state;
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t sport, dport;    /* host order */
	uint32_t txq, rxq;
	bool have_info;
	struct cjd_tcp_counters info;
};

/* A growable list of entries. */
struct cjd_net_list {
	struct cjd_net_entry *e;
	size_t n, cap;
};

/* Appends a copy of e. Returns 0 or -ENOMEM. */
int cjd_net_list_add(struct cjd_net_list *l, const struct cjd_net_entry *e);
void cjd_net_list_release(struct cjd_net_list *l);

/* ---- /proc (network_procnet.c) ---- */

/*
 * Parses a /proc/net/{tcp,tcp6,udp,udp6} text (family AF_INET or AF_INET6,
 * proto IPPROTO_TCP or IPPROTO_UDP) and appends its sockets to out. The
 * header line is checked and skipped. A malformed line gives -EINVAL with err
 * at file:line:column naming the field. Returns 0, -EINVAL or -ENOMEM.
 */
int cjd_procnet_parse(const char *text, size_t len, int family, int proto, const char *file,
		      struct cjd_net_list *out, struct cjd_error *err);

/* Reads <proc>/<pid>/net/{tcp,tcp6,udp,udp6} (a missing tcp6/udp6 is fine: no IPv6). */
int cjd_procnet_load(const char *proc, pid_t pid, struct cjd_net_list *out,
		     struct cjd_error *err);

/*
 * The inode in a /proc/PID/fd link target "socket:[12345]", or 0 when the
 * target is not a socket.
 */
uint64_t cjd_procnet_socket_inode(const char *link);

/*
 * Appends the socket inodes among <proc>/<pid>/fd's links to *inodes
 * (growable, *n and *cap). Returns 0, -ESRCH (gone), -EACCES (not allowed)
 * or -ENOMEM.
 */
int cjd_procnet_fd_sockets(const char *proc, pid_t pid, uint64_t **inodes, size_t *n,
			   size_t *cap);

/* ---- sock_diag (network_diag.c) ---- */

/* Copies the counters out of a tcp_info of `len` bytes (older kernels send less). */
void cjd_diag_tcp_info(const void *info, size_t len, struct cjd_tcp_counters *out);

/*
 * Parses one recv() of an inet_diag dump (a run of nlmsghdr) and appends its
 * sockets to out (proto as asked for). *done is set at NLMSG_DONE. An
 * NLMSG_ERROR gives its error; a truncated or malformed message -EPROTO.
 * Returns 0, -EPROTO, -ENOMEM or the netlink error.
 */
int cjd_diag_parse(const void *buf, size_t len, int proto, struct cjd_net_list *out, bool *done);

/*
 * A NETLINK_SOCK_DIAG socket in pid's network namespace: created right here
 * when it is ours, else by a short-lived thread that enters it with setns
 * (CAP_SYS_ADMIN) so this thread never changes namespace. Returns the fd or
 * a negative errno (-EPERM without the capability).
 */
int cjd_diag_open(const char *proc, pid_t pid, bool same_netns);

/* Dumps every TCP and UDP socket (IPv4 and IPv6) of the fd's namespace, TCP with tcp_info.
 * *no_udp is set when the kernel has no udp_diag (UDP sockets then come from /proc). */
int cjd_diag_dump(int fd, struct cjd_net_list *out, bool *no_udp);

/* ---- classification (network.c) ---- */

/* True when the port is one mining pools often use (docs/evidence.md lists them). */
bool cjd_net_pool_port(uint16_t port);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool cjd_net_is_loopback(int family, const uint8_t addr[16]);

#endif
