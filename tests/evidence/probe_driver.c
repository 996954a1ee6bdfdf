/* Runs one evidence probe on a cgroup or on pids and prints its JSON, its words and its own CPU time: for debugging and bench/evidence-probes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cjd/evidence/codesample.h"
#include "cjd/evidence/network.h"

/*
 * Usage: evidence_probe codesample CGROUP_DIR [SECONDS [PERIOD_US]]
 *        evidence_probe codesample-tids TID... 
 *        evidence_probe network PID...
 * Prints {"probe":..., "result":..., "describe":..., "cpu_s":..., "wall_s":...}.
 * Until `cjd inspect` lands this is how the probes are run by hand.
 */

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct cjd_error err = {0};
	char text[1200];
	json_t *res = NULL, *out;
	double c0 = cpu_s(), w0 = wall_s();
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s codesample CGROUP_DIR [SECONDS [PERIOD_US]] | codesample-tids TID... | "
				"network PID...\n", argv[0]);
		return 2;
	}
	if (!strncmp(argv[1], "codesample", 10)) {
		struct cjd_codesample_result r;
		struct cjd_codesample_opts o = {0};
		if (!strcmp(argv[1], "codesample")) {
			if (argc > 3)
				o.duration_ns = (uint64_t)(atof(argv[3]) * 1e9);
			if (argc > 4)
				o.period_ns = (uint64_t)atoi(argv[4]) * 1000;
			rc = cjd_codesample_run(argv[2], &o, &r, &err);
		} else {
			pid_t tids[256];
			int n = 0;
			for (int i = 2; i < argc && n < 256; i++)
				tids[n++] = atoi(argv[i]);
			rc = cjd_codesample_run_tids(tids, (size_t)n, &o, &r, &err);
		}
		if (!rc) {
			cjd_codesample_to_json(&r, &res);
			cjd_codesample_describe(&r, text, sizeof(text));
		}
		cjd_codesample_result_free(&r);
	} else if (!strcmp(argv[1], "network")) {
		struct cjd_network_result r;
		pid_t pids[256];
		int n = 0;
		for (int i = 2; i < argc && n < 256; i++)
			pids[n++] = atoi(argv[i]);
		rc = cjd_network_run(pids, (size_t)n, NULL, &r, &err);
		if (!rc) {
			cjd_network_to_json(&r, &res);
			cjd_network_describe(&r, text, sizeof(text));
		}
		cjd_network_result_free(&r);
	} else {
		fprintf(stderr, "%s: unknown probe '%s'\n", argv[0], argv[1]);
		return 2;
	}
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", argv[1], err.file, err.text);
		return 1;
	}
	out = json_pack("{s:s, s:o, s:s, s:f, s:f}", "probe", argv[1], "result", res, "describe", text,
			"cpu_s", cpu_s() - c0, "wall_s", wall_s() - w0);
	json_dumpf(out, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(out);
	return 0;
}
