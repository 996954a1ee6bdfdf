/* Journal tests: append, walk, rotation, --since, unwritable dir, full disk, size limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/publish/journal.h"
#include "cjd/publish/journal_read.h"
#include "zt.h"

struct collected {
	char ids[256][48];
	int n;
};

static int collect(const char *file, uint64_t line, const char *json, size_t len, const char *id,
		   void *ctx)
{
	struct collected *c = ctx;
	json_error_t e;
	(void)file, (void)line;
	json_t *d = json_loadb(json, len, 0, &e);
	assert_non_null(d);
	json_decref(d);
	if (c->n < 256)
		snprintf(c->ids[c->n++], 48, "%s", id);
	return 0;
}

/* A journal line shaped like an alert, padded to about `pad` bytes. */
static size_t line_for(int i, char *buf, size_t cap, size_t pad)
{
	char fill[2048];
	size_t p = pad < sizeof(fill) - 1 ? pad : sizeof(fill) - 1;
	memset(fill, 'x', p);
	fill[p] = '\0';
	return (size_t)snprintf(buf, cap,
				"{\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-%012d\",\"action\":\"ongoing\"},\"pad\":\"%s\"}",
				i, fill);
}

static void id_of(int i, char *buf)
{
	sprintf(buf, "0190a1b2-c3d4-7e5f-8a9b-%012d", i);
}

static struct cjd_journal *open_j(const char *path, uint64_t max, unsigned keep)
{
	struct cjd_journal_config cfg = {.path = path, .max_bytes = max, .keep = keep};
	struct cjd_journal *j = NULL;
	struct cjd_error err;
	int rc = cjd_journal_open(&j, &cfg, &err);
	if (rc)
		fail_msg("journal open %s: %s (%d)", path, err.text, rc);
	return j;
}

static void test_append_walk_since(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("journal"), path[300], line[4096], id[48];
	struct collected c = {0};
	struct cjd_error err;
	bool found;

	/* the directory is created when missing */
	snprintf(path, sizeof(path), "%s/sub/dir/alerts.jsonl", dir);
	struct cjd_journal *j = open_j(path, 0, 0);
	for (int i = 1; i <= 5; i++) {
		size_t n = line_for(i, line, sizeof(line), 10);
		assert_int_equal(cjd_journal_append(j, line, n), 0);
	}
	assert_int_equal(cjd_journal_sync(j), 0);
	assert_false(cjd_journal_failing(j));
	assert_int_equal(zt_count_lines(path), 5);
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, 5);
	id_of(1, id);
	assert_string_equal(c.ids[0], id);

	/* after id 2: exactly 3, 4, 5 */
	memset(&c, 0, sizeof(c));
	id_of(2, id);
	assert_int_equal(cjd_journal_since(path, id, collect, &c, &found, &err), 0);
	assert_true(found);
	assert_int_equal(c.n, 3);
	id_of(3, id);
	assert_string_equal(c.ids[0], id);
	/* after the last one: nothing */
	memset(&c, 0, sizeof(c));
	id_of(5, id);
	assert_int_equal(cjd_journal_since(path, id, collect, &c, &found, &err), 0);
	assert_true(found);
	assert_int_equal(c.n, 0);
	/* an id that is not there (rotated away): everything that sorts after it */
	memset(&c, 0, sizeof(c));
	id_of(0, id);
	assert_int_equal(cjd_journal_since(path, id, collect, &c, &found, &err), 0);
	assert_false(found);
	assert_int_equal(c.n, 5);
	cjd_journal_free(j);

	/* a missing journal is an error naming it */
	snprintf(line, sizeof(line), "%s/none.jsonl", dir);
	assert_int_equal(cjd_journal_walk(line, collect, &c, &err), -ENOENT);
	assert_string_equal(err.file, line);
	zt_rmrf(dir);
	free(dir);
}

