/* `cjd run`: the all-in-one agent with embedded defaults; flags override the optional config file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/daemon/agent.h"
#include "cjd/metrics/http.h"
#include "cli.h"
#include "options.h"

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
	"check its health, over HTTP on " CJD_METRICS_DEFAULT_LISTEN " unless told otherwise.\n";

static const char tail[] =
	"Signals: SIGHUP reloads the configuration and the model (an invalid new one is\n"
	"rejected and the old one keeps running); SIGTERM or SIGINT stop cleanly, flushing\n"
	"the journal and publishing a last heartbeat with \"stopping\".\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 runtime failure (no permission to count, an\n"
	"endpoint in use, ...), 2 usage or configuration error.\n";

enum { O_KEEP = 1, O_FG, O_SYSLOG_TLS, O_NO_EV };

static const struct cjd_cli_opt run_opts[] = {
	{"syslog-tls", 0, NULL,
	 "the syslog receiver over TLS (RFC 5425): --syslog-transport tls", O_SYSLOG_TLS, true},
	{"keep-privileges", 0, NULL, "do not drop capabilities after start-up", O_KEEP, true},
	{"no-evidence", 0, NULL,
	 "run no evidence probe and drop the capabilities they need (CAP_SYS_PTRACE, ...): "
	 "evidence.enabled false",
	 O_NO_EV, true},
	{"foreground", 0, NULL,
	 "run in the foreground (the default and only way; use systemd, a container or nohup to "
	 "detach)",
	 O_FG, true},
};

static const char *const run_sections[] = {"collector", "detector", "publish", "journal",
					   "outputs", "actions", "evidence", "log", "metrics", NULL};

struct run_ctx {
	struct cjd_agent_options *ao;
	bool syslog_tls;
	bool no_evidence;
};

static int run_option(void *ctx, int id, const char *arg)
{
	struct run_ctx *rc = ctx;

	(void)arg;
	if (id == O_KEEP)
		rc->ao->drop_privileges = false;
	else if (id == O_SYSLOG_TLS)
		rc->syslog_tls = true;
	else if (id == O_NO_EV)
		rc->no_evidence = true;
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

/*
 * `cjd --log-level debug run` must win over the file's log keys, like every
 * option does: the global options go in as the first overrides.
 */
static void global_log_options(struct cjd_cli_args *args)
{
	enum cjd_log_level lvl;
	enum cjd_log_format fmt;
	size_t n = 0;
	struct cjd_override ov[2];

	cjd_log_get(&lvl, &fmt);
	if (lvl != CJD_LOG_INFO)
		ov[n++] = (struct cjd_override){"log.level", cjd_log_level_name(lvl), true};
	if (fmt != CJD_LOG_TEXT)
		ov[n++] = (struct cjd_override){"log.format", cjd_log_format_name(fmt), true};
	if (!n || args->n_ov + n > CJD_CLI_MAX_OVERRIDES)
		return;
	memmove(args->ov + n, args->ov, args->n_ov * sizeof(*args->ov));
	memcpy(args->ov, ov, n * sizeof(*ov));
	args->n_ov += n;
}

int cmd_run(int argc, char **argv)
{
	struct cjd_cli_model_dirs md;
	const char *const *model_dirs = cjd_cli_model_dirs(&md);
	struct cjd_cli_args *args = malloc(sizeof(*args));
	struct cjd_agent_options ao = {
		.config_path = CJD_CONFIG_DEFAULT_PATH,
		.model_dirs = model_dirs,
		.n_model_dirs = md.n,
		.drop_privileges = true,
	};
	struct run_ctx ctx = {.ao = &ao};
	const struct cjd_cli_spec spec = {
		.cmd = "run",
		.usage = usage,
		.heading = "Options (each overrides the configuration file; docs/config.md has every "
			   "key):",
		.tail = tail,
		.config = "configuration file (default " CJD_CONFIG_DEFAULT_PATH " if it exists)",
		.own = run_opts,
		.n_own = CJD_ARRAY_SIZE(run_opts),
		.sections = run_sections,
		.handle = run_option,
		.ctx = &ctx,
	};
	struct cjd_agent *agent = NULL;
	struct cjd_error err;
	int rc;
	/* fds inherited from the parent, so the exit check below counts only ours */
	static bool inherited[FD_TRACK];

	if (!args)
		return cjd_cli_fail("run", "out of memory");
	open_fds(inherited, NULL, 0);
	if ((rc = cjd_cli_parse(&spec, argc, argv, args)))
		goto out;
	if (args->config_path) {
		ao.config_path = args->config_path;
		ao.config_required = true;
	}
	global_log_options(args);
	if (ctx.syslog_tls && args->n_ov < CJD_CLI_MAX_OVERRIDES)
		args->ov[args->n_ov++] = (struct cjd_override){"outputs.syslog.transport", "tls", true};
	if (ctx.no_evidence && args->n_ov < CJD_CLI_MAX_OVERRIDES)
		args->ov[args->n_ov++] = (struct cjd_override){"evidence.enabled", "false", true};
	ao.overrides = args->ov;
	ao.n_overrides = args->n_ov;
	if ((rc = cjd_cli_report("run", cjd_agent_new(&agent, &ao, &err), &err)))
		goto out;
	rc = cjd_cli_exit_code(cjd_agent_run(agent));
	cjd_agent_free(agent);
	{
		/* every fd the agent opened is closed by now; tests read this line */
		char list[512];
		int n = open_fds(inherited, list, sizeof(list));
		cjd_debug("file descriptors left open at exit: %d%s", n, list);
	}
out:
	free(args);
	return rc == CJD_CLI_HELP ? CJD_EXIT_OK : rc;
}
