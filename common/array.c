/* Growth of caller-owned typed arrays: doubling, overflow checks, optional zeroing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"

#define MIN_ELEMS 8u

int cjd_array_grow(void *arrp, size_t *cap, size_t need, size_t elem, bool zero)
{
	void *p;

	if (need <= *cap)
		return 0;
	if (elem == 0 || need > SIZE_MAX / elem)
		return -EOVERFLOW;
	size_t n = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	if (n < MIN_ELEMS)
		n = MIN_ELEMS;
	if (n > SIZE_MAX / elem) /* doubling would overflow, need alone does not */
		n = SIZE_MAX / elem;
	if (n < need)
		n = need;
	/* arrp points at a T *: copy its bytes rather than read it through a void * lvalue */
	memcpy(&p, arrp, sizeof(p));
	p = realloc(p, n * elem);
	if (!p)
		return -ENOMEM;
	if (zero)
		memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
	memcpy(arrp, &p, sizeof(p));
	*cap = n;
	return 0;
}
