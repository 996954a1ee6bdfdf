/* Code sampling's pure parts: the perf ring reader on synthetic buffers, the maps parser, hot windows and mix, JSON and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codesample_internal.h"

/* ---- the ring ---- */

#define RING 256 /* a tiny data area, so records wrap after a few */

struct fake_ring {
	struct perf_event_mmap_page meta;
	uint8_t data[RING];
};

/* Writes bytes at ring offset off (mod RING), wrapping like the kernel does. */
static void put_bytes(struct fake_ring *r, uint64_t off, const void *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r->data[(off + i) % RING] = ((const uint8_t *)src)[i];
}

/* Appends a sample record at data_head. */
static void put_sample(struct fake_ring *r, uint64_t ip, uint32_t pid, uint32_t tid, uint16_t misc)
{
	struct {
		struct perf_event_header h;
		uint64_t ip;
		uint32_t pid, tid;
	} rec = {{PERF_RECORD_SAMPLE, misc, sizeof(rec)}, ip, pid, tid};

	put_bytes(r, r->meta.data_head, &rec, sizeof(rec));
	r->meta.data_head += sizeof(rec);
}

static void put_lost(struct fake_ring *r, uint64_t lost)
{
	struct {
		struct perf_event_header h;
		uint64_t id, lost;
	} rec = {{PERF_RECORD_LOST, 0, sizeof(rec)}, 7, lost};

	put_bytes(r, r->meta.data_head, &rec, sizeof(rec));
	r->meta.data_head += sizeof(rec);
}

static void put_header(struct fake_ring *r, uint32_t type, uint16_t size)
{
	struct perf_event_header h = {type, 0, size};

	put_bytes(r, r->meta.data_head, &h, sizeof(h));
}

struct got {
	struct cjd_ip_sample s[64];
	int n;
	int stop_after;
};

static int collect(void *ctx, const struct cjd_ip_sample *s)
{
	struct got *g = ctx;

	g->s[g->n++] = *s;
	return g->stop_after && g->n >= g->stop_after ? 1 : 0;
}

static void test_ring_plain(void **state)
{
	struct fake_ring r = {0};
	struct cjd_ring_stats st = {0};
	struct got g = {0};

	(void)state;
	put_sample(&r, 0x401000, 10, 11, PERF_RECORD_MISC_USER);
	put_sample(&r, 0xffffffff81000000ull, 10, 12, PERF_RECORD_MISC_KERNEL);
	put_sample(&r, 0x1234, 10, 11, PERF_RECORD_MISC_GUEST_USER);
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(st.samples, 3);
	assert_true(g.s[0].ip == 0x401000 && g.s[0].pid == 10 && g.s[0].tid == 11);
	assert_int_equal(g.s[0].mode, CJD_IP_USER);
	assert_int_equal(g.s[1].mode, CJD_IP_KERNEL);
	assert_int_equal(g.s[2].mode, CJD_IP_OTHER);
	assert_int_equal(r.meta.data_tail, r.meta.data_head);
	/* Nothing new: a second drain reads nothing. */
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(g.n, 3);
}

/* A record split across the end of the data area is reassembled; LOST adds up. */
static void test_ring_wraps(void **state)
{
	struct fake_ring r = {0};
	struct cjd_ring_stats st = {0};
	struct got g = {0};

	(void)state;
	/* The kernel's counters only grow: start just before the 4th lap's end. */
	r.meta.data_head = r.meta.data_tail = 3 * RING + 248;
	put_sample(&r, 0xaaaabbbbccccdddd, 1, 2, PERF_RECORD_MISC_USER); /* 248..272: wraps */
	put_lost(&r, 5);
	put_sample(&r, 0x1111, 3, 4, PERF_RECORD_MISC_USER);
	put_lost(&r, 37);
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(g.n, 2);
	assert_true(g.s[0].ip == 0xaaaabbbbccccdddd && g.s[0].pid == 1 && g.s[0].tid == 2);
	assert_true(g.s[1].ip == 0x1111 && g.s[1].pid == 3);
	assert_int_equal(st.lost, 42);
	assert_int_equal(r.meta.data_tail, r.meta.data_head);

	/* Fill the ring exactly (head - tail == size) across the wrap. */
	for (int i = 0; i < RING / 24; i++)
		put_sample(&r, (uint64_t)i, 9, 9, PERF_RECORD_MISC_USER);
	put_header(&r, PERF_RECORD_THROTTLE, 16); /* plus 16 bytes: 10 * 24 + 16 = 256 */
	r.meta.data_head += 16;
	g.n = 0;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(g.n, RING / 24);
	assert_int_equal(g.s[9].ip, 9);
	assert_int_equal(st.throttled, 1);
	assert_int_equal(st.corrupt, 0);
}

