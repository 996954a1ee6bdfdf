/* Unit tests for the trace format: bit-exact round trips (plain and gzip) and every parse error. */
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
#include <zlib.h>

#include "cjd/common/text.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_line.h"
#include "cjd/common/trace_reader.h"
#include "cjd/common/trace_writer.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cjd-test-trace-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define N_SAMPLES 3000

struct stored {
	struct cjd_sample s;
	char cgroup[64];
	char label[32];
};

static const char *const cgroup_names[] = {
	"/system.slice/docker-0123456789abcdef.scope", "/kubepods/burstable/pod1234/abc",
	"/weird \"quoted\" name", "/new\nline", "/caf\xc3\xa9/\xf0\x9f\x98\x80", "/a\\b", "/"};

static void make_samples(struct stored *st, const struct cjd_trace_header *h)
{
	uint64_t t[CJD_ARRAY_SIZE(cgroup_names)] = {0};
	for (int i = 0; i < N_SAMPLES; i++) {
		struct stored *x = &st[i];
		size_t c = rnd() % CJD_ARRAY_SIZE(cgroup_names);
		cjd_sample_clear(&x->s);
		t[c] += 1 + rnd() % 2000000000ull;
		x->s.t_ns = t[c];
		x->s.dt_ns = 1 + rnd() % 2000000000ull;
		snprintf(x->cgroup, sizeof(x->cgroup), "%s", cgroup_names[c]);
		x->s.cgroup = x->cgroup;
		x->s.events = cjd_trace_header_mask(h);
		for (int e = 0; e < h->n_events; e++) {
			uint64_t r = rnd();
			/* mix small counts, zeros and values near 2^63 and 2^64 */
			x->s.count[h->events[e]] = (r & 3) == 0 ? 0 : (r & 3) == 1 ? r % 1000
						   : (r & 3) == 2 ? (1ull << 63) + (r % 1000) : UINT64_MAX - r % 7;
		}
		if (i % 3) {
			x->s.has_running = true;
			for (int e = 0; e < h->n_events; e++) {
				uint64_t r = rnd();
				x->s.running[h->events[e]] = (r & 7) == 0 ? 0.0f : (r & 7) == 1 ? 1.0f
							     : (float)((double)(r >> 11) / 9007199254740992.0);
			}
		}
		if (i % 5 == 0) {
			snprintf(x->label, sizeof(x->label), "%s", i % 10 ? "miner/randomx" : "benign/xz");
			x->s.label = x->label;
		}
	}
}

static void header_all(struct cjd_trace_header *h)
{
	cjd_trace_header_init(h, "perf");
	snprintf(h->host, sizeof(h->host), "test-host");
	snprintf(h->created, sizeof(h->created), "2026-11-26T18:00:00Z");
	h->cpus = 2;
	h->interval_ns = 200000000;
	/* deliberately not registry order: the header order is what counts are written in */
	enum cjd_event order[] = {CJD_EV_SYSCALLS, CJD_EV_CYCLES, CJD_EV_TASK_CLOCK,
				  CJD_EV_INSTRUCTIONS, CJD_EV_LLC_LOAD_MISSES};
	h->n_events = (int)CJD_ARRAY_SIZE(order);
	memcpy(h->events, order, sizeof(order));
	assert_int_equal(cjd_trace_header_set_meta(h, "{\"workload\":\"x\",\"n\":[1,2]}"), 0);
}

static void write_all(const char *path, const struct cjd_trace_header *h, struct stored *st)
{
	struct cjd_trace_writer *w;
	struct cjd_error err;
	assert_int_equal(cjd_trace_writer_open(&w, path, h, CJD_TRACE_COMPRESS_AUTO, &err), 0);
	for (int i = 0; i < N_SAMPLES; i++)
		assert_int_equal(cjd_trace_writer_write(w, &st[i].s, &err), 0);
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
}