/* --since: every form it takes, and the sentence for what it does not. */
static void test_since_parse(void **state)
{
	(void)state;
	const uint64_t now = 1796292000000000000ull; /* 2026-12-03T10:00:00Z */
	struct cjd_since s;
	char why[300];

	assert_int_equal(cjd_since_parse("all", now, &s, why, sizeof(why)), 0);
	assert_int_equal(s.kind, CJD_SINCE_ALL);
	assert_int_equal(cjd_since_parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", now, &s, why,
					 sizeof(why)), 0);
	assert_int_equal(s.kind, CJD_SINCE_ID);
	assert_string_equal(s.id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	static const struct {
		const char *text;
		uint64_t back_s;
	} durations[] = {{"90s", 90}, {"30m", 1800}, {"1h", 3600}, {"1.5h", 5400}, {"2d", 172800},
			 {"500ms", 0}};
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		assert_int_equal(cjd_since_parse(durations[i].text, now, &s, why, sizeof(why)), 0);
		assert_int_equal(s.kind, CJD_SINCE_TIME);
		uint64_t want = now - durations[i].back_s * 1000000000ull -
				(strcmp(durations[i].text, "500ms") ? 0 : 500000000ull);
		if (s.real_ns != want)
			fail_msg("%s: %llu, want %llu", durations[i].text,
				 (unsigned long long)s.real_ns, (unsigned long long)want);
	}
	/* longer ago than 1970: from the beginning */
	assert_int_equal(cjd_since_parse("1000000h", now, &s, why, sizeof(why)), 0);
	assert_true(s.real_ns == 0);
	assert_int_equal(cjd_since_parse("2026-12-03T09:00:00.5+01:00", now, &s, why, sizeof(why)), 0);
	assert_int_equal(s.kind, CJD_SINCE_TIME);
	assert_true(s.real_ns == now - 7200000000000ull + 500000000ull); /* 08:00:00.5Z */

	static const struct {
		const char *text, *why;
	} bad[] = {
		{"90", "'90' needs a unit: 90s, 90m, 90h or 90d"},
		{"1x", "'1x' is not a duration such as 90s, 30m, 1h or 2d"},
		{"2026-12-03T10:00:00", "'2026-12-03T10:00:00' has no time zone: add Z (UTC) or an "
					"offset such as +01:00"},
		{"2026-02-30", "'2026-02-30' is not a valid RFC 3339 date or time (such as 2026-12-03 "
			       "or 2026-12-03T10:00:00Z)"},
		{"1960-01-01", "'1960-01-01' is before 1970"},
		{"yesterday", "'yesterday' is not 'all', an event id (0190a1b2-c3d4-7e5f-8a9b-"
			      "0c1d2e3f4a5b), a duration (90s, 30m, 1h, 2d) or an RFC 3339 time "
			      "(2026-12-03T10:00:00Z)"},
		{"", "'' is not 'all', an event id (0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b), a duration "
		     "(90s, 30m, 1h, 2d) or an RFC 3339 time (2026-12-03T10:00:00Z)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cjd_since_parse(bad[i].text, now, &s, why, sizeof(why)), -EINVAL);
		if (strcmp(why, bad[i].why))
			fail_msg("'%s': got \"%s\"", bad[i].text, why);
	}
}

/* --since a time or all: alerts by @timestamp, across rotated files, non-alerts never. */
static void test_since_time(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("journal-time"), path[300], rot[310], id[48];
	struct collected c = {0};
	struct cjd_error err;
	struct cjd_since s;
	char why[200];
	bool found;
	FILE *f;

	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	snprintf(rot, sizeof(rot), "%s.1", path);
	/* the rotated file holds the two oldest; a heartbeat-like line has no event.id */
	f = fopen(rot, "w");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T08:00:00.000000000Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000001\"}}\n");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T09:00:00.000000000Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000002\"}}\n");
	fclose(f);
	f = fopen(path, "w");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T09:30:00.000000000Z\",\"event\":{}}\n");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T09:59:59.999999999Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000003\"}}\n");
	fprintf(f, "{\"@timestamp\":\"2026-12-03T10:00:00.000000000Z\",\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000004\"}}\n");
	fprintf(f, "{\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000005\"}}\n");
	fclose(f);

	/* exactly at 10:00:00: the alert stamped 10:00:00.000 is in, 09:59:59.999999999 is not;
	 * the one without @timestamp is reported, not passed */
	assert_int_equal(cjd_since_parse("2026-12-03T11:00:00+01:00", 0, &s, why, sizeof(why)), 0);
	assert_int_equal(cjd_journal_after(path, &s, collect, &c, &found, &err), 0);
	assert_true(found);
	assert_int_equal(c.n, 1);
	id_of(4, id);
	assert_string_equal(c.ids[0], id);
	/* 1h30m before 10:00: from 08:30 on, so the second rotated one and later alerts */
	memset(&c, 0, sizeof(c));
	assert_int_equal(cjd_since_parse("90m", 1796292000000000000ull, &s, why, sizeof(why)), 0);
	assert_int_equal(cjd_journal_after(path, &s, collect, &c, &found, &err), 0);
	assert_int_equal(c.n, 3);
	id_of(2, id);
	assert_string_equal(c.ids[0], id);
	/* all: every alert, oldest first, the line without event.id left out */
	memset(&c, 0, sizeof(c));
	assert_int_equal(cjd_since_parse("all", 0, &s, why, sizeof(why)), 0);
	assert_int_equal(cjd_journal_after(path, &s, collect, &c, &found, &err), 0);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 5; i++) {
		id_of(i + 1, id);
		assert_string_equal(c.ids[i], id);
	}
	/* an id still works through the same call */
	memset(&c, 0, sizeof(c));
	id_of(3, id);
	assert_int_equal(cjd_since_parse(id, 0, &s, why, sizeof(why)), 0);
	assert_int_equal(cjd_journal_after(path, &s, collect, &c, &found, &err), 0);
	assert_true(found);
	assert_int_equal(c.n, 2);
	zt_rmrf(dir);
	free(dir);
}

