/* Configuration: one table of keys drives the defaults, the strict JSON loader, overrides and the docs. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cjd/common/array.h"
#include "cjd/common/allowlist.h"
#include "cjd/detector/detector.h"
#include "cjd/common/json_locate.h"
#include "cjd/common/json_writer.h"
#include "cjd/common/suggest.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/daemon/config.h"
#include "cjd/evidence/inspect.h"
#include "cjd/publish/output_http.h"
#include "cjd/publish/output_syslog.h"
#include "cjd/metrics/http.h"

enum opt_type { T_DURATION, T_UINT, T_DOUBLE, T_STRING, T_STRLIST, T_SIZE, T_CHOICE, T_ACTION, T_BOOL };

struct opt {
	const char *key;
	enum opt_type type;
	size_t off;
	const char *def;     /* text form, as on the command line; NULL means null */
	double min, max;     /* numbers; durations in seconds; sizes in bytes */
	const char *choices; /* T_CHOICE: "a|b|c" */
	const char *doc;
	/* T_STRLIST: checks one item; T_STRING: a non-null value. 0, or -EINVAL with why filled */
	int (*check)(const char *item, char *why, size_t whylen);
	/* the key as a command-line option (cli/options.c): -short, --name ARG */
	struct {
		const char *name, *arg;
		char short_name;
		const char *help;  /* one phrase: the key, its default and "repeatable" are added */
		const char *unset; /* what null (an empty list) means, for --help; or NULL */
	} cli;
};

/* detector.allowlist items: cgroup globs and image:, container:, namespace:, pod: entries. */
static int check_allow(const char *item, char *why, size_t whylen)
{
	enum cjd_allow_kind kind;
	const char *glob;
	char one[400];

	if (cjd_allowlist_parse_entry(item, &kind, &glob, one, sizeof(one)) == 0)
		return 0;
	snprintf(why, whylen, "detector.allowlist: %s", one);
	return -EINVAL;
}

/* detector.aggregate items: the groupings. */
static int check_aggregate(const char *item, char *why, size_t whylen)
{
	enum cjd_agg_kind k;

	if (cjd_agg_kind_parse(item, &k) == 0)
		return 0;
	snprintf(why, whylen, "detector.aggregate: unknown grouping \"%s\" (pod, image or host)",
		 item);
	return -EINVAL;
}

/* outputs.*.topics items: a prefix of some topic cjd publishes. */
static int check_topic(const char *item, char *why, size_t whylen)
{
	static const char *const topics[] = {"alert.firing", "alert.ongoing", "alert.resolved",
					     "alert.gone", "alert.frozen", "alert.throttled",
					     "alert.aggregate_firing", "alert.aggregate_ongoing",
					     "alert.aggregate_resolved", "alert.aggregate_gone",
					     "alert.evidence", "metrics", "heartbeat"};

	for (size_t i = 0; i < CJD_ARRAY_SIZE(topics); i++)
		if (strncmp(topics[i], item, strlen(item)) == 0)
			return 0;
	snprintf(why, whylen,
		 "topic '%s' matches no topic cjd publishes (alert, alert.firing, alert.ongoing, "
		 "alert.resolved, alert.gone, alert.frozen, alert.throttled, alert.aggregate_firing, "
		 "alert.aggregate_ongoing, alert.aggregate_resolved, alert.aggregate_gone, "
		 "alert.evidence, metrics, heartbeat)",
		 item);
	return -EINVAL;
}

/* outputs.http.headers items: "Name: value". */
static int check_header(const char *item, char *why, size_t whylen)
{
	return cjd_http_header_check(item, why, whylen);
}

/* metrics.listen: "off", or an address the HTTP server can bind. */
static int check_listen(const char *text, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char one[300];

	if (cjd_metrics_listen_off(text) || !cjd_metrics_listen_parse(text, &ss, &len, one, sizeof(one)))
		return 0;
	snprintf(why, whylen, "metrics.listen %s", one);
	return -EINVAL;
}

#define OFF(f) offsetof(struct cjd_config, f)

/* The keys every push output has (outputs.http.*, outputs.syslog.*): its queue and TLS files. */
#define OUTPUT_KEYS(sec, m, what, fl)                                                          \
	{sec ".topics", T_STRLIST, OFF(m.topics), "alert", 0, 0, NULL,                             \
	 "Topic prefixes to send: `alert` (every alert), `alert.firing`, ..., and `metrics` or "   \
	 "`heartbeat` to send those too.",                                                         \
	 check_topic,                                                                              \
	 .cli = {fl "-topic", "PREFIX", 0, "a topic prefix to send (alert, alert.firing, metrics, " \
		 "heartbeat)"}},                                                                    \
	{sec ".queue", T_UINT, OFF(m.queue), "1000", 1, 1000000, NULL,                             \
	 "Messages held while the receiver is slow or down; when it is full, new ones are "        \
	 "dropped and counted (heartbeat `cjd.outputs`; alerts stay in the journal). Detection "   \
	 "never waits for " what ".",                                                              \
	 .cli = {fl "-queue", "N", 0, "messages held while the receiver is slow or down"}},       \
	{sec ".timeout", T_DURATION, OFF(m.timeout_ns), "10s", 0.1, 600, NULL,                     \
	 "Limit of one attempt (connecting included); then it is retried.",                        \
	 .cli = {fl "-timeout", "DURATION", 0, "limit of one attempt"}},                            \
	{sec ".backoff_min", T_DURATION, OFF(m.backoff_min_ns), "500ms", 0.01, 3600, NULL,         \
	 "Delay before the first retry; it doubles after each failure (with jitter: a random "     \
	 "value in the upper half).",                                                              \
	 .cli = {fl "-backoff-min", "DURATION", 0, "delay before the first retry"}},                \
	{sec ".backoff_max", T_DURATION, OFF(m.backoff_max_ns), "30s", 0.01, 3600, NULL,           \
	 "Longest delay between retries. Messages are retried until delivered (or the queue "     \
	 "overflows), in order.",                                                                  \
	 .cli = {fl "-backoff-max", "DURATION", 0, "longest delay between retries"}},               \
	{sec ".drain", T_DURATION, OFF(m.drain_ns), "5s", 0, 600, NULL,                            \
	 "On shutdown, how long to keep delivering what is queued; the rest is counted and "       \
	 "logged.",                                                                                \
	 .cli = {fl "-drain", "DURATION", 0, "on shutdown, how long to keep delivering"}},          \
	{sec ".ca_file", T_STRING, OFF(m.ca_file), NULL, 0, 0, NULL,                               \
	 "CA certificates (PEM) that verify the receiver; null: the system's. Verification is "    \
	 "always on.",                                                                             \
	 .cli = {fl "-ca-file", "FILE", 0, "CA certificates (PEM) that verify the receiver",       \
		 "the system's"}},                                                                  \
	{sec ".cert_file", T_STRING, OFF(m.cert_file), NULL, 0, 0, NULL,                           \
	 "Client certificate (PEM) for mutual TLS, with key_file.",                                \
	 .cli = {fl "-cert-file", "FILE", 0, "client certificate (PEM) for mutual TLS"}},           \
	{sec ".key_file", T_STRING, OFF(m.key_file), NULL, 0, 0, NULL,                             \
	 "Client private key (PEM), with cert_file.",                                              \
	 .cli = {fl "-key-file", "FILE", 0, "client private key (PEM)"}}

