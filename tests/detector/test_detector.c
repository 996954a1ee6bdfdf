/* The detector core on synthetic sample streams: alerts, vanishing cgroups, allowlist, hosts, gaps, tiers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/detector.h"
#include "cjd/detector/features_table.h"
#include "cjd/detector/featurizer.h"
#include "cjd/detector/model_load.h"

#define SEC 1000000000ull
#define MAX_REC 4096

/* What the callbacks saw. */
struct rec {
	size_t n;
	struct {
		enum cjd_alert_action action;
		char host[32], cgroup[64];
		uint64_t t_ns, fired_t_ns;
		float score;
		double cpu_seconds, cost_usd;
		int n_features, severity;
		enum cjd_mode mode;
		float f[CJD_ALERT_MAX_FEATURES];
	} a[MAX_REC];
	size_t nw;
	struct {
		char cgroup[64];
		uint64_t t_ns;
		float score;
		float f[CJD_FEATURES_MAX];
	} w[MAX_REC];
};

static int on_alert(const struct cjd_alert *a, void *ctx)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_REC);
	r->a[r->n].action = a->action;
	snprintf(r->a[r->n].host, sizeof(r->a[0].host), "%s", a->host ? a->host : "");
	snprintf(r->a[r->n].cgroup, sizeof(r->a[0].cgroup), "%s", a->cgroup);
	r->a[r->n].t_ns = a->t_ns;
	r->a[r->n].fired_t_ns = a->fired_t_ns;
	r->a[r->n].score = a->score;
	r->a[r->n].cpu_seconds = a->cpu_seconds;
	r->a[r->n].cost_usd = a->cost_usd;
	r->a[r->n].n_features = a->n_features;
	r->a[r->n].severity = a->severity;
	r->a[r->n].mode = a->mode;
	assert_true(isfinite(a->score) && a->score >= 0.0f && a->score <= 1.0f);
	for (int j = 0; j < a->n_features; j++) {
		assert_non_null(a->features[j].name);
		assert_true(isfinite(a->features[j].value));
		r->a[r->n].f[j] = a->features[j].value;
	}
	r->n++;
	return 0;
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct rec *r = ctx;

	if (r->nw >= MAX_REC)
		return 0;
	snprintf(r->w[r->nw].cgroup, sizeof(r->w[0].cgroup), "%s", w->cgroup);
	r->w[r->nw].t_ns = w->t_ns;
	r->w[r->nw].score = w->score;
	if (w->features)
		memcpy(r->w[r->nw].f, w->features, cjd_feature_count() * sizeof(float));
	r->nw++;
	return 0;
}

static struct cjd_model *model;

static int load_model(void **state)
{
	(void)state;
	struct cjd_error err;
	char path[1024];
	const char *dir = getenv("CJD_DETECTOR_DATA");

	snprintf(path, sizeof(path), "%s/good/sw-test.json", dir ? dir : "tests/detector/data");
	return cjd_model_load(&model, path, &err);
}

static int free_model(void **state)
{
	(void)state;
	cjd_model_free(model);
	return 0;
}

/* A software sample at t seconds: util CPUs busy, sc syscalls. */
static struct cjd_sample sw(const char *host, const char *cgroup, uint64_t t, double util,
			    uint64_t sc)
{
	struct cjd_sample s;

	cjd_sample_clear(&s);
	s.t_ns = t * SEC;
	s.dt_ns = SEC;
	s.host = host;
	s.cgroup = cgroup;
	s.events = CJD_EVMASK_SOFTWARE;
	s.count[CJD_EV_TASK_CLOCK] = (uint64_t)(util * 1e9);
	s.count[CJD_EV_CONTEXT_SWITCHES] = 5;
	s.count[CJD_EV_PAGE_FAULTS] = 1;
	s.count[CJD_EV_SYSCALLS] = sc;
	return s;
}

/* Miner-like: nearly flat, fully busy. The wobble keeps cv above the flat cut-off. */
static double miner_util(uint64_t t)
{
	return 0.999 + 0.0005 * (double)(t % 3);
}

static struct cjd_detector *new_detector(struct rec *r, const char *const *allow, size_t n_allow)
{
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.allowlist = allow;
	cfg.n_allowlist = n_allow;
	cfg.window_cb = on_window;
	cfg.window_ctx = r;
	if (cjd_detector_new(&d, &cfg, model, on_alert, r, &err))
		fail_msg("cjd_detector_new: %s", err.text);
	return d;
}

