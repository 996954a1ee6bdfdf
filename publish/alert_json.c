/* The alert serializer: struct cjd_alert + context -> one ECS JSON line of schema cjd.alert/1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjd/publish/alert_json.h"
#include "cjd/publish/alert_procs.h"
#include "publish_internal.h"

/* MITRE ATT&CK: Impact / Resource Hijacking, the technique a miner is. */
#define TACTIC_ID "TA0040"
#define TACTIC_NAME "Impact"
#define TECHNIQUE_ID "T1496"
#define TECHNIQUE_NAME "Resource Hijacking"
#define TECHNIQUE_REF "https://attack.mitre.org/techniques/T1496/"

static void threat(struct cjd_jw *w)
{
	static const char *const tactic_id[] = {TACTIC_ID}, *const tactic_name[] = {TACTIC_NAME};
	static const char *const tech_id[] = {TECHNIQUE_ID}, *const tech_name[] = {TECHNIQUE_NAME};
	static const char *const tech_ref[] = {TECHNIQUE_REF};

	cjd_jw_obj(w, "threat");
	cjd_jw_str(w, "framework", "MITRE ATT&CK");
	/* ECS declares these as arrays: an event may map to several */
	cjd_jw_obj(w, "tactic");
	cjd_jw_strs(w, "id", tactic_id, 1);
	cjd_jw_strs(w, "name", tactic_name, 1);
	cjd_jw_end(w, '}');
	cjd_jw_obj(w, "technique");
	cjd_jw_strs(w, "id", tech_id, 1);
	cjd_jw_strs(w, "name", tech_name, 1);
	cjd_jw_strs(w, "reference", tech_ref, 1);
	cjd_jw_end(w, '}');
	cjd_jw_end(w, '}');
}

/*
 * ECS rule.*, for SIEM rules to key on: one rule per model and topic.
 * rule.id is stable across model versions ("cjd:sw-default:alert.firing";
 * model names hold no ':'), rule.version says which version decided.
 */
static void rule(struct cjd_jw *w, const struct cjd_alert *a)
{
	const char *model = a->model_name && a->model_name[0] ? a->model_name : NULL;
	const char *action = cjd_alert_action_name(a->action);
	char name[200], id[200];

	snprintf(name, sizeof(name), "cjd cryptomining: %s%s%s", model ? model : "",
		 model ? " " : "", cjd_mode_name(a->mode));
	snprintf(id, sizeof(id), "cjd:%s%salert.%s", model ? model : "", model ? ":" : "", action);
	cjd_jw_obj(w, "rule");
	cjd_jw_str(w, "name", name);
	cjd_jw_str(w, "id", id);
	cjd_jw_str(w, "ruleset", "cjd");
	if (a->model_version && a->model_version[0])
		cjd_jw_str(w, "version", a->model_version);
	cjd_jw_end(w, '}');
}

static void processes(struct cjd_jw *w, const struct cjd_alert_context *ctx)
{
	cjd_jw_arr(w, "processes");
	for (size_t i = 0; i < ctx->n_procs; i++) {
		const struct cjd_process *p = &ctx->procs[i];
		cjd_jw_obj(w, NULL);
		cjd_jw_i64(w, "pid", p->pid);
		cjd_jw_str(w, "comm", p->comm);
		cjd_jw_str(w, "exe", p->exe);
		cjd_jw_str(w, "cmdline", p->cmdline);
		cjd_jw_end(w, '}');
	}
	cjd_jw_end(w, ']');
	cjd_jw_u64(w, "processes_total", ctx->procs_total);
}

/* cjd.aggregate: the group an aggregate alert is about, and its members. */
static void aggregate(struct cjd_jw *w, const struct cjd_alert_group *g)
{
	cjd_jw_obj(w, "aggregate");
	cjd_jw_str(w, "kind", g->kind);
	cjd_jw_str(w, "key", g->key ? g->key : "");
	cjd_jw_str(w, "id", g->id ? g->id : "");
	cjd_jw_u64(w, "members_total", g->members_total);
	if (g->members_with_evidence)
		cjd_jw_u64(w, "members_with_evidence", g->members_with_evidence);
	cjd_jw_arr(w, "members");
	for (uint32_t i = 0; i < g->n_members && i < CJD_ALERT_MAX_MEMBERS; i++) {
		const struct cjd_alert_member *m = &g->members[i];
		cjd_jw_obj(w, NULL);
		cjd_jw_str(w, "cgroup", m->cgroup);
		if ((m->container_id && m->container_id[0]) || (m->name && m->name[0]) ||
		    (m->image && m->image[0])) {
			cjd_jw_obj(w, "container");
			if (m->container_id && m->container_id[0])
				cjd_jw_str(w, "id", m->container_id);
			if (m->name && m->name[0])
				cjd_jw_str(w, "name", m->name);
			if (m->image && m->image[0])
				cjd_jw_str(w, "image", m->image);
			cjd_jw_end(w, '}');
		}
		cjd_jw_str(w, "state", m->state ? m->state : "idle");
		if (m->scored)
			cjd_jw_float(w, "score", m->score);
		if (m->evidence)
			cjd_jw_bool(w, "evidence", true);
		cjd_jw_end(w, '}');
	}
	cjd_jw_end(w, ']');
	cjd_jw_end(w, '}');
}

