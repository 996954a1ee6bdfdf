/* The simulated PMU's input: the totals of one callgrind dump, and the time spent waiting. */
#ifndef CJD_SIMPMU_SIMPMU_DUMP_H
#define CJD_SIMPMU_SIMPMU_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/common/error.h"

/* The totals of one callgrind dump (costs since the previous dump of that process). */
struct cjd_simpmu_costs {
	uint64_t ir;		   /* instructions executed */
	uint64_t bc, bcm;	   /* conditional branches, mispredicted */
	uint64_t bi, bim;	   /* indirect branches, mispredicted */
	uint64_t i1mr, d1mr, d1mw; /* L1 instruction read / data read / data write misses */
	uint64_t ilmr, dlmr, dlmw; /* the same, missing the last level too */
	uint64_t sys_count;	   /* system calls */
	uint64_t sys_ns;	   /* wall time inside system calls */
	uint64_t wait_ns;	   /* of which: blocked waiting for a timer or the network */
	uint64_t dumps;		   /* how many dumps were summed into this */
};

/* Adds b into a. */
void cjd_simpmu_costs_add(struct cjd_simpmu_costs *a, const struct cjd_simpmu_costs *b);

/*
 * Parses one callgrind output file (format version 1, as written with
 * --collect-systime=nsec) streaming, line by line, into *out.
 *
 * Totals come from the `totals:` line, which callgrind writes last: a file
 * without it is still being written and gives -EAGAIN (nothing in *out is
 * meaningful then). wait_ns is the blocked time (sysTime - sysCpuTime) of the
 * self cost of functions that wait for a timer or the network (nanosleep,
 * poll, epoll_wait, accept, recv...; see cjd_simpmu_is_wait_function()).
 * Waiting for children, sibling threads or pipes is left out: those peers run
 * under valgrind too, so their wall time is inflated by its slowdown.
 *
 * Returns 0, -EAGAIN (incomplete), -EINVAL with err naming file and line
 * (malformed: missing events, bad number), or a negative errno from open/read.
 */
int cjd_simpmu_parse_dump(const char *path, struct cjd_simpmu_costs *out, struct cjd_error *err);

/* True when fn (a callgrind function name such as "clock_nanosleep@@GLIBC_2.17")
 * is a system-call wrapper that waits for a timer or the network. */
bool cjd_simpmu_is_wait_function(const char *fn);

#endif
