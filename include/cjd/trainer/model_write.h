/* The one writer of the model file: a trained model as the detector's JSON (docs/model-format.md). */
#ifndef CJD_TRAINER_MODEL_WRITE_H
#define CJD_TRAINER_MODEL_WRITE_H

#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/trainer/model.h"

/*
 * Serialises the model to JSON into a malloc'd, NUL-terminated buffer
 * (*out, *len excluding the NUL), in the detector's model format
 * (docs/model-format.md, loaded by detector/model_load.c). The output is
 * deterministic: fixed key order, shortest round-trip numbers. This is the
 * ONE function that writes the file schema (trainer/model_write.c). Returns 0, -EINVAL (err says which
 * field is invalid: a bad name, a non-finite number) or -ENOMEM.
 */
int cjd_trained_model_to_json(const struct cjd_trained_model *m, char **out, size_t *len,
			      struct cjd_error *err);

/* Writes it to path atomically (a temporary file in the same directory, then
 * rename). Returns 0 or a negative errno with err naming the path. */
int cjd_trained_model_save(const struct cjd_trained_model *m, const char *path,
			   struct cjd_error *err);

#endif