/* kill -9 in the middle of a rotation (.1 renamed to .2 before the live file became .1)
 * leaves one name missing: the walk looks past it, oldest first, and drops nothing. */
static void test_walk_past_a_rotation_gap(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("journal-gap"), path[300], name[320], line[4096], id[48];
	struct collected c = {0};
	struct cjd_error err;
	static const int file_of[] = {3, 3, 1, 0}; /* ids 1..4: in .3, .3, .1 and the live file */

	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	for (int i = 0; i < 4; i++) {
		if (file_of[i])
			snprintf(name, sizeof(name), "%s.%d", path, file_of[i]);
		else
			snprintf(name, sizeof(name), "%s", path);
		FILE *f = fopen(name, "a");
		assert_non_null(f);
		size_t n = line_for(i + 1, line, sizeof(line), 10);
		fprintf(f, "%.*s\n", (int)n, line);
		fclose(f);
	}
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, 4);
	for (int i = 0; i < 4; i++) {
		id_of(i + 1, id);
		assert_string_equal(c.ids[i], id);
	}
	/* two names missing is no rotation in progress: the walk stops there */
	snprintf(name, sizeof(name), "%s.3", path);
	char moved[330];
	snprintf(moved, sizeof(moved), "%s.4", path);
	assert_int_equal(rename(name, moved), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, 2);
	zt_rmrf(dir);
	free(dir);
}

static void test_rotation(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("rotate"), path[300], line[4096], name[320];
	struct collected c = {0};
	struct cjd_error err;

	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	/* lines of ~300 bytes, files of at most 700: two lines per file */
	struct cjd_journal *j = open_j(path, 700, 3);
	for (int i = 1; i <= 10; i++) {
		size_t n = line_for(i, line, sizeof(line), 230);
		assert_int_equal(cjd_journal_append(j, line, n), 0);
	}
	cjd_journal_free(j);
	/* live: 9, 10; .1: 7, 8; .2: 5, 6; .3: 3, 4; 1 and 2 are gone (keep 3) */
	assert_int_equal(zt_count_lines(path), 2);
	for (int k = 1; k <= 3; k++) {
		snprintf(name, sizeof(name), "%s.%d", path, k);
		assert_int_equal(zt_count_lines(name), 2);
		struct stat st;
		assert_int_equal(stat(name, &st), 0);
		assert_true(st.st_size <= 700);
	}
	snprintf(name, sizeof(name), "%s.4", path);
	assert_int_equal(access(name, F_OK), -1);
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, 8);
	for (int i = 0; i < 8; i++) {
		char id[48];
		id_of(i + 3, id);
		assert_string_equal(c.ids[i], id); /* oldest file first, in order */
	}
	/* --since across files */
	bool found;
	char id[48];
	memset(&c, 0, sizeof(c));
	id_of(4, id);
	assert_int_equal(cjd_journal_since(path, id, collect, &c, &found, &err), 0);
	assert_true(found);
	assert_int_equal(c.n, 6);
	id_of(5, id);
	assert_string_equal(c.ids[0], id);
	zt_rmrf(dir);
	free(dir);
}

static void test_lock_and_partial_line(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("lock"), path[300], line[512];
	struct cjd_journal_config cfg;
	struct cjd_journal *j2 = NULL;
	struct cjd_error err;
	struct collected c = {0};

	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	/* a crash left half a line behind */
	FILE *f = fopen(path, "w");
	fputs("{\"event\":{\"id\":\"0190a1b2-c3d4-7e5f-8a9b-000000000001\"},\"half\":", f);
	fclose(f);
	struct cjd_journal *j = open_j(path, 0, 0);
	cfg = (struct cjd_journal_config){.path = path};
	assert_int_equal(cjd_journal_open(&j2, &cfg, &err), -EBUSY);
	assert_null(j2);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.text, "another process"));
	size_t n = line_for(2, line, sizeof(line), 5);
	assert_int_equal(cjd_journal_append(j, line, n), 0);
	cjd_journal_free(j);
	/* the half line was ended, so the new line stands on its own; the walk skips the broken one */
	assert_int_equal(zt_count_lines(path), 2);
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, 1);
	zt_rmrf(dir);
	free(dir);
}

