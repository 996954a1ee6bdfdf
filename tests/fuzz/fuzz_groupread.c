/* Fuzz target: the perf group-read buffer parser and the delta scaling behind every count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_group_values prev, cur;
	struct cjd_group_delta d;
	uint32_t expect;

	if (size < 1)
		return 0;
	/* the first byte picks how many values the caller expects; the rest is the buffer,
	 * parsed twice (a previous and a current read) from two halves */
	expect = data[0] % (CJD_GROUP_MAX + 2);
	data++;
	size--;
	size_t half = size / 2;
	uint8_t *a = malloc(half ? half : 1), *b = malloc(size - half ? size - half : 1);
	memcpy(a, data, half);
	memcpy(b, data + half, size - half);
	int ra = cjd_groupread_parse(a, half, expect, &prev);
	int rb = cjd_groupread_parse(b, size - half, expect, &cur);
	if (rb == 0) {
		if (cur.n != expect || cur.n > CJD_GROUP_MAX)
			abort();
		cjd_groupread_delta(ra == 0 ? &prev : NULL, &cur, &d);
		if (d.running > d.enabled)
			abort(); /* clamped by contract */
		/* enabled but never on the PMU: nothing measured, nothing scaled (with
		 * enabled == 0 the raw deltas stand, by contract) */
		for (uint32_t i = 0; i < d.n; i++)
			if (d.enabled > 0 && d.running == 0 && d.scaled[i] != 0)
				abort();
		for (uint32_t i = 0; i < d.n; i++)
			if (d.measured && d.enabled > 0 && d.running > 0 && d.scaled[i] < d.raw[i])
				abort(); /* scaling never shrinks a count */
	}
	free(a);
	free(b);
	return 0;
}
