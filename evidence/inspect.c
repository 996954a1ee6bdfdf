/* Runs the selected, available probes on one target in turn and gathers their results, JSON and summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/common/time.h"
#include "cjd/evidence/inspect.h"

static const char *const names[CJD_PROBE__COUNT] = {
#define CJD_INSPECT_NAME(name, input, summary) #name,
	CJD_INSPECT_PROBES(CJD_INSPECT_NAME)
#undef CJD_INSPECT_NAME
};

static const char *const summaries[CJD_PROBE__COUNT] = {
#define CJD_INSPECT_SUMMARY(name, input, summary) summary,
	CJD_INSPECT_PROBES(CJD_INSPECT_SUMMARY)
#undef CJD_INSPECT_SUMMARY
};

const char *cjd_inspect_probe_name(enum cjd_inspect_probe p)
{
	return (unsigned)p < CJD_PROBE__COUNT ? names[p] : NULL;
}

const char *cjd_inspect_probe_summary(enum cjd_inspect_probe p)
{
	return (unsigned)p < CJD_PROBE__COUNT ? summaries[p] : NULL;
}

int cjd_inspect_parse_probes(const char *list, unsigned *mask, struct cjd_error *err)
{
	char known[256] = "", *copy, *save = NULL;
	size_t pos = 0;

	*mask = 0;
	for (int p = 0; p < CJD_PROBE__COUNT; p++)
		pos += (size_t)snprintf(known + pos, pos < sizeof(known) ? sizeof(known) - pos : 0,
					"%s%s", p ? ", " : "", names[p]);
	if (!list || !*list)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "empty probe list (known: %s)", known);
	copy = strdup(list);
	if (!copy)
		return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = -1;

		if (!strcmp(tok, "all")) {
			*mask |= (1u << CJD_PROBE__COUNT) - 1;
			continue;
		}
		for (int p = 0; p < CJD_PROBE__COUNT; p++)
			if (!strcmp(tok, names[p]))
				found = p;
		if (found < 0) {
			int rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
					       "unknown probe '%.40s' (known: %s, or all)", tok, known);
			free(copy);
			return rc;
		}
		*mask |= 1u << found;
	}
	free(copy);
	if (!*mask)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "empty probe list (known: %s)", known);
	return 0;
}

static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * CJD_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * The cgroup directory a CGROUP probe watches as a whole, or NULL when it must
 * follow the target's threads instead: for a process target (its own threads,
 * not its cgroup's neighbours), and for a cgroup outside the hierarchy perf_event
 * counts on (a v1 memory or cpu cgroup on a hybrid host: perf cannot open it).
 */
static const char *perf_cgroup(const struct cjd_target *t)
{
	struct cjd_cgroupfs fs;
	struct cjd_error err;
	size_t n;

	if (!t->path[0] || cjd_cgroupfs_find(&fs, NULL, NULL, &err) != 0)
		return NULL;
	n = strlen(fs.path);
	while (n > 1 && fs.path[n - 1] == '/')
		n--;
	if (strncmp(t->path, fs.path, n) || (t->path[n] && t->path[n] != '/'))
		return NULL;
	return t->path;
}

/* why without a leading "<name>: " (probes' messages often start so; we say it once). */
static const char *unnamed(const char *name, const char *why)
{
	size_t n = strlen(name);

	return !strncmp(why, name, n) && why[n] == ':' && why[n + 1] == ' ' ? why + n + 2 : why;
}

/* Appends "name: why" to the list of probes that could not run. */
static void add_reason(char *buf, size_t len, size_t *pos, const char *name, const char *why)
{
	*pos += (size_t)snprintf(buf + *pos, *pos < len ? len - *pos : 0, "%s%s: %s",
				 *pos ? "; " : "", name, unnamed(name, why));
}

