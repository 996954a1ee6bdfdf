/* Aggregation across cgroups: grouping (pod, image, host), round sums, the rules against double alerts, and the alert's members. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/detector.h"
#include "cjd/detector/model_load.h"

#define SEC 1000000000ull
#define MAX_REC 512

struct rec {
	size_t n;
	struct {
		enum cjd_alert_action action;
		char cgroup[128], kind[8], key[128], member[8][256], name[8][64], image[8][64];
		uint64_t t_ns;
		uint32_t members_total, n_members, with_evidence;
		bool on_evidence;
		bool evidence[8];
	} a[MAX_REC];
	size_t nw;
	struct {
		char cgroup[128];
		uint64_t t_ns, dt_ns, task_clock_ns;
	} w[MAX_REC];
};

static int on_alert(const struct cjd_alert *a, void *ctx)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_REC);
	r->a[r->n].action = a->action;
	snprintf(r->a[r->n].cgroup, sizeof(r->a[0].cgroup), "%s", a->cgroup);
	r->a[r->n].t_ns = a->t_ns;
	assert_int_equal(cjd_alert_action_is_aggregate(a->action), a->group != NULL);
	if (a->group) {
		snprintf(r->a[r->n].kind, sizeof(r->a[0].kind), "%s", a->group->kind);
		snprintf(r->a[r->n].key, sizeof(r->a[0].key), "%s", a->group->key);
		assert_string_equal(a->group->id, a->cgroup);
		r->a[r->n].members_total = a->group->members_total;
		r->a[r->n].n_members = a->group->n_members;
		r->a[r->n].with_evidence = a->group->members_with_evidence;
		r->a[r->n].on_evidence = a->group->on_evidence;
		for (uint32_t i = 0; i < a->group->n_members && i < 8; i++) {
			snprintf(r->a[r->n].member[i], sizeof(r->a[0].member[0]), "%s",
				 a->group->members[i].cgroup);
			snprintf(r->a[r->n].name[i], sizeof(r->a[0].name[0]), "%s",
				 a->group->members[i].name);
			snprintf(r->a[r->n].image[i], sizeof(r->a[0].image[0]), "%s",
				 a->group->members[i].image);
			r->a[r->n].evidence[i] = a->group->members[i].evidence;
		}
	}
	r->n++;
	return 0;
}

static int on_window(const struct cjd_window *w, void *ctx)
{
	struct rec *r = ctx;

	if (r->nw >= MAX_REC || w->cgroup[0] == '/') /* the groups' lanes only */
		return 0;
	snprintf(r->w[r->nw].cgroup, sizeof(r->w[0].cgroup), "%s", w->cgroup);
	r->w[r->nw].t_ns = w->t_ns;
	r->w[r->nw].dt_ns = w->dt_ns;
	r->w[r->nw].task_clock_ns = w->task_clock_ns;
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

	/* flat, busy CPU (about one CPU, cv ~0) scores high */
	snprintf(path, sizeof(path), "%s/good/sw-test.json", dir ? dir : "tests/detector/data");
	return cjd_model_load(&model, path, &err);
}

static int free_model(void **state)
{
	(void)state;
	cjd_model_free(model);
	return 0;
}

/* A software sample ending at t_ns: util CPUs busy over 1 s. */
static struct cjd_sample sw(const char *cgroup, uint64_t t_ns, double util)
{
	struct cjd_sample s;

	cjd_sample_clear(&s);
	s.t_ns = t_ns;
	s.dt_ns = SEC;
	s.cgroup = cgroup;
	s.events = CJD_EVMASK_SOFTWARE;
	s.count[CJD_EV_TASK_CLOCK] = (uint64_t)(util * 1e9);
	s.count[CJD_EV_CONTEXT_SWITCHES] = 5;
	s.count[CJD_EV_PAGE_FAULTS] = 1;
	s.count[CJD_EV_SYSCALLS] = 3;
	return s;
}

/* A quarter of a miner: summed over four, nearly flat and one CPU busy. */
static double quarter(uint64_t t)
{
	return 0.24975 + 0.000125 * (double)(t % 3);
}

struct fake_names {
	const char *cgroup, *name, *image;
};

/* The identify callback of a runtime that knows a few containers. */
static bool identify(void *ctx, const char *host, const char *cgroup, struct cjd_identity *id)
{
	(void)host;
	cjd_identity_parse(cgroup, id);
	for (const struct fake_names *f = ctx; f->cgroup; f++) {
		if (!strcmp(f->cgroup, cgroup)) {
			cjd_identity_set(id->name, sizeof(id->name), f->name);
			cjd_identity_set_image(id, f->image);
			id->resolved = true;
			return true;
		}
	}
	return false;
}

