/* The ONE writer of the model file: a trained model as the detector's JSON (docs/model-format.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"
#include "cjd/trainer/model.h"
#include "cjd/trainer/model_write.h"

/*
 * The schema is the detector's (docs/model-format.md; its loader is
 * detector/model_load.c, and tests/trainer/test_trainer_detector.c checks
 * that the loader takes what this writes and scores it the same way):
 *
 *   format "cjd-model", schema_version 1, name, version, [description],
 *   kind, window, events[], features[{name, norm[, mean, scale]}],
 *   threshold, threshold_low,
 *   gbdt {base_score, trees[{nodes[{feature, threshold, left, right} | {leaf}]}]}
 *   or logistic {bias, weights[]}, meta {...}
 *
 * Split rule. Our trees send x LEFT when x < t (strictly: a histogram split
 * between two bins puts t on a value of the right bin). The file's rule is
 * "left when x <= T". For floats "x < t" is exactly "x <= the float just
 * below t", so the file gets T = nextafterf(t, -inf). It is written as the
 * double of that float (cjd_fmt_double), not the shortest float text: the
 * loader parses a double and rounds to the largest float <= it, and a
 * float's shortest text can lie a hair below the float, which would move T
 * down by one ulp.
 */
#define FORMAT	       "cjd-model"
#define SCHEMA_VERSION 1

static float file_threshold(float t)
{
	return nextafterf(t, -INFINITY);
}

static bool version_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static int validate(const struct cjd_trained_model *m, struct cjd_error *err)
{
	if (!cjd_name_ok(m->name))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "model name \"%s\" must be 1 to 64 of A-Z a-z 0-9 . _ + -",
				     m->name ? m->name : "");
	if (!version_ok(m->version))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "model version must be 1 to 64 printable ASCII characters");
	if (m->window < 2 || m->window > 64)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "model window is %u; set the W the features used (2..64)",
				     m->window);
	if (!(m->events & CJD_EVMASK_ALL))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "model events are not set (the events its features need)");
	if (!(m->threshold >= 0.0f && m->threshold <= 1.0f && m->threshold_low >= 0.0f &&
	      m->threshold_low <= m->threshold))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "thresholds must satisfy 0 <= threshold_low <= threshold <= 1 "
				     "(%g, %g)",
				     (double)m->threshold_low, (double)m->threshold);
	if (m->kind == CJD_TRAINED_GBDT && m->n_trees == 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "a gbdt model needs trees");
	return 0;
}

/*
 * Numbers as the shortest text that reads back exactly. A non-finite one
 * cannot be written: it sets the buffer's error to -EDOM, which refuses the
 * rest and makes the whole model fail (cjd_buf_steal returns it).
 */
static void put_float(struct cjd_buf *b, float v)
{
	if (cjd_json_put_float(b, v) == -EDOM)
		b->err = -EDOM;
}

static void put_double(struct cjd_buf *b, double v)
{
	if (cjd_json_put_double(b, v) == -EDOM)
		b->err = -EDOM;
}

static void write_features(struct cjd_buf *sb, const struct cjd_trained_model *m)
{
	cjd_buf_puts(sb, "  \"features\": [\n");
	for (size_t j = 0; j < m->n_features; j++) {
		cjd_buf_puts(sb, "    {\"name\": ");
		cjd_json_put_str(sb, m->feature_names[j]);
		cjd_buf_printf(sb, ", \"norm\": \"%s\"", cjd_trained_norm_name(m->norm[j]));
		if (m->norm[j] != CJD_TRAINED_NORM_NONE) {
			cjd_buf_puts(sb, ", \"mean\": ");
			put_double(sb, m->mean[j]);
			cjd_buf_puts(sb, ", \"scale\": ");
			put_double(sb, m->scale[j]);
		}
		cjd_buf_puts(sb, j + 1 < m->n_features ? "},\n" : "}\n");
	}
	cjd_buf_puts(sb, "  ],\n");
}

