/* Fuzz target: one sample line of a trace against a fixed header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/trace_header.h"
#include "cjd/common/trace_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cjd_trace_header h;
	static int init;
	struct cjd_sample s;
	struct cjd_error err;
	char *line, *scratch;

	if (!init) {
		cjd_trace_header_init(&h, "fuzz");
		cjd_trace_header_set_events(&h, CJD_EVMASK(CJD_EV_TASK_CLOCK) |
						    CJD_EVMASK(CJD_EV_CYCLES) |
						    CJD_EVMASK(CJD_EV_SYSCALLS));
		init = 1;
	}
	/* the parser takes (ptr,len) and must never read past len: give it an exact copy */
	line = malloc(size ? size : 1);
	scratch = malloc(size + 1);
	memcpy(line, data, size);
	if (cjd_trace_parse_sample(&h, line, size, scratch, &s, &err) == 0) {
		/* whatever parses must format and parse back to the same counts */
		struct cjd_buf out = CJD_BUF_INIT;
		if (cjd_trace_format_sample(&h, &s, &out) == 0) {
			struct cjd_sample t;
			char *scratch2 = malloc(out.len + 1);
			if (cjd_trace_parse_sample(&h, out.data, out.len - 1, scratch2, &t, &err) != 0 ||
			    t.t_ns != s.t_ns || t.count[CJD_EV_CYCLES] != s.count[CJD_EV_CYCLES] ||
			    strcmp(t.cgroup, s.cgroup) != 0)
				abort();
			free(scratch2);
		}
		cjd_buf_release(&out);
	}
	free(line);
	free(scratch);
	return 0;
}
