/* Unit tests for the JSON writer (common/json_writer.c): escaping, UTF-8 policy, numbers, nesting, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"

#include "fail_realloc.h"

/* The text of one token, written into a fresh buffer. */
static char *str_of(const char *s)
{
	struct cjd_buf b = CJD_BUF_INIT;
	char *out;

	assert_int_equal(cjd_json_put_str(&b, s), 0);
	assert_int_equal(cjd_buf_steal(&b, &out, NULL), 0);
	return out;
}

static void test_escape(void **state)
{
	(void)state;
	char *t;

	t = str_of("a\"b\\c\nd\x01");
	assert_string_equal(t, "\"a\\\"b\\\\c\\nd\\u0001\"");
	free(t);
	t = str_of("\r\t\b\f\x1f\x7f/");
	assert_string_equal(t, "\"\\r\\t\\b\\f\\u001f\\u007f/\"");
	free(t);
	t = str_of("");
	assert_string_equal(t, "\"\"");
	free(t);
	/* bytes from 0x80 up are copied as they are (no UTF-8 policy at this level) */
	t = str_of("\xc3\xa9\xff");
	assert_string_equal(t, "\"\xc3\xa9\xff\"");
	free(t);
}

/* Every byte 1..255 alone: escaped exactly when JSON or our rule says so. */
static void test_escape_every_byte(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char s[2] = {(char)c, 0}, want[16];
		switch (c) {
		case '"': strcpy(want, "\"\\\"\""); break;
		case '\\': strcpy(want, "\"\\\\\""); break;
		case '\n': strcpy(want, "\"\\n\""); break;
		case '\r': strcpy(want, "\"\\r\""); break;
		case '\t': strcpy(want, "\"\\t\""); break;
		case '\b': strcpy(want, "\"\\b\""); break;
		case '\f': strcpy(want, "\"\\f\""); break;
		default:
			if (c < 0x20 || c == 0x7f)
				snprintf(want, sizeof(want), "\"\\u%04x\"", c);
			else
				snprintf(want, sizeof(want), "\"%c\"", c);
		}
		char *t = str_of(s);
		assert_string_equal(t, want);
		free(t);
	}
}

static void test_strn_nul(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	assert_int_equal(cjd_json_put_strn(&b, "a\0b", 3), 0);
	assert_string_equal(b.data, "\"a\\u0000b\"");
	cjd_buf_release(&b);
}

/* Random printable and control ASCII and valid multibyte text survives jansson's parser. */
static void test_roundtrip_jansson(void **state)
{
	(void)state;
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < 500; round++) {
		char s[256];
		size_t n = 0, len = cjd_xorshift64(&rng) % 40;
		while (n < len) {
			unsigned pick = (unsigned)(cjd_xorshift64(&rng) % 4);
			if (pick == 0) {
				s[n++] = (char)(1 + cjd_xorshift64(&rng) % 0x7f); /* any ASCII but NUL */
			} else if (pick == 1) {
				memcpy(s + n, "\xc3\xa9", 2); /* é */
				n += 2;
			} else if (pick == 2) {
				memcpy(s + n, "\xf0\x9f\x98\x80", 4); /* an emoji: 4 bytes */
				n += 4;
			} else {
				s[n++] = "\"\\\n\t/"[cjd_xorshift64(&rng) % 5];
			}
		}
		s[n] = '\0';
		char *t = str_of(s);
		json_error_t e;
		json_t *v = json_loads(t, JSON_DECODE_ANY, &e);
		assert_non_null(v);
		assert_string_equal(json_string_value(v), s);
		json_decref(v);
		free(t);
	}
}

static void test_utf8_policy(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		bool replaced;
	} cases[] = {
		{"plain", "\"plain\"", false},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		 false},
		{"a\x80z", "\"a\xef\xbf\xbdz\"", true},                      /* lone continuation */
		{"\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", true},           /* overlong NUL: 2 bytes */
		{"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", true}, /* surrogate */
		{"x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"", true},         /* truncated at the end */
		{"\xe2\x82q", "\"\xef\xbf\xbd\xef\xbf\xbdq\"", true},         /* truncated, then good */
		{"\xf5\x80\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", true},
		{"\xff\n", "\"\xef\xbf\xbd\\n\"", true}, /* replaced, then escaped */
	};
	for (size_t i = 0; i < CJD_ARRAY_SIZE(cases); i++) {
		struct cjd_buf b = CJD_BUF_INIT;
		bool replaced = false;
		assert_int_equal(cjd_json_put_str_utf8(&b, cases[i].in, &replaced), 0);
		assert_string_equal(b.data, cases[i].out);
		assert_int_equal(replaced, cases[i].replaced);
		/* what comes out is valid UTF-8 that jansson takes */
		json_t *v = json_loads(b.data, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_decref(v);
		cjd_buf_release(&b);
	}
}