/* cjd.evidence: the inspection and the verdict (docs/alerts.md, "cjd.evidence"). */
static void evidence(struct cjd_jw *w, const struct cjd_alert *a)
{
	const struct cjd_alert_evidence *e = a->evidence;

	cjd_jw_obj(w, "evidence");
	cjd_jw_str(w, "status", e->status ? e->status : "not inspected");
	if (a->by_evidence)
		cjd_jw_bool(w, "fired_on_evidence", true);
	if (e->kind)
		cjd_jw_str(w, "inspection", e->kind);
	if (e->level) {
		cjd_jw_obj(w, "verdict");
		cjd_jw_double(w, "score", e->score);
		cjd_jw_str(w, "level", e->level);
		cjd_jw_bool(w, "mining_specific", e->mining_specific);
		if (e->model)
			cjd_jw_str(w, "model", e->model);
		cjd_jw_end(w, '}');
		cjd_jw_arr(w, "findings");
		for (size_t i = 0; i < e->n_findings; i++) {
			cjd_jw_obj(w, NULL);
			cjd_jw_str(w, "probe", e->findings[i].probe ? e->findings[i].probe : "");
			cjd_jw_str(w, "finding", e->findings[i].text ? e->findings[i].text : "");
			cjd_jw_double(w, "weight", e->findings[i].weight);
			cjd_jw_end(w, '}');
		}
		cjd_jw_end(w, ']');
	}
	if (e->n_summary)
		cjd_jw_strs(w, "summary", e->summary, e->n_summary);
	if (e->n_probes) {
		cjd_jw_arr(w, "probes");
		for (size_t i = 0; i < e->n_probes; i++) {
			cjd_jw_obj(w, NULL);
			cjd_jw_str(w, "name", e->probes[i].name);
			cjd_jw_str(w, "status", e->probes[i].status);
			if (e->probes[i].why && e->probes[i].why[0])
				cjd_jw_str(w, "why", e->probes[i].why);
			cjd_jw_end(w, '}');
		}
		cjd_jw_end(w, ']');
	}
	if (e->kind) {
		cjd_jw_double(w, "age_s", e->age_s);
		cjd_jw_double(w, "elapsed_s", e->elapsed_s);
		cjd_jw_double(w, "cpu_s", e->cpu_s);
	}
	if (e->error)
		cjd_jw_str(w, "error", e->error);
	cjd_jw_end(w, '}');
}

static bool is_response(enum cjd_alert_action a)
{
	return a == CJD_ALERT_FROZEN || a == CJD_ALERT_THROTTLED;
}

int cjd_alert_json(const struct cjd_alert *a, const struct cjd_alert_context *ctx_in,
		   char **out, size_t *out_len)
{
	static const struct cjd_alert_context none;
	static const char *const category[] = {"malware", "process"};
	static const char *const type_info[] = {"info"}, *const type_change[] = {"change"};
	const struct cjd_alert_context *ctx = ctx_in ? ctx_in : &none;
	struct cjd_jw w;

	if (!a->id[0] || (unsigned)a->action >= CJD_ALERT__COUNT)
		return -EINVAL;
	cjd_jw_init(&w, CJD_JW_UTF8_REPLACE);
	cjd_jw_header(&w, a->time_real_ns, CJD_ALERT_SCHEMA, "alert", "cjd.alert");
	cjd_jw_strs(&w, "category", category, 2);
	cjd_jw_strs(&w, "type", is_response(a->action) ? type_change : type_info, 1);
	cjd_jw_str(&w, "action", cjd_alert_action_name(a->action));
	cjd_jw_str(&w, "id", a->id);
	cjd_jw_i64(&w, "severity", a->severity);
	if (is_response(a->action))
		cjd_jw_str(&w, "outcome", a->action_rc == 0 ? "success" : "failure");
	cjd_jw_end(&w, '}'); /* event */

	cjd_jw_host(&w, a->host, ctx->host_name, ctx->host_id);
	if (!a->group) /* an aggregate names its cgroups under cjd.aggregate */
		cjd_jw_workload(&w, a->cgroup, ctx->identity);
	threat(&w);
	rule(&w, a);

	cjd_jw_obj(&w, "cjd");
	if (ctx->seq)
		cjd_jw_u64(&w, "seq", ctx->seq);
	cjd_jw_float(&w, "score", a->score);
	cjd_jw_float(&w, "threshold", a->threshold);
	cjd_jw_str(&w, "mode", cjd_mode_name(a->mode));
	cjd_jw_obj(&w, "model");
	cjd_jw_str(&w, "name", a->model_name ? a->model_name : "");
	cjd_jw_str(&w, "version", a->model_version ? a->model_version : "");
	cjd_jw_end(&w, '}');
	cjd_jw_obj(&w, "window");
	for (int i = 0; i < a->n_features && i < CJD_ALERT_MAX_FEATURES; i++)
		if (a->features[i].name)
			cjd_jw_float(&w, a->features[i].name, a->features[i].value);
	cjd_jw_end(&w, '}');
	cjd_jw_u64(&w, "windows", a->windows);
	cjd_jw_u64(&w, "windows_flagged", a->windows_flagged);
	cjd_jw_u64(&w, "t_ns", a->t_ns);
	cjd_jw_u64(&w, "fired_t_ns", a->fired_t_ns);
	cjd_jw_obj(&w, "cost");
	cjd_jw_double(&w, "cpu_seconds", a->cpu_seconds);
	cjd_jw_double(&w, "usd", a->cost_usd);
	cjd_jw_end(&w, '}');
	if (a->label)
		cjd_jw_str(&w, "label", a->label);
	if (a->group)
		aggregate(&w, a->group);
	if (ctx->procs_known)
		processes(&w, ctx);
	if (a->evidence)
		evidence(&w, a);
	if (is_response(a->action)) {
		cjd_jw_obj(&w, "response");
		cjd_jw_i64(&w, "errno", a->action_rc < 0 ? -a->action_rc : 0);
		if (a->action_rc < 0)
			cjd_jw_str(&w, "error", strerror(-a->action_rc));
		if (a->action_detail)
			cjd_jw_str(&w, "detail", a->action_detail);
		cjd_jw_end(&w, '}');
	}
	return cjd_jw_finish(&w, out, out_len); /* closes cjd and the document */
}

