/* What the agent's files share: the agent struct. */
#ifndef CJD_AGENT_INTERNAL_H
#define CJD_AGENT_INTERNAL_H

#include "cjd/collector/collector.h"
#include "cjd/common/loop.h"
#include "cjd/daemon/agent.h"
#include "cjd/daemon/pipeline.h"

struct cjd_agent {
	struct cjd_agent_options opts;
	struct cjd_config cfg; /* the pipeline borrows it */
	struct cjd_loop *loop;
	struct cjd_collector *collector;
	struct cjd_collector_info info;
	struct cjd_pipeline *pipe;
	uint64_t start_mono_ns;
	uint64_t samples_at_heartbeat;
	uint64_t heartbeat_mono_ns;
	int exit_code;
};

/* agent_reload.c: SIGHUP. */
void cjd_agent_reload(struct cjd_agent *a);

#endif
