/* The start-up banner's evidence lines: which probes can run here, and why not. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/common/log.h"
#include "cjd/common/time.h"
#include "cjd/evidence/inspect.h"

/* Whether probe p can run here; why gets the reason or a caveat. Cgroup-wide mode for codesample. */
static bool available(enum cjd_inspect_probe p, char *why, size_t len)
{
	why[0] = '\0';
	switch (p) {
	case CJD_PROBE_fpstate:
		return cjd_fpstate_available(why, len);
	case CJD_PROBE_codesample:
		return cjd_codesample_available(false, why, len);
	case CJD_PROBE_network:
		return cjd_network_available(why, len);
	case CJD_PROBE_memory:
		return cjd_memory_available(why, len);
	case CJD_PROBE_stratum:
		return cjd_stratum_available(why, len);
	default:
		return false;
	}
}

void cjd_agent_evidence_banner(const struct cjd_agent *a)
{
	char iv[32], mp[32], sw[32];
	unsigned suspect = 0, sweep = 0;
	struct cjd_error err;

	if (!cjd_pipeline_evidence_on(a->pipe)) {
		cjd_info("evidence: off (%s): no probe runs; alerts carry no cjd.evidence",
			 a->cfg.evidence_enabled ? "not in this mode" : "evidence.enabled=false");
		return;
	}
	cjd_inspect_parse_probes(a->cfg.evidence_probes, &suspect, &err);
	cjd_inspect_parse_probes(a->cfg.sweep_probes, &sweep, &err);
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		char why[640];
		unsigned bit = 1u << p;
		bool ok = available((enum cjd_inspect_probe)p, why, sizeof(why));
		const char *name = cjd_inspect_probe_name((enum cjd_inspect_probe)p);
		if (!((suspect ? suspect : ~0u) & bit) && !((sweep ? sweep : ~0u) & bit)) {
			cjd_info("evidence: %s: not configured (evidence.probes, evidence.sweep_probes)",
				 name);
			continue;
		}
		if (ok)
			cjd_info("evidence: %s available%s%s", name, why[0] ? ": " : "", why);
		else
			cjd_warn("evidence: %s unavailable: %s", name, why);
	}
	cjd_info("evidence: suspects (score >= %s for %u windows) get %s, again after %s; "
		 "sweep every %s of cgroups using >= %.2f CPUs: %s; require %s; budget %.1f%% of "
		 "one CPU, pauses capped at %s",
		 isnan(a->cfg.suspect_threshold) ? "half the threshold" : "evidence.suspect_threshold",
		 a->cfg.suspect_windows, a->cfg.evidence_probes,
		 cjd_duration_format(a->cfg.reinspect_ns, iv, sizeof(iv)),
		 a->cfg.sweep_ns ? cjd_duration_format(a->cfg.sweep_ns, sw, sizeof(sw)) : "(off)",
		 a->cfg.sweep_min_cpu, a->cfg.sweep_probes, a->cfg.evidence_require,
		 a->cfg.evidence_cpu_budget * 100,
		 cjd_duration_format(a->cfg.evidence_max_pause_ns, mp, sizeof(mp)));
}
