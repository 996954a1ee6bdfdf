/* `cjd bench replay`: writes a SYNTHETIC trace and model, then times `cjd replay --speed max` on it. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/common/trace_header.h"
#include "cjd/common/trace_reader.h"
#include "cjd/common/trace_writer.h"
#include "cjd/detector/features_table.h"
#include "cli.h"

extern char **environ;

/* Samples round-robin over the cgroups, one timestamp per round, like a collector. */
static int write_trace(const char *path, uint64_t samples, size_t cgroups)
{
	struct cjd_trace_header h;
	struct cjd_trace_writer *w;
	struct cjd_error err;
	char name[64];
	uint64_t rng = 0xC0FFEE, n = 0;
	int rc = 0;

	cjd_trace_header_init(&h, "synthetic");
	snprintf(h.host, sizeof(h.host), "bench-synthetic");
	h.interval_ns = 1000000000ull;
	cjd_trace_header_set_events(&h, CJD_EVMASK_SOFTWARE);
	cjd_trace_header_set_meta(&h, "{\"note\":\"SYNTHETIC trace written by cjd bench replay; "
				      "random counts, not a recording\"}");
	if (cjd_trace_writer_open(&w, path, &h, CJD_TRACE_COMPRESS_NONE, &err)) {
		cjd_trace_header_release(&h);
		return cjd_cli_fail("bench", "%s: %s", path, err.text);
	}
	for (uint64_t t = 1; n < samples; t++) {
		for (size_t c = 0; c < cgroups && n < samples; c++, n++) {
			struct cjd_sample s;
			double busy = c % 8 == 0 ? 0.99 + 0.01 * cjd_xorshift64_unit(&rng) : cjd_xorshift64_unit(&rng);
			snprintf(name, sizeof(name), "/synthetic.slice/app-%04zu.scope", c);
			cjd_sample_clear(&s);
			s.t_ns = t * 1000000000ull;
			s.dt_ns = 1000000000ull;
			s.cgroup = name;
			s.label = c % 8 == 0 ? "miner/synthetic" : "benign/synthetic";
			s.events = CJD_EVMASK_SOFTWARE;
			s.count[CJD_EV_TASK_CLOCK] = (uint64_t)(busy * 1e9);
			s.count[CJD_EV_CONTEXT_SWITCHES] = cjd_xorshift64(&rng) % 200;
			s.count[CJD_EV_CPU_MIGRATIONS] = cjd_xorshift64(&rng) % 10;
			s.count[CJD_EV_PAGE_FAULTS] = cjd_xorshift64(&rng) % 100;
			s.count[CJD_EV_SYSCALLS] = cjd_xorshift64(&rng) % 5000;
			if (cjd_trace_writer_write(w, &s, &err)) {
				rc = cjd_cli_fail("bench", "%s: %s", path, err.text);
				goto out;
			}
		}
	}
out:
	if (cjd_trace_writer_close(w, &err) && !rc)
		rc = cjd_cli_fail("bench", "%s: %s", path, err.text);
	cjd_trace_header_release(&h);
	return rc;
}

/* A random threshold in the range a feature of the software set takes. */
static double threshold_for(const char *name, uint64_t *rng)
{
	if (strstr(name, ".ac1"))
		return 2 * cjd_xorshift64_unit(rng) - 1;
	if (strstr(name, ".cv"))
		return 2 * cjd_xorshift64_unit(rng);
	if (!strncmp(name, "cpu_util", 8))
		return cjd_xorshift64_unit(rng);
	return 5000 * cjd_xorshift64_unit(rng);
}

