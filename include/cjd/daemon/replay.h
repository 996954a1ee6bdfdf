/* `cjd replay`'s mechanism: traces streamed through the pipeline `cjd run` and `cjd detect` use, on the traces' own clock. */
#ifndef CJD_DAEMON_REPLAY_H
#define CJD_DAEMON_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/error.h"
#include "cjd/daemon/config.h"
#include "cjd/daemon/replay_summary.h"
#include "cjd/publish/publish_zmq.h"

/*
 * Runs .cjdt traces, one after another, through one pipeline
 * (daemon/pipeline.h): the detector of the first trace's mode with its model
 * (the configured one, or the default for the first trace's events), and the
 * publisher, which journals, publishes and echoes every alert exactly as the
 * agent does. Time is the trace's: a replay fires exactly as the live agent
 * would have. At the end of each trace what still fires is reported "gone"
 * and the state starts afresh. A sample the detector cannot take (a trace
 * out of order, ...) ends the replay with the file and line. Counts every
 * sample, scored window and alert per file, cgroup and label.
 * Single-threaded.
 */
struct cjd_replay;

struct cjd_replay_options {
	/* detector.*, publish.* and journal.* keys; borrowed, kept alive. Its
	 * detector.window may be 0: the model's own. */
	const struct cjd_config *cfg;
	const char *const *model_dirs; /* where default models are searched, after $CJD_MODEL_DIR */
	size_t n_model_dirs;
	const char *const *files;      /* the traces, in order; borrowed */
	size_t n_files;                /* at least 1 */
	double speed;                  /* N times the traces' pace; 0: as fast as possible */
	uint32_t gone_intervals;       /* a cgroup silent this many intervals is gone; 0: default */
	uint64_t wait_subscriber_ns;   /* with endpoints, wait up to this for a subscriber first */
	bool wall_clock;               /* alerts carry the current time, not the trace's */
	bool progress;                 /* progress lines on stderr while replaying */
	FILE *echo;                    /* every alert also as one JSON line here; NULL: none */
};

/*
 * Opens the first trace, loads the model for its events and creates the
 * pipeline (binding the publisher's endpoints, opening the journal), then
 * waits for a subscriber if asked. Returns 0, or a negative errno with err
 * holding one line: -EINVAL when the configuration is at fault (a model that
 * cannot be loaded or cannot score the trace, a key file or endpoint that
 * cannot be used), another errno at runtime (a trace that cannot be read,
 * an endpoint in use, -ENOMEM).
 */
int cjd_replay_new(struct cjd_replay **out, const struct cjd_replay_options *opts,
		   struct cjd_error *err);

/*
 * Replays every file. Returns 0, -EINVAL with err naming the file when a
 * later trace's events do not suit the model, or another negative errno
 * with err naming the file and line (a trace that cannot be read or whose
 * sample the detector refuses, -ENOMEM). The summary holds what was
 * replayed either way.
 */
int cjd_replay_run(struct cjd_replay *r, struct cjd_error *err);

/* What was replayed: per file (its index in opts.files), cgroup and label. */
const struct cjd_replay_summary *cjd_replay_summary(const struct cjd_replay *r);

/* The summary's footer: samples, wall time of cjd_replay_run, model, settings, tier. */
void cjd_replay_totals(const struct cjd_replay *r, struct cjd_replay_totals *t);

/* What the publisher sent, dropped and journaled. */
void cjd_replay_publisher_stats(const struct cjd_replay *r, struct cjd_publisher_stats *st);

/* Closes the traces and the publisher (fsyncing the journal, letting queued
 * messages leave). Accepts NULL. */
void cjd_replay_free(struct cjd_replay *r);

#endif
