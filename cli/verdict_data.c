/* The combined verdict's data: each window's screening score beside its cgroup's newest complete evidence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/resample.h"
#include "cjd/common/trace_reader.h"
#include "cjd/detector/featurizer.h"
#include "cjd/detector/model_predict.h"
#include "cjd/evidence/features.h"
#include "verdict_data.h"

/* One evidence record of a trace: when it was complete, and its features. */
struct vd_ev {
	char *cgroup;
	uint64_t avail_ns;
	struct cjd_evfeat f;
};

struct vd_file {
	const char *path;
	const struct vd_config *cfg;
	struct cjd_dataset *ds;
	struct vd_ev *ev;
	size_t nev, cap;
	struct cjd_featurizer *fz;
	struct cjd_resampler *rs;
	struct cjd_error *err;
};

void vd_row(const struct cjd_dataset *ds, size_t i, double *screen, struct cjd_evfeat *ev)
{
	const float *x = cjd_dataset_row(ds, i);

	*screen = x[0];
	memset(ev, 0, sizeof(*ev));
	for (unsigned j = 0; j < CJD_EVFEAT__COUNT; j++) {
		if (x[1 + CJD_EVFEAT__COUNT + j] > 0.5f)
			continue;
		ev->v[j] = x[1 + j];
		ev->present |= UINT64_C(1) << j;
	}
}

static int column_names(char names[VD_COLUMNS][80])
{
	snprintf(names[0], 80, "screen");
	for (unsigned j = 0; j < CJD_EVFEAT__COUNT; j++) {
		snprintf(names[1 + j], 80, "%s", cjd_evfeat_name(j));
		snprintf(names[1 + CJD_EVFEAT__COUNT + j], 80, "absent:%s", cjd_evfeat_name(j));
	}
	return 0;
}

/* Pass 1: every evidence record of the file, as features, by when they were complete. */
static int read_evidence(struct vd_file *vf)
{
	struct cjd_trace_reader *r;
	struct cjd_trace_evidence ev;
	struct cjd_sample s;
	int rc;

	if ((rc = cjd_trace_reader_open(&r, vf->path, vf->err)))
		return rc;
	while ((rc = cjd_trace_reader_next_record(r, &s, &ev, vf->err)) > 0) {
		const json_t *el;
		struct vd_ev *e;

		if (rc != CJD_TRACE_EVIDENCE)
			continue;
		el = json_object_get(ev.inspection, "elapsed_ns");
		if (cjd_array_reserve(vf->ev, vf->cap, vf->nev + 1)) {
			rc = cjd_error_set(vf->err, -ENOMEM, vf->path, 0, 0, "out of memory");
			break;
		}
		e = &vf->ev[vf->nev];
		if ((rc = cjd_evfeat_from_json(ev.inspection, &e->f, vf->err))) {
			/* the features said what; this says where */
			struct cjd_error why = *vf->err;
			rc = cjd_error_set(vf->err, rc, vf->path, (int)cjd_trace_reader_line(r), 0, "%s",
					   why.text);
			break;
		}
		if (!(e->cgroup = strdup(ev.cgroup))) {
			rc = cjd_error_set(vf->err, -ENOMEM, vf->path, 0, 0, "out of memory");
			break;
		}
		e->avail_ns = ev.t_ns + (json_is_integer(el) ? (uint64_t)json_integer_value(el) : 0);
		vf->nev++;
	}
	cjd_trace_reader_free(r);
	return rc < 0 ? rc : 0;
}

