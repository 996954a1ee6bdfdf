/* Unit tests for the model writer: fields, split-rule conversion re-evaluated, saving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/trainer/model_write.h"
#include "cjd/trainer/train.h"
#include "fixtures.h"

static void file_fields(struct cjd_trained_model *m)
{
	m->window = 8;
	m->events = CJD_EVMASK_SOFTWARE;
	assert_int_equal(cjd_trained_model_set_string(&m->name, "test-model"), 0);
	assert_int_equal(cjd_trained_model_set_string(&m->version, "2026.1"), 0);
}

static struct cjd_trained_model *trained(const struct cjd_dataset *ds, enum cjd_trained_kind kind)
{
	struct cjd_train_config cfg;
	struct cjd_trained_model *m = NULL;
	struct cjd_error err;

	cjd_train_config_defaults(&cfg);
	cfg.kind = kind;
	cfg.gbdt.n_trees = 20;
	cfg.gbdt.max_depth = 3;
	if (cjd_train(ds, NULL, cjd_dataset_rows(ds), &cfg, &m, &err))
		fail_msg("train: %s", err.text);
	file_fields(m);
	return m;
}

static json_t *to_json(const struct cjd_trained_model *m)
{
	char *text;
	size_t len;
	json_error_t je;
	struct cjd_error err;

	if (cjd_trained_model_to_json(m, &text, &len, &err))
		fail_msg("to_json: %s", err.text);
	assert_int_equal(strlen(text), len);
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("not JSON: %s at %d:%d", je.text, je.line, je.column);
	free(text);
	return root;
}

/* Evaluates a parsed gbdt with the file's rule: x <= threshold goes left. */
static double file_logit(json_t *root, const float *x, size_t *leaf_of_tree)
{
	json_t *g = json_object_get(root, "gbdt"), *trees = json_object_get(g, "trees"), *t;
	double z = (float)json_number_value(json_object_get(g, "base_score"));
	size_t ti;

	json_array_foreach (trees, ti, t) {
		json_t *nodes = json_object_get(t, "nodes");
		size_t k = 0;
		json_t *nd;
		while (!json_object_get((nd = json_array_get(nodes, k)), "leaf")) {
			size_t f = (size_t)json_integer_value(json_object_get(nd, "feature"));
			float thr = (float)json_number_value(json_object_get(nd, "threshold"));
			/* the double in the file must be exactly a float */
			assert_true((double)thr ==
				    json_number_value(json_object_get(nd, "threshold")));
			k = (size_t)json_integer_value(
			    json_object_get(nd, x[f] <= thr ? "left" : "right"));
		}
		leaf_of_tree[ti] = k;
		z += (float)json_number_value(json_object_get(nd, "leaf"));
	}
	return z;
}