/* Strings lists in `def` are separated by '\n'. */
static const struct opt opts[] = {
	{"collector.interval", T_DURATION, OFF(interval_ns), "1s", 0.01, 3600, NULL,
	 "Sampling interval: one sample per cgroup per interval (minimum 10ms).",
	 .cli = {"interval", "DURATION", 'i',
		 "sampling interval, e.g. 200ms or 1s; at least 10ms"}},
	{"collector.rescan", T_DURATION, OFF(rescan_ns), "2s", 0.1, 3600, NULL,
	 "How often the cgroup tree is re-scanned for new and removed cgroups.",
	 .cli = {"rescan", "DURATION", 0,
		 "how often the cgroup tree is re-scanned for new and removed cgroups"}},
	{"collector.include", T_STRLIST, OFF(include), NULL, 0, 0, NULL,
	 "Globs (fnmatch) of cgroup paths to monitor; empty means every leaf cgroup with processes.",
	 .cli = {"cgroup", "GLOB", 0,
		 "monitor cgroups matching GLOB",
		 "every leaf cgroup with processes"}},
	{"collector.exclude", T_STRLIST, OFF(exclude), NULL, 0, 0, NULL,
	 "Globs of cgroup paths never to monitor.",
	 .cli = {"exclude", "GLOB", 0, "never monitor cgroups matching GLOB"}},
	{"collector.events", T_STRING, OFF(events), "auto", 0, 0, NULL,
	 "`auto` (hardware events if the PMU counts them, else software), `hardware`, `software`, "
	 "or a comma list of registry event names.",
	 .cli = {"events", "SPEC", 0,
		 "auto, hardware, software, or a comma list of events as `cjd events` names them"}},
	{"collector.cgroup_root", T_STRING, OFF(cgroup_root), NULL, 0, 0, NULL,
	 "Mount point of the cgroup hierarchy; null discovers it (v2 first, then v1 perf_event).",
	 .cli = {"cgroup-root", "DIR", 0, "the cgroup hierarchy to watch",
		 "discover it"}},
	{"detector.model", T_STRING, OFF(model), NULL, 0, 0, NULL,
	 "Model file; null picks hw-default, sw-default or (no syscalls) sw-nosyscalls.",
	 .cli = {"model", "FILE", 'm', "model file", "by mode, from the model directory"}},
	{"detector.window", T_UINT, OFF(window), "8", 2, 64, NULL,
	 "Samples per feature window (W).",
	 .cli = {"window", "W", 0, "samples per window"}},
	{"detector.threshold", T_DOUBLE, OFF(threshold), NULL, 0, 1, NULL,
	 "Score at or above which a window counts as flagged; null uses the model's calibrated value.",
	 .cli = {"threshold", "X", 0, "score that flags a window", "the model's"}},
	{"detector.threshold_low", T_DOUBLE, OFF(threshold_low), NULL, 0, 1, NULL,
	 "Score below which a window counts towards resolving; null uses the model's value.",
	 .cli = {"threshold-low", "X", 0,
		 "a firing alert resolves below X", "the model's"}},
	{"detector.fire_windows", T_UINT, OFF(fire_windows), "3", 1, 1000, NULL,
	 "Consecutive flagged windows before an alert fires (K).",
	 .cli = {"fire-windows", "K", 0, "flagged windows in a row before an alert fires"}},
	{"detector.resolve_windows", T_UINT, OFF(resolve_windows), "3", 1, 1000, NULL,
	 "Consecutive windows below threshold_low before a firing alert resolves (R).",
	 .cli = {"resolve-windows", "R", 0, "low windows in a row before a firing alert resolves"}},
	{"detector.ongoing_every", T_DURATION, OFF(ongoing_ns), "60s", 1, 86400, NULL,
	 "While firing, re-publish an `ongoing` update this often.",
	 .cli = {"ongoing", "DURATION", 0, "while firing, re-publish this often"}},
	{"detector.refire_holddown", T_DURATION, OFF(refire_holddown_ns), "5m", 0, 86400, NULL,
	 "After an alert resolves, the cgroup cannot fire again for this long (flap suppression: "
	 "a job hovering around the threshold pages once per hold-down at most); a cgroup still "
	 "flagged when it ends fires at once. 0 turns it off.",
	 .cli = {"refire-holddown", "DURATION", 0,
		 "after an alert resolves, the cgroup cannot fire again for DURATION (flap "
		 "suppression; 0 turns it off)"}},
	{"detector.price_per_cpu_hour", T_DOUBLE, OFF(price_per_cpu_hour), "0.04", 0, 1000, NULL,
	 "USD per CPU-hour, for the cost estimate in alerts and metrics.",
	 .cli = {"price", "USD", 0, "price per CPU-hour, for the cost estimates"}},
	{"detector.allowlist", T_STRLIST, OFF(allowlist), NULL, 0, 0, NULL,
	 "Workloads that never alert (and are never acted on): cgroup path globs (`/system.slice/*`), "
	 "or `image:GLOB`, `container:GLOB`, `namespace:GLOB`, `pod:GLOB` on the container's names "
	 "(see Allowlist below).",
	 check_allow,
	 .cli = {"allowlist", "ENTRY", 0,
		 "workloads that never alert nor get acted on: a cgroup glob, or image:GLOB, "
		 "container:GLOB, namespace:GLOB, pod:GLOB; see Allowlist in docs/config.md"}},
	{"detector.aggregate", T_STRLIST, OFF(aggregate), "pod\nimage", 0, 0, NULL,
	 "Groupings across cgroups scored as one (a miner split over several cgroups): `pod` (the "
	 "containers of one Kubernetes pod), `image` (the containers of one image), `host` (every "
	 "cgroup of the host). An aggregate alert names every member; [] turns aggregation off "
	 "(see docs/alerts.md, \"Aggregation across cgroups\").",
	 check_aggregate,
	 .cli = {"aggregate", "KIND", 0,
		 "a grouping across cgroups scored as one: pod, image or host (docs/alerts.md)"}},
	{"detector.aggregate_min_members", T_UINT, OFF(aggregate_min_members), "2", 2, 1000, NULL,
	 "Groups of fewer member cgroups are not scored.",
	 .cli = {"aggregate-min-members", "N", 0, "groups of fewer cgroups are not scored"}},
	{"detector.aggregate_member_max_cpu", T_DOUBLE, OFF(aggregate_member_max_cpu), "0.5", 0, 1e6,
	 NULL,
	 "A member sample using more CPUs than this is left out of its group's sum: a heavy cgroup "
	 "is judged on its own, aggregation is for work spread thin. 0: no limit.",
	 .cli = {"aggregate-member-max-cpu", "CPUS", 0,
		 "a member sample using more CPUs is left out of its group's sum (0: no limit)"}},
	{"detector.aggregate_model", T_STRING, OFF(aggregate_model), NULL, 0, 0, NULL,
	 "Model file that scores groups (same window and events as detector.model's); null: with "
	 "the shipped models, in software mode sw-nosyscalls.json (a sum of duty-cycled members "
	 "counts their sleeps as system calls), else the detector's model (models/README.md).",
	 .cli = {"aggregate-model", "FILE", 0,
		 "the model that scores groups (default: with the shipped models sw-nosyscalls "
		 "in software mode, else the detector's)"}},
	{"publish.endpoints", T_STRLIST, OFF(endpoints),
	 "tcp://127.0.0.1:5556\nipc:///run/cjd/alerts.sock", 0, 0, NULL,
	 "ZeroMQ endpoints the PUB socket binds.",
	 .cli = {"publish", "ENDPOINT", 'p',
		 "ZeroMQ endpoint to bind, e.g. tcp://0.0.0.0:5556 or ipc:///run/cjd/alerts.sock"}},
	{"publish.hwm", T_UINT, OFF(hwm), "10000", 1, 10000000, NULL,
	 "Send high-water mark per subscriber; messages beyond it are dropped and counted.",
	 .cli = {"hwm", "N", 0,
		 "per-subscriber send queue, messages; beyond it they are dropped and counted"}},
	{"publish.metrics_every", T_DURATION, OFF(metrics_ns), "10s", 1, 86400, NULL,
	 "Period of the per-cgroup `metrics` message (CPU-seconds, cost, score).",
	 .cli = {"metrics-every", "DURATION", 0, "period of the per-cgroup metrics message"}},
	{"publish.heartbeat_every", T_DURATION, OFF(heartbeat_ns), "5s", 1, 3600, NULL,
	 "Period of the `heartbeat` message.",
	 .cli = {"heartbeat-every", "DURATION", 0, "period of the heartbeat message"}},
	{"publish.curve_secret", T_STRING, OFF(curve_secret), NULL, 0, 0, NULL,
	 "Server secret key file (from `cjd keygen`); null disables CURVE.",
	 .cli = {"curve-secret", "FILE", 0,
		 "publish with CURVE, using this server secret key (cjd keygen)",
		 "no CURVE"}},
	{"publish.curve_clients", T_STRING, OFF(curve_clients), NULL, 0, 0, NULL,
	 "Directory of authorised client public keys (with curve_secret).",
	 .cli = {"curve-clients", "DIR", 0,
		 "authorised subscriber public keys (with --curve-secret)"}},
	{"journal.path", T_STRING, OFF(journal), "/var/lib/cjd/alerts.jsonl", 0, 0, NULL,
	 "Alert journal (JSON Lines), written before publishing; null or \"\" disables it.",
	 .cli = {"journal", "FILE", 'j', "alert journal, JSON Lines; \"\" turns it off"}},
	{"journal.rotate_size", T_SIZE, OFF(journal_rotate_bytes), "64M", 4096, 1e12, NULL,
	 "Rotate the journal when it reaches this size (K, M, G suffixes).",
	 .cli = {"journal-rotate", "SIZE", 0,
		 "rotate the journal at this size (K, M, G suffixes)"}},
	{"journal.keep", T_UINT, OFF(journal_keep), "5", 1, 1000, NULL,
	 "Rotated journal files to keep.",
	 .cli = {"journal-keep", "N", 0, "rotated journal files to keep"}},
	{"actions.action", T_ACTION, OFF(action), "alert", 0, 0, "alert|freeze|throttle",
	 "Response to a firing alert: `alert` only, `freeze` the cgroup, or `throttle` its CPU.",
	 .cli = {"action", "ACTION", 0, "alert, freeze or throttle firing cgroups"}},
	{"actions.min_score", T_DOUBLE, OFF(action_min_score), "0.95", 0, 1, NULL,
	 "Act only on alerts whose score is at least this.",
	 .cli = {"action-min-score", "X", 0, "act only on alerts scoring at least X"}},
	{"actions.throttle_quota", T_STRING, OFF(throttle_quota), "10000 100000", 0, 0, NULL,
	 "cpu.max value for `throttle`: \"QUOTA PERIOD\" in microseconds (v1: cfs_quota_us/cfs_period_us).",
	 .cli = {"throttle-quota", "\"QUOTA PERIOD\"", 0, "cpu.max for throttle, in microseconds"}},
	{"evidence.enabled", T_BOOL, OFF(evidence_enabled), "true", 0, 0, NULL,
	 "Inspect suspect and busy cgroups with the evidence probes (docs/evidence.md) and put what "
	 "they find in alerts (`cjd.evidence`). false (or `cjd run --no-evidence`): no probe runs, "
	 "and the capabilities they need are dropped.",
	 .cli = {"evidence", "true|false", 0, "inspect suspects and busy cgroups with the evidence probes"}},
	{"evidence.suspect_threshold", T_DOUBLE, OFF(suspect_threshold), NULL, 0, 1, NULL,
	 "Screening score at or above which a window counts towards inspecting the cgroup (below "
	 "the firing threshold); null: half the firing threshold.",
	 .cli = {"suspect-threshold", "X", 0, "score from which windows count towards an inspection", "half the firing threshold"}},
	{"evidence.suspect_windows", T_UINT, OFF(suspect_windows), "2", 1, 1000, NULL,
	 "Consecutive windows at or above suspect_threshold before the cgroup is inspected.",
	 .cli = {"suspect-windows", "N", 0, "such windows in a row before an inspection"}},
	{"evidence.reinspect_every", T_DURATION, OFF(reinspect_ns), "60s", 1, 86400, NULL,
	 "A cgroup still suspect (or firing) is inspected again after this long.",
	 .cli = {"reinspect-every", "DURATION", 0, "a suspect or firing cgroup is inspected again after this"}},
	{"evidence.cpu_budget", T_DOUBLE, OFF(evidence_cpu_budget), "0.05", 0.001, 1, NULL,
	 "CPU the inspections may use on average, as a share of one CPU: after an inspection that "
	 "cost C of CPU time, the next starts no sooner than C / cpu_budget after it began.",
	 .cli = {"evidence-cpu-budget", "X", 0, "share of one CPU the inspections may use"}},
	{"evidence.max_pause", T_DURATION, OFF(evidence_max_pause_ns), "100ms", 0.001, 1, NULL,
	 "The fpstate probe's cap on one look at a thread (interrupt to detach); a thread not "
	 "stopped by then is released and tried again later.",
	 .cli = {"evidence-max-pause", "DURATION", 0, "fpstate: one look at a thread at most about this"}},
	{"evidence.sweep_every", T_DURATION, OFF(sweep_ns), "10s", 0, 86400, NULL,
	 "The sweep: this often, every busy cgroup not inspected within this period is inspected "
	 "with the sweep's probes (sweep_probes), flagged by screening or not; 0 turns it off.",
	 .cli = {"sweep-every", "DURATION", 0, "inspect busy cgroups with the cheap probes this often (0: never)"}},
	{"evidence.sweep_min_cpu", T_DOUBLE, OFF(sweep_min_cpu), "0.1", 0, 1024, NULL,
	 "CPUs a cgroup must have used on average over the last sweep period to be swept (one "
	 "the sweep sees for the first time: since it was first counted); low enough for a miner "
	 "held to a tenth of a CPU by a quota or by busy neighbours.",
	 .cli = {"sweep-min-cpu", "CPUS", 0, "CPUs a cgroup must use to be swept"}},
	{"evidence.sweep_probes", T_STRING, OFF(sweep_probes), "all", 0, 0, NULL,
	 "The probes the sweep runs (`cjd inspect --probes` syntax). Every probe is cheap enough "
	 "(BENCHMARKS.md, \"Evidence probes\"), and CryptoNight-style miners show their "
	 "mining-specific sign only to codesample, SHA-256d, scrypt and Argon2id pool miners only "
	 "to stratum; `fpstate,network` is the cheapest useful set.",
	 .cli = {"sweep-probes", "LIST", 0, "the probes the sweep runs"}},
	{"evidence.probes", T_STRING, OFF(evidence_probes), "all", 0, 0, NULL,
	 "The probes a suspect gets (`all`, or a list of fpstate, codesample, network, memory, "
	 "stratum such as `fpstate,codesample`).",
	 .cli = {"evidence-probes", "LIST", 0, "the probes a suspect gets"}},
	{"evidence.require", T_CHOICE, OFF(evidence_require), "auto", 0, 0,
	 "auto|none|any|verdict|mining-specific",
	 "What decides that an alert goes out. `verdict`: the combined verdict (screening score "
	 "and evidence, evidence.model) at its medium level or above, whether screening fired or "
	 "not, as `cjd eval --verdict` measures it; screening alone only chooses what to inspect. "
	 "`none`: every screening firing goes out (without evidence a software-mode alert stays "
	 "low), and mining-specific evidence fires too. `any`: a screening firing needs some "
	 "finding; `mining-specific`: a finding only miners show. `auto`: `verdict` in software "
	 "mode (flat compute alone is what batch jobs do too), `none` in hardware mode. Alerts held "
	 "back are logged and counted in heartbeats.",
	 .cli = {"evidence-require", "R", 0,
		 "what an alert needs to go out: auto, none, any, verdict or mining-specific"}},
	{"evidence.wait", T_DURATION, OFF(evidence_wait_ns), "5s", 0, 600, NULL,
	 "With require `none`, how long a firing alert waits for an inspection under way, so that "
	 "it carries the evidence; later evidence comes as an `evidence` alert.",
	 .cli = {"evidence-wait", "DURATION", 0, "a firing alert waits this long for an inspection under way"}},
	{"evidence.model", T_STRING, OFF(verdict_model), NULL, 0, 0, NULL,
	 "Verdict model file (screening score + evidence, docs/model-format.md); null: the shipped verdict-rule.json from the model directory.",
	 .cli = {"verdict-model", "FILE", 0, "verdict model", "verdict-rule.json from the model directory"}},
	{"outputs.http.url", T_STRING, OFF(out_http.target), NULL, 0, 0, NULL,
	 "POST each alert to this URL (http:// or https://); null: no HTTP output. "
	 "See docs/alerts.md, \"HTTP output\".",
	 .cli = {"http", "URL", 0, "also POST each alert to URL", "no HTTP output"}},
	{"outputs.http.format", T_CHOICE, OFF(out_http.format), "ecs", 0, 0,
	 "ecs|falcosidekick|splunk-hec",
	 "Body: `ecs` (the alert as published), `falcosidekick` (a Falco event), `splunk-hec` "
	 "(an HTTP Event Collector event).",
	 .cli = {"http-format", "FORMAT", 0, "the HTTP body: ecs, falcosidekick or splunk-hec"}},
	{"outputs.http.token_file", T_STRING, OFF(out_http.token_file), NULL, 0, 0, NULL,
	 "File whose first line is a token, sent as `Authorization: Splunk TOKEN` (splunk-hec) "
	 "or `Authorization: Bearer TOKEN`; kept out of the command line and the environment.",
	 .cli = {"http-token-file", "FILE", 0, "a token sent as Authorization"}},
	{"outputs.http.headers", T_STRLIST, OFF(out_http.headers), NULL, 0, 0, NULL,
	 "Extra request headers, `\"Name: value\"` each.", check_header,
	 .cli = {"http-header", "\"NAME: VALUE\"", 0, "an extra request header"}},
	{"outputs.http.splunk_index", T_STRING, OFF(out_http.splunk_index), NULL, 0, 0, NULL,
	 "splunk-hec: the index; null: the token's default.",
	 .cli = {"splunk-index", "INDEX", 0, "splunk-hec: the index", "the token's default"}},
	{"outputs.http.splunk_source", T_STRING, OFF(out_http.splunk_source), "cjd", 0, 0, NULL,
	 "splunk-hec: the `source`.",
	 .cli = {"splunk-source", "SOURCE", 0, "splunk-hec: the source"}},
	{"outputs.http.splunk_sourcetype", T_STRING, OFF(out_http.splunk_sourcetype), NULL, 0, 0,
	 NULL, "splunk-hec: the `sourcetype`; null: `cjd:alert`, `cjd:metrics` or `cjd:heartbeat`.",
	 .cli = {"splunk-sourcetype", "TYPE", 0,
		 "splunk-hec: the sourcetype",
		 "cjd:alert, cjd:metrics or cjd:heartbeat"}},
	OUTPUT_KEYS("outputs.http", out_http, "a POST", "http"),
	{"outputs.syslog.remote", T_STRING, OFF(out_syslog.target), NULL, 0, 0, NULL,
	 "Send each alert to this syslog receiver, `HOST:PORT` or `[IPv6]:PORT` (port 514, or "
	 "6514 with TLS, when left out), as RFC 5424 over TCP with octet counting (RFC 6587); "
	 "null: none. Local syslog(3) is `cjd sub --syslog`.",
	 .cli = {"syslog-remote", "HOST:PORT", 0,
		 "also send each alert to this syslog receiver over TCP",
		 "none"}},
	{"outputs.syslog.transport", T_CHOICE, OFF(out_syslog.transport), "tcp", 0, 0, "tcp|tls",
	 "`tcp`, or `tls` (RFC 5425; the receiver's certificate is verified).",
	 .cli = {"syslog-transport", "tcp|tls", 0, "the syslog receiver's transport"}},
	{"outputs.syslog.format", T_CHOICE, OFF(out_syslog.format), "rfc5424", 0, 0,
	 "rfc5424|cef|leef|json",
	 "MSG: `rfc5424` ([cjd@32473 ...] structured data and a summary), or a `cef`, `leef` "
	 "(QRadar) or `json` line.",
	 .cli = {"syslog-format", "FORMAT", 0, "the syslog MSG: rfc5424, cef, leef or json"}},
	{"outputs.syslog.server_name", T_STRING, OFF(out_syslog.server_name), NULL, 0, 0, NULL,
	 "TLS: the name the receiver's certificate must hold; null: the host of `remote`.",
	 .cli = {"syslog-server-name", "NAME", 0,
		 "TLS: the name the receiver's certificate must hold",
		 "the host of --syslog-remote"}},
	OUTPUT_KEYS("outputs.syslog", out_syslog, "the receiver", "syslog"),
	{"log.level", T_CHOICE, OFF(log_level), "info", 0, 0, "error|warn|info|debug",
	 "Log level on stderr.",
	 .cli = {"log-level", "LEVEL", 0, "error, warn, info or debug"}},
	{"log.format", T_CHOICE, OFF(log_format), "text", 0, 0, "text|json",
	 "Log format on stderr: text lines or JSON lines.",
	 .cli = {"log-format", "FORMAT", 0, "text or json lines on stderr"}},
	{"metrics.listen", T_STRING, OFF(metrics_listen), CJD_METRICS_DEFAULT_LISTEN, 0, 0, NULL,
	 "Address of the HTTP server for Prometheus (`/metrics`) and probes (`/healthz`, `/readyz`): "
	 "`IPv4:PORT`, `[IPv6]:PORT`, or `off` (docs/metrics.md). Loopback by default; port 0 "
	 "picks a free one (the banner says which).",
	 check_listen,
	 .cli = {"metrics-listen", "ADDR", 0,
		 "the HTTP server for Prometheus and probes: IPv4:PORT, [IPv6]:PORT or off"}},
	{"metrics.stale_after", T_DURATION, OFF(metrics_stale_ns), "5m", 0, 86400, NULL,
	 "A vanished cgroup's series stay this long after it is gone (so its last counts are "
	 "scraped), then leave the output.",
	 .cli = {"metrics-stale-after", "DURATION", 0,
		 "a vanished cgroup's series stay this long"}},
	{"metrics.max_cgroups", T_UINT, OFF(metrics_max_cgroups), "1000", 1, 1000000, NULL,
	 "Most cgroups with series (each at most 12). Beyond it, new cgroups are left out and counted "
	 "in `cjd_metrics_cgroups_left_out`; a suspect or firing one still gets a place.",
	 .cli = {"metrics-max-cgroups", "N", 0, "most cgroups with series"}},
	{"metrics.tls_cert", T_STRING, OFF(metrics_tls_cert), NULL, 0, 0, NULL,
	 "PEM certificate (chain): serve HTTPS only, with `tls_key`; null serves plain HTTP.",
	 .cli = {"metrics-tls-cert", "FILE", 0,
		 "serve HTTPS with this PEM certificate (with --metrics-tls-key)",
		 "plain HTTP"}},
	{"metrics.tls_key", T_STRING, OFF(metrics_tls_key), NULL, 0, 0, NULL,
	 "PEM private key of `tls_cert`.",
	 .cli = {"metrics-tls-key", "FILE", 0, "the PEM private key of --metrics-tls-cert"}},
	{"metrics.basic_auth_file", T_STRING, OFF(metrics_basic_auth_file), NULL, 0, 0, NULL,
	 "File whose first line is `USER:PASSWORD` (not readable by others): `/metrics` then needs "
	 "HTTP basic auth (`/healthz` and `/readyz` never do); null: no auth.",
	 .cli = {"metrics-basic-auth-file", "FILE", 0,
		 "USER:PASSWORD that /metrics asks for",
		 "no auth"}},
};