static void same_sample(const struct cjd_sample *a, const struct cjd_sample *b,
			const struct cjd_trace_header *h)
{
	assert_true(a->t_ns == b->t_ns);
	assert_true(a->dt_ns == b->dt_ns);
	assert_string_equal(a->cgroup, b->cgroup);
	assert_int_equal(a->events, b->events);
	assert_int_equal(a->has_running, b->has_running);
	for (int e = 0; e < h->n_events; e++) {
		assert_true(a->count[h->events[e]] == b->count[h->events[e]]);
		if (a->has_running)
			assert_memory_equal(&a->running[h->events[e]], &b->running[h->events[e]],
					    sizeof(float));
	}
	if (a->label)
		assert_string_equal(a->label, b->label);
	else
		assert_null(b->label);
}

static char *slurp_gz(const char *path, size_t *len)
{
	gzFile g = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int r;
	assert_non_null(g);
	while ((r = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	assert_true(r == 0);
	gzclose(g);
	*len = n;
	return buf;
}

static void roundtrip(void **state, const char *name, const char *rename)
{
	struct fixture *f = *state;
	struct cjd_trace_header h;
	struct stored *st = calloc(N_SAMPLES, sizeof(*st));
	char p1[128], p2[128];
	struct cjd_trace_reader *r;
	struct cjd_trace_writer *w;
	struct cjd_error err;
	struct cjd_sample s;

	header_all(&h);
	make_samples(st, &h);
	snprintf(p1, sizeof(p1), "%s/%s", f->dir, name);
	snprintf(p2, sizeof(p2), "%s/%s", f->dir, rename);
	write_all(p1, &h, st);

	/* read back: every field bit-exact, and write it out again */
	assert_int_equal(cjd_trace_reader_open(&r, p1, &err), 0);
	const struct cjd_trace_header *rh = cjd_trace_reader_header(r);
	assert_string_equal(rh->host, "test-host");
	assert_string_equal(rh->meta, "{\"workload\":\"x\",\"n\":[1,2]}");
	assert_int_equal(rh->n_events, h.n_events);
	assert_memory_equal(rh->events, h.events, sizeof(h.events[0]) * (size_t)h.n_events);
	assert_int_equal(cjd_trace_writer_open(&w, p2, rh, CJD_TRACE_COMPRESS_AUTO, &err), 0);
	for (int i = 0; i < N_SAMPLES; i++) {
		assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
		same_sample(&st[i].s, &s, &h);
		assert_int_equal(cjd_trace_writer_write(w, &s, &err), 0);
	}
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 0);
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	cjd_trace_reader_free(r);

	/* the re-written file is byte-identical once decompressed */
	size_t l1, l2;
	char *b1 = slurp_gz(p1, &l1), *b2 = slurp_gz(p2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);
	cjd_trace_header_release(&h);
	free(st);
}

static void test_roundtrip_plain(void **state)
{
	roundtrip(state, "a.cjdt", "b.cjdt");
}

static void test_roundtrip_gzip(void **state)
{
	roundtrip(state, "a.cjdt.gz", "b.cjdt.gz");
}

static void test_roundtrip_plain_to_gzip(void **state)
{
	roundtrip(state, "a.cjdt", "b.cjdt.gz");
}

/* ---- line-level errors: exact message and column ---- */

static const struct {
	const char *line;
	int column;
	const char *text;
} bad_lines[] = {
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]", 49,
	 "unexpected end of line (truncated record?)"},
	{"{\"t_ns\":\"1\",\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 9,
	 "t_ns must be an integer, found a string"},
	{"{\"t_ns\":-5,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 9, "t_ns must not be negative"},
	{"{\"t_ns\":1.5,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 9,
	 "t_ns must be an integer, found a fraction or exponent"},
	{"{\"t_ns\":1,\"dt_ns\":0,\"cgroup\":\"/a\",\"counts\":[1,2]}", 19, "dt_ns must be greater than 0"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1]}", 46,
	 "\"counts\" has 1 values, but the header lists 2 events"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2,3]}", 49,
	 "\"counts\" has more values than the 2 events in the header"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2],\"running\":[1,1.5]}", 63,
	 "running[1] (context-switches) is 1.5, outside 0..1"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2],\"running\":[-0.1,1]}", 61,
	 "running[0] (task-clock) is -0.1, outside 0..1"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,18446744073709551616]}", 47,
	 "counts[1] (context-switches) does not fit in 64 bits"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2],\"label\":\"evil\"}", 58,
	 "label \"evil\" is not benign[/name] or miner[/algorithm]"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"a\",\"counts\":[1,2]}", 30,
	 "cgroup must be a path starting with '/'"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2],\"extra\":1}", 50,
	 "unknown key \"extra\""},
	{"{\"t_ns\":1,\"t_ns\":2,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 11,
	 "duplicate key \"t_ns\""},
	{"{\"t_ns\":1,\"dt_ns\":1,\"counts\":[1,2]}", 1, "missing \"cgroup\""},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/\xff\",\"counts\":[1,2]}", 32,
	 "byte 0xff is not valid UTF-8"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\\x\",\"counts\":[1,2]}", 33, "invalid escape '\\x'"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\\u0000\",\"counts\":[1,2]}", 33,
	 "\\u0000 is not allowed in strings"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\\ud800\",\"counts\":[1,2]}", 33,
	 "unpaired UTF-16 surrogate in \\u escape"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]} x", 51,
	 "trailing characters after the sample object"},
	{"{\"t_ns\":1,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":{}}", 44,
	 "\"counts\" must be an array, found an object"},
	{"[1,2]", 1, "expected '{', found '['"},
	{"", 1, "empty line"},
	{"{\"t_ns\":01,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 10, "expected ',' or '}', found '1'"},
	{"{\"t_ns\":1e3,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1,2]}", 9,
	 "t_ns must be an integer, found a fraction or exponent"},
};

