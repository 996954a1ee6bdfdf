/* The simulated PMU: hardware-style counts from a real program run under valgrind's callgrind. */
#ifndef CJD_SIMPMU_H
#define CJD_SIMPMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/common/sample.h"

/*
 * NOTHING HERE IS MEASURED ON SILICON. Callgrind executes the program's real
 * instruction stream and feeds every instruction fetch, data access and branch
 * through its cache and branch-predictor models; the counts below are what
 * those models report. Cycles are derived from them by the model in
 * struct cjd_simpmu_model. See models/README.md.
 */

/* The cache geometry given to callgrind explicitly (size,assoc,line), so the
 * simulation never depends on the recording host's caches. */
#define CJD_SIMPMU_L1_SIZE  32768u /* I1 and D1: 32 KiB, 8-way */
#define CJD_SIMPMU_L1_ASSOC 8u
#define CJD_SIMPMU_LL_SIZE  2097152u /* LL: the 2 MiB 16-way per-core share */
#define CJD_SIMPMU_LL_ASSOC 16u
#define CJD_SIMPMU_LINE	    64u

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

/*
 * The cycle model: cycles = Ir * cpi_base
 *                          + (L1 misses that hit LL) * l1_miss
 *                          + (LL read misses, instruction and data) * ll_read_miss
 *                          + (LL write misses) * ll_write_miss
 *                          + (mispredicted branches) * mispredict
 * and task-clock = cycles / ghz. Defaults and their reasons are in
 * simpmu/simpmu_model.c and models/README.md.
 */
struct cjd_simpmu_model {
	double cpi_base;
	double l1_miss;
	double ll_read_miss;
	double ll_write_miss;
	double mispredict;
	double ghz;
};

void cjd_simpmu_model_default(struct cjd_simpmu_model *m);

/* Modelled cycles for c. */
uint64_t cjd_simpmu_cycles(const struct cjd_simpmu_model *m, const struct cjd_simpmu_costs *c);

/* The events a simpmu trace carries: the hardware set plus task-clock. */
#define CJD_SIMPMU_EVENTS (CJD_EVMASK_HARDWARE | CJD_EVMASK(CJD_EV_TASK_CLOCK))

/*
 * Fills s's counts (CJD_SIMPMU_EVENTS) from c and sets s->dt_ns to the
 * simulated interval: busy time (task-clock) plus wait_ns. t_ns, cgroup and
 * label are left to the caller. dt_ns is at least 1.
 */
void cjd_simpmu_fill_sample(const struct cjd_simpmu_model *m, const struct cjd_simpmu_costs *c,
			    struct cjd_sample *s);

/* What to record, for cjd_simpmu_record(). Strings are borrowed. */
struct cjd_simpmu_opts {
	const char *output;	 /* .cjdt or .cjdt.gz path */
	const char *const *argv; /* the command, NULL-terminated */
	const char *label;	 /* NULL for none */
	const char *cgroup;	 /* the cgroup name written in samples, "/"-rooted */
	const char *workload;	 /* meta.workload */
	uint64_t instructions;	 /* target instructions per sample */
	uint64_t limit;		 /* stop the program (SIGTERM) after this many; 0: none */
	uint64_t dump_every_bb;	 /* basic blocks per callgrind dump; 0: instructions/32 */
	bool instr_atstart;	 /* false: wait for CALLGRIND_START_INSTRUMENTATION */
	bool allow_fail;	 /* a failing program is not an error */
	bool keep_dumps;	 /* leave the callgrind files (for debugging) */
	struct cjd_simpmu_model model;
};

/* What happened, for the caller's report. */
struct cjd_simpmu_result {
	uint64_t samples;
	uint64_t instructions;
	uint64_t dumps;
	uint64_t processes;
	uint64_t sim_ns; /* simulated time covered (last t_ns) */
	int status;	 /* the program's wait status */
	bool limited;	 /* stopped by opts->limit (not a failure) */
};

/*
 * Runs opts->argv under valgrind --tool=callgrind with the fixed geometry and
 * writes one sample per ~opts->instructions instructions to opts->output.
 * Progress goes to stderr. SIGINT/SIGTERM received meanwhile are forwarded
 * to the program, and what was recorded until it ends is kept. With
 * opts->limit, the program's process group gets SIGTERM once that many
 * instructions are simulated; how it then ends is not a failure.
 *
 * Returns 0; -ENOENT (valgrind or the command not found; err says which),
 * -ECHILD (the program failed and allow_fail is off: the samples recorded
 * are kept, res->status tells how it ended), -ENODATA (no dump produced),
 * or another negative errno with err filled.
 */
int cjd_simpmu_record(const struct cjd_simpmu_opts *opts, struct cjd_simpmu_result *res,
		      struct cjd_error *err);

#endif
