/* Internal to the simulated PMU: the pieces simpmu_run.c assembles. */
#ifndef CJD_SIMPMU_INTERNAL_H
#define CJD_SIMPMU_INTERNAL_H

#include "cjd/common/trace_header.h"
#include "cjd/simpmu/simpmu_run.h"

/* Sets h->meta for a recording of o. Returns 0 or -ENOMEM. */
int cjd_simpmu_meta(const struct cjd_simpmu_opts *o, const char *valgrind_version,
		    uint64_t dump_every_bb, struct cjd_trace_header *h);

#endif
