/* The stratum probe on a fake /proc and a fake memory: which regions it reads, markers across chunk boundaries, exits and refusals mid-scan, its JSON and features. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cjd/evidence/features.h"
#include "cjd/evidence/stratum.h"
#include "evidence_fixtures.h"
#include "internal.h"
#include "stratum_internal.h"

/*
 * The fake memory: one address space shared by every fake process, BASE to
 * BASE + sizeof(mem). cjd_ev_vm_read is wrapped to copy from it, to refuse
 * the ranges in `holes` (EFAULT), and to answer -ESRCH or -EPERM for a
 * process from a given read on, as a process exiting mid-scan or another
 * user's process would.
 */
#define BASE 0x100000ull
static char mem[1 << 16];
static struct {
	pid_t pid;        /* the process the failure is for */
	int after;        /* reads of it that succeed first */
	int err;          /* then this */
	uint64_t hole_lo, hole_hi; /* EFAULT for reads starting here */
	int reads;
	size_t max_len;
} fake;

ssize_t __wrap_cjd_ev_vm_read(pid_t pid, void *buf, uint64_t addr, size_t len);
ssize_t __wrap_cjd_ev_vm_read(pid_t pid, void *buf, uint64_t addr, size_t len)
{
	if (pid == fake.pid && fake.err && fake.reads >= fake.after)
		return fake.err;
	fake.reads += pid == fake.pid;
	fake.max_len = len > fake.max_len ? len : fake.max_len;
	if (addr >= fake.hole_lo && addr < fake.hole_hi)
		return -EFAULT;
	if (addr < BASE || addr + len > BASE + sizeof(mem))
		fail_msg("read of %zu bytes at %#llx outside the fake memory", len,
			 (unsigned long long)addr);
	memcpy(buf, mem + (addr - BASE), len);
	return (ssize_t)len;
}

static char proc[4096];

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(proc, sizeof(proc), "stratum");
	memset(mem, 0, sizeof(mem));
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_rmtree(proc);
	return 0;
}

/* Puts s at offset off of the fake memory. */
static void put(size_t off, const char *s)
{
	memcpy(mem + off, s, strlen(s));
}

/* <proc>/<pid>/maps with the text, and a comm. */
static void maps(pid_t pid, const char *text)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%d/maps", (int)pid);
	fixture_write(proc, rel, text);
	fixture_comm(proc, pid, "xmrig");
}

/* Whether mask holds the marker called name (which must exist). */
static bool has(uint32_t mask, const char *name)
{
	int i = cjd_stratum_marker_find(name);

	assert_true(i >= 0);
	return mask & (1u << i);
}

static void run(const pid_t *pids, size_t n, const struct cjd_stratum_opts *o,
		struct cjd_stratum_result *r, int want)
{
	struct cjd_error err = { 0 };
	struct cjd_stratum_opts opts = *o;

	opts.proc = proc;
	if (cjd_stratum_run(pids, n, &opts, r, &err) != want)
		fail_msg("cjd_stratum_run: %s", err.text);
}

