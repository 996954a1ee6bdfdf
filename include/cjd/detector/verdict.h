/* The combined verdict: the screening score and the evidence features through a verdict model (docs/model-format.md, "Verdict models"). */
#ifndef CJD_DETECTOR_VERDICT_H
#define CJD_DETECTOR_VERDICT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cjd/common/error.h"
#include "cjd/evidence/features.h"

/* The default verdict model's file, found like the screening models (cjd_verdict_default_path). */
#define CJD_VERDICT_DEFAULT_FILE "verdict-rule.json"

/* Opaque; loaded from a JSON model file. Immutable once loaded: may be shared by threads. */
struct cjd_verdict_model;

/*
 * Loads a verdict model (format "cjd-verdict", docs/model-format.md) strictly: unknown keys,
 * unknown feature names, wrong types and values out of range are errors naming the file, the
 * line and column and the JSON path. Returns 0 with *out (free with cjd_verdict_model_free),
 * or -errno (-ENOENT, -EINVAL, -ENOMEM) with err set.
 */
int cjd_verdict_model_load(const char *path, struct cjd_verdict_model **out, struct cjd_error *err);

/* The same from text in memory; `name` is the file name errors carry. */
int cjd_verdict_model_load_string(const char *name, const char *text, size_t len,
				  struct cjd_verdict_model **out, struct cjd_error *err);

/* Frees m. NULL is allowed. */
void cjd_verdict_model_free(struct cjd_verdict_model *m);

/* The model's "name" (static for the model's life). */
const char *cjd_verdict_model_name(const struct cjd_verdict_model *m);

/*
 * Finds the default verdict model (CJD_VERDICT_DEFAULT_FILE) in $CJD_MODEL_DIR, then in
 * dirs[0..n), as cjd_model_default_path() finds the screening models. Returns 0 with the
 * path in out, or -ENOENT with err saying where it looked.
 */
int cjd_verdict_default_path(const char *const *dirs, size_t n, char *out, size_t len,
			     struct cjd_error *err);

enum cjd_verdict_level { CJD_VERDICT_NONE, CJD_VERDICT_LOW, CJD_VERDICT_MEDIUM, CJD_VERDICT_HIGH };

/* The lowest score of level l (CJD_VERDICT_LOW..HIGH) under m; 0 for NONE. */
double cjd_verdict_model_threshold(const struct cjd_verdict_model *m, enum cjd_verdict_level l);

/* "none", "low", "medium", "high"; NULL out of range. */
const char *cjd_verdict_level_name(enum cjd_verdict_level l);

struct cjd_verdict {
	double score;                 /* combined, 0..1 */
	enum cjd_verdict_level level; /* HIGH only with mining-specific evidence */
	bool mining_specific;         /* a finding that benign programs almost never show */
	json_t *findings; /* array of {"probe":..,"finding":"sentence a responder can act on","weight":..} */
};

/*
 * Combines the screening score (0..1, the counters' model) with the evidence ev through m.
 * ev may be NULL (no inspection yet / probes off): the verdict then rests on the screening
 * score alone (score = screen_score, level at most MEDIUM) and its finding says so. A probe
 * whose features are all absent gets a finding saying it was not measured. out is
 * overwritten (call cjd_verdict_clear on an earlier result first); its findings are the
 * caller's. Thread safe for a shared m. Returns 0, -EINVAL (screen_score not in 0..1), or
 * -ENOMEM, with err set.
 */
int cjd_verdict_score(const struct cjd_verdict_model *m, double screen_score, const struct cjd_evfeat *ev,
		      struct cjd_verdict *out, struct cjd_error *err);

/* Releases the findings and zeroes v. NULL is allowed. */
void cjd_verdict_clear(struct cjd_verdict *v);

#endif