static struct cjd_detector *new_detector(struct rec *r, unsigned kinds, float max_cpu,
					 const struct fake_names *names)
{
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(r, 0, sizeof(*r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.window_cb = on_window;
	cfg.window_ctx = r;
	cfg.aggregate.kinds = kinds;
	cfg.aggregate.member_max_cpu = max_cpu;
	if (names) {
		cfg.identify = identify;
		cfg.identify_ctx = (void *)names;
	}
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

static size_t count(const struct rec *r, enum cjd_alert_action a)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->a[i].action == a;
	return n;
}

static const char *const quarters[] = {"/q1", "/q2", "/q3", "/q4"};

/* Four cgroups at a quarter each: no one fires; the host's sum does, naming all four. */
static void test_host_sum_fires(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);

	for (uint64_t t = 1; t <= 30; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, t <= 20 ? quarter(t) : 0.0));
		assert_int_equal(cjd_detector_tick(d), 0);
	}
	/* the group's lane: one virtual sample per round, the members' sum */
	assert_true(r.nw >= 20);
	assert_string_equal(r.w[0].cgroup, "host");
	assert_int_equal(r.w[0].t_ns, 8 * SEC); /* a round is scored at its own tick: no lag */
	assert_int_equal(r.w[0].dt_ns, SEC);
	assert_int_equal(r.w[0].task_clock_ns, 4 * (uint64_t)(quarter(8) * 1e9));
	/* firing at the third flagged window, resolved after the three low ones */
	assert_int_equal(count(&r, CJD_ALERT_FIRING), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_int_equal(r.a[0].action, CJD_ALERT_AGG_FIRING);
	assert_int_equal(r.a[0].t_ns, 10 * SEC);
	assert_string_equal(r.a[0].cgroup, "host");
	assert_string_equal(r.a[0].kind, "host");
	assert_string_equal(r.a[0].key, "");
	assert_int_equal(r.a[0].members_total, 4);
	assert_int_equal(r.a[0].n_members, 4);
	assert_false(r.a[0].on_evidence); /* from counters alone */
	for (int i = 0; i < 4; i++)
		assert_string_equal(r.a[0].member[i], quarters[i]);
	assert_int_equal(count(&r, CJD_ALERT_AGG_RESOLVED), 1);
	assert_int_equal(r.a[r.n - 1].action, CJD_ALERT_AGG_RESOLVED);
	assert_int_equal(r.a[r.n - 1].t_ns, 23 * SEC);
	cjd_detector_free(d);
}

/* Off by default; and a group of one is its cgroup: never scored. */
static void test_off_and_min_members(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 0, 0.5f, NULL);

	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nw, 0);
	cjd_detector_free(d);

	d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);
	for (uint64_t t = 1; t <= 20; t++) {
		push(d, sw("/alone", t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.nw, 0);
	assert_int_equal(r.n, 0);
	cjd_detector_free(d);

	/* min_members 1 is refused with a reason */
	struct cjd_detector_config cfg;
	struct cjd_error err;
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.aggregate.kinds = 1u << CJD_AGG_HOST;
	cfg.aggregate.min_members = 1;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), -EINVAL);
	assert_non_null(strstr(err.text, "min_members"));
}

/* Recordings side by side have clocks a little apart: one sample per member per round. */
static void test_rounds_out_of_phase(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);

	/* in time order, as `cjd trace cat --sort` gives; each member 0.2 s after the
	 * previous; replay ticks at every new time */
	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 4; i++) {
			push(d, sw(quarters[i], t * SEC + (uint64_t)i * SEC / 5, quarter(t)));
			cjd_detector_tick(d);
		}
	}
	cjd_detector_finish(d);
	assert_true(r.nw >= 12);
	for (size_t i = 0; i + 1 < r.nw; i++) { /* the last: the round finish cut short */
		/* rounds at one phase (where members joined decides which), one interval
		 * apart, each one sample of every member */
		assert_int_equal(r.w[i].t_ns % SEC, r.w[0].t_ns % SEC);
		assert_int_equal(r.w[i].dt_ns, SEC);
		assert_true(r.w[i].task_clock_ns >= 4 * (uint64_t)(quarter(0) * 1e9));
		assert_true(r.w[i].task_clock_ns <= 4 * (uint64_t)(quarter(2) * 1e9));
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 1); /* still firing at the end */
	cjd_detector_free(d);
}

