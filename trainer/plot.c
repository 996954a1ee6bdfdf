/* Writes gnuplot data and one script for an evaluation, then runs gnuplot in that directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/common/buf.h"
#include "cjd/trainer/plot.h"

extern char **environ;

bool cjd_plot_available(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n &&
		    (size_t)snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, path) <
			sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* mkdir -p */
static int make_dir(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		p[i] = c;
	}
	return 0;
}

/* A gnuplot single-quoted string: only ' needs escaping, as ''. */
static void gp_string(struct cjd_buf *sb, const char *s)
{
	cjd_buf_putc(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cjd_buf_putc(sb, '\''); /* doubled */
		cjd_buf_putc(sb, *s);
	}
	cjd_buf_putc(sb, '\'');
}

static void file_name(char *out, size_t len, uint32_t g, const char *group, const char *ext)
{
	size_t pos = (size_t)snprintf(out, len, "score-%02u-", (unsigned)g);

	for (const char *s = group; *s && pos + 1 < len; s++) {
		char c = *s;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		out[pos++] = ok ? c : '_';
	}
	out[pos < len ? pos : len - 1] = '\0';
	if (pos + strlen(ext) < len)
		strcat(out, ext);
}

static int write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	size_t w = fwrite(text, 1, len, f);
	int bad = ferror(f) || w != len;
	if (fclose(f) || bad)
		return -EIO;
	return 0;
}

/* Writes sb to dir/name and resets it. */
static int flush_to(const char *dir, const char *name, struct cjd_buf *sb, struct cjd_error *err)
{
	size_t len;
	char *text;
	int rc = cjd_buf_steal(sb, &text, &len);

	if (rc)
		return cjd_error_set(err, rc, dir, 0, 0, "out of memory");
	rc = write_file(dir, name, text, len);
	free(text);
	if (rc)
		return cjd_error_set(err, rc, dir, 0, 0, "cannot write %s: %s", name,
				     strerror(-rc));
	return 0;
}

static int roc_data(const char *dir, const struct cjd_eval *e, const struct cjd_dataset *ds,
		    struct cjd_error *err)
{
	bool *miner = malloc(e->n_rows * sizeof(*miner));
	struct cjd_roc_point *pts = NULL;
	struct cjd_buf sb;
	size_t np;
	int rc;

	if (!miner)
		return cjd_error_set(err, -ENOMEM, dir, 0, 0, "out of memory");
	for (size_t i = 0; i < e->n_rows; i++)
		miner[i] = cjd_dataset_miner(ds, i);
	rc = cjd_roc_curve(e->score, miner, e->n_rows, &pts, &np);
	free(miner);
	if (rc)
		return cjd_error_set(err, rc, dir, 0, 0, "ROC curve: %s", strerror(-rc));
	cjd_buf_init(&sb);
	cjd_buf_puts(&sb, "# fpr tpr threshold\n");
	for (size_t i = 0; i < np; i++)
		cjd_buf_printf(&sb, "%.9g %.9g %.9g\n", pts[i].fpr, pts[i].tpr,
			    i ? (double)pts[i].threshold : 1.0);
	free(pts);
	return flush_to(dir, "roc.dat", &sb, err);
}

static void roc_script(struct cjd_buf *gp, const struct cjd_eval *e)
{
	char title[160];

	snprintf(title, sizeof(title), "ROC, AUC %.6f%s", e->auc,
		 e->cross_validated ? " (leave-one-workload-out, out-of-fold)" : "");
	cjd_buf_puts(gp, "set output 'roc.png'\nset title ");
	gp_string(gp, title);
	cjd_buf_puts(gp, "\nset xlabel 'false positive rate (benign windows)'\n"
		       "set ylabel 'true positive rate (miner windows)'\n"
		       "set xrange [0:1]\nset yrange [0:1.01]\nset key bottom right\nset grid\n"
		       "plot 'roc.dat' using 1:2 with lines lw 2 title 'ROC', "
		       "x with lines dt 2 lc rgb 'gray' title 'chance'\n");
	/* The targets live at FPR <= 0.1 %: show the left edge too. */
	cjd_buf_puts(gp, "set output 'roc-zoom.png'\nset title ");
	gp_string(gp, title);
	cjd_buf_puts(gp, "\nset xrange [0:0.01]\n"
		       "plot 'roc.dat' using 1:2 with steps lw 2 title 'ROC (FPR <= 1 %)'\n");
	cjd_buf_puts(gp, "unset grid\nset autoscale\n");
}