static void test_line_errors(void **state)
{
	(void)state;
	struct cjd_trace_header h;
	struct cjd_sample s;
	struct cjd_error err;
	char scratch[512];

	cjd_trace_header_init(&h, "perf");
	cjd_trace_header_set_events(&h, CJD_EVMASK(CJD_EV_TASK_CLOCK) |
					    CJD_EVMASK(CJD_EV_CONTEXT_SWITCHES));
	int failures = 0;
	for (size_t i = 0; i < CJD_ARRAY_SIZE(bad_lines); i++) {
		cjd_error_clear(&err);
		int rc = cjd_trace_parse_sample(&h, bad_lines[i].line, strlen(bad_lines[i].line),
						scratch, &s, &err);
		if (rc != -EINVAL || strcmp(err.text, bad_lines[i].text) != 0 ||
		    err.column != bad_lines[i].column) {
			print_error("case %zu: rc=%d col=%d text='%s' (want col %d '%s')\n", i, rc,
				    err.column, err.text, bad_lines[i].column, bad_lines[i].text);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	/* and a good line, for contrast */
	const char *good = " {\"t_ns\":5,\"dt_ns\":2,\"cgroup\":\"/a\\u00e9\",\"counts\":[0,18446744073709551615],"
			   "\"running\":[1,0.25],\"label\":\"miner\"} ";
	assert_int_equal(cjd_trace_parse_sample(&h, good, strlen(good), scratch, &s, &err), 0);
	assert_string_equal(s.cgroup, "/a\xc3\xa9");
	assert_true(s.count[CJD_EV_CONTEXT_SWITCHES] == UINT64_MAX);
	assert_true(s.running[CJD_EV_CONTEXT_SWITCHES] == 0.25f);
	assert_string_equal(s.label, "miner");
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static const char header_line[] =
	"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1000,"
	"\"cpus\":1,\"events\":[\"task-clock\"],\"created\":\"2026-11-26T18:00:00Z\"}\n";

static void test_reader_monotonic(void **state)
{
	struct fixture *f = *state;
	char path[128], text[1024];
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;

	snprintf(path, sizeof(path), "%s/mono.cjdt", f->dir);
	snprintf(text, sizeof(text), "%s"
		 "{\"t_ns\":10,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1]}\n"
		 "{\"t_ns\":5,\"dt_ns\":1,\"cgroup\":\"/b\",\"counts\":[1]}\n"
		 "{\"t_ns\":10,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1]}\n", header_line);
	write_file(path, text, strlen(text));
	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1); /* another cgroup may go back */
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.text,
			    "t_ns 10 is not after the previous sample of cgroup \"/a\" (t_ns 10)");
	/* errors are sticky */
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	cjd_trace_reader_free(r);
}

static void test_reader_long_line(void **state)
{
	struct fixture *f = *state;
	char path[128];
	size_t n = strlen(header_line) + CJD_TRACE_MAX_LINE + 100;
	char *text = malloc(n);
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;

	memcpy(text, header_line, strlen(header_line));
	memset(text + strlen(header_line), ' ', n - strlen(header_line));
	snprintf(path, sizeof(path), "%s/long.cjdt", f->dir);
	write_file(path, text, n);
	free(text);
	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), -E2BIG);
	assert_int_equal(err.line, 2);
	cjd_trace_reader_free(r);
}