static void push(struct cjd_detector *d, struct cjd_sample s)
{
	struct cjd_error err;

	if (cjd_detector_push(d, &s, &err))
		fail_msg("push: %s", err.text);
}

static void expect(const struct rec *r, size_t i, enum cjd_alert_action action,
		   const char *cgroup, uint64_t t)
{
	if (i >= r->n)
		fail_msg("alert %zu missing (only %zu)", i, r->n);
	if (r->a[i].action != action || strcmp(r->a[i].cgroup, cgroup) || r->a[i].t_ns != t * SEC)
		fail_msg("alert %zu: %s %s t=%gs, expected %s %s t=%llus", i,
			 cjd_alert_action_name(r->a[i].action), r->a[i].cgroup,
			 (double)r->a[i].t_ns / 1e9, cjd_alert_action_name(action), cgroup,
			 (unsigned long long)t);
}

static void test_fire_and_resolve(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(&r, 0, sizeof(r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.window_cb = on_window;
	cfg.window_ctx = &r;
	cfg.window_features = true;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), 0);
	for (uint64_t t = 1; t <= 40; t++) {
		push(d, sw(NULL, "/a", t, t <= 30 ? miner_util(t) : 0.0, 20));
		push(d, sw(NULL, "/idle", t, 0.001, 3));
		assert_int_equal(cjd_detector_tick(d), 0);
	}
	/* W=8: first window at t=8, K=3 fires at t=10; the miner stops at 31 and
	 * the next R=3 windows score low: resolved at t=33. */
	assert_int_equal(r.n, 2);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 10);
	expect(&r, 1, CJD_ALERT_RESOLVED, "/a", 33);
	assert_int_equal(r.a[0].mode, CJD_MODE_SOFTWARE);
	assert_int_equal(r.a[0].severity, CJD_SEVERITY_SOFTWARE);
	assert_int_equal(r.a[0].n_features, 3);
	assert_true(r.a[0].score >= 0.8f);
	/* cjd.window holds the deciding window's features, exactly (windows 0..2 are
	 * t=8..10, one cgroup /a and one /idle each: window record 4 is /a at t=10). */
	assert_string_equal(r.w[4].cgroup, "/a");
	assert_int_equal(r.w[4].t_ns, 10 * SEC);
	for (int j = 0; j < r.a[0].n_features; j++) {
		int f = cjd_model_feature(model, (size_t)j);
		assert_true(r.a[0].f[j] == r.w[4].f[f]);
	}
	/* Cost: task-clock of t=10..33. */
	double cpu = 0;
	for (uint64_t t = 10; t <= 33; t++)
		cpu += (double)(uint64_t)((t <= 30 ? miner_util(t) : 0.0) * 1e9) / 1e9;
	assert_true(fabs(r.a[1].cpu_seconds - cpu) < 1e-9);
	assert_true(fabs(r.a[1].cost_usd - cpu / 3600 * 0.04) < 1e-12);

	struct cjd_cgroup_summary sum;
	assert_int_equal(cjd_detector_summary(d, NULL, "/a", &sum), 0);
	assert_string_equal(sum.state, "resolved");
	assert_int_equal(sum.samples, 40);
	assert_int_equal(sum.windows, 33);
	assert_int_equal(sum.alerts_fired, 1);
	assert_int_equal(cjd_detector_cgroups(d), 2);
	cjd_detector_free(d);
}

static void test_vanish_is_gone(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 40; t++) {
		if (t <= 20)
			push(d, sw(NULL, "/a", t, miner_util(t), 20));
		if (t <= 12)
			push(d, sw(NULL, "/quiet-leaver", t, 0.0, 0));
		push(d, sw(NULL, "/b", t, 0.0, 1));
		cjd_detector_tick(d);
	}
	/* Silent for more than 5 of its 1 s intervals while /b reports: gone at t=26. */
	assert_int_equal(r.n, 2);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 10);
	expect(&r, 1, CJD_ALERT_GONE, "/a", 26);
	assert_true(r.a[1].cpu_seconds > 10.9 && r.a[1].cpu_seconds < 11.1);
	/* Both vanished cgroups are forgotten, the quiet one without an alert. */
	assert_int_equal(cjd_detector_cgroups(d), 1);
	cjd_detector_free(d);
}

