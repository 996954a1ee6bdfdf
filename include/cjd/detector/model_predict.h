/* A loaded classifier model: its accessors, batch prediction, and finding the default model. */
#ifndef CJD_DETECTOR_MODEL_PREDICT_H
#define CJD_DETECTOR_MODEL_PREDICT_H

#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/common/event.h"
#include "cjd/detector/simd.h"

enum cjd_model_kind {
	CJD_MODEL_LOGISTIC = 0,
	CJD_MODEL_GBDT,
};

enum cjd_norm {
	CJD_NORM_NONE = 0,      /* x */
	CJD_NORM_STANDARD,      /* (x - mean) / scale */
	CJD_NORM_LOG1P_STANDARD /* (log1p(x) - mean) / scale, nonnegative features only */
};

/*
 * A loaded model: immutable after loading, so one model may be shared by
 * any number of detectors and threads. Nothing of the JSON is kept.
 */
struct cjd_model;

const char *cjd_model_name(const struct cjd_model *m);
const char *cjd_model_version(const struct cjd_model *m);
enum cjd_model_kind cjd_model_kind(const struct cjd_model *m);
const char *cjd_model_kind_name(enum cjd_model_kind k); /* "logistic" / "gbdt" */

/* The window length W the model was trained with. */
unsigned cjd_model_window(const struct cjd_model *m);

/* The events the model requires (a superset of what its features need). */
cjd_event_mask cjd_model_events(const struct cjd_model *m);

/* Hardware when the model needs cycles and instructions, else software. */
enum cjd_mode cjd_model_mode(const struct cjd_model *m);

/* Calibrated defaults: a window scoring >= threshold is flagged; a firing
 * alert counts windows below threshold_low towards resolving. */
float cjd_model_threshold(const struct cjd_model *m);
float cjd_model_threshold_low(const struct cjd_model *m);

/* The model's features, in model order, as indices of the feature vector
 * (cjd_feature_name() gives the names). */
size_t cjd_model_n_features(const struct cjd_model *m);
int cjd_model_feature(const struct cjd_model *m, size_t j);

/* gbdt: trees, and the depth of the deepest (0 for logistic). */
size_t cjd_model_n_trees(const struct cjd_model *m);
unsigned cjd_model_depth(const struct cjd_model *m);

/*
 * Refuses a model that needs events the source cannot supply: returns 0, or
 * -ENOTSUP with err->text "model NAME needs events the source cannot supply:
 * a, b (the source has: c, d)".
 */
int cjd_model_check_events(const struct cjd_model *m, cjd_event_mask available,
			   struct cjd_error *err);

/*
 * Scores n cgroups at once. features holds the full feature vector of lane i
 * at features[f * pitch + i] for f < cjd_feature_count() (the detector's
 * SoA matrix). scores[i] gets 0..1, never NaN. Uses the process's SIMD tier
 * (cjd_simd_tier(), scalar if that fails). Thread-safe (m is read-only).
 */
void cjd_model_predict(const struct cjd_model *m, const float *features, size_t pitch, size_t n,
		       float *scores);

/* The same with an explicit tier the CPU supports (tests, benchmarks). */
void cjd_model_predict_tier(const struct cjd_model *m, enum cjd_simd_tier tier,
			    const float *features, size_t pitch, size_t n, float *scores);

/* One feature vector (cjd_feature_count() values by index). */
float cjd_model_predict_one(const struct cjd_model *m, const float *features);

/*
 * The name of the shipped model for a source that supplies `events`:
 * "hw-default" in hardware mode (cycles and instructions), else "sw-default"
 * when syscalls are counted, else "sw-nosyscalls" (the software model trained
 * without the syscall features, for hosts where tracefs cannot be mounted).
 * events 0 means "not known yet" and gets "sw-default". Static string.
 */
const char *cjd_model_default_name(cjd_event_mask events);

/*
 * Finds the model file `file` ("sw-default.json") in $CJD_MODEL_DIR, then in
 * each of dirs[0..n). Returns 0 with the path in out, or -ENOENT with err->text
 * "no <what> found: looked for <file> in <the directories>".
 */
int cjd_model_find(const char *file, const char *what, const char *const *dirs, size_t n,
		   char *out, size_t len, struct cjd_error *err);

/*
 * Finds the default model for `events` (cjd_model_default_name + ".json") in
 * $CJD_MODEL_DIR, then in each of dirs[0..n). Returns 0 with the path in
 * out, or -ENOENT with err->text listing where it looked.
 */
int cjd_model_default_path(cjd_event_mask events, const char *const *dirs, size_t n, char *out,
			   size_t len, struct cjd_error *err);

#endif
