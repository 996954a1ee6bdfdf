/* The `meta` object of a simpmu trace header: workload, command, geometry, cycle model. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "cjd/common/json_dump.h"
#include "simpmu_internal.h"

static json_t *geometry(unsigned size, unsigned assoc, unsigned line)
{
	return json_pack("{s:I,s:I,s:I}", "size", (json_int_t)size, "assoc", (json_int_t)assoc,
			 "line", (json_int_t)line);
}

int cjd_simpmu_meta(const struct cjd_simpmu_opts *o, const char *valgrind_version,
		    uint64_t dump_every_bb, struct cjd_trace_header *h)
{
	const struct cjd_simpmu_model *m = &o->model;
	json_t *cmd = json_array(), *meta = NULL;
	char *text = NULL;
	int rc = -ENOMEM;

	if (!cmd)
		return -ENOMEM;
	for (size_t i = 0; o->argv[i]; i++)
		if (json_array_append_new(cmd, json_string(o->argv[i])))
			goto out;
	meta = json_pack(
		"{s:s?,s:O,s:b,s:{s:s,s:s,s:I,s:I,s:b},s:{s:o,s:o,s:o},"
		"s:{s:f,s:f,s:f,s:f,s:f,s:f,s:s},s:s,s:s}",
		"workload", o->workload, "command", cmd, "simulated", 1,
		"simulator", "tool", "callgrind", "valgrind", valgrind_version,
		"instructions_per_sample", (json_int_t)o->instructions, "dump_every_bb",
		(json_int_t)dump_every_bb, "instr_atstart", o->instr_atstart,
		"geometry", "I1", geometry(CJD_SIMPMU_L1_SIZE, CJD_SIMPMU_L1_ASSOC, CJD_SIMPMU_LINE),
		"D1", geometry(CJD_SIMPMU_L1_SIZE, CJD_SIMPMU_L1_ASSOC, CJD_SIMPMU_LINE), "LL",
		geometry(CJD_SIMPMU_LL_SIZE, CJD_SIMPMU_LL_ASSOC, CJD_SIMPMU_LINE),
		"cycle_model", "cpi_base", m->cpi_base, "l1_miss_ll_hit", m->l1_miss,
		"ll_read_miss", m->ll_read_miss, "ll_write_miss", m->ll_write_miss, "mispredict",
		m->mispredict, "ghz", m->ghz, "formula",
		"cycles = Ir*cpi_base + (I1mr+D1mr+D1mw-ILmr-DLmr-DLmw)*l1_miss_ll_hit + "
		"(ILmr+DLmr)*ll_read_miss + DLmw*ll_write_miss + (Bcm+Bim)*mispredict; "
		"task-clock = cycles/ghz",
		"events", "branches=Bc+Bi branch-misses=Bcm+Bim cache-references=I1mr+D1mr+D1mw "
			  "cache-misses=ILmr+DLmr+DLmw L1-dcache-load-misses=D1mr LLC-load-misses=DLmr",
		"dt", "task-clock + wall time the program blocked in system calls waiting for a "
		      "timer or the network (sysTime-sysCpuTime of nanosleep, poll, epoll_wait, "
		      "accept, recv...); threads and processes are serialised on one simulated core");
	if (!meta)
		goto out;
	text = cjd_json_dumps(meta);
	if (!text)
		goto out;
	rc = cjd_trace_header_set_meta(h, text);
out:
	free(text);
	json_decref(meta);
	json_decref(cmd);
	return rc;
}
