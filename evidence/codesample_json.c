/* Code sampling's result as JSON and as words, and whether the probe can run here. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "cjd/common/caps.h"
#include "internal.h"
#include "codesample_internal.h"

void cjd_codesample_result_free(struct cjd_codesample_result *res)
{
	(void)res; /* no heap parts today */
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static json_t *samples_json(const struct cjd_codesample_result *r, int *rc)
{
	json_t *s = json_object();

	if (!s) {
		*rc = -ENOMEM;
		return NULL;
	}
	cjd_ev_json_put(s, "total", json_integer((json_int_t)r->samples), rc);
	cjd_ev_json_put(s, "user", json_integer((json_int_t)r->user_samples), rc);
	cjd_ev_json_put(s, "kernel", json_integer((json_int_t)r->kernel_samples), rc);
	cjd_ev_json_put(s, "lost", json_integer((json_int_t)r->lost), rc);
	cjd_ev_json_put(s, "dropped", json_integer((json_int_t)r->dropped), rc);
	cjd_ev_json_put(s, "corrupt", json_integer((json_int_t)r->corrupt), rc);
	cjd_ev_json_put(s, "throttled", json_integer((json_int_t)r->throttled), rc);
	return s;
}

static json_t *regions_json(const struct cjd_codesample_result *r, int *rc)
{
	json_t *o = json_object(), *top = json_array();
	uint64_t resolved = 0;

	for (int k = 0; k < CJD_REGION__COUNT; k++)
		resolved += r->region_samples[k];
	if (!o || !top) {
		json_decref(o);
		json_decref(top);
		*rc = -ENOMEM;
		return NULL;
	}
	json_t *by = json_object();
	for (int k = 0; by && k < CJD_REGION__COUNT; k++)
		cjd_ev_json_put(by, cjd_region_kind_name((enum cjd_region_kind)k),
		    json_integer((json_int_t)r->region_samples[k]), rc);
	cjd_ev_json_put(o, "samples_by_kind", by, rc);
	cjd_ev_json_put(o, "off_disk_share", json_real(r->off_disk_share), rc);
	cjd_ev_json_put(o, "maps_failed", json_integer(r->maps_failed), rc);
	cjd_ev_json_put(o, "maps_note", json_string(r->maps_note), rc);
	for (unsigned i = 0; i < r->ntop; i++) {
		json_t *t = json_object();
		if (!t || json_array_append_new(top, t) != 0) {
			*rc = -ENOMEM;
			break;
		}
		cjd_ev_json_put(t, "kind", json_string(cjd_region_kind_name(r->top[i].kind)), rc);
		cjd_ev_json_put(t, "path", json_string(r->top[i].path), rc);
		cjd_ev_json_put(t, "samples", json_integer((json_int_t)r->top[i].samples), rc);
		cjd_ev_json_put(t, "share", json_real(share(r->top[i].samples, resolved)), rc);
		cjd_ev_json_put(t, "processes", json_integer(r->top[i].npids), rc);
	}
	cjd_ev_json_put(o, "top", top, rc);
	return o;
}

static json_t *mix_json(const struct cjd_codesample_result *r, int *rc)
{
	json_t *m = json_object(), *cl = json_object();

	if (!m || !cl) {
		json_decref(m);
		json_decref(cl);
		*rc = -ENOMEM;
		return NULL;
	}
	cjd_ev_json_put(m, "available", json_boolean(r->mix_available), rc);
	cjd_ev_json_put(m, "note", json_string(r->mix_why), rc);
	cjd_ev_json_put(m, "arch", r->arch ? json_string(r->arch) : json_null(), rc);
	for (int c = 0; c < CJD_ICLASS__COUNT; c++)
		cjd_ev_json_put(cl, cjd_iclass_name((enum cjd_iclass)c), json_real(r->mix[c]), rc);
	cjd_ev_json_put(m, "classes", cl, rc);
	cjd_ev_json_put(m, "mem_read_share", json_real(r->mem_read_share), rc);
	cjd_ev_json_put(m, "mem_write_share", json_real(r->mem_write_share), rc);
	cjd_ev_json_put(m, "decoded_samples", json_integer((json_int_t)r->decoded_samples), rc);
	cjd_ev_json_put(m, "decoded_share", json_real(share(r->decoded_samples, r->user_samples)),
			rc);
	cjd_ev_json_put(m, "code_bytes_read", json_integer((json_int_t)r->code_bytes_read), rc);
	cjd_ev_json_put(m, "windows_read", json_integer(r->windows_read), rc);
	cjd_ev_json_put(m, "read_errors", json_integer(r->read_errors), rc);
	cjd_ev_json_put(m, "instructions", json_integer(r->instructions_decoded), rc);
	return m;
}

