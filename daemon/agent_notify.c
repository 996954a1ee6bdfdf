/* The agent under systemd (Type=notify): READY/STATUS/RELOADING/STOPPING, and watchdog pings only while its parts make progress. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent_internal.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/daemon/health.h"
#include "cjd/detector/model_predict.h"

static void notify(struct cjd_agent *a, const char *state)
{
	int rc = cjd_sdnotify_send(a->notify, state);

	/* systemd restarting or gone: say it once per failing streak, keep running */
	if (rc && !a->notify_failing)
		cjd_warn("systemd notification to %s failed: %s", cjd_sdnotify_name(a->notify),
			 strerror(-rc));
	a->notify_failing = rc != 0;
}

/* "STATUS=software mode, 14 cgroups (0 unmonitored), model sw-default 2026.11.26, every 1s" */
static void status_line(struct cjd_agent *a, char *buf, size_t len)
{
	struct cjd_collector_stats st;
	char iv[32];
	const char *path;
	const struct cjd_model *m = cjd_pipeline_model(a->pipe, a->info.mode, &path);

	cjd_collector_stats(a->collector, &st);
	snprintf(buf, len, "STATUS=%s mode, %zu cgroups (%zu unmonitored), model %s %s, every %s",
		 cjd_mode_name(a->info.mode), st.monitored, st.unmonitored,
		 m ? cjd_model_name(m) : "(none)", m ? cjd_model_version(m) : "",
		 cjd_duration_format(a->info.interval_ns, iv, sizeof(iv)));
}

/*
 * The watchdog's judgement is the agent's one health rule (daemon/health.c),
 * the same /healthz applies. A loop that is wedged runs no timer at all, this
 * one included, so it stops pinging anyway.
 */
static bool healthy(struct cjd_agent *a, char *why, size_t len)
{
	struct cjd_collector_stats st;

	cjd_collector_stats(a->collector, &st);
	struct cjd_health_input in = {
		.collector_now_ns = cjd_collector_now(a->collector),
		.last_tick_ns = st.last_tick_ns,
		.interval_ns = a->info.interval_ns,
		.mono_now_ns = cjd_now_mono_ns(),
		.housekeeping_mono_ns = a->housekeeping_mono_ns,
	};
	return cjd_health_check(&in, why, len);
}

static void on_watchdog(struct cjd_loop *l, uint64_t exp, void *ctx)
{
	struct cjd_agent *a = ctx;
	char why[160];

	(void)l;
	(void)exp;
	if (!healthy(a, why, sizeof(why))) {
		/* systemd kills and restarts the unit when the pings stop (Restart=) */
		if (!a->watchdog_withheld)
			cjd_err("watchdog: withholding the ping to systemd: %s", why);
		a->watchdog_withheld = true;
		return;
	}
	if (a->watchdog_withheld)
		cjd_info("watchdog: healthy again, pinging systemd");
	a->watchdog_withheld = false;
	notify(a, "WATCHDOG=1");
}

int cjd_agent_notify_start(struct cjd_agent *a)
{
	int rc = cjd_sdnotify_new(&a->notify);

	a->housekeeping_mono_ns = cjd_now_mono_ns();
	if (rc) {
		cjd_warn("NOTIFY_SOCKET is unusable (%s): systemd will not hear that cjd is ready",
			 strerror(-rc));
		return 0;
	}
	if (!a->notify)
		return 0;
	a->watchdog_ns = cjd_sdnotify_watchdog_ns();
	if (!a->watchdog_ns)
		return 0;
	/* sd_watchdog_enabled(3): ping at half the period */
	rc = cjd_loop_add_timer(a->loop, a->watchdog_ns / 2, on_watchdog, a);
	return rc < 0 ? rc : 0;
}

void cjd_agent_notify_ready(struct cjd_agent *a)
{
	char status[512];

	if (!a->notify)
		return;
	status_line(a, status, sizeof(status));
	char msg[600];
	snprintf(msg, sizeof(msg), "READY=1\n%s", status);
	notify(a, msg);
	if (!a->ready_sent) {
		char iv[32];
		if (a->watchdog_ns)
			cjd_info("systemd: told ready; watchdog pings every %s",
				 cjd_duration_format(a->watchdog_ns / 2, iv, sizeof(iv)));
		else
			cjd_info("systemd: told ready (no watchdog)");
	}
	a->ready_sent = true;
}

void cjd_agent_notify_status(struct cjd_agent *a)
{
	char status[512];

	if (!a->notify)
		return;
	status_line(a, status, sizeof(status));
	notify(a, status);
}

void cjd_agent_notify_reloading(struct cjd_agent *a)
{
	struct timespec ts;
	char msg[96];

	if (!a->notify)
		return;
	/* MONOTONIC_USEC lets systemd (>= 253, Type=notify-reload) match this to its SIGHUP */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		 (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	notify(a, msg);
}

void cjd_agent_notify_stopping(struct cjd_agent *a)
{
	notify(a, "STOPPING=1\nSTATUS=stopping");
}

void cjd_agent_notify_free(struct cjd_agent *a)
{
	cjd_sdnotify_free(a->notify);
	a->notify = NULL;
}