static void test_maps_line(void **state)
{
	static const struct {
		const char *line;
		bool scan;
	} ok[] = {
		{ "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]", true },
		{ "7ffd1a2b3000-7ffd1a2d4000 rw-p 00000000 00:00 0                          [stack]", true },
		{ "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ", true },
		{ "7f0000000000-7f0000100000 rw-p 00000000 00:00 0", true },
		{ "7f0000000000-7f0000100000 rw-p 00000000 00:00 0   [anon:jemalloc]", true },
		{ "7f0000000000-7f0000100000 rw-p 00000000 00:00 0   [stack:1234]", true },
		/* file-backed data: .data of a library, never the workload's messages */
		{ "7f1a2b3c4000-7f1a2b3c6000 rw-p 001d4000 08:01 1835023   /usr/lib/x86_64-linux-gnu/libc.so.6", false },
		{ "7f0000000000-7f0000001000 rw-p 00000000 00:05 12   /memfd:x (deleted)", false },
		{ "7ffd1a3f0000-7ffd1a3f4000 r--p 00000000 00:00 0                          [vvar]", false },
		{ "7ffd1a3f4000-7ffd1a3f6000 r-xp 00000000 00:00 0                          [vdso]", false },
		{ "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]", false },
		{ "7f0000000000-7f0000100000 ---p 00000000 00:00 0 ", false },   /* a guard page */
		{ "7f0000000000-7f0000100000 r--p 00000000 00:00 0 ", false },
		{ "7f0000000000-7f0000100000 rw-s 00000000 00:01 4   /dev/zero (deleted)", false },
		{ "7f0000000000-7f0000100000 rw-s 00000000 00:00 0   [anon_shmem:x]", false },
		{ "7f0000000000-7f0000100000 rwxp 00000000 00:00 0 ", false },   /* JIT code */
	};
	static const char *const bad[] = {
		"", "7f00-7e00 rw-p 00000000 00:00 0", "7f00 rw-p 00000000 00:00 0",
		"7f00-7f10 rw-q 00000000 00:00 0", "7f00-7f10 rw-p 0 00:00", "zz-7f10 rw-p 0 0:0 0",
		"7f00-7f10 rw-p 00000000 00:00 0x",
	};
	struct cjd_stratum_region r;
	const char *what;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		what = NULL;
		if (cjd_stratum_maps_line(ok[i].line, strlen(ok[i].line), &r, &what) != 0)
			fail_msg("%s: %s", ok[i].line, what);
		if (r.scan != ok[i].scan)
			fail_msg("%s: scan %d, want %d", ok[i].line, r.scan, ok[i].scan);
		assert_true(r.start < r.end);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		what = NULL;
		if (cjd_stratum_maps_line(bad[i], strlen(bad[i]), &r, &what) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
		assert_non_null(what);
	}
}

static void test_search(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}", "mining.subscribe" },
		{ "mining.authorize", "mining.authorize" },
		{ "mining.notify", "mining.notify" },
		{ "..mining.submit..", "mining.submit" },
		{ "mining.set_difficulty", "mining.set_difficulty" },
		{ "{\"job_id\":\"1\"}", "job_id" },
		{ "\"blob\":\"0707d6db9ab5056fba19c1e3b5a0c6e1e33de9d2b1c0f00a0c3b2d2e1f0a9b8c"
			"7d6e5f403122334455667788990707d6db9ab5056fba19c1e3b5a0c6e1e33de9"
			"d2b1c0f00a0c3b2d2e1f0a9b0707d6db9ab5056fba19c1e3b5a0c6e1e33de9\"", "blob" },
		{ "\"blob\": \"0707d6db9ab5056fba19c1e3b5a0c6e1e33de9d2b1c0f00a0c3b2d2e1f0a9b8c"
			"7d6e5f403122334455667788990707d6db9ab5056fba19c1e3b5a0c6e1e33de9"
			"d2b1c0f00a0c3b2d2e1f0a9b0707d6db9ab5056fba19c1e3b5a0c6e1e33de9\"", "blob" }, /* json_dumps without JSON_COMPACT */
		{ "\"seed_hash\"", "seed_hash" },
		{ "{\"method\":\"job\"", "method:job" },
		{ "{\"method\": \"job\"", "method:job" },   /* json_dumps without JSON_COMPACT */
		{ "\"method\":\"submit\"", "method:submit" },
		{ "\"method\": \"login\"", "method:login" },
		{ "\"method\":\"keepalived\"", "method:keepalived" },
		{ "\"method\": \"keepalived\"", "method:keepalived" },
		{ "stratum+tcp://pool.example:3333", "stratum+tcp://" },
		{ "stratum+ssl://", "stratum+ssl://" },
		{ "stratum2+tcp://", "stratum2+tcp://" },
	};
	static const char *const none[] = {
		"", "mining.", "mining.notif", "\"method\":\"jobs\"", "\"method\":  \"job\"",
		"\"method\":\"textDocument/didOpen\"", "job_id", "blob", "\"Blob\"", "stratum+udp://",
		"Mining.Notify", "\"method\" : \"job\"",
		/* a "blob" that is not a job's hex hashing blob: base64, too short, not hex */
		"\"blob\":\"aGVsbG8gd29ybGQ=\"", "\"blob\":\"0707d6db9ab5056f\"",
		/* a SHA-256 object id (64 hex digits) */
		"\"blob\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
		"\"blob\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdez\"", "\"blob\":0707d6db",
	};
	uint32_t all = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t m = cjd_stratum_search(cases[i].text, strlen(cases[i].text), 0);
		if (!has(m, cases[i].want) || __builtin_popcount(m) != 1)
			fail_msg("'%s': mask %#x, want %s only", cases[i].text, m, cases[i].want);
		all |= m;
	}
	assert_int_equal(all, (1u << CJD_STRATUM_NMARKERS) - 1);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (cjd_stratum_search(none[i], strlen(none[i]), 0))
			fail_msg("'%s' matched", none[i]);
	/* already found: kept, and the search adds the others */
	assert_int_equal(cjd_stratum_search("x", 1, 5u), 5u);
	/* a marker cut by the end of the buffer is not found in it */
	assert_int_equal(cjd_stratum_search("\"method\":\"jo", 12, 0), 0);
	/* the longest: "blob": " and 128 hex digits (137 bytes) */
	assert_int_equal(cjd_stratum_overlap(), 136);
	assert_null(cjd_stratum_marker_name(CJD_STRATUM_NMARKERS));
	assert_int_equal(cjd_stratum_marker_find("mining.notify"), 2);
	assert_int_equal(cjd_stratum_marker_find("nope"), -ENOENT);
}