int cjd_codesample_to_json(const struct cjd_codesample_result *r, json_t **out)
{
	json_t *o = json_object(), *hot = json_object();
	int rc = 0;

	*out = NULL;
	if (!o || !hot) {
		json_decref(o);
		json_decref(hot);
		return -ENOMEM;
	}
	cjd_ev_json_put(o, "window_s", json_real((double)r->window_ns / 1e9), &rc);
	cjd_ev_json_put(o, "period_ns", json_integer((json_int_t)r->period_ns), &rc);
	cjd_ev_json_put(o, "mode", json_string(r->per_thread ? "threads" : "cgroup"), &rc);
	cjd_ev_json_put(o, "rings", json_integer(r->nrings), &rc);
	cjd_ev_json_put(o, "kernel_excluded", json_boolean(r->kernel_excluded), &rc);
	cjd_ev_json_put(o, "samples", samples_json(r, &rc), &rc);
	cjd_ev_json_put(o, "kernel_share", json_real(share(r->kernel_samples, r->samples)), &rc);
	cjd_ev_json_put(o, "processes", json_integer(r->npids), &rc);
	cjd_ev_json_put(o, "threads", json_integer(r->ntids), &rc);
	cjd_ev_json_put(o, "regions", regions_json(r, &rc), &rc);
	cjd_ev_json_put(hot, "lines", json_integer((json_int_t)r->hot90_lines), &rc);
	cjd_ev_json_put(hot, "bytes", json_integer((json_int_t)r->hot90_bytes), &rc);
	cjd_ev_json_put(hot, "distinct_ips", json_integer((json_int_t)r->distinct_ips), &rc);
	cjd_ev_json_put(o, "hot90", hot, &rc);
	cjd_ev_json_put(o, "mix", mix_json(r, &rc), &rc);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

static const char *const class_words[CJD_ICLASS__COUNT] = {
	[CJD_ICLASS_AES] = "AES rounds",          [CJD_ICLASS_CLMUL] = "carry-less multiplies",
	[CJD_ICLASS_MUL64] = "64-bit multiplies", [CJD_ICLASS_INT_SIMD] = "integer SIMD",
	[CJD_ICLASS_ALU] = "integer ALU (xor/rotate/shift/add)",
	[CJD_ICLASS_FP] = "floating point",       [CJD_ICLASS_LOAD] = "loads",
	[CJD_ICLASS_STORE] = "stores",            [CJD_ICLASS_BRANCH] = "branches",
	[CJD_ICLASS_CALL] = "calls/returns",      [CJD_ICLASS_SYSCALL] = "system calls",
	[CJD_ICLASS_OTHER] = "other (moves, nops)",
};

static void add_mix(const struct cjd_codesample_result *r, char *buf, size_t len, size_t *pos)
{
	bool used[CJD_ICLASS__COUNT] = {0};

	if (!r->mix_available) {
		cjd_ev_appendf(buf, len, pos, " Instruction mix unavailable: %s.", r->mix_why);
		return;
	}
	cjd_ev_appendf(buf, len, pos, " The hot code is");
	/* The three largest classes above 5 %. */
	for (int k = 0; k < 3; k++) {
		int best = -1;
		for (int c = 0; c < CJD_ICLASS__COUNT; c++)
			if (!used[c] && r->mix[c] >= 0.05 && (best < 0 || r->mix[c] > r->mix[best]))
				best = c;
		if (best < 0)
			break;
		used[best] = true;
		cjd_ev_appendf(buf, len, pos, "%s %s %.0f %%", k ? "," : "", class_words[best],
			       100.0 * r->mix[best]);
	}
	cjd_ev_appendf(buf, len, pos, " (of the %.0f %% of samples decoded).",
		       100.0 * share(r->decoded_samples, r->user_samples));
}

static const char *kind_words(enum cjd_region_kind k)
{
	switch (k) {
	case CJD_REGION_MAIN:
		return "the main executable";
	case CJD_REGION_LIB:
		return "a library";
	case CJD_REGION_VDSO:
		return "the kernel's vDSO";
	case CJD_REGION_MEMFD:
		return "a memfd: code loaded without a file on disk";
	case CJD_REGION_DELETED:
		return "a file deleted after it was mapped";
	default:
		return "anonymous executable memory";
	}
}

int cjd_codesample_describe(const struct cjd_codesample_result *r, char *buf, size_t len)
{
	char hot[32];
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	if (!r->samples) {
		cjd_ev_appendf(buf, len, &pos,
			       "No CPU time was sampled in %.1f s: the target was idle or exited.",
			       (double)r->window_ns / 1e9);
		return (int)pos;
	}
	if (!r->user_samples) {
		cjd_ev_appendf(buf, len, &pos,
			       "All %llu samples in %.1f s were in the kernel (system calls, I/O): "
			       "no user code to examine.",
			       (unsigned long long)r->samples, (double)r->window_ns / 1e9);
		return (int)pos;
	}
	if (r->off_disk_share >= 0.5)
		cjd_ev_appendf(
		    buf, len, &pos,
		    "%.0f %% of the user CPU time ran in anonymous executable memory, not "
		    "in a file on disk: generated (JIT) or injected code, as RandomX "
		    "miners run, and as JavaScript and Java runtimes also do.",
		    100.0 * r->off_disk_share);
	else if (r->ntop && r->top[0].kind != CJD_REGION_UNKNOWN)
		cjd_ev_appendf(buf, len, &pos, "%.0f %% of the user CPU time ran in %s (%s)%s",
			       100.0 * share(r->top[0].samples, r->user_samples), r->top[0].path,
			       kind_words(r->top[0].kind), r->off_disk_share >= 0.1 ? "," : ".");
	else
		cjd_ev_appendf(buf, len, &pos, "The user CPU time could not be placed in the "
					       "processes' code (%s).",
			       r->maps_note[0] ? r->maps_note : "their maps could not be read");
	if (r->off_disk_share >= 0.1 && r->off_disk_share < 0.5)
		cjd_ev_appendf(buf, len, &pos, " and %.0f %% in anonymous executable memory.",
			       100.0 * r->off_disk_share);
	cjd_ev_fmt_bytes(r->hot90_bytes, hot, sizeof(hot));
	cjd_ev_appendf(buf, len, &pos,
		       " 90 %% of the samples fell in %s of code; %.0f %% of the CPU time was in "
		       "the kernel%s.",
		       hot, 100.0 * share(r->kernel_samples, r->samples),
		       r->lost ? " (some samples were lost)" : "");
	add_mix(r, buf, len, &pos);
	return (int)pos;
}

bool cjd_codesample_available(bool per_thread, char *why, size_t len)
{
	bool perfmon = cjd_caps_have_perfmon();
	bool ptrace = cjd_caps_have(CAP_SYS_PTRACE);
	int paranoid = cjd_caps_perf_paranoid();

	if (!perfmon && paranoid > (per_thread ? 2 : 0)) {
		snprintf(why, len, "sampling %s needs CAP_PERFMON (or CAP_SYS_ADMIN), or "
				   "kernel.perf_event_paranoid <= %d (it is %d)",
			 per_thread ? "threads" : "a whole cgroup", per_thread ? 2 : 0, paranoid);
		return false;
	}
	if (cjd_disasm_host_arch() < 0)
		snprintf(why, len, "no instruction decoder for this architecture: no instruction mix");
	else if (!ptrace)
		snprintf(why, len, "without CAP_SYS_PTRACE only this user's processes' code is read "
				   "(the instruction mix of others is unavailable)");
	else if (len)
		why[0] = '\0';
	return true;
}
