/* The pipeline's models: loaded and checked at start-up and on reload, never on the sample path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/daemon/agent.h"
#include "cjd/daemon/pipeline.h"

#define SEC 1000000000ull

static char dir[64];
static char model_src[1024];

static int copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int rc = in && out ? 0 : -1;

	while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

static int setup(void **state)
{
	(void)state;
	const char *src = getenv("CJD_SOURCE_DIR");

	snprintf(model_src, sizeof(model_src), "%s/tests/detector/data/good/sw-test.json",
		 src ? src : ".");
	snprintf(dir, sizeof(dir), "/tmp/cjd-test-pipeline-%d", (int)getpid());
	return mkdir(dir, 0700) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* The defaults, publishing nowhere and journalling nothing. */
static void config(struct cjd_config *cfg, const char *model)
{
	assert_int_equal(cjd_config_defaults(cfg), 0);
	for (size_t i = 0; i < cfg->endpoints.n; i++)
		free(cfg->endpoints.v[i]);
	cfg->endpoints.n = 0;
	free(cfg->journal);
	cfg->journal = NULL;
	free(cfg->model);
	cfg->model = model ? strdup(model) : NULL;
}

static struct cjd_sample sw_sample(uint64_t t)
{
	struct cjd_sample s;

	cjd_sample_clear(&s);
	s.t_ns = t * SEC;
	s.dt_ns = SEC;
	s.cgroup = "/busy";
	s.events = CJD_EVMASK_SOFTWARE;
	s.count[CJD_EV_TASK_CLOCK] = SEC;
	s.count[CJD_EV_CONTEXT_SWITCHES] = 5;
	s.count[CJD_EV_PAGE_FAULTS] = 1;
	s.count[CJD_EV_SYSCALLS] = 20;
	return s;
}

/* Split mode (source of unknown kind): the configured model is read at start; the
 * first sample of a mode starts its detector without touching the file. */
static void test_loaded_before_samples(void **state)
{
	(void)state;
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_pipeline_stats st;
	struct cjd_config cfg;
	struct cjd_error err;
	char model[128];
	const char *path;

	snprintf(model, sizeof(model), "%s/configured.json", dir);
	assert_int_equal(copy_file(model_src, model), 0);
	config(&cfg, model);
	po.cfg = &cfg;
	assert_int_equal(cjd_pipeline_new(&p, &po, 0, 0, &err), 0);
	assert_null(cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path));
	assert_string_equal(path, "");
	assert_int_equal(unlink(model), 0); /* from here on, a load would fail */
	for (uint64_t t = 1; t <= 12; t++) {
		struct cjd_sample s = sw_sample(t);
		assert_int_equal(cjd_pipeline_push(p, &s, &err), 0);
		cjd_pipeline_tick(p);
	}
	cjd_pipeline_stats(p, &st);
	assert_int_equal(st.samples, 12);
	assert_int_equal(st.samples_refused, 0);
	assert_int_equal(st.cgroups, 1);
	assert_non_null(cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path));
	assert_string_equal(path, model);
	assert_null(cjd_pipeline_model(p, CJD_MODE_HARDWARE, NULL));
	cjd_pipeline_free(p);
	cjd_config_release(&cfg);
}

/* A default model that cannot be found is a start-up error naming it; split
 * mode needs the defaults of both modes, an agent only its own. */
static void test_missing_default_fails_at_start(void **state)
{
	(void)state;
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_config cfg;
	struct cjd_error err;
	char sw[128];

	snprintf(sw, sizeof(sw), "%s/sw-default.json", dir);
	assert_int_equal(copy_file(model_src, sw), 0);
	setenv("CJD_MODEL_DIR", dir, 1);
	config(&cfg, NULL);
	po.cfg = &cfg;
	char msg[1024];
	assert_int_equal(cjd_pipeline_new(&p, &po, 0, 0, &err), -EINVAL);
	assert_non_null(strstr(cjd_error_format(&err, msg, sizeof(msg)), "hw-default.json"));
	/* aggregation on (the default): software mode scores groups with sw-nosyscalls */
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 -EINVAL);
	cjd_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "group model"));
	assert_non_null(strstr(msg, "sw-nosyscalls.json"));
	size_t n_agg = cfg.aggregate.n;
	cfg.aggregate.n = 0;
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 0);
	cfg.aggregate.n = n_agg;
	const char *path;
	assert_non_null(cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path));
	assert_string_equal(path, sw);
	cjd_pipeline_free(p);
	unsetenv("CJD_MODEL_DIR");
	unlink(sw);
	cjd_config_release(&cfg);
}