#define M(name) (1u << cjd_stratum_marker_find(name))

/* A pool conversation needs a marker no other protocol uses: job_id and the methods job,
 * submit and login are a batch worker's words too. */
static void test_conversation(void **state)
{
	static const char *const specific[] = { "mining.subscribe", "mining.notify", "blob",
						 "seed_hash", "method:keepalived",
						 "stratum+tcp://" };
	static const char *const generic[] = { "job_id", "method:job", "method:submit",
						"method:login" };

	(void)state;
	for (size_t i = 0; i < sizeof(specific) / sizeof(specific[0]); i++)
		assert_true(cjd_stratum_specific(M(specific[i])));
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		assert_false(cjd_stratum_specific(M(generic[i])));
	assert_false(cjd_stratum_specific(1u << CJD_STRATUM_NMARKERS));
	assert_int_equal(cjd_stratum_specific(M("job_id") | M("blob") | M("method:login")), M("blob"));
	assert_false(cjd_stratum_conversation(M("job_id") | M("method:submit") | M("method:login") |
					      M("method:job")));
	assert_false(cjd_stratum_conversation(M("seed_hash")));
	assert_true(cjd_stratum_conversation(M("job_id") | M("blob")));
	assert_true(cjd_stratum_conversation(M("mining.notify") | M("mining.submit")));
}

/* Every position of a marker around a chunk boundary is found, the chunks overlapping. */
static void test_chunk_boundary(void **state)
{
	const char *marker = "\"method\": \"keepalived\"";
	const size_t chunk = 256, n = strlen(marker);
	const struct cjd_stratum_opts o = { .chunk_bytes = chunk };
	pid_t pid = 4242;

	(void)state;
	maps(pid, "00100000-00104000 rw-p 00000000 00:00 0          [heap]\n");
	/* straddling the first boundary at 256 and later ones (each read starts overlap before) */
	for (size_t boundary = chunk; boundary < 3 * chunk; boundary += chunk - cjd_stratum_overlap())
		for (size_t at = boundary - n; at <= boundary; at++) {
			struct cjd_stratum_result r;

			memset(mem, 0, sizeof(mem));
			put(at, marker);
			run(&pid, 1, &o, &r, 0);
			if (!has(r.markers, "method:keepalived"))
				fail_msg("marker at %zu (boundary %zu) not found", at, boundary);
			assert_true(fake.max_len <= chunk);
			cjd_stratum_result_free(&r);
		}
}

static const char job[] =
	"{\"method\":\"job\",\"params\":{\"blob\":\"0707d6db9ab5056fba19c1e3b5a0c6e1e33de9d2b1c0f00a0c3b2d2e1f0a9b8c"
		"7d6e5f403122334455667788990707d6db9ab5056fba19c1e3b5a0c6e1e33de9"
		"d2b1c0f00a0c3b2d2e1f0a9b\",\"job_id\":\"1\","
	"\"target\":\"b88d0600\",\"seed_hash\":\"63ba4d6f\"}}";

/* What is read: heap, stacks, anonymous rw-p; not files, not read-only, not the vdso; large
 * regions skipped; an unreadable one counted. */
