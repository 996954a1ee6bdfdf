/* The alert state machine of one cgroup; pure logic over scores and sample time, so it is tested alone. */
#include <string.h>

#include "alert_state_internal.h"

const char *cjd_astate_name(enum cjd_astate s)
{
	static const char *const names[] = {"idle", "suspect", "firing", "resolved"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void to_quiet(struct cjd_alert_state *s, enum cjd_astate to)
{
	s->state = to;
	s->above = 0;
	s->below = 0;
}

/* Within the hold-down after a resolve: a new run may not fire yet. Sample time
 * that went backwards (a new trace on the same lane) ends the hold-down. */
static bool held_down(const struct cjd_alert_state *s, const struct cjd_alert_params *p,
		      uint64_t t_ns)
{
	return p->holddown_ns && s->resolved && t_ns >= s->resolved_t_ns &&
	       t_ns - s->resolved_t_ns < p->holddown_ns;
}

enum cjd_alert_step cjd_alert_state_step(struct cjd_alert_state *s,
					 const struct cjd_alert_params *p, float score,
					 uint64_t t_ns, uint64_t cpu_ns)
{
	bool hot = score >= p->threshold;

	if (s->allowlisted)
		return CJD_STEP_NONE;
	switch (s->state) {
	case CJD_AS_IDLE:
	case CJD_AS_RESOLVED:
		if (!hot)
			return CJD_STEP_NONE;
		s->state = CJD_AS_SUSPECT;
		s->above = 0;
		s->windows = 0;
		s->windows_flagged = 0;
		/* This window is the first of the suspect run. */
		__attribute__((fallthrough));
	case CJD_AS_SUSPECT:
		s->windows++;
		if (!hot) {
			/* Back to where it came from: a cgroup that fired once stays "resolved". */
			to_quiet(s, s->alerts_fired ? CJD_AS_RESOLVED : CJD_AS_IDLE);
			return CJD_STEP_NONE;
		}
		s->windows_flagged++;
		if (++s->above < p->fire_windows)
			return CJD_STEP_NONE;
		if (held_down(s, p, t_ns)) {
			/* counted once per run: a long flagged run is one held re-firing */
			if (s->above == p->fire_windows)
				s->held++;
			return CJD_STEP_NONE;
		}
		s->state = CJD_AS_FIRING;
		s->below = 0;
		s->fired_t_ns = t_ns;
		s->last_emit_t_ns = t_ns;
		s->cpu_ns = cpu_ns;
		s->alerts_fired++;
		s->by_evidence = false;
		return CJD_STEP_FIRING;
	case CJD_AS_FIRING:
		s->windows++;
		s->cpu_ns += cpu_ns;
		if (hot)
			s->windows_flagged++;
		if (score < p->threshold_low && !s->pinned) {
			if (++s->below >= p->resolve_windows) {
				to_quiet(s, CJD_AS_RESOLVED);
				s->resolved = true;
				s->resolved_t_ns = t_ns;
				s->held = 0;
				return CJD_STEP_RESOLVED;
			}
		} else {
			s->below = 0;
		}
		if (t_ns >= s->last_emit_t_ns && t_ns - s->last_emit_t_ns >= p->ongoing_ns) {
			s->last_emit_t_ns = t_ns;
			return CJD_STEP_ONGOING;
		}
		return CJD_STEP_NONE;
	}
	return CJD_STEP_NONE;
}

enum cjd_alert_step cjd_alert_state_evidence(struct cjd_alert_state *s, bool mining,
					     uint64_t t_ns)
{
	s->pinned = mining && !s->allowlisted;
	if (!s->pinned || s->state == CJD_AS_FIRING)
		return CJD_STEP_NONE;
	s->state = CJD_AS_FIRING;
	s->above = 0;
	s->below = 0;
	s->windows = 0;
	s->windows_flagged = 0;
	s->fired_t_ns = t_ns;
	s->last_emit_t_ns = t_ns;
	s->cpu_ns = 0;
	s->alerts_fired++;
	s->by_evidence = true;
	return CJD_STEP_FIRING;
}

void cjd_alert_state_charge(struct cjd_alert_state *s, uint64_t cpu_ns)
{
	if (s->state == CJD_AS_FIRING)
		s->cpu_ns += cpu_ns;
}

void cjd_alert_state_gap(struct cjd_alert_state *s)
{
	if (s->state == CJD_AS_SUSPECT)
		to_quiet(s, s->alerts_fired ? CJD_AS_RESOLVED : CJD_AS_IDLE);
	s->above = 0;
	s->below = 0;
}

bool cjd_alert_state_gone(struct cjd_alert_state *s)
{
	bool firing = s->state == CJD_AS_FIRING;
	bool allow = s->allowlisted;
	uint32_t fired = s->alerts_fired;

	memset(s, 0, sizeof(*s));
	s->allowlisted = allow;
	s->alerts_fired = fired;
	return firing;
}
