/* Network probe: the TCP and UDP sockets of a set of processes, their peers, and their traffic over a short window. */
#ifndef CJD_EVIDENCE_NETWORK_H
#define CJD_EVIDENCE_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * The probe lists the socket inodes in /proc/PID/fd, finds them with
 * sock_diag (NETLINK_SOCK_DIAG, with struct tcp_info) in each process's
 * network namespace, or else in /proc/PID/net/{tcp,tcp6,udp,udp6}, samples
 * the TCP counters twice, a window apart, and reports established outbound
 * and inbound connections, listening sockets and UDP sockets. See
 * docs/evidence.md ("Network") for how another namespace is reached and what
 * each figure means.
 *
 * Threading: no global state; a history may be used by one run at a time.
 * Errors: 0 or a negative errno with err filled, never exit.
 */

#define CJD_NETWORK_DEFAULT_WINDOW_NS 1000000000ull /* 1 s between the two samples */
#define CJD_NETWORK_MAX_SOCKS 4096                  /* sockets reported; more are counted */

/*
 * Connection ages across runs: the first time each socket was seen (a
 * socket's creation time is not exposed by the kernel). Owned by the caller
 * (the agent keeps one for its lifetime). Entries not seen by a run are
 * forgotten by it.
 */
struct cjd_network_history;
struct cjd_network_history *cjd_network_history_new(void);
void cjd_network_history_free(struct cjd_network_history *h);

/* Options; zero-initialise: every 0 means the default. */
struct cjd_network_opts {
	uint64_t window_ns; /* between the two counter samples, default 1 s; at most 60 s */
	bool no_diag;       /* use /proc/PID/net only (tests, or kernels without inet_diag) */
	const char *proc;   /* procfs root; NULL: "/proc" (tests point it at fixtures) */
	struct cjd_network_history *history; /* the caller's; NULL: ages unknown beyond this run */
};

enum cjd_net_role {
	CJD_NET_OUTBOUND, /* established, connected from here: the local port is no listener's */
	CJD_NET_INBOUND,  /* established, accepted by one of the netns's listeners */
	CJD_NET_LISTEN,
	CJD_NET_UDP,
	CJD_NET_OTHER,    /* TCP in another state (SYN_SENT, TIME_WAIT, CLOSE_WAIT...) */
	CJD_NET_ROLE__COUNT
};

/* "outbound", "inbound", "listen", "udp", "other". */
const char *cjd_net_role_name(enum cjd_net_role r);

struct cjd_net_sock {
	uint64_t inode;
	pid_t pid;                  /* the (first) target process holding it */
	enum cjd_net_role role;
	int family;                 /* AF_INET or AF_INET6 */
	int proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	int state;                  /* TCP state (1 established, 10 listen...); UDP: 1 connected, 7 not */
	char local[46], remote[46]; /* numeric addresses */
	uint16_t lport, rport;
	bool loopback;              /* the peer is on this host (127/8, ::1) */
	bool pool_port_hint;        /* outbound to a port mining pools often use: a weak hint only */

	bool have_info;             /* tcp_info was read (sock_diag); else the counters are 0 */
	uint64_t bytes_sent, bytes_received;       /* totals since the connection began */
	uint64_t segs_out, segs_in;                /* data segments, totals */
	uint64_t win_bytes_sent, win_bytes_received; /* over the window */
	uint64_t win_segs_out, win_segs_in;
	double msgs_per_s;          /* data segments per second over the window, both ways */
	uint32_t last_send_ms, last_recv_ms; /* since the last data sent / received */
	uint32_t rtt_us;
	uint32_t tx_queue, rx_queue;         /* bytes queued (from /proc; 0 with sock_diag) */

	int64_t seen_for_ms;        /* since the history first saw it, -1 without a history */
	int64_t process_age_ms;     /* its process's age: an upper bound on the connection's */
};

struct cjd_network_result {
	struct cjd_net_sock *socks; /* every TCP/UDP socket of the targets, outbound first */
	size_t nsocks;
	size_t count[CJD_NET_ROLE__COUNT];
	size_t socket_fds;          /* socket inodes in the targets' fds */
	size_t other_sockets;       /* of those, not TCP/UDP (unix, netlink...) or not found */
	size_t truncated;           /* sockets beyond CJD_NETWORK_MAX_SOCKS, counted only */
	unsigned npids, pids_unreadable, nnetns;
	bool used_diag;             /* sock_diag in every namespace; false: /proc for some */
	char source_note[200];      /* why /proc was used where it was */
	uint64_t window_ns;
};

/* Frees res->socks (accepts NULL and a zeroed result). */
void cjd_network_result_free(struct cjd_network_result *res);

/*
 * Inspects the sockets of pids[0..npids): two samples of the TCP counters,
 * opts->window_ns apart. res is overwritten (free it with
 * cjd_network_result_free, also after an error). Processes that cannot be
 * read (gone, not allowed) are counted in pids_unreadable. Reaching another
 * network namespace with sock_diag needs CAP_SYS_ADMIN; without it that
 * namespace is read from /proc/PID/net (no byte counters). No processes
 * (npids 0: an empty target) give an empty result. Returns 0, -EINVAL,
 * -ENOMEM, or -ESRCH when none of the processes could be read.
 */
int cjd_network_run(const pid_t *pids, size_t npids, const struct cjd_network_opts *opts,
		    struct cjd_network_result *res, struct cjd_error *err);

/* The result as a JSON object (*out is a new reference). Returns 0 or -ENOMEM. */
int cjd_network_to_json(const struct cjd_network_result *res, json_t **out);

/* One or two sentences for a responder (snprintf contract: returns the length needed). */
int cjd_network_describe(const struct cjd_network_result *res, char *buf, size_t len);

/*
 * Whether the probe can run: always, for processes it may read. why tells
 * what is limited: without CAP_SYS_PTRACE only this user's processes' fds
 * are readable; without CAP_SYS_ADMIN other namespaces have no byte counters.
 */
bool cjd_network_available(char *why, size_t len);

#endif