static void test_regions(void **state)
{
	struct cjd_stratum_opts o = { .chunk_bytes = 4096, .max_region_bytes = 0x4000 };
	struct cjd_stratum_result r;
	pid_t pid = 100;

	(void)state;
	put(0x0100, "mining.notify");          /* heap */
	put(0x1100, "stratum+tcp://");         /* a file's .data: not read */
	put(0x2100, "\"method\":\"login\"");   /* read-only anonymous: not read */
	put(0x3100, "\"seed_hash\"");          /* stack */
	put(0x4100, "mining.submit");          /* in a region larger than the bound */
	put(0xc100, "\"blob\"");               /* unreadable (EFAULT) */
	put(0xe100, "\"job_id\"");             /* [anon:...] */
	maps(pid, "00100000-00101000 rw-p 00000000 00:00 0          [heap]\n"
		  "00101000-00102000 rw-p 00002000 08:01 1234       /usr/lib/libfoo.so\n"
		  "00102000-00103000 r--p 00000000 00:00 0 \n"
		  "00103000-00104000 rw-p 00000000 00:00 0          [stack]\n"
		  "00104000-0010c000 rw-p 00000000 00:00 0 \n"
		  "0010c000-0010d000 rw-p 00000000 00:00 0 \n"
		  "0010d000-0010e000 r--p 00000000 00:00 0          [vvar]\n"
		  "0010e000-0010f000 rw-p 00000000 00:00 0          [anon:glibc.malloc]\n");
	fake.hole_lo = BASE + 0xc000;
	fake.hole_hi = BASE + 0xd000;
	run(&pid, 1, &o, &r, 0);
	assert_true(has(r.markers, "mining.notify") && has(r.markers, "seed_hash") &&
		    has(r.markers, "job_id"));
	assert_int_equal(__builtin_popcount(r.markers), 3);
	assert_int_equal(r.regions_scanned, 3);
	assert_int_equal(r.regions_skipped_large, 1);
	assert_int_equal(r.bytes_skipped_large, 0x8000);
	assert_int_equal(r.regions_unreadable, 1);
	assert_int_equal(r.bytes_read, 3 * 4096);
	assert_int_equal(r.procs_scanned, 1);
	assert_int_equal(r.procs_with_2_markers, 1);
	assert_string_equal(r.procs[0].comm, "xmrig");
	cjd_stratum_result_free(&r);

	/* the per-process bound: 5000 bytes leaves the rest of the stack and [anon:] unread */
	o.max_proc_bytes = 5000;
	run(&pid, 1, &o, &r, 0);
	assert_int_equal(r.bytes_read, 5000);
	/* the stack after its first 904 bytes (less the overlap), the unreadable and [anon:] */
	assert_int_equal(r.bytes_over_budget,
			 (4096 - (5000 - 4096 - (int)cjd_stratum_overlap())) + 2 * 4096);
	assert_true(has(r.markers, "mining.notify") && !has(r.markers, "job_id"));
	cjd_stratum_result_free(&r);
}

/* A process exiting mid-scan is counted, keeps what was found, and the next is scanned. */
static void test_exit_midscan(void **state)
{
	const struct cjd_stratum_opts o = { .chunk_bytes = 1024 };
	pid_t pids[] = { 200, 201, 202 };
	struct cjd_stratum_result r;

	(void)state;
	put(0x0010, job);
	put(0x3000, "mining.notify");
	maps(200, "00100000-00104000 rw-p 00000000 00:00 0          [heap]\n");
	maps(201, "00100000-00104000 rw-p 00000000 00:00 0          [heap]\n");
	/* 202 has no /proc entry: gone before the scan */
	fake.pid = 200;
	fake.after = 2;
	fake.err = -ESRCH;
	run(pids, 3, &o, &r, 0);
	assert_int_equal(r.procs[0].rc, -ESRCH);
	assert_int_equal(r.procs[0].bytes_read, 2048);
	assert_true(has(r.procs[0].markers, "method:job") && !has(r.procs[0].markers, "mining.notify"));
	assert_int_equal(r.procs[1].rc, 0);
	assert_true(has(r.procs[1].markers, "mining.notify"));
	assert_int_equal(r.procs[2].rc, -ESRCH);
	assert_int_equal(r.procs_gone, 2);
	assert_int_equal(r.procs_scanned, 2);
	assert_int_equal(r.procs_with_2_markers, 2);
	cjd_stratum_result_free(&r);
}