static void test_ring_corrupt(void **state)
{
	struct fake_ring r = {0};
	struct cjd_ring_stats st = {0};
	struct got g = {0};

	(void)state;
	/* A zero-size header would loop forever if trusted. */
	put_sample(&r, 1, 1, 1, PERF_RECORD_MISC_USER);
	put_header(&r, PERF_RECORD_SAMPLE, 0);
	r.meta.data_head += 48;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(r.meta.data_tail, r.meta.data_head);

	/* A size past data_head, and one not a multiple of 8. */
	put_header(&r, PERF_RECORD_SAMPLE, 200);
	r.meta.data_head += 24;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(st.corrupt, 2);
	put_header(&r, PERF_RECORD_SAMPLE, 20);
	r.meta.data_head += 24;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(st.corrupt, 3);

	/* A sample record too short for IP and TID is skipped, not read past. */
	put_header(&r, PERF_RECORD_SAMPLE, 16);
	r.meta.data_head += 16;
	put_sample(&r, 2, 2, 2, PERF_RECORD_MISC_USER);
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(st.corrupt, 4);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.s[1].ip, 2);

	/* A head more than a whole ring ahead: nothing is trustworthy. */
	r.meta.data_head = r.meta.data_tail + RING + 8;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(st.corrupt, 5);
	assert_int_equal(r.meta.data_tail, r.meta.data_head);
	/* Unknown record types are skipped and counted. */
	put_header(&r, 99, 8);
	r.meta.data_head += 8;
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 0);
	assert_int_equal(st.other, 1);
}

static void test_ring_stop(void **state)
{
	struct fake_ring r = {0};
	struct cjd_ring_stats st = {0};
	struct got g = {.stop_after = 2};

	(void)state;
	for (int i = 0; i < 4; i++)
		put_sample(&r, (uint64_t)i, 1, 1, PERF_RECORD_MISC_USER);
	assert_int_equal(cjd_ring_drain(&r.meta, r.data, RING, collect, &g, &st), 1);
	assert_int_equal(g.n, 2);
	assert_int_equal(r.meta.data_tail, 48); /* past the record that stopped it */
}

/* ---- /proc/PID/maps ---- */