static void test_last_line_without_newline(void **state)
{
	struct fixture *f = *state;
	char path[128], text[1024];
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;

	snprintf(path, sizeof(path), "%s/nonl.cjdt", f->dir);
	snprintf(text, sizeof(text), "%s{\"t_ns\":10,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[7]}",
		 header_line);
	write_file(path, text, strlen(text));
	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
	assert_true(s.count[CJD_EV_TASK_CLOCK] == 7);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 0);
	cjd_trace_reader_free(r);
}

static void test_writer_refuses_missing_event(void **state)
{
	struct fixture *f = *state;
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_error err;
	struct cjd_sample s;
	char path[128];

	snprintf(path, sizeof(path), "%s/w.cjdt", f->dir);
	cjd_trace_header_init(&h, "perf");
	cjd_trace_header_set_events(&h, CJD_EVMASK_SOFTWARE);
	assert_int_equal(cjd_trace_writer_open(&w, path, &h, CJD_TRACE_COMPRESS_NONE, &err), 0);
	cjd_sample_clear(&s);
	s.t_ns = 1;
	s.dt_ns = 1;
	s.cgroup = "/x";
	s.events = CJD_EVMASK(CJD_EV_TASK_CLOCK);
	assert_int_equal(cjd_trace_writer_write(w, &s, &err), -EINVAL);
	s.events = CJD_EVMASK_SOFTWARE;
	assert_int_equal(cjd_trace_writer_write(w, &s, &err), 0);
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	cjd_trace_header_release(&h);
}

/* A line the reader would refuse (longer than CJD_TRACE_MAX_LINE) is refused by the
 * writer too, and the lines before and after it reach the file whole. */
static void test_writer_refuses_long_line(void **state)
{
	struct fixture *f = *state;
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;
	char path[128];
	char *label = malloc(CJD_TRACE_MAX_LINE + 1);

	memset(label, 'l', CJD_TRACE_MAX_LINE);
	label[CJD_TRACE_MAX_LINE] = '\0';
	snprintf(path, sizeof(path), "%s/long.cjdt", f->dir);
	cjd_trace_header_init(&h, "perf");
	cjd_trace_header_set_events(&h, CJD_EVMASK(CJD_EV_TASK_CLOCK));
	assert_int_equal(cjd_trace_writer_open(&w, path, &h, CJD_TRACE_COMPRESS_NONE, &err), 0);
	cjd_sample_clear(&s);
	s.dt_ns = 1;
	s.cgroup = "/x";
	s.events = CJD_EVMASK(CJD_EV_TASK_CLOCK);
	for (int i = 1; i <= 3; i++) {
		s.t_ns = (uint64_t)i;
		s.label = i == 2 ? label : NULL;
		assert_int_equal(cjd_trace_writer_write(w, &s, &err), i == 2 ? -E2BIG : 0);
	}
	assert_non_null(strstr(err.text, "longer than"));
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
	assert_true(s.t_ns == 1);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
	assert_true(s.t_ns == 3);
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 0);
	cjd_trace_reader_free(r);
	cjd_trace_header_release(&h);
	free(label);
}