/* A SYNTHETIC gbdt of complete trees over every software feature: cost only. */
static int write_model(const char *path, size_t trees, unsigned depth)
{
	FILE *f = fopen(path, "we");
	int feat[CJD_FEATURES_MAX], nf = 0;
	uint64_t rng = 4242;

	if (!f)
		return cjd_cli_fail("bench", "%s: %s", path, strerror(errno));
	for (size_t i = 0; i < cjd_feature_count(); i++)
		if ((cjd_feature_events(i) & ~CJD_EVMASK_SOFTWARE) == 0)
			feat[nf++] = (int)i;
	fprintf(f, "{\"format\":\"cjd-model\",\"schema_version\":1,\"name\":\"synthetic-speed-only\","
		   "\"version\":\"0\",\"description\":\"SYNTHETIC random gbdt for cjd bench replay: "
		   "it measures cost, it detects nothing\",\"kind\":\"gbdt\",\"window\":8,"
		   "\"events\":[\"task-clock\",\"context-switches\",\"cpu-migrations\","
		   "\"page-faults\",\"syscalls\"],\"features\":[");
	for (int j = 0; j < nf; j++)
		fprintf(f, "%s{\"name\":\"%s\",\"norm\":\"none\"}", j ? "," : "",
			cjd_feature_name((size_t)feat[j]));
	/* base_score -8 keeps it quiet, as a real model is on benign load: the
	 * replay's cost is then detection, not printing thousands of alerts. */
	fprintf(f, "],\"threshold\":0.9,\"threshold_low\":0.7,\"gbdt\":{\"base_score\":-8,"
		   "\"trees\":[");
	size_t inner = ((size_t)1 << depth) - 1, leaves = (size_t)1 << depth;
	for (size_t t = 0; t < trees; t++) {
		fprintf(f, "%s{\"nodes\":[", t ? "," : "");
		for (size_t k = 0; k < inner; k++) {
			int j = (int)(cjd_xorshift64(&rng) % (uint64_t)nf);
			fprintf(f, "%s{\"feature\":%d,\"threshold\":%.6g,\"left\":%zu,\"right\":%zu}",
				k ? "," : "", j, threshold_for(cjd_feature_name((size_t)feat[j]), &rng),
				2 * k + 1, 2 * k + 2);
		}
		for (size_t k = 0; k < leaves; k++)
			fprintf(f, ",{\"leaf\":%.4f}", cjd_xorshift64_unit(&rng) - 0.5);
		fprintf(f, "]}");
	}
	fprintf(f, "]}}\n");
	if (fclose(f))
		return cjd_cli_fail("bench", "%s: %s", path, strerror(errno));
	return 0;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The trace reader alone: parse and validate every line (CPU seconds). */
static int parse_only(const char *path, uint64_t *n, double *seconds)
{
	struct cjd_trace_reader *r;
	struct cjd_error err;
	struct cjd_sample s;
	int rc;

	double t0 = thread_cpu_s();
	if (cjd_trace_reader_open(&r, path, &err))
		return cjd_cli_fail("bench", "%s: %s", path, err.text);
	*n = 0;
	while ((rc = cjd_trace_reader_next(r, &s, &err)) > 0)
		(*n)++;
	cjd_trace_reader_free(r);
	*seconds = thread_cpu_s() - t0;
	return rc < 0 ? cjd_cli_fail("bench", "%s: %s", path, err.text) : 0;
}

/* Runs this binary's `replay --speed max`; returns wall and CPU seconds. */
static int run_replay(const char *model, const char *trace, double *wall, double *cpu)
{
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	pid_t pid;
	int st, rc;

	if (len <= 0)
		return cjd_cli_fail("bench", "cannot find my own binary: %s", strerror(errno));
	self[len] = '\0';
	/* As a user runs it: summary included (its stderr, like the alerts, is discarded). */
	char *argv[] = {"cjd", "replay", "--speed", "max", "--model", (char *)model, (char *)trace,
			NULL};
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	uint64_t t0 = cjd_now_mono_ns();
	rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return cjd_cli_fail("bench", "spawn %s: %s", self, strerror(rc));
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return cjd_cli_fail("bench", "wait: %s", strerror(errno));
	*wall = (double)(cjd_now_mono_ns() - t0) / 1e9;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return cjd_cli_fail("bench", "cjd replay failed (status %d)", st);
	return 0;
}

int bench_replay(const struct bench_opts *o)
{
	char dir[256], trace[320], model[320];
	double *parse = NULL, *wall = NULL, *cpu = NULL;
	uint64_t n = 0;
	struct stat st;
	int rc;

	if (o->keep) {
		snprintf(dir, sizeof(dir), "%s", o->keep);
		if (mkdir(dir, 0755) && errno != EEXIST)
			return cjd_cli_fail("bench", "%s: %s", dir, strerror(errno));
	} else {
		snprintf(dir, sizeof(dir), "/tmp/cjd-bench-replay-%d-XXXXXX", (int)getpid());
		if (!mkdtemp(dir))
			return cjd_cli_fail("bench", "mkdtemp: %s", strerror(errno));
	}
	snprintf(trace, sizeof(trace), "%s/synthetic.cjdt", dir);
	snprintf(model, sizeof(model), "%s/synthetic-gbdt.json", dir);
	if (!o->json)
		fprintf(stderr, "writing a synthetic trace of %llu samples over %zu cgroups in %s...\n",
			(unsigned long long)o->samples, o->cgroups, dir);
	if ((rc = write_trace(trace, o->samples, o->cgroups)))
		goto out_clean;
	if (!o->model && (rc = write_model(model, o->trees, o->depth)))
		goto out_clean;
	const char *m = o->model ? o->model : model;
	parse = calloc(o->reps, sizeof(double));
	wall = calloc(o->reps, sizeof(double));
	cpu = calloc(o->reps, sizeof(double));
	if (!parse || !wall || !cpu) {
		rc = cjd_cli_fail("bench", "out of memory");
		goto out_clean;
	}
	for (unsigned r = 0; r < o->reps; r++) {
		double s = 0;
		if ((rc = parse_only(trace, &n, &s)) || (rc = run_replay(m, trace, &wall[r], &cpu[r])))
			goto out_clean;
		parse[r] = (double)n / s;
		wall[r] = (double)n / wall[r];
		cpu[r] = (double)n / cpu[r];
	}
	stat(trace, &st);
	double p = cjd_median(parse, o->reps), w = cjd_median(wall, o->reps), c = cjd_median(cpu, o->reps);
	if (o->json) {
		struct cjd_jw jw;
		char *text;

		cjd_jw_init(&jw, 0);
		cjd_jw_obj(&jw, NULL);
		cjd_jw_str(&jw, "subject", "replay");
		cjd_jw_bool(&jw, "synthetic_trace", true);
		cjd_jw_u64(&jw, "samples", n);
		cjd_jw_u64(&jw, "cgroups", o->cgroups);
		cjd_jw_i64(&jw, "trace_bytes", (int64_t)st.st_size);
		cjd_jw_str(&jw, "model", o->model ? o->model : "synthetic gbdt");
		cjd_jw_u64(&jw, "reps", o->reps);
		bench_json_whole(&jw, "reader_samples_per_cpu_s", p);
		bench_json_whole(&jw, "replay_samples_per_s", w);
		bench_json_whole(&jw, "replay_samples_per_cpu_s", c);
		cjd_jw_end(&jw, '}');
		if ((rc = cjd_jw_take(&jw, &text, NULL)))
			goto out_clean;
		puts(text);
		free(text);
	} else {
		printf("\nreplay: SYNTHETIC trace, %llu samples over %zu cgroups (%.1f MiB), model "
		       "%s, median of %u\n",
		       (unsigned long long)n, o->cgroups, (double)st.st_size / 1048576.0,
		       o->model ? o->model : "synthetic gbdt 100 x 6 (speed only)", o->reps);
		printf("  trace reader alone (parse + validate)   %12.0f samples per CPU-second\n", p);
		printf("  cjd replay --speed max (whole process)  %12.0f samples per CPU-second, "
		       "%.0f samples/s wall\n",
		       c, w);
		printf("  parsing is about %.0f%% of the replay's CPU time\n", 100.0 * c / p);
	}
	rc = 0;
out_clean:
	free(parse);
	free(wall);
	free(cpu);
	if (!o->keep) {
		unlink(trace);
		unlink(model);
		rmdir(dir);
	}
	return rc;
}
