/* `cjd run`: the all-in-one agent with embedded defaults; flags override the optional config file. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/daemon/agent.h"
#include "cjd/metrics/http.h"
#include "cli.h"

static const char usage[] =
	"Usage: cjd run [OPTIONS]\n"
	"\n"
	"Runs the agent in the foreground: counts each cgroup's events, extracts features,\n"
	"scores every window with the model, and publishes alerts over ZeroMQ, to the\n"
	"journal, and as a readable line on stderr. It needs no configuration file: every\n"
	"setting has an embedded default (`cjd config --defaults`). Hardware mode is used\n"
	"where the PMU counts per cgroup, software mode otherwise; the start-up banner\n"
	"says which and why, and the model is picked to match (hw-default / sw-default).\n"
	"System calls are counted through the raw_syscalls:sys_enter tracepoint: when\n"
	"nothing has mounted tracefs, cjd mounts it at /sys/kernel/tracing before it\n"
	"drops privileges (as perf does; it stays mounted). Where that fails (no\n"
	"CAP_SYS_ADMIN, a container), it runs with sw-nosyscalls, the software model\n"
	"trained without them, and the banner says why. The banner also names the cgroup\n"
	"layout found (cgroup v2, hybrid, v1; systemd-managed; the container driver).\n"
	"Prometheus scrapes its per-cgroup CPU-seconds, cost, scores and states, and probes\n"
	"check its health, over HTTP on " CJD_METRICS_DEFAULT_LISTEN " unless told otherwise.\n"
	"\n"
	"Options (each overrides the configuration file; docs/config.md has every key):\n"
	"  -c, --config FILE        configuration file (default " CJD_CONFIG_DEFAULT_PATH
	" if it exists)\n"
	"  -i, --interval DURATION  sampling interval, e.g. 200ms or 1s (collector.interval)\n"
	"      --cgroup GLOB        monitor cgroups matching GLOB (repeatable; default: every\n"
	"                           leaf cgroup with processes)\n"
	"      --exclude GLOB       never monitor cgroups matching GLOB (repeatable)\n"
	"      --events SPEC        auto, hardware, software, or a comma list of events\n"
	"      --cgroup-root DIR    the cgroup hierarchy to watch (default: discover it)\n"
	"  -m, --model FILE         model file (default: by mode, from the model directory)\n"
	"      --threshold X        score that flags a window (default: the model's)\n"
	"      --allowlist ENTRY    workloads that never alert nor get acted on (repeatable):\n"
	"                           a cgroup glob, or image:GLOB, container:GLOB,\n"
	"                           namespace:GLOB, pod:GLOB (docs/config.md, Allowlist)\n"
	"  -p, --publish ENDPOINT   ZeroMQ endpoint to bind (repeatable; replaces the defaults\n"
	"                           tcp://127.0.0.1:5556 and ipc:///run/cjd/alerts.sock)\n"
	"  -j, --journal FILE       alert journal (default /var/lib/cjd/alerts.jsonl;\n"
	"                           \"\" turns it off)\n"
	"      --curve-secret FILE  publish with CURVE using this secret key (cjd keygen)\n"
	"      --curve-clients DIR  authorised subscriber public keys\n"
	"      --http URL           also POST each alert to URL (outputs.http.url; body,\n"
	"                           token, TLS and queue: outputs.http.* in the file)\n"
	"      --http-format FORMAT ecs (default), falcosidekick or splunk-hec\n"
	"      --syslog-remote HOST:PORT  also send each alert to a syslog receiver over TCP\n"
	"                           (RFC 5424, octet counting; outputs.syslog.remote)\n"
	"      --syslog-tls         ... over TLS (RFC 5425; outputs.syslog.transport tls)\n"
	"      --metrics-listen ADDR\n"
	"                           serve /metrics (Prometheus), /healthz and /readyz on ADDR:\n"
	"                           IPv4:PORT or [IPv6]:PORT (default " CJD_METRICS_DEFAULT_LISTEN "),\n"
	"                           or off (metrics.listen; docs/metrics.md)\n"
	"      --action ACTION      alert (default), freeze or throttle firing cgroups\n"
	"      --action-min-score X act only on alerts scoring at least X (default 0.95)\n"
	"      --throttle-quota \"QUOTA PERIOD\"  cpu.max for throttle (default \"10000 100000\")\n"
	"      --no-evidence        run no evidence probe (evidence.enabled=false) and drop\n"
	"                           the capabilities they need (CAP_SYS_PTRACE, ...)\n"
	"      --evidence-require R none (default), any or mining-specific: the evidence a\n"
	"                           firing alert needs to be published (evidence.require)\n"
	"      --keep-privileges    do not drop capabilities after start-up\n"
	"      --log-level LEVEL    error, warn, info (default) or debug\n"
	"      --log-format FORMAT  text (default) or json\n"
	"      --foreground         run in the foreground (the default and only way; use\n"
	"                           systemd, a container or nohup to detach)\n"
	"  -h, --help               show this help\n"
	"\n"
	"Signals: SIGHUP reloads the configuration and the model (an invalid new one is\n"
	"rejected and the old one keeps running); SIGTERM or SIGINT stop cleanly, flushing\n"
	"the journal and publishing a last heartbeat with \"stopping\".\n"
	"\n"
	"Evidence (docs/evidence.md): a cgroup whose windows score at or above\n"
	"evidence.suspect_threshold for evidence.suspect_windows windows is inspected by\n"
	"the probes of `cjd inspect` on a worker thread, within evidence.cpu_budget of one\n"
	"CPU; every evidence.sweep_every, busy cgroups get the cheap probes (fpstate,\n"
	"network) even when screening does not flag them. Alerts carry what was found in\n"
	"cjd.evidence and their severity follows it; mining-specific evidence fires an\n"
	"alert by itself; evidence found after an alert went out comes as alert.evidence.\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure (no permission to count, an\n"
	"endpoint in use, ...), 2 usage or configuration error.\n";

#define MAX_OVERRIDES 256

struct run_args {
	struct cjd_override ov[MAX_OVERRIDES];
	size_t n;
	bool published; /* the first --publish replaces the defaults */
};