static void test_forget_and_finish(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 12; t++) {
		push(d, sw("h", "/a", t, miner_util(t), 20));
		push(d, sw("h", "/b", t, miner_util(t), 20));
	}
	/* No explicit ticks: each repeat of a cgroup ticks the batch before it. */
	assert_int_equal(cjd_detector_forget(d, "h", "/a"), 0);
	assert_int_equal(cjd_detector_forget(d, "h", "/a"), -ENOENT);
	assert_int_equal(cjd_detector_forget(d, NULL, "/b"), -ENOENT); /* other host */
	assert_int_equal(cjd_detector_finish(d), 0);
	assert_int_equal(r.n, 4);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 10);
	expect(&r, 1, CJD_ALERT_FIRING, "/b", 10);
	expect(&r, 2, CJD_ALERT_GONE, "/a", 12);
	expect(&r, 3, CJD_ALERT_GONE, "/b", 12);
	assert_string_equal(r.a[2].host, "h");
	assert_int_equal(cjd_detector_cgroups(d), 0);
	cjd_detector_free(d);
}

static void test_allowlist(void **state)
{
	(void)state;
	static struct rec r;
	const char *const allow[] = {"/allowed/*"};
	struct cjd_detector *d;

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, allow, 1);
	for (uint64_t t = 1; t <= 20; t++) {
		push(d, sw(NULL, "/allowed/miner", t, miner_util(t), 20));
		push(d, sw(NULL, "/other", t, miner_util(t), 20));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.n, 1);
	expect(&r, 0, CJD_ALERT_FIRING, "/other", 10);
	struct cjd_cgroup_summary sum;
	assert_int_equal(cjd_detector_summary(d, NULL, "/allowed/miner", &sum), 0);
	assert_true(sum.allowlisted);
	assert_string_equal(sum.state, "idle");
	assert_true(sum.windows_flagged > 0); /* scored, just never alerted */

	/* Lifting the allowlist lets it fire; allowlisting a firing one resolves it. */
	assert_int_equal(cjd_detector_set_allowlist(d, NULL, 0), 0);
	for (uint64_t t = 21; t <= 23; t++) {
		push(d, sw(NULL, "/allowed/miner", t, miner_util(t), 20));
		push(d, sw(NULL, "/other", t, miner_util(t), 20));
		cjd_detector_tick(d);
	}
	expect(&r, 1, CJD_ALERT_FIRING, "/allowed/miner", 23);
	const char *const all[] = {"/*"};
	assert_int_equal(cjd_detector_set_allowlist(d, all, 1), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.a[2].action, CJD_ALERT_RESOLVED);
	assert_int_equal(r.a[3].action, CJD_ALERT_RESOLVED);
	cjd_detector_free(d);
}

/* The owner's names for a cgroup: the detector asks, knowing no runtime itself. */
static int identify_calls;
static bool identify(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id)
{
	(void)ctx;
	identify_calls++;
	cjd_identity_parse(cgroup, id);
	if (host || strcmp(cgroup, "/docker/nginx-box") != 0)
		return false; /* names unknown */
	id->resolved = true;
	strcpy(id->name, "web-1");
	cjd_identity_set_image(id, "nginx:1.25");
	return true;
}

static void test_allowlist_by_name(void **state)
{
	(void)state;
	static struct rec r;
	const char *const allow[] = {"image:nginx:*", "container:render-*"};
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(&r, 0, sizeof(r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.allowlist = allow;
	cfg.n_allowlist = 2;
	cfg.identify = identify;
	identify_calls = 0;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), 0);
	for (uint64_t t = 1; t <= 20; t++) {
		push(d, sw(NULL, "/docker/nginx-box", t, miner_util(t), 20));
		push(d, sw(NULL, "/docker/other", t, miner_util(t), 20));
		cjd_detector_tick(d);
	}
	/* the nginx container is allowlisted by its image; the unknown one alerts */
	assert_int_equal(r.n, 1);
	expect(&r, 0, CJD_ALERT_FIRING, "/docker/other", 10);
	/* asked once per new cgroup, not per sample */
	assert_int_equal(identify_calls, 2);
	cjd_detector_free(d);

	/* cgroup globs only: never asked */
	const char *const globs[] = {"/allowed/*"};
	cfg.allowlist = globs;
	cfg.n_allowlist = 1;
	identify_calls = 0;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), 0);
	push(d, sw(NULL, "/docker/nginx-box", 1, miner_util(1), 20));
	cjd_detector_tick(d);
	assert_int_equal(identify_calls, 0);
	cjd_detector_free(d);

	/* a bad entry is refused, naming it */
	const char *const bad[] = {"image:nginx", "contianer:x"};
	cfg.allowlist = bad;
	cfg.n_allowlist = 2;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "allowlist entry 2: \"contianer:x\""));
}