static int group_plot(const char *dir, const struct cjd_eval *e, const struct cjd_dataset *ds,
		      uint32_t g, struct cjd_buf *gp, struct cjd_error *err)
{
	const struct cjd_eval_group *gr = &e->groups[g];
	const char *name = cjd_dataset_group_name(ds, g);
	char dat[300], png[300], title[400];
	struct cjd_buf sb;
	size_t block = 0;
	int rc;

	file_name(dat, sizeof(dat), g, name, ".dat");
	file_name(png, sizeof(png), g, name, ".png");
	cjd_buf_init(&sb);
	cjd_buf_puts(gp, "set output ");
	gp_string(gp, png);
	snprintf(title, sizeof(title), "%s (%s): %s %.3f%%, %zu/%zu runs fired", name,
		 gr->miner ? "miner" : "benign", gr->miner ? "TPR" : "FPR", 100.0 * gr->rate,
		 gr->runs_fired, gr->runs);
	cjd_buf_puts(gp, "\nset title ");
	gp_string(gp, title);
	cjd_buf_puts(gp, "\nset xlabel 'window'\nset ylabel 'score'\nset yrange [-0.02:1.02]\n"
		       "set key outside bottom center horizontal\nplot ");
	for (uint32_t r = 0; r < e->n_runs; r++) {
		size_t n;
		const uint32_t *rows;
		if (cjd_dataset_run_group(ds, r) != g)
			continue;
		rows = cjd_dataset_run_rows(ds, r, &n);
		/* gnuplot separates data sets ("index") by two blank lines. */
		cjd_buf_printf(&sb, "%s# run %s\n", block ? "\n\n" : "", cjd_dataset_run_name(ds, r));
		for (size_t i = 0; i < n; i++)
			cjd_buf_printf(&sb, "%zu %.9g\n", i + 1, (double)e->score[rows[i]]);
		cjd_buf_puts(gp, block ? ", '' index " : "");
		if (!block) {
			gp_string(gp, dat);
			cjd_buf_puts(gp, " index ");
		}
		cjd_buf_printf(gp, "%zu using 1:2 with lines title ", block);
		gp_string(gp, cjd_dataset_run_name(ds, r));
		block++;
	}
	cjd_buf_printf(gp,
		    "%s%.9g with lines dt 2 lw 2 lc rgb 'red' title 'threshold', "
		    "%.9g with lines dt 3 lc rgb 'orange' title 'threshold_low'\n",
		    block ? ", " : "", (double)gr->threshold, (double)gr->threshold_low);
	if ((rc = flush_to(dir, dat, &sb, err)))
		return rc;
	return 0;
}

static int run_gnuplot(const char *dir, struct cjd_error *err)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {"gnuplot", "plot.gp", NULL};
	pid_t pid;
	int rc, status;

	if (posix_spawn_file_actions_init(&fa))
		return cjd_error_set(err, -ENOMEM, dir, 0, 0, "out of memory");
	rc = posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT)
		return cjd_error_set(err, -ENOENT, dir, 0, 0,
				     "gnuplot not found: install the Debian package gnuplot-nox");
	if (rc)
		return cjd_error_set(err, -rc, dir, 0, 0, "cannot run gnuplot: %s", strerror(rc));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return cjd_error_set(err, -errno, dir, 0, 0, "waitpid(gnuplot): %s",
					     strerror(errno));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return cjd_error_set(err, -EIO, dir, 0, 0,
				     "gnuplot failed (exit status %d) on plot.gp",
				     WEXITSTATUS(status));
	return cjd_error_set(err, -EIO, dir, 0, 0, "gnuplot was killed by signal %d",
			     WTERMSIG(status));
}

int cjd_plot_eval(const char *dir, const struct cjd_dataset *ds, const struct cjd_eval *e,
		  struct cjd_error *err)
{
	struct cjd_buf gp;
	int rc;

	if (!cjd_eval_matches(e, ds))
		return cjd_error_set(err, -EINVAL, dir, 0, 0,
				     "the evaluation was not computed on this dataset");
	if (!cjd_plot_available())
		return cjd_error_set(err, -ENOENT, dir, 0, 0,
				     "gnuplot not found: install the Debian package gnuplot-nox");
	if ((rc = make_dir(dir)))
		return cjd_error_set(err, rc, dir, 0, 0, "cannot create the directory: %s",
				     strerror(-rc));
	cjd_buf_init(&gp);
	cjd_buf_puts(&gp,
		   "# Written by cjd (trainer/plot.c); run in this directory: gnuplot plot.gp\n"
		   "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		   "  set terminal pngcairo size 1000,600 noenhanced\n"
		   "} else {\n"
		   "  set terminal png size 1000,600 noenhanced\n"
		   "}\n");
	if (e->has_auc) {
		if ((rc = roc_data(dir, e, ds, err)))
			goto out;
		roc_script(&gp, e);
	}
	for (uint32_t g = 0; g < e->n_groups; g++)
		if ((rc = group_plot(dir, e, ds, g, &gp, err)))
			goto out;
	cjd_buf_puts(&gp, "unset output\n");
	if ((rc = flush_to(dir, "plot.gp", &gp, err)))
		goto out;
	rc = run_gnuplot(dir, err);
out:
	cjd_buf_release(&gp);
	return rc;
}
