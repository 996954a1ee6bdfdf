/* The one dynamic-array helper: overflow-checked amortised growth of any typed array. */
#ifndef CJD_COMMON_ARRAY_H
#define CJD_COMMON_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * An array is three plain fields the caller owns, e.g.
 *
 *	struct item *v; size_t n, cap;
 *	if ((rc = cjd_array_reserve(v, cap, n + 1)))
 *		return rc;
 *	v[n++] = item;
 *
 * and is freed with free(v). cjd_array_reserve(arr, cap, need) makes room for at
 * least `need` elements: when cap is smaller, arr is reallocated to
 * max(need, 2 * cap, 8) elements (so appending is amortised O(1)) and cap is
 * updated. arr must be an lvalue of pointer type (NULL with cap 0 to start),
 * cap an lvalue of type size_t. cjd_array_reserve_zero also zeroes the new
 * elements [old cap, new cap).
 *
 * Returns 0, -EOVERFLOW when need elements would not fit in size_t bytes, or
 * -ENOMEM; on error arr and cap are unchanged (the array stays valid).
 */
#define cjd_array_reserve(arr, cap, need)                                                          \
	cjd_array_grow(&(arr), &(cap), (need), sizeof(*(arr)), false)
#define cjd_array_reserve_zero(arr, cap, need)                                                     \
	cjd_array_grow(&(arr), &(cap), (need), sizeof(*(arr)), true)

/* The function behind the macros: *(T **)arrp is an array of *cap elements of elem bytes. */
int cjd_array_grow(void *arrp, size_t *cap, size_t need, size_t elem, bool zero);

#endif
