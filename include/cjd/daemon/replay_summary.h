/* The end-of-replay summary: per file, cgroup and label, samples, windows, flagged windows, alerts. */
#ifndef CJD_DAEMON_REPLAY_SUMMARY_H
#define CJD_DAEMON_REPLAY_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/alert.h"
#include "cjd/detector/featurizer.h"

/*
 * Per (file, cgroup, label): samples, windows, flagged windows, alerts and
 * the time from the label's first sample to its first firing alert. Filled
 * by cjd_replay_run() (daemon/replay.h). Not thread-safe.
 */
struct cjd_replay_summary;

/* Returns an empty summary, or NULL when out of memory. */
struct cjd_replay_summary *cjd_replay_summary_new(void);
/* Accepts NULL. */
void cjd_replay_summary_free(struct cjd_replay_summary *s);

/* Count one sample, scored window or alert of file number `file`. Return 0 or -ENOMEM. */
int cjd_replay_summary_sample(struct cjd_replay_summary *s, int file, const char *cgroup,
			      const char *label, uint64_t start_ns);
int cjd_replay_summary_window(struct cjd_replay_summary *s, int file, const struct cjd_window *w);
int cjd_replay_summary_alert(struct cjd_replay_summary *s, int file, const struct cjd_alert *a);

/* Totals for the footer: the model, settings and tier of the first trace's mode. */
struct cjd_replay_totals {
	uint64_t samples;
	double seconds; /* wall time of the replay */
	char model_name[128], model_version[64];
	const char *model_kind; /* static: "gbdt", "logistic" */
	unsigned window, fire_windows;
	float threshold;
	const char *tier; /* static: "avx2", ... */
};

/* The summary as a table on out, rows sorted by file, cgroup and label; files[i] names
 * file number i. */
void cjd_replay_summary_print(const struct cjd_replay_summary *s, const char *const *files,
			      const struct cjd_replay_totals *t, FILE *out);
/* The same as one JSON document (--summary-json). Returns 0 or -EIO (a write error). */
int cjd_replay_summary_json(const struct cjd_replay_summary *s, const char *const *files,
			    const struct cjd_replay_totals *t, FILE *out);

#endif
