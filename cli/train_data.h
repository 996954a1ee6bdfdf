/* Labelled traces -> a dataset of windows through the detector's featurizer (cjd train, cjd eval). */
#ifndef CJD_CLI_TRAIN_DATA_H
#define CJD_CLI_TRAIN_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/detector/features_table.h"
#include "cjd/detector/model_predict.h"
#include "cjd/trainer/dataset.h"

/*
 * The feature sets a model can be trained on.
 *   hw: the hardware ratios (IPC, branch and miss rates) and cpu_util, all of
 *       which the simulated PMU's traces carry. insn_per_cpu_s is left out:
 *       in simulated traces it is IPC times the cycle model's nominal 3 GHz,
 *       so a model would learn a constant of the simulator, not of silicon.
 *   sw: the software ratios (cpu_util and context switches, migrations, page
 *       faults and syscalls per CPU-second).
 * Every statistic (mean, std, cv, min, max, ac1) of each ratio is included.
 */
enum td_set {
	TD_SET_HW = 0,
	TD_SET_SW,
};

/* "hw" / "sw" -> the set. Returns 0 or -EINVAL. */
int td_set_parse(const char *s, enum td_set *out);
const char *td_set_name(enum td_set set);

/* Features by index into the detector's vector, with their names and the events they need. */
struct td_features {
	size_t n;
	int idx[CJD_FEATURES_MAX];
	const char *names[CJD_FEATURES_MAX]; /* static storage (the feature table) */
	cjd_event_mask events;
};

/* The features of a set, minus those whose name matches one of drop[0..n_drop)
 * (fnmatch globs). -EINVAL with err when nothing is left. */
int td_features_of_set(enum td_set set, const char *const *drop, size_t n_drop,
		       struct td_features *out, struct cjd_error *err);

/* The features a loaded model uses, in model order, and the events it requires. */
void td_features_of_model(const struct cjd_model *m, struct td_features *out);

/*
 * Intervals to read every trace at: 0 means "as recorded", any other value
 * is a target for cjd_resampler (consecutive samples summed). "native,1s"
 * gives each trace twice. Parsed from a comma-separated list of "native" and
 * durations; at most TD_MAX_INTERVALS, each once.
 */
#define TD_MAX_INTERVALS 8
struct td_intervals {
	size_t n;
	uint64_t ns[TD_MAX_INTERVALS];
};

/* Returns 0, or -EINVAL with a message in err->text. */
int td_intervals_parse(const char *list, struct td_intervals *out, struct cjd_error *err);

struct td_config {
	unsigned window;		   /* W, 2..64 */
	const struct td_features *feat;	   /* the dataset's columns */
	const struct td_intervals *intervals; /* NULL or empty: as recorded */
	const struct cjd_model *score;	   /* when set, each window is scored by the detector */
	bool quiet;			   /* no progress lines */
};

/*
 * The windows of every trace: one dataset row per window, with
 *   group  the window's label ("miner/randomx-light"): a workload;
 *   run    "<file basename>[:<host>]:<cgroup>:<label>[@<interval>][#<segment>]",
 *          where a new segment starts after a gap in the cgroup's samples (the
 *          detector restarts its window and its alert count there too);
 *   order  the featurizer's window index.
 * score[i] is row i's score when cfg->score was given (else NULL).
 */
struct td_data {
	struct cjd_dataset *ds;
	float *score;
	size_t score_cap;
	uint64_t discarded; /* resampling: input samples in sums too short to use */
	size_t skipped_passes; /* resampling: (trace, interval) pairs whose interval was
				* shorter than the trace's own, so not read */
};

/*
 * Reads files[0..n) in order, each at every interval of cfg->intervals; an
 * interval shorter than a trace's own is skipped for that trace (an info
 * line says so, unless quiet). Every sample must carry a label; the trace
 * must have the events the features need. Errors name the file and line
 * (err->file, err->line) and say what is wrong. Returns 0, -EINVAL (bad
 * input), -ENOENT/-EACCES/-EIO (files), -ENOMEM.
 */
int td_build(const struct td_config *cfg, char *const *files, size_t n, struct td_data *out,
	     struct cjd_error *err);

void td_data_release(struct td_data *d);

/* Fills full[0..cjd_feature_count()) from dataset row i (features not in feat are 0). */
void td_full_vector(const struct td_features *feat, const float *row, float *full);

/* Counts the miner and benign groups of a dataset. */
void td_count_classes(const struct cjd_dataset *ds, size_t *miner_groups, size_t *benign_groups);

#endif