static void test_gbdt_file(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_xor(2, 100, 5);
	struct cjd_trained_model *m = trained(ds, CJD_TRAINED_GBDT);
	json_t *root = to_json(m), *v;
	size_t leaves[32], i;

	assert_string_equal(json_string_value(json_object_get(root, "format")), "cjd-model");
	assert_int_equal(json_integer_value(json_object_get(root, "schema_version")), 1);
	assert_string_equal(json_string_value(json_object_get(root, "name")), "test-model");
	assert_string_equal(json_string_value(json_object_get(root, "version")), "2026.1");
	assert_null(json_object_get(root, "description"));
	assert_string_equal(json_string_value(json_object_get(root, "kind")), "gbdt");
	assert_int_equal(json_integer_value(json_object_get(root, "window")), 8);
	v = json_object_get(root, "events");
	assert_int_equal(json_array_size(v), 5);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "task-clock");
	v = json_object_get(root, "features");
	assert_int_equal(json_array_size(v), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 2), "name")), "f2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "norm")),
			    "none");
	assert_null(json_object_get(json_array_get(v, 0), "mean"));
	assert_true((float)json_number_value(json_object_get(root, "threshold")) == m->threshold);
	assert_null(json_object_get(root, "logistic"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(root, "gbdt"), "trees")),
			 20);
	json_t *meta = json_object_get(root, "meta");
	assert_int_equal(json_integer_value(json_object_get(meta, "seed")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(meta, "params"), "n_trees")), 20);
	json_t *tr = json_object_get(meta, "training");
	assert_int_equal(json_integer_value(json_object_get(tr, "rows")), 400);
	assert_int_equal(json_array_size(json_object_get(tr, "workloads")), 4);

	/*
	 * The split rule conversion, checked by evaluating the file the way the
	 * detector does (x <= T) against the trainer's own rule (x < t): the
	 * same leaf in every tree, for every row and for values exactly at and
	 * just below each threshold, where an off-by-one-ulp would show.
	 */
	for (i = 0; i < cjd_dataset_rows(ds); i++) {
		const float *x = cjd_dataset_row(ds, i);
		double z = file_logit(root, x, leaves);
		assert_true(fabs(z - cjd_trained_model_logit(m, x)) < 1e-5);
		for (size_t t = 0; t < m->n_trees; t++) {
			const struct cjd_trained_node *nd = m->nodes + m->tree_start[t];
			int32_t k = 0;
			while (nd[k].feature >= 0)
				k = x[nd[k].feature] < nd[k].threshold ? nd[k].left : nd[k].right;
			assert_int_equal((size_t)k, leaves[t]);
		}
	}
	for (size_t k = 0; k < m->tree_start[m->n_trees]; k++) {
		const struct cjd_trained_node *nd = &m->nodes[k];
		if (nd->feature < 0)
			continue;
		float probe[2] = {nd->threshold, nextafterf(nd->threshold, -INFINITY)};
		for (int p = 0; p < 2; p++) {
			float x[3] = {0.3f, -0.3f, 0.0f};
			x[nd->feature] = probe[p];
			file_logit(root, x, leaves);
			/* find which tree node k is in, walk it with the internal rule */
			size_t t = 0;
			while (m->tree_start[t + 1] <= k)
				t++;
			const struct cjd_trained_node *tn = m->nodes + m->tree_start[t];
			int32_t j = 0;
			while (tn[j].feature >= 0)
				j = x[tn[j].feature] < tn[j].threshold ? tn[j].left : tn[j].right;
			assert_int_equal((size_t)j, leaves[t]);
		}
	}
	json_decref(root);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_logistic_file(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(2, 100, 6);
	struct cjd_trained_model *m = trained(ds, CJD_TRAINED_LOGISTIC);
	assert_int_equal(cjd_trained_model_set_string(&m->description, "a \"quoted\"\nline"), 0);
	json_t *root = to_json(m);

	assert_string_equal(json_string_value(json_object_get(root, "description")),
			    "a \"quoted\"\nline");
	assert_string_equal(json_string_value(json_object_get(root, "kind")), "logistic");
	assert_null(json_object_get(root, "gbdt"));
	assert_null(json_object_get(json_object_get(root, "meta"), "seed"));
	json_t *lg = json_object_get(root, "logistic"), *feats = json_object_get(root, "features");
	json_t *w = json_object_get(lg, "weights");
	assert_int_equal(json_array_size(w), 3);
	for (size_t i = 0; i < cjd_dataset_rows(ds); i++) {
		const float *x = cjd_dataset_row(ds, i);
		double z = json_number_value(json_object_get(lg, "bias"));
		for (size_t j = 0; j < 3; j++) {
			json_t *f = json_array_get(feats, j);
			assert_string_equal(json_string_value(json_object_get(f, "norm")),
					    "standard");
			z += json_number_value(json_array_get(w, j)) *
			     (((double)x[j] - json_number_value(json_object_get(f, "mean"))) /
			      json_number_value(json_object_get(f, "scale")));
		}
		/* doubles written shortest round-trip: exact */
		assert_true(z == cjd_trained_model_logit(m, x));
	}
	json_decref(root);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_validation(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(1, 50, 7);
	struct cjd_trained_model *m = trained(ds, CJD_TRAINED_LOGISTIC);
	struct cjd_error err;
	char *text = NULL;
	size_t len;

#define REFUSED(what)                                                                              \
	do {                                                                                       \
		assert_int_equal(cjd_trained_model_to_json(m, &text, &len, &err), -EINVAL);        \
		assert_non_null(strstr(err.text, what));                                           \
		assert_null(text);                                                                 \
	} while (0)
	cjd_trained_model_set_string(&m->name, "has space");
	REFUSED("model name");
	cjd_trained_model_set_string(&m->name, NULL);
	REFUSED("model name");
	cjd_trained_model_set_string(&m->name, "ok");
	cjd_trained_model_set_string(&m->version, "");
	REFUSED("version");
	cjd_trained_model_set_string(&m->version, "1");
	m->window = 0;
	REFUSED("window");
	m->window = 8;
	m->events = 0;
	REFUSED("events");
	m->events = CJD_EVMASK_HARDWARE;
	float t = m->threshold;
	m->threshold_low = t + 0.01f;
	REFUSED("threshold_low <= threshold");
	m->threshold_low = t;
	m->weights[1] = NAN;
	REFUSED("non-finite");
	m->weights[1] = 0;
#undef REFUSED
	assert_int_equal(cjd_trained_model_to_json(m, &text, &len, &err), 0);
	free(text);
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_save(void **state)
{
	(void)state;
	struct cjd_dataset *ds = fx_linear(1, 60, 8);
	struct cjd_trained_model *m = trained(ds, CJD_TRAINED_GBDT);
	struct cjd_error err;
	char path[80], *text, buf[1 << 16];
	size_t len;
	struct stat st;

	snprintf(path, sizeof(path), "/tmp/cjd-trainer-model-%d.json", (int)getpid());
	assert_int_equal(cjd_trained_model_save(m, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(cjd_trained_model_to_json(m, &text, &len, &err), 0);
	assert_true(len < sizeof(buf));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), len);
	fclose(f);
	assert_memory_equal(buf, text, len);
	free(text);
	unlink(path);
	assert_int_equal(cjd_trained_model_save(m, "/nonexistent-dir/m.json", &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent-dir/m.json");
	cjd_trained_model_free(m);
	cjd_dataset_free(ds);
}

static void test_kind_names(void **state)
{
	(void)state;
	enum cjd_trained_kind k;

	assert_string_equal(cjd_trained_kind_name(CJD_TRAINED_GBDT), "gbdt");
	assert_string_equal(cjd_trained_kind_name(CJD_TRAINED_LOGISTIC), "logistic");
	assert_null(cjd_trained_kind_name((enum cjd_trained_kind)7));
	assert_int_equal(cjd_trained_kind_parse("gbdt", &k), 0);
	assert_int_equal(k, CJD_TRAINED_GBDT);
	assert_int_equal(cjd_trained_kind_parse("forest", &k), -EINVAL);
	cjd_trained_model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gbdt_file),  cmocka_unit_test(test_logistic_file),
	    cmocka_unit_test(test_validation), cmocka_unit_test(test_save),
	    cmocka_unit_test(test_kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