static const char *const sections[] = {"collector", "detector", "publish", "journal",
				       "actions",   "outputs",  "evidence", "log", "metrics"};

static const char *const action_names[] = {"alert", "freeze", "throttle"};

static const struct opt *find_opt(const char *key)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].key, key) == 0)
			return &opts[i];
	return NULL;
}

static void *field(struct cjd_config *cfg, const struct opt *o)
{
	return (char *)cfg + o->off;
}

static void strlist_clear(struct cjd_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int strlist_push(struct cjd_strlist *l, const char *s)
{
	int rc = cjd_array_reserve(l->v, l->cap, l->n + 1);

	if (rc)
		return rc;
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

/* "; did you mean 'warn'?" when v is close to one of "a|b|c", else "". */
static const char *choice_hint(const char *choices, const char *v, char *buf, size_t len)
{
	char copy[128], *save = NULL;
	const char *names[16];
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", choices);
	for (char *t = strtok_r(copy, "|", &save); t && n < CJD_ARRAY_SIZE(names);
	     t = strtok_r(NULL, "|", &save))
		names[n++] = t;
	const char *best = v ? cjd_suggest(v, names, n) : NULL;
	if (!best)
		return "";
	snprintf(buf, len, "; did you mean '%s'?", best);
	return buf;
}

/* The ":PORT" of a tcp:// endpoint on the wildcard address ("*" or "0.0.0.0"), else NULL. */
static const char *wildcard_port(const char *ep)
{
	if (strncmp(ep, "tcp://", 6))
		return NULL;
	ep += 6;
	if (!strncmp(ep, "*:", 2))
		return ep + 1;
	if (!strncmp(ep, "0.0.0.0:", 8))
		return ep + 7;
	return NULL;
}

/*
 * Whether two ZeroMQ endpoints bind the same thing: equal, or tcp:// with the
 * wildcard written as "*" on one side and "0.0.0.0" on the other.
 */
static bool same_endpoint(const char *a, const char *b)
{
	const char *pa = wildcard_port(a), *pb = wildcard_port(b);

	return !strcmp(a, b) || (pa && pb && !strcmp(pa, pb));
}

/*
 * publish.endpoints is a set: an endpoint repeated (an image's entrypoint and
 * a DaemonSet's args both passing --publish tcp://0.0.0.0:5556) is bound once,
 * not refused with "Address already in use". Says so, as an info line.
 */
static bool endpoint_repeated(const struct opt *o, const struct cjd_strlist *l, const char *ep)
{
	if (o->off != OFF(endpoints))
		return false;
	for (size_t i = 0; i < l->n; i++) {
		if (same_endpoint(l->v[i], ep)) {
			cjd_info("publish.endpoints: %s is given more than once (as %s); binding it once",
				 ep, l->v[i]);
			return true;
		}
	}
	return false;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *c = choices; c; c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL)
		if (strncmp(c, v, n) == 0 && (c[n] == '|' || c[n] == '\0'))
			return true;
	return false;
}

/* The range check shared by file values and overrides. */
static int check_range(const struct opt *o, double v, const char *text, char *why, size_t whylen)
{
	if (v < o->min || v > o->max) {
		if (o->type == T_DURATION) {
			char a[32], b[32];
			snprintf(why, whylen, "%s is %s; allowed %s to %s", o->key, text,
				 cjd_duration_format((uint64_t)(o->min * 1e9 + 0.5), a, sizeof(a)),
				 cjd_duration_format((uint64_t)(o->max * 1e9 + 0.5), b, sizeof(b)));
		} else {
			snprintf(why, whylen, "%s is %s; allowed %g to %g", o->key, text, o->min, o->max);
		}
		return -ERANGE;
	}
	return 0;
}

/* A choice (T_CHOICE, kept as its text) or an action (T_ACTION, its enum). */
static int set_choice(void *f, const struct opt *o, const char *text, char *why, size_t whylen)
{
	char hint[96];

	if (text && choice_ok(o->choices, text)) {
		if (o->type == T_CHOICE) {
			char *s = strdup(text);
			if (!s)
				return -ENOMEM;
			free(*(char **)f);
			*(char **)f = s;
			return 0;
		}
		for (size_t i = 0; i < CJD_ARRAY_SIZE(action_names); i++)
			if (!strcmp(text, action_names[i])) {
				*(enum cjd_action_kind *)f = (enum cjd_action_kind)i;
				return 0;
			}
	}
	snprintf(why, whylen, "%s must be one of %s%s", o->key, o->choices,
		 choice_hint(o->choices, text, hint, sizeof(hint)));
	return -EINVAL;
}

/*
 * Sets o from its text form (NULL = null). `why` gets the reason on failure.
 * This is the only place values are validated, so defaults, the file and the
 * command line all obey the same rules.
 */
static int set_text(struct cjd_config *cfg, const struct opt *o, const char *text, bool replace,
		    char *why, size_t whylen)
{
	void *f = field(cfg, o);
	uint64_t u;
	int rc;

	switch (o->type) {
	case T_DURATION:
		if (!text || cjd_duration_parse(text, &u)) {
			snprintf(why, whylen, "%s must be a duration such as 200ms, 1s or 2m", o->key);
			return -EINVAL;
		}
		if ((rc = check_range(o, (double)u / 1e9, text, why, whylen)))
			return rc;
		*(uint64_t *)f = u;
		return 0;
	case T_SIZE:
		if (!text || cjd_size_parse(text, &u)) {
			snprintf(why, whylen, "%s must be a size such as 64M or 1048576", o->key);
			return -EINVAL;
		}
		if ((rc = check_range(o, (double)u, text, why, whylen)))
			return rc;
		*(uint64_t *)f = u;
		return 0;
	case T_UINT:
		if (!text || cjd_parse_u64(text, &u)) {
			snprintf(why, whylen, "%s must be a whole number", o->key);
			return -EINVAL;
		}
		if ((rc = check_range(o, (double)u, text, why, whylen)))
			return rc;
		*(uint32_t *)f = (uint32_t)u;
		return 0;
	case T_DOUBLE: {
		char *end;
		if (!text) {
			*(double *)f = NAN;
			return 0;
		}
		double d = strtod(text, &end);
		if (end == text || *end || !isfinite(d)) {
			snprintf(why, whylen, "%s must be a number", o->key);
			return -EINVAL;
		}
		if ((rc = check_range(o, d, text, why, whylen)))
			return rc;
		*(double *)f = d;
		return 0;
	}
	case T_STRING: {
		char *s = NULL;
		if (text && o->check && (rc = o->check(text, why, whylen)))
			return rc;
		if (text && !(s = strdup(text)))
			return -ENOMEM;
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	}
	case T_BOOL:
		if (text && (!strcmp(text, "true") || !strcmp(text, "false"))) {
			*(bool *)f = !strcmp(text, "true");
			return 0;
		}
		snprintf(why, whylen, "%s must be true or false", o->key);
		return -EINVAL;
	case T_CHOICE:
	case T_ACTION: return set_choice(f, o, text, why, whylen);
	case T_STRLIST: {
		struct cjd_strlist *l = f;
		if (replace)
			strlist_clear(l);
		if (!text)
			return 0;
		if (!*text) {
			snprintf(why, whylen, "%s: empty strings are not allowed", o->key);
			return -EINVAL;
		}
		if (o->check && (rc = o->check(text, why, whylen)))
			return rc;
		if (endpoint_repeated(o, l, text))
			return 0;
		return strlist_push(l, text) ? -ENOMEM : 0;
	}
	}
	return -EINVAL;
}

/*
 * Rules across keys, checked after every change. Each returns 0, or -EINVAL
 * with the key to blame and why; the loader reports every rule that fails.
 */
typedef int (*rule_fn)(const struct cjd_config *cfg, const char **key, char *why, size_t whylen);

static int rule_thresholds(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (!isnan(cfg->threshold) && !isnan(cfg->threshold_low) &&
	    cfg->threshold_low > cfg->threshold) {
		char lo[40], hi[40];
		cjd_fmt_double(lo, sizeof(lo), cfg->threshold_low);
		cjd_fmt_double(hi, sizeof(hi), cfg->threshold);
		*key = "detector.threshold_low";
		snprintf(why, whylen, "detector.threshold_low (%s) is above detector.threshold (%s)",
			 lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int rule_throttle(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (cfg->throttle_quota) {
		unsigned long long q, p;
		char extra;
		int n = sscanf(cfg->throttle_quota, "%llu %llu %c", &q, &p, &extra);
		if (n != 2 || q < 1000 || p < 1000 || p > 1000000 || q > p * 1024) {
			*key = "actions.throttle_quota";
			snprintf(why, whylen,
				 "actions.throttle_quota must be \"QUOTA PERIOD\" in microseconds "
				 "(quota >= 1000, 1000 <= period <= 1000000), not \"%s\"",
				 cfg->throttle_quota);
			return -EINVAL;
		}
	} else if (cfg->action == CJD_ACTION_THROTTLE) {
		*key = "actions.throttle_quota";
		snprintf(why, whylen, "actions.action is throttle but actions.throttle_quota is null");
		return -EINVAL;
	}
	return 0;
}

static int rule_curve(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (cfg->curve_clients && !cfg->curve_secret) {
		*key = "publish.curve_clients";
		snprintf(why, whylen, "publish.curve_clients needs publish.curve_secret");
		return -EINVAL;
	}
	return 0;
}

static int rule_endpoints(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (cfg->endpoints.n == 0) {
		*key = "publish.endpoints";
		snprintf(why, whylen, "publish.endpoints must list at least one endpoint");
		return -EINVAL;
	}
	return 0;
}

/* The suspect threshold sits below the firing one: suspects are inspected before they fire. */
static int rule_suspect(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (!isnan(cfg->suspect_threshold) && !isnan(cfg->threshold) &&
	    cfg->suspect_threshold > cfg->threshold) {
		char lo[40], hi[40];
		cjd_fmt_double(lo, sizeof(lo), cfg->suspect_threshold);
		cjd_fmt_double(hi, sizeof(hi), cfg->threshold);
		*key = "evidence.suspect_threshold";
		snprintf(why, whylen, "evidence.suspect_threshold (%s) is above detector.threshold (%s)",
			 lo, hi);
		return -EINVAL;
	}
	return 0;
}

/* evidence.probes and evidence.sweep_probes name known probes. */
static int rule_probes(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	const char *keys[] = {"evidence.probes", "evidence.sweep_probes"};
	const char *vals[] = {cfg->evidence_probes, cfg->sweep_probes};
	struct cjd_error err;
	unsigned mask;

	for (int i = 0; i < 2; i++) {
		if (!vals[i] || !cjd_inspect_parse_probes(vals[i], &mask, &err))
			continue;
		*key = keys[i];
		snprintf(why, whylen, "%s: %s", keys[i], vals[i] ? err.text : "must not be null");
		return -EINVAL;
	}
	if (!cfg->evidence_probes || !cfg->sweep_probes) {
		*key = !cfg->evidence_probes ? keys[0] : keys[1];
		snprintf(why, whylen, "%s must not be null (\"all\" or a list of probes)", *key);
		return -EINVAL;
	}
	return 0;
}

/* Checks of a push output's settings that only make sense together; each is a rule of its own
 * so that a file with several such mistakes gets each reported. */
enum out_check { OC_BACKOFF, OC_PAIR, OC_URL, OC_REMOTE, OC_TLS_ONLY };

static int rule_output(const struct cjd_config *cfg, bool syslog, enum out_check c,
		       const char **key, char *why, size_t whylen)
{
	/* the key named in the report; static because the caller keeps the pointer */
	static char bad[2][64];
	const struct cjd_output_settings *o = syslog ? &cfg->out_syslog : &cfg->out_http;
	const char *sec = syslog ? "outputs.syslog" : "outputs.http";
	char *k = bad[syslog], host[256], port[8], w[300];

	switch (c) {
	case OC_BACKOFF:
		if (o->backoff_min_ns <= o->backoff_max_ns)
			return 0;
		snprintf(k, 64, "%s.backoff_min", sec);
		snprintf(why, whylen, "%s.backoff_min is longer than %s.backoff_max", sec, sec);
		break;
	case OC_PAIR:
		if (!o->cert_file == !o->key_file)
			return 0;
		snprintf(k, 64, "%s.%s", sec, o->cert_file ? "cert_file" : "key_file");
		snprintf(why, whylen, "%s.cert_file and %s.key_file go together", sec, sec);
		break;
	case OC_URL:
		if (syslog || !o->target || !strncasecmp(o->target, "http://", 7) ||
		    !strncasecmp(o->target, "https://", 8))
			return 0;
		snprintf(k, 64, "%s.url", sec);
		snprintf(why, whylen, "%s.url must start with http:// or https://, not \"%.200s\"",
			 sec, o->target);
		break;
	case OC_REMOTE:
		if (!syslog || !o->target ||
		    !cjd_syslog_remote_parse(o->target, "514", host, sizeof(host), port,
					     sizeof(port), w, sizeof(w)))
			return 0;
		snprintf(k, 64, "%s.remote", sec);
		snprintf(why, whylen, "%s.remote: %s", sec, w);
		break;
	case OC_TLS_ONLY:
		if (!syslog || (o->transport && !strcmp(o->transport, "tls")) ||
		    !(o->ca_file || o->cert_file || o->server_name))
			return 0;
		{
			const char *what = o->ca_file     ? "ca_file"
					   : o->cert_file ? "cert_file"
							  : "server_name";
			snprintf(k, 64, "%s.%s", sec, what);
			snprintf(why, whylen, "%s.%s is set but %s.transport is not tls", sec, what,
				 sec);
		}
		break;
	}
	*key = k;
	return -EINVAL;
}

#define OUTPUT_RULE(fn, syslog, check)                                                             \
	static int fn(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)  \
	{                                                                                          \
		return rule_output(cfg, syslog, check, key, why, whylen);                          \
	}
OUTPUT_RULE(rule_http_backoff, false, OC_BACKOFF)
OUTPUT_RULE(rule_http_pair, false, OC_PAIR)
OUTPUT_RULE(rule_http_url, false, OC_URL)
OUTPUT_RULE(rule_syslog_backoff, true, OC_BACKOFF)
OUTPUT_RULE(rule_syslog_pair, true, OC_PAIR)
OUTPUT_RULE(rule_syslog_remote, true, OC_REMOTE)
OUTPUT_RULE(rule_syslog_tls, true, OC_TLS_ONLY)

static int rule_metrics_tls(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (!cfg->metrics_tls_cert != !cfg->metrics_tls_key) {
		*key = cfg->metrics_tls_cert ? "metrics.tls_cert" : "metrics.tls_key";
		snprintf(why, whylen, "metrics.tls_cert and metrics.tls_key go together: set both or neither");
		return -EINVAL;
	}
	return 0;
}

static const rule_fn rules[] = {rule_thresholds,     rule_throttle,     rule_curve,
				rule_endpoints,      rule_http_backoff, rule_http_pair,
				rule_http_url,       rule_syslog_backoff, rule_syslog_pair,
				rule_syslog_remote,  rule_syslog_tls,   rule_metrics_tls,
				rule_suspect,        rule_probes};

/* The first rule that fails (for overrides, which change one key at a time). */
static int check_whole(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(rules); i++) {
		int rc = rules[i](cfg, key, why, whylen);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * "; did you mean 'interval'?" for an unknown key. sec is the section it was
 * found in (NULL: given in full, as on the command line, or at the top level).
 * A key of another section is named in full, with where it belongs.
 */
static const char *key_hint(const char *sec, const char *key, char *buf, size_t len)
{
	const char *leaves[CJD_ARRAY_SIZE(opts)], *full[CJD_ARRAY_SIZE(opts)];
	size_t n_leaves = 0, sl = sec ? strlen(sec) : 0;
	const char *best;

	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
		full[i] = opts[i].key;
		if (sec && strncmp(opts[i].key, sec, sl) == 0 && opts[i].key[sl] == '.')
			leaves[n_leaves++] = opts[i].key + sl + 1;
	}
	if (sec && (best = cjd_suggest(key, leaves, n_leaves))) {
		snprintf(buf, len, "; did you mean '%s'?", best);
		return buf;
	}
	/* the right name in the wrong place: compare with every section's leaves,
	 * then with the last part of keys in subsections ("outputs.http.url") */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
			const char *leaf = (pass ? strrchr : strchr)(opts[i].key, '.') + 1;
			if (pass && leaf == strchr(opts[i].key, '.') + 1)
				continue;
			if (strcmp(leaf, key) == 0) {
				snprintf(buf, len,
					 "; did you mean '%s'? (it belongs in section \"%.*s\")",
					 opts[i].key, (int)(leaf - 1 - opts[i].key), opts[i].key);
				return buf;
			}
		}
	}
	if ((best = cjd_suggest(key, full, CJD_ARRAY_SIZE(opts)))) {
		snprintf(buf, len, "; did you mean '%s'?", best);
		return buf;
	}
	return "";
}

int cjd_config_defaults(struct cjd_config *cfg)
{
	char why[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
		const struct opt *o = &opts[i];
		if (o->type == T_STRLIST && o->def) {
			/* '\n'-separated defaults */
			const char *p = o->def;
			while (*p) {
				size_t n = strcspn(p, "\n");
				char item[256];
				snprintf(item, sizeof(item), "%.*s", (int)n, p);
				if (set_text(cfg, o, item, false, why, sizeof(why)))
					goto out_fail;
				p += n + (p[n] == '\n');
			}
		} else if (set_text(cfg, o, o->def, true, why, sizeof(why))) {
			goto out_fail;
		}
	}
	return 0;
out_fail:
	cjd_config_release(cfg);
	return -ENOMEM;
}

void cjd_config_release(struct cjd_config *cfg)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
		void *f = field(cfg, &opts[i]);
		if (opts[i].type == T_STRING || opts[i].type == T_CHOICE) {
			free(*(char **)f);
			*(char **)f = NULL;
		} else if (opts[i].type == T_STRLIST) {
			strlist_clear(f);
		}
	}
}