static void test_numbers(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	assert_int_equal(cjd_json_put_float(&b, 0.1f), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_float(&b, 0.96310896f), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_float(&b, 1e-7f), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_float(&b, 1.0f), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_double(&b, 0.1), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_double(&b, (double)0.1f), 0);
	cjd_buf_putc(&b, ' ');
	assert_int_equal(cjd_json_put_double(&b, -2.5e300), 0);
	assert_string_equal(b.data, "0.1 0.96310896 1e-07 1 0.1 0.10000000149011612 -2.5e+300");
	cjd_buf_clear(&b);
	/* non-finite: null, -EDOM, and the buffer is not in error */
	assert_int_equal(cjd_json_put_float(&b, NAN), -EDOM);
	cjd_buf_putc(&b, ',');
	assert_int_equal(cjd_json_put_double(&b, -INFINITY), -EDOM);
	assert_string_equal(b.data, "null,null");
	assert_int_equal(b.err, 0);
	cjd_buf_release(&b);

	/* shortest and exact: random floats and doubles read back bit for bit */
	uint64_t rng = 42;
	for (int i = 0; i < 2000; i++) {
		uint64_t r = cjd_xorshift64(&rng);
		float f;
		double d;
		uint32_t r32 = (uint32_t)r;
		memcpy(&f, &r32, sizeof(f));
		memcpy(&d, &r, sizeof(d));
		if (isfinite(f)) {
			assert_int_equal(cjd_json_put_float(&b, f), 0);
			assert_true(strtof(b.data, NULL) == f);
			cjd_buf_clear(&b);
		}
		if (isfinite(d)) {
			assert_int_equal(cjd_json_put_double(&b, d), 0);
			assert_true(strtod(b.data, NULL) == d);
			cjd_buf_clear(&b);
		}
	}
	cjd_buf_release(&b);
}

/* The significant digits of a number's text ("1.25e-07" -> 3, "100" -> 1, "0.05" -> 1). */
static int sig_digits(const char *t)
{
	int n = 0, zeros = 0; /* zeros: trailing zeros not yet known to be significant */

	for (; *t && *t != 'e' && *t != 'E'; t++) {
		if (*t < '0' || *t > '9')
			continue;
		if (*t == '0') {
			zeros += n > 0;
			continue;
		}
		n += zeros + 1;
		zeros = 0;
	}
	return n;
}

/*
 * Shortest, not merely exact: one significant digit less never reads back to
 * the same value (checked for random doubles and floats, and a few values
 * whose %.17g text is long).
 */
static void test_numbers_shortest(void **state)
{
	(void)state;
	static const double fixed[] = {0.1, 0.3, 1.0 / 3, 2.0 / 3, 5e-324, 1.7976931348623157e308,
				       123456789012345680.0, 0.1 + 0.2};
	struct cjd_buf b = CJD_BUF_INIT;
	uint64_t rng = 0x5eed;
	char less[64];

	for (int i = 0; i < 4000 + (int)CJD_ARRAY_SIZE(fixed); i++) {
		uint64_t r = cjd_xorshift64(&rng);
		double d;
		if (i < (int)CJD_ARRAY_SIZE(fixed))
			d = fixed[i];
		else
			memcpy(&d, &r, sizeof(d));
		if (!isfinite(d))
			continue;
		cjd_buf_clear(&b);
		assert_int_equal(cjd_json_put_double(&b, d), 0);
		int k = sig_digits(b.data);
		assert_true(k >= 1 && k <= 17);
		if (k > 1) {
			snprintf(less, sizeof(less), "%.*e", k - 2, d);
			assert_false(strtod(less, NULL) == d);
		}
		float f;
		uint32_t r32 = (uint32_t)(r >> 32);
		memcpy(&f, &r32, sizeof(f));
		if (!isfinite(f))
			continue;
		cjd_buf_clear(&b);
		assert_int_equal(cjd_json_put_float(&b, f), 0);
		k = sig_digits(b.data);
		assert_true(k >= 1 && k <= 9);
		if (k > 1) {
			snprintf(less, sizeof(less), "%.*e", k - 2, (double)f);
			assert_false(strtof(less, NULL) == f);
		}
	}
	cjd_buf_release(&b);
}

