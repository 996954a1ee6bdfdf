/* A realloc that fails on demand, for tests linked with -Wl,--wrap=realloc (cjd_add_test WRAP realloc). */
#ifndef CJD_TESTS_FAIL_REALLOC_H
#define CJD_TESTS_FAIL_REALLOC_H

#include <stddef.h>

/*
 * Include in exactly one file of the test binary. fail_after counts down the
 * calls that still succeed (-1: never fail); every call's size is recorded in
 * last_size and counted in calls, so a test sees the growth policy and reaches
 * the out-of-memory paths. fail_realloc_reset is a cmocka setup function.
 */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static int fail_after = -1;
static size_t last_size __attribute__((unused)), calls __attribute__((unused));

void *__wrap_realloc(void *p, size_t n)
{
	calls++;
	last_size = n;
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return __real_realloc(p, n);
}

static int fail_realloc_reset(void **state)
{
	(void)state;
	fail_after = -1;
	last_size = calls = 0;
	return 0;
}

#endif