/* The calls of one probe, by the kind of input it takes (cg: perf_cgroup(t)). */
#define CJD_INSPECT_CALL_PIDS(name) cjd_##name##_run(t->pids, t->npids, &o.name, &res->name, &perr)
#define CJD_INSPECT_CALL_CGROUP(name)                                                             \
	(cg ? cjd_##name##_run(cg, &o.name, &res->name, &perr)                                     \
	    : cjd_##name##_run_tids(t->tids, t->ntids, &o.name, &res->name, &perr))
#define CJD_INSPECT_AVAIL_PIDS(name) cjd_##name##_available(why, len)
#define CJD_INSPECT_AVAIL_CGROUP(name) cjd_##name##_available(!cg, why, len)

static bool probe_available(enum cjd_inspect_probe p, const char *cg, char *why, size_t len)
{
	(void)cg; /* unused when no CGROUP probe is listed */
	switch (p) {
#define CJD_INSPECT_AVAIL(name, input, summary)                                                   \
	case CJD_PROBE_##name:                                                                     \
		return CJD_INSPECT_AVAIL_##input(name);
		CJD_INSPECT_PROBES(CJD_INSPECT_AVAIL)
#undef CJD_INSPECT_AVAIL
	default:
		return false;
	}
}

int cjd_inspect_run(const struct cjd_target *t, const struct cjd_inspect_opts *opts,
		    struct cjd_inspect_result *res, struct cjd_error *err)
{
	struct cjd_inspect_opts o = opts ? *opts : (struct cjd_inspect_opts){0};
	uint64_t t0 = cjd_now_mono_ns(), c0 = cpu_now_ns();
	const char *cg = perf_cgroup(t);
	char none[1024] = "";
	size_t npos = 0;

	memset(res, 0, sizeof(*res));
	res->target = t;
	if (!o.probes)
		o.probes = (1u << CJD_PROBE__COUNT) - 1;
	if (o.probes >> CJD_PROBE__COUNT)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "inspect: unknown probe bits %#x",
				     o.probes);
	/* the memory probe reads memory.stat of the target's own cgroup when it has one */
	if (!o.memory.cgroup && t->path[0])
		o.memory.cgroup = t->path;
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		struct cjd_inspect_status *s = &res->status[p];
		struct cjd_error perr;
		uint64_t p0, pc0;
		int rc = -ENOSYS;

		if (!(o.probes & (1u << p)))
			continue;
		if (!probe_available((enum cjd_inspect_probe)p, cg, s->why, sizeof(s->why))) {
			s->state = CJD_INSPECT_UNAVAILABLE;
			add_reason(none, sizeof(none), &npos, names[p], s->why);
			continue;
		}
		cjd_error_clear(&perr);
		p0 = cjd_now_mono_ns();
		pc0 = cpu_now_ns();
		switch ((enum cjd_inspect_probe)p) {
#define CJD_INSPECT_RUN(name, input, summary)                                                     \
	case CJD_PROBE_##name:                                                                     \
		rc = CJD_INSPECT_CALL_##input(name);                                               \
		break;
			CJD_INSPECT_PROBES(CJD_INSPECT_RUN)
#undef CJD_INSPECT_RUN
		default:
			break;
		}
		s->elapsed_ns = cjd_now_mono_ns() - p0;
		s->cpu_ns = cpu_now_ns() - pc0;
		s->rc = rc;
		if (rc) {
			char msg[CJD_ERROR_TEXT + 300];
			s->state = CJD_INSPECT_FAILED;
			cjd_error_format(&perr, msg, sizeof(msg));
			snprintf(s->why, sizeof(s->why), "%s", msg[0] ? msg : strerror(-rc));
			add_reason(none, sizeof(none), &npos, names[p], s->why);
			continue;
		}
		s->state = CJD_INSPECT_RAN;
		res->nran++;
	}
	res->elapsed_ns = cjd_now_mono_ns() - t0;
	res->cpu_ns = cpu_now_ns() - c0;
	if (!res->nran)
		return cjd_error_set(err, -ENODATA, NULL, 0, 0, "no probe could run: %s", none);
	return 0;
}

void cjd_inspect_result_free(struct cjd_inspect_result *res)
{
	if (!res)
		return;
#define CJD_INSPECT_FREE(name, input, summary) cjd_##name##_result_free(&res->name);
	CJD_INSPECT_PROBES(CJD_INSPECT_FREE)
#undef CJD_INSPECT_FREE
	memset(res, 0, sizeof(*res));
}

/* The probe's own JSON, or NULL (not selected / unavailable / out of memory). */
static json_t *probe_json(const struct cjd_inspect_result *res, enum cjd_inspect_probe p)
{
	json_t *j = NULL;
	int rc = -ENOSYS;

	if (res->status[p].state != CJD_INSPECT_RAN && res->status[p].state != CJD_INSPECT_FAILED)
		return NULL;
	switch (p) {
#define CJD_INSPECT_JSON(name, input, summary)                                                    \
	case CJD_PROBE_##name:                                                                     \
		rc = cjd_##name##_to_json(&res->name, &j);                                         \
		break;
		CJD_INSPECT_PROBES(CJD_INSPECT_JSON)
#undef CJD_INSPECT_JSON
	default:
		break;
	}
	return rc ? NULL : j;
}

