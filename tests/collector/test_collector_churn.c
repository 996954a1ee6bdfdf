/* Real kernel: 200 cgroups created and destroyed while the collector runs; no crash, no fd leak. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"
#include "cjd/collector/collector.h"
#include "cjd/common/loop.h"
#include "kernel_env.h"

/*
 * Needs root and cgroup v2 (else exit 77 = SKIP). Waves of 10 empty cgroups
 * are created every 30 ms under <v2>/cjd-churn-<pid>/ and each is removed
 * about 0.3 s later, 200 in all, while the collector ticks every 20 ms and
 * re-scans every 50 ms. Appearance is measured in re-scans, not in time, so
 * a loaded machine cannot make it flaky.
 */

#define TOTAL 200
#define WAVE 10
#define LIFETIME_WAVES 10

struct churn {
	struct cjd_cgroupfs fs;
	char parent[64];
	struct cjd_collector *c;
	struct cjd_loop *loop;
	int created, removed, waves;
	int churn_timer;
	uint64_t born_rescans[TOTAL]; /* stats.rescans when the cgroup was made */
	int born_wave[TOTAL];
	long first_seen_rescans[TOTAL]; /* -1: never in a sample */
	int gone[TOTAL];
	int stop_after_ticks;
	int ticks;
	uint64_t total_samples;
};

static struct cjd_cgroupfs v2;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* opendir's own */
}

static int index_of(const char *cgroup)
{
	int i;
	return sscanf(cgroup, "/c%d", &i) == 1 && i >= 0 && i < TOTAL ? i : -1;
}

static void on_samples(void *ctx, const struct cjd_sample *s, size_t n)
{
	struct churn *ch = ctx;
	struct cjd_collector_stats st;

	cjd_collector_stats(ch->c, &st);
	for (size_t i = 0; i < n; i++) {
		int k = index_of(s[i].cgroup);
		assert_true(k >= 0);
		if (ch->first_seen_rescans[k] < 0)
			ch->first_seen_rescans[k] = (long)st.rescans;
		assert_false(ch->gone[k]); /* no sample after "gone" */
	}
	ch->total_samples += n;
	ch->ticks++;
	if (ch->stop_after_ticks && ch->ticks >= ch->stop_after_ticks)
		cjd_loop_stop(ch->loop);
}

static void on_gone(void *ctx, const char *cgroup, uint64_t t_ns)
{
	struct churn *ch = ctx;
	int k = index_of(cgroup);

	(void)t_ns;
	assert_true(k >= 0);
	assert_false(ch->gone[k]);
	ch->gone[k] = 1;
}

static void rel_of(const struct churn *ch, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/c%d", ch->parent, i);
}

static void on_churn(struct cjd_loop *loop, uint64_t exp, void *ctx)
{
	struct churn *ch = ctx;
	struct cjd_collector_stats st;
	struct cjd_error err;
	char rel[128];

	(void)exp;
	cjd_collector_stats(ch->c, &st);
	ch->waves++;
	for (int i = 0; i < WAVE && ch->created < TOTAL; i++) {
		rel_of(ch, ch->created, rel, sizeof(rel));
		assert_int_equal(cjd_cgroupfs_create(&ch->fs, rel, &err), 0);
		ch->born_rescans[ch->created] = st.rescans;
		ch->born_wave[ch->created++] = ch->waves;
	}
	/* rmdir works with perf events still attached: the collector must notice by itself. */
	while (ch->removed < ch->created && ch->waves - ch->born_wave[ch->removed] >= LIFETIME_WAVES) {
		rel_of(ch, ch->removed++, rel, sizeof(rel));
		assert_int_equal(cjd_cgroupfs_destroy(&ch->fs, rel, 1000, &err), 0);
	}
	if (ch->removed == TOTAL) {
		cjd_loop_del_timer(loop, ch->churn_timer);
		ch->stop_after_ticks = ch->ticks + 8; /* a few re-scans to notice the last ones */
	}
}

static int teardown(void **state)
{
	struct churn *ch = *state;
	struct cjd_error err;
	char rel[128];

	if (!ch)
		return 0;
	cjd_collector_free(ch->c);
	cjd_loop_free(ch->loop);
	for (int i = ch->removed; i < ch->created; i++) {
		rel_of(ch, i, rel, sizeof(rel));
		cjd_cgroupfs_destroy(&ch->fs, rel, 1000, &err);
	}
	int rc = cjd_cgroupfs_destroy(&ch->fs, ch->parent, 1000, &err);
	free(ch);
	return rc == 0 ? 0 : -1;
}

static int setup(void **state)
{
	struct churn *ch = calloc(1, sizeof(*ch));
	struct cjd_error err;

	*state = ch;
	ch->fs = v2;
	snprintf(ch->parent, sizeof(ch->parent), "/cjd-churn-%d", (int)getpid());
	for (int i = 0; i < TOTAL; i++)
		ch->first_seen_rescans[i] = -1;
	if (cjd_cgroupfs_create(&ch->fs, ch->parent, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.text);
		free(ch);
		*state = NULL;
		return -1;
	}
	return 0;
}