/* A reload loads the new model before anything changes: a missing one leaves
 * the old in place, a good one replaces it. */
static void test_reload_loads_first(void **state)
{
	(void)state;
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_config cfg, bad, good;
	struct cjd_error err;
	char a[128], b[128];
	const char *path;

	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	assert_int_equal(copy_file(model_src, a), 0);
	assert_int_equal(copy_file(model_src, b), 0);
	config(&cfg, a);
	po.cfg = &cfg;
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 0);
	config(&bad, "/nonexistent/cjd-model.json");
	char msg[1024];
	assert_int_not_equal(cjd_pipeline_reconfigure(p, &bad, &err), 0);
	assert_non_null(strstr(cjd_error_format(&err, msg, sizeof(msg)),
			       "/nonexistent/cjd-model.json"));
	cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path);
	assert_string_equal(path, a);
	config(&good, b);
	assert_int_equal(cjd_pipeline_reconfigure(p, &good, &err), 0);
	cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path);
	assert_string_equal(path, b);
	cjd_pipeline_free(p);
	cjd_config_release(&cfg);
	cjd_config_release(&bad);
	cjd_config_release(&good);
	unlink(a);
	unlink(b);
}

/* The shipped models: split mode loads all three at start; an agent whose source
 * cannot count syscalls gets sw-nosyscalls, decided at start from its events. */
static void test_shipped_models_by_events(void **state)
{
	(void)state;
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_config cfg;
	struct cjd_error err;
	char models[1024];
	const char *src = getenv("CJD_SOURCE_DIR"), *path;

	snprintf(models, sizeof(models), "%s/models", src ? src : ".");
	setenv("CJD_MODEL_DIR", models, 1);
	config(&cfg, NULL);
	po.cfg = &cfg;
	assert_int_equal(cjd_pipeline_new(&p, &po, 0, 0, &err), 0);
	cjd_pipeline_free(p);
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE,
					  CJD_EVMASK_SOFTWARE & ~CJD_EVMASK(CJD_EV_SYSCALLS), &err),
			 0);
	assert_non_null(cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path));
	assert_non_null(strstr(path, "/sw-nosyscalls.json"));
	cjd_pipeline_free(p);
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 0);
	assert_non_null(cjd_pipeline_model(p, CJD_MODE_SOFTWARE, &path));
	assert_non_null(strstr(path, "/sw-default.json"));
	cjd_pipeline_free(p);
	unsetenv("CJD_MODEL_DIR");
	cjd_config_release(&cfg);
}

#define POD_CG(c)                                                                                \
	"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3f1c2a9e_4b5d_4c6e_8f70_" \
	"123456789abc.slice/cri-containerd-" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c ".scope"

/* Seconds from..to of four cgroups cg[0..4) at a quarter of a CPU each (a little
 * uneven), each with these page faults and system calls per second, one tick a round. */
static void push_quarters(struct cjd_pipeline *p, const char *const *cg, uint64_t from,
			  uint64_t to, uint64_t faults, uint64_t syscalls)
{
	struct cjd_error err;

	for (uint64_t t = from; t <= to; t++) {
		for (int i = 0; i < 4; i++) {
			struct cjd_sample s = sw_sample(t);
			s.cgroup = cg[i];
			s.count[CJD_EV_TASK_CLOCK] = SEC / 4 + (t % 3) * 10000;
			s.count[CJD_EV_PAGE_FAULTS] = faults;
			s.count[CJD_EV_SYSCALLS] = syscalls;
			assert_int_equal(cjd_pipeline_push(p, &s, &err), 0);
		}
		cjd_pipeline_tick(p);
	}
}

/* detector.aggregate (pod by default): four containers of one pod at a quarter of a
 * CPU each are journaled as one aggregate_firing naming the four; a missing
 * detector.aggregate_model is a start-up error naming it. */