/* Another user's process without CAP_SYS_PTRACE: the probe fails saying why when it can read
 * none, and counts the refusal when it reads others. */
static void test_denied(void **state)
{
	const struct cjd_stratum_opts o = { 0 };
	struct cjd_error err = { 0 };
	struct cjd_stratum_opts opts = o;
	struct cjd_stratum_result r;
	pid_t pids[] = { 300, 301 };
	char text[512];

	(void)state;
	maps(300, "00100000-00101000 rw-p 00000000 00:00 0          [heap]\n");
	maps(301, "00100000-00101000 rw-p 00000000 00:00 0          [heap]\n");
	fake.pid = 300;
	fake.err = -EPERM;
	opts.proc = proc;
	assert_int_equal(cjd_stratum_run(pids, 1, &opts, &r, &err), -EPERM);
	assert_non_null(strstr(err.text, "CAP_SYS_PTRACE"));
	assert_int_equal(r.procs_denied, 1);
	cjd_stratum_describe(&r, text, sizeof(text));
	assert_non_null(strstr(text, "1 not allowed"));
	cjd_stratum_result_free(&r);
	run(pids, 2, &o, &r, 0);
	assert_int_equal(r.procs_denied, 1);
	assert_int_equal(r.procs_scanned, 1);
	cjd_stratum_result_free(&r);
	/* a maps line the parser does not know: named with file and line */
	maps(301, "00100000-00101000 rw-p 00000000 00:00 0 [heap]\nnonsense\n");
	run(&pids[1], 1, &o, &r, 0);
	assert_non_null(strstr(r.parse_error, "/301/maps:2: expected"));
	cjd_stratum_result_free(&r);
}

/* The JSON names markers and counts, never memory contents; the features follow it, and are
 * absent when the probe did not run or read nothing. */
static void test_json_features(void **state)
{
	const struct cjd_stratum_opts o = { .max_procs = 1 };
	struct cjd_stratum_result r;
	struct cjd_evfeat f;
	struct cjd_error err = { 0 };
	pid_t pids[] = { 400, 401 };
	json_t *j, *insp;
	char *text, sentence[512];

	(void)state;
	put(0x0010, job);
	maps(400, "00100000-00101000 rw-p 00000000 00:00 0          [heap]\n");
	run(pids, 2, &o, &r, 0);
	assert_int_equal(r.procs_over, 1);
	assert_int_equal(cjd_stratum_to_json(&r, &j), 0);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(text, "\"markers\":[\"job_id\",\"blob\",\"seed_hash\",\"method:job\"]"));
	assert_null(strstr(text, "0707d6db")); /* the job's data stays where it was */
	assert_null(strstr(text, "b88d0600"));
	assert_int_equal(json_integer_value(json_object_get(j, "processes_with_2_markers")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "processes_with_conversation")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "bytes_read")), 4096);
	free(text);
	cjd_stratum_describe(&r, sentence, sizeof(sentence));
	assert_non_null(strstr(sentence, "4 mining-pool protocol markers (job_id, blob, seed_hash, method:job)"));
	assert_non_null(strstr(sentence, "1 process holds a pool conversation"));
	assert_int_equal(cjd_stratum_describe(&r, NULL, 0), (int)strlen(sentence));

	insp = json_object();
	json_object_set_new(j, "status", json_string("ok"));
	json_object_set(insp, "stratum", j);
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), 0);
	assert_true(f.present >> CJD_EVFEAT_st_markers & 1);
	assert_true(f.v[CJD_EVFEAT_st_markers] == 4 && f.v[CJD_EVFEAT_st_processes] == 1);
	assert_string_equal(cjd_evfeat_probe(CJD_EVFEAT_st_markers), "stratum");
	assert_string_equal(cjd_evfeat_probe(CJD_EVFEAT_st_processes), "stratum");
	/* failed, or no process read: absent */
	/* st_processes counts conversations; a trace from before that count has only the
	 * processes with two markers, which it then uses */
	json_object_set_new(j, "processes_with_conversation", json_integer(0));
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), 0);
	assert_true(f.v[CJD_EVFEAT_st_markers] == 4 && f.v[CJD_EVFEAT_st_processes] == 0);
	json_object_del(j, "processes_with_conversation");
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), 0);
	assert_true(f.v[CJD_EVFEAT_st_processes] == 1);
	json_object_set_new(j, "status", json_string("failed"));
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), 0);
	assert_int_equal(f.present, 0);
	json_object_set_new(j, "status", json_string("ok"));
	json_object_set_new(j, "processes_scanned", json_integer(0));
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), 0);
	assert_int_equal(f.present, 0);
	/* a wrong type is named */
	json_object_set_new(j, "processes_scanned", json_integer(1));
	json_object_set_new(j, "markers", json_string("job_id"));
	assert_int_equal(cjd_evfeat_from_json(insp, &f, &err), -EINVAL);
	assert_non_null(strstr(err.text, "stratum.markers"));
	json_decref(j);
	json_decref(insp);
	cjd_stratum_result_free(&r);

	/* a batch worker's words only: said so */
	memset(mem, 0, sizeof(mem));
	put(0x0010, "{\"jsonrpc\": \"2.0\", \"method\": \"submit\", \"params\": {\"job_id\": 7}}");
	run(pids, 1, &o, &r, 0);
	assert_int_equal(r.procs_with_2_markers, 1);
	assert_int_equal(r.procs_with_conversation, 0);
	cjd_stratum_describe(&r, sentence, sizeof(sentence));
	assert_non_null(strstr(sentence, "No process holds a pool conversation"));
	assert_non_null(strstr(sentence, "ordinary JSON-RPC words too"));
	cjd_stratum_result_free(&r);

	/* nothing found: a measured zero */
	memset(mem, 0, sizeof(mem));
	run(pids, 1, &o, &r, 0);
	cjd_stratum_describe(&r, sentence, sizeof(sentence));
	assert_non_null(strstr(sentence, "No mining-pool protocol marker"));
	cjd_stratum_result_free(&r);
}