static void test_header_errors(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *text;
	} cases[] = {
		{"{\"t_ns\":1}", "missing header: line 1 lacks \"format\":\"cjd-trace\""},
		{"{\"format\":\"cjd-trace\",\"version\":2}", "unsupported trace version 2 (this cjd reads version 1)"},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1,"
		 "\"cpus\":1,\"events\":[\"cycles\",\"bogus\"],\"created\":\"2026-11-26T18:00:00Z\"}",
		 "header: unknown event \"bogus\" (known: cycles,instructions,branches,branch-misses,"
		 "cache-references,cache-misses,L1-dcache-load-misses,LLC-load-misses,task-clock,"
		 "context-switches,cpu-migrations,page-faults,syscalls)"},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":0,"
		 "\"cpus\":1,\"events\":[\"cycles\"],\"created\":\"2026-11-26T18:00:00Z\"}",
		 "header: \"interval_ns\" must be an integer >= 1"},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1,"
		 "\"cpus\":1,\"events\":[\"cycles\",\"cycles\"],\"created\":\"2026-11-26T18:00:00Z\"}",
		 "header: event \"cycles\" is listed twice"},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1,"
		 "\"cpus\":1,\"events\":[\"cycles\"],\"created\":\"yesterday\"}",
		 "header: \"created\" is not an RFC 3339 time: \"yesterday\""},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1,"
		 "\"cpus\":1,\"events\":[\"cycles\"],\"created\":\"2026-11-26T18:00:00Z\",\"x\":1}",
		 "header: unknown key \"x\""},
		{"{\"format\":\"cjd-trace\",\"version\":1,\"host\":\"h\",\"source\":\"perf\",\"interval_ns\":1,"
		 "\"cpus\":1,\"events\":[\"cycles\"],\"created\":\"2026-11-26T18:00:00Z\",\"meta\":[]}",
		 "header: \"meta\" must be an object"},
	};
	struct cjd_trace_header h;
	struct cjd_error err;

	for (size_t i = 0; i < CJD_ARRAY_SIZE(cases); i++) {
		int rc = cjd_trace_parse_header(cases[i].line, strlen(cases[i].line), &h, &err);
		if (rc != -EINVAL || strcmp(err.text, cases[i].text) != 0)
			fail_msg("case %zu: rc=%d '%s'", i, rc, err.text);
		cjd_trace_header_release(&h);
	}
}

/* Evidence records: written between samples (plain and gzip), read back in order by
 * next_record, passed over by next, counted. */
static void evidence_roundtrip(struct fixture *f, const char *name)
{
	char path[128];
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_trace_reader *r;
	struct cjd_trace_evidence ev = { 0 }, got;
	struct cjd_error err;
	struct cjd_sample s;
	json_t *insp = json_pack("{s:{s:s, s:i}, s:[s]}", "fpstate", "status", "ok",
				 "threads_toward_zero", 2, "summary", "fpstate: ...");

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	cjd_trace_header_init(&h, "perf");
	cjd_trace_header_set_events(&h, CJD_EVMASK(CJD_EV_TASK_CLOCK));
	assert_int_equal(cjd_trace_writer_open(&w, path, &h, CJD_TRACE_COMPRESS_AUTO, &err), 0);
	cjd_sample_clear(&s);
	s.cgroup = "/a";
	s.dt_ns = 100;
	s.events = CJD_EVMASK(CJD_EV_TASK_CLOCK);
	for (int i = 1; i <= 3; i++) {
		s.t_ns = 100 * (uint64_t)i;
		s.count[CJD_EV_TASK_CLOCK] = (uint64_t)i;
		assert_int_equal(cjd_trace_writer_write(w, &s, &err), 0);
		if (i == 2) {
			ev.t_ns = 150;
			ev.cgroup = "/a";
			ev.inspection = insp;
			assert_int_equal(cjd_trace_writer_write_evidence(w, &ev, &err), 0);
		}
	}
	ev.cgroup = "a"; /* not '/'-rooted */
	assert_int_equal(cjd_trace_writer_write_evidence(w, &ev, &err), -EINVAL);
	assert_int_equal(cjd_trace_writer_close(w, &err), 0);
	cjd_trace_header_release(&h);

	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	assert_int_equal(cjd_trace_reader_next_record(r, &s, &got, &err), CJD_TRACE_SAMPLE);
	assert_int_equal(cjd_trace_reader_next_record(r, &s, &got, &err), CJD_TRACE_SAMPLE);
	assert_true(s.t_ns == 200);
	assert_int_equal(cjd_trace_reader_next_record(r, &s, &got, &err), CJD_TRACE_EVIDENCE);
	assert_true(got.t_ns == 150);
	assert_string_equal(got.cgroup, "/a");
	assert_true(json_equal(got.inspection, insp));
	assert_int_equal(cjd_trace_reader_line(r), 4);
	assert_int_equal(cjd_trace_reader_next_record(r, &s, &got, &err), CJD_TRACE_SAMPLE);
	assert_true(s.t_ns == 300);
	assert_int_equal(cjd_trace_reader_next_record(r, &s, &got, &err), 0);
	assert_true(cjd_trace_reader_evidence_count(r) == 1);
	cjd_trace_reader_free(r);

	/* a consumer of samples only sees the three samples */
	assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
		assert_true(s.t_ns == 100 * (uint64_t)i);
	}
	assert_int_equal(cjd_trace_reader_next(r, &s, &err), 0);
	assert_true(cjd_trace_reader_evidence_count(r) == 1);
	cjd_trace_reader_free(r);
	json_decref(insp);
}

