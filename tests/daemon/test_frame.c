/* Unit tests for split mode's binary frames: bit-exact round trip and rejection of every malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/daemon/frame.h"

static void fill(struct cjd_sample *s, int i)
{
	cjd_sample_clear(s);
	s->t_ns = 1000000000ull * (uint64_t)(i + 1);
	s->dt_ns = 1000000000ull;
	s->cgroup = i % 2 ? "/a/\"q\"\nnl" : "/system.slice/docker-x.scope";
	s->label = i % 3 ? NULL : "miner/randomx";
	s->events = i % 2 ? CJD_EVMASK_SOFTWARE : CJD_EVMASK_ALL;
	for (int e = 0; e < CJD_EV__COUNT; e++)
		s->count[e] = (uint64_t)e * 0x0123456789abcdefull + (uint64_t)i;
	s->has_running = i % 2 == 0;
	for (int e = 0; e < CJD_EV__COUNT; e++)
		s->running[e] = 1.0f / (float)(e + 1 + i);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct cjd_frame_builder b = {0};
	struct cjd_frame_reader r;
	struct cjd_error err;
	struct cjd_sample in, out;
	const uint8_t *data;
	size_t len;

	assert_int_equal(cjd_frame_begin(&b, CJD_FRAME_SAMPLES, "host-1", 42), 0);
	for (int i = 0; i < 100; i++) {
		fill(&in, i);
		assert_int_equal(cjd_frame_add_sample(&b, &in), 0);
	}
	cjd_frame_end(&b, &data, &len);
	assert_int_equal(cjd_frame_open(&r, data, len, &err), 0);
	assert_string_equal(r.host, "host-1");
	assert_true(r.seq == 42);
	for (int i = 0; i < 100; i++) {
		fill(&in, i);
		assert_int_equal(cjd_frame_next_sample(&r, &out, &err), 1);
		assert_true(out.t_ns == in.t_ns && out.dt_ns == in.dt_ns);
		assert_string_equal(out.cgroup, in.cgroup);
		assert_int_equal(out.events, in.events);
		assert_int_equal(out.has_running, in.has_running);
		for (int e = 0; e < CJD_EV__COUNT; e++) {
			if (!(in.events & CJD_EVMASK(e)))
				continue;
			assert_true(out.count[e] == in.count[e]);
			if (in.has_running)
				assert_memory_equal(&out.running[e], &in.running[e], sizeof(float));
		}
		if (in.label)
			assert_string_equal(out.label, in.label);
		else
			assert_null(out.label);
		assert_string_equal(out.host, "host-1");
	}
	assert_int_equal(cjd_frame_next_sample(&r, &out, &err), 0);

	assert_int_equal(cjd_frame_begin(&b, CJD_FRAME_GONE, "h", 43), 0);
	assert_int_equal(cjd_frame_add_gone(&b, "/gone/one"), 0);
	assert_int_equal(cjd_frame_add_sample(&b, &in), -EINVAL); /* wrong kind */
	cjd_frame_end(&b, &data, &len);
	const char *cg;
	assert_int_equal(cjd_frame_open(&r, data, len, &err), 0);
	assert_int_equal(cjd_frame_next_gone(&r, &cg, &err), 1);
	assert_string_equal(cg, "/gone/one");
	assert_int_equal(cjd_frame_next_gone(&r, &cg, &err), 0);
	cjd_frame_builder_release(&b);
}

/* Every truncation of a valid frame, and every single-byte corruption of its
 * header, is rejected without reading outside the buffer (ASan checks that). */
static void test_truncations_and_corruption(void **state)
{
	(void)state;
	struct cjd_frame_builder b = {0};
	struct cjd_frame_reader r;
	struct cjd_error err;
	struct cjd_sample s;
	const uint8_t *data;
	size_t len;
	int rc;

	assert_int_equal(cjd_frame_begin(&b, CJD_FRAME_SAMPLES, "h", 1), 0);
	for (int i = 0; i < 3; i++) {
		fill(&s, i);
		assert_int_equal(cjd_frame_add_sample(&b, &s), 0);
	}
	cjd_frame_end(&b, &data, &len);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, data, cut);
		rc = cjd_frame_open(&r, copy, cut, &err);
		if (rc == 0)
			while ((rc = cjd_frame_next_sample(&r, &s, &err)) == 1)
				;
		assert_int_equal(rc, -EINVAL);
		free(copy);
	}
	/* trailing garbage */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, data, len);
	longer[len] = 0;
	assert_int_equal(cjd_frame_open(&r, longer, len + 1, &err), 0);
	while ((rc = cjd_frame_next_sample(&r, &s, &err)) == 1)
		;
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.text, "malformed frame: trailing bytes after the last record at byte 518");
	free(longer);
	/* an event bit beyond the registry */
	uint8_t *bad = malloc(len);
	memcpy(bad, data, len);
	size_t ev_at = 4 + 1 + 1 + 8 + 1 + 1 + 2 + 16; /* header with host "h", then t_ns, dt_ns */
	bad[ev_at + 3] = 0x80;
	assert_int_equal(cjd_frame_open(&r, bad, len, &err), 0);
	assert_int_equal(cjd_frame_next_sample(&r, &s, &err), -EINVAL);
	free(bad);
	cjd_frame_builder_release(&b);
}

static void test_builder_limits(void **state)
{
	(void)state;
	struct cjd_frame_builder b = {0};
	struct cjd_sample s;
	char host[300];
	memset(host, 'h', sizeof(host) - 1);
	host[299] = '\0';
	assert_int_equal(cjd_frame_begin(&b, CJD_FRAME_SAMPLES, host, 1), -EINVAL);
	assert_int_equal(cjd_frame_begin(&b, CJD_FRAME_SAMPLES, "h", 1), 0);
	fill(&s, 0);
	s.cgroup = "relative";
	assert_int_equal(cjd_frame_add_sample(&b, &s), -EINVAL);
	fill(&s, 0);
	s.dt_ns = 0;
	assert_int_equal(cjd_frame_add_sample(&b, &s), -EINVAL);
	cjd_frame_builder_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncations_and_corruption),
		cmocka_unit_test(test_builder_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
