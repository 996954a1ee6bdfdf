/* The memory probe: memory.stat (v1, v2) and smaps_rollup parsers on fixtures, good and malformed, and the probe on a fake /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/evidence/memory.h"
#include "evidence_fixtures.h"

#define KIB 1024ull
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

static void test_stat_v2(void **state)
{
	struct cjd_memory_stat s;
	struct cjd_error err;

	(void)state;
	assert_int_equal(cjd_memory_parse_stat(fixture_data("memory/stat-v2.txt"), &s, &err), 0);
	assert_int_equal(s.version, 2);
	assert_int_equal(s.anon, 2432696320ull);
	assert_int_equal(s.anon_thp, 2 * GIB);
	assert_int_equal(s.file, 100 * MIB);
	assert_int_equal(s.file_mapped, 50 * MIB);
	assert_int_equal(s.shmem, 4096);
}

static void test_stat_v1(void **state)
{
	struct cjd_memory_stat s;
	struct cjd_error err;

	(void)state;
	/* hierarchical total_* preferred: they include descendants, as v2 does */
	assert_int_equal(cjd_memory_parse_stat(fixture_data("memory/stat-v1.txt"), &s, &err), 0);
	assert_int_equal(s.version, 1);
	assert_int_equal(s.anon, 544714752ull);
	assert_int_equal(s.anon_thp, 270532608ull);
	assert_int_equal(s.file, 1021644800ull);
	assert_int_equal(s.file_mapped, 114372608ull);
	assert_int_equal(s.shmem, 11198464ull);
	/* without total_* lines (an old kernel, use_hierarchy off): the cgroup's own */
	assert_int_equal(cjd_memory_parse_stat(fixture_data("memory/stat-v1-local.txt"), &s, &err),
			 0);
	assert_int_equal(s.version, 1);
	assert_int_equal(s.anon, 256 * MIB);
}

static int parse_stat(const char *path, struct cjd_error *err)
{
	struct cjd_memory_stat s;
	return cjd_memory_parse_stat(path, &s, err);
}

static int parse_rollup(const char *path, struct cjd_error *err)
{
	struct cjd_memory_rollup m;
	return cjd_memory_parse_rollup(path, &m, err);
}

/* A malformed fixture: -EINVAL, with the file, the line and what is wrong in the message. */
static void malformed(int (*parse)(const char *, struct cjd_error *), const char *name, int line,
		      const char *what)
{
	struct cjd_error err;
	char msg[1024];

	cjd_error_clear(&err);
	assert_int_equal(parse(fixture_data(name), &err), -EINVAL);
	assert_non_null(strstr(err.file, name));
	assert_int_equal(err.line, line);
	cjd_error_format(&err, msg, sizeof(msg));
	if (!strstr(msg, what))
		fail_msg("'%s' does not say '%s'", msg, what);
}

#define bad_stat(...) malformed(parse_stat, __VA_ARGS__)
#define bad_rollup(...) malformed(parse_rollup, __VA_ARGS__)