int cjd_config_copy(struct cjd_config *dst, const struct cjd_config *src)
{
	*dst = *src;
	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
		const struct opt *o = &opts[i];
		void *f = field(dst, o);
		if (o->type == T_STRING || o->type == T_CHOICE) {
			char **s = f;
			if (*s && !(*s = strdup(*s)))
				goto out_fail;
		} else if (o->type == T_STRLIST) {
			struct cjd_strlist *l = f, orig = *l;
			l->v = NULL;
			l->n = l->cap = 0;
			for (size_t k = 0; k < orig.n; k++)
				if (strlist_push(l, orig.v[k]))
					goto out_fail;
		}
	}
	return 0;
out_fail:
	/* pointers not yet copied still alias src: clear them before releasing */
	cjd_config_release(dst);
	return -ENOMEM;
}

int cjd_config_set(struct cjd_config *cfg, const char *key, const char *value, bool replace,
		   struct cjd_error *err)
{
	const struct opt *o = find_opt(key);
	struct cjd_config tmp;
	const char *bad = key;
	char why[320];
	int rc;

	if (!o) {
		char hint[160];
		return cjd_error_set(err, -ENOENT, NULL, 0, 0, "unknown configuration key \"%s\"%s",
				     key, key_hint(NULL, key, hint, sizeof(hint)));
	}
	if ((rc = cjd_config_copy(&tmp, cfg)))
		return cjd_error_set(err, rc, NULL, 0, 0, "out of memory");
	rc = set_text(&tmp, o, value, replace, why, sizeof(why));
	if (!rc)
		rc = check_whole(&tmp, &bad, why, sizeof(why));
	if (rc) {
		cjd_config_release(&tmp);
		return cjd_error_set(err, rc == -ENOMEM ? rc : -EINVAL, NULL, 0, 0, "%s", why);
	}
	cjd_config_release(cfg);
	*cfg = tmp;
	return 0;
}

