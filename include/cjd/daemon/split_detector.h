/* Split mode's detecting half (`cjd detect`): collectors' frames from many hosts into one pipeline, on a loop. */
#ifndef CJD_DAEMON_SPLIT_DETECTOR_H
#define CJD_DAEMON_SPLIT_DETECTOR_H

#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/daemon/config.h"
#include "cjd/daemon/split.h"

/*
 * Receives the sample frames of any number of `cjd collect` processes and
 * runs them through a pipeline (daemon/pipeline.h) that keeps every (host,
 * cgroup) apart and scores each host by the model of its mode, publishing
 * and journaling alerts as `cjd run` does, with metrics and heartbeats on
 * their timers. Never acts on cgroups: they live on other hosts.
 * Single-threaded: everything runs in cjd_split_detector_run().
 */
struct cjd_split_detector;

struct cjd_split_detector_options {
	const struct cjd_config *cfg;  /* detector.*, publish.*, journal.*; borrowed, kept alive */
	const char *const *model_dirs; /* where default models are searched, after $CJD_MODEL_DIR */
	size_t n_model_dirs;
	struct cjd_split_receiver_config rx; /* where frames come from (arrays borrowed) */
};

/*
 * Creates the pipeline (loading every model a host may need, binding the publisher,
 * opening the journal) and the receiver (binding or connecting its
 * endpoints), and the loop. Returns 0, or a negative errno with err holding
 * one line: -EINVAL when the configuration is at fault (a model, key file or
 * endpoint that cannot be used), another errno at runtime (-EADDRINUSE, ...).
 */
int cjd_split_detector_new(struct cjd_split_detector **out,
			   const struct cjd_split_detector_options *opts, struct cjd_error *err);

/*
 * Runs until SIGTERM or SIGINT, then publishes a last heartbeat ("stopping")
 * and logs the totals (hosts, frames, samples, losses, alerts). Returns 0,
 * or the loop's negative errno (never -EINVAL).
 */
int cjd_split_detector_run(struct cjd_split_detector *d);

/* Closes the sockets, flushes and fsyncs the journal. Accepts NULL. */
void cjd_split_detector_free(struct cjd_split_detector *d);

#endif
