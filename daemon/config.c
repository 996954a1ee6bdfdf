/* Configuration: one table of keys drives the defaults, the strict JSON loader, overrides and the docs. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_locate.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "cjd/daemon/config.h"

enum opt_type { T_DURATION, T_UINT, T_DOUBLE, T_STRING, T_STRLIST, T_SIZE, T_CHOICE, T_ACTION };

struct opt {
	const char *key;
	enum opt_type type;
	size_t off;
	const char *def;     /* text form, as on the command line; NULL means null */
	double min, max;     /* numbers; durations in seconds; sizes in bytes */
	const char *choices; /* T_CHOICE: "a|b|c" */
	const char *doc;
};

#define OFF(f) offsetof(struct cjd_config, f)

/* Strings lists in `def` are separated by '\n'. */
static const struct opt opts[] = {
	{"collector.interval", T_DURATION, OFF(interval_ns), "1s", 0.01, 3600, NULL,
	 "Sampling interval: one sample per cgroup per interval (minimum 10ms)."},
	{"collector.rescan", T_DURATION, OFF(rescan_ns), "2s", 0.1, 3600, NULL,
	 "How often the cgroup tree is re-scanned for new and removed cgroups."},
	{"collector.include", T_STRLIST, OFF(include), NULL, 0, 0, NULL,
	 "Globs (fnmatch) of cgroup paths to monitor; empty means every leaf cgroup with processes."},
	{"collector.exclude", T_STRLIST, OFF(exclude), NULL, 0, 0, NULL,
	 "Globs of cgroup paths never to monitor."},
	{"collector.events", T_STRING, OFF(events), "auto", 0, 0, NULL,
	 "`auto` (hardware events if the PMU counts them, else software), `hardware`, `software`, "
	 "or a comma list of registry event names."},
	{"collector.cgroup_root", T_STRING, OFF(cgroup_root), NULL, 0, 0, NULL,
	 "Mount point of the cgroup hierarchy; null discovers it (v2 first, then v1 perf_event)."},
	{"detector.model", T_STRING, OFF(model), NULL, 0, 0, NULL,
	 "Model file; null picks models/hw-default.json or sw-default.json by mode."},
	{"detector.window", T_UINT, OFF(window), "8", 2, 64, NULL,
	 "Samples per feature window (W)."},
	{"detector.threshold", T_DOUBLE, OFF(threshold), NULL, 0, 1, NULL,
	 "Score at or above which a window counts as flagged; null uses the model's calibrated value."},
	{"detector.threshold_low", T_DOUBLE, OFF(threshold_low), NULL, 0, 1, NULL,
	 "Score below which a window counts towards resolving; null uses the model's value."},
	{"detector.fire_windows", T_UINT, OFF(fire_windows), "3", 1, 1000, NULL,
	 "Consecutive flagged windows before an alert fires (K)."},
	{"detector.resolve_windows", T_UINT, OFF(resolve_windows), "3", 1, 1000, NULL,
	 "Consecutive windows below threshold_low before a firing alert resolves (R)."},
	{"detector.ongoing_every", T_DURATION, OFF(ongoing_ns), "60s", 1, 86400, NULL,
	 "While firing, re-publish an `ongoing` update this often."},
	{"detector.price_per_cpu_hour", T_DOUBLE, OFF(price_per_cpu_hour), "0.04", 0, 1000, NULL,
	 "USD per CPU-hour, for the cost estimate in alerts and metrics."},
	{"detector.allowlist", T_STRLIST, OFF(allowlist), NULL, 0, 0, NULL,
	 "Globs of cgroup paths that never alert (and are never acted on)."},
	{"publish.endpoints", T_STRLIST, OFF(endpoints),
	 "tcp://127.0.0.1:5556\nipc:///run/cjd/alerts.sock", 0, 0, NULL,
	 "ZeroMQ endpoints the PUB socket binds."},
	{"publish.hwm", T_UINT, OFF(hwm), "10000", 1, 10000000, NULL,
	 "Send high-water mark per subscriber; messages beyond it are dropped and counted."},
	{"publish.metrics_every", T_DURATION, OFF(metrics_ns), "10s", 1, 86400, NULL,
	 "Period of the per-cgroup `metrics` message (CPU-seconds, cost, score)."},
	{"publish.heartbeat_every", T_DURATION, OFF(heartbeat_ns), "5s", 1, 3600, NULL,
	 "Period of the `heartbeat` message."},
	{"publish.curve_secret", T_STRING, OFF(curve_secret), NULL, 0, 0, NULL,
	 "Server secret key file (from `cjd keygen`); null disables CURVE."},
	{"publish.curve_clients", T_STRING, OFF(curve_clients), NULL, 0, 0, NULL,
	 "Directory of authorised client public keys (with curve_secret)."},
	{"journal.path", T_STRING, OFF(journal), "/var/lib/cjd/alerts.jsonl", 0, 0, NULL,
	 "Alert journal (JSON Lines), written before publishing; null or \"\" disables it."},
	{"journal.rotate_size", T_SIZE, OFF(journal_rotate_bytes), "64M", 4096, 1e12, NULL,
	 "Rotate the journal when it reaches this size (K, M, G suffixes)."},
	{"journal.keep", T_UINT, OFF(journal_keep), "5", 1, 1000, NULL,
	 "Rotated journal files to keep."},
	{"actions.action", T_ACTION, OFF(action), "alert", 0, 0, "alert|freeze|throttle",
	 "Response to a firing alert: `alert` only, `freeze` the cgroup, or `throttle` its CPU."},
	{"actions.min_score", T_DOUBLE, OFF(action_min_score), "0.95", 0, 1, NULL,
	 "Act only on alerts whose score is at least this."},
	{"actions.throttle_quota", T_STRING, OFF(throttle_quota), "10000 100000", 0, 0, NULL,
	 "cpu.max value for `throttle`: \"QUOTA PERIOD\" in microseconds (v1: cfs_quota_us/cfs_period_us)."},
	{"log.level", T_CHOICE, OFF(log_level), "info", 0, 0, "error|warn|info|debug",
	 "Log level on stderr."},
	{"log.format", T_CHOICE, OFF(log_format), "text", 0, 0, "text|json",
	 "Log format on stderr: text lines or JSON lines."},
};

