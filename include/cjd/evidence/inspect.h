/* The evidence aggregator behind `cjd inspect`: runs the available probes on a target and collects their results. */
#ifndef CJD_EVIDENCE_INSPECT_H
#define CJD_EVIDENCE_INSPECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/error.h"
#include "cjd/evidence/codesample.h"
#include "cjd/evidence/fpstate.h"
#include "cjd/evidence/memory.h"
#include "cjd/evidence/network.h"
#include "cjd/evidence/stratum.h"
#include "cjd/evidence/target.h"

/*
 * The probes, in the order they run and report. X(name, input, summary):
 *   name     the probe's unit: cjd_<name>_run, _to_json, _describe, _available,
 *            _result_free, struct cjd_<name>_opts (all zero = defaults) and
 *            struct cjd_<name>_result
 *   input    PIDS:   int cjd_<name>_run(const pid_t *pids, size_t npids, opts, res, err)
 *                    bool cjd_<name>_available(char *why, size_t len)
 *            CGROUP: int cjd_<name>_run(const char *cgroup_dir, opts, res, err) for a
 *                    cgroup target on the hierarchy perf_event counts on (the probe
 *                    watches the whole cgroup, threads that start later included);
 *                    otherwise - a process target (cjd inspect --pid), or a cgroup of a
 *                    v1 hierarchy without perf_event - int cjd_<name>_run_tids(const
 *                    pid_t *tids, size_t ntids, opts, res, err) on the target's threads.
 *                    bool cjd_<name>_available(bool per_thread, char *why, size_t len)
 *   summary  one line for --help and the docs
 * Adding a probe is one X line here, plus its #include above.
 */
#define CJD_INSPECT_PROBES(X)                                                                     \
	X(fpstate, PIDS, "rounding mode and flush-to-zero of every thread (ptrace)")              \
	X(codesample, CGROUP, "where the CPU time goes: cpu-clock samples, code regions, "       \
				"instruction mix")                                                 \
	X(network, PIDS, "TCP and UDP sockets, peers and traffic (sock_diag, /proc/PID/net)")     \
	X(memory, PIDS, "anonymous resident memory and huge pages (smaps_rollup, memory.stat)")   \
	X(stratum, PIDS, "mining-pool protocol markers (stratum JSON-RPC, pool URLs) in the "    \
			 "processes' writable anonymous memory (process_vm_readv)")

enum cjd_inspect_probe {
#define CJD_INSPECT_ENUM(name, input, summary) CJD_PROBE_##name,
	CJD_INSPECT_PROBES(CJD_INSPECT_ENUM)
#undef CJD_INSPECT_ENUM
	CJD_PROBE__COUNT
};

/*
 * What to run and each probe's options. The pointers in them are the
 * caller's. For repeated inspections of one target (the agent inspects a
 * suspect again and again), the caller keeps a cjd_network_history per
 * target (cjd_network_history_new) and sets network.history to it for every
 * inspection of that target: connections then get ages (seen_for_ms) across
 * inspections. A run forgets the sockets it did not see, so one history must
 * not be shared between targets.
 */
struct cjd_inspect_opts {
	unsigned probes; /* bits (1u << CJD_PROBE_<name>); 0 means every probe */
#define CJD_INSPECT_OPTS(name, input, summary) struct cjd_##name##_opts name;
	CJD_INSPECT_PROBES(CJD_INSPECT_OPTS)
#undef CJD_INSPECT_OPTS
};

enum cjd_inspect_state {
	CJD_INSPECT_NOT_SELECTED = 0,
	CJD_INSPECT_UNAVAILABLE, /* cjd_<name>_available() said no: why */
	CJD_INSPECT_FAILED,      /* run returned an error: why (its result may be partial) */
	CJD_INSPECT_RAN,         /* why: a caveat from available(), or "" */
};

struct cjd_inspect_status {
	enum cjd_inspect_state state;
	int rc;
	char why[640];
	uint64_t elapsed_ns; /* wall time of the probe */
	uint64_t cpu_ns;     /* CPU time of this whole process meanwhile (every thread) */
};

/* Heap parts freed by cjd_inspect_result_free(). */
struct cjd_inspect_result {
	const struct cjd_target *target; /* borrowed from the caller of cjd_inspect_run() */
	struct cjd_inspect_status status[CJD_PROBE__COUNT];
#define CJD_INSPECT_RES(name, input, summary) struct cjd_##name##_result name;
	CJD_INSPECT_PROBES(CJD_INSPECT_RES)
#undef CJD_INSPECT_RES
	size_t nran;
	uint64_t elapsed_ns, cpu_ns;
};

/* The probe's name ("fpstate"), or NULL out of range. */
const char *cjd_inspect_probe_name(enum cjd_inspect_probe p);

/* Its one-line summary, or NULL out of range. */
const char *cjd_inspect_probe_summary(enum cjd_inspect_probe p);

/* Parses "fpstate,memory" (or "all") into a probe mask. Returns 0, or -EINVAL with err
 * naming the unknown probe and the known ones. */
int cjd_inspect_parse_probes(const char *list, unsigned *mask, struct cjd_error *err);

/*
 * Runs every selected probe that is available here on target t, one after
 * the other, within the budget each probe's opts set. res keeps a pointer to
 * t, which must outlive it. Returns 0 when at least one probe ran, else
 * -ENODATA (none selected could run; err says why for each) or -EINVAL (bad
 * opts). res must be freed with cjd_inspect_result_free() in every case.
 */
int cjd_inspect_run(const struct cjd_target *t, const struct cjd_inspect_opts *opts,
		    struct cjd_inspect_result *res, struct cjd_error *err);

/* Frees every probe's result and zeroes res. NULL is allowed. */
void cjd_inspect_result_free(struct cjd_inspect_result *res);

/*
 * The whole inspection as a new JSON object (*out, the caller's):
 * {"target": {...}, "<probe>": {"status": ..., ...the probe's own members}, ...,
 *  "summary": ["sentence", ...], "elapsed_ns": n, "cpu_ns": n}.
 * Probes not selected are left out. Returns 0 or -ENOMEM.
 */
int cjd_inspect_to_json(const struct cjd_inspect_result *res, json_t **out);

/* The summary sentences (one per probe that ran, failed or was unavailable) into a
 * new JSON array of strings (*out). Returns 0 or -ENOMEM. */
int cjd_inspect_summary(const struct cjd_inspect_result *res, json_t **out);

/* Prints the inspection for people: the target, the summary, then each probe's figures
 * and tables (rendered from its JSON, so every probe gets them). Returns 0 or -errno. */
int cjd_inspect_print(const struct cjd_inspect_result *res, FILE *out);

#endif