static void write_gbdt(struct cjd_buf *sb, const struct cjd_trained_model *m)
{
	cjd_buf_puts(sb, "  \"gbdt\": {\n    \"base_score\": ");
	put_float(sb, m->base_score);
	cjd_buf_puts(sb, ",\n    \"trees\": [\n");
	for (size_t t = 0; t < m->n_trees; t++) {
		const struct cjd_trained_node *nd = m->nodes + m->tree_start[t];
		size_t nn = m->tree_start[t + 1] - m->tree_start[t];
		cjd_buf_puts(sb, "      {\"nodes\": [\n");
		for (size_t k = 0; k < nn; k++) {
			if (nd[k].feature < 0) {
				cjd_buf_puts(sb, "        {\"leaf\": ");
				put_float(sb, nd[k].value);
			} else {
				cjd_buf_printf(sb, "        {\"feature\": %d, \"threshold\": ",
					    (int)nd[k].feature);
				put_double(sb, (double)file_threshold(nd[k].threshold));
				cjd_buf_printf(sb, ", \"left\": %d, \"right\": %d", (int)nd[k].left,
					    (int)nd[k].right);
			}
			cjd_buf_puts(sb, k + 1 < nn ? "},\n" : "}\n");
		}
		cjd_buf_puts(sb, t + 1 < m->n_trees ? "      ]},\n" : "      ]}\n");
	}
	cjd_buf_puts(sb, "    ]\n  },\n");
}

static void write_logistic(struct cjd_buf *sb, const struct cjd_trained_model *m)
{
	cjd_buf_puts(sb, "  \"logistic\": {\n    \"bias\": ");
	put_double(sb, m->bias);
	cjd_buf_puts(sb, ",\n    \"weights\": [");
	for (size_t j = 0; j < m->n_features; j++) {
		cjd_buf_puts(sb, j ? ", " : "");
		put_double(sb, m->weights[j]);
	}
	cjd_buf_puts(sb, "]\n  },\n");
}

static void write_meta(struct cjd_buf *sb, const struct cjd_trained_model *m)
{
	const struct cjd_trained_meta *mt = &m->meta;

	cjd_buf_puts(sb, "  \"meta\": {\n    \"trainer\": \"cjd " CJD_VERSION "\",\n");
	if (m->kind == CJD_TRAINED_GBDT)
		cjd_buf_printf(sb, "    \"seed\": %llu,\n", (unsigned long long)mt->seed);
	cjd_buf_puts(sb, "    \"params\": {");
	for (size_t i = 0; i < mt->n_params; i++) {
		cjd_buf_puts(sb, i ? ", " : "");
		cjd_json_put_str(sb, mt->param_keys[i]);
		cjd_buf_puts(sb, ": ");
		cjd_buf_puts(sb, mt->param_values[i]); /* number or true/false text */
	}
	cjd_buf_puts(sb, "},\n    \"calibration\": {\"target_fpr\": ");
	put_double(sb, mt->target_fpr);
	cjd_buf_puts(sb, ", \"target_fpr_low\": ");
	put_double(sb, mt->target_fpr_low);
	cjd_buf_puts(sb, ", \"train_tpr\": ");
	put_double(sb, mt->train_tpr);
	cjd_buf_puts(sb, ", \"train_fpr\": ");
	put_double(sb, mt->train_fpr);
	cjd_buf_printf(sb,
		    "},\n    \"training\": {\"rows\": %zu, \"miner_rows\": %zu, "
		    "\"benign_rows\": %zu, \"workloads\": [",
		    mt->rows, mt->miner_rows, mt->benign_rows);
	for (size_t g = 0; g < mt->groups; g++) {
		cjd_buf_puts(sb, g ? ",\n      {\"name\": " : "\n      {\"name\": ");
		cjd_json_put_str(sb, mt->group_names[g]);
		cjd_buf_printf(sb, ", \"class\": \"%s\", \"rows\": %zu}",
			    mt->group_miner[g] ? "miner" : "benign", mt->group_rows[g]);
	}
	cjd_buf_puts(sb, mt->groups ? "\n    ]}" : "]}");
	if (mt->data_json) {
		cjd_buf_puts(sb, ",\n    \"data\": ");
		cjd_buf_puts(sb, mt->data_json);
	}
	cjd_buf_puts(sb, "\n  }\n");
}

