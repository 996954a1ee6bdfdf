/* The trained model record: allocation, ownership, and the double-precision reference scorer. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/text.h"
#include "cjd/trainer/model.h"
#include "internal.h"

static const char *const kind_names[] = {"logistic", "gbdt"};
static const char *const norm_names[] = {"none", "standard", "log1p_standard"};

const char *cjd_trained_kind_name(enum cjd_trained_kind k)
{
	return (unsigned)k < 2 ? kind_names[k] : NULL;
}

int cjd_trained_kind_parse(const char *s, enum cjd_trained_kind *out)
{
	for (unsigned k = 0; k < 2; k++) {
		if (!strcmp(s, kind_names[k])) {
			*out = (enum cjd_trained_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cjd_trained_norm_name(enum cjd_trained_norm n)
{
	return (unsigned)n < 3 ? norm_names[n] : NULL;
}

struct cjd_trained_model *cjd_trained_model_new(enum cjd_trained_kind kind, size_t n_features,
						const char *const *names)
{
	struct cjd_trained_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->kind = kind;
	m->n_features = n_features;
	m->feature_names = calloc(n_features, sizeof(*m->feature_names));
	m->norm = calloc(n_features, sizeof(*m->norm));
	m->mean = calloc(n_features, sizeof(*m->mean));
	m->scale = calloc(n_features, sizeof(*m->scale));
	m->weights = calloc(n_features, sizeof(*m->weights));
	m->tree_start = calloc(1, sizeof(*m->tree_start));
	if (!m->feature_names || !m->norm || !m->mean || !m->scale || !m->weights || !m->tree_start)
		goto out_free;
	for (size_t j = 0; j < n_features; j++) {
		m->feature_names[j] = strdup(names[j]);
		if (!m->feature_names[j])
			goto out_free;
		m->scale[j] = 1.0;
	}
	m->threshold = m->threshold_low = 0.5f;
	return m;
out_free:
	cjd_trained_model_free(m);
	return NULL;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void cjd_trained_model_free(struct cjd_trained_model *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->version);
	free(m->description);
	free_strings(m->feature_names, m->n_features);
	free(m->norm);
	free(m->mean);
	free(m->scale);
	free(m->weights);
	free(m->tree_start);
	free(m->nodes);
	free_strings(m->meta.group_names, m->meta.groups);
	free(m->meta.group_rows);
	free(m->meta.group_miner);
	free_strings(m->meta.param_keys, m->meta.n_params);
	free_strings(m->meta.param_values, m->meta.n_params);
	free(m->meta.data_json);
	free(m);
}

int cjd_trained_model_set_string(char **field, const char *value)
{
	char *c = value ? strdup(value) : NULL;

	if (value && !c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

static double normalise(const struct cjd_trained_model *m, size_t j, float x)
{
	switch (m->norm[j]) {
	case CJD_TRAINED_NORM_STANDARD:
		return ((double)x - m->mean[j]) / m->scale[j];
	case CJD_TRAINED_NORM_LOG1P_STANDARD:
		/* Training rejects negative values of such features; clamp at
		 * scoring so a stray one cannot produce NaN. */
		return (log1p(fmax((double)x, 0.0)) - m->mean[j]) / m->scale[j];
	default:
		return (double)x;
	}
}

double cjd_trained_model_logit(const struct cjd_trained_model *m, const float *x)
{
	if (m->kind == CJD_TRAINED_LOGISTIC) {
		double z = m->bias;
		for (size_t j = 0; j < m->n_features; j++)
			z += m->weights[j] * normalise(m, j, x[j]);
		return z;
	}
	double z = m->base_score;
	for (size_t t = 0; t < m->n_trees; t++) {
		const struct cjd_trained_node *nd = m->nodes + m->tree_start[t];
		int32_t i = 0;
		while (nd[i].feature >= 0)
			i = x[nd[i].feature] < nd[i].threshold ? nd[i].left : nd[i].right;
		z += nd[i].value;
	}
	return z;
}

float cjd_trained_model_score_logit(double logit)
{
	return (float)(1.0 / (1.0 + exp(-logit)));
}

float cjd_trained_model_score(const struct cjd_trained_model *m, const float *x)
{
	return cjd_trained_model_score_logit(cjd_trained_model_logit(m, x));
}

static unsigned depth_of(const struct cjd_trained_node *nd, int32_t i)
{
	if (nd[i].feature < 0)
		return 0;
	unsigned l = depth_of(nd, nd[i].left), r = depth_of(nd, nd[i].right);
	return 1 + (l > r ? l : r);
}

unsigned cjd_trained_model_depth(const struct cjd_trained_model *m)
{
	unsigned d = 0;

	if (m->kind != CJD_TRAINED_GBDT)
		return 0;
	for (size_t t = 0; t < m->n_trees; t++) {
		unsigned td = depth_of(m->nodes + m->tree_start[t], 0);
		d = td > d ? td : d;
	}
	return d;
}

static int add_param(struct cjd_trained_meta *meta, const char *key, const char *text)
{
	size_t n = meta->n_params, cap = meta->cap_params;
	int rc;

	/* keys and values grow together: both to the same cap */
	if ((rc = cjd_array_reserve(meta->param_keys, cap, n + 1)))
		return rc;
	if ((rc = cjd_array_reserve(meta->param_values, meta->cap_params, n + 1)))
		return rc;
	meta->cap_params = cap;
	meta->param_keys[n] = strdup(key);
	meta->param_values[n] = strdup(text);
	if (!meta->param_keys[n] || !meta->param_values[n]) {
		free(meta->param_keys[n]);
		free(meta->param_values[n]);
		return -ENOMEM;
	}
	meta->n_params = n + 1;
	return 0;
}

int cjd_meta_param_u64(struct cjd_trained_meta *meta, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return add_param(meta, key, buf);
}

int cjd_meta_param_double(struct cjd_trained_meta *meta, const char *key, double v)
{
	char buf[40];

	if (cjd_fmt_double(buf, sizeof(buf), v) < 0)
		return -EINVAL;
	return add_param(meta, key, buf);
}

int cjd_meta_param_bool(struct cjd_trained_meta *meta, const char *key, bool v)
{
	return add_param(meta, key, v ? "true" : "false");
}
