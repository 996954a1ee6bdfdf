/* Labelled traces -> windows: the featurizer, optional resampling and scoring, into a dataset. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/log.h"
#include "cjd/common/resample.h"
#include "cjd/common/strmap.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_reader.h"
#include "cjd/detector/featurizer.h"
#include "train_data.h"

int td_set_parse(const char *s, enum td_set *out)
{
	if (!strcmp(s, "hw"))
		*out = TD_SET_HW;
	else if (!strcmp(s, "sw"))
		*out = TD_SET_SW;
	else
		return -EINVAL;
	return 0;
}

const char *td_set_name(enum td_set set)
{
	return set == TD_SET_HW ? "hw" : "sw";
}

static bool in_set(enum td_set set, const struct cjd_feature_desc *d)
{
	if (set == TD_SET_SW)
		return !strcmp(d->set, "sw");
	/* hw: see train_data.h for why insn_per_cpu_s is out and cpu_util in */
	if (!strcmp(d->ratio, "insn_per_cpu_s"))
		return false;
	return !strcmp(d->set, "hw") || !strcmp(d->ratio, "cpu_util");
}

int td_features_of_set(enum td_set set, const char *const *drop, size_t n_drop,
		       struct td_features *out, struct cjd_error *err)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cjd_feature_count() && out->n < CJD_FEATURES_MAX; i++) {
		struct cjd_feature_desc d;
		bool dropped = false;
		if (cjd_feature_describe(i, &d) || !in_set(set, &d))
			continue;
		for (size_t k = 0; k < n_drop && !dropped; k++)
			dropped = fnmatch(drop[k], d.name, 0) == 0;
		if (dropped)
			continue;
		out->idx[out->n] = (int)i;
		out->names[out->n] = cjd_feature_name(i);
		out->events |= d.events;
		out->n++;
	}
	if (out->n == 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "no feature of the %s set is left after --drop",
				     td_set_name(set));
	return 0;
}

void td_features_of_model(const struct cjd_model *m, struct td_features *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t j = 0; j < cjd_model_n_features(m) && j < CJD_FEATURES_MAX; j++) {
		int i = cjd_model_feature(m, j);
		out->idx[out->n] = i;
		out->names[out->n] = cjd_feature_name((size_t)i);
		out->n++;
	}
	out->events = cjd_model_events(m);
}

int td_intervals_parse(const char *list, struct td_intervals *out, struct cjd_error *err)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t ns = 0;
		if (strcmp(tok, "native") && (cjd_duration_parse(tok, &ns) || ns == 0)) {
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
					   "'%s' is neither 'native' nor a duration such as 500ms",
					   tok);
			break;
		}
		for (size_t k = 0; k < out->n; k++)
			if (out->ns[k] == ns)
				rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "'%s' is listed twice",
						   tok);
		if (rc)
			break;
		if (out->n == TD_MAX_INTERVALS) {
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "at most %d intervals",
					   TD_MAX_INTERVALS);
			break;
		}
		out->ns[out->n++] = ns;
	}
	if (!rc && out->n == 0)
		rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "empty list");
	free(copy);
	return rc;
}

void td_full_vector(const struct td_features *feat, const float *row, float *full)
{
	memset(full, 0, cjd_feature_count() * sizeof(*full));
	for (size_t j = 0; j < feat->n; j++)
		full[feat->idx[j]] = row[j];
}

void td_count_classes(const struct cjd_dataset *ds, size_t *miner_groups, size_t *benign_groups)
{
	*miner_groups = *benign_groups = 0;
	for (uint32_t g = 0; g < cjd_dataset_groups(ds); g++)
		*(cjd_dataset_group_miner(ds, g) ? miner_groups : benign_groups) += 1;
}

void td_data_release(struct td_data *d)
{
	if (!d)
		return;
	cjd_dataset_free(d->ds);
	free(d->score);
	memset(d, 0, sizeof(*d));
}

/* Where a cgroup's windows are: its last window's end, and its segment. */
struct seg {
	uint64_t last_t_ns;
	unsigned segment;
};

