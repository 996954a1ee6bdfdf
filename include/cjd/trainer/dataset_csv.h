/* Dataset CSV input and output, for tests and for looking at features with other tools. */
#ifndef CJD_TRAINER_DATASET_CSV_H
#define CJD_TRAINER_DATASET_CSV_H

#include <stdio.h>

#include "cjd/common/error.h"
#include "cjd/trainer/dataset.h"

/*
 * CSV, for tests and for looking at features outside cjd. The header is
 * `group,run,order,miner,<feature>...`; miner is 0 or 1; fields are plain
 * (no quotes, no commas inside). Errors name file:line:column.
 * load: 0, -ENOENT/-EACCES (open), -EINVAL (content), -ENOMEM.
 */
int cjd_dataset_load_csv(struct cjd_dataset **out, const char *path, struct cjd_error *err);
/* Writes the same format (floats shortest round-trip). Returns 0 or -EIO/-EINVAL (a name with a
 * comma). */
int cjd_dataset_write_csv(const struct cjd_dataset *ds, FILE *f);

#endif
