/* The simulated PMU: hardware-style counts from a real program run under valgrind's callgrind. */
#ifndef CJD_SIMPMU_SIMPMU_RUN_H
#define CJD_SIMPMU_SIMPMU_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/simpmu/simpmu_model.h"

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

/* What to record, for cjd_simpmu_record(). Strings are borrowed. */
struct cjd_simpmu_opts {
	const char *output;	 /* .cjdt or .cjdt.gz path */
	const char *const *argv; /* the command, NULL-terminated */
	const char *label;	 /* NULL for none */
	const char *cgroup;	 /* the cgroup name written in samples, "/"-rooted */
	const char *workload;	 /* meta.workload */
	uint64_t instructions;	 /* target instructions per sample */
	uint64_t limit;		 /* stop the program (SIGTERM) after this many; 0: none */
	uint64_t kill_after_ns;	 /* grace before SIGKILL, and for processes outliving the
				  * program before SIGTERM; 0: CJD_STOP_GRACE_DEFAULT_NS */
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
	bool killed;	 /* something needed SIGKILL (its last costs may be missing) */
};

/*
 * Runs opts->argv under valgrind --tool=callgrind with the fixed geometry and
 * writes one sample per ~opts->instructions instructions to opts->output.
 * Progress goes to stderr. SIGINT/SIGTERM received meanwhile are forwarded
 * to the program and every process it started, and what was recorded until
 * they end is kept. With opts->limit, they get SIGTERM once that many
 * instructions are simulated; how the program then ends is not a failure.
 * Processes that outlive the program (daemons) get opts->kill_after_ns to
 * end, then SIGTERM; whatever ignores SIGTERM gets SIGKILL after that grace
 * again (common/proc_stop.h), so a recording always ends.
 *
 * Returns 0; -ENOENT (valgrind or the command not found; err says which),
 * -ECHILD (the program failed and allow_fail is off: the samples recorded
 * are kept, res->status tells how it ended), -ENODATA (no dump produced),
 * or another negative errno with err filled.
 */
int cjd_simpmu_record(const struct cjd_simpmu_opts *opts, struct cjd_simpmu_result *res,
		      struct cjd_error *err);

#endif
