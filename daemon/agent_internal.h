/* What the agent's files share: the agent struct and the hooks between them. */
#ifndef CJD_AGENT_INTERNAL_H
#define CJD_AGENT_INTERNAL_H

#include "cjd/actions.h"
#include "cjd/agent.h"
#include "cjd/collector.h"
#include "cjd/detector.h"
#include "cjd/loop.h"
#include "cjd/model.h"
#include "cjd/publish.h"
#include "cjd/strmap.h"

struct cjd_agent {
	struct cjd_agent_options opts;
	struct cjd_config cfg;
	struct cjd_loop *loop;
	struct cjd_collector *collector;
	struct cjd_collector_info info;
	struct cjd_model *model;
	char model_path[4096];
	struct cjd_detector *detector;
	struct cjd_publisher *pub;
	struct cjd_actions *actions;
	/* cgroups acted on during their current firing episode: never act twice */
	struct cjd_strmap *acted;
	/* per-cgroup CPU-seconds at the last metrics message (double bits) */
	struct cjd_strmap *metrics_prev;
	uint64_t start_mono_ns;
	uint64_t samples_at_heartbeat;
	uint64_t heartbeat_mono_ns;
	int timer_pub, timer_metrics, timer_heartbeat;
	bool stopping;
	int exit_code;
};

/* agent_alerts.c: the detector's alert callback (stderr line, publish, actions). */
int cjd_agent_on_alert(const struct cjd_alert *alert, void *ctx);

/* agent_status.c: metrics and heartbeat messages. */
void cjd_agent_publish_metrics(struct cjd_agent *a);
void cjd_agent_publish_heartbeat(struct cjd_agent *a, bool stopping);

/* agent_reload.c: SIGHUP. */
void cjd_agent_reload(struct cjd_agent *a);

/* agent.c: builds detector and actions configs from a cjd_config. */
void cjd_agent_detector_config(const struct cjd_agent *a, const struct cjd_config *cfg,
			       struct cjd_detector_config *dc);
int cjd_agent_actions_new(const struct cjd_config *cfg, struct cjd_actions **out);
int cjd_agent_load_model(const struct cjd_agent *a, const struct cjd_config *cfg,
			 struct cjd_model **m, char *path, size_t len, struct cjd_error *err);

#endif
