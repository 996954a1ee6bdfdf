/* A minimal JSON line per alert for `cjd replay`, until the canonical ECS serializer (issue 6) lands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cjd/util.h"
#include "replay.h"

struct out {
	char *buf;
	size_t len, pos;
	int rc;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->rc)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->rc = -ENOSPC;
	else
		o->pos += (size_t)n;
}

static void str(struct out *o, const char *s)
{
	if (!o->rc && cjd_json_escape(o->buf, o->len, &o->pos, s ? s : ""))
		o->rc = -ENOSPC;
}

static void num(struct out *o, double v, bool single)
{
	char b[40];
	int rc = single ? cjd_fmt_float(b, sizeof(b), (float)v) : cjd_fmt_double(b, sizeof(b), v);

	if (rc < 0 && !o->rc)
		o->rc = rc;
	put(o, "%s", b);
}

int replay_alert_json(const struct cjd_alert *a, char *buf, size_t len)
{
	struct out o = {buf, len, 0, 0};
	char ts[64], host[256];

	put(&o, "{\"@timestamp\":\"%s\",\"schema\":\"cjd.alert/1\"",
	    cjd_rfc3339_ns(a->time_real_ns, ts, sizeof(ts)));
	put(&o, ",\"event\":{\"kind\":\"alert\",\"category\":[\"malware\",\"process\"],\"action\":");
	str(&o, cjd_alert_action_name(a->action));
	put(&o, ",\"severity\":%d}", a->severity);
	put(&o, ",\"host\":{\"name\":");
	str(&o, a->host ? a->host : cjd_hostname(host, sizeof(host)));
	put(&o, "},\"cgroup\":{\"path\":");
	str(&o, a->cgroup);
	put(&o, "},\"threat\":{\"technique\":{\"id\":\"T1496\"}}");
	put(&o, ",\"cjd\":{\"score\":");
	num(&o, a->score, true);
	put(&o, ",\"threshold\":");
	num(&o, a->threshold, true);
	put(&o, ",\"mode\":");
	str(&o, cjd_mode_name(a->mode));
	put(&o, ",\"model\":{\"name\":");
	str(&o, a->model_name);
	put(&o, ",\"version\":");
	str(&o, a->model_version);
	put(&o, "},\"t_ns\":%llu,\"fired_t_ns\":%llu,\"windows\":%u,\"windows_flagged\":%u",
	    (unsigned long long)a->t_ns, (unsigned long long)a->fired_t_ns, a->windows,
	    a->windows_flagged);
	put(&o, ",\"window\":{");
	for (int i = 0; i < a->n_features; i++) {
		if (i)
			put(&o, ",");
		str(&o, a->features[i].name);
		put(&o, ":");
		num(&o, a->features[i].value, true);
	}
	put(&o, "},\"cost\":{\"cpu_seconds\":");
	num(&o, a->cpu_seconds, false);
	put(&o, ",\"usd\":");
	num(&o, a->cost_usd, false);
	put(&o, "}");
	if (a->label) {
		put(&o, ",\"label\":");
		str(&o, a->label);
	}
	put(&o, "}}\n");
	return o.rc ? o.rc : (int)o.pos;
}
