/* /proc for the network probe: socket inodes in /proc/PID/fd, /proc/PID/net/{tcp,udp}[6], and process ages. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cjd/common/array.h"
#include "internal.h"
#include "network_internal.h"
#include "textcur_internal.h"

int cjd_net_list_add(struct cjd_net_list *l, const struct cjd_net_entry *e)
{
	if (cjd_array_reserve(l->e, l->cap, l->n + 1))
		return -ENOMEM;
	l->e[l->n++] = *e;
	return 0;
}

void cjd_net_list_release(struct cjd_net_list *l)
{
	if (!l)
		return;
	free(l->e);
	l->e = NULL;
	l->n = l->cap = 0;
}

/* "0100007F:1F90": the address as the kernel prints it (32-bit words in host order), then the port. */
static int parse_endpoint(struct cjd_cur *c, int family, uint8_t addr[16], uint16_t *port)
{
	int words = family == AF_INET6 ? 4 : 1;
	const char *start = c->p;
	uint64_t v;

	memset(addr, 0, 16);
	for (int i = 0; i < words; i++) {
		const char *at = c->p;
		uint32_t w;
		if (cjd_cur_hex(c, 8, &v) != 0 || c->p - at != 8) {
			c->p = start; /* exactly 8 digits a word; errors point at the address */
			return -EINVAL;
		}
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, 4); /* back to the bytes the kernel had: network order */
	}
	if (!cjd_cur_eat(c, ':') || cjd_cur_hex(c, 4, &v) != 0) {
		c->p = start;
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

/* One socket line; *what names the field that did not parse. */
static int parse_sock_line(struct cjd_cur *c, int family, struct cjd_net_entry *e, const char **what)
{
	uint64_t v, tx, rx, ino;

	cjd_cur_spaces(c);
	if (cjd_cur_dec(c, &v) != 0 || !cjd_cur_eat(c, ':')) {
		*what = "expected the slot number 'N:'";
		return -EINVAL;
	}
	cjd_cur_spaces(c);
	if (parse_endpoint(c, family, e->src, &e->sport) != 0) {
		*what = family == AF_INET6 ? "expected the local address (32 hex digits:port)"
					   : "expected the local address (8 hex digits:port)";
		return -EINVAL;
	}
	if (!cjd_cur_eat(c, ' ') || parse_endpoint(c, family, e->dst, &e->dport) != 0) {
		*what = "expected the remote address";
		return -EINVAL;
	}
	const char *at = c->p + 1;
	if (!cjd_cur_eat(c, ' ') || cjd_cur_hex(c, 2, &v) != 0 || v == 0 || v > 12) {
		c->p = at; /* point at the bad value */
		*what = "expected the state (hex 01-0C)";
		return -EINVAL;
	}
	e->state = (uint8_t)v;
	if (!cjd_cur_eat(c, ' ') || cjd_cur_hex(c, 8, &tx) != 0 || !cjd_cur_eat(c, ':') ||
	    cjd_cur_hex(c, 8, &rx) != 0) {
		*what = "expected tx_queue:rx_queue";
		return -EINVAL;
	}
	e->txq = (uint32_t)tx;
	e->rxq = (uint32_t)rx;
	/* tr:tm->when and retrnsmt are not used, but must be there. */
	if (!cjd_cur_eat(c, ' ') || cjd_cur_hex(c, 2, &v) != 0 || !cjd_cur_eat(c, ':') ||
	    cjd_cur_hex(c, 8, &v) != 0 || !cjd_cur_eat(c, ' ') || cjd_cur_hex(c, 8, &v) != 0) {
		*what = "expected the timer and retransmit fields";
		return -EINVAL;
	}
	if (!cjd_cur_spaces(c) || cjd_cur_dec(c, &v) != 0) {
		*what = "expected the uid";
		return -EINVAL;
	}
	if (!cjd_cur_spaces(c) || cjd_cur_dec(c, &v) != 0) {
		*what = "expected the timeout";
		return -EINVAL;
	}
	if (!cjd_cur_spaces(c) || cjd_cur_dec(c, &ino) != 0) {
		*what = "expected the inode";
		return -EINVAL;
	}
	e->inode = ino;
	return 0;
}

int cjd_procnet_parse(const char *text, size_t len, int family, int proto, const char *file,
		      struct cjd_net_list *out, struct cjd_error *err)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct cjd_cur c = {p, p, nl ? nl : end};
		struct cjd_net_entry e = {.family = (uint8_t)family, .proto = (uint8_t)proto};
		const char *what = NULL;
		int rc;

		lineno++;
		p = nl ? nl + 1 : end;
		if (lineno == 1) {
			/* "  sl  local_address rem_address   st tx_queue rx_queue ..." */
			if (!memmem(c.line, (size_t)(c.end - c.line), "local_address", 13))
				return cjd_error_set(err, -EINVAL, file, 1, 1,
						     "not a /proc/net socket table (no header line)");
			continue;
		}
		if (c.end == c.line)
			continue;
		rc = parse_sock_line(&c, family, &e, &what);
		if (rc)
			return cjd_error_set(err, rc, file, lineno, cjd_cur_col(&c), "%s", what);
		if ((rc = cjd_net_list_add(out, &e)) != 0)
			return cjd_error_set(err, rc, file, lineno, 0, "out of memory");
	}
	if (!lineno)
		return cjd_error_set(err, -EINVAL, file, 0, 0, "empty: not a /proc/net socket table");
	return 0;
}

