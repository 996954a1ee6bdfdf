/* The simulated PMU's cycle model and the mapping from callgrind costs to cjd events. */
#include <math.h>
#include <string.h>

#include "cjd/simpmu/simpmu_dump.h"
#include "cjd/simpmu/simpmu_model.h"

void cjd_simpmu_model_default(struct cjd_simpmu_model *m)
{
	/*
	 * A deliberately simple in-order-with-overlap model of a current
	 * server core (the target is a Sapphire-Rapids-class Xeon):
	 *  - 0.5 cycles per instruction when nothing misses: a 6-wide core
	 *    sustains about 2 instructions per cycle on ordinary code once
	 *    dependencies are counted, which callgrind does not model.
	 *  - 10 cycles for an L1 miss that hits the 2 MiB LL: the L2 hit
	 *    latency is ~16 cycles, part of it hidden by out-of-order execution.
	 *  - 80 cycles for an LL read miss: DRAM is ~100 ns (~300 cycles at
	 *    3 GHz), divided by the ~4 misses a core overlaps on average.
	 *  - 20 cycles for an LL write miss: stores drain through the store
	 *    buffer and mostly do not stall retirement.
	 *  - 15 cycles per mispredicted branch: the pipeline refill.
	 *  - 3.0 GHz nominal frequency for task-clock.
	 */
	m->cpi_base = 0.5;
	m->l1_miss = 10.0;
	m->ll_read_miss = 80.0;
	m->ll_write_miss = 20.0;
	m->mispredict = 15.0;
	m->ghz = 3.0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

uint64_t cjd_simpmu_cycles(const struct cjd_simpmu_model *m, const struct cjd_simpmu_costs *c)
{
	uint64_t l1 = c->i1mr + c->d1mr + c->d1mw;
	uint64_t ll = c->ilmr + c->dlmr + c->dlmw;
	double cyc = (double)c->ir * m->cpi_base + (double)sub0(l1, ll) * m->l1_miss +
		     (double)(c->ilmr + c->dlmr) * m->ll_read_miss +
		     (double)c->dlmw * m->ll_write_miss + (double)(c->bcm + c->bim) * m->mispredict;

	return (uint64_t)llround(cyc);
}

void cjd_simpmu_fill_sample(const struct cjd_simpmu_model *m, const struct cjd_simpmu_costs *c,
			    struct cjd_sample *s)
{
	uint64_t cycles = cjd_simpmu_cycles(m, c);
	uint64_t busy = (uint64_t)llround((double)cycles / m->ghz);

	memset(s->count, 0, sizeof(s->count));
	s->events = CJD_SIMPMU_EVENTS;
	s->has_running = false;
	s->count[CJD_EV_CYCLES] = cycles;
	s->count[CJD_EV_INSTRUCTIONS] = c->ir;
	s->count[CJD_EV_BRANCHES] = c->bc + c->bi;
	s->count[CJD_EV_BRANCH_MISSES] = c->bcm + c->bim;
	/* perf's generic cache-references/-misses are last-level-cache
	 * references/misses on Intel: here, what reaches and misses the LL. */
	s->count[CJD_EV_CACHE_REFERENCES] = c->i1mr + c->d1mr + c->d1mw;
	s->count[CJD_EV_CACHE_MISSES] = c->ilmr + c->dlmr + c->dlmw;
	s->count[CJD_EV_L1D_LOAD_MISSES] = c->d1mr;
	s->count[CJD_EV_LLC_LOAD_MISSES] = c->dlmr;
	s->count[CJD_EV_TASK_CLOCK] = busy;
	s->dt_ns = busy + c->wait_ns;
	if (s->dt_ns == 0)
		s->dt_ns = 1;
}
