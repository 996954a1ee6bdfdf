/* HTTP output bodies: ECS as published, Falcosidekick's Falco event, Splunk HEC's event envelope. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_dump.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/publish/alert_format.h"
#include "cjd/publish/output_body.h"
#include "publish_internal.h"

static const char *const format_names[] = {"ecs", "falcosidekick", "splunk-hec"};

int cjd_http_format_parse(const char *s, enum cjd_http_format *out)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(format_names); i++) {
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum cjd_http_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cjd_http_format_name(enum cjd_http_format f)
{
	return (unsigned)f < CJD_ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

static json_t *get(json_t *doc, const char *path)
{
	return cjd_json_path(doc, path);
}

const char *cjd_falco_priority(const char *topic, long long severity)
{
	bool alert = strncmp(topic, "alert.", 6) == 0;
	bool ended = !strcmp(topic, "alert.resolved") || !strcmp(topic, "alert.gone");

	if (!alert || severity < 0)
		return "Informational";
	if (ended)
		return severity >= 20 ? "Notice" : "Informational";
	return severity >= 90 ? "Critical"
	       : severity >= 70 ? "Error"
	       : severity >= 40 ? "Warning"
	       : severity >= 20 ? "Notice"
				: "Informational";
}

/* ---- Falcosidekick ---- */

static bool scalar_array(json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach (a, i, v)
		if (json_is_object(v) || json_is_array(v))
			return false;
	return true;
}

/*
 * output_fields: every field as "dotted.key": value. Objects are flattened;
 * arrays of plain values stay arrays; arrays holding objects (cjd.processes)
 * are flattened by index ("cjd.processes.0.comm").
 */