/* One pass over one trace at one interval. */
struct pass {
	const struct td_config *cfg;
	struct td_data *out;
	const char *file, *base;
	char suffix[40]; /* "@1s" for a resampled pass, "" otherwise */
	struct cjd_featurizer *fz;
	struct cjd_strmap *lanes; /* host\x1f cgroup -> index + 1 into segs */
	struct seg *segs;
	size_t n_segs, cap_segs;
	struct cjd_error *err; /* a callback's error; its file and line are the caller's */
	char run[1024];
};

static int lane_seg(struct pass *p, const struct cjd_window *w, struct seg **out)
{
	char key[600];
	uint64_t *v;
	int rc;

	snprintf(key, sizeof(key), "%s\x1f%s", w->host ? w->host : "", w->cgroup);
	if ((rc = cjd_strmap_upsert(p->lanes, key, &v)) < 0)
		return rc;
	if (rc == 1) {
		if (cjd_array_reserve(p->segs, p->cap_segs, p->n_segs + 1))
			return -ENOMEM;
		p->segs[p->n_segs] = (struct seg){.last_t_ns = 0, .segment = 0};
		*v = ++p->n_segs;
		*out = &p->segs[*v - 1];
		(*out)->last_t_ns = UINT64_MAX; /* first window: no gap before it */
		return 0;
	}
	*out = &p->segs[*v - 1];
	return 0;
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct pass *p = ctx;
	struct td_data *o = p->out;
	float x[CJD_FEATURES_MAX];
	struct seg *sg;
	int rc;

	if (!w->label) /* every sample was checked; a window's label is its newest sample's */
		return cjd_error_set(p->err, -EINVAL, NULL, 0, 0,
				     "a window of cgroup %s has no label", w->cgroup);
	if ((rc = lane_seg(p, w, &sg)))
		return cjd_error_set(p->err, rc, NULL, 0, 0, "out of memory");
	/* Windows slide by one sample; the next one after a gap comes W samples
	 * later, so it starts well after the previous window ended. */
	uint64_t start = w->t_ns > w->dt_ns ? w->t_ns - w->dt_ns : 0;
	if (sg->last_t_ns != UINT64_MAX && start > sg->last_t_ns + w->dt_ns / 2)
		sg->segment++;
	sg->last_t_ns = w->t_ns;
	int len = snprintf(p->run, sizeof(p->run), "%s%s%s:%s:%s%s", p->base,
			   w->host && w->host[0] ? ":" : "", w->host ? w->host : "", w->cgroup,
			   w->label, p->suffix);
	if (sg->segment && len > 0 && (size_t)len < sizeof(p->run))
		snprintf(p->run + len, sizeof(p->run) - (size_t)len, "#%u", sg->segment + 1);
	for (size_t j = 0; j < p->cfg->feat->n; j++)
		x[j] = w->features[p->cfg->feat->idx[j]];
	if (p->cfg->score) {
		size_t i = cjd_dataset_rows(o->ds);
		if (cjd_array_reserve(o->score, o->score_cap, i + 1))
			return cjd_error_set(p->err, -ENOMEM, NULL, 0, 0, "out of memory");
		o->score[i] = cjd_model_predict_one(p->cfg->score, w->features);
	}
	return cjd_dataset_append(o->ds, w->label, p->run, w->index, cjd_label_is_miner(w->label),
				  x, p->err);
}

static int push_featurizer(const struct cjd_sample *s, void *ctx)
{
	struct pass *p = ctx;

	return cjd_featurizer_push(p->fz, s, p->err);
}

/* Reads one trace at one interval (0: as recorded) into the dataset. */
static int read_pass(const struct td_config *cfg, const char *file, uint64_t interval_ns,
		     struct td_data *out, struct cjd_progress *prog, size_t fi, size_t nf,
		     struct cjd_error *err)
{
	struct pass p = {.cfg = cfg, .out = out, .file = file, .err = err};
	struct cjd_trace_reader *r = NULL;
	struct cjd_resampler *rs = NULL;
	struct cjd_sample s;
	char have[256], need[256], dur[32];
	int rc;

