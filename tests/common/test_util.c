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

#include "cjd/common/json_dump.h"
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

/* The values that once printed with noise digits, and the exponent form. */
static void test_fmt_tricky(void **state)
{
	(void)state;
	static const struct {
		double d;
		const char *text;
	} dbl[] = {
		{0.1, "0.1"},
		{1e-7, "1e-07"},
		{0.96310896, "0.96310896"}, /* %.17g: 0.96310896000000001 */
		{123456789.125, "123456789.125"},
		{3.888888888888889e-05, "3.888888888888889e-05"},
		{1e21, "1e+21"},
		{1.5e300, "1.5e+300"},
		{-2.5e-310, "-2.5e-310"}, /* subnormal: %.15g is -2.50000000000002e-310 */
		{0.0, "0"},
		{4503599627370497.0, "4503599627370497"},
	};
	static const struct {
		float f;
		const char *text;
	} flt[] = {
		{0.96310896f, "0.96310896"}, /* %.9g: 0.963108957; as a double: 0.9631089568138123 */
		{0.1f, "0.1"},
		{1e-7f, "1e-07"},
		{0.8f, "0.8"},                /* %.9g: 0.800000012 */
		{16777217.0f, "16777216"},
		{3.4028235e38f, "3.4028235e+38"},
		{1e-40f, "1e-40"},            /* subnormal */
	};
	char b[64];

	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
		int n = cjd_fmt_double(b, sizeof(b), dbl[i].d);
		assert_int_equal(n, (int)strlen(dbl[i].text));
		assert_string_equal(b, dbl[i].text);
		assert_true(strtod(b, NULL) == dbl[i].d);
	}
	for (size_t i = 0; i < sizeof(flt) / sizeof(flt[0]); i++) {
		int n = cjd_fmt_float(b, sizeof(b), flt[i].f);
		assert_int_equal(n, (int)strlen(flt[i].text));
		assert_string_equal(b, flt[i].text);
		assert_true(strtof(b, NULL) == flt[i].f);
	}
	/* too small a buffer is an error, never a cut number */
	assert_int_equal(cjd_fmt_double(b, 4, 0.96310896), -ENOSPC);
}

static void test_json_dumps(void **state)
{
	(void)state;
	json_error_t e;
	const char *in = "{\"score\":0.96310896,\"tiny\":1e-7,\"whole\":3.0,\"int\":3,"
			 "\"cost\":123456789.125,\"usd\":3.888888888888889e-05,\"neg\":-0.5,"
			 "\"s\":\"a\\\"b\\\\c\\n\\u001b\u00e9\",\"nul\":\"x\\u0000y\","
			 "\"a\":[true,false,null,[],{}],\"o\":{\"k\":0.1}}";
	const char *want = "{\"score\":0.96310896,\"tiny\":1e-07,\"whole\":3.0,\"int\":3,"
			   "\"cost\":123456789.125,\"usd\":3.888888888888889e-05,\"neg\":-0.5,"
			   "\"s\":\"a\\\"b\\\\c\\n\\u001b\u00e9\",\"nul\":\"x\\u0000y\","
			   "\"a\":[true,false,null,[],{}],\"o\":{\"k\":0.1}}";
	json_t *v = json_loads(in, JSON_ALLOW_NUL, &e);
	assert_non_null(v);
	char *text = cjd_json_dumps(v);
	assert_non_null(text);
	assert_string_equal(text, want);
	/* it reads back to an equal value (reals stay reals: "3.0") */
	json_t *back = json_loads(text, JSON_ALLOW_NUL, &e);
	assert_non_null(back);
	assert_true(json_equal(v, back));
	assert_true(json_is_real(json_object_get(back, "whole")));
	json_decref(back);
	free(text);
	json_decref(v);
	/* a bare value */
	v = json_real(0.1);
	text = cjd_json_dumps(v);
	assert_string_equal(text, "0.1");
	free(text);
	json_decref(v);
	assert_null(cjd_json_dumps(NULL));
}

static void test_rfc3339_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t ns;
	} good[] = {
		{"2026-12-03T10:00:00Z", 1796292000000000000ull},
		{"2026-12-03t10:00:00z", 1796292000000000000ull},
		{"2026-12-03 10:00:00Z", 1796292000000000000ull},
		{"2026-12-03T11:00:00+01:00", 1796292000000000000ull},
		{"2026-12-03T04:30:00-05:30", 1796292000000000000ull},
		{"2026-12-03T10:00:00.5Z", 1796292000500000000ull},
		{"2026-12-03T10:00:00.123456789Z", 1796292000123456789ull},
		{"2026-12-03T10:00:00.1234567891234Z", 1796292000123456789ull},
		{"2026-12-03", 1796256000000000000ull},
		{"2028-02-29T00:00:00Z", 1835395200000000000ull},
		{"1970-01-01T00:00:00Z", 0},
	};
	static const char *const bad[] = {
		"", "2026-12-03T10:00:00", "2026-12-03T10:00Z", "2026-13-01", "2026-02-29",
		"2026-12-32", "2026-12-03T24:00:00Z", "2026-12-03T10:60:00Z", "2026-12-03T10:00:00.Z",
		"2026-12-03T10:00:00+1:00", "2026-12-03T10:00:00Zx", "26-12-03", "yesterday", "1h",
	};
	uint64_t ns;
	char ts[48];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (cjd_rfc3339_parse(good[i].text, &ns) != 0 || ns != good[i].ns)
			fail_msg("%s: got %llu", good[i].text, (unsigned long long)ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cjd_rfc3339_parse(bad[i], &ns) != -EINVAL)
			fail_msg("'%s' was taken", bad[i]);
	assert_int_equal(cjd_rfc3339_parse("1969-12-31T23:59:59Z", &ns), -ERANGE);
	/* what we print reads back */
	cjd_rfc3339_ns(1796292000123456789ull, ts, sizeof(ts));
	assert_int_equal(cjd_rfc3339_parse(ts, &ns), 0);
	assert_true(ns == 1796292000123456789ull);
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
		cmocka_unit_test(test_fmt_tricky),       cmocka_unit_test(test_json_dumps),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_strmap),          cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_rfc3339_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