/* Once the buffer is in error, every token appends nothing and returns that error. */
static void test_tokens_sticky(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;
	bool replaced = false;

	char big[300];

	memset(big, 's', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cjd_buf_puts(&b, "[");
	fail_after = 0; /* the string needs more room than "[" was given */
	assert_int_equal(cjd_json_put_str(&b, big), -ENOMEM);
	fail_after = -1;
	assert_string_equal(b.data, "[");
	assert_int_equal(cjd_json_put_str(&b, "x"), -ENOMEM);
	assert_int_equal(cjd_json_put_strn(&b, "x", 1), -ENOMEM);
	assert_int_equal(cjd_json_put_str_utf8(&b, "\xff", &replaced), -ENOMEM);
	assert_int_equal(cjd_json_put_float(&b, 1.5f), -ENOMEM);
	assert_int_equal(cjd_json_put_double(&b, 2.5), -ENOMEM);
	assert_int_equal(cjd_json_put_double(&b, NAN), -ENOMEM); /* the error wins over -EDOM */
	assert_string_equal(b.data, "[");
	assert_int_equal(b.len, 1);
	cjd_buf_release(&b);
}

static char *take(struct cjd_jw *w)
{
	char *out;
	size_t n;

	assert_int_equal(cjd_jw_take(w, &out, &n), 0);
	assert_int_equal(n, strlen(out));
	return out;
}

static void test_writer_nesting(void **state)
{
	(void)state;
	static const char *const tags[] = {"a", "b\"c"};
	struct cjd_jw w;
	char *t;

	cjd_jw_init(&w, 0);
	cjd_jw_obj(&w, NULL);
	cjd_jw_str(&w, "s", "x");
	cjd_jw_str(&w, "null string", NULL);
	cjd_jw_u64(&w, "u", UINT64_MAX);
	cjd_jw_i64(&w, "i", INT64_MIN);
	cjd_jw_i64(&w, "j", 7);
	cjd_jw_bool(&w, "t", true);
	cjd_jw_bool(&w, "f", false);
	cjd_jw_null(&w, "n");
	cjd_jw_float(&w, "fl", 0.25f);
	cjd_jw_float(&w, "nan", NAN);
	cjd_jw_double(&w, "d", 1e21);
	cjd_jw_strs(&w, "tags", tags, 2);
	cjd_jw_strs(&w, "none", tags, 0);
	cjd_jw_arr(&w, "nested");
	cjd_jw_obj(&w, NULL);
	cjd_jw_end(&w, '}');
	cjd_jw_arr(&w, NULL);
	cjd_jw_u64(&w, NULL, 1);
	cjd_jw_u64(&w, NULL, 2);
	cjd_jw_end(&w, ']');
	cjd_jw_end(&w, ']');
	cjd_jw_obj(&w, "k\n");
	cjd_jw_end(&w, '}');
	cjd_jw_end(&w, '}');
	t = take(&w);
	assert_string_equal(t, "{\"s\":\"x\",\"null string\":\"\",\"u\":18446744073709551615,"
			       "\"i\":-9223372036854775808,\"j\":7,\"t\":true,\"f\":false,\"n\":null,"
			       "\"fl\":0.25,\"nan\":null,\"d\":1e+21,\"tags\":[\"a\",\"b\\\"c\"],"
			       "\"none\":[],\"nested\":[{},[1,2]],\"k\\n\":{}}");
	json_t *v = json_loads(t, JSON_DECODE_INT_AS_REAL, NULL); /* u64 max is beyond json_int_t */
	assert_non_null(v);
	json_decref(v);
	free(t);
	cjd_jw_release(&w);

	/* a scalar document */
	cjd_jw_init(&w, 0);
	cjd_jw_str(&w, NULL, "just me");
	t = take(&w);
	assert_string_equal(t, "\"just me\"");
	free(t);
}

static void test_writer_utf8_flag(void **state)
{
	(void)state;
	struct cjd_jw w;
	char *t;

	cjd_jw_init(&w, CJD_JW_UTF8_REPLACE);
	cjd_jw_obj(&w, NULL);
	cjd_jw_str(&w, "ok", "fine");
	assert_false(w.utf8_replaced);
	cjd_jw_str(&w, "k\xff", "v\xfe");
	assert_true(w.utf8_replaced);
	cjd_jw_end(&w, '}');
	t = take(&w);
	assert_string_equal(t, "{\"ok\":\"fine\",\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\"}");
	free(t);

	/* without the flag the bytes pass through */
	cjd_jw_init(&w, 0);
	cjd_jw_str(&w, NULL, "v\xfe");
	assert_false(w.utf8_replaced);
	t = take(&w);
	assert_string_equal(t, "\"v\xfe\"");
	free(t);
}

static void test_writer_errors(void **state)
{
	(void)state;
	struct cjd_jw w;
	char *t = (char *)"x";

	/* unbalanced */
	cjd_jw_init(&w, 0);
	cjd_jw_obj(&w, NULL);
	assert_int_equal(cjd_jw_take(&w, &t, NULL), -EPROTO);
	assert_null(t);
	assert_null(w.buf.data); /* freed */

	/* an end that does not match its start */
	cjd_jw_init(&w, 0);
	cjd_jw_arr(&w, NULL);
	cjd_jw_end(&w, '}');
	assert_int_equal(cjd_jw_error(&w), -EPROTO);
	cjd_jw_end(&w, ']'); /* sticky: ignored */
	assert_int_equal(cjd_jw_take(&w, &t, NULL), -EPROTO);

	/* an end with nothing open */
	cjd_jw_init(&w, 0);
	cjd_jw_end(&w, '}');
	assert_int_equal(cjd_jw_error(&w), -EPROTO);
	cjd_jw_release(&w);

	/* too deep: CJD_JW_MAX_DEPTH - 1 levels fit */
	cjd_jw_init(&w, 0);
	for (int i = 0; i < CJD_JW_MAX_DEPTH - 1; i++)
		cjd_jw_arr(&w, NULL);
	assert_int_equal(cjd_jw_error(&w), 0);
	cjd_jw_arr(&w, NULL);
	assert_int_equal(cjd_jw_error(&w), -EOVERFLOW);
	assert_int_equal(cjd_jw_take(&w, &t, NULL), -EOVERFLOW);
	assert_null(t);

	/* out of memory part-way: the whole document is refused, nothing leaks */
	cjd_jw_init(&w, CJD_JW_UTF8_REPLACE);
	cjd_jw_obj(&w, NULL);
	char big[1000];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fail_after = 0;
	cjd_jw_str(&w, "big", big);
	fail_after = -1;
	cjd_jw_str(&w, "after", "x");
	cjd_jw_end(&w, '}');
	assert_int_equal(cjd_jw_error(&w), -ENOMEM);
	assert_int_equal(cjd_jw_take(&w, &t, NULL), -ENOMEM);
	assert_null(t);
	cjd_jw_release(&w);
	cjd_jw_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_escape, fail_realloc_reset),
		cmocka_unit_test_setup(test_escape_every_byte, fail_realloc_reset),
		cmocka_unit_test_setup(test_strn_nul, fail_realloc_reset),
		cmocka_unit_test_setup(test_roundtrip_jansson, fail_realloc_reset),
		cmocka_unit_test_setup(test_utf8_policy, fail_realloc_reset),
		cmocka_unit_test_setup(test_numbers, fail_realloc_reset),
		cmocka_unit_test_setup(test_numbers_shortest, fail_realloc_reset),
		cmocka_unit_test_setup(test_tokens_sticky, fail_realloc_reset),
		cmocka_unit_test_setup(test_writer_nesting, fail_realloc_reset),
		cmocka_unit_test_setup(test_writer_utf8_flag, fail_realloc_reset),
		cmocka_unit_test_setup(test_writer_errors, fail_realloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
