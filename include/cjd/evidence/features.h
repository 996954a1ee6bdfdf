/* TEMPORARY stand-in for branch evdata's header (the agreed contract); removed when evdata is merged. */
#ifndef CJD_EVIDENCE_FEATURES_H
#define CJD_EVIDENCE_FEATURES_H

#include <jansson.h>
#include <stdint.h>

#include "cjd/common/error.h"

#define CJD_EVFEAT__COUNT 8

struct cjd_evfeat {
	double v[CJD_EVFEAT__COUNT];
	uint64_t present;
};

int cjd_evfeat_from_json(const json_t *inspection, struct cjd_evfeat *out, struct cjd_error *err);

#endif