static void test_hosts_kept_apart(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 12; t++) {
		push(d, sw("node-1", "/pod/x", t, miner_util(t), 20));
		push(d, sw("node-2", "/pod/x", t, 0.2 + 0.1 * (double)(t % 4), 200));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.n, 1);
	expect(&r, 0, CJD_ALERT_FIRING, "/pod/x", 10);
	assert_string_equal(r.a[0].host, "node-1");
	struct cjd_cgroup_summary sum;
	assert_int_equal(cjd_detector_summary(d, "node-2", "/pod/x", &sum), 0);
	assert_string_equal(sum.state, "idle");
	assert_int_equal(cjd_detector_cgroups(d), 2);
	cjd_detector_free(d);
}

static void test_gap_restarts_window(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 30; t++) {
		if (t != 9)
			push(d, sw(NULL, "/a", t, miner_util(t), 20));
		push(d, sw(NULL, "/b", t, 0.0, 1));
		cjd_detector_tick(d);
	}
	/* Window at t=8 (suspect), then no t=9: the window refills over 10..17
	 * and the suspect run starts again: fires at t=19, not t=10. */
	assert_int_equal(r.n, 1);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 19);
	cjd_detector_free(d);
}

static void test_push_errors(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;
	struct cjd_error err;
	struct cjd_sample s;

	d = new_detector(&r, NULL, 0);
	s = sw(NULL, "/a", 5, 1.0, 1);
	s.dt_ns = 0;
	assert_int_equal(cjd_detector_push(d, &s, &err), -EINVAL);
	assert_string_equal(err.text, "sample of cgroup \"/a\" has dt_ns 0");
	s = sw(NULL, "/a", 5, 1.0, 1);
	s.events &= ~CJD_EVMASK(CJD_EV_SYSCALLS);
	assert_int_equal(cjd_detector_push(d, &s, &err), -EINVAL);
	assert_string_equal(err.text,
			    "sample of cgroup \"/a\" lacks events the detector uses: syscalls");
	push(d, sw(NULL, "/a", 5, 1.0, 1));
	cjd_detector_tick(d);
	s = sw(NULL, "/a", 5, 1.0, 1);
	assert_int_equal(cjd_detector_push(d, &s, &err), -EINVAL);
	assert_string_equal(err.text, "t_ns 5000000000 of cgroup \"/a\" is not after its previous "
				      "sample (t_ns 5000000000)");
	cjd_detector_free(d);
}

static void test_model_refused(void **state)
{
	(void)state;
	struct cjd_detector_config cfg;
	struct cjd_detector *d = NULL;
	struct cjd_error err;

	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK(CJD_EV_TASK_CLOCK) | CJD_EVMASK(CJD_EV_CONTEXT_SWITCHES);
	assert_int_equal(cjd_detector_new(&d, &cfg, model, NULL, NULL, &err), -ENOTSUP);
	assert_string_equal(err.text, "model sw-test needs events the source cannot supply: "
				      "cpu-migrations,page-faults,syscalls (the source has: "
				      "task-clock,context-switches)");
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.threshold = 0.3f;
	cfg.threshold_low = 0.6f;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, NULL, NULL, &err), -EINVAL);
	assert_null(d);
}

