/* Unit tests for the growable buffer (common/buf.c) and the dynamic-array helper (common/array.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/buf.h"

#include "fail_realloc.h"

static void test_append(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	assert_int_equal(cjd_buf_puts(&b, "ab"), 0);
	assert_int_equal(cjd_buf_putc(&b, 'c'), 0);
	assert_int_equal(cjd_buf_add(&b, "d\0e", 3), 0); /* binary: the NUL is kept */
	assert_int_equal(cjd_buf_add(&b, NULL, 0), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7); /* and a NUL after the content */
	assert_int_equal(cjd_buf_put_u64(&b, 0), 0);
	assert_int_equal(cjd_buf_put_u64(&b, ULLONG_MAX), 0);
	assert_string_equal(b.data + 6, "018446744073709551615");
	cjd_buf_truncate(&b, 2);
	assert_string_equal(b.data, "ab");
	cjd_buf_truncate(&b, 10); /* longer than the content: nothing happens */
	assert_int_equal(b.len, 2);
	cjd_buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	cjd_buf_release(&b);
	assert_null(b.data);
	cjd_buf_release(NULL);
}

static void test_printf(void **state)
{
	(void)state;
	struct cjd_buf b;
	char big[1000];

	cjd_buf_init(&b);
	assert_int_equal(cjd_buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.data, "42-x");
	/* longer than the room left: grows and writes it whole, in place */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cjd_buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + 999);
	assert_int_equal(b.data[4], '[');
	assert_int_equal(b.data[4 + 1 + 999], ']');
	assert_int_equal(b.data[b.len], '\0');
	/* exactly filling the capacity leaves room for the NUL */
	cjd_buf_clear(&b);
	size_t room = b.cap - 1;
	char *fill = malloc(room + 1);
	memset(fill, 'y', room);
	fill[room] = '\0';
	assert_int_equal(cjd_buf_printf(&b, "%s", fill), 0);
	assert_int_equal(b.len, room);
	assert_string_equal(b.data, fill);
	free(fill);
	cjd_buf_release(&b);
}

static void test_growth(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	assert_int_equal(cjd_buf_putc(&b, 'a'), 0);
	assert_int_equal(b.cap, 256); /* the first allocation */
	assert_int_equal(cjd_buf_reserve(&b, 300), 0);
	assert_int_equal(b.cap, 512); /* doubled */
	assert_int_equal(cjd_buf_reserve(&b, 5000), 0);
	assert_int_equal(b.cap, 5002); /* more than double: exactly what is needed */
	size_t n = calls;
	for (int i = 0; i < 5000; i++)
		cjd_buf_putc(&b, 'x');
	assert_int_equal(calls, n); /* the reserved room took them all */
	assert_int_equal(b.len, 5001);
	cjd_buf_release(&b);
}

static void test_reserve_then_advance(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	cjd_buf_puts(&b, "k=");
	assert_int_equal(cjd_buf_reserve(&b, 16), 0);
	memcpy(b.data + b.len, "value", 5); /* as read(2) into the buffer would */
	cjd_buf_advance(&b, 5);
	assert_string_equal(b.data, "k=value");
	cjd_buf_release(&b);
}

static void test_steal(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;
	char *s;
	size_t n = 99;

	/* nothing appended: still a string to free */
	assert_int_equal(cjd_buf_steal(&b, &s, &n), 0);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	cjd_buf_puts(&b, "hello");
	assert_int_equal(cjd_buf_steal(&b, &s, NULL), 0);
	assert_string_equal(s, "hello");
	free(s);
	assert_null(b.data); /* left empty and reusable */
	cjd_buf_puts(&b, "again");
	assert_int_equal(cjd_buf_steal(&b, &s, &n), 0);
	assert_string_equal(s, "again");
	assert_int_equal(n, 5);
	free(s);
}

static void test_overflow(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;
	char *s;

	cjd_buf_puts(&b, "abc");
	assert_int_equal(cjd_buf_reserve(&b, SIZE_MAX - 3), -EOVERFLOW);
	assert_int_equal(b.err, -EOVERFLOW);
	/* sticky: later appends do nothing and the content is as it was */
	assert_int_equal(cjd_buf_puts(&b, "def"), -EOVERFLOW);
	assert_int_equal(cjd_buf_printf(&b, "%d", 1), -EOVERFLOW);
	assert_string_equal(b.data, "abc");
	assert_int_equal(cjd_buf_steal(&b, &s, NULL), -EOVERFLOW);
	assert_null(s);
	assert_null(b.data); /* freed */
	/* cut back to a good length, the buffer works again (a writer dropping a record) */
	cjd_buf_puts(&b, "abc");
	b.err = -ENOMEM;
	cjd_buf_truncate(&b, 1);
	assert_int_equal(b.err, 0);
	assert_int_equal(cjd_buf_puts(&b, "ok"), 0);
	assert_string_equal(b.data, "aok");
	cjd_buf_clear(&b);
	assert_int_equal(b.len, 0);
	cjd_buf_release(&b);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;
	char big[600], *s;

	/* the very first allocation fails */
	fail_after = 0;
	assert_int_equal(cjd_buf_putc(&b, 'a'), -ENOMEM);
	assert_null(b.data);
	assert_int_equal(cjd_buf_steal(&b, &s, NULL), -ENOMEM);
	assert_null(s);

	/* a later growth fails: what was there stays, nothing half-written */
	fail_after = 1;
	assert_int_equal(cjd_buf_puts(&b, "kept"), 0);
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cjd_buf_printf(&b, "%s", big), -ENOMEM);
	assert_string_equal(b.data, "kept");
	assert_int_equal(b.len, 4);
	fail_after = -1;
	assert_int_equal(cjd_buf_putc(&b, 'x'), -ENOMEM); /* sticky even once memory is back */
	assert_int_equal(cjd_buf_steal(&b, &s, NULL), -ENOMEM);
	assert_null(s);
	cjd_buf_release(&b);
}