int cjd_config_unset(struct cjd_config *cfg, const char *key)
{
	const struct opt *o = find_opt(key);

	if (!o)
		return -ENOENT;
	void *f = field(cfg, o);
	switch (o->type) {
	case T_STRING:
	case T_CHOICE:
		free(*(char **)f);
		*(char **)f = NULL;
		break;
	case T_STRLIST: strlist_clear(f); break;
	case T_DOUBLE: *(double *)f = NAN; break;
	case T_UINT: *(uint32_t *)f = 0; break;
	case T_DURATION:
	case T_SIZE: *(uint64_t *)f = 0; break;
	case T_ACTION: *(enum cjd_action_kind *)f = CJD_ACTION_ALERT; break;
	case T_BOOL: *(bool *)f = false; break;
	}
	return 0;
}

/* ---- the JSON file ---- */

/* More problems than this in one file are counted, not itemised. */
#define MAX_PROBLEMS 100

struct problem {
	struct cjd_error e;
	size_t seq; /* order found, to keep ties stable */
};

struct loadctx {
	const char *name;
	struct cjd_json_locations *loc;
	struct problem *v; /* every problem found */
	size_t n, cap, untold;
	bool oom;
};

static int load_err(struct loadctx *lc, const char *path, int key_pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int load_err(struct loadctx *lc, const char *path, int key_pos, const char *fmt, ...)
{
	int line = 0, col = 0;
	va_list ap;

	if (lc->n == MAX_PROBLEMS) {
		lc->untold++;
		return -EINVAL;
	}
	if (cjd_array_reserve(lc->v, lc->cap, lc->n + 1)) {
		lc->oom = true;
		return -ENOMEM;
	}
	cjd_json_where(lc->loc, path, key_pos, &line, &col);
	va_start(ap, fmt);
	cjd_error_vset(&lc->v[lc->n].e, -EINVAL, lc->name, line, col, fmt, ap);
	va_end(ap);
	lc->v[lc->n].seq = lc->n;
	lc->n++;
	return -EINVAL;
}

static int problem_cmp(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->e.line != y->e.line)
		return x->e.line < y->e.line ? -1 : 1;
	if (x->e.column != y->e.column)
		return x->e.column < y->e.column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Turns a JSON value into the text form set_text() takes. */
static int json_to_text(struct loadctx *lc, const struct opt *o, json_t *v, char *buf,
			size_t len, const char **text)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
		if (o->type == T_STRING || o->type == T_DOUBLE || o->type == T_STRLIST) {
			*text = NULL;
			return 0;
		}
		return load_err(lc, o->key, 0, "%s must not be null", o->key);
	case JSON_STRING:
		if (o->type == T_DURATION || o->type == T_SIZE || o->type == T_STRING ||
		    o->type == T_CHOICE || o->type == T_ACTION) {
			if (strlen(json_string_value(v)) != json_string_length(v))
				return load_err(lc, o->key, 0, "%s contains a NUL character", o->key);
			*text = json_string_value(v);
			return 0;
		}
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		if (o->type == T_BOOL) {
			*text = json_is_true(v) ? "true" : "false";
			return 0;
		}
		break;
	case JSON_INTEGER:
		if (o->type == T_UINT || o->type == T_SIZE || o->type == T_DOUBLE ||
		    o->type == T_DURATION) {
			if (json_integer_value(v) < 0)
				return load_err(lc, o->key, 0, "%s must not be negative", o->key);
			/* bare numbers are seconds for durations, bytes for sizes */
			snprintf(buf, len, "%lld", (long long)json_integer_value(v));
			*text = buf;
			return 0;
		}
		break;
	case JSON_REAL:
		if (o->type == T_DOUBLE || o->type == T_DURATION) {
			if (json_real_value(v) < 0)
				return load_err(lc, o->key, 0, "%s must not be negative", o->key);
			/* the shortest exact text, so an error quotes the file's number */
			cjd_fmt_double(buf, len, json_real_value(v));
			*text = buf;
			return 0;
		}
		break;
	default:
		break;
	}
	static const char *const want[] = {
		[T_DURATION] = "a duration string such as \"1s\" (or a number of seconds)",
		[T_UINT] = "a whole number", [T_DOUBLE] = "a number", [T_STRING] = "a string",
		[T_STRLIST] = "an array of strings", [T_SIZE] = "a size such as \"64M\"",
		[T_CHOICE] = "a string", [T_ACTION] = "a string", [T_BOOL] = "true or false"};
	return load_err(lc, o->key, 0, "%s must be %s", o->key, want[o->type]);
}