/* A mixed stream: cgroups that start late, stop, skip samples, miners and not. */
static void mixed_stream(void (*sink)(struct cjd_sample s, void *ctx), void *ctx)
{
	static char names[40][32];
	uint64_t x = 7;

	for (int c = 0; c < 40; c++)
		snprintf(names[c], sizeof(names[c]), "/mix/c%02d", c);
	for (uint64_t t = 1; t <= 90; t++) {
		for (int c = 0; c < 40; c++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			if (t < (uint64_t)c || (c % 7 == 3 && t > 60) || (c % 5 == 1 && t % 17 == 0))
				continue;
			double util = c % 3 == 0 ? miner_util(t) : (double)(x >> 40) / (1 << 24);
			sink(sw(c % 2 ? "hA" : "hB", names[c], t, util, c % 3 ? x % 500 : 20),
			     ctx);
		}
	}
}

struct run_ctx {
	struct cjd_detector *d;
	bool tick_each;
	uint64_t last_t;
};

static void to_detector(struct cjd_sample s, void *ctx)
{
	struct run_ctx *rc = ctx;

	if (rc->tick_each && s.t_ns != rc->last_t)
		cjd_detector_tick(rc->d);
	rc->last_t = s.t_ns;
	push(rc->d, s);
}

static void run_mixed(struct rec *r, enum cjd_simd_tier tier, bool tick_each, bool features)
{
	struct cjd_detector_config cfg;
	struct cjd_error err;
	struct run_ctx rc = {.tick_each = tick_each};

	memset(r, 0, sizeof(*r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.tier = tier;
	cfg.window_cb = on_window;
	cfg.window_ctx = r;
	cfg.window_features = features;
	cfg.ongoing_ns = 20 * SEC;
	assert_int_equal(cjd_detector_new(&rc.d, &cfg, model, on_alert, r, &err), 0);
	mixed_stream(to_detector, &rc);
	cjd_detector_finish(rc.d);
	cjd_detector_free(rc.d);
}

static void test_batching_and_tiers_agree(void **state)
{
	(void)state;
	static struct rec ref, got;

	run_mixed(&ref, CJD_SIMD_SCALAR, true, false);
	assert_true(ref.n > 10); /* the stream does fire, go ongoing and vanish */
	for (int t = 0; t < CJD_SIMD__COUNT; t++) {
		if (!cjd_simd_cpu_supports((enum cjd_simd_tier)t)) {
			print_message("skipping %s: CPU lacks it\n",
				      cjd_simd_tier_name((enum cjd_simd_tier)t));
			continue;
		}
		for (int each = 0; each < 2; each++) {
			run_mixed(&got, (enum cjd_simd_tier)t, each, false);
			assert_int_equal(got.n, ref.n);
			assert_int_equal(got.nw, ref.nw);
			for (size_t i = 0; i < ref.n; i++) {
				assert_int_equal(got.a[i].action, ref.a[i].action);
				assert_string_equal(got.a[i].cgroup, ref.a[i].cgroup);
				assert_int_equal(got.a[i].t_ns, ref.a[i].t_ns);
				assert_true(fabsf(got.a[i].score - ref.a[i].score) < 1e-5f);
			}
			for (size_t i = 0; i < ref.nw; i++)
				assert_true(fabsf(got.w[i].score - ref.w[i].score) < 1e-5f);
		}
	}
}

/* The featurizer (training's path) sees exactly the detector's features. */
struct fz_ctx {
	const struct rec *det;
	size_t i;
};

static int on_fz_window(const struct cjd_window *w, void *ctx)
{
	struct fz_ctx *f = ctx;

	if (f->i >= f->det->nw)
		return 0;
	assert_string_equal(w->cgroup, f->det->w[f->i].cgroup);
	assert_int_equal(w->t_ns, f->det->w[f->i].t_ns);
	assert_false(w->scored);
	for (size_t k = 0; k < cjd_feature_count(); k++)
		if (w->features[k] != f->det->w[f->i].f[k])
			fail_msg("window %zu %s: featurizer %g, detector %g", f->i,
				 cjd_feature_name(k), (double)w->features[k],
				 (double)f->det->w[f->i].f[k]);
	f->i++;
	return 0;
}

static void to_featurizer(struct cjd_sample s, void *ctx)
{
	struct cjd_error err;

	assert_int_equal(cjd_featurizer_push(ctx, &s, &err), 0);
}

static void test_featurizer_matches_detector(void **state)
{
	(void)state;
	static struct rec det;
	struct cjd_featurizer *f;
	struct cjd_error err;
	struct fz_ctx fc = {&det, 0};

	run_mixed(&det, CJD_SIMD_AUTO, false, true);
	assert_int_equal(cjd_featurizer_new(&f, 8, CJD_EVMASK_SOFTWARE, CJD_SIMD_AUTO, on_fz_window,
					    &fc, &err),
			 0);
	mixed_stream(to_featurizer, f);
	assert_int_equal(cjd_featurizer_tick(f), 0);
	cjd_featurizer_free(f);
	assert_true(det.nw > 100);
	assert_int_equal(fc.i, det.nw < MAX_REC ? det.nw : MAX_REC);
	/* A cgroup's features only cover its ratios' events: ipc is absent here. */
	assert_true(det.w[0].f[cjd_feature_lookup("ipc.mean")] == 0.0f);
}

static void test_reconfigure(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;
	struct cjd_model *hw;
	char path[1024];
	const char *dir = getenv("CJD_DETECTOR_DATA");

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 9; t++) {
		push(d, sw(NULL, "/a", t, miner_util(t), 20));
		cjd_detector_tick(d);
	}
	/* K from 3 to 5 keeps the run of flagged windows: fires at t=12, not 10. */
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.fire_windows = 5;
	assert_int_equal(cjd_detector_reconfigure(d, &cfg, model, &err), 0);
	for (uint64_t t = 10; t <= 14; t++) {
		push(d, sw(NULL, "/a", t, miner_util(t), 20));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.n, 1);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 12);
	/* A model computed from other events needs a new detector. */
	snprintf(path, sizeof(path), "%s/good/hw-gbdt.json", dir ? dir : "tests/detector/data");
	assert_int_equal(cjd_model_load(&hw, path, &err), 0);
	cfg.events = CJD_EVMASK_ALL;
	assert_int_equal(cjd_detector_reconfigure(d, &cfg, hw, &err), -EINVAL);
	assert_non_null(strstr(err.text, "needs a new detector"));
	cjd_model_free(hw);
	cfg.threshold = 0.9f;
	cfg.threshold_low = 0.95f;
	assert_int_equal(cjd_detector_reconfigure(d, &cfg, model, &err), -EINVAL);
	cjd_detector_free(d);
}