static void test_stat_malformed(void **state)
{
	struct cjd_memory_stat s;
	struct cjd_error err;

	(void)state;
	bad_stat("memory/stat-bad-value.txt", 3, "anon_thp: '12x' is not a byte count");
	bad_stat("memory/stat-no-value.txt", 2, "expected '<key> <value>', got 'file'");
	bad_stat("memory/stat-overflow.txt", 1, "(too large)");
	bad_stat("memory/stat-bad-key.txt", 2, "'Anon' is not a memory.stat key");
	bad_stat("memory/stat-unknown.txt", 0, "neither 'anon' (cgroup v2) nor 'rss'");
	bad_stat("memory/stat-empty.txt", 0, "not a memory.stat file");
	assert_int_equal(cjd_memory_parse_stat("/nonexistent/memory.stat", &s, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/memory.stat");
}

static void test_rollup(void **state)
{
	struct cjd_memory_rollup m;
	struct cjd_error err;

	(void)state;
	assert_int_equal(
		cjd_memory_parse_rollup(fixture_data("memory/rollup-randomx.txt"), &m, &err), 0);
	assert_int_equal(m.rss, 2364864 * KIB);
	assert_int_equal(m.anon, 2361856 * KIB);
	assert_int_equal(m.anon_huge, 2 * GIB);
	assert_int_equal(m.hugetlb, 0);
	assert_int_equal(m.swap, 0);
	/* hugetlb pages are not in Rss: Shared_ and Private_Hugetlb add up */
	assert_int_equal(
		cjd_memory_parse_rollup(fixture_data("memory/rollup-hugetlb.txt"), &m, &err), 0);
	assert_int_equal(m.hugetlb, 2 * GIB + 256 * MIB);
	assert_int_equal(m.anon, 4 * MIB);
	/* empty: a kernel thread or a zombie has no memory map */
	assert_int_equal(cjd_memory_parse_rollup(fixture_data("memory/rollup-empty.txt"), &m, &err),
			 0);
	assert_int_equal(m.rss, 0);
	/* our own, from the kernel: whatever it prints today must parse */
	assert_int_equal(cjd_memory_parse_rollup("/proc/self/smaps_rollup", &m, &err), 0);
	assert_true(m.rss > 0);
}

static void test_rollup_malformed(void **state)
{
	struct cjd_memory_rollup m;
	struct cjd_error err;

	(void)state;
	bad_rollup("memory/rollup-bad-header.txt", 1, "expected the '[rollup]' header line");
	bad_rollup("memory/rollup-bad-unit.txt", 21, "Swap: expected '<n> kB', got '12 MB'");
	bad_rollup("memory/rollup-bad-number.txt", 16, "AnonHugePages: expected '<n> kB'");
	bad_rollup("memory/rollup-overflow.txt", 23, "too large");
	bad_rollup("memory/rollup-no-colon.txt", 14, "expected '<Key>: <n> kB', got 'KSM 0 kB'");
	/* a process that is gone */
	assert_int_equal(cjd_memory_parse_rollup("/proc/999999999/smaps_rollup", &m, &err), -ESRCH);
}

static void test_cgroup_mount(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-hybrid.txt"),
						 "memory", out, sizeof(out)),
			 0);
	assert_string_equal(out, "/sys/fs/cgroup/memory");
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-hybrid.txt"), NULL,
						 out, sizeof(out)),
			 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	/* pure v2: no v1 memory hierarchy */
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-v2.txt"), "memory",
						 out, sizeof(out)),
			 -ENOENT);
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-v2.txt"), NULL, out,
						 sizeof(out)),
			 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	/* escaped blanks; a controller whose name only starts like "memory" is not it */
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-escaped.txt"),
						 "memory", out, sizeof(out)),
			 0);
	assert_string_equal(out, "/mnt/my cgroups/mem");
	assert_int_equal(cjd_memory_cgroup_mount(fixture_data("memory/mountinfo-escaped.txt"),
						 "memory_oth", out, sizeof(out)),
			 -ENOENT);
	assert_int_equal(cjd_memory_cgroup_mount("/nonexistent", "memory", out, sizeof(out)),
			 -ENOENT);
}

/* A fake /proc and cgroup tree: two processes in one v1 memory cgroup of their own. */
struct world {
	char dir[256], proc[300], mountinfo[300], memroot[300];
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char text[1024], rel[128];
	FILE *fp;