static int load_value(struct loadctx *lc, struct cjd_config *cfg, const struct opt *o, json_t *v)
{
	char buf[64], why[320];
	const char *text = NULL;
	int rc;

	if (o->type == T_STRLIST && json_is_array(v)) {
		size_t i;
		json_t *item;
		set_text(cfg, o, NULL, true, why, sizeof(why));
		int bad = 0;
		json_array_foreach (v, i, item) {
			char path[128];
			snprintf(path, sizeof(path), "%s[%zu]", o->key, i);
			/* every bad item is reported; the good ones are kept */
			if (!json_is_string(item) || !json_string_length(item))
				bad = load_err(lc, path, 0, "%s must hold non-empty strings", o->key);
			else if ((rc = set_text(cfg, o, json_string_value(item), false, why, sizeof(why))))
				bad = rc == -ENOMEM ? rc : load_err(lc, path, 0, "%s", why);
			if (bad == -ENOMEM)
				return bad;
		}
		return bad;
	}
	if ((rc = json_to_text(lc, o, v, buf, sizeof(buf), &text)))
		return rc;
	if ((rc = set_text(cfg, o, text, true, why, sizeof(why))))
		return rc == -ENOMEM ? rc : load_err(lc, o->key, 0, "%s", why);
	return 0;
}

