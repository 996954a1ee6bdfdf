/* Test driver for the publisher (not part of cjd): publishes hand-built alerts, and benchmarks the publisher alone. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/publish_zmq.h"
#include "zt.h"

static volatile sig_atomic_t stop_flag; /* signal flag: the one kind of global state allowed */

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char usage[] =
	"Usage: zmq_driver pub [--endpoint E]... [--journal FILE] [--journal-max-bytes N]\n"
	"                      [--journal-keep N] [--count N] [--interval-us U] [--host NAME]\n"
	"                      [--cgroup PATH] [--sequence] [--curve-secret F --curve-clients D]\n"
	"                      [--sndhwm N] [--heartbeat]\n"
	"       zmq_driver bench [--n N] [--reps R]\n"
	"\n"
	"pub: prints 'endpoint E' per bound endpoint, then 'ready', then publishes N\n"
	"alerts (0: until SIGTERM/SIGINT), then prints 'done sent=S dropped=D'.\n"
	"--sequence cycles firing, ongoing, resolved; otherwise every alert is ongoing\n"
	"after the first firing. The cgroup name may hold any bytes (hostile names).\n";

static int pub_main(int argc, char **argv)
{
	enum { O_EP = 256, O_J, O_JMAX, O_JKEEP, O_COUNT, O_IVL, O_HOST, O_CG, O_SEQ, O_SECRET,
	       O_CLIENTS, O_HWM, O_HB };
	static const struct option opts[] = {
		{"endpoint", required_argument, NULL, O_EP},
		{"journal", required_argument, NULL, O_J},
		{"journal-max-bytes", required_argument, NULL, O_JMAX},
		{"journal-keep", required_argument, NULL, O_JKEEP},
		{"count", required_argument, NULL, O_COUNT},
		{"interval-us", required_argument, NULL, O_IVL},
		{"host", required_argument, NULL, O_HOST},
		{"cgroup", required_argument, NULL, O_CG},
		{"sequence", no_argument, NULL, O_SEQ},
		{"curve-secret", required_argument, NULL, O_SECRET},
		{"curve-clients", required_argument, NULL, O_CLIENTS},
		{"sndhwm", required_argument, NULL, O_HWM},
		{"heartbeat", no_argument, NULL, O_HB},
		{0}};
	const char *eps[8];
	struct cjd_publisher_config cfg = {.endpoints = eps};
	const char *cgroup = "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	unsigned long count = 0, interval_us = 0;
	bool sequence = false, heartbeat = false;
	struct cjd_publisher *p;
	struct cjd_error err;
	char msg[800];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_EP:
			if (cfg.n_endpoints < 8)
				eps[cfg.n_endpoints++] = optarg;
			break;
		case O_J: cfg.journal_path = optarg; break;
		case O_JMAX: cfg.journal_max_bytes = strtoull(optarg, NULL, 10); break;
		case O_JKEEP: cfg.journal_keep = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_COUNT: count = strtoul(optarg, NULL, 10); break;
		case O_IVL: interval_us = strtoul(optarg, NULL, 10); break;
		case O_HOST: cfg.host_name = optarg; break;
		case O_CG: cgroup = optarg; break;
		case O_SEQ: sequence = true; break;
		case O_SECRET: cfg.curve_secret_file = optarg; break;
		case O_CLIENTS: cfg.curve_clients_dir = optarg; break;
		case O_HWM: cfg.sndhwm = atoi(optarg); break;
		case O_HB: heartbeat = true; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	if (cjd_publisher_new(&p, &cfg, &err)) {
		fprintf(stderr, "zmq_driver: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		return 1;
	}
	for (size_t i = 0; cjd_publisher_endpoint(p, i); i++)
		printf("endpoint %s\n", cjd_publisher_endpoint(p, i));
	printf("ready\n");
	fflush(stdout);
	for (unsigned long i = 0; !stop_flag && (count == 0 || i < count); i++) {
		static const enum cjd_alert_action cycle[] = {CJD_ALERT_FIRING, CJD_ALERT_ONGOING,
							      CJD_ALERT_RESOLVED};
		struct cjd_alert a;
		enum cjd_alert_action act = sequence ? cycle[i % 3]
					    : i == 0 ? CJD_ALERT_FIRING
						     : CJD_ALERT_ONGOING;
		zt_alert(&a, act, cgroup);
		a.time_real_ns = cjd_now_real_ns();
		cjd_publisher_alert(p, &a, NULL);
		if (heartbeat) {
			struct cjd_heartbeat hb = {.mode = CJD_MODE_SOFTWARE,
						   .interval_ns = 200000000,
						   .cgroups_monitored = 2,
						   .model_name = "software-gbdt",
						   .model_version = "1.0.0"};
			cjd_publisher_heartbeat(p, &hb);
		}
		cjd_publisher_tick(p, cjd_now_mono_ns());
		if (interval_us)
			usleep((useconds_t)interval_us);
	}
	struct cjd_publisher_stats st;
	struct cjd_heartbeat last = {.mode = CJD_MODE_SOFTWARE, .stopping = true};
	cjd_publisher_heartbeat(p, &last);
	cjd_publisher_stats(p, &st);
	printf("done sent=%llu dropped=%llu journal_errors=%llu\n", (unsigned long long)st.sent,
	       (unsigned long long)st.dropped, (unsigned long long)st.journal_errors);
	fflush(stdout);
	cjd_publisher_free(p);
	return 0;
}

/* ---- bench ---- */

struct reader {
	void *sock;
	atomic_bool stop;
	unsigned long got;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	char buf[65536];

	while (!atomic_load(&r->stop)) {
		zmq_pollitem_t it = {.socket = r->sock, .events = ZMQ_POLLIN};
		if (zmq_poll(&it, 1, 50) <= 0)
			continue;
		while (zmq_recv(r->sock, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
			r->got++;
	}
	return NULL;
}

enum scenario { S_NONE, S_FAST, S_SLOW, S_SLOW_JOURNAL, S__COUNT };
static const char *const scenario_names[] = {"no subscriber", "one fast subscriber",
					     "one slow subscriber (never reads)",
					     "slow subscriber + journal"};

/* Publishes n alerts in one scenario; returns alerts per second. */
static double bench_once(enum scenario sc, unsigned long n, const char *dir, uint64_t *dropped)
{
	char ep[512], journal[512];
	const char *eps[] = {ep};
	struct cjd_publisher_config cfg = {.endpoints = eps, .n_endpoints = 1, .linger_ms = -1};
	struct cjd_publisher *p;
	struct cjd_error err;
	struct reader rd = {0};
	pthread_t th;
	void *zctx = NULL;
	char cg[] = "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	snprintf(ep, sizeof(ep), "ipc://%s/bench.sock", dir);
	snprintf(journal, sizeof(journal), "%s/alerts.jsonl", dir);
	unlink(journal);
	if (sc == S_SLOW_JOURNAL) {
		cfg.journal_path = journal;
		cfg.journal_max_bytes = 1ull << 30;
	}
	if (cjd_publisher_new(&p, &cfg, &err)) {
		fprintf(stderr, "bench: %s\n", err.text);
		exit(1);
	}
	if (sc != S_NONE) {
		zctx = zmq_ctx_new();
		rd.sock = zt_sub(zctx, ep, "");
		if (sc != S_FAST) {
			int one = 1, small = 4096;
			zmq_setsockopt(rd.sock, ZMQ_RCVHWM, &one, sizeof(one));
			zmq_setsockopt(rd.sock, ZMQ_RCVBUF, &small, sizeof(small));
		}
		/* wait until the subscription has reached the publisher */
		usleep(200000);
		if (sc == S_FAST)
			pthread_create(&th, NULL, read_all, &rd);
	}
	cjd_publisher_tick(p, cjd_now_mono_ns());
	uint64_t t0 = cjd_now_mono_ns();
	for (unsigned long i = 0; i < n; i++) {
		struct cjd_alert a;
		zt_alert(&a, i ? CJD_ALERT_ONGOING : CJD_ALERT_FIRING, cg);
		cjd_publisher_alert(p, &a, NULL);
		if ((i & 1023) == 0)
			cjd_publisher_tick(p, cjd_now_mono_ns());
	}
	uint64_t t1 = cjd_now_mono_ns();
	struct cjd_publisher_stats st;
	cjd_publisher_stats(p, &st);
	*dropped = st.dropped;
	if (sc == S_FAST) {
		atomic_store(&rd.stop, true);
		pthread_join(th, NULL);
	}
	cjd_publisher_free(p);
	if (rd.sock)
		zmq_close(rd.sock);
	if (zctx)
		zmq_ctx_term(zctx);
	return (double)n / ((double)(t1 - t0) / 1e9);
}

static int bench_main(int argc, char **argv)
{
	unsigned long n = 20000, reps = 5;
	double rate[S__COUNT][32];
	uint64_t dropped[S__COUNT] = {0};
	char *dir;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--n"))
			n = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--reps"))
			reps = strtoul(argv[i + 1], NULL, 10);
	}
	if (reps > 32)
		reps = 32;
	dir = zt_tmpdir("bench");
	/* scenarios interleaved in every repetition, so drift affects them alike */
	for (unsigned long r = 0; r < reps; r++)
		for (int s = 0; s < S__COUNT; s++)
			rate[s][r] = bench_once((enum scenario)s, n, dir, &dropped[s]);
	printf("publisher alone: %lu alerts per run, median of %lu runs (ipc transport, %s)\n", n,
	       reps, "serialize + send; journal where said");
	double base = 0;
	for (int s = 0; s < S__COUNT; s++) {
		qsort(rate[s], reps, sizeof(double), cjd_cmp_double);
		double med = rate[s][reps / 2];
		if (s == 0)
			base = med;
		printf("  %-36s %10.0f alerts/s  (%.2fx of no subscriber)  dropped in last run: %llu\n",
		       scenario_names[s], med, med / base, (unsigned long long)dropped[s]);
	}
	zt_rmrf(dir);
	free(dir);
	return 0;
}

int main(int argc, char **argv)
{
	cjd_log_setup(getenv("ZT_DEBUG") ? CJD_LOG_DEBUG : CJD_LOG_INFO, CJD_LOG_TEXT);
	if (argc >= 2 && !strcmp(argv[1], "pub"))
		return pub_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return bench_main(argc - 1, argv + 1);
	fputs(usage, stderr);
	return 2;
}
