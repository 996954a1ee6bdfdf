/* Classifier models: strict JSON loading (docs/model-format.md) into flat arrays. */
#ifndef CJD_DETECTOR_MODEL_LOAD_H
#define CJD_DETECTOR_MODEL_LOAD_H

#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/detector/model_predict.h"

#define CJD_MODEL_SCHEMA_VERSION 1
#define CJD_MODEL_MAX_FEATURES 64  /* = CJD_ALERT_MAX_FEATURES: the alert carries them all */
#define CJD_MODEL_MAX_DEPTH 8
#define CJD_MODEL_MAX_TREES 10000

/*
 * Loads and validates a model file. Strict: unknown keys, duplicate keys,
 * wrong types, unknown feature or event names, malformed trees are errors
 * with file:line:column and the JSON path ("gbdt.trees[3].nodes[7].left: ...").
 * Returns 0, -ENOENT/-EACCES/-EIO (file), -EINVAL (content), -ENOMEM.
 */
int cjd_model_load(struct cjd_model **out, const char *path, struct cjd_error *err);

/* The same from memory; `name` stands for the file in errors. */
int cjd_model_load_string(struct cjd_model **out, const char *name, const char *text, size_t len,
			  struct cjd_error *err);

/* Accepts NULL. */
void cjd_model_free(struct cjd_model *m);

#endif