/* Whether some key lies under "name." (a section such as "outputs.http"). */
static bool is_section(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++)
		if (!strncmp(opts[i].key, name, n) && opts[i].key[n] == '.')
			return true;
	return false;
}

/*
 * Loads the members of one section object: `name` is its dotted name
 * ("collector", "outputs.http"), `path` its JSON path for error locations.
 * An object member that is itself a section ("http" in "outputs") recurses.
 * Returns 0, or -ENOMEM (problems are recorded in lc).
 */
static int load_section(struct loadctx *lc, struct cjd_config *tmp, const char *name,
			const char *path, json_t *sec)
{
	const char *key;
	json_t *v;
	char hint[200];

	json_object_foreach (sec, key, v) {
		char full[128], kpath[300];
		snprintf(full, sizeof(full), "%s.%s", name, key);
		snprintf(kpath, sizeof(kpath), "%s", path);
		cjd_json_path_append(kpath, sizeof(kpath), key);
		const struct opt *o = find_opt(full);
		if (!o && is_section(full)) {
			if (!json_is_object(v))
				load_err(lc, kpath, 0, "\"%s\" must be an object", full);
			else if (load_section(lc, tmp, full, kpath, v) == -ENOMEM)
				return -ENOMEM;
			continue;
		}
		if (!o) {
			load_err(lc, kpath, 1, "unknown key \"%s\" in section \"%s\"%s", key, name,
				 key_hint(name, key, hint, sizeof(hint)));
			continue;
		}
		if (load_value(lc, tmp, o, v) == -ENOMEM)
			lc->oom = true;
		if (lc->oom)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Loads text over tmp (a copy of the current configuration), finding every
 * problem: a wrong value is reported and the key keeps its old value, an
 * unknown key or section is reported and skipped, then the rules across keys
 * run. Only a JSON syntax error stops early (nothing after it can be read).
 * Returns 0, -EINVAL (lc->n problems), or -ENOMEM.
 */
static int load_into(struct loadctx *lc, struct cjd_config *tmp, const char *text)
{
	json_error_t jerr;
	json_t *root, *sec;
	const char *skey;
	char hint[200];

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (load_err(lc, "", 0, "%s", jerr.text) == -ENOMEM)
			return -ENOMEM;
		lc->v[lc->n - 1].e.line = jerr.line;
		lc->v[lc->n - 1].e.column = jerr.column;
		return -EINVAL;
	}
	lc->loc = cjd_json_locate(text, strlen(text));
	if (!json_is_object(root)) {
		load_err(lc, "", 0, "the configuration must be a JSON object");
		goto out;
	}
	json_object_foreach (root, skey, sec) {
		size_t s;
		for (s = 0; s < CJD_ARRAY_SIZE(sections); s++)
			if (strcmp(skey, sections[s]) == 0)
				break;
		if (s == CJD_ARRAY_SIZE(sections)) {
			const char *best = cjd_suggest(skey, sections, CJD_ARRAY_SIZE(sections));
			const char *h = hint;
			char path[300] = "";
			if (find_opt(skey))
				/* {"collector.interval": ...}: dotted names are paths, not keys */
				snprintf(hint, sizeof(hint), "; write it as {\"%.*s\": {\"%s\": ...}}",
					 (int)strcspn(skey, "."), skey, strchr(skey, '.') + 1);
			else if (best)
				snprintf(hint, sizeof(hint), "; did you mean '%s'?", best);
			else
				h = key_hint(NULL, skey, hint, sizeof(hint)); /* a key without its section */
			cjd_json_path_append(path, sizeof(path), skey);
			char names[160] = "";
			for (size_t k = 0; k < CJD_ARRAY_SIZE(sections); k++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 k ? ", " : "", sections[k]);
			load_err(lc, path, 1, "unknown section \"%s\" (sections: %s)%s", skey, names, h);
			continue;
		}
		if (!json_is_object(sec)) {
			load_err(lc, skey, 0, "\"%s\" must be an object", skey);
			continue;
		}
		if (load_section(lc, tmp, skey, skey, sec) == -ENOMEM)
			goto out;
	}
	for (size_t i = 0; i < CJD_ARRAY_SIZE(rules); i++) {
		const char *bad = NULL;
		char why[320];
		if (rules[i](tmp, &bad, why, sizeof(why)))
			load_err(lc, bad, 0, "%s", why);
	}
out:
	json_decref(root);
	if (lc->oom)
		return -ENOMEM;
	return lc->n || lc->untold ? -EINVAL : 0;
}

/* Runs load_into on a copy of cfg; cfg takes the result only when all is well. */
static int load_text(struct cjd_config *cfg, struct loadctx *lc, const char *text)
{
	struct cjd_config tmp;
	int rc;

	if ((rc = cjd_config_copy(&tmp, cfg)))
		return rc;
	rc = load_into(lc, &tmp, text);
	if (rc) {
		cjd_config_release(&tmp);
	} else {
		cjd_config_release(cfg);
		*cfg = tmp;
	}
	/* file order, whatever order the checks found them in */
	if (lc->n)
		qsort(lc->v, lc->n, sizeof(*lc->v), problem_cmp);
	return rc;
}

static void loadctx_free(struct loadctx *lc)
{
	cjd_json_locations_free(lc->loc);
	free(lc->v);
}

int cjd_config_load_string(struct cjd_config *cfg, const char *name, const char *text,
			   struct cjd_error *err)
{
	struct loadctx lc = {.name = name};
	int rc = load_text(cfg, &lc, text);

	if (rc == -ENOMEM)
		cjd_error_set(err, rc, name, 0, 0, "out of memory");
	else if (rc && err)
		*err = lc.v[0].e;
	loadctx_free(&lc);
	return rc;
}

/* Reads a whole configuration file (at most 16 MiB, no NUL bytes). */
static int read_file(const char *path, char **out, struct cjd_error *err)
{
	FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!fp)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open: %s", strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			if (cap > (16u << 20)) {
				fclose(fp);
				free(text);
				return cjd_error_set(err, -EFBIG, path, 0, 0, "larger than 16 MiB");
			}
			if (cjd_array_reserve(text, cap, len + 8192)) {
				fclose(fp);
				free(text);
				return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
			}
		}
		size_t n = fread(text + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	rc = ferror(fp) ? -EIO : 0;
	fclose(fp);
	if (rc) {
		free(text);
		return cjd_error_set(err, rc, path, 0, 0, "read error");
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		return cjd_error_set(err, -EINVAL, path, 0, 0, "contains a NUL byte");
	}
	*out = text;
	return 0;
}

