/* TEMPORARY stand-in for branch evdata's header (the agreed contract); removed when evdata is merged. */
#ifndef CJD_DETECTOR_VERDICT_H
#define CJD_DETECTOR_VERDICT_H

#include <jansson.h>
#include <stdbool.h>

#include "cjd/common/error.h"
#include "cjd/evidence/features.h"

struct cjd_verdict_model;
int cjd_verdict_model_load(const char *path, struct cjd_verdict_model **out, struct cjd_error *err);
void cjd_verdict_model_free(struct cjd_verdict_model *m);
const char *cjd_verdict_model_name(const struct cjd_verdict_model *m);
enum cjd_verdict_level { CJD_VERDICT_NONE, CJD_VERDICT_LOW, CJD_VERDICT_MEDIUM, CJD_VERDICT_HIGH };
struct cjd_verdict {
	double score;
	enum cjd_verdict_level level;
	bool mining_specific;
	json_t *findings; /* [{"probe","finding","weight"}] */
};
int cjd_verdict_score(const struct cjd_verdict_model *m, double screen_score,
		      const struct cjd_evfeat *ev, struct cjd_verdict *out, struct cjd_error *err);
void cjd_verdict_clear(struct cjd_verdict *v);

#endif