static void test_churn(void **state)
{
	struct churn *ch = *state;
	struct cjd_collector_config cfg = {0};
	struct cjd_collector_stats st;
	struct cjd_error err;
	char root[4400];
	int fds_before = count_fds();

	cjd_cgroupfs_join(&ch->fs, ch->parent, root, sizeof(root));
	cfg.interval_ns = 20 * 1000 * 1000;
	cfg.rescan_ns = 50 * 1000 * 1000;
	cfg.cgroup_root = root;
	cfg.select = CJD_SELECT_ALL; /* the churned cgroups are empty */
	if (cjd_collector_new(&ch->c, &cfg, &err) != 0)
		fail_msg("collector: %s", err.text);
	assert_int_equal(cjd_loop_new(&ch->loop), 0);
	struct cjd_collector_callbacks cbs = {.samples = on_samples, .gone = on_gone, .ctx = ch};
	cjd_collector_set_callbacks(ch->c, &cbs);
	assert_int_equal(cjd_collector_attach(ch->c, ch->loop, NULL, NULL), 0);
	ch->churn_timer = cjd_loop_add_timer(ch->loop, 30 * 1000 * 1000, on_churn, ch);
	assert_true(ch->churn_timer >= 0);
	assert_int_equal(cjd_loop_run(ch->loop), 0);

	cjd_collector_stats(ch->c, &st);
	fprintf(stderr,
		"churn: %d created, %d removed, %" PRIu64 " ticks, %" PRIu64 " rescans, %" PRIu64
		" samples, %" PRIu64 " gone, %" PRIu64 " missed ticks\n",
		ch->created, ch->removed, st.ticks, st.rescans, ch->total_samples, st.gone,
		st.missed_ticks);
	assert_int_equal(ch->created, TOTAL);
	int late = 0;
	for (int i = 0; i < TOTAL; i++) {
		/* Every cgroup lived ~10 re-scans: it must have shown up... */
		assert_true(ch->first_seen_rescans[i] >= 0);
		/* ...within 2 re-scans of being made... */
		if (ch->first_seen_rescans[i] - (long)ch->born_rescans[i] > 2)
			late++;
		/* ...and been reported gone after it was removed. */
		assert_true(ch->gone[i]);
	}
	assert_int_equal(late, 0);
	assert_int_equal(st.monitored, 0);
	assert_int_equal(st.fds, 0);
	assert_int_equal(st.dropped, 0);

	cjd_collector_free(ch->c);
	ch->c = NULL;
	cjd_loop_free(ch->loop);
	ch->loop = NULL;
	assert_int_equal(count_fds(), fds_before);
}


/* ---- EMFILE: a low fd limit that may not be raised ---- */

/*
 * The EMFILE half runs in a child: a lowered hard limit cannot be raised back
 * without CAP_SYS_RESOURCE, which containers often lack. The child reports the
 * line of the first failed check as its exit status.
 */
#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "check failed: %s\n", #cond);                              \
			_exit(__LINE__ % 250 + 1);                                                 \
		}                                                                                  \
	} while (0)

static void fd_limit_child(const struct cjd_collector_config *cfg, int ncg)
{
	struct cjd_collector *c;
	struct cjd_collector_stats st;
	struct cjd_error err;
	struct rlimit low;
	cap_t caps = cap_get_proc();
	cap_value_t one = CAP_SYS_RESOURCE;

	/* Room for a few cgroups only (each takes events x CPUs fds), and no way up. */
	cap_set_flag(caps, CAP_EFFECTIVE, 1, &one, CAP_CLEAR);
	cap_set_flag(caps, CAP_PERMITTED, 1, &one, CAP_CLEAR);
	CHILD_CHECK(cap_set_proc(caps) == 0);
	cap_free(caps);
	low.rlim_cur = low.rlim_max = (rlim_t)count_fds() + 40;
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	if (cjd_collector_new(&c, cfg, &err) != 0) {
		fprintf(stderr, "collector under a low fd limit: %s\n", err.text);
		_exit(1);
	}
	cjd_collector_stats(c, &st);
	fprintf(stderr, "fd limit %llu: %zu monitored, %zu unmonitored, %zu fds\n",
		(unsigned long long)st.fd_limit, st.monitored, st.unmonitored, st.fds);
	/* EMFILE is not fatal: as many as fit are counted, the rest reported. */
	CHILD_CHECK(st.monitored >= 1);
	CHILD_CHECK(st.unmonitored >= 1);
	CHILD_CHECK(st.monitored + st.unmonitored == (size_t)ncg);
	CHILD_CHECK(st.fds == st.monitored * st.fds_per_cgroup);
	CHILD_CHECK(st.fds <= low.rlim_cur);
	CHILD_CHECK(cjd_collector_tick(c) == 0);
	cjd_collector_stats(c, &st);
	CHILD_CHECK(st.samples == st.monitored);
	cjd_collector_free(c);
	_exit(0);
}

static void test_fd_limit(void **state)
{
	struct churn *ch = *state;
	struct cjd_collector_config cfg = {0};
	struct cjd_collector_stats st;
	struct cjd_error err;
	struct rlimit saved, low;
	char root[4400], rel[128];
	int status;
	enum { NCG = 12 };

	for (int i = 0; i < NCG; i++) {
		rel_of(ch, i, rel, sizeof(rel));
		assert_int_equal(cjd_cgroupfs_create(&ch->fs, rel, &err), 0);
		ch->created++;
	}
	cjd_cgroupfs_join(&ch->fs, ch->parent, root, sizeof(root));
	cfg.cgroup_root = root;
	cfg.select = CJD_SELECT_ALL;
	cfg.interval_ns = 20 * 1000 * 1000;

	pid_t pid = fork();
	if (pid == 0)
		fd_limit_child(&cfg, NCG);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* A low soft limit under a high hard one is raised as far as needed. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low.rlim_cur = 64;
	low.rlim_max = saved.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(cjd_collector_new(&ch->c, &cfg, &err), 0);
	cjd_collector_stats(ch->c, &st);
	assert_int_equal(st.monitored, NCG);
	assert_int_equal(st.unmonitored, 0);
	assert_true(st.fd_limit >= (uint64_t)NCG * st.fds_per_cgroup); /* raised */
	cjd_collector_free(ch->c);
	ch->c = NULL;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int main(void)
{
	if (kernel_env(&v2) != 0)
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
