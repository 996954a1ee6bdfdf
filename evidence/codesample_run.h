/* One code-sampling run's state, shared by the sampler (codesample.c) and the analysis (codesample_analyse.c). */
#ifndef CJD_EVIDENCE_CODESAMPLE_RUN_H
#define CJD_EVIDENCE_CODESAMPLE_RUN_H

#include "codesample_internal.h"

/* A process seen in the samples, with its executable mappings. */
struct cs_pid {
	pid_t pid;
	bool loaded;
	int maps_rc; /* cjd_maps_load's result: 0, -ESRCH (gone), ... */
	struct cjd_maps maps;
};

struct ring;

struct cs_run {
	struct cjd_codesample_opts o; /* defaults filled in */
	struct cjd_codesample_result *res;
	struct ring *rings;
	unsigned nrings;
	struct cjd_ip_sample *s; /* every sample kept, up to o.max_samples */
	size_t ns, scap;
	struct cs_pid *pids;
	size_t npids, pcap;
	size_t last_pid; /* index of the last pid looked up: samples come in runs */
};

/* The ring callback: counts the sample, keeps it (or counts it dropped), notes a new pid. */
int cjd_cs_collect(void *ctx, const struct cjd_ip_sample *s);

/* Loads the maps of every pid not loaded yet (errors are kept per pid). */
void cjd_cs_load_new_maps(struct cs_run *r);

/* Resolves, reads and decodes the kept samples into r->res. Returns 0 or -ENOMEM. */
int cjd_cs_analyse(struct cs_run *r, struct cjd_error *err);

/* Frees the samples and the pid cache. */
void cjd_cs_run_release(struct cs_run *r);

#endif
