/* Periodic inspection of one cgroup in a thread of its own (cjd record --evidence). */
#ifndef CJD_EVIDENCE_PERIODIC_H
#define CJD_EVIDENCE_PERIODIC_H

#include <jansson.h>
#include <stdint.h>

#include "cjd/common/error.h"

struct cjd_inspect_periodic;

/*
 * Called from the inspection thread after each inspection: t_mono_ns is when it started
 * (CLOCK_MONOTONIC); on success inspection is its JSON (cjd_inspect_to_json; borrowed for
 * the call) and rc 0; on failure inspection is NULL, rc the -errno and err says why. An
 * inspection of a cgroup that holds no process is skipped without a call.
 */
typedef void (*cjd_inspect_periodic_fn)(void *ctx, uint64_t t_mono_ns, const json_t *inspection,
					int rc, const struct cjd_error *err);

/*
 * Starts a thread that inspects the cgroup directory `dir` (and its descendants) with every
 * available probe at their defaults: first `first_ns` after the start, then every `every_ns`
 * (from the start of one inspection to the next; an inspection takes about 2.5 s, so
 * every_ns is at least 3 s). One network history is kept for the cgroup, so connections
 * get ages. Returns 0 with *out, -EINVAL (every_ns under 3 s) or -errno from pthread_create.
 */
int cjd_inspect_periodic_start(struct cjd_inspect_periodic **out, const char *dir, uint64_t first_ns,
			       uint64_t every_ns, cjd_inspect_periodic_fn fn, void *ctx,
			       struct cjd_error *err);

/* Inspections made (calls with rc 0) so far. Thread safe. */
uint64_t cjd_inspect_periodic_count(const struct cjd_inspect_periodic *p);

/* Stops the thread (an inspection under way is finished first, within its budget of a few
 * seconds; the probes never leave a thread stopped), joins it and frees p. NULL is allowed. */
void cjd_inspect_periodic_stop(struct cjd_inspect_periodic *p);

#endif
