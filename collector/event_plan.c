/* Splits the events into perf groups that fit the PMU's counters, keeping ratio pairs together. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * Events that must share a group because the detector divides one by the
 * other. `instructions` is not listed: it is the anchor and joins every
 * hardware group, which covers IPC (cycles / instructions) and every "per
 * kilo-instruction" rate (branches, L1D and LLC misses).
 */
static const enum cjd_event units[][2] = {
	{CJD_EV_CYCLES, CJD_EV__COUNT},
	{CJD_EV_BRANCHES, CJD_EV_BRANCH_MISSES},
	{CJD_EV_CACHE_REFERENCES, CJD_EV_CACHE_MISSES},
	{CJD_EV_L1D_LOAD_MISSES, CJD_EV__COUNT},
	{CJD_EV_LLC_LOAD_MISSES, CJD_EV__COUNT},
};

/* Generic counters an event takes: Intel's fixed counters hold instructions
 * and cycles for free, unless the NMI watchdog already sits on fixed cycles. */
static int cost(enum cjd_event ev, const struct cjd_pmu_caps *caps)
{
	if (caps->fixed >= 2 && ev == CJD_EV_INSTRUCTIONS)
		return 0;
	if (caps->fixed >= 2 && ev == CJD_EV_CYCLES && !caps->watchdog)
		return 0;
	return 1;
}

static void group_add(struct cjd_plan_group *g, enum cjd_event ev)
{
	g->ev[g->n++] = ev;
}

/* Registry order inside a group keeps plans deterministic; the first is the leader. */
static void group_sort(struct cjd_plan_group *g)
{
	for (unsigned i = 1; i < g->n; i++)
		for (unsigned j = i; j > 0 && g->ev[j - 1] > g->ev[j]; j--) {
			enum cjd_event t = g->ev[j];
			g->ev[j] = g->ev[j - 1];
			g->ev[j - 1] = t;
		}
}

static int plan_hardware(struct cjd_plan *p, cjd_event_mask hw, const struct cjd_pmu_caps *caps,
			 char *why, size_t len)
{
	int capacity = caps->generic > 0 ? caps->generic : 4;
	int used[CJD_PLAN_MAX_GROUPS] = {0};
	struct {
		enum cjd_event ev[2];
		int n, cost;
	} u[CJD_EV__COUNT];
	int nu = 0, acost = 0;
	unsigned first = p->ngroups;
	cjd_event_mask placed = 0;

	/* On AMD the watchdog takes one of the generic counters. */
	if (caps->watchdog && caps->fixed == 0)
		capacity--;
	if (hw & CJD_EVMASK(CJD_EV_INSTRUCTIONS)) {
		p->anchor = CJD_EV_INSTRUCTIONS;
		acost = cost(CJD_EV_INSTRUCTIONS, caps);
		placed |= CJD_EVMASK(CJD_EV_INSTRUCTIONS);
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int n = 0, c = 0;
		for (int k = 0; k < 2; k++)
			if (units[i][k] != CJD_EV__COUNT && (hw & CJD_EVMASK(units[i][k]))) {
				u[nu].ev[n++] = units[i][k];
				c += cost(units[i][k], caps);
				placed |= CJD_EVMASK(units[i][k]);
			}
		if (n) {
			u[nu].n = n;
			u[nu++].cost = c;
		}
	}
	/* Hardware events outside every pair (none today) go alone. */
	for (int ev = 0; ev < CJD_EV__COUNT; ev++)
		if ((hw & ~placed) & CJD_EVMASK(ev)) {
			u[nu].ev[0] = (enum cjd_event)ev;
			u[nu].n = 1;
			u[nu++].cost = cost((enum cjd_event)ev, caps);
		}
	/* First fit, biggest units first (stable), so pairs claim whole groups early. */
	for (int i = 1; i < nu; i++)
		for (int j = i; j > 0 && u[j - 1].cost < u[j].cost; j--) {
			__typeof__(u[0]) t = u[j];
			u[j] = u[j - 1];
			u[j - 1] = t;
		}
	if (nu == 0 && p->anchor >= 0) {
		group_add(&p->g[p->ngroups++], CJD_EV_INSTRUCTIONS);
		return 0;
	}
	for (int i = 0; i < nu; i++) {
		unsigned g;
		if (acost + u[i].cost > capacity) {
			snprintf(why, len,
				 "%s%s%s needs %d counters%s, but the %s PMU has %d per group",
				 cjd_event_info(u[i].ev[0])->name, u[i].n > 1 ? " + " : "",
				 u[i].n > 1 ? cjd_event_info(u[i].ev[1])->name : "",
				 u[i].cost, acost ? " with instructions" : "",
				 caps->name[0] ? caps->name : "core", capacity);
			return -E2BIG;
		}
		for (g = first; g < p->ngroups; g++)
			if (used[g] + u[i].cost <= capacity)
				break;
		if (g == p->ngroups) {
			if (p->ngroups >= CJD_PLAN_MAX_GROUPS)
				return -E2BIG;
			p->ngroups++;
			used[g] = acost;
			if (p->anchor >= 0)
				group_add(&p->g[g], CJD_EV_INSTRUCTIONS);
		}
		for (int k = 0; k < u[i].n; k++)
			group_add(&p->g[g], u[i].ev[k]);
		used[g] += u[i].cost;
	}
	return 0;
}

int cjd_plan_build(struct cjd_plan *p, cjd_event_mask mask, const struct cjd_pmu_caps *caps,
		   const struct perf_event_attr attrs[CJD_EV__COUNT], char *why, size_t len)
{
	cjd_event_mask hw = 0, sw = 0;
	int rc;

	p->mask = mask;
	p->ngroups = 0;
	p->anchor = -1;
	memset(p->g, 0, sizeof(p->g));
	if (why && len)
		why[0] = '\0';
	for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
		if (!(mask & CJD_EVMASK(ev)))
			continue;
		if (cjd_event_info((enum cjd_event)ev)->kind == CJD_EVK_HARDWARE)
			hw |= CJD_EVMASK(ev);
		else
			sw |= CJD_EVMASK(ev);
	}
	if (hw && (rc = plan_hardware(p, hw, caps, why, len)) != 0)
		return rc;
	/* Software events and tracepoints never compete for PMU counters: one group. */
	if (sw) {
		struct cjd_plan_group *g = &p->g[p->ngroups++];
		for (int ev = 0; ev < CJD_EV__COUNT; ev++)
			if (sw & CJD_EVMASK(ev))
				group_add(g, (enum cjd_event)ev);
	}
	for (unsigned gi = 0; gi < p->ngroups; gi++) {
		struct cjd_plan_group *g = &p->g[gi];
		group_sort(g);
		g->anchor_pos = -1;
		for (unsigned k = 0; k < g->n; k++) {
			g->attr[k] = attrs[g->ev[k]];
			g->attr[k].size = sizeof(g->attr[k]);
			g->attr[k].read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
						 PERF_FORMAT_TOTAL_TIME_RUNNING;
			/* Leader disabled, members enabled: one ioctl on the leader starts all. */
			g->attr[k].disabled = k == 0;
			g->attr[k].inherit = 0; /* cgroup events cannot inherit */
			if (p->anchor >= 0 && g->ev[k] == (enum cjd_event)p->anchor)
				g->anchor_pos = (int)k;
		}
	}
	return 0;
}

unsigned cjd_plan_fds_per_cpu(const struct cjd_plan *p)
{
	unsigned n = 0;

	for (unsigned g = 0; g < p->ngroups; g++)
		n += p->g[g].n;
	return n;
}