static const char *const sections[] = {"collector", "detector", "publish", "journal", "actions", "log"};

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
	l->n = 0;
}

static int strlist_push(struct cjd_strlist *l, const char *s)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	l->v = nv;
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
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
		if (text && !(s = strdup(text)))
			return -ENOMEM;
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	}
	case T_CHOICE:
		if (!text || !choice_ok(o->choices, text)) {
			snprintf(why, whylen, "%s must be one of %s", o->key, o->choices);
			return -EINVAL;
		}
		free(*(char **)f);
		if (!(*(char **)f = strdup(text)))
			return -ENOMEM;
		return 0;
	case T_ACTION:
		for (size_t i = 0; i < CJD_ARRAY_SIZE(action_names); i++) {
			if (text && strcmp(text, action_names[i]) == 0) {
				*(enum cjd_action_kind *)f = (enum cjd_action_kind)i;
				return 0;
			}
		}
		snprintf(why, whylen, "%s must be one of %s", o->key, o->choices);
		return -EINVAL;
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
		return strlist_push(l, text) ? -ENOMEM : 0;
	}
	}
	return -EINVAL;
}

/* Rules across keys, checked after every change. */
static int check_whole(const struct cjd_config *cfg, const char **key, char *why, size_t whylen)
{
	if (!isnan(cfg->threshold) && !isnan(cfg->threshold_low) &&
	    cfg->threshold_low > cfg->threshold) {
		*key = "detector.threshold_low";
		snprintf(why, whylen, "detector.threshold_low (%g) is above detector.threshold (%g)",
			 cfg->threshold_low, cfg->threshold);
		return -EINVAL;
	}
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
	if (cfg->curve_clients && !cfg->curve_secret) {
		*key = "publish.curve_clients";
		snprintf(why, whylen, "publish.curve_clients needs publish.curve_secret");
		return -EINVAL;
	}
	if (cfg->endpoints.n == 0) {
		*key = "publish.endpoints";
		snprintf(why, whylen, "publish.endpoints must list at least one endpoint");
		return -EINVAL;
	}
	return 0;
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
			l->n = 0;
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

	if (!o)
		return cjd_error_set(err, -ENOENT, NULL, 0, 0, "unknown configuration key \"%s\"", key);
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

/* ---- the JSON file ---- */

struct loadctx {
	const char *name;
	struct cjd_json_locations *loc;
	struct cjd_error *err;
};

static int load_err(struct loadctx *lc, const char *path, int key_pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int load_err(struct loadctx *lc, const char *path, int key_pos, const char *fmt, ...)
{
	int line = 0, col = 0;
	va_list ap;

	cjd_json_where(lc->loc, path, key_pos, &line, &col);
	va_start(ap, fmt);
	cjd_error_vset(lc->err, -EINVAL, lc->name, line, col, fmt, ap);
	va_end(ap);
	return -EINVAL;
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
			snprintf(buf, len, "%.17g", json_real_value(v));
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
		[T_CHOICE] = "a string", [T_ACTION] = "a string"};
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
		json_array_foreach (v, i, item) {
			char path[128];
			snprintf(path, sizeof(path), "%s[%zu]", o->key, i);
			if (!json_is_string(item) || !json_string_length(item))
				return load_err(lc, path, 0, "%s must hold non-empty strings", o->key);
			if ((rc = set_text(cfg, o, json_string_value(item), false, why, sizeof(why))))
				return rc == -ENOMEM ? rc : load_err(lc, path, 0, "%s", why);
		}
		return 0;
	}
	if ((rc = json_to_text(lc, o, v, buf, sizeof(buf), &text)))
		return rc;
	if ((rc = set_text(cfg, o, text, true, why, sizeof(why))))
		return rc == -ENOMEM ? rc : load_err(lc, o->key, 0, "%s", why);
	return 0;
}

