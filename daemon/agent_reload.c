/* SIGHUP: reload the configuration and the model atomically, or keep what runs. */
#include <math.h>
#include <string.h>

#include "agent_internal.h"
#include "cjd/common/log.h"

static bool same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

static bool same_list(const struct cjd_strlist *x, const struct cjd_strlist *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i], y->v[i]))
			return false;
	return true;
}

/* Settings bound at start (sockets, counters, files) change only on restart: say so. */
static void warn_restart_only(const struct cjd_config *o, const struct cjd_config *n)
{
	static const char *const fmt = "reload: %s changed; it takes effect after a restart";

	if (o->interval_ns != n->interval_ns)
		cjd_warn(fmt, "collector.interval");
	if (o->rescan_ns != n->rescan_ns)
		cjd_warn(fmt, "collector.rescan");
	if (!same_list(&o->include, &n->include) || !same_list(&o->exclude, &n->exclude))
		cjd_warn(fmt, "collector.include/exclude");
	if (!same_str(o->events, n->events) || !same_str(o->cgroup_root, n->cgroup_root))
		cjd_warn(fmt, "collector.events/cgroup_root");
	if (!same_list(&o->endpoints, &n->endpoints) || o->hwm != n->hwm ||
	    !same_str(o->curve_secret, n->curve_secret) ||
	    !same_str(o->curve_clients, n->curve_clients))
		cjd_warn(fmt, "publish.*");
	if (!same_str(o->journal, n->journal) || o->journal_rotate_bytes != n->journal_rotate_bytes ||
	    o->journal_keep != n->journal_keep)
		cjd_warn(fmt, "journal.*");
	if (o->metrics_ns != n->metrics_ns || o->heartbeat_ns != n->heartbeat_ns)
		cjd_warn(fmt, "publish.metrics_every/heartbeat_every");
	if (!cjd_config_same(o, n, "outputs."))
		cjd_warn(fmt, "outputs.*");
}

void cjd_agent_reload(struct cjd_agent *a)
{
	struct cjd_config nc;
	struct cjd_error err;
	char msg[1024];

	cjd_info("SIGHUP: reloading %s", a->opts.config_path ? a->opts.config_path : "(no file)");
	if (cjd_agent_load_config(&a->opts, &nc, &err)) {
		cjd_err("reload rejected, the running configuration stays: %s",
			cjd_error_format(&err, msg, sizeof(msg)));
		return;
	}
	if (cjd_pipeline_reconfigure(a->pipe, &nc, &err)) {
		cjd_err("reload rejected, the running configuration stays: %s",
			cjd_error_format(&err, msg, sizeof(msg)));
		cjd_config_release(&nc);
		return;
	}
	warn_restart_only(&a->cfg, &nc);
	/* committed: move the new configuration into the one the pipeline borrows */
	struct cjd_config old = a->cfg;
	a->cfg = nc;
	cjd_agent_metrics_reconfigure(a, &old);
	cjd_config_release(&old);
	{
		enum cjd_log_level lvl;
		enum cjd_log_format fmt;
		if (!cjd_log_level_parse(a->cfg.log_level, &lvl) &&
		    !cjd_log_format_parse(a->cfg.log_format, &fmt))
			cjd_log_setup(lvl, fmt);
	}
	const char *path;
	const struct cjd_model *m = cjd_pipeline_model(a->pipe, a->info.mode, &path);
	cjd_info("reloaded: model %s %s (%s)", cjd_model_name(m), cjd_model_version(m), path);
}
