/* The named feature vector: its names, the events each feature needs, and their descriptions. */
#ifndef CJD_DETECTOR_FEATURES_TABLE_H
#define CJD_DETECTOR_FEATURES_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "cjd/common/event.h"

/*
 * The feature vector is fixed and named "<ratio>.<stat>", e.g. "ipc.mean",
 * "cpu_util.ac1" (the table is detector/features_internal.h; docs/model-format.md
 * lists it). Index order is stable within a build; models refer to features
 * by name, never by index.
 */
#define CJD_FEATURES_MAX 96 /* upper bound on cjd_feature_count(), for stack buffers */

size_t cjd_feature_count(void);

/* The name of feature i, or NULL when out of range. Static storage. */
const char *cjd_feature_name(size_t i);

/* Index of a feature name, or -ENOENT. */
int cjd_feature_lookup(const char *name);

/* The events feature i is computed from (a ratio's numerator and denominator). */
cjd_event_mask cjd_feature_events(size_t i);

struct cjd_feature_desc {
	const char *name;          /* "ipc.cv" */
	const char *ratio;         /* "ipc" */
	const char *ratio_formula; /* "instructions / cycles" */
	const char *stat;          /* "cv" */
	const char *stat_formula;  /* "std / m; 0 when m == 0" */
	const char *set;           /* "hw" or "sw" */
	cjd_event_mask events;
	float safe;                /* value when the denominator is 0 */
	bool nonnegative;          /* false only for ac1, in [-1, 1] */
};

/* Fills d for feature i. Returns 0 or -ENOENT. All strings are static. */
int cjd_feature_describe(size_t i, struct cjd_feature_desc *d);

#endif