static const char maps_text[] =
	"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1311 /usr/bin/xmr ig\n"
	"55d0c0a02000-55d0c0a10000 r-xp 00002000 08:01 1311 /usr/bin/xmr ig\n"
	"7f0000000000-7f0000200000 rwxp 00000000 00:00 0 \n"
	"7f0000400000-7f0000401000 r-xp 00000000 00:01 77 /memfd:jit (deleted)\n"
	"7f0000500000-7f0000501000 r-xp 00000000 08:01 99 /tmp/payload (deleted)\n"
	"7f0000600000-7f0000601000 r-xp 00000000 00:00 0    [anon:v8 code]\n"
	"7f1234000000-7f1234180000 r-xp 00028000 08:01 2001 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void test_maps_parse(void **state)
{
	struct cjd_maps m = {0};
	struct cjd_error err;

	(void)state;
	assert_int_equal(cjd_maps_parse(maps_text, strlen(maps_text), "/usr/bin/xmr ig", "maps", &m,
					&err), 0);
	assert_int_equal(m.n, 8); /* the r--p line is not code */
	assert_string_equal(m.m[0].path, "/usr/bin/xmr ig"); /* spaces in names survive */
	assert_int_equal(m.m[0].kind, CJD_REGION_MAIN);
	assert_int_equal(m.m[1].kind, CJD_REGION_ANON);
	assert_int_equal(m.m[2].kind, CJD_REGION_MEMFD);
	assert_int_equal(m.m[3].kind, CJD_REGION_DELETED);
	assert_int_equal(m.m[4].kind, CJD_REGION_ANON);
	assert_int_equal(m.m[5].kind, CJD_REGION_LIB);
	assert_int_equal(m.m[6].kind, CJD_REGION_VDSO);
	assert_int_equal(m.m[7].kind, CJD_REGION_VDSO);
	assert_ptr_equal(cjd_maps_find(&m, 0x55d0c0a02000), &m.m[0]);
	assert_ptr_equal(cjd_maps_find(&m, 0x55d0c0a0ffff), &m.m[0]);
	assert_null(cjd_maps_find(&m, 0x55d0c0a10000)); /* end is exclusive */
	assert_null(cjd_maps_find(&m, 0x55d0c0a00000)); /* not executable */
	assert_ptr_equal(cjd_maps_find(&m, 0x7f0000100000), &m.m[1]);
	assert_ptr_equal(cjd_maps_find(&m, 0x7f1234000000), &m.m[5]);
	assert_null(cjd_maps_find(&m, 0));
	cjd_maps_release(&m);
	cjd_maps_release(&m); /* twice is fine */
	cjd_maps_release(NULL);
}

static void test_maps_classify(void **state)
{
	(void)state;
	assert_int_equal(cjd_maps_classify("", "/bin/x"), CJD_REGION_ANON);
	assert_int_equal(cjd_maps_classify("[heap]", "/bin/x"), CJD_REGION_ANON);
	assert_int_equal(cjd_maps_classify("[stack]", NULL), CJD_REGION_ANON);
	assert_int_equal(cjd_maps_classify("/SYSV00000000 (deleted)", ""), CJD_REGION_DELETED);
	assert_int_equal(cjd_maps_classify("/dev/shm/x", ""), CJD_REGION_DELETED);
	assert_int_equal(cjd_maps_classify("/bin/x", "/bin/x"), CJD_REGION_MAIN);
	/* A deleted main executable is still off disk. */
	assert_int_equal(cjd_maps_classify("/bin/x (deleted)", "/bin/x (deleted)"), CJD_REGION_DELETED);
	assert_int_equal(cjd_maps_classify("/bin/x", NULL), CJD_REGION_LIB);
	assert_true(cjd_region_kind_off_disk(CJD_REGION_MEMFD));
	assert_false(cjd_region_kind_off_disk(CJD_REGION_VDSO));
	assert_false(cjd_region_kind_off_disk(CJD_REGION_LIB));
	assert_string_equal(cjd_region_kind_name(CJD_REGION_DELETED), "deleted");
	assert_string_equal(cjd_region_kind_name((enum cjd_region_kind)99), "?");
}

static void expect_maps_error(const char *text, int line, int col, const char *what)
{
	struct cjd_maps m = {0};
	struct cjd_error err;

	assert_int_equal(cjd_maps_parse(text, strlen(text), NULL, "/proc/7/maps", &m, &err), -EINVAL);
	assert_string_equal(err.file, "/proc/7/maps");
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, col);
	assert_non_null(strstr(err.text, what));
	assert_int_equal(m.n, 0);
	assert_null(m.m);
}