/* A heavy member is judged on its own; it adds nothing to the sum (member_max_cpu). */
static void test_member_max_cpu(void **state)
{
	(void)state;
	static struct rec r;
	const char *const two[] = {"/h1", "/h2"};

	for (int limit = 0; limit < 2; limit++) {
		struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, limit ? 0.5f : 0.0f,
						      NULL);
		for (uint64_t t = 1; t <= 20; t++) {
			for (int i = 0; i < 2; i++)
				push(d, sw(two[i], t * SEC, 2 * quarter(t) + 0.05));
			cjd_detector_tick(d);
		}
		/* each at 0.55 CPU: summed without a limit, left out with 0.5 */
		assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), limit ? 0 : 1);
		if (limit)
			assert_int_equal(r.w[0].task_clock_ns, 0);
		cjd_detector_free(d);
	}
}

/* A member firing on its own already says it: the group stays quiet. */
static void test_member_fires_alone(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.0f, NULL);

	for (uint64_t t = 1; t <= 20; t++) {
		push(d, sw("/miner", t * SEC, 4 * quarter(t)));
		push(d, sw("/idle", t * SEC, 0.0));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_FIRING), 1);
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 0);
	assert_true(r.nw >= 12); /* the group was scored, and flagged, all the same */
	cjd_detector_free(d);
}

#define POD(uid, ctr)                                                                            \
	"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" uid ".slice/"       \
	"cri-containerd-" ctr ".scope"
#define UID_A "3f1c2a9e_4b5d_4c6e_8f70_123456789abc"
#define UID_B "9a1c2a9e_4b5d_4c6e_8f70_123456789abc"
#define C64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c

/* Per pod, from the path alone; the pod's alert first, the host's (same members) never. */
static void test_pod_before_host(void **state)
{
	(void)state;
	static struct rec r;
	const char *const cg[] = {POD(UID_A, C64("a")), POD(UID_A, C64("b")), POD(UID_A, C64("c")),
				  POD(UID_A, C64("d")), POD(UID_B, C64("e"))};
	struct cjd_detector *d =
		new_detector(&r, 1u << CJD_AGG_POD | 1u << CJD_AGG_HOST, 0.5f, NULL);

	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 5; i++)
			push(d, sw(cg[i], t * SEC, i < 4 ? quarter(t) : 0.0));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_string_equal(r.a[0].kind, "pod");
	assert_string_equal(r.a[0].key, "3f1c2a9e-4b5d-4c6e-8f70-123456789abc");
	assert_string_equal(r.a[0].cgroup, "pod:3f1c2a9e-4b5d-4c6e-8f70-123456789abc");
	assert_int_equal(r.a[0].members_total, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(r.a[0].member[i], cg[i]);
	/* pod B has one member: not scored; the host group (5) was flagged too, but
	 * its members are the pod's, whose alert is open */
	bool host_scored = false;
	for (size_t i = 0; i < r.nw; i++)
		host_scored |= !strcmp(r.w[i].cgroup, "host");
	assert_true(host_scored);
	for (size_t i = 0; i < r.nw; i++)
		assert_string_not_equal(r.w[i].cgroup, "pod:9a1c2a9e-4b5d-4c6e-8f70-123456789abc");
	cjd_detector_free(d);
}