/* The newest evidence of cgroup complete by t_ns, or NULL. */
static const struct vd_ev *evidence_at(const struct vd_file *vf, const char *cgroup, uint64_t t_ns)
{
	const struct vd_ev *best = NULL;

	for (size_t i = 0; i < vf->nev; i++)
		if (vf->ev[i].avail_ns <= t_ns && !strcmp(vf->ev[i].cgroup, cgroup) &&
		    (!best || vf->ev[i].avail_ns >= best->avail_ns))
			best = &vf->ev[i];
	return best;
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct vd_file *vf = ctx;
	const struct vd_ev *e = evidence_at(vf, w->cgroup, w->t_ns);
	float x[VD_COLUMNS];
	char run[600];
	const char *base = strrchr(vf->path, '/');

	if (!w->label)
		return cjd_error_set(vf->err, -EINVAL, vf->path, 0, 0,
				     "a window of cgroup %s has no label (cjd record --label)", w->cgroup);
	x[0] = cjd_model_predict_one(vf->cfg->screen, w->features);
	for (unsigned j = 0; j < CJD_EVFEAT__COUNT; j++) {
		bool have = e && ((e->f.present >> j) & 1);
		x[1 + j] = have ? (float)e->f.v[j] : 0.0f;
		x[1 + CJD_EVFEAT__COUNT + j] = have ? 0.0f : 1.0f;
	}
	snprintf(run, sizeof(run), "%s:%s", base ? base + 1 : vf->path, w->cgroup);
	return cjd_dataset_append(vf->ds, w->label, run, w->index, !strncmp(w->label, "miner", 5), x,
				  vf->err);
}

static int push_featurizer(const struct cjd_sample *s, void *ctx)
{
	struct vd_file *vf = ctx;

	return cjd_featurizer_push(vf->fz, s, vf->err);
}

/* Pass 2: the samples, through the detector's feature extraction and the screening model. */
static int read_samples(struct vd_file *vf)
{
	const struct vd_config *cfg = vf->cfg;
	struct cjd_trace_reader *r;
	struct cjd_sample s;
	int rc;

	if ((rc = cjd_trace_reader_open(&r, vf->path, vf->err)))
		return rc;
	rc = cjd_featurizer_new(&vf->fz, cjd_model_window(cfg->screen),
				cjd_trace_header_mask(cjd_trace_reader_header(r)), CJD_SIMD_AUTO,
				on_window, vf, vf->err);
	if (!rc && cfg->interval_ns > cjd_trace_reader_header(r)->interval_ns &&
	    cjd_resampler_new(&vf->rs, cfg->interval_ns, push_featurizer, vf))
		rc = cjd_error_set(vf->err, -ENOMEM, vf->path, 0, 0, "out of memory");
	while (!rc && (rc = cjd_trace_reader_next(r, &s, vf->err)) > 0) {
		rc = vf->rs ? cjd_resampler_push(vf->rs, &s, vf->err) : push_featurizer(&s, vf);
		if (rc && !vf->err->line) {
			struct cjd_error why = *vf->err;
			rc = cjd_error_set(vf->err, rc, vf->path, (int)cjd_trace_reader_line(r), 0,
					   "%s", why.text);
		}
	}
	if (rc == 0 && vf->rs)
		rc = cjd_resampler_finish(vf->rs);
	if (rc == 0)
		rc = cjd_featurizer_tick(vf->fz);
	cjd_resampler_free(vf->rs);
	cjd_featurizer_free(vf->fz);
	vf->rs = NULL;
	vf->fz = NULL;
	cjd_trace_reader_free(r);
	return rc;
}

int vd_build(const struct vd_config *cfg, char *const *files, size_t n, struct cjd_dataset **out,
	     struct cjd_error *err)
{
	char names[VD_COLUMNS][80];
	const char *np[VD_COLUMNS];
	int rc;

	column_names(names);
	for (size_t j = 0; j < VD_COLUMNS; j++)
		np[j] = names[j];
	if ((rc = cjd_dataset_new(out, VD_COLUMNS, np, err)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		struct vd_file vf = {.path = files[i], .cfg = cfg, .ds = *out, .err = err};

		if (!cfg->quiet)
			cjd_info("verdict data: %s", files[i]);
		rc = read_evidence(&vf);
		if (!rc)
			rc = read_samples(&vf);
		for (size_t k = 0; k < vf.nev; k++)
			free(vf.ev[k].cgroup);
		free(vf.ev);
	}
	if (rc) {
		cjd_dataset_free(*out);
		*out = NULL;
	}
	return rc;
}