static void test_maps_errors(void **state)
{
	const char good[] = "1000-2000 r-xp 00000000 08:01 5 /bin/a\n";
	char buf[512];

	(void)state;
	expect_maps_error("zz-2000 r-xp 0 08:01 5 /a\n", 1, 1, "start-end");
	expect_maps_error("1000 r-xp 0 08:01 5 /a\n", 1, 5, "start-end");
	snprintf(buf, sizeof(buf), "%s2000-1000 r-xp 0 08:01 5 /a\n", good);
	expect_maps_error(buf, 2, 11, "empty or reversed");
	expect_maps_error("1000-2000 rwq 0 08:01 5 /a\n", 1, 11, "permissions");
	expect_maps_error("1000-2000 r-xp g 08:01 5 /a\n", 1, 16, "offset");
	expect_maps_error("1000-2000 r-xp 0 0801 5 /a\n", 1, 22, "device");
	expect_maps_error("1000-2000 r-xp 0 08:01 x /a\n", 1, 24, "inode");
	expect_maps_error("1000-2000 r-xp 0 08:01 5x /a\n", 1, 25, "space after the inode");
	snprintf(buf, sizeof(buf), "%s1800-1900 r-xp 0 08:01 5 /b\n", good);
	expect_maps_error(buf, 2, 1, "ascending");
	expect_maps_error("ffffffffffffffffff-1 r-xp 0 0:0 0\n", 1, 1, "start-end");
	/* A blank line is tolerated; no trailing newline too. */
	struct cjd_maps m = {0};
	assert_int_equal(cjd_maps_parse("\n1000-2000 r-xp 0 0:0 0", 23, NULL, "m", &m, NULL), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.m[0].path, "");
	cjd_maps_release(&m);
}

static void test_maps_load_self(void **state)
{
	struct cjd_maps m = {0};
	struct cjd_error err;
	const struct cjd_map *me;

	(void)state;
	assert_int_equal(cjd_maps_load(NULL, getpid(), &m, &err), 0);
	me = cjd_maps_find(&m, (uint64_t)(uintptr_t)&test_maps_load_self);
	assert_non_null(me);
	assert_int_equal(me->kind, CJD_REGION_MAIN);
	cjd_maps_release(&m);
	/* A process that is gone: -ESRCH, located. */
	assert_int_equal(cjd_maps_load("/nonexistent-proc", 1, &m, &err), -ESRCH);
	assert_non_null(strstr(err.file, "/nonexistent-proc/1/maps"));
}

/* ---- hot windows and the mix ---- */

static void test_hot_windows(void **state)
{
	struct cjd_hot_ip ips[] = {{0x1000, 5}, {0x1010, 1}, {0x104f, 2}, {0x10a0, 1},
				   {0x1ff0, 3}, {0x2000, 4}};
	struct cjd_map mm[] = {{0x1000, 0x2000, CJD_REGION_MAIN, (char *)"/a"},
			       {0x2000, 0x3000, CJD_REGION_ANON, (char *)""}};
	struct cjd_maps maps = {mm, 2};
	struct cjd_window w[6];

	(void)state;
	assert_int_equal(cjd_hot_windows(ips, 6, &maps, w), 4);
	/* 0x1000, 0x1010, 0x104f are less than 64 bytes apart: one window. */
	assert_true(w[0].start == 0x1000 && w[0].first == 0 && w[0].count == 3 && w[0].samples == 8);
	assert_int_equal(w[0].end, 0x104f + CJD_WINDOW_SLACK);
	/* 0x10a0 is 0x51 past 0x104f: a window of its own. */
	assert_true(w[1].start == 0x10a0 && w[1].first == 3 && w[1].count == 1);
	/* 0x1ff0 and 0x2000 are close but in two mappings; the first is cut at its mapping's end. */
	assert_true(w[2].start == 0x1ff0 && w[2].end == 0x2000 && w[2].count == 1);
	assert_true(w[3].start == 0x2000 && w[3].samples == 4);
}