/* A region over the bound is read from its start, up to the prefix and the large budget,
 * only while the smaller regions held no pool conversation. */
static void test_large_prefix(void **state)
{
	struct cjd_stratum_opts o = { .chunk_bytes = 0x1000, .max_region_bytes = 0x1000,
				      .large_prefix_bytes = 0x1000, .large_budget_bytes = 0x1800 };
	struct cjd_stratum_result r;
	pid_t pid = 500;

	(void)state;
	maps(pid, "00100000-00101000 rw-p 00000000 00:00 0          [heap]\n"
		  "00101000-00105000 rw-p 00000000 00:00 0 \n"  /* a JVM heap, say */
		  "00105000-00109000 rw-p 00000000 00:00 0 \n"  /* a second: the budget's end */
		  "00109000-0010d000 rw-p 00000000 00:00 0 \n"); /* none left for it */
	put(0x0100, "\"job_id\"");            /* generic: no conversation yet */
	put(0x1200, "\"method\":\"submit\""); /* generic, in the first large region's prefix */
	put(0x2200, "mining.notify");         /* beyond the prefix: not read */
	put(0x5100, "\"method\":\"keepalived\""); /* in the second's prefix, half read */
	put(0x5900, "stratum+tcp://");        /* past the large budget */
	put(0x9100, "mining.subscribe");      /* the third: a conversation was found */
	run(&pid, 1, &o, &r, 0);
	assert_int_equal(r.markers, M("job_id") | M("method:submit") | M("method:keepalived"));
	assert_int_equal(r.regions_large_read, 2);
	assert_int_equal(r.regions_skipped_large, 1);
	assert_int_equal(r.regions_scanned, 1);
	assert_int_equal(r.bytes_read, 0x1000 + 0x1800);
	assert_int_equal(r.bytes_skipped_large, 3 * 0x4000 - 0x1800);
	assert_int_equal(r.procs_with_conversation, 1);
	assert_int_equal(r.large_prefix_bytes, 0x1000);
	cjd_stratum_result_free(&r);

	/* a conversation in the small regions: the large ones are not read */
	put(0x0200, "mining.authorize");
	run(&pid, 1, &o, &r, 0);
	assert_int_equal(r.markers, M("job_id") | M("mining.authorize"));
	assert_int_equal(r.regions_large_read, 0);
	assert_int_equal(r.regions_skipped_large, 3);
	assert_int_equal(r.bytes_read, 0x1000);
	cjd_stratum_result_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_maps_line),  T(test_search), T(test_chunk_boundary), T(test_regions),
		T(test_exit_midscan), T(test_denied), T(test_json_features), T(test_conversation),
		T(test_large_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
