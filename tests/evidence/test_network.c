/* The network probe's pure parts: /proc/net tables, fd link targets, sock_diag messages and tcp_info, roles and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "network_internal.h"

static const char tcp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 23817 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0F02000A:AFC8 04030201:0D05 01 00000020:00000010 02:000000F2 00000000  1000        0 99123 3 0000000000000000 20 4 30 10 -1\n";

static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20431 1 0000000000000000 100 0 0 10 0\n";

static const char udp4[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"  123: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   104        0 16452 2 0000000000000000 0\n";

static void test_procnet_parse(void **state)
{
	struct cjd_net_list l = {0};
	struct cjd_error err;
	const uint8_t lo[4] = {127, 0, 0, 1}, ten[4] = {10, 0, 2, 15}, pool[4] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(cjd_procnet_parse(tcp4, strlen(tcp4), AF_INET, IPPROTO_TCP, "tcp", &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.e[0].src, lo, 4);
	assert_int_equal(l.e[0].sport, 3306);
	assert_int_equal(l.e[0].state, 10);
	assert_int_equal(l.e[0].inode, 23817);
	assert_memory_equal(l.e[1].src, ten, 4);
	assert_memory_equal(l.e[1].dst, pool, 4);
	assert_int_equal(l.e[1].sport, 45000);
	assert_int_equal(l.e[1].dport, 3333);
	assert_int_equal(l.e[1].txq, 32);
	assert_int_equal(l.e[1].rxq, 16);
	assert_int_equal(l.e[1].proto, IPPROTO_TCP);
	assert_false(l.e[1].have_info);
	assert_int_equal(cjd_procnet_parse(tcp6, strlen(tcp6), AF_INET6, IPPROTO_TCP, "tcp6", &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.e[2].family, AF_INET6);
	assert_int_equal(l.e[2].src[15], 1); /* ::1 */
	assert_int_equal(l.e[2].sport, 22);
	assert_true(cjd_net_is_loopback(AF_INET6, l.e[2].src));
	assert_int_equal(cjd_procnet_parse(udp4, strlen(udp4), AF_INET, IPPROTO_UDP, "udp", &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.e[3].sport, 5353);
	assert_int_equal(l.e[3].state, 7);
	assert_int_equal(l.e[3].inode, 16452);
	cjd_net_list_release(&l);
	cjd_net_list_release(&l);
	cjd_net_list_release(NULL);
}

static void expect_error(const char *text, int family, int line, int col, const char *what)
{
	struct cjd_net_list l = {0};
	struct cjd_error err;

	if (cjd_procnet_parse(text, strlen(text), family, IPPROTO_TCP, "/proc/9/net/tcp", &l, &err) !=
	    -EINVAL)
		fail_msg("parsed: %s", text);
	cjd_net_list_release(&l);
	assert_string_equal(err.file, "/proc/9/net/tcp");
	if (err.line != line || err.column != col || !strstr(err.text, what))
		fail_msg("got %d:%d '%s', expected %d:%d '%s'", err.line, err.column, err.text, line, col,
			 what);
}

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