static void test_printf_format_error(void **state)
{
	(void)state;
	struct cjd_buf b = CJD_BUF_INIT;

	cjd_buf_puts(&b, "x");
	/* %ls of a wide character that has no multibyte form in the C locale fails */
	static const wchar_t bad[] = {0x1234, 0};
	assert_int_equal(cjd_buf_printf(&b, "%ls", bad), -EINVAL);
	assert_string_equal(b.data, "x");
	assert_int_equal(b.err, 0); /* the caller's format, not the buffer's state */
	cjd_buf_release(&b);
}

/* ---- the array helper ---- */

struct item {
	int a;
	double b;
};

static void test_array_growth(void **state)
{
	(void)state;
	struct item *v = NULL;
	size_t n = 0, cap = 0;

	assert_int_equal(cjd_array_reserve(v, cap, 0), 0);
	assert_null(v); /* nothing needed, nothing allocated */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cjd_array_reserve(v, cap, n + 1), 0);
		v[n++] = (struct item){i, i * 0.5};
		assert_true(cap >= n);
	}
	assert_int_equal(cap, 128); /* 8, 16, 32, 64, 128 */
	assert_int_equal(last_size, 128 * sizeof(struct item));
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i].a, i);
	/* a jump past double takes exactly what is asked */
	assert_int_equal(cjd_array_reserve(v, cap, 1000), 0);
	assert_int_equal(cap, 1000);
	size_t c = calls;
	assert_int_equal(cjd_array_reserve(v, cap, 1000), 0);
	assert_int_equal(calls, c); /* already there: no realloc */
	free(v);
}

static void test_array_zero(void **state)
{
	(void)state;
	unsigned char *v = NULL;
	size_t cap = 0;

	assert_int_equal(cjd_array_reserve_zero(v, cap, 3), 0);
	assert_int_equal(cap, 8);
	memset(v, 0xff, cap);
	assert_int_equal(cjd_array_reserve_zero(v, cap, 9), 0);
	assert_int_equal(cap, 16);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(v[i], 0xff); /* kept */
	for (size_t i = 8; i < 16; i++)
		assert_int_equal(v[i], 0); /* new: zero */
	free(v);
}

static void test_array_overflow(void **state)
{
	(void)state;
	struct item *v = NULL;
	size_t cap = 0;

	assert_int_equal(cjd_array_reserve(v, cap, 4), 0);
	struct item *was = v;
	assert_int_equal(cjd_array_reserve(v, cap, SIZE_MAX / sizeof(*v) + 1), -EOVERFLOW);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, 8);
	/* doubling would overflow while need alone does not: capped, not wrapped */
	size_t max = SIZE_MAX / sizeof(*v);
	cap = max / 2 + 1;
	fail_after = 0;
	assert_int_equal(cjd_array_reserve(v, cap, cap + 1), -ENOMEM);
	assert_int_equal(last_size, max * sizeof(*v));
	assert_ptr_equal(v, was);
	assert_int_equal(cap, max / 2 + 1); /* unchanged on failure */
	free(v);
}

static void test_array_out_of_memory(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;

	assert_int_equal(cjd_array_reserve(v, cap, 8), 0);
	v[7] = 7;
	fail_after = 0;
	assert_int_equal(cjd_array_reserve(v, cap, 9), -ENOMEM);
	assert_int_equal(cap, 8);
	assert_int_equal(v[7], 7); /* the array is still valid */
	fail_after = -1;
	assert_int_equal(cjd_array_reserve(v, cap, 9), 0);
	assert_int_equal(v[7], 7);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_append, fail_realloc_reset),
		cmocka_unit_test_setup(test_printf, fail_realloc_reset),
		cmocka_unit_test_setup(test_growth, fail_realloc_reset),
		cmocka_unit_test_setup(test_reserve_then_advance, fail_realloc_reset),
		cmocka_unit_test_setup(test_steal, fail_realloc_reset),
		cmocka_unit_test_setup(test_overflow, fail_realloc_reset),
		cmocka_unit_test_setup(test_out_of_memory, fail_realloc_reset),
		cmocka_unit_test_setup(test_printf_format_error, fail_realloc_reset),
		cmocka_unit_test_setup(test_array_growth, fail_realloc_reset),
		cmocka_unit_test_setup(test_array_zero, fail_realloc_reset),
		cmocka_unit_test_setup(test_array_overflow, fail_realloc_reset),
		cmocka_unit_test_setup(test_array_out_of_memory, fail_realloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
