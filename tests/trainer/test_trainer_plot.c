/* Tests the gnuplot path: real PNGs (skipped with a reason without gnuplot), missing gnuplot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/trainer/lowo.h"
#include "cjd/trainer/plot.h"
#include "cjd/trainer/train.h"
#include "fixtures.h"

static char dir[96];

static void remove_dir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	char p[512];

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

/* A non-empty file that starts with the PNG signature. */
static void assert_png(const char *name)
{
	char p[512];
	unsigned char sig[8];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (stat(p, &st))
		fail_msg("%s was not written", p);
	assert_true(st.st_size > 1000);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fread(sig, 1, 8, f), 8);
	fclose(f);
	assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

static struct cjd_eval *evaluate(struct cjd_dataset **ds)
{
	struct cjd_train_config cfg;
	struct cjd_eval *e = NULL;
	struct cjd_error err;

	/* one group name with characters a file name must not carry */
	*ds = fx_overlap(2, 60, 31);
	cjd_train_config_defaults(&cfg);
	cfg.gbdt.n_trees = 10;
	if (cjd_lowo(*ds, &cfg, 3, NULL, NULL, &e, &err))
		fail_msg("lowo: %s", err.text);
	return e;
}

static void test_pngs(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_eval *e = evaluate(&ds);
	struct cjd_error err;

	snprintf(dir, sizeof(dir), "/tmp/cjd-trainer-plot-%d/sub dir's", (int)getpid());
	if (cjd_plot_eval(dir, ds, e, &err))
		fail_msg("plot: %s", err.text);
	assert_png("roc.png");
	assert_png("roc-zoom.png");
	assert_png("score-00-miner_m0.png");
	assert_png("score-01-miner_m1.png");
	assert_png("score-02-benign_b0.png");
	assert_png("score-03-benign_b1.png");
	remove_dir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	cjd_eval_free(e);
	cjd_dataset_free(ds);
}

static void test_missing_gnuplot(void **state)
{
	(void)state;
	struct cjd_dataset *ds;
	struct cjd_eval *e = evaluate(&ds);
	struct cjd_error err;
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	snprintf(dir, sizeof(dir), "/tmp/cjd-trainer-noplot-%d", (int)getpid());
	setenv("PATH", "/nonexistent-cjd", 1);
	assert_false(cjd_plot_available());
	assert_int_equal(cjd_plot_eval(dir, ds, e, &err), -ENOENT);
	assert_non_null(strstr(err.text, "install the Debian package gnuplot-nox"));
	if (old)
		setenv("PATH", old, 1);
	free(old);
	remove_dir(dir);
	cjd_eval_free(e);
	cjd_dataset_free(ds);
}

int main(void)
{
	const struct CMUnitTest always[] = {cmocka_unit_test(test_missing_gnuplot)};
	const struct CMUnitTest with_gnuplot[] = {cmocka_unit_test(test_pngs)};
	int rc = cmocka_run_group_tests(always, NULL, NULL);

	if (rc)
		return rc;
	if (!cjd_plot_available()) {
		printf("SKIP: gnuplot is not installed (Debian package gnuplot-nox); "
		       "the PNG test did not run\n");
		return 77;
	}
	return cmocka_run_group_tests(with_gnuplot, NULL, NULL);
}
