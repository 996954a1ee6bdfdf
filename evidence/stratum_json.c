/* The stratum probe's result as JSON and as sentences: marker names and counts only, never memory contents. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cjd/evidence/stratum.h"
#include "internal.h"

#define I(x) json_integer((json_int_t)(x))

static json_t *marker_names(uint32_t mask)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < CJD_STRATUM_NMARKERS; i++)
		if ((mask & (1u << i)) && json_array_append_new(a, json_string(cjd_stratum_marker_name(i)))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *proc_error(int rc)
{
	return rc == -ESRCH ? "exited" : rc == -EINVAL ? "maps did not parse" : strerror(-rc);
}

static json_t *proc_json(const struct cjd_stratum_proc *p)
{
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	cjd_ev_json_put(o, "pid", json_integer(p->pid), &rc);
	cjd_ev_json_put(o, "comm", json_string(p->comm), &rc);
	cjd_ev_json_put(o, "markers", marker_names(p->markers), &rc);
	cjd_ev_json_put(o, "bytes_read", I(p->bytes_read), &rc);
	cjd_ev_json_put(o, "regions_scanned", I(p->regions_scanned), &rc);
	cjd_ev_json_put(o, "regions_skipped_large", I(p->regions_skipped_large), &rc);
	cjd_ev_json_put(o, "regions_large_read", I(p->regions_large_read), &rc);
	cjd_ev_json_put(o, "regions_unreadable", I(p->regions_unreadable), &rc);
	if (p->rc)
		cjd_ev_json_put(o, "error", json_string(proc_error(p->rc)), &rc);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cjd_stratum_to_json(const struct cjd_stratum_result *res, json_t **out)
{
	json_t *o = json_object(), *procs = json_array();
	int rc = 0;

	*out = NULL;
	if (!o || !procs)
		goto out_nomem;
	cjd_ev_json_put(o, "markers", marker_names(res->markers), &rc);
	cjd_ev_json_put(o, "processes", I(res->nprocs), &rc);
	cjd_ev_json_put(o, "processes_scanned", I(res->procs_scanned), &rc);
	cjd_ev_json_put(o, "processes_with_markers", I(res->procs_with_markers), &rc);
	cjd_ev_json_put(o, "processes_with_2_markers", I(res->procs_with_2_markers), &rc);
	cjd_ev_json_put(o, "processes_with_conversation", I(res->procs_with_conversation), &rc);
	cjd_ev_json_put(o, "processes_exited", I(res->procs_gone), &rc);
	cjd_ev_json_put(o, "processes_denied", I(res->procs_denied), &rc);
	cjd_ev_json_put(o, "processes_over_limit", I(res->procs_over), &rc);
	cjd_ev_json_put(o, "bytes_read", I(res->bytes_read), &rc);
	cjd_ev_json_put(o, "regions_scanned", I(res->regions_scanned), &rc);
	cjd_ev_json_put(o, "regions_skipped_large", I(res->regions_skipped_large), &rc);
	cjd_ev_json_put(o, "regions_large_read", I(res->regions_large_read), &rc);
	cjd_ev_json_put(o, "bytes_skipped_large", I(res->bytes_skipped_large), &rc);
	cjd_ev_json_put(o, "regions_unreadable", I(res->regions_unreadable), &rc);
	cjd_ev_json_put(o, "bytes_over_budget", I(res->bytes_over_budget), &rc);
	cjd_ev_json_put(o, "max_region_bytes", I(res->max_region_bytes), &rc);
	cjd_ev_json_put(o, "max_process_bytes", I(res->max_proc_bytes), &rc);
	cjd_ev_json_put(o, "large_prefix_bytes", I(res->large_prefix_bytes), &rc);
	if (res->parse_error[0])
		cjd_ev_json_put(o, "parse_error", json_string(res->parse_error), &rc);
	for (size_t i = 0; i < res->nprocs; i++)
		if (json_array_append_new(procs, proc_json(&res->procs[i])))
			goto out_nomem;
	if (rc)
		goto out_nomem;
	json_object_set_new(o, "procs", procs);
	*out = o;
	return 0;
out_nomem:
	json_decref(o);
	json_decref(procs);
	return -ENOMEM;
}

int cjd_stratum_describe(const struct cjd_stratum_result *res, char *buf, size_t len)
{
	size_t pos = 0;
	char read[32], big[32];
	unsigned distinct = (unsigned)__builtin_popcount(res->markers);

	if (!buf && len)
		return -EINVAL;
	if (!res->nprocs)
		return snprintf(buf, len, "No processes, so no memory to search.");
	if (!res->procs_scanned)
		return snprintf(buf, len,
				"Could not read the memory of any of %zu process%s (%zu exited, "
				"%zu not allowed).",
				res->nprocs, res->nprocs == 1 ? "" : "es", res->procs_gone,
				res->procs_denied);
	cjd_ev_fmt_bytes(res->bytes_read, read, sizeof(read));
	if (distinct) {
		cjd_ev_appendf(buf, len, &pos, "%u mining-pool protocol marker%s (", distinct,
			       distinct == 1 ? "" : "s");
		for (unsigned i = 0, k = 0; i < CJD_STRATUM_NMARKERS; i++)
			if (res->markers & (1u << i))
				cjd_ev_appendf(buf, len, &pos, "%s%s", k++ ? ", " : "",
					       cjd_stratum_marker_name(i));
		cjd_ev_appendf(buf, len, &pos,
			       ") in the writable memory of %zu of %zu process%s",
			       res->procs_with_markers, res->procs_scanned,
			       res->procs_scanned == 1 ? "" : "es");
	} else {
		cjd_ev_appendf(buf, len, &pos,
			       "No mining-pool protocol marker in the writable memory of %zu "
			       "process%s",
			       res->procs_scanned, res->procs_scanned == 1 ? "" : "es");
	}
	cjd_ev_appendf(buf, len, &pos, " (%s read in %u region%s).", read, res->regions_scanned,
		       res->regions_scanned == 1 ? "" : "s");
	if (res->procs_with_conversation)
		cjd_ev_appendf(buf, len, &pos,
			       " %zu process%s a pool conversation: two or more markers, one of "
			       "them used only by mining pools.",
			       res->procs_with_conversation,
			       res->procs_with_conversation == 1 ? " holds" : "es hold");
	else if (distinct)
		cjd_ev_appendf(buf, len, &pos,
			       " No process holds a pool conversation (two or more markers, one of "
			       "them used only by mining pools)%s.",
			       cjd_stratum_specific(res->markers) ? ""
							  : ": these are ordinary JSON-RPC words too");
	if (res->regions_skipped_large || res->regions_large_read) {
		unsigned n = res->regions_skipped_large + res->regions_large_read;
		cjd_ev_fmt_bytes(res->bytes_skipped_large, big, sizeof(big));
		cjd_ev_appendf(buf, len, &pos, " %u region%s larger than the bound: %s of %s not read",
			       n, n == 1 ? "" : "s", big, n == 1 ? "it" : "them");
		if (res->regions_large_read) {
			char pre[32];
			cjd_ev_fmt_bytes(res->large_prefix_bytes, pre, sizeof(pre));
			cjd_ev_appendf(buf, len, &pos, " (the first %s of %u read)", pre,
				       res->regions_large_read);
		}
		cjd_ev_appendf(buf, len, &pos, ".");
	}
	if (res->bytes_over_budget) {
		cjd_ev_fmt_bytes(res->bytes_over_budget, big, sizeof(big));
		cjd_ev_appendf(buf, len, &pos, " %s left unread by the per-process bound.", big);
	}
	if (res->procs_gone || res->procs_denied)
		cjd_ev_appendf(buf, len, &pos, " %zu process%s exited, %zu not allowed.",
			       res->procs_gone, res->procs_gone == 1 ? "" : "es", res->procs_denied);
	return (int)pos;
}