static void test_evidence_roundtrip(void **state)
{
	evidence_roundtrip(*state, "ev.cjdt");
	evidence_roundtrip(*state, "ev.cjdt.gz");
}

/* A bad evidence record is an error naming the file and line, also for next(). */
static void test_evidence_errors(void **state)
{
	static const struct {
		const char *line, *text;
	} cases[] = {
		{ "{\"type\":\"evidence\",\"t_ns\":1,\"cgroup\":\"/a\",\"inspection\":{},\"x\":1}",
		  "evidence record: unknown key \"x\"" },
		{ "{\"type\":\"evidence\",\"t_ns\":-1,\"cgroup\":\"/a\",\"inspection\":{}}",
		  "evidence record: \"t_ns\" must be an integer >= 0" },
		{ "{\"type\":\"evidence\",\"t_ns\":1,\"cgroup\":\"a\",\"inspection\":{}}",
		  "evidence record: \"cgroup\" must be a string starting with '/'" },
		{ "{\"type\":\"evidence\",\"t_ns\":1,\"cgroup\":\"/a\",\"inspection\":[]}",
		  "evidence record: \"inspection\" must be an object (cjd inspect --json)" },
		{ "{\"type\":\"evidence\",\"t_ns\":1,",
		  "evidence record: " },
	};
	struct fixture *f = *state;
	char path[128], text[1024];
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;

	for (size_t i = 0; i < CJD_ARRAY_SIZE(cases); i++) {
		snprintf(path, sizeof(path), "%s/everr%zu.cjdt", f->dir, i);
		snprintf(text, sizeof(text), "%s{\"t_ns\":10,\"dt_ns\":1,\"cgroup\":\"/a\",\"counts\":[1]}\n%s\n",
			 header_line, cases[i].line);
		write_file(path, text, strlen(text));
		assert_int_equal(cjd_trace_reader_open(&r, path, &err), 0);
		assert_int_equal(cjd_trace_reader_next(r, &s, &err), 1);
		assert_int_equal(cjd_trace_reader_next(r, &s, &err), -EINVAL);
		assert_int_equal(err.line, 3);
		assert_non_null(strstr(err.file, "everr"));
		if (strncmp(err.text, cases[i].text, strlen(cases[i].text)))
			fail_msg("case %zu: '%s'", i, err.text);
		cjd_trace_reader_free(r);
	}
}

/* Traces recorded before evidence records existed read as before. */
static void test_evidence_old_trace(void **state)
{
	struct cjd_trace_reader *r;
	struct cjd_trace_evidence ev;
	struct cjd_error err;
	struct cjd_sample s;
	long n = 0;
	int rc;

	(void)state;
	assert_int_equal(cjd_trace_reader_open(&r, CJD_TEST_OLD_TRACE, &err), 0);
	while ((rc = cjd_trace_reader_next_record(r, &s, &ev, &err)) == CJD_TRACE_SAMPLE)
		n++;
	assert_int_equal(rc, 0);
	assert_true(n > 100);
	assert_true(cjd_trace_reader_evidence_count(r) == 0);
	cjd_trace_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_plain),
		cmocka_unit_test(test_roundtrip_gzip),
		cmocka_unit_test(test_roundtrip_plain_to_gzip),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_reader_monotonic),
		cmocka_unit_test(test_reader_long_line),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_writer_refuses_missing_event),
		cmocka_unit_test(test_writer_refuses_long_line),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_evidence_roundtrip),
		cmocka_unit_test(test_evidence_errors),
		cmocka_unit_test(test_evidence_old_trace),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