static void test_extreme_counts_stay_finite(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d;
	uint64_t vals[] = {0, 1, UINT64_MAX, 1ull << 63, 12345};

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (uint64_t t = 1; t <= 60; t++) {
		struct cjd_sample s = sw(NULL, "/x", t, 0, 0);
		for (int e = 0; e < CJD_EV__COUNT; e++)
			s.count[e] = vals[(t * 7 + (uint64_t)e) % 5];
		push(d, s);
		cjd_detector_tick(d);
	}
	assert_true(r.nw > 0);
	for (size_t i = 0; i < r.nw; i++)
		assert_true(isfinite(r.w[i].score));
	cjd_detector_free(d);
}

/* Firing and resolved alerts of one run of a flapping job (busy 12 s, idle 10 s, repeated),
 * with the given hold-down (UINT64_MAX: the default). */
static void run_flapping(struct rec *r, uint64_t holddown_ns, uint64_t seconds, size_t *fired,
			 size_t *resolved)
{
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(r, 0, sizeof(*r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	if (holddown_ns != UINT64_MAX)
		cfg.refire_holddown_ns = holddown_ns;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, r, &err), 0);
	for (uint64_t t = 1; t <= seconds; t++) {
		push(d, sw(NULL, "/flap", t, t % 22 < 12 ? miner_util(t) : 0.0, 20));
		assert_int_equal(cjd_detector_tick(d), 0);
	}
	cjd_detector_free(d);
	*fired = *resolved = 0;
	for (size_t i = 0; i < r->n; i++) {
		*fired += r->a[i].action == CJD_ALERT_FIRING;
		*resolved += r->a[i].action == CJD_ALERT_RESOLVED;
	}
}

