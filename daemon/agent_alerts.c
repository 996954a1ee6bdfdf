/* The agent's alert path: publish (journal first), a readable line on stderr, and response actions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/log.h"

/* Logs the alert for an operator watching stderr (or the journal of systemd). */
static void log_alert(const struct cjd_alert *al)
{
	char line[768];

	cjd_alert_summary(al, line, sizeof(line));
	cjd_log(al->action == CJD_ALERT_FIRING || al->action == CJD_ALERT_FROZEN ||
				al->action == CJD_ALERT_THROTTLED
			? CJD_LOG_WARN
			: CJD_LOG_INFO,
		"%s", line);
}

static void publish(struct cjd_agent *a, struct cjd_alert *al)
{
	int rc = cjd_publisher_alert(a->pub, al, NULL);

	/* journal trouble is logged and flagged by the publisher; the alert went out */
	if (rc == -ENOMEM || rc == -EINVAL)
		cjd_err("alert for %s could not be serialized: %s", al->cgroup, strerror(-rc));
	log_alert(al);
}

/*
 * At most one action per firing episode of a cgroup: the first alert of the
 * episode whose score reaches actions.min_score. A failure is reported as an
 * alert with its reason and never retried until the cgroup resolves and
 * fires again.
 */
static void maybe_act(struct cjd_agent *a, const struct cjd_alert *al)
{
	struct cjd_action_result res;
	uint64_t *seen;

	if (!a->actions || cjd_strmap_get(a->acted, al->cgroup))
		return;
	cjd_actions_apply(a->actions, al->cgroup, al->score, &res);
	if (res.outcome == CJD_ACT_SKIPPED)
		return; /* below min_score: a later, higher-scoring alert may still act */
	if (cjd_strmap_upsert(a->acted, al->cgroup, &seen) < 0)
		cjd_warn("out of memory remembering the action on %s", al->cgroup);

	struct cjd_alert act = *al;
	act.id[0] = '\0';
	act.action = a->cfg.action == CJD_ACTION_FREEZE ? CJD_ALERT_FROZEN : CJD_ALERT_THROTTLED;
	act.action_rc = res.rc;
	act.action_detail = res.detail;
	act.time_real_ns = 0;
	if (res.outcome != CJD_ACT_DONE)
		cjd_err("%s %s failed: %s", a->cfg.action == CJD_ACTION_FREEZE ? "freezing" :
			"throttling", al->cgroup, res.detail);
	publish(a, &act);
}

int cjd_agent_on_alert(const struct cjd_alert *alert, void *ctx)
{
	struct cjd_agent *a = ctx;
	struct cjd_alert copy = *alert;

	publish(a, &copy);
	switch (alert->action) {
	case CJD_ALERT_FIRING:
	case CJD_ALERT_ONGOING:
		maybe_act(a, &copy);
		break;
	case CJD_ALERT_RESOLVED:
	case CJD_ALERT_GONE:
		cjd_strmap_remove(a->acted, alert->cgroup);
		break;
	default:
		break;
	}
	return 0;
}