static void test_hot_windows_limits(void **state)
{
	struct cjd_hot_ip ips[] = {{0x1ff0, 3}, {0x2000, 4}, {0x2010, 1}};
	struct cjd_map mm[] = {{0x1000, 0x2000, CJD_REGION_MAIN, (char *)"/a"},
			       {0x2000, 0x3000, CJD_REGION_ANON, (char *)""}};
	struct cjd_maps maps = {mm, 2};
	struct cjd_window w[3];
	struct cjd_hot_ip many[200];

	(void)state;
	/* Never across a mapping's end, and never read past it. */
	assert_int_equal(cjd_hot_windows(ips, 3, &maps, w), 2);
	assert_true(w[0].start == 0x1ff0 && w[0].end == 0x2000 && w[0].count == 1);
	assert_true(w[1].start == 0x2000 && w[1].count == 2 && w[1].first == 1);
	/* Without maps the same IPs make one window. */
	assert_int_equal(cjd_hot_windows(ips, 3, NULL, w), 1);
	/* A long dense run is split at CJD_WINDOW_MAX. */
	for (int i = 0; i < 200; i++)
		many[i] = (struct cjd_hot_ip){0x10000 + 32 * (uint64_t)i, 1};
	struct cjd_window ww[200];
	size_t n = cjd_hot_windows(many, 200, NULL, ww);
	assert_int_equal(n, 2);
	assert_true(ww[0].count == CJD_WINDOW_MAX / 32);
	assert_int_equal(ww[0].count + ww[1].count, 200);
}

/* aesenc xmm0,xmm1; xor rax,rbx; jne -> top */
static const uint8_t aes_loop[] = {0x66, 0x0f, 0x38, 0xdc, 0xc1, 0x48, 0x31, 0xd8, 0x75, 0xf6};

static void test_hot_mix_block(void **state)
{
	struct cjd_disasm *d;
	struct cjd_mix_acc acc = {0};
	struct cjd_hot_ip ips[] = {{0x400000, 10}, {0x400005, 4}, {0x400008, 16}};

	(void)state;
	assert_int_equal(cjd_disasm_new(CJD_ARCH_X86_64, &d), 0);
	cjd_hot_mix_window(d, aes_loop, sizeof(aes_loop), 0x400000, ips, 3, &acc);
	/* One basic block of three instructions holding 30 samples: 10 each. */
	assert_int_equal(acc.decoded_samples, 30);
	assert_int_equal(acc.instructions, 3);
	assert_true(acc.w[CJD_ICLASS_AES] == 10.0);
	assert_true(acc.w[CJD_ICLASS_ALU] == 10.0);
	assert_true(acc.w[CJD_ICLASS_BRANCH] == 10.0);

	/* Timer samples rarely land on a loop's head: the backward jump names it, so the block
	 * still starts there, in the bytes read before the first sampled IP. */
	struct cjd_hot_ip tail[] = {{0x400005, 9}, {0x400008, 3}};
	memset(&acc, 0, sizeof(acc));
	cjd_hot_mix_window(d, aes_loop, sizeof(aes_loop), 0x400000, tail, 2, &acc);
	assert_int_equal(acc.decoded_samples, 12);
	assert_int_equal(acc.instructions, 3);
	assert_true(acc.w[CJD_ICLASS_AES] == 4.0);
	assert_true(acc.w[CJD_ICLASS_ALU] == 4.0);
	/* A jump target inside a run of code splits it into two blocks. */
	const uint8_t split[] = {0x48, 0x31, 0xd8,        /* 0: xor rax, rbx */
				 0x48, 0xf7, 0xe3,        /* 3: mul rbx (target of the jne) */
				 0x48, 0x01, 0xc2,        /* 6: add rdx, rax */
				 0x75, 0xf8};             /* 9: jne 3 */
	struct cjd_hot_ip sp[] = {{0x2000, 4}, {0x2006, 6}};
	memset(&acc, 0, sizeof(acc));
	cjd_hot_mix_window(d, split, sizeof(split), 0x2000, sp, 2, &acc);
	/* Block [xor] has 4 samples; block [mul, add, jne] has 6: 2 each. */
	assert_true(acc.w[CJD_ICLASS_ALU] == 4.0 + 2.0);
	assert_true(acc.w[CJD_ICLASS_MUL64] == 2.0);
	assert_true(acc.w[CJD_ICLASS_BRANCH] == 2.0);
	cjd_disasm_free(d);
}

