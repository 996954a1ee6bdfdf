/* Pieces of `cjd replay`: the per-cgroup summary. */
#ifndef CJD_CLI_REPLAY_H
#define CJD_CLI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/alert.h"
#include "cjd/detector/featurizer.h"

/* Per (file, cgroup, label): samples, windows, flagged windows, alerts. */
struct replay_summary;

struct replay_summary *replay_summary_new(void);
void replay_summary_free(struct replay_summary *s);

/* Returns 0 or -ENOMEM. */
int replay_summary_sample(struct replay_summary *s, int file, const char *cgroup,
			  const char *label, uint64_t start_ns);
int replay_summary_window(struct replay_summary *s, int file, const struct cjd_window *w);
int replay_summary_alert(struct replay_summary *s, int file, const struct cjd_alert *a);

/* Totals for the footer. */
struct replay_totals {
	uint64_t samples;
	double seconds;    /* wall time of the replay */
	const char *model_name, *model_version, *model_kind;
	unsigned window, fire_windows;
	float threshold;
	const char *tier;
};

void replay_summary_print(const struct replay_summary *s, const char *const *files,
			  const struct replay_totals *t, FILE *out);
int replay_summary_json(const struct replay_summary *s, const char *const *files,
			const struct replay_totals *t, FILE *out);

#endif