static void test_aggregate_journaled(void **state)
{
	(void)state;
	static const char *const cg[] = {POD_CG("a"), POD_CG("b"), POD_CG("c"), POD_CG("d")};
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_config cfg;
	struct cjd_error err;
	char journal[128], line[16384], msg[1024];

	snprintf(journal, sizeof(journal), "%s/agg.jsonl", dir);
	config(&cfg, model_src);
	cfg.journal = strdup(journal);
	po.cfg = &cfg;
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 0);
	push_quarters(p, cg, 1, 12, 1, 1);
	cjd_pipeline_free(p); /* fsyncs the journal */
	FILE *f = fopen(journal, "r");
	assert_non_null(f);
	int firing = 0, other = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "\"action\":\"aggregate_firing\"")) {
			firing++;
			assert_non_null(strstr(line, "\"aggregate\":{\"kind\":\"pod\",\"key\":"
						     "\"3f1c2a9e-4b5d-4c6e-8f70-123456789abc\""));
			assert_non_null(strstr(line, "\"members_total\":4"));
			for (int i = 0; i < 4; i++)
				assert_non_null(strstr(line, cg[i]));
			assert_null(strstr(line, "\"cgroup\":{\"path\""));
		} else {
			other++;
		}
	}
	fclose(f);
	assert_int_equal(firing, 1);
	assert_int_equal(other, 0);

	free(cfg.aggregate_model);
	cfg.aggregate_model = strdup("/nonexistent/agg-model.json");
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 -EINVAL);
	assert_non_null(strstr(cjd_error_format(&err, msg, sizeof(msg)), "agg-model.json"));
	cjd_config_release(&cfg);
}

/* With the shipped models and no detector.aggregate_model, software mode scores groups
 * with sw-nosyscalls: four duty-cycled pod members, each sleeping (20 system calls) per
 * cycle, sum to one flat CPU and fire as a group scored by that model; a reload keeps
 * the group's state. */
static void test_aggregate_default_model(void **state)
{
	(void)state;
	static const char *const cg[] = {POD_CG("a"), POD_CG("b"), POD_CG("c"), POD_CG("d")};
	struct cjd_pipeline_options po = {0};
	struct cjd_pipeline *p;
	struct cjd_config cfg;
	struct cjd_error err;
	char journal[128], models[1024], line[16384];
	const char *src = getenv("CJD_SOURCE_DIR");

	snprintf(models, sizeof(models), "%s/models", src ? src : ".");
	setenv("CJD_MODEL_DIR", models, 1);
	snprintf(journal, sizeof(journal), "%s/agg-default.jsonl", dir);
	config(&cfg, NULL);
	cfg.journal = strdup(journal);
	po.cfg = &cfg;
	assert_int_equal(cjd_pipeline_new(&p, &po, 1u << CJD_MODE_SOFTWARE, CJD_EVMASK_SOFTWARE,
					  &err),
			 0);
	push_quarters(p, cg, 1, 15, 0, 20);
	/* a reload loads the group model anew: the group goes on firing, not gone and back */
	assert_int_equal(cjd_pipeline_reconfigure(p, &cfg, &err), 0);
	push_quarters(p, cg, 16, 25, 0, 20);
	cjd_pipeline_free(p);
	FILE *f = fopen(journal, "r");
	assert_non_null(f);
	int firing = 0;
	while (fgets(line, sizeof(line), f)) {
		assert_null(strstr(line, "\"action\":\"firing\""));
		assert_null(strstr(line, "\"action\":\"aggregate_gone\""));
		assert_null(strstr(line, "\"action\":\"aggregate_resolved\""));
		if (strstr(line, "\"action\":\"aggregate_firing\"")) {
			firing++;
			assert_non_null(strstr(line, "\"model\":{\"name\":\"sw-nosyscalls\""));
		}
	}
	fclose(f);
	assert_int_equal(firing, 1);
	unsetenv("CJD_MODEL_DIR");
	unlink(journal);
	cjd_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loaded_before_samples),
		cmocka_unit_test(test_missing_default_fails_at_start),
		cmocka_unit_test(test_reload_loads_first),
		cmocka_unit_test(test_aggregate_default_model),
		cmocka_unit_test(test_shipped_models_by_events),
		cmocka_unit_test(test_aggregate_journaled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
