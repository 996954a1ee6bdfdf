/* The public featurizer: the window engine plus a callback per completed window (training, eval). */
#include <errno.h>
#include <stdlib.h>

#include "cjd/detector/featurizer.h"
#include "window_internal.h"

struct cjd_featurizer {
	struct cjd_win *e;
	cjd_window_cb cb;
	void *ctx;
	float row[CJD_FEATURE__COUNT];
};

int cjd_featurizer_new(struct cjd_featurizer **out, unsigned window, cjd_event_mask events,
		       enum cjd_simd_tier tier, cjd_window_cb cb, void *ctx, struct cjd_error *err)
{
	struct cjd_featurizer *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	if ((rc = cjd_win_new(&f->e, window, events, tier, err))) {
		free(f);
		return rc;
	}
	f->cb = cb;
	f->ctx = ctx;
	*out = f;
	return 0;
}

void cjd_featurizer_free(struct cjd_featurizer *f)
{
	if (!f)
		return;
	cjd_win_free(f->e);
	free(f);
}

int cjd_featurizer_tick(struct cjd_featurizer *f)
{
	const uint32_t *ready;
	size_t n, n_lanes;

	if (!cjd_win_has_pending(f->e))
		return 0;
	cjd_win_tick(f->e);
	n = cjd_win_ready(f->e, &ready);
	struct cjd_win_lane *lanes = cjd_win_lanes(f->e, &n_lanes);
	for (size_t i = 0; i < n; i++) {
		struct cjd_window w;
		cjd_win_lane_features(f->e, ready[i], f->row);
		cjd_win_describe(f->e, &lanes[ready[i]], f->row, &w);
		int rc = f->cb ? f->cb(&w, f->ctx) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

int cjd_featurizer_push(struct cjd_featurizer *f, const struct cjd_sample *s,
			struct cjd_error *err)
{
	struct cjd_win_lane *ln;
	bool gap;
	int rc = cjd_win_stage(f->e, s, &ln, &gap, err);

	if (rc == -EAGAIN) {
		if ((rc = cjd_featurizer_tick(f)))
			return rc;
		rc = cjd_win_stage(f->e, s, &ln, &gap, err);
	}
	return rc;
}