	fixture_tmpdir(w->dir, sizeof(w->dir), "memory");
	snprintf(w->proc, sizeof(w->proc), "%s/proc", w->dir);
	snprintf(w->memroot, sizeof(w->memroot), "%s/memory", w->dir);
	snprintf(w->mountinfo, sizeof(w->mountinfo), "%s/mountinfo", w->dir);
	snprintf(text, sizeof(text),
		 "35 31 0:32 / %s rw - cgroup cgroup rw,memory\n"
		 "41 31 0:38 / %s/unified rw - cgroup2 cgroup2 rw\n",
		 w->memroot, w->dir);
	fixture_write(w->dir, "mountinfo", text);
	/* 10 and 11 in /miner; 12 elsewhere and in the v2 root */
	for (int pid = 10; pid <= 12; pid++) {
		snprintf(rel, sizeof(rel), "%d/cgroup", pid);
		snprintf(text, sizeof(text), "5:memory:%s\n1:name=systemd:/x\n0::/\n",
			 pid < 12 ? "/miner" : "/other");
		fixture_write(w->proc, rel, text);
		fixture_comm(w->proc, pid, pid < 12 ? "xmrig" : "sshd");
	}
	fp = fopen(fixture_data("memory/rollup-randomx.txt"), "r");
	assert_non_null(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	fixture_write(w->proc, "10/smaps_rollup", text);
	fixture_write(w->proc, "11/smaps_rollup", text);
	fixture_write(w->proc, "12/smaps_rollup",
		      "0-1 ---p 0 0:0 0 [rollup]\nRss: 8 kB\nAnonymous: 4 kB\n");
	fixture_write(w->memroot, "miner/cgroup.procs", "10\n11\n");
	fixture_write(w->memroot, "miner/tasks", "10\n11\n");
	fixture_write(w->memroot, "miner/memory.stat", "total_rss 4096\ntotal_rss_huge 0\nrss 1\n");
	fixture_write(w->memroot, "other/cgroup.procs", "12\n13\n");
	fixture_write(w->memroot, "other/tasks", "12\n13\n");
	fixture_write(w->memroot, "other/memory.stat", "rss 1\n");
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	fixture_rmtree(w->dir);
	free(w);
	return 0;
}

static void test_run_v1_shared(void **state)
{
	struct world *w = *state;
	struct cjd_memory_opts o = {.proc = w->proc, .mountinfo = w->mountinfo};
	struct cjd_memory_result r;
	struct cjd_error err;
	pid_t pids[] = {11, 10, 77 /* gone */};
	char buf[512];
	json_t *j;

	assert_int_equal(cjd_memory_run(pids, 3, &o, &r, &err), 0);
	assert_int_equal(r.nprocs, 3);
	assert_int_equal(r.nread, 2);
	assert_int_equal(r.procs[2].rc, -ESRCH);
	assert_int_equal(r.total.anon, 2 * 2361856 * KIB);
	assert_int_equal(r.total.anon_huge, 4 * GIB);
	/* the v1 memory cgroup both share, which holds nothing else */
	assert_true(r.have_stat);
	assert_int_equal(r.stat.version, 1);
	assert_int_equal(r.stat.anon, 4096);
	assert_non_null(strstr(r.stat_path, "/memory/miner/memory.stat"));
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "2 processes hold 4.50 GiB of anonymous memory (4.00 GiB on "
				 "transparent huge pages, 0 B on hugetlb pages): enough for a "
				 "RandomX fast-mode dataset (2 GiB, plus a 256 MiB cache).");
	assert_int_equal(cjd_memory_to_json(&r, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "anon_bytes")), 2 * 2361856 * KIB);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "procs"), 2), "error")),
			    "exited");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(j, "memory_stat"), "anon_bytes")),
			 4096);
	json_decref(j);
	cjd_memory_result_free(&r);
}

static void test_run_cgroup_with_others(void **state)
{
	struct world *w = *state;
	struct cjd_memory_opts o = {.proc = w->proc, .mountinfo = w->mountinfo};
	struct cjd_memory_result r;
	struct cjd_error err;
	pid_t pids[] = {12};
	char buf[512];

	/* 12's memory cgroup also holds 13: its memory.stat would not be 12's */
	assert_int_equal(cjd_memory_run(pids, 1, &o, &r, &err), 0);
	assert_false(r.have_stat);
	assert_non_null(strstr(r.stat_why, "also holds 1 other process"));
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "1 process holds 4 KiB of anonymous memory (0 B on transparent "
				 "huge pages, 0 B on hugetlb pages): less than RandomX keeps "
				 "resident even in light mode (a 256 MiB cache).");
	cjd_memory_result_free(&r);

	/* processes in different cgroups: no single memory.stat */
	pid_t two[] = {10, 12};
	assert_int_equal(cjd_memory_run(two, 2, &o, &r, &err), 0);
	assert_false(r.have_stat);
	assert_non_null(strstr(r.stat_why, "no memory.stat covers exactly these processes"));
	cjd_memory_result_free(&r);
}

