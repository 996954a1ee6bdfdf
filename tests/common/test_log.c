/* Unit tests for common/log.c: journald priority prefixes when $JOURNAL_STREAM names stderr, none otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/log.h"

struct fixture {
	char path[64];
	int saved_stderr;
	int fd;
};

/* stderr goes to a fresh temporary file for the test; the real one is kept aside */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/cjd-test-log-%d-XXXXXX", (int)getpid());
	f->fd = mkstemp(f->path);
	f->saved_stderr = dup(STDERR_FILENO);
	if (f->fd < 0 || f->saved_stderr < 0 || dup2(f->fd, STDERR_FILENO) < 0)
		return -1;
	unsetenv("JOURNAL_STREAM");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dup2(f->saved_stderr, STDERR_FILENO);
	close(f->saved_stderr);
	close(f->fd);
	unlink(f->path);
	unsetenv("JOURNAL_STREAM");
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_TEXT);
	free(f);
	return 0;
}

/* What stderr received so far. */
static char *captured(const struct fixture *f)
{
	static char buf[32768];
	ssize_t n = pread(f->fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* Sets JOURNAL_STREAM to stderr's own device:inode, as systemd does for StandardError=journal. */
static void fake_journal_stream(void)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void log_one_of_each(void)
{
	cjd_err("e %d", 1);
	cjd_warn("FIRING /x score 0.9");
	cjd_info("banner");
	cjd_debug("detail");
}

static void test_no_prefix_without_journal(void **state)
{
	struct fixture *f = *state;

	assert_false(cjd_log_stderr_is_journal());
	cjd_log_setup(CJD_LOG_DEBUG, CJD_LOG_TEXT);
	log_one_of_each();
	assert_string_equal(captured(f), "cjd: error: e 1\n"
					 "cjd: warning: FIRING /x score 0.9\n"
					 "cjd: banner\n"
					 "cjd: debug: detail\n");
}

static void test_prefix_when_stderr_is_journal(void **state)
{
	struct fixture *f = *state;

	fake_journal_stream();
	assert_true(cjd_log_stderr_is_journal());
	cjd_log_setup(CJD_LOG_DEBUG, CJD_LOG_TEXT);
	log_one_of_each();
	assert_string_equal(captured(f), "<3>cjd: error: e 1\n"
					 "<4>cjd: warning: FIRING /x score 0.9\n"
					 "<6>cjd: banner\n"
					 "<7>cjd: debug: detail\n");
}

static void test_prefix_on_json_lines(void **state)
{
	struct fixture *f = *state;

	fake_journal_stream();
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_JSON);
	cjd_warn("w");
	const char *out = captured(f);
	assert_memory_equal(out, "<4>{\"@timestamp\":\"", 18);
	assert_non_null(strstr(out, "\"log.level\":\"warn\",\"message\":\"w\"}\n"));
	assert_null(strchr(out + 1, '<'));
}

/* A child that inherited JOURNAL_STREAM but writes to a redirected stderr gets no prefix. */
static void test_stale_journal_stream(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	assert_false(cjd_log_stderr_is_journal());
	setenv("JOURNAL_STREAM", "garbage", 1);
	assert_false(cjd_log_stderr_is_journal());
	snprintf(v, sizeof(v), "%llu:%llux", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	assert_false(cjd_log_stderr_is_journal());
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_TEXT);
	cjd_warn("plain");
	assert_string_equal(captured(f), "cjd: warning: plain\n");
}

/* A message longer than the line buffer is cut, still one line, still prefixed. */
static void test_long_line_keeps_prefix(void **state)
{
	struct fixture *f = *state;
	static char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	fake_journal_stream();
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_TEXT);
	cjd_warn("%s", big);
	const char *out = captured(f);
	assert_memory_equal(out, "<4>cjd: warning: xxx", 20);
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

/* A JSON line escapes the message, and a message that escapes to several times its
 * size (2047 control bytes: 12282) is still written whole, as one line. */
static void test_json_message_escaped_whole(void **state)
{
	struct fixture *f = *state;
	static char ctl[2048];

	fake_journal_stream();
	cjd_log_setup(CJD_LOG_INFO, CJD_LOG_JSON);
	cjd_warn("a \"b\"\n\\c\x01");
	const char *out = captured(f);
	assert_non_null(strstr(out, "\"message\":\"a \\\"b\\\"\\n\\\\c\\u0001\"}\n"));

	memset(ctl, '\x01', sizeof(ctl) - 1);
	cjd_warn("%s", ctl);
	out = strchr(captured(f), '\n') + 1; /* the second line */
	assert_memory_equal(out, "<4>{", 4);
	const char *m = strstr(out, "\"message\":\"");
	assert_non_null(m);
	for (size_t i = 0; i < sizeof(ctl) - 1; i++)
		assert_memory_equal(m + 11 + 6 * i, "\\u0001", 6);
	assert_string_equal(m + 11 + 6 * (sizeof(ctl) - 1), "\"}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_prefix_without_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_when_stderr_is_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_on_json_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_journal_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_keeps_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_message_escaped_whole, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
