/* Unit tests for the shared helpers: durations, number formatting, UTF-8, JSON escaping, strmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/strmap.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"

static void test_duration_parse(void **state)
{
	(void)state;
	uint64_t ns;
	assert_int_equal(cjd_duration_parse("200ms", &ns), 0);
	assert_int_equal(ns, 200000000ull);
	assert_int_equal(cjd_duration_parse("1s", &ns), 0);
	assert_int_equal(ns, 1000000000ull);
	assert_int_equal(cjd_duration_parse("1.5s", &ns), 0);
	assert_int_equal(ns, 1500000000ull);
	assert_int_equal(cjd_duration_parse("2m", &ns), 0);
	assert_int_equal(ns, 120000000000ull);
	assert_int_equal(cjd_duration_parse("3", &ns), 0);
	assert_int_equal(ns, 3000000000ull);
	assert_int_equal(cjd_duration_parse("10us", &ns), 0);
	assert_int_equal(ns, 10000ull);
	assert_int_equal(cjd_duration_parse("", &ns), -EINVAL);
	assert_int_equal(cjd_duration_parse("ms", &ns), -EINVAL);
	assert_int_equal(cjd_duration_parse("1x", &ns), -EINVAL);
	assert_int_equal(cjd_duration_parse("-1s", &ns), -EINVAL);
	assert_int_equal(cjd_duration_parse("1.s", &ns), -EINVAL);
	assert_int_equal(cjd_duration_parse("99999999999999999999h", &ns), -ERANGE);
	assert_int_equal(cjd_duration_parse("9999999999999h", &ns), -ERANGE);
}

static void test_duration_format(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(cjd_duration_format(200000000ull, b, sizeof(b)), "200ms");
	assert_string_equal(cjd_duration_format(1000000000ull, b, sizeof(b)), "1s");
	assert_string_equal(cjd_duration_format(90000000000ull, b, sizeof(b)), "90s");
	assert_string_equal(cjd_duration_format(120000000000ull, b, sizeof(b)), "2m");
	assert_string_equal(cjd_duration_format(1234ull, b, sizeof(b)), "1234ns");
}

static void test_size_and_u64(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(cjd_size_parse("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(cjd_size_parse("10", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cjd_size_parse("M", &v), -EINVAL);
	assert_int_equal(cjd_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cjd_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cjd_parse_u64("12a", &v), -EINVAL);
}

/* Significant digits of a %g rendering: "909790" and "9.0979e+05" both have 5. */
static int sig_digits(const char *s)
{
	char d[64];
	int n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
	d[n] = '\0';
	int lead = 0;
	while (lead < n && d[lead] == '0')
		lead++;
	while (n > lead && d[n - 1] == '0')
		n--;
	return n - lead;
}

static void test_fmt_float_roundtrip(void **state)
{
	(void)state;
	char b[64];
	assert_int_equal(cjd_fmt_float(b, sizeof(b), 1.0f), 1);
	assert_string_equal(b, "1");
	cjd_fmt_float(b, sizeof(b), 0.5f);
	assert_string_equal(b, "0.5");
	cjd_fmt_float(b, sizeof(b), 0.1f);
	assert_string_equal(b, "0.1");
	srand(42);
	for (int i = 0; i < 100000; i++) {
		float f = (float)rand() / (float)RAND_MAX;
		assert_true(cjd_fmt_float(b, sizeof(b), f) > 0);
		assert_true(strtof(b, NULL) == f);
		double d = (double)rand() * 1e-7 / 3.0;
		assert_true(cjd_fmt_double(b, sizeof(b), d) > 0);
		assert_true(strtod(b, NULL) == d);
	}
	/* the fast path must still be the shortest form: compare with trying every precision */
	for (int i = 0; i < 20000; i++) {
		double d = ldexp((double)rand() / RAND_MAX, (rand() % 80) - 40);
		char brute[64];
		for (int p = 1; p <= 17; p++) {
			snprintf(brute, sizeof(brute), "%.*g", p, d);
			if (strtod(brute, NULL) == d)
				break;
		}
		cjd_fmt_double(b, sizeof(b), d);
		assert_true(strtod(b, NULL) == d);
		assert_int_equal(sig_digits(b), sig_digits(brute));
		float f = (float)d;
		for (int p = 1; p <= 9; p++) {
			snprintf(brute, sizeof(brute), "%.*g", p, (double)f);
			if (strtof(brute, NULL) == f)
				break;
		}
		cjd_fmt_float(b, sizeof(b), f);
		assert_true(strtof(b, NULL) == f);
		assert_int_equal(sig_digits(b), sig_digits(brute));
	}
	cjd_fmt_double(b, sizeof(b), 0.3);
	assert_string_equal(b, "0.3");
	assert_int_equal(cjd_fmt_float(b, sizeof(b), NAN), -EDOM);
	assert_int_equal(cjd_fmt_double(b, sizeof(b), INFINITY), -EDOM);
}