static void test_unwritable_directory(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("ro"), path[400], file[300];
	struct cjd_journal_config cfg = {.path = path};
	struct cjd_journal *j = NULL;
	struct cjd_error err;

	/* a directory that cannot be created: a regular file sits in its place */
	snprintf(file, sizeof(file), "%s/file", dir);
	fclose(fopen(file, "w"));
	snprintf(path, sizeof(path), "%s/file/alerts.jsonl", dir);
	assert_int_equal(cjd_journal_open(&j, &cfg, &err), -ENOTDIR);
	assert_string_equal(err.file, file);

	/* a read-only directory: as root only a read-only mount stops writes */
	char ro[300];
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	mkdir(ro, 0500);
	bool mounted = geteuid() == 0 && mount("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") == 0;
	if (!mounted && geteuid() == 0) {
		zt_rmrf(dir);
		free(dir);
		print_message("SKIP: cannot mount a read-only tmpfs (%s)\n", strerror(errno));
		skip();
	}
	snprintf(path, sizeof(path), "%s/alerts.jsonl", ro);
	int rc = cjd_journal_open(&j, &cfg, &err);
	assert_true(rc == -EROFS || rc == -EACCES);
	assert_null(j);
	assert_string_equal(err.file, ro);
	assert_non_null(strstr(err.text, "not writable"));
	if (mounted)
		umount(ro);
	zt_rmrf(dir);
	free(dir);
}

/* Appends until the disk is full; every line left is whole, and the failure is flagged. */
static void test_full_disk(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("full"), path[300], line[4096];

	if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, "size=16k") != 0) {
		zt_rmrf(dir);
		free(dir);
		print_message("SKIP: cannot mount a tiny tmpfs (needs root): %s\n", strerror(errno));
		skip();
	}
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	struct cjd_journal *j = open_j(path, 0, 0);
	int rc = 0, ok = 0;
	for (int i = 0; i < 200 && rc == 0; i++) {
		size_t n = line_for(i, line, sizeof(line), 700 + (size_t)i % 50);
		rc = cjd_journal_append(j, line, n);
		ok += rc == 0;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_true(ok > 0);
	assert_true(cjd_journal_failing(j));
	assert_true(cjd_journal_errors(j) >= 1);
	assert_non_null(strstr(cjd_journal_last_error(j), path));
	assert_non_null(strstr(cjd_journal_last_error(j), "No space left"));
	cjd_journal_free(j);
	/* only whole lines: exactly the successful appends, each parsing */
	struct collected c = {0};
	struct cjd_error err;
	assert_int_equal(zt_count_lines(path), ok);
	size_t len;
	char *all = zt_slurp(path, &len);
	assert_int_equal(all[len - 1], '\n');
	free(all);
	assert_int_equal(cjd_journal_walk(path, collect, &c, &err), 0);
	assert_int_equal(c.n, ok);
	umount(dir);
	zt_rmrf(dir);
	free(dir);
}

/* RLIMIT_FSIZE cuts a write short: the partial line is cut back off. Runs in a child, since
 * the limit applies to the whole process. */
static void test_file_size_limit(void **state)
{
	(void)state;
	char *dir = zt_tmpdir("fsize"), path[300];
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	pid_t pid = fork();
	if (pid == 0) {
		char line[4096];
		struct rlimit rl = {.rlim_cur = 2000, .rlim_max = RLIM_INFINITY};
		signal(SIGXFSZ, SIG_IGN); /* the daemon must ignore it too, or the kernel kills it */
		setrlimit(RLIMIT_FSIZE, &rl);
		struct cjd_journal_config cfg = {.path = path};
		struct cjd_journal *j;
		struct cjd_error err;
		if (cjd_journal_open(&j, &cfg, &err))
			_exit(10);
		size_t n = line_for(1, line, sizeof(line), 1100);
		if (cjd_journal_append(j, line, n) != 0)
			_exit(11);
		int rc = cjd_journal_append(j, line, n); /* would end at ~2400 bytes */
		if (rc != -EFBIG)
			_exit(12);
		if (!cjd_journal_failing(j))
			_exit(13);
		rc = cjd_journal_append(j, line, n); /* the same again, from the same size */
		if (rc != -EFBIG)
			_exit(14);
		cjd_journal_free(j);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	char line[4096];
	assert_int_equal(sb.st_size, (off_t)line_for(1, line, sizeof(line), 1100) + 1);
	zt_rmrf(dir);
	free(dir);
}

static int setup(void **state)
{
	(void)state;
	/* mounts made by the tests stay in this process's own namespace */
	return zt_setup("journal", true, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_walk_since),
		cmocka_unit_test(test_since_parse),
		cmocka_unit_test(test_since_time),
		cmocka_unit_test(test_walk_past_a_rotation_gap),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_lock_and_partial_line),
		cmocka_unit_test(test_unwritable_directory),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_file_size_limit),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