/* The probe's sentence into buf (empty when it did not run). */
static void probe_describe(const struct cjd_inspect_result *res, enum cjd_inspect_probe p,
			   char *buf, size_t len)
{
	const struct cjd_inspect_status *s = &res->status[p];

	buf[0] = '\0';
	switch (s->state) {
	case CJD_INSPECT_UNAVAILABLE:
		snprintf(buf, len, "%s: not available: %s.", names[p], unnamed(names[p], s->why));
		return;
	case CJD_INSPECT_FAILED:
		snprintf(buf, len, "%s: failed: %s.", names[p], unnamed(names[p], s->why));
		return;
	case CJD_INSPECT_RAN:
		break;
	default:
		return;
	}
	size_t n = (size_t)snprintf(buf, len, "%s: ", names[p]);
	if (n >= len)
		return;
	switch (p) {
#define CJD_INSPECT_DESCRIBE(name, input, summary)                                                \
	case CJD_PROBE_##name:                                                                     \
		cjd_##name##_describe(&res->name, buf + n, len - n);                               \
		break;
		CJD_INSPECT_PROBES(CJD_INSPECT_DESCRIBE)
#undef CJD_INSPECT_DESCRIBE
	default:
		break;
	}
}

int cjd_inspect_summary(const struct cjd_inspect_result *res, json_t **out)
{
	json_t *a = json_array();

	*out = NULL;
	if (!a)
		return -ENOMEM;
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		char buf[2048];

		probe_describe(res, (enum cjd_inspect_probe)p, buf, sizeof(buf));
		if (buf[0] && json_array_append_new(a, json_string(buf))) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	*out = a;
	return 0;
}

static json_t *target_json(const struct cjd_target *t)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (t->path[0]) {
		json_object_set_new(o, "cgroup", json_string(t->path));
		json_object_set_new(o, "cgroup_version", json_integer(t->version));
		json_object_set_new(o, "cgroups", json_integer((json_int_t)t->ncgroups));
	} else {
		json_object_set_new(o, "pid", json_integer(t->pid));
		if (t->pid_cgroup[0])
			json_object_set_new(o, "cgroup", json_string(t->pid_cgroup));
	}
	json_object_set_new(o, "processes", json_integer((json_int_t)t->npids));
	json_object_set_new(o, "threads", json_integer((json_int_t)t->ntids));
	return o;
}

static const char *state_name(enum cjd_inspect_state s)
{
	return s == CJD_INSPECT_RAN ? "ok" : s == CJD_INSPECT_FAILED ? "failed" : "unavailable";
}

int cjd_inspect_to_json(const struct cjd_inspect_result *res, json_t **out)
{
	json_t *root = json_object(), *tj = target_json(res->target), *summary = NULL;

	*out = NULL;
	if (!root || !tj || cjd_inspect_summary(res, &summary) != 0)
		goto out_nomem;
	json_object_set_new(root, "target", tj);
	tj = NULL;
	for (int p = 0; p < CJD_PROBE__COUNT; p++) {
		const struct cjd_inspect_status *s = &res->status[p];
		json_t *pj;

		if (s->state == CJD_INSPECT_NOT_SELECTED)
			continue;
		pj = probe_json(res, (enum cjd_inspect_probe)p);
		if (!pj && !(pj = json_object()))
			goto out_nomem;
		json_object_set_new(pj, "status", json_string(state_name(s->state)));
		if (s->why[0])
			json_object_set_new(pj, s->state == CJD_INSPECT_RAN ? "caveat" : "why",
					    json_string(s->why));
		if (s->state != CJD_INSPECT_UNAVAILABLE) {
			json_object_set_new(pj, "probe_elapsed_ns", json_integer((json_int_t)s->elapsed_ns));
			json_object_set_new(pj, "probe_cpu_ns", json_integer((json_int_t)s->cpu_ns));
		}
		json_object_set_new(root, names[p], pj);
	}
	json_object_set_new(root, "summary", summary);
	json_object_set_new(root, "elapsed_ns", json_integer((json_int_t)res->elapsed_ns));
	json_object_set_new(root, "cpu_ns", json_integer((json_int_t)res->cpu_ns));
	*out = root;
	return 0;
out_nomem:
	json_decref(root);
	json_decref(tj);
	json_decref(summary);
	return -ENOMEM;
}