/* The whole detector (windows, model, state machine), as replay and the agent run it. */
static void test_flapping_job_holddown(void **state)
{
	(void)state;
	static struct rec r;
	size_t fired, resolved;

	/* without a hold-down every busy phase pages: 9 of them in 200 s */
	run_flapping(&r, 0, 200, &fired, &resolved);
	assert_int_equal(fired, 9);
	assert_int_equal(resolved, 9);
	/* the default (5 minutes): one page for the whole 200 s */
	assert_true(CJD_DETECTOR_DEFAULT_HOLDDOWN_NS == 300 * SEC);
	run_flapping(&r, UINT64_MAX, 200, &fired, &resolved);
	assert_int_equal(fired, 1);
	assert_int_equal(resolved, 1);
	uint64_t resolved_at = r.a[1].t_ns;
	/* and again once 5 minutes have passed since that resolve, at the next busy phase */
	run_flapping(&r, UINT64_MAX, 400, &fired, &resolved);
	assert_int_equal(fired, 2);
	assert_true(r.a[2].action == CJD_ALERT_FIRING);
	assert_true(r.a[2].t_ns >= resolved_at + 300 * SEC);
	assert_true(r.a[2].t_ns < resolved_at + 300 * SEC + 22 * SEC);
}

/*
 * A cgroup's state lives on its lane: it must survive the lane arrays
 * growing (64 lanes at first, doubled as cgroups arrive) and must not leak
 * into a lane reused after its cgroup vanished.
 */
static void test_state_kept_as_lanes_grow(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_cgroup_summary sum;
	struct cjd_detector *d;
	char name[300][24];

	memset(&r, 0, sizeof(r));
	d = new_detector(&r, NULL, 0);
	for (int i = 0; i < 300; i++)
		snprintf(name[i], sizeof(name[i]), "/crowd%03d", i);
	for (uint64_t t = 1; t <= 30; t++) {
		push(d, sw(NULL, "/a", t, miner_util(t), 20));
		if (t <= 11)
			push(d, sw(NULL, "/leaver", t, miner_util(t), 20));
		/* 30 newcomers a second from t=11: the arrays grow while /a fires */
		for (uint64_t i = 0; t > 10 && i < (t - 10) * 30 && i < 300; i++)
			push(d, sw(NULL, name[i], t, 0.001, 3));
		assert_int_equal(cjd_detector_tick(d), 0);
	}
	/* /leaver's last sample was at 11: gone once 5 intervals passed, at 17 */
	assert_int_equal(r.n, 3);
	expect(&r, 0, CJD_ALERT_FIRING, "/a", 10);
	expect(&r, 1, CJD_ALERT_FIRING, "/leaver", 10);
	expect(&r, 2, CJD_ALERT_GONE, "/leaver", 17);
	assert_int_equal(cjd_detector_cgroups(d), 301);
	/* /a's state came through three growths (64 -> 128 -> 256 -> 512 lanes) */
	uint64_t cpu_ns = 0;
	for (uint64_t t = 1; t <= 30; t++)
		cpu_ns += (uint64_t)(miner_util(t) * 1e9);
	assert_int_equal(cjd_detector_summary(d, NULL, "/a", &sum), 0);
	assert_string_equal(sum.state, "firing");
	assert_int_equal(sum.samples, 30);
	assert_int_equal(sum.windows, 23);
	assert_int_equal(sum.windows_flagged, 23);
	assert_int_equal(sum.alerts_fired, 1);
	assert_int_equal(sum.cpu_ns, cpu_ns);
	/* /crowd210, the first cgroup new after /leaver went, took its lane: nothing
	 * of /leaver's state came with it */
	assert_int_equal(cjd_detector_summary(d, NULL, "/crowd210", &sum), 0);
	assert_string_equal(sum.state, "idle");
	assert_int_equal(sum.alerts_fired, 0);
	assert_int_equal(sum.samples, 13);
	assert_int_equal(sum.windows_flagged, 0);
	assert_true(sum.first_t_ns == 17 * SEC);
	cjd_detector_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_and_resolve),
		cmocka_unit_test(test_vanish_is_gone),
		cmocka_unit_test(test_forget_and_finish),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_allowlist_by_name),
		cmocka_unit_test(test_hosts_kept_apart),
		cmocka_unit_test(test_gap_restarts_window),
		cmocka_unit_test(test_push_errors),
		cmocka_unit_test(test_model_refused),
		cmocka_unit_test(test_batching_and_tiers_agree),
		cmocka_unit_test(test_featurizer_matches_detector),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_extreme_counts_stay_finite),
		cmocka_unit_test(test_flapping_job_holddown),
		cmocka_unit_test(test_state_kept_as_lanes_grow),
	};
	return cmocka_run_group_tests(tests, load_model, free_model);
}