int cjd_procnet_load(const char *proc, pid_t pid, struct cjd_net_list *out,
		     struct cjd_error *err)
{
	static const struct {
		const char *name;
		int family, proto;
	} tabs[] = {{"tcp", AF_INET, IPPROTO_TCP},
		    {"tcp6", AF_INET6, IPPROTO_TCP},
		    {"udp", AF_INET, IPPROTO_UDP},
		    {"udp6", AF_INET6, IPPROTO_UDP}};

	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		char path[PATH_MAX], file[32], *text;
		size_t len;
		int rc;

		snprintf(file, sizeof(file), "net/%s", tabs[i].name);
		cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, file);
		rc = cjd_ev_slurp(path, &text, &len);
		if (rc == -ENOENT && tabs[i].family == AF_INET6)
			continue; /* a kernel without IPv6 */
		if (rc)
			return cjd_error_set(err, rc == -ENOENT ? -ESRCH : rc, path, 0, 0,
					     "cannot read: %s", strerror(-rc));
		rc = cjd_procnet_parse(text, len, tabs[i].family, tabs[i].proto, path, out, err);
		free(text);
		if (rc)
			return rc;
	}
	return 0;
}

uint64_t cjd_procnet_socket_inode(const char *link)
{
	struct cjd_cur c = {link, link + 8, link + strlen(link)};
	uint64_t ino;

	if (strncmp(link, "socket:[", 8) || cjd_cur_dec(&c, &ino) || !cjd_cur_eat(&c, ']') ||
	    c.p != c.end)
		return 0;
	return ino;
}

int cjd_procnet_fd_sockets(const char *proc, pid_t pid, uint64_t **inodes, size_t *n,
			   size_t *cap)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	cjd_ev_proc_path(path, sizeof(path), proc, pid, 0, "fd");
	if (!(d = opendir(path)))
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		char lp[PATH_MAX + 300], target[64];
		ssize_t k;
		uint64_t ino;

		if (de->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, de->d_name);
		k = readlink(lp, target, sizeof(target) - 1);
		if (k <= 0)
			continue; /* closed since the listing */
		target[k] = '\0';
		if (!(ino = cjd_procnet_socket_inode(target)))
			continue;
		if (cjd_array_reserve(*inodes, *cap, *n + 1)) {
			rc = -ENOMEM;
			break;
		}
		(*inodes)[(*n)++] = ino;
	}
	closedir(d);
	return rc;
}