int cjd_config_load_string(struct cjd_config *cfg, const char *name, const char *text,
			   struct cjd_error *err)
{
	struct loadctx lc = {.name = name, .err = err};
	struct cjd_config tmp;
	json_error_t jerr;
	json_t *root, *sec, *v;
	const char *skey, *key;
	int rc;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cjd_error_set(err, -EINVAL, name, jerr.line, jerr.column, "%s", jerr.text);
	lc.loc = cjd_json_locate(text, strlen(text));
	if ((rc = cjd_config_copy(&tmp, cfg))) {
		cjd_error_set(err, rc, name, 0, 0, "out of memory");
		goto out_root;
	}
	if (!json_is_object(root)) {
		rc = load_err(&lc, "", 0, "the configuration must be a JSON object");
		goto out_tmp;
	}
	json_object_foreach (root, skey, sec) {
		size_t s;
		for (s = 0; s < CJD_ARRAY_SIZE(sections); s++)
			if (strcmp(skey, sections[s]) == 0)
				break;
		if (s == CJD_ARRAY_SIZE(sections)) {
			rc = load_err(&lc, skey, 1,
				      "unknown section \"%s\" (sections: collector, detector, publish, "
				      "journal, actions, log)", skey);
			goto out_tmp;
		}
		if (!json_is_object(sec)) {
			rc = load_err(&lc, skey, 0, "\"%s\" must be an object", skey);
			goto out_tmp;
		}
		json_object_foreach (sec, key, v) {
			char full[128];
			snprintf(full, sizeof(full), "%s.%s", skey, key);
			const struct opt *o = find_opt(full);
			if (!o) {
				rc = load_err(&lc, full, 1, "unknown key \"%s\" in section \"%s\"", key, skey);
				goto out_tmp;
			}
			if ((rc = load_value(&lc, &tmp, o, v)))
				goto out_tmp;
		}
	}
	{
		const char *bad = NULL;
		char why[320];
		if ((rc = check_whole(&tmp, &bad, why, sizeof(why)))) {
			rc = load_err(&lc, bad, 0, "%s", why);
			goto out_tmp;
		}
	}
	cjd_config_release(cfg);
	*cfg = tmp;
	rc = 0;
	goto out_root;
out_tmp:
	cjd_config_release(&tmp);
out_root:
	cjd_json_locations_free(lc.loc);
	json_decref(root);
	return rc;
}