static int flatten(json_t *flat, const char *prefix, json_t *v)
{
	char *name;
	const char *k;
	json_t *c;
	size_t i;
	int rc = 0;

	if (json_is_object(v) && json_object_size(v) > 0) {
		json_object_foreach (v, k, c) {
			if (asprintf(&name, "%s%s%s", prefix, prefix[0] ? "." : "", k) < 0)
				return -ENOMEM;
			rc = flatten(flat, name, c);
			free(name);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (json_is_array(v) && !scalar_array(v)) {
		json_array_foreach (v, i, c) {
			if (asprintf(&name, "%s.%zu", prefix, i) < 0)
				return -ENOMEM;
			rc = flatten(flat, name, c);
			free(name);
			if (rc)
				return rc;
		}
		return 0;
	}
	return json_object_set(flat, prefix, v) ? -ENOMEM : 0;
}

static int set_str(json_t *o, const char *key, json_t *v)
{
	if (!json_is_string(v))
		return 0;
	return json_object_set(o, key, v) ? -ENOMEM : 0;
}

/*
 * Falco's own names for what Falco rules and Falcosidekick outputs key on
 * (its Prometheus labels read k8s.ns.name and k8s.pod.name, as strings),
 * next to the ECS names. container.image.tag becomes Falco's string (ECS
 * declares an array).
 */
static int falco_aliases(json_t *f, json_t *doc, uint64_t ns)
{
	json_t *p0 = json_array_get(get(doc, "cjd.processes"), 0);
	int rc = 0;

	if (ns && json_object_set_new(f, "evt.time", json_integer((json_int_t)ns)))
		return -ENOMEM;
	rc |= set_str(f, "container.image.repository", get(doc, "container.image.name"));
	json_object_del(f, "container.image.tag");
	rc |= set_str(f, "container.image.tag", json_array_get(get(doc, "container.image.tag"), 0));
	rc |= set_str(f, "k8s.ns.name", get(doc, "orchestrator.namespace"));
	rc |= set_str(f, "k8s.pod.name", get(doc, "orchestrator.resource.name"));
	rc |= set_str(f, "k8s.pod.uid", get(doc, "orchestrator.resource.id"));
	if (p0) {
		rc |= set_str(f, "proc.name", json_object_get(p0, "comm"));
		rc |= set_str(f, "proc.cmdline", json_object_get(p0, "cmdline"));
		rc |= set_str(f, "proc.exepath", json_object_get(p0, "exe"));
		if (json_is_integer(json_object_get(p0, "pid")) &&
		    json_object_set(f, "proc.pid", json_object_get(p0, "pid")))
			rc = -ENOMEM;
	}
	return rc ? -ENOMEM : 0;
}

static json_t *falco_event(const char *topic, json_t *doc)
{
	const char *ts = json_string_value(get(doc, "@timestamp"));
	const char *rule = json_string_value(get(doc, "rule.name"));
	json_t *sev = get(doc, "event.severity");
	const char *prio = cjd_falco_priority(topic, json_is_integer(sev) ? json_integer_value(sev)
									 : -1);
	json_t *ev = json_object(), *fields = json_object();
	char *summary = NULL, *output = NULL;
	uint64_t ns = 0;

	if (!ev || !fields)
		goto out_fail;
	if (ts && cjd_rfc3339_parse(ts, &ns))
		ns = 0;
	if (flatten(fields, "", doc) || falco_aliases(fields, doc, ns))
		goto out_fail;
	if (cjd_format_summary(topic, doc, &summary))
		goto out_fail;
	/* Falco's own output lines start with the time and the priority */
	if (asprintf(&output, "%.18s: %s %s", ts && strlen(ts) > 11 ? ts + 11 : "", prio,
		     summary) < 0) {
		output = NULL;
		goto out_fail;
	}
	if (json_is_string(get(doc, "event.id")))
		json_object_set(ev, "uuid", get(doc, "event.id"));
	if (json_object_set_new(ev, "output", json_string(output)) ||
	    json_object_set_new(ev, "priority", json_string(prio)) ||
	    json_object_set_new(ev, "rule", json_string(rule ? rule
							  : !strncmp(topic, "alert.", 6)
							      ? "cjd cryptomining"
							      : topic)) ||
	    json_object_set_new(ev, "time", json_string(ts ? ts : "")) ||
	    json_object_set_new(ev, "source", json_string("cjd")))
		goto out_fail;
	{
		json_t *tags = json_array();
		static const char *const t[] = {"cjd", "cryptomining", "mitre_impact", "T1496"};
		for (size_t i = 0; tags && i < CJD_ARRAY_SIZE(t); i++)
			json_array_append_new(tags, json_string(t[i]));
		if (!tags || json_object_set_new(ev, "tags", tags))
			goto out_fail;
	}
	if (json_is_string(get(doc, "host.name")))
		json_object_set(ev, "hostname", get(doc, "host.name"));
	if (json_object_set_new(ev, "output_fields", fields))
		goto out_fail_ev;
	free(summary);
	free(output);
	return ev;
out_fail:
	json_decref(fields);
out_fail_ev:
	json_decref(ev);
	free(summary);
	free(output);
	return NULL;
}

/* ---- Splunk HEC ---- */

static const char *sourcetype_of(json_t *doc)
{
	const char *schema = json_string_value(get(doc, "schema"));

	if (schema && !strncmp(schema, "cjd.metrics/", 12))
		return "cjd:metrics";
	if (schema && !strncmp(schema, "cjd.heartbeat/", 14))
		return "cjd:heartbeat";
	return "cjd:alert";
}

static json_t *splunk_event(const struct cjd_http_body_options *o, json_t *doc)
{
	const char *ts = json_string_value(get(doc, "@timestamp"));
	json_t *ev = json_object();
	uint64_t ns;

	if (!ev)
		return NULL;
	/* epoch seconds to the ms, HEC's resolution: the shortest text of ms/1000 is exact */
	if (!ts || cjd_rfc3339_parse(ts, &ns))
		ns = cjd_now_real_ns();
	if (json_object_set_new(ev, "time", json_real((double)(ns / 1000000ull) / 1000.0)) ||
	    (json_is_string(get(doc, "host.name")) &&
	     json_object_set(ev, "host", get(doc, "host.name"))) ||
	    json_object_set_new(ev, "source",
				json_string(o && o->splunk_source ? o->splunk_source : "cjd")) ||
	    json_object_set_new(ev, "sourcetype",
				json_string(o && o->splunk_sourcetype ? o->splunk_sourcetype
								      : sourcetype_of(doc))) ||
	    (o && o->splunk_index &&
	     json_object_set_new(ev, "index", json_string(o->splunk_index))) ||
	    json_object_set(ev, "event", doc)) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

int cjd_http_body(enum cjd_http_format f, const struct cjd_http_body_options *opts,
		  const char *topic, const char *json, size_t len, char **out, size_t *out_len)
{
	json_error_t jerr;
	json_t *doc, *body = NULL;

	*out = NULL;
	if (f == CJD_HTTP_ECS) {
		if (!(*out = malloc(len + 1)))
			return -ENOMEM;
		memcpy(*out, json, len);
		(*out)[len] = '\0';
		*out_len = len;
		return 0;
	}
	doc = json_loadb(json, len, 0, &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -EINVAL;
	}
	body = f == CJD_HTTP_FALCOSIDEKICK ? falco_event(topic, doc) : splunk_event(opts, doc);
	json_decref(doc);
	if (!body)
		return -ENOMEM;
	*out = cjd_json_dumps(body);
	json_decref(body);
	if (!*out)
		return -ENOMEM;
	*out_len = strlen(*out);
	return 0;
}
