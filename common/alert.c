/* Names of alert actions, shared by the detector, the serializer and the CLI. */
#include "cjd/common/alert.h"

const char *cjd_alert_action_name(enum cjd_alert_action a)
{
	static const char *const names[CJD_ALERT__COUNT] = {
		[CJD_ALERT_FIRING] = "firing",     [CJD_ALERT_ONGOING] = "ongoing",
		[CJD_ALERT_RESOLVED] = "resolved", [CJD_ALERT_GONE] = "gone",
		[CJD_ALERT_FROZEN] = "frozen",     [CJD_ALERT_THROTTLED] = "throttled",
		[CJD_ALERT_AGG_FIRING] = "aggregate_firing",
		[CJD_ALERT_AGG_ONGOING] = "aggregate_ongoing",
		[CJD_ALERT_AGG_RESOLVED] = "aggregate_resolved",
		[CJD_ALERT_AGG_GONE] = "aggregate_gone",
		[CJD_ALERT_EVIDENCE] = "evidence",
	};

	return (unsigned)a < CJD_ALERT__COUNT ? names[a] : "unknown";
}

bool cjd_alert_action_is_aggregate(enum cjd_alert_action a)
{
	return a >= CJD_ALERT_AGG_FIRING && a <= CJD_ALERT_AGG_GONE;
}