static void test_hot_mix_resync_and_junk(void **state)
{
	/* A linear decode from 0x1000 reads "mov eax, imm32" (b8 + 4 bytes), but a sample sits at
	 * 0x1003: a sampled IP is a real instruction start, so decoding restarts there and finds
	 * xor rax,rbx (48 31 d8) and ret. */
	const uint8_t code[] = {0xb8, 0x90, 0x90, 0x48, 0x31, 0xd8, 0xc3, 0x06, 0x06, 0x06};
	struct cjd_hot_ip ips[] = {{0x1000, 2}, {0x1003, 6}, {0x1007, 5}};
	struct cjd_disasm *d;
	struct cjd_mix_acc acc = {0};

	(void)state;
	assert_int_equal(cjd_disasm_new(CJD_ARCH_X86_64, &d), 0);
	cjd_hot_mix_window(d, code, sizeof(code), 0x1000, ips, 3, &acc);
	/* Block 1: mov (2 samples, closed at resync). Block 2: xor + ret (6 samples).
	 * 0x06 is invalid in 64-bit mode: its 5 samples are not decoded. */
	assert_int_equal(acc.decoded_samples, 8);
	assert_true(acc.w[CJD_ICLASS_OTHER] == 2.0);
	assert_true(acc.w[CJD_ICLASS_ALU] == 3.0);
	assert_true(acc.w[CJD_ICLASS_CALL] == 3.0);
	/* A window cut short: the IP beyond the bytes read counts nowhere. */
	memset(&acc, 0, sizeof(acc));
	cjd_hot_mix_window(d, code, 3, 0x1000, ips, 3, &acc);
	assert_int_equal(acc.decoded_samples, 0);
	cjd_disasm_free(d);
}

static void test_hot_lines(void **state)
{
	struct cjd_hot_line l[] = {{1, 10, 10}, {1, 11, 50}, {2, 10, 30}, {1, 12, 10}};

	(void)state;
	assert_int_equal(cjd_hot_lines_cover(l, 4, 100, 0.9), 3);
	assert_int_equal(l[0].n, 50);
	assert_int_equal(cjd_hot_lines_cover(l, 4, 100, 0.5), 1);
	assert_int_equal(cjd_hot_lines_cover(l, 4, 100, 1.0), 4);
	assert_int_equal(cjd_hot_lines_cover(l, 0, 0, 0.9), 0);
}

/* ---- JSON and words ---- */

static void fill_result(struct cjd_codesample_result *r)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = 1000000000;
	r->period_ns = 1000000;
	r->nrings = 2;
	r->samples = 1000;
	r->user_samples = 990;
	r->kernel_samples = 10;
	r->lost = 3;
	r->npids = 1;
	r->ntids = 2;
	r->region_samples[CJD_REGION_ANON] = 900;
	r->region_samples[CJD_REGION_LIB] = 90;
	r->off_disk_share = 900.0 / 990;
	r->ntop = 2;
	r->top[0] = (struct cjd_codesample_region){CJD_REGION_ANON, "[anon]", 900, 1};
	r->top[1] = (struct cjd_codesample_region){CJD_REGION_LIB, "/lib/libc.so.6", 90, 1};
	r->hot90_lines = 12;
	r->hot90_bytes = 768;
	r->mix_available = true;
	r->arch = "x86_64";
	r->mix[CJD_ICLASS_AES] = 0.4;
	r->mix[CJD_ICLASS_MUL64] = 0.2;
	r->mix[CJD_ICLASS_ALU] = 0.3;
	r->mix[CJD_ICLASS_BRANCH] = 0.1;
	r->decoded_samples = 900;
}

static void test_json(void **state)
{
	struct cjd_codesample_result r;
	json_t *j, *v;

	(void)state;
	fill_result(&r);
	assert_int_equal(cjd_codesample_to_json(&r, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "samples"), "lost")), 3);
	v = json_object_get(json_object_get(j, "mix"), "classes");
	assert_true(json_real_value(json_object_get(v, "aes")) == 0.4);
	assert_int_equal(json_object_size(v), CJD_ICLASS__COUNT);
	v = json_array_get(json_object_get(json_object_get(j, "regions"), "top"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "kind")), "anon");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "hot90"), "bytes")), 768);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "cgroup");
	v = json_object_get(j, "regions");
	assert_int_equal(json_integer_value(json_object_get(v, "maps_failed")), 0);
	assert_string_equal(json_string_value(json_object_get(v, "maps_note")), "");
	json_decref(j);
	cjd_codesample_result_free(&r);
	cjd_codesample_result_free(NULL);
}