/* Per image, from the runtime's names; the alert names each member's container and image. */
static void test_image_groups(void **state)
{
	(void)state;
	static struct rec r;
	static const struct fake_names names[] = {
		{"/docker/" C64("1"), "web-1", "registry:5000/web:1.2"},
		{"/docker/" C64("2"), "web-2", "registry:5000/web:1.2"},
		{"/docker/" C64("3"), "web-3", "registry:5000/web:1.2"},
		{"/docker/" C64("4"), "db", "postgres:16"},
		{NULL, NULL, NULL},
	};
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_IMAGE, 0.5f, names);

	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(names[i].cgroup, t * SEC, i < 3 ? 4.0 / 3.0 * quarter(t) : 0.1));
		/* a cgroup no runtime knows is in no image group */
		push(d, sw("/system.slice/cron.service", t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_string_equal(r.a[0].kind, "image");
	assert_string_equal(r.a[0].key, "registry:5000/web:1.2");
	assert_string_equal(r.a[0].cgroup, "image:registry:5000/web:1.2");
	assert_int_equal(r.a[0].members_total, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(r.a[0].member[i], names[i].cgroup);
		assert_string_equal(r.a[0].name[i], names[i].name);
		assert_string_equal(r.a[0].image[i], "registry:5000/web:1.2");
	}
	cjd_detector_free(d);
}

/* A member that goes leaves its group; too few left: the firing group is gone. */
static void test_forget_member(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);
	const char *const two[] = {"/m1", "/m2"};

	for (uint64_t t = 1; t <= 12; t++) {
		for (int i = 0; i < 2; i++)
			push(d, sw(two[i], t * SEC, 2 * quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_int_equal(cjd_detector_forget(d, NULL, "/m2"), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 1);
	assert_int_equal(r.a[r.n - 1].action, CJD_ALERT_AGG_GONE);
	assert_int_equal(r.a[r.n - 1].members_total, 2); /* as the group was when it went */
	cjd_detector_finish(d);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 1);
	cjd_detector_free(d);
}

/* The index of the last alert of action a, or -1. */
static int last_of(const struct rec *r, enum cjd_alert_action a)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->a[i].action == a)
			return (int)i;
	return -1;
}

/* Rounds t..last of the four quarters nearly idle; returns the next round's t. */
static uint64_t idle_rounds(struct cjd_detector *d, uint64_t t, uint64_t last)
{
	for (; t <= last; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, 0.01));
		cjd_detector_tick(d);
	}
	return t;
}

/*
 * Pieces too light for their sum to look like a miner (four at 0.2 CPU): the
 * group fires once two members are found mining by inspection, naming all
 * four though those two fire on their own; one member's evidence alone names
 * nobody else; the group resolves once the evidence is withdrawn.
 */
static void test_evidence_pins_group(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);
	uint64_t t = 1;

	for (; t <= 10; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, 0.2 + 0.01 * (double)((t + (uint64_t)i) % 3)));
		cjd_detector_tick(d);
	}
	assert_int_equal(r.n, 0); /* the sum, 0.8 CPU and wobbling, is not flagged */
	assert_int_equal(cjd_detector_evidence(d, NULL, "/q1", true), 0);
	assert_int_equal(count(&r, CJD_ALERT_FIRING), 1);
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 0);
	assert_int_equal(cjd_detector_evidence(d, NULL, "/q3", true), 0);
	assert_int_equal(count(&r, CJD_ALERT_FIRING), 2);
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	int f = last_of(&r, CJD_ALERT_AGG_FIRING);
	assert_string_equal(r.a[f].cgroup, "host");
	assert_int_equal(r.a[f].members_total, 4);
	assert_int_equal(r.a[f].n_members, 4);
	assert_int_equal(r.a[f].with_evidence, 2);
	assert_true(r.a[f].on_evidence);
	for (int i = 0; i < 4; i++) {
		bool found = strcmp(r.a[f].member[i], "/q1") == 0 || !strcmp(r.a[f].member[i], "/q3");
		assert_int_equal(r.a[f].evidence[i], found);
	}
	/* a third member's evidence changes nothing: the episode is open */
	assert_int_equal(cjd_detector_evidence(d, NULL, "/q2", true), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	/* withdrawn from two: one left keeps the pin through low scores (no flapping) */
	cjd_detector_evidence(d, NULL, "/q1", false);
	cjd_detector_evidence(d, NULL, "/q2", false);
	t = idle_rounds(d, t, 25);
	assert_int_equal(count(&r, CJD_ALERT_AGG_RESOLVED), 0);
	/* withdrawn from the last: the pin goes and low scores resolve it */
	cjd_detector_evidence(d, NULL, "/q3", false);
	t = idle_rounds(d, t, 40);
	assert_int_equal(count(&r, CJD_ALERT_AGG_RESOLVED), 1);
	assert_true(last_of(&r, CJD_ALERT_AGG_RESOLVED) > f);
	cjd_detector_free(d);

	/* pinned before the group's lane was ever scored: it fires at the first round */
	d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);
	for (int i = 0; i < 2; i++)
		push(d, sw(quarters[i], SEC, 0.2));
	cjd_detector_tick(d);
	assert_int_equal(cjd_detector_evidence(d, NULL, "/q1", true), 0);
	assert_int_equal(cjd_detector_evidence(d, NULL, "/q2", true), 0);
	for (t = 2; t <= 12 && !count(&r, CJD_ALERT_AGG_FIRING); t++) {
		for (int i = 0; i < 2; i++)
			push(d, sw(quarters[i], t * SEC, 0.2));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	/* a member that goes takes its evidence along: one left, no pin */
	assert_int_equal(cjd_detector_forget(d, NULL, "/q2"), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 1); /* a group of one is no group */
	cjd_detector_free(d);
}

