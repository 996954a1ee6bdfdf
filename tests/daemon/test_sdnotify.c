/* Unit tests for daemon/sdnotify.c against datagram sockets the test binds (a path and an abstract name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cjd/daemon/sdnotify.h"

/* Binds a datagram socket at name ("@x" abstract, else a path) and points NOTIFY_SOCKET at it. */
static int bind_listener(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(len < sizeof(a.sun_path));
	memcpy(a.sun_path, name, len);
	if (name[0] == '@')
		a.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&a,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
					  (name[0] != '@'))),
			 0);
	setenv("NOTIFY_SOCKET", name, 1);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[8192];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void send_three(int fd)
{
	struct cjd_sdnotify *n;

	assert_int_equal(cjd_sdnotify_new(&n), 0);
	assert_non_null(n);
	assert_int_equal(cjd_sdnotify_send(n, "READY=1\nSTATUS=software mode, 3 cgroups"), 0);
	assert_int_equal(cjd_sdnotify_sendf(n, "STATUS=%s, model %s", "hardware mode", "hw"), 0);
	assert_int_equal(cjd_sdnotify_send(n, "WATCHDOG=1"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=software mode, 3 cgroups");
	expect_datagram(fd, "STATUS=hardware mode, model hw");
	expect_datagram(fd, "WATCHDOG=1");
	cjd_sdnotify_free(n);
}

static void test_path_socket(void **state)
{
	char path[64];
	(void)state;

	snprintf(path, sizeof(path), "/tmp/cjd-test-notify-%d", (int)getpid());
	unlink(path);
	int fd = bind_listener(path);
	send_three(fd);
	struct cjd_sdnotify *n;
	assert_int_equal(cjd_sdnotify_new(&n), 0);
	assert_string_equal(cjd_sdnotify_name(n), path);
	/* the listener is gone (systemd stopped): an error, not a signal or a hang */
	close(fd);
	unlink(path);
	int rc = cjd_sdnotify_send(n, "WATCHDOG=1");
	assert_true(rc == -ECONNREFUSED || rc == -ENOENT);
	cjd_sdnotify_free(n);
	unsetenv("NOTIFY_SOCKET");
}

static void test_abstract_socket(void **state)
{
	char name[64];
	(void)state;

	snprintf(name, sizeof(name), "@cjd-test-notify-%d", (int)getpid());
	int fd = bind_listener(name);
	send_three(fd);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_not_under_systemd(void **state)
{
	struct cjd_sdnotify *n = (void *)1;
	(void)state;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(cjd_sdnotify_new(&n), 0);
	assert_null(n);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(cjd_sdnotify_new(&n), 0);
	assert_null(n);
	/* every call is a no-op on NULL */
	assert_int_equal(cjd_sdnotify_send(NULL, "READY=1"), 0);
	assert_int_equal(cjd_sdnotify_sendf(NULL, "STATUS=%d", 1), 0);
	assert_string_equal(cjd_sdnotify_name(NULL), "");
	cjd_sdnotify_free(NULL);
	unsetenv("NOTIFY_SOCKET");
}

static void test_bad_names(void **state)
{
	struct cjd_sdnotify *n;
	char longname[200];
	(void)state;

	static const char *const bad[] = {"relative/path", "@", "/", "vsock:2:1234"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		assert_int_equal(cjd_sdnotify_new(&n), -EINVAL);
		assert_null(n);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(cjd_sdnotify_new(&n), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

static void test_oversized_state(void **state)
{
	char name[64];
	static char big[5000];
	struct cjd_sdnotify *n;
	(void)state;

	snprintf(name, sizeof(name), "@cjd-test-notify-big-%d", (int)getpid());
	int fd = bind_listener(name);
	assert_int_equal(cjd_sdnotify_new(&n), 0);
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(cjd_sdnotify_send(n, big), -EMSGSIZE);
	assert_int_equal(cjd_sdnotify_sendf(n, "STATUS=%s", big), -EMSGSIZE);
	/* nothing was sent */
	char buf[16];
	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	cjd_sdnotify_free(n);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog(void **state)
{
	char pid[32];
	(void)state;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(cjd_sdnotify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(cjd_sdnotify_watchdog_ns(), 30000000000ull);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(cjd_sdnotify_watchdog_ns(), 30000000000ull);
	/* meant for another process (we inherited it) */
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(cjd_sdnotify_watchdog_ns(), 0);
	unsetenv("WATCHDOG_PID");
	static const char *const bad[] = {"0", "", "abc", "-5", "10s", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		assert_int_equal(cjd_sdnotify_watchdog_ns(), 0);
	}
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),     cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_not_under_systemd), cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_oversized_state), cmocka_unit_test(test_watchdog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