static void test_describe(void **state)
{
	struct cjd_codesample_result r;
	char buf[600], small[20];
	int n;

	(void)state;
	fill_result(&r);
	n = cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "91 % of the user CPU time ran in anonymous executable memory, "
				    "not in a file on disk"));
	assert_non_null(strstr(buf, "90 % of the samples fell in 768 B of code"));
	assert_non_null(strstr(buf, "AES rounds 40 %"));
	assert_non_null(strstr(buf, "some samples were lost"));
	/* Truncation: terminated, and the needed length returned. */
	assert_int_equal(cjd_codesample_describe(&r, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	r.off_disk_share = 0;
	r.top[0] = (struct cjd_codesample_region){CJD_REGION_MAIN, "/usr/bin/gzip", 900, 1};
	r.mix_available = false;
	snprintf(r.mix_why, sizeof(r.mix_why), "the code could not be read");
	cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "% of the user CPU time ran in /usr/bin/gzip (the main executable)."));
	assert_non_null(strstr(buf, "Instruction mix unavailable: the code could not be read."));

	/* some off-disk code beside a file: both said; none placed: why */
	r.off_disk_share = 0.2;
	cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(the main executable), and 20 % in anonymous executable memory."));
	r.off_disk_share = 0;
	r.top[0].kind = CJD_REGION_UNKNOWN;
	snprintf(r.maps_note, sizeof(r.maps_note), "/proc/7/maps: process 7 is gone");
	cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "The user CPU time could not be placed in the processes' code "
				    "(/proc/7/maps: process 7 is gone). 90 %"));

	memset(&r, 0, sizeof(r));
	r.window_ns = 500000000;
	cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "No CPU time was sampled in 0.5 s"));
	r.samples = r.kernel_samples = 4;
	cjd_codesample_describe(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "in the kernel"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cjd_iclass_name(CJD_ICLASS_INT_SIMD), "int_simd");
	assert_string_equal(cjd_iclass_name(CJD_ICLASS__COUNT), "?");
	for (int c = 0; c < CJD_ICLASS__COUNT; c++)
		assert_string_not_equal(cjd_iclass_name((enum cjd_iclass)c), "?");
}

/* Options are checked before anything is opened. */
static void test_bad_opts(void **state)
{
	struct cjd_codesample_result r;
	struct cjd_codesample_opts o = {.period_ns = 1000};
	struct cjd_error err;

	(void)state;
	assert_int_equal(cjd_codesample_run("/nonexistent", &o, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "period"));
	o = (struct cjd_codesample_opts){.ring_pages = 3};
	assert_int_equal(cjd_codesample_run("/nonexistent", &o, &r, &err), -EINVAL);
	o = (struct cjd_codesample_opts){.duration_ns = 61000000000ull};
	assert_int_equal(cjd_codesample_run("/nonexistent", &o, &r, &err), -EINVAL);
	assert_int_equal(cjd_codesample_run(NULL, NULL, &r, &err), -EINVAL);
	assert_int_equal(cjd_codesample_run_tids(NULL, 0, NULL, &r, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_plain),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_ring_corrupt),
		cmocka_unit_test(test_ring_stop),
		cmocka_unit_test(test_maps_parse),
		cmocka_unit_test(test_maps_classify),
		cmocka_unit_test(test_maps_errors),
		cmocka_unit_test(test_maps_load_self),
		cmocka_unit_test(test_hot_windows),
		cmocka_unit_test(test_hot_windows_limits),
		cmocka_unit_test(test_hot_mix_block),
		cmocka_unit_test(test_hot_mix_resync_and_junk),
		cmocka_unit_test(test_hot_lines),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