	p.base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if ((rc = cjd_trace_reader_open(&r, file, err)))
		return rc;
	const struct cjd_trace_header *h = cjd_trace_reader_header(r);
	cjd_event_mask events = cjd_trace_header_mask(h);
	if ((events & cfg->feat->events) != cfg->feat->events) {
		cjd_event_mask_format(cfg->feat->events & ~events, need, sizeof(need));
		cjd_event_mask_format(events, have, sizeof(have));
		rc = cjd_error_set(err, -EINVAL, file, 1, 0,
				   "the features need events this trace lacks: %s (it has: %s)",
				   need, have);
		goto out;
	}
	if (interval_ns) {
		if (interval_ns < h->interval_ns) {
			/* Its samples are longer already: nothing to sum. Said, not silent. */
			if (!cfg->quiet)
				cjd_info("%s: no %s pass: its interval is %s already", file,
					 cjd_duration_format(interval_ns, dur, sizeof(dur)),
					 cjd_duration_format(h->interval_ns, need, sizeof(need)));
			out->skipped_passes++;
			rc = 0;
			goto out;
		}
		snprintf(p.suffix, sizeof(p.suffix), "@%s",
			 cjd_duration_format(interval_ns, dur, sizeof(dur)));
		if ((rc = cjd_resampler_new(&rs, interval_ns, push_featurizer, &p))) {
			rc = cjd_error_set(err, rc, file, 0, 0, "out of memory");
			goto out;
		}
	}
	if (!(p.lanes = cjd_strmap_new())) {
		rc = cjd_error_set(err, -ENOMEM, file, 0, 0, "out of memory");
		goto out;
	}
	if ((rc = cjd_featurizer_new(&p.fz, cfg->window, cfg->feat->events, CJD_SIMD_AUTO, on_window,
				     &p, err)))
		goto out;
	while ((rc = cjd_trace_reader_next(r, &s, err)) > 0) {
		if (!s.label) {
			rc = cjd_error_set(err, -EINVAL, file, (int)cjd_trace_reader_line(r), 0,
					   "sample of cgroup %s has no label; training and "
					   "evaluation need every sample labelled benign[/NAME] "
					   "or miner[/NAME] (cjd record --label)",
					   s.cgroup);
			goto out;
		}
		cjd_error_clear(err);
		rc = rs ? cjd_resampler_push(rs, &s, err) : cjd_featurizer_push(p.fz, &s, err);
		if (rc) {
			/* the featurizer or the dataset said what; this says where */
			struct cjd_error why = *err;
			rc = cjd_error_set(err, rc, file, (int)cjd_trace_reader_line(r), 0, "%s",
					   why.text);
			goto out;
		}
		if (!cfg->quiet)
			cjd_progress_update(prog, "reading %s%s (%zu/%zu): %zu windows so far", p.base,
					    p.suffix, fi + 1, nf, cjd_dataset_rows(out->ds));
	}
	if (rc < 0)
		goto out;
	cjd_error_clear(err);
	if ((rs && (rc = cjd_resampler_finish(rs))) || (rc = cjd_featurizer_tick(p.fz))) {
		struct cjd_error why = *err;
		rc = cjd_error_set(err, rc, file, 0, 0, "%s",
				   why.text[0] ? why.text : "out of memory");
		goto out;
	}
	if (rs)
		out->discarded += cjd_resampler_discarded(rs);
	rc = 0;
out:
	cjd_featurizer_free(p.fz);
	cjd_resampler_free(rs);
	cjd_strmap_free(p.lanes);
	free(p.segs);
	cjd_trace_reader_free(r);
	return rc;
}

int td_build(const struct td_config *cfg, char *const *files, size_t n, struct td_data *out,
	     struct cjd_error *err)
{
	static const struct td_intervals native = {.n = 1, .ns = {0}};
	const struct td_intervals *iv = cfg->intervals && cfg->intervals->n ? cfg->intervals
									    : &native;
	struct cjd_progress prog;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cjd_dataset_new(&out->ds, cfg->feat->n, cfg->feat->names, err)))
		return rc;
	cjd_progress_init(&prog);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < iv->n; k++)
			if ((rc = read_pass(cfg, files[i], iv->ns[k], out, &prog, i, n, err)))
				goto fail;
	if (!cfg->quiet)
		cjd_progress_done(&prog);
	if (cjd_dataset_rows(out->ds) == 0) {
		rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
				   "the traces hold no complete window of %u samples", cfg->window);
		goto fail;
	}
	return 0;
fail:
	if (!cfg->quiet)
		cjd_progress_done(&prog);
	td_data_release(out);
	return rc;
}