struct suspects {
	size_t n, group;
	char seen[4][16];
};

static void on_suspect(void *ctx, const char *host, const char *cgroup, float score)
{
	struct suspects *sp = ctx;

	(void)host;
	(void)score;
	if (!strncmp(cgroup, "/q", 2)) {
		int i = cgroup[2] - '1';
		if (i >= 0 && i < 4)
			snprintf(sp->seen[i], sizeof(sp->seen[i]), "%s", cgroup);
		sp->n++;
	} else {
		sp->group++; /* "host" is no cgroup: never to be inspected */
	}
}

/* A suspect group is its members' suspicion: each member is named, never the group's lane. */
static void test_group_suspect_names_members(void **state)
{
	(void)state;
	static struct rec r;
	struct suspects sp = {0};
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(&r, 0, sizeof(r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.aggregate.kinds = 1u << CJD_AGG_HOST;
	cfg.suspect_cb = on_suspect;
	cfg.suspect_ctx = &sp;
	if (cjd_detector_new(&d, &cfg, model, on_alert, &r, &err))
		fail_msg("cjd_detector_new: %s", err.text);
	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	assert_int_equal(sp.group, 0);
	assert_true(sp.n >= 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(sp.seen[i], quarters[i]);
	cjd_detector_free(d);
}

/* An allowlisted cgroup is trusted: no member of any group. */
static void test_allowlisted_not_member(void **state)
{
	(void)state;
	static struct rec r;
	const char *const allow[] = {"/q[34]"};
	struct cjd_detector_config cfg;
	struct cjd_detector *d;
	struct cjd_error err;

	memset(&r, 0, sizeof(r));
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.window_cb = on_window;
	cfg.window_ctx = &r;
	cfg.aggregate.kinds = 1u << CJD_AGG_HOST;
	cfg.allowlist = allow;
	cfg.n_allowlist = 1;
	assert_int_equal(cjd_detector_new(&d, &cfg, model, on_alert, &r, &err), 0);
	for (uint64_t t = 1; t <= 20; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	/* two quarters are half a CPU: not miner-like for this model */
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 0);
	assert_int_equal(r.w[0].task_clock_ns, 2 * (uint64_t)(quarter(8) * 1e9));
	cjd_detector_free(d);
}

/* A reload with other groupings ends the old groups and forms new ones. */
static void test_reconfigure(void **state)
{
	(void)state;
	static struct rec r;
	struct cjd_detector *d = new_detector(&r, 1u << CJD_AGG_HOST, 0.5f, NULL);
	struct cjd_detector_config cfg;
	struct cjd_error err;

	for (uint64_t t = 1; t <= 12; t++) {
		for (int i = 0; i < 4; i++)
			push(d, sw(quarters[i], t * SEC, quarter(t)));
		cjd_detector_tick(d);
	}
	assert_int_equal(count(&r, CJD_ALERT_AGG_FIRING), 1);
	cjd_detector_config_init(&cfg);
	cfg.events = CJD_EVMASK_SOFTWARE;
	cfg.aggregate.kinds = 1u << CJD_AGG_HOST; /* the same: the group stays */
	assert_int_equal(cjd_detector_reconfigure(d, &cfg, model, &err), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 0);
	cfg.aggregate.kinds = 0; /* off: the firing group is gone */
	assert_int_equal(cjd_detector_reconfigure(d, &cfg, model, &err), 0);
	assert_int_equal(count(&r, CJD_ALERT_AGG_GONE), 1);
	cjd_detector_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_sum_fires),
		cmocka_unit_test(test_off_and_min_members),
		cmocka_unit_test(test_rounds_out_of_phase),
		cmocka_unit_test(test_member_max_cpu),
		cmocka_unit_test(test_member_fires_alone),
		cmocka_unit_test(test_pod_before_host),
		cmocka_unit_test(test_image_groups),
		cmocka_unit_test(test_forget_member),
		cmocka_unit_test(test_evidence_pins_group),
		cmocka_unit_test(test_group_suspect_names_members),
		cmocka_unit_test(test_allowlisted_not_member),
		cmocka_unit_test(test_reconfigure),
	};

	return cmocka_run_group_tests(tests, load_model, free_model);
}
