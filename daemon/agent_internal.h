/* What the agent's files share: the agent struct. */
#ifndef CJD_AGENT_INTERNAL_H
#define CJD_AGENT_INTERNAL_H

#include <stdatomic.h>

#include "cjd/collector/collector.h"
#include "cjd/common/loop.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/pipeline.h"
#include "cjd/daemon/sdnotify.h"
#include "cjd/daemon/source.h"
#include "cjd/metrics/http.h"
#include "cjd/metrics/registry.h"

struct cjd_agent {
	struct cjd_agent_options opts;
	struct cjd_config cfg; /* the pipeline borrows it */
	struct cjd_source *src;          /* the collector and the loop */
	struct cjd_loop *loop;           /* borrowed from src */
	struct cjd_collector *collector; /* borrowed from src */
	struct cjd_collector_info info;
	struct cjd_pipeline *pipe;
	uint64_t start_mono_ns;
	uint64_t samples_at_heartbeat;
	uint64_t heartbeat_mono_ns;
	/* systemd (agent_notify.c): NULL when not started with a $NOTIFY_SOCKET */
	struct cjd_sdnotify *notify;
	uint64_t watchdog_ns;          /* WatchdogSec= as $WATCHDOG_USEC; 0: no watchdog */
	uint64_t housekeeping_mono_ns; /* last publisher housekeeping, for the watchdog */
	bool watchdog_withheld;        /* a part is stale: pings stopped (logged once) */
	bool notify_failing;           /* a notification failed (logged once) */
	bool ready_sent;               /* READY=1 went out once (later ones follow reloads) */
	/* metrics (agent_metrics.c): both NULL when metrics.listen is off */
	struct cjd_metrics_registry *metrics;
	struct cjd_metrics_http *http;
	/* what /healthz and /readyz read on the server's thread, stored by the loop */
	atomic_uint_fast64_t progress_tick_ns;         /* the collector's last tick (its clock) */
	atomic_uint_fast64_t progress_housekeeping_ns; /* housekeeping_mono_ns */
	atomic_int readiness;                          /* enum cjd_agent_readiness */
};

/* agent_evidence.c: the banner's lines on the evidence probes (after privileges are dropped). */
void cjd_agent_evidence_banner(const struct cjd_agent *a);

enum cjd_agent_readiness { CJD_AGENT_STARTING = 0, CJD_AGENT_READY, CJD_AGENT_STOPPING };

/* agent_reload.c: SIGHUP. */
void cjd_agent_reload(struct cjd_agent *a);

/*
 * agent_notify.c: systemd's Type=notify protocol. _start connects to
 * $NOTIFY_SOCKET (a failure is logged, never fatal) and, under WatchdogSec=,
 * adds a loop timer that sends WATCHDOG=1 every half period while the
 * collector and the publisher make progress. Returns 0 or the loop's error.
 * The others send READY=1 (with STATUS=), STATUS=, RELOADING=1 and STOPPING=1;
 * all are no-ops outside systemd.
 */
int cjd_agent_notify_start(struct cjd_agent *a);
void cjd_agent_notify_ready(struct cjd_agent *a);
void cjd_agent_notify_status(struct cjd_agent *a);
void cjd_agent_notify_reloading(struct cjd_agent *a);
void cjd_agent_notify_stopping(struct cjd_agent *a);
void cjd_agent_notify_free(struct cjd_agent *a);

/*
 * agent_metrics.c: the pull side (cjd_metrics). _new makes the registry the
 * pipeline feeds (before the pipeline; nothing when metrics.listen is off),
 * _serve starts the HTTP server and publishes the first snapshot, _agent
 * refreshes the agent-wide values (heartbeat), _publish hands a new snapshot
 * to the server when anything changed (housekeeping), _progress and
 * _readiness feed /healthz and /readyz, _reconfigure applies a reload,
 * _free stops the server (before the collector it reads is freed).
 * Each returns 0, or a negative errno with err saying why.
 */
int cjd_agent_metrics_new(struct cjd_agent *a, struct cjd_error *err);
int cjd_agent_metrics_serve(struct cjd_agent *a, struct cjd_error *err);
void cjd_agent_metrics_agent(struct cjd_agent *a, double samples_per_s);
void cjd_agent_metrics_publish(struct cjd_agent *a);
void cjd_agent_metrics_progress(struct cjd_agent *a);
void cjd_agent_metrics_readiness(struct cjd_agent *a, enum cjd_agent_readiness r);
void cjd_agent_metrics_reconfigure(struct cjd_agent *a, const struct cjd_config *old_cfg);
void cjd_agent_metrics_free(struct cjd_agent *a);

#endif