int cjd_trained_model_to_json(const struct cjd_trained_model *m, char **out, size_t *len,
			      struct cjd_error *err)
{
	struct cjd_buf sb;
	char evname[32];
	int rc;

	if ((rc = validate(m, err)))
		return rc;
	cjd_buf_init(&sb);
	cjd_buf_printf(&sb,
		    "{\n  \"format\": \"%s\",\n  \"schema_version\": %d,\n  \"name\": ", FORMAT,
		    SCHEMA_VERSION);
	cjd_json_put_str(&sb, m->name);
	cjd_buf_puts(&sb, ",\n  \"version\": ");
	cjd_json_put_str(&sb, m->version);
	if (m->description) {
		cjd_buf_puts(&sb, ",\n  \"description\": ");
		cjd_json_put_str(&sb, m->description);
	}
	cjd_buf_printf(&sb, ",\n  \"kind\": \"%s\",\n  \"window\": %u,\n  \"events\": [",
		    cjd_trained_kind_name(m->kind), m->window);
	bool first = true;
	for (int e = 0; e < CJD_EV__COUNT; e++) {
		if (!(m->events & CJD_EVMASK(e)))
			continue;
		snprintf(evname, sizeof(evname), "%s", cjd_event_info((enum cjd_event)e)->name);
		cjd_buf_puts(&sb, first ? "" : ", ");
		cjd_json_put_str(&sb, evname);
		first = false;
	}
	cjd_buf_puts(&sb, "],\n");
	write_features(&sb, m);
	cjd_buf_puts(&sb, "  \"threshold\": ");
	put_float(&sb, m->threshold);
	cjd_buf_puts(&sb, ",\n  \"threshold_low\": ");
	put_float(&sb, m->threshold_low);
	cjd_buf_puts(&sb, ",\n");
	if (m->kind == CJD_TRAINED_GBDT)
		write_gbdt(&sb, m);
	else
		write_logistic(&sb, m);
	write_meta(&sb, m);
	cjd_buf_puts(&sb, "}\n");
	rc = cjd_buf_steal(&sb, out, len);
	if (rc)
		return cjd_error_set(err, rc == -EDOM ? -EINVAL : rc, NULL, 0, 0, "%s",
				     rc == -EDOM ? "the model holds a non-finite number"
						 : "out of memory");
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int cjd_trained_model_save(const struct cjd_trained_model *m, const char *path,
			   struct cjd_error *err)
{
	char *json, tmp[PATH_MAX];
	size_t len;
	int fd, rc;

	if ((rc = cjd_trained_model_to_json(m, &json, &len, err)))
		return rc;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		free(json);
		return cjd_error_set(err, -ENAMETOOLONG, path, 0, 0, "path too long");
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = cjd_error_set(err, -errno, path, 0, 0, "cannot create %s: %s", tmp,
				   strerror(errno));
		free(json);
		return rc;
	}
	/* mkostemp makes 0600; a model is data anyone may read. */
	if (fchmod(fd, 0644) || (rc = write_all(fd, json, len)) || fsync(fd)) {
		rc = rc ? rc : -errno;
		cjd_error_set(err, rc, path, 0, 0, "cannot write %s: %s", tmp, strerror(-rc));
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		rc = cjd_error_set(err, -errno, path, 0, 0, "cannot write %s: %s", tmp,
				   strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		rc = cjd_error_set(err, -errno, path, 0, 0, "cannot rename %s: %s", tmp,
				   strerror(errno));
		goto out_unlink;
	}
	free(json);
	return 0;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(json);
	return rc;
}
