/* Fuzz target: the trace header line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/trace_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_trace_header h;
	struct cjd_error err;
	char *line = malloc(size ? size : 1);

	memcpy(line, data, size);
	if (cjd_trace_parse_header(line, size, &h, &err) == 0) {
		if (h.n_events < 1 || h.n_events > CJD_EV__COUNT || h.version != CJD_TRACE_VERSION)
			abort();
	}
	cjd_trace_header_release(&h);
	free(line);
	return 0;
}