int cjd_config_load(struct cjd_config *cfg, const char *path, struct cjd_error *err)
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
			char *nt = realloc(text, cap = cap ? cap * 2 : 8192);
			if (!nt) {
				fclose(fp);
				free(text);
				return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
			}
			text = nt;
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
	rc = cjd_config_load_string(cfg, path, text, err);
	free(text);
	return rc;
}

/* ---- output ---- */

static void write_value(const struct cjd_config *cfg, const struct opt *o, FILE *out)
{
	const void *f = (const char *)cfg + o->off;
	char buf[64];
	size_t pos;

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
	case T_ACTION:
		fprintf(out, "\"%s\"", action_names[*(const enum cjd_action_kind *)f]);
		break;
	case T_STRING:
	case T_CHOICE: {
		const char *s = *(char *const *)f;
		char esc[1024];
		pos = 0;
		if (!s || cjd_json_escape(esc, sizeof(esc) - 1, &pos, s))
			fputs("null", out);
		else
			fwrite(esc, 1, pos, out);
		break;
	}
	case T_STRLIST: {
		const struct cjd_strlist *l = f;
		fputc('[', out);
		for (size_t i = 0; i < l->n; i++) {
			char esc[1024];
			pos = 0;
			if (cjd_json_escape(esc, sizeof(esc) - 1, &pos, l->v[i]) == 0)
				fprintf(out, "%s%.*s", i ? ", " : "", (int)pos, esc);
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
		bool first = true;
		fprintf(out, "  \"%s\": {\n", sections[s]);
		for (size_t i = 0; i < CJD_ARRAY_SIZE(opts); i++) {
			if (strncmp(opts[i].key, sections[s], sl) || opts[i].key[sl] != '.')
				continue;
			fprintf(out, "%s    \"%s\": ", first ? "" : ",\n", opts[i].key + sl + 1);
			write_value(cfg, &opts[i], out);
			first = false;
		}
		fprintf(out, "\n  }%s\n", s + 1 < CJD_ARRAY_SIZE(sections) ? "," : "");
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

void cjd_config_write_docs(FILE *out)
{
	static const char *const type_names[] = {
		[T_DURATION] = "duration", [T_UINT] = "integer", [T_DOUBLE] = "number or null",
		[T_STRING] = "string or null", [T_STRLIST] = "array of strings", [T_SIZE] = "size",
		[T_CHOICE] = "string", [T_ACTION] = "string"};
	struct cjd_config def;

	if (cjd_config_defaults(&def))
		return;
	for (size_t s = 0; s < CJD_ARRAY_SIZE(sections); s++) {
		size_t sl = strlen(sections[s]);
		fprintf(out, "\n### `%s`\n\n| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n",
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
			fprintf(out, "| `%s` | %s | `", o->key + sl + 1, type_names[o->type]);
			write_value(&def, o, out);
			fprintf(out, "` | %s | %s |\n", range, o->doc);
		}
	}
	cjd_config_release(&def);
}
