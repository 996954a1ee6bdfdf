/* The training set: windows as a float matrix, with class, workload, run and time order. */
#ifndef CJD_TRAINER_DATASET_H
#define CJD_TRAINER_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * One row per window. The matrix is row-major (row i is d consecutive
 * floats): rows arrive one at a time from the featurizer, and scoring reads a
 * row at a time. The trainers build their own layouts from it (the GBDT a
 * binned copy), so the layout here is about appending cheaply.
 *
 * Three keys describe where a row comes from:
 *   group  the workload ("miner/randomx-light", "benign/xz"). Evaluation
 *          splits BY GROUP, never by row: neighbouring windows of one run
 *          overlap and are nearly identical, so a row-level split measures
 *          memory, not generalisation to unseen programs. Every row of a
 *          group has the same class.
 *   run    one recording of one cgroup ("corpus/xz.cjdt:/cjd/xz"). A run
 *          belongs to exactly one group; a group may have several runs.
 *   order  the window's position in its run (the featurizer's index). It
 *          must increase strictly within a run, so a run's rows are in time
 *          order for the alert simulation and the score-over-time plots.
 *
 * Row, group and run indices are uint32_t: 4 G windows is far beyond any
 * corpus, and halving the index arrays matters for the GBDT's partitions.
 * Not thread-safe to append; concurrent reads of a finished set are fine.
 */
struct cjd_dataset;

/*
 * Creates an empty set of n_features (1..4096) features named names[0..n)
 * (copied; must be non-empty and distinct). Returns 0, -EINVAL or -ENOMEM,
 * with err filled.
 */
int cjd_dataset_new(struct cjd_dataset **out, size_t n_features, const char *const *names,
		    struct cjd_error *err);

/* Accepts NULL. */
void cjd_dataset_free(struct cjd_dataset *ds);

/*
 * Appends one window: x[0..n_features) is copied. miner is the class (1 =
 * miner). group and run are copied on first sight. Errors (-EINVAL, with err
 * naming the group, run, order and feature): a non-finite feature value (the
 * featurizer promises finite values; a NaN would poison every histogram), a
 * group seen before with the other class, a run seen before in another group,
 * an order not after the run's previous one, an empty group or run name.
 * -ENOMEM, -EOVERFLOW past UINT32_MAX - 1 rows. On error nothing is appended.
 */
int cjd_dataset_append(struct cjd_dataset *ds, const char *group, const char *run, uint64_t order,
		       bool miner, const float *x, struct cjd_error *err);

size_t cjd_dataset_rows(const struct cjd_dataset *ds);
size_t cjd_dataset_features(const struct cjd_dataset *ds);
const char *cjd_dataset_feature_name(const struct cjd_dataset *ds, size_t j);
/* All n_features names, in order. */
const char *const *cjd_dataset_feature_names(const struct cjd_dataset *ds);

/* The whole matrix, rows × features, row-major; valid until the next append. */
const float *cjd_dataset_matrix(const struct cjd_dataset *ds);
/* Row i (n_features floats); valid until the next append. */
const float *cjd_dataset_row(const struct cjd_dataset *ds, size_t i);

bool cjd_dataset_miner(const struct cjd_dataset *ds, size_t i);
uint32_t cjd_dataset_group(const struct cjd_dataset *ds, size_t i);
uint32_t cjd_dataset_run(const struct cjd_dataset *ds, size_t i);
uint64_t cjd_dataset_order(const struct cjd_dataset *ds, size_t i);

/* Groups, in order of first appearance. */
size_t cjd_dataset_groups(const struct cjd_dataset *ds);
const char *cjd_dataset_group_name(const struct cjd_dataset *ds, uint32_t g);
bool cjd_dataset_group_miner(const struct cjd_dataset *ds, uint32_t g);
size_t cjd_dataset_group_rows(const struct cjd_dataset *ds, uint32_t g);
/* Index of a group by name, or -ENOENT. */
int cjd_dataset_group_find(const struct cjd_dataset *ds, const char *name, uint32_t *g);

/* Runs, in order of first appearance. */
size_t cjd_dataset_runs(const struct cjd_dataset *ds);
const char *cjd_dataset_run_name(const struct cjd_dataset *ds, uint32_t r);
uint32_t cjd_dataset_run_group(const struct cjd_dataset *ds, uint32_t r);
/* The rows of run r in time order; *n gets their count. Valid until the next append. */
const uint32_t *cjd_dataset_run_rows(const struct cjd_dataset *ds, uint32_t r, size_t *n);

#endif