static void test_run_target_cgroup(void **state)
{
	struct world *w = *state;
	char cg[400];
	struct cjd_memory_opts o = {.proc = w->proc, .mountinfo = w->mountinfo, .cgroup = cg};
	struct cjd_memory_result r;
	struct cjd_error err;
	pid_t pids[] = {10, 11};

	/* the target's own directory, when it has memory.stat, is used as it is */
	snprintf(cg, sizeof(cg), "%s/miner", w->memroot);
	fixture_write(w->memroot, "miner/memory.stat",
		      "anon 268435456\nanon_thp 0\nfile 0\nfile_mapped 0\nshmem 0\n");
	assert_int_equal(cjd_memory_run(pids, 2, &o, &r, &err), 0);
	assert_true(r.have_stat);
	assert_int_equal(r.stat.version, 2);
	assert_int_equal(r.stat.anon, 256 * MIB);
	cjd_memory_result_free(&r);

	/* a malformed one is reported with its line, the probe still answers */
	fixture_write(w->memroot, "miner/memory.stat", "anon 1\nanon_thp x\n");
	assert_int_equal(cjd_memory_run(pids, 2, &o, &r, &err), 0);
	assert_false(r.have_stat);
	assert_non_null(strstr(r.stat_why, "memory.stat:2:"));
	assert_int_equal(r.nread, 2);
	cjd_memory_result_free(&r);
}

static void test_run_unreadable(void **state)
{
	struct world *w = *state;
	struct cjd_memory_opts o = {.proc = w->proc, .mountinfo = w->mountinfo, .max_procs = 1};
	struct cjd_memory_result r;
	struct cjd_error err;
	pid_t pids[] = {12, 10};
	char buf[512];

	/* over the limit: counted, not read */
	assert_int_equal(cjd_memory_run(pids, 2, &o, &r, &err), 0);
	assert_int_equal(r.nprocs, 1);
	assert_int_equal(r.procs_over, 1);
	cjd_memory_result_free(&r);

	/* a smaps_rollup in a format we do not know: the error names file and line */
	fixture_write(w->proc, "12/smaps_rollup", "0-1 ---p 0 0:0 0 [rollup]\nRss: 8 MB\n");
	o.max_procs = 0;
	pid_t one[] = {12};
	assert_int_equal(cjd_memory_run(one, 1, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "12/smaps_rollup:2:"));
	assert_non_null(strstr(r.parse_error, "smaps_rollup:2:"));
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Could not read the memory of any of 1 process"));
	cjd_memory_result_free(&r);

	/* all gone: nothing to say, and no error */
	pid_t gone[] = {88, 89};
	assert_int_equal(cjd_memory_run(gone, 2, &o, &r, &err), 0);
	assert_int_equal(r.nread, 0);
	cjd_memory_result_free(&r);
	/* none */
	assert_int_equal(cjd_memory_run(NULL, 0, &o, &r, &err), 0);
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "No processes, so no memory to look at.");
	cjd_memory_result_free(&r);
	cjd_memory_result_free(NULL);
}

static void test_describe_thresholds(void **state)
{
	struct cjd_memory_result r;
	char buf[512];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.nprocs = r.nread = 1;
	r.total.anon = 300 * MIB;
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "enough for RandomX light mode (a 256 MiB cache), not for fast "
				    "mode"));
	/* hugetlb pages count: RandomX on 1 GiB pages is not in Anonymous */
	r.total.anon = 4 * MIB;
	r.total.hugetlb = 2 * GIB + 256 * MIB;
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "2.25 GiB on hugetlb pages): enough for a RandomX fast-mode"));
	/* only memory.stat: says it cannot see hugetlb */
	r.nread = 0;
	r.have_stat = true;
	r.stat.anon = 2 * GIB;
	r.stat.anon_thp = 2 * GIB;
	cjd_memory_describe(&r, buf, sizeof(buf));
	assert_string_equal(buf, "The cgroup holds 2.00 GiB of anonymous memory (2.00 GiB on "
				 "transparent huge pages; memory.stat does not count hugetlb "
				 "pages): enough for a RandomX fast-mode dataset (2 GiB, plus a 256 "
				 "MiB cache).");
	assert_int_equal(cjd_memory_describe(&r, NULL, 3), -EINVAL);
}

static void test_available(void **state)
{
	char why[256];

	(void)state;
	assert_true(cjd_memory_available(why, sizeof(why)));
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_v2),
		cmocka_unit_test(test_stat_v1),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_rollup_malformed),
		cmocka_unit_test(test_cgroup_mount),
		cmocka_unit_test_setup_teardown(test_run_v1_shared, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_run_cgroup_with_others, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_run_target_cgroup, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_run_unreadable, world_setup, world_teardown),
		cmocka_unit_test(test_describe_thresholds),
		cmocka_unit_test(test_available),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
