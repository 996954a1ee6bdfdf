/* Fuzz target: split mode's binary sample frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/daemon/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_frame_reader r;
	struct cjd_error err;
	struct cjd_sample s;
	const char *cg;
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (cjd_frame_open(&r, copy, size, &err) == 0) {
		if (r.kind == CJD_FRAME_SAMPLES) {
			while (cjd_frame_next_sample(&r, &s, &err) == 1)
				if (s.dt_ns == 0 || !s.cgroup || s.cgroup[0] != '/')
					abort();
		} else {
			while (cjd_frame_next_gone(&r, &cg, &err) == 1)
				if (cg[0] != '/')
					abort();
		}
	}
	free(copy);
	return 0;
}
