/* Benchmark (not a test): what the metrics exposition costs the agent's loop (update pass, snapshot) and the server thread (rendering), per cgroup count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/text.h"
#include "cjd/metrics/registry.h"
#include "cjd/metrics/render.h"

#define REPS 9

/* This thread's CPU time in seconds: what the work costs one core, whatever else runs. */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run(size_t n)
{
	struct cjd_metrics_registry_config c = {.stale_after_ns = 1, .max_cgroups = n};
	struct cjd_metrics_registry *r;
	struct cjd_identity id = {.resolved = true};
	double pass[REPS], snap[REPS], om[REPS], text[REPS];
	size_t om_len = 0, text_len = 0;
	char (*cg)[200] = calloc(n, sizeof(*cg));

	if (!cg || cjd_metrics_registry_new(&r, &c))
		return 1;
	/* Kubernetes-sized labels: systemd-driver pod paths, a full set of names */
	for (size_t i = 0; i < n; i++)
		snprintf(cg[i], sizeof(cg[i]),
			 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%08zx.slice/"
			 "cri-containerd-%056zx.scope", i & 0xffffffffu, i);
	snprintf(id.name, sizeof(id.name), "web-frontend");
	snprintf(id.image, sizeof(id.image), "registry.example/team/web");
	snprintf(id.image_tag, sizeof(id.image_tag), "1.25.3");
	snprintf(id.pod_name, sizeof(id.pod_name), "web-frontend-7c9d8f6b5-x2kqz");
	snprintf(id.namespace, sizeof(id.namespace), "production");
	for (int k = 0; k < REPS; k++) {
		struct cjd_metrics_snapshot *s;
		char *out;
		double t0 = cpu_now();
		cjd_metrics_registry_begin(r, (uint64_t)k);
		for (size_t i = 0; i < n; i++) {
			struct cjd_metrics m = {.cgroup = cg[i], .identity = &id, .state = "idle",
						.has_score = true, .score = 0.1234567f,
						.cpu_seconds_total = (double)i * 1.5 + k,
						.cost_usd_total = (double)i * 1e-5};
			cjd_metrics_registry_cgroup(r, &m, (uint64_t)k);
		}
		cjd_metrics_registry_end(r, (uint64_t)k);
		double t1 = cpu_now();
		if (cjd_metrics_registry_snapshot(r, &s))
			return 1;
		double t2 = cpu_now();
		if (cjd_metrics_render(s, CJD_OM_OPENMETRICS, &out, &om_len))
			return 1;
		free(out);
		double t3 = cpu_now();
		if (cjd_metrics_render(s, CJD_OM_PROMETHEUS_TEXT, &out, &text_len))
			return 1;
		free(out);
		double t4 = cpu_now();
		cjd_metrics_snapshot_unref(s);
		pass[k] = t1 - t0;
		snap[k] = t2 - t1;
		om[k] = t3 - t2;
		text[k] = t4 - t3;
	}
	printf("  %6zu  %9.2f  %11.2f  %9.2f  %9.2f  %8.2f\n", n, cjd_median(pass, REPS) * 1e3,
	       cjd_median(snap, REPS) * 1e3, cjd_median(om, REPS) * 1e3,
	       cjd_median(text, REPS) * 1e3, (double)om_len / 1e6);
	(void)text_len;
	cjd_metrics_registry_free(r);
	free(cg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("Usage: metrics_bench N...\n"
		       "For N cgroups with Kubernetes-sized labels, the median over %d runs of this\n"
		       "thread's CPU time for: a metrics update pass and a snapshot (the agent's loop),\n"
		       "rendering OpenMetrics and the text format (the HTTP server's thread).\n",
		       REPS);
		return argc < 2;
	}
	printf("  %6s  %9s  %11s  %9s  %9s  %8s\n", "cgroups", "pass ms", "snapshot ms", "OM ms",
	       "text ms", "OM MB");
	for (int i = 1; i < argc; i++)
		if (run((size_t)strtoul(argv[i], NULL, 10)))
			return 1;
	return 0;
}