int cjd_config_load(struct cjd_config *cfg, const char *path, struct cjd_error *err)
{
	char *text;
	int rc = read_file(path, &text, err);

	if (rc)
		return rc;
	rc = cjd_config_load_string(cfg, path, text, err);
	free(text);
	return rc;
}

int cjd_config_check(const char *name, const char *text, cjd_config_report_cb cb, void *ctx)
{
	struct loadctx lc = {.name = name};
	struct cjd_config cfg;
	struct cjd_error err;
	char *owned = NULL;
	int rc;

	if (!text) {
		if ((rc = read_file(name, &owned, &err)) == -ENOMEM)
			return rc;
		if (rc) {
			cb(&err, ctx);
			return 1;
		}
		text = owned;
	}
	if ((rc = cjd_config_defaults(&cfg))) {
		free(owned);
		return rc;
	}
	rc = load_text(&cfg, &lc, text);
	cjd_config_release(&cfg);
	free(owned);
	if (rc == -ENOMEM) {
		loadctx_free(&lc);
		return rc;
	}
	for (size_t i = 0; i < lc.n; i++)
		cb(&lc.v[i].e, ctx);
	if (lc.untold) {
		cjd_error_set(&err, -EINVAL, name, 0, 0, "%zu more problem%s not shown", lc.untold,
			      lc.untold == 1 ? "" : "s");
		cb(&err, ctx);
	}
	rc = (int)(lc.n + lc.untold);
	loadctx_free(&lc);
	return rc;
}

bool cjd_config_flag(size_t i, struct cjd_config_flag *out)
{
	if (i >= CJD_ARRAY_SIZE(opts))
		return false;
	*out = (struct cjd_config_flag){
		.key = opts[i].key,
		.name = opts[i].cli.name,
		.short_name = opts[i].cli.short_name,
		.arg = opts[i].cli.arg,
		.help = opts[i].cli.help,
		.unset = opts[i].cli.unset,
		.def = opts[i].def,
		.list = opts[i].type == T_STRLIST,
	};
	return true;
}

/* ---- output ---- */

/* s as a JSON string on out (null when s is NULL or memory is short). */
static void write_string(FILE *out, const char *s)
{
	struct cjd_buf b = CJD_BUF_INIT;

	if (s && cjd_json_put_str(&b, s) == 0)
		fwrite(b.data, 1, b.len, out);
	else
		fputs("null", out);
	cjd_buf_release(&b);
}

static void write_value(const struct cjd_config *cfg, const struct opt *o, FILE *out)
{
	const void *f = (const char *)cfg + o->off;
	char buf[64];

	switch (o->type) {
	case T_DURATION:
		fprintf(out, "\"%s\"", cjd_duration_format(*(const uint64_t *)f, buf, sizeof(buf)));
		break;
	case T_SIZE: {
		uint64_t b = *(const uint64_t *)f;
		if (b % (1u << 30) == 0)
			fprintf(out, "\"%lluG\"", (unsigned long long)(b >> 30));
		else if (b % (1u << 20) == 0)
			fprintf(out, "\"%lluM\"", (unsigned long long)(b >> 20));
		else
			fprintf(out, "%llu", (unsigned long long)b);
		break;
	}
	case T_UINT:
		fprintf(out, "%u", *(const uint32_t *)f);
		break;
	case T_DOUBLE:
		if (isnan(*(const double *)f))
			fputs("null", out);
		else
			cjd_fmt_double(buf, sizeof(buf), *(const double *)f), fputs(buf, out);
		break;
	case T_BOOL:
		fputs(*(const bool *)f ? "true" : "false", out);
		break;
	case T_ACTION:
		fprintf(out, "\"%s\"", action_names[*(const enum cjd_action_kind *)f]);
		break;
	case T_STRING:
	case T_CHOICE:
		write_string(out, *(char *const *)f);
		break;
	case T_STRLIST: {
		const struct cjd_strlist *l = f;
		fputc('[', out);
		for (size_t i = 0; i < l->n; i++) {
			fputs(i ? ", " : "", out);
			write_string(out, l->v[i]);
		}
		fputc(']', out);
		break;
	}
	}
}

int cjd_config_write(const struct cjd_config *cfg, FILE *out)
{
	fputs("{\n", out);
	for (size_t s = 0; s < CJD_ARRAY_SIZE(sections); s++) {
		size_t sl = strlen(sections[s]);
		const char *sub = NULL; /* the subsection open ("http" of outputs.http.*) */
		size_t subl = 0;
		bool first = true;
		fprintf(out, "  \"%s\": {\n", sections[s]);
		for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
			if (strncmp(opts[i].key, sections[s], sl) || opts[i].key[sl] != '.')
				continue;
			const char *rest = opts[i].key + sl + 1, *dot = strchr(rest, '.');
			/* keys of a subsection are contiguous in the table: one nested object */
			if (sub && (!dot || (size_t)(dot - rest) != subl || strncmp(rest, sub, subl))) {
				fputs("\n    }", out);
				sub = NULL;
			}
			if (dot && !sub) {
				sub = rest;
				subl = (size_t)(dot - rest);
				fprintf(out, "%s    \"%.*s\": {\n", first ? "" : ",\n", (int)subl, rest);
				first = true;
			}
			fprintf(out, "%s%s\"%s\": ", first ? "" : ",\n", sub ? "      " : "    ",
				sub ? dot + 1 : rest);
			write_value(cfg, &opts[i], out);
			first = false;
		}
		if (sub)
			fputs("\n    }", out);
		fprintf(out, "\n  }%s\n", s + 1 < CJD_ARRAY_SIZE(sections) ? "," : "");
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

bool cjd_config_same(const struct cjd_config *a, const struct cjd_config *b, const char *prefix)
{
	size_t pl = strlen(prefix);
	bool same = true;

	for (size_t i = 0; same && i < CJD_ARRAY_SIZE(opts); i++) {
		char *ta = NULL, *tb = NULL;
		size_t la = 0, lb = 0;
		if (strncmp(opts[i].key, prefix, pl))
			continue;
		FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);
		if (fa)
			write_value(a, &opts[i], fa);
		if (fb)
			write_value(b, &opts[i], fb);
		if (fa)
			fclose(fa);
		if (fb)
			fclose(fb);
		same = ta && tb && la == lb && !memcmp(ta, tb, la);
		free(ta);
		free(tb);
	}
	return same;
}

void cjd_config_write_docs(FILE *out)
{
	static const char *const type_names[] = {
		[T_DURATION] = "duration", [T_UINT] = "integer", [T_DOUBLE] = "number or null",
		[T_STRING] = "string or null", [T_STRLIST] = "array of strings", [T_SIZE] = "size",
		[T_CHOICE] = "string", [T_ACTION] = "string", [T_BOOL] = "boolean"};
	struct cjd_config def;

	if (cjd_config_defaults(&def))
		return;
	for (size_t s = 0; s < CJD_ARRAY_SIZE(sections); s++) {
		size_t sl = strlen(sections[s]);
		fprintf(out, "\n### `%s`\n\n| key | option | type | default | allowed | meaning |\n"
			     "|---|---|---|---|---|---|\n",
			sections[s]);
		for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
			const struct opt *o = &opts[i];
			char range[96] = "";
			if (strncmp(o->key, sections[s], sl) || o->key[sl] != '.')
				continue;
			if (o->type == T_DURATION) {
				char a[32], b[32];
				snprintf(range, sizeof(range), "%s – %s",
					 cjd_duration_format((uint64_t)(o->min * 1e9 + 0.5), a, sizeof(a)),
					 cjd_duration_format((uint64_t)(o->max * 1e9 + 0.5), b, sizeof(b)));
			} else if (o->type == T_UINT || o->type == T_DOUBLE || o->type == T_SIZE) {
				snprintf(range, sizeof(range), "%g – %g", o->min, o->max);
			} else if (o->choices) {
				snprintf(range, sizeof(range), "%s", o->choices);
			}
			for (char *p = range; *p; p++)
				if (*p == '|')
					*p = '/';
			char flag[64];
			snprintf(flag, sizeof(flag), "`--%s`", o->cli.name);
			if (o->cli.short_name)
				snprintf(flag + strlen(flag), sizeof(flag) - strlen(flag), ", `-%c`",
					 o->cli.short_name);
			fprintf(out, "| `%s` | %s | %s | `", o->key + sl + 1, flag, type_names[o->type]);
			write_value(&def, o, out);
			fprintf(out, "` | %s | %s |\n", range, o->doc);
		}
	}
	cjd_config_release(&def);
}