int cjd_alert_fprint(FILE *f, const struct cjd_alert *a, const struct cjd_alert_context *ctx)
{
	char *json;
	size_t len;
	int rc = cjd_alert_json(a, ctx, &json, &len);

	if (rc)
		return rc;
	if (fwrite(json, 1, len, f) != len || fputc('\n', f) == EOF)
		rc = -EIO;
	free(json);
	return rc;
}

/* Copies s with non-printable and non-ASCII bytes shown as \xHH: a log line
 * must not let a cgroup name forge further lines or terminal escapes. */
static size_t visible(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c && o + 5 < cap; c++) {
		if (*c >= 0x20 && *c < 0x7f && *c != '\\') {
			dst[o++] = (char)*c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*c >> 4];
			dst[o++] = hex[*c & 15];
		}
	}
	dst[o] = '\0';
	return o;
}

const char *cjd_alert_summary(const struct cjd_alert *a, const struct cjd_identity *id,
			      char *buf, size_t len)
{
	char cg[512], action[24], who[1400], raw[1400], members[1400];
	size_t i;

	visible(cg, sizeof(cg), a->cgroup);
	who[0] = members[0] = '\0';
	if (a->group) {
		/* "AGGREGATE_FIRING image:web:1 (4 cgroups: web-1 web-2 ...) score ..." */
		size_t n = (size_t)snprintf(raw, sizeof(raw), " (%u cgroups:", a->group->members_total);
		for (uint32_t m = 0; m < a->group->n_members && n < sizeof(raw); m++) {
			const struct cjd_alert_member *mb = &a->group->members[m];
			n += (size_t)snprintf(raw + n, sizeof(raw) - n, " %s",
					      mb->name && mb->name[0] ? mb->name : mb->cgroup);
		}
		if (n < sizeof(raw))
			snprintf(raw + n, sizeof(raw) - n, ")");
		visible(members, sizeof(members), raw);
	} else if (id && id->resolved && cjd_identity_describe(id, raw, sizeof(raw))[0]) {
		size_t n = visible(who, sizeof(who) - 1, raw);
		who[n] = ' ';
		who[n + 1] = '\0';
	}
	const char *name = cjd_alert_action_name(a->action);
	for (i = 0; name[i] && i + 1 < sizeof(action); i++)
		action[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	action[i] = '\0';
	char ev[64] = "";
	if (a->evidence)
		snprintf(ev, sizeof(ev), " evidence %s%s",
			 a->evidence->level ? a->evidence->level
					    : a->evidence->status ? a->evidence->status : "-",
			 a->evidence->mining_specific ? ", mining-specific" : "");
	snprintf(buf, len, "%s %s%s%s score %.3f cpu %.1fs cost $%.4f mode %s%s id %s", action,
		 who, cg, members, (double)a->score, a->cpu_seconds, a->cost_usd,
		 cjd_mode_name(a->mode), ev,
		 a->id[0] ? a->id : "-");
	return buf;
}

int cjd_machine_id(const char *path, char *buf, size_t len)
{
	char tmp[64];
	ssize_t n;
	int fd;

	if (len)
		buf[0] = '\0';
	fd = open(path ? path : "/etc/machine-id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, tmp, sizeof(tmp) - 1);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n < 0)
		return -saved;
	tmp[n] = '\0';
	if (n < 32 || (n > 32 && tmp[32] != '\n'))
		return -EINVAL;
	for (int i = 0; i < 32; i++)
		if (!((tmp[i] >= '0' && tmp[i] <= '9') || (tmp[i] >= 'a' && tmp[i] <= 'f')))
			return -EINVAL;
	if (len < 33)
		return -ENOSPC;
	memcpy(buf, tmp, 32);
	buf[32] = '\0';
	return 0;
}