static void test_utf8(void **state)
{
	(void)state;
	const char ok[] = "plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	assert_int_equal(cjd_utf8_check(ok, strlen(ok)), strlen(ok));
	assert_int_equal(cjd_utf8_check("ab\xff", 3), 2);
	assert_int_equal(cjd_utf8_check("\xc0\xaf", 2), 0);         /* overlong */
	assert_int_equal(cjd_utf8_check("\xed\xa0\x80", 3), 0);     /* surrogate */
	assert_int_equal(cjd_utf8_check("x\xe2\x82", 3), 1);        /* cut short */
	assert_int_equal(cjd_utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
}

static void test_json_escape(void **state)
{
	(void)state;
	char b[64];
	size_t pos = 0;
	assert_int_equal(cjd_json_escape(b, sizeof(b), &pos, "a\"b\\c\nd\x01"), 0);
	b[pos] = '\0';
	assert_string_equal(b, "\"a\\\"b\\\\c\\nd\\u0001\"");
	pos = 0;
	assert_int_equal(cjd_json_escape(b, 4, &pos, "abcdef"), -ENOSPC);
	assert_int_equal(pos, 0);
}

static void test_strmap(void **state)
{
	(void)state;
	struct cjd_strmap *m = cjd_strmap_new();
	char key[32];
	uint64_t *v;

	assert_non_null(m);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "/k%d", i);
		assert_int_equal(cjd_strmap_upsert(m, key, &v), 1);
		*v = (uint64_t)i;
	}
	for (int i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "/k%d", i);
		assert_int_equal(cjd_strmap_remove(m, key), 0);
	}
	assert_int_equal(cjd_strmap_count(m), 2500);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "/k%d", i);
		v = cjd_strmap_get(m, key);
		if (i % 2)
			assert_true(v && *v == (uint64_t)i);
		else
			assert_null(v);
	}
	/* re-inserting after removal reuses tombstones and never loses entries */
	for (int i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "/k%d", i);
		assert_int_equal(cjd_strmap_upsert(m, key, &v), 1);
		*v = (uint64_t)i;
	}
	size_t it = 0, n = 0;
	const char *k;
	while (cjd_strmap_next(m, &it, &k, &v)) {
		assert_int_equal(*v, (uint64_t)atoi(k + 2));
		n++;
	}
	assert_int_equal(n, 5000);
	assert_int_equal(cjd_strmap_remove(m, "/nope"), -ENOENT);
	cjd_strmap_free(m);
	cjd_strmap_free(NULL);
}

static void test_rfc3339(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(cjd_rfc3339_ns(1764180000123456789ull, b, sizeof(b)),
			    "2025-11-26T18:00:00.123456789Z");
	assert_string_equal(cjd_rfc3339_sec(1764180000123456789ull, b, sizeof(b)),
			    "2025-11-26T18:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),  cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_size_and_u64),    cmocka_unit_test(test_fmt_float_roundtrip),
		cmocka_unit_test(test_utf8),            cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_strmap),          cmocka_unit_test(test_rfc3339),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