static int add(struct run_args *r, const char *key, const char *value, bool replace)
{
	if (r->n == MAX_OVERRIDES)
		return cjd_cli_usage_error("run", "too many options");
	r->ov[r->n++] = (struct cjd_override){key, value, replace};
	return 0;
}

#define FD_TRACK 4096

/* Marks the fds open now (beyond stdin/out/err) in seen[]; returns how many. */
static int open_fds(bool *seen, char *list, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	size_t pos = 0;
	int n = 0;

	if (list && len)
		list[0] = '\0';
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d) || fd >= FD_TRACK)
			continue;
		if (list) {
			if (seen[fd])
				continue; /* inherited: not ours to close */
			n++;
			if (pos + 16 < len)
				pos += (size_t)snprintf(list + pos, len - pos, " %d", fd);
		} else {
			seen[fd] = true;
			n++;
		}
	}
	closedir(d);
	return n;
}

int cmd_run(int argc, char **argv)
{
	enum { O_CGROUP = 256, O_EXCLUDE, O_EVENTS, O_ROOT, O_THR, O_ALLOW, O_CURVE_S, O_CURVE_C,
	       O_ACTION, O_MIN_SCORE, O_QUOTA, O_KEEP, O_LEVEL, O_FORMAT, O_FG, O_HTTP,
	       O_HTTP_FORMAT, O_SYSLOG_REMOTE, O_SYSLOG_TLS, O_METRICS, O_NO_EV, O_EV_REQ };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"interval", required_argument, NULL, 'i'},
		{"cgroup", required_argument, NULL, O_CGROUP},
		{"exclude", required_argument, NULL, O_EXCLUDE},
		{"events", required_argument, NULL, O_EVENTS},
		{"cgroup-root", required_argument, NULL, O_ROOT},
		{"model", required_argument, NULL, 'm'},
		{"threshold", required_argument, NULL, O_THR},
		{"allowlist", required_argument, NULL, O_ALLOW},
		{"publish", required_argument, NULL, 'p'},
		{"journal", required_argument, NULL, 'j'},
		{"curve-secret", required_argument, NULL, O_CURVE_S},
		{"curve-clients", required_argument, NULL, O_CURVE_C},
		{"http", required_argument, NULL, O_HTTP},
		{"http-format", required_argument, NULL, O_HTTP_FORMAT},
		{"syslog-remote", required_argument, NULL, O_SYSLOG_REMOTE},
		{"syslog-tls", no_argument, NULL, O_SYSLOG_TLS},
		{"metrics-listen", required_argument, NULL, O_METRICS},
		{"action", required_argument, NULL, O_ACTION},
		{"action-min-score", required_argument, NULL, O_MIN_SCORE},
		{"throttle-quota", required_argument, NULL, O_QUOTA},
		{"keep-privileges", no_argument, NULL, O_KEEP},
		{"no-evidence", no_argument, NULL, O_NO_EV},
		{"evidence-require", required_argument, NULL, O_EV_REQ},
		{"log-level", required_argument, NULL, O_LEVEL},
		{"log-format", required_argument, NULL, O_FORMAT},
		{"foreground", no_argument, NULL, O_FG},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct cjd_cli_model_dirs md;
	const char *const *model_dirs = cjd_cli_model_dirs(&md);
	struct run_args *r = calloc(1, sizeof(*r));
	struct cjd_agent_options ao = {
		.config_path = CJD_CONFIG_DEFAULT_PATH,
		.model_dirs = model_dirs,
		.n_model_dirs = md.n,
		.drop_privileges = true,
	};
	struct cjd_agent *agent = NULL;
	struct cjd_error err;
	int c, rc = 0;
	/* fds inherited from the parent, so the exit check below counts only ours */
	static bool inherited[FD_TRACK];

	if (!r)
		return cjd_cli_fail("run", "out of memory");
	open_fds(inherited, NULL, 0);
	{
		/* `cjd --log-level debug run` must win over the file's log keys, like
		 * every flag does: carry the global options in as the first overrides */
		enum cjd_log_level lvl;
		enum cjd_log_format fmt;
		cjd_log_get(&lvl, &fmt);
		if (lvl != CJD_LOG_INFO)
			add(r, "log.level", cjd_log_level_name(lvl), true);
		if (fmt != CJD_LOG_TEXT)
			add(r, "log.format", cjd_log_format_name(fmt), true);
	}
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "c:i:m:p:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ao.config_path = optarg;
			ao.config_required = true;
			break;
		case 'i': rc = add(r, "collector.interval", optarg, true); break;
		case O_CGROUP: rc = add(r, "collector.include", optarg, false); break;
		case O_EXCLUDE: rc = add(r, "collector.exclude", optarg, false); break;
		case O_EVENTS: rc = add(r, "collector.events", optarg, true); break;
		case O_ROOT: rc = add(r, "collector.cgroup_root", optarg, true); break;
		case 'm': rc = add(r, "detector.model", optarg, true); break;
		case O_THR: rc = add(r, "detector.threshold", optarg, true); break;
		case O_ALLOW: rc = add(r, "detector.allowlist", optarg, false); break;
		case 'p':
			rc = add(r, "publish.endpoints", optarg, !r->published);
			r->published = true;
			break;
		case 'j': rc = add(r, "journal.path", optarg[0] ? optarg : NULL, true); break;
		case O_CURVE_S: rc = add(r, "publish.curve_secret", optarg, true); break;
		case O_CURVE_C: rc = add(r, "publish.curve_clients", optarg, true); break;
		case O_HTTP: rc = add(r, "outputs.http.url", optarg, true); break;
		case O_HTTP_FORMAT: rc = add(r, "outputs.http.format", optarg, true); break;
		case O_SYSLOG_REMOTE: rc = add(r, "outputs.syslog.remote", optarg, true); break;
		case O_SYSLOG_TLS: rc = add(r, "outputs.syslog.transport", "tls", true); break;
		case O_METRICS: rc = add(r, "metrics.listen", optarg, true); break;
		case O_ACTION: rc = add(r, "actions.action", optarg, true); break;
		case O_MIN_SCORE: rc = add(r, "actions.min_score", optarg, true); break;
		case O_QUOTA: rc = add(r, "actions.throttle_quota", optarg, true); break;
		case O_KEEP: ao.drop_privileges = false; break;
		case O_NO_EV: rc = add(r, "evidence.enabled", "false", true); break;
		case O_EV_REQ: rc = add(r, "evidence.require", optarg, true); break;
		case O_LEVEL: rc = add(r, "log.level", optarg, true); break;
		case O_FORMAT: rc = add(r, "log.format", optarg, true); break;
		case O_FG: break;
		case 'h':
			fputs(usage, stdout);
			free(r);
			return CJD_EXIT_OK;
		default: rc = cjd_cli_bad_option("run", argv, "c:i:m:p:j:h"); break;
		}
	}
	if (rc)
		goto out;
	if (optind < argc) {
		rc = cjd_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	ao.overrides = r->ov;
	ao.n_overrides = r->n;
	rc = cjd_agent_new(&agent, &ao, &err);
	if (rc) {
		char msg[1024];
		fprintf(stderr, "cjd run: %s\n", cjd_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	rc = cjd_agent_run(agent);
	cjd_agent_free(agent);
	agent = NULL;
	{
		/* every fd the agent opened is closed by now; tests read this line */
		char list[512];
		int n = open_fds(inherited, list, sizeof(list));
		cjd_debug("file descriptors left open at exit: %d%s", n, list);
	}
out:
	cjd_agent_free(agent);
	free(r);
	return rc;
}