static void test_procnet_errors(void **state)
{
	(void)state;
	expect_error("", AF_INET, 0, 0, "empty");
	expect_error("garbage\n", AF_INET, 1, 1, "no header");
	expect_error(HDR "   x: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET, 2, 4, "slot number");
	expect_error(HDR "   0: 0100007:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET, 2, 7, "local address (8 hex");
	expect_error(HDR "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET6, 2, 7, "32 hex digits");
	expect_error(HDR "   0: 0100007F:0CEA 0000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET, 2, 21, "remote address");
	expect_error(HDR "   0: 0100007F:0CEA 00000000:0000 0D 00000000:00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET, 2, 35, "state");
	expect_error(HDR "   0: 0100007F:0CEA 00000000:0000 0A 00000000 00:00000000 00000000 0 0 1\n",
		     AF_INET, 2, 46, "tx_queue:rx_queue");
	expect_error(HDR "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0\n",
		     AF_INET, 2, 80, "inode");
	expect_error(HDR "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 u 0 1\n",
		     AF_INET, 2, 77, "uid");
}

static void test_socket_inode(void **state)
{
	(void)state;
	assert_int_equal(cjd_procnet_socket_inode("socket:[123]"), 123);
	assert_int_equal(cjd_procnet_socket_inode("pipe:[123]"), 0);
	assert_int_equal(cjd_procnet_socket_inode("socket:[12"), 0);
	assert_int_equal(cjd_procnet_socket_inode("socket:[]"), 0);
	assert_int_equal(cjd_procnet_socket_inode("socket:[1]x"), 0);
	assert_int_equal(cjd_procnet_socket_inode("/dev/null"), 0);
	assert_int_equal(cjd_procnet_socket_inode("anon_inode:[eventfd]"), 0);
}

/* Builds one SOCK_DIAG_BY_FAMILY message into buf at *off, with a tcp_info of info_len bytes. */
static void put_diag(uint8_t *buf, size_t *off, uint32_t inode, uint8_t state, uint16_t sport,
		     uint16_t dport, const struct tcp_info *ti, size_t info_len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	struct inet_diag_msg *m = NLMSG_DATA(h);
	size_t len = NLMSG_LENGTH(sizeof(*m));

	memset(h, 0, NLMSG_SPACE(sizeof(*m) + RTA_SPACE(sizeof(*ti))));
	m->idiag_family = AF_INET;
	m->idiag_state = state;
	m->idiag_inode = inode;
	m->id.idiag_sport = htons(sport);
	m->id.idiag_dport = htons(dport);
	m->id.idiag_src[0] = htonl(0x7f000001);
	m->id.idiag_dst[0] = htonl(0x7f000001);
	if (ti) {
		struct rtattr *rta = (struct rtattr *)(m + 1);
		rta->rta_type = INET_DIAG_INFO;
		rta->rta_len = (unsigned short)RTA_LENGTH(info_len);
		memcpy(RTA_DATA(rta), ti, info_len);
		len += RTA_ALIGN(rta->rta_len);
	}
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	*off += NLMSG_ALIGN(len);
}

static void put_done(uint8_t *buf, size_t *off, uint16_t type, int error)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);

	memset(h, 0, NLMSG_SPACE(sizeof(struct nlmsgerr)));
	h->nlmsg_type = type;
	h->nlmsg_len = type == NLMSG_ERROR ? NLMSG_LENGTH(sizeof(struct nlmsgerr)) : NLMSG_LENGTH(4);
	if (type == NLMSG_ERROR)
		((struct nlmsgerr *)NLMSG_DATA(h))->error = error;
	*off += NLMSG_ALIGN(h->nlmsg_len);
}

static void test_diag_parse(void **state)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	struct tcp_info ti = {0};
	struct cjd_net_list l = {0};
	size_t off = 0;
	bool done = false;

	(void)state;
	ti.tcpi_bytes_acked = 1000;
	ti.tcpi_bytes_received = 2000;
	ti.tcpi_data_segs_out = 10;
	ti.tcpi_data_segs_in = 20;
	ti.tcpi_segs_out = 30;
	ti.tcpi_last_data_sent = 5;
	ti.tcpi_rtt = 42;
	put_diag(buf, &off, 77, 1, 40000, 3333, &ti, sizeof(ti));
	put_diag(buf, &off, 78, 10, 3333, 0, NULL, 0);
	assert_int_equal(cjd_diag_parse(buf, off, IPPROTO_TCP, &l, &done), 0);
	assert_false(done);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.e[0].inode, 77);
	assert_int_equal(l.e[0].sport, 40000);
	assert_int_equal(l.e[0].dport, 3333);
	assert_int_equal(l.e[0].src[0], 127);
	assert_true(l.e[0].have_info);
	assert_int_equal(l.e[0].info.bytes_acked, 1000);
	assert_int_equal(l.e[0].info.bytes_received, 2000);
	assert_int_equal(l.e[0].info.data_segs_in, 20);
	assert_true(l.e[0].info.have_data_segs);
	assert_int_equal(l.e[0].info.rtt, 42);
	assert_false(l.e[1].have_info);
	assert_int_equal(l.e[1].state, 10);

	/* An old kernel's short tcp_info: no data-segment counters, and nothing read past it. */
	off = 0;
	put_diag(buf, &off, 79, 1, 1, 2, &ti, offsetof(struct tcp_info, tcpi_data_segs_in));
	put_done(buf, &off, NLMSG_DONE, 0);
	assert_int_equal(cjd_diag_parse(buf, off, IPPROTO_TCP, &l, &done), 0);
	assert_true(done);
	assert_int_equal(l.n, 3);
	assert_false(l.e[2].info.have_data_segs);
	assert_int_equal(l.e[2].info.bytes_acked, 1000);
	assert_int_equal(l.e[2].info.data_segs_out, 0);

	/* Errors: the kernel's, a cut message, a message too short for inet_diag_msg. */
	off = 0;
	put_done(buf, &off, NLMSG_ERROR, -ENOENT);
	assert_int_equal(cjd_diag_parse(buf, off, IPPROTO_UDP, &l, &done), -ENOENT);
	off = 0;
	put_diag(buf, &off, 80, 1, 1, 2, &ti, sizeof(ti));
	assert_int_equal(cjd_diag_parse(buf, off - 8, IPPROTO_TCP, &l, &done), -EPROTO);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	h->nlmsg_len = NLMSG_LENGTH(8);
	assert_int_equal(cjd_diag_parse(buf, NLMSG_ALIGN(h->nlmsg_len), IPPROTO_TCP, &l, &done), -EPROTO);
	assert_int_equal(l.n, 3);
	cjd_net_list_release(&l);
}

static void test_ports_and_loopback(void **state)
{
	const uint8_t v4lo[16] = {127, 1, 2, 3}, v4[16] = {10, 0, 0, 1};
	const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1};
	const uint8_t v6[16] = {0x20, 0x01, [15] = 1};

	(void)state;
	assert_true(cjd_net_pool_port(3333));
	assert_true(cjd_net_pool_port(14444));
	assert_true(cjd_net_pool_port(45700));
	assert_false(cjd_net_pool_port(443));
	assert_true(cjd_net_is_loopback(AF_INET, v4lo));
	assert_false(cjd_net_is_loopback(AF_INET, v4));
	assert_true(cjd_net_is_loopback(AF_INET6, mapped));
	assert_false(cjd_net_is_loopback(AF_INET6, v6));
	assert_string_equal(cjd_net_role_name(CJD_NET_INBOUND), "inbound");
	assert_string_equal(cjd_net_role_name(CJD_NET_ROLE__COUNT), "?");
}

static void test_json_and_words(void **state)
{
	struct cjd_net_sock s[2] = {{0}};
	struct cjd_network_result r = {0};
	char buf[600];
	json_t *j, *x;

	(void)state;
	s[0] = (struct cjd_net_sock){.role = CJD_NET_OUTBOUND, .family = AF_INET, .proto = IPPROTO_TCP,
				     .state = 1, .local = "10.0.0.2", .remote = "1.2.3.4", .lport = 45000,
				     .rport = 3333, .pool_port_hint = true, .have_info = true,
				     .win_bytes_sent = 320, .win_bytes_received = 640, .msgs_per_s = 2.5,
				     .seen_for_ms = 125000, .process_age_ms = 600000};
	s[1] = (struct cjd_net_sock){.role = CJD_NET_LISTEN, .family = AF_INET6, .proto = IPPROTO_TCP,
				     .state = 10, .local = "::", .remote = "::", .lport = 8080,
				     .seen_for_ms = -1, .process_age_ms = -1};
	r.socks = s;
	r.nsocks = 2;
	r.npids = 1;
	r.count[CJD_NET_OUTBOUND] = r.count[CJD_NET_LISTEN] = 1;
	r.used_diag = true;
	r.window_ns = 1000000000;
	assert_int_equal(cjd_network_to_json(&r, &j), 0);
	x = json_array_get(json_object_get(j, "sockets"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "role")), "outbound");
	assert_true(json_is_true(json_object_get(x, "pool_port_hint")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(x, "tcp"), "window_bytes_sent")), 320);
	x = json_array_get(json_object_get(j, "sockets"), 1);
	assert_true(json_is_null(json_object_get(x, "tcp")));
	assert_true(json_is_null(json_object_get(x, "seen_for_ms")));
	assert_string_equal(json_string_value(json_object_get(j, "source")), "sock_diag");
	json_decref(j);
	cjd_network_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "1 outbound TCP connection: 1.2.3.4:3333 (a port pools use: weak hint)"));
	assert_non_null(strstr(buf, "2.5 messages/s"));
	assert_non_null(strstr(buf, "open at least 125 s"));
	assert_non_null(strstr(buf, ". Also 1 listening socket."));

	/* quiet over the window: when data last moved; no history: the process's age bounds it */
	s[0].msgs_per_s = 0;
	s[0].win_bytes_sent = s[0].win_bytes_received = 0;
	s[0].last_send_ms = 4200;
	s[0].last_recv_ms = 12000;
	s[0].seen_for_ms = -1;
	r.count[CJD_NET_UDP] = 2;
	cjd_network_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "quiet for the 1.0 s watched (data last sent 4.2 s and received "
				    "12.0 s ago), open at most 600 s (its process's age)."));
	assert_non_null(strstr(buf, " Also 1 listening socket, 2 UDP sockets."));
}

static void test_bad_opts(void **state)
{
	struct cjd_network_result r;
	struct cjd_error err;
	pid_t p = 1;
	struct cjd_network_opts o = {.window_ns = 61000000000ull};
	char buf[200];

	(void)state;
	/* no processes: an empty result, not an error; a count without a list is one */
	assert_int_equal(cjd_network_run(NULL, 0, NULL, &r, &err), 0);
	assert_int_equal(r.nsocks, 0);
	cjd_network_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "No processes, so no sockets to look at.");
	assert_int_equal(cjd_network_run(NULL, 1, NULL, &r, &err), -EINVAL);
	assert_int_equal(cjd_network_run(&p, 1, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "60 s"));
	assert_int_equal(cjd_network_run(&p, 1, NULL, NULL, &err), -EINVAL);
	cjd_network_result_free(&r);
	cjd_network_history_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procnet_parse),     cmocka_unit_test(test_procnet_errors),
		cmocka_unit_test(test_socket_inode),      cmocka_unit_test(test_diag_parse),
		cmocka_unit_test(test_ports_and_loopback), cmocka_unit_test(test_json_and_words),
		cmocka_unit_test(test_bad_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
