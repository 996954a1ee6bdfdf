/* The all-in-one agent behind `cjd run`: collector, detector, publisher and actions on one loop. */
#ifndef CJD_DAEMON_AGENT_H
#define CJD_DAEMON_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/daemon/config.h"

/* One command-line override, re-applied over the file at every reload. */
struct cjd_override {
	const char *key;   /* configuration key, e.g. "collector.interval" */
	const char *value; /* text form; NULL sets null */
	bool replace;      /* lists: replace rather than append */
};

struct cjd_agent_options {
	const char *config_path;      /* file to (re)load; NULL: none */
	bool config_required;         /* the path was given explicitly: it must exist */
	const struct cjd_override *overrides;
	size_t n_overrides;
	const char *const *model_dirs; /* where default models are searched (after $CJD_MODEL_DIR) */
	size_t n_model_dirs;
	bool drop_privileges;         /* keep only CAP_PERFMON (+DAC_OVERRIDE with actions) */
};

struct cjd_agent;

/*
 * Loads the configuration (defaults, then the file, then the overrides),
 * binds the publisher and opens the journal, starts the collector, picks and
 * loads the model for the collector's mode, and prints the start-up banner.
 * Returns 0, or a negative errno with err holding one line: -EINVAL when the
 * configuration is at fault (a bad value or file, a model or key file that
 * cannot be used, events this host cannot count), another errno for a
 * runtime failure (-EACCES: not allowed to count, -EADDRINUSE, -ENOMEM, ...).
 */
int cjd_agent_new(struct cjd_agent **out, const struct cjd_agent_options *opts,
		  struct cjd_error *err);

/*
 * Runs until SIGTERM or SIGINT, then stops cleanly: a last partial sample is
 * not taken, the journal is flushed and fsynced, a `heartbeat` with
 * `stopping` is published. SIGHUP reloads the configuration and the model
 * atomically (an invalid new configuration is rejected and logged; the old one
 * keeps running). Returns 0, or a negative errno other than -EINVAL when the
 * collector or the loop failed (logged).
 */
int cjd_agent_run(struct cjd_agent *a);

/* Closes every fd the agent opened. Accepts NULL. */
void cjd_agent_free(struct cjd_agent *a);

/*
 * Loads defaults + file + overrides into cfg (used by new and by reload, and
 * by the split-mode commands). Returns 0, -EINVAL with err naming the file,
 * line and key (also for a file that cannot be read), or -ENOMEM.
 */
int cjd_agent_load_config(const struct cjd_agent_options *opts, struct cjd_config *cfg,
			  struct cjd_error *err);

#endif
