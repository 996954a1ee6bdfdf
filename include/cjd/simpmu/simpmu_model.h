/* The simulated PMU's cycle model and the mapping from callgrind costs to cjd events. */
#ifndef CJD_SIMPMU_SIMPMU_MODEL_H
#define CJD_SIMPMU_SIMPMU_MODEL_H

#include <stdint.h>

#include "cjd/common/event.h"
#include "cjd/common/sample.h"
#include "cjd/simpmu/simpmu_dump.h"

/*
 * NOTHING HERE IS MEASURED ON SILICON. Callgrind executes the program's real
 * instruction stream and feeds every instruction fetch, data access and branch
 * through its cache and branch-predictor models; the counts below are what
 * those models report. Cycles are derived from them by the model in
 * struct cjd_simpmu_model. See models/README.md.
 */

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

#endif
