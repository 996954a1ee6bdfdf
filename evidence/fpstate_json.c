/* The fpstate probe's result in JSON, and in a sentence or two a responder can act on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cjd/evidence/fpstate.h"
#include "internal.h"

static const char *thread_status(const struct cjd_fpstate_thread *t)
{
	if (t->looks)
		return "looked";
	if (t->traced_by)
		return "traced";
	if (t->kthread)
		return "kernel";
	if (t->denied)
		return "denied";
	if (t->gave_up)
		return "gave_up";
	if (t->exited)
		return "exited";
	return "failed";
}

static json_t *modes_json(uint8_t seen)
{
	json_t *a = json_array();

	for (int m = 0; m < 4 && a; m++)
		if (seen & (1u << m))
			json_array_append_new(a, json_string(cjd_fp_round_name((enum cjd_fp_round)m)));
	return a;
}

static json_t *thread_json(const struct cjd_fpstate_thread *t)
{
	char ctl[16];
	json_t *o, *pauses = json_array(), *held = json_array();

	for (unsigned i = 0; i < t->npause && pauses && held; i++) {
		json_array_append_new(pauses, json_integer(t->pause_ns[i]));
		json_array_append_new(held, json_integer(t->held_ns[i]));
	}
	snprintf(ctl, sizeof(ctl), "0x%08x", t->last_ctl);
	o = json_pack("{s:i,s:i,s:s,s:s,s:i,s:o,s:b,s:b,s:i,s:i,s:o}", "pid", (int)t->pid, "tid",
		      (int)t->tid, "comm", t->comm, "status", thread_status(t), "looks", (int)t->looks,
		      "rounding", modes_json(t->modes_seen), "ftz", t->ftz_looks > 0, "daz",
		      t->daz_looks > 0, "ftz_looks", (int)t->ftz_looks, "daz_looks",
		      (int)t->daz_looks, "pause_ns", pauses);
	if (!o) {
		json_decref(held);
		return NULL;
	}
	json_object_set_new(o, "held_ns", held);
	if (t->looks)
		json_object_set_new(o, "ctl", json_string(ctl));
	if (t->traced_by)
		json_object_set_new(o, "traced_by", json_integer(t->traced_by));
	if (t->gave_up)
		json_object_set_new(o, "gave_up", json_integer(t->gave_up));
	if (t->errors)
		json_object_set_new(o, "errors", json_integer(t->errors));
	if (t->signals)
		json_object_set_new(o, "signals_passed_on", json_integer(t->signals));
	if (t->group_stops)
		json_object_set_new(o, "group_stops", json_integer(t->group_stops));
	if (t->why[0])
		json_object_set_new(o, "why", json_string(t->why));
	return o;
}

int cjd_fpstate_to_json(const struct cjd_fpstate_result *res, json_t **out)
{
	json_t *o, *threads = json_array();

	*out = NULL;
	if (!threads)
		return -ENOMEM;
	for (size_t i = 0; i < res->nthreads; i++) {
		json_t *t = thread_json(&res->threads[i]);
		if (!t || json_array_append_new(threads, t)) {
			json_decref(threads);
			return -ENOMEM;
		}
	}
	o = json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,"
		      "s:I,s:I},s:o}",
		      "register", res->arch ? res->arch : "none", "rounds", (int)res->rounds,
		      "interval_ns", (json_int_t)res->interval_ns, "max_pause_ns",
		      (json_int_t)res->max_pause_ns, "elapsed_ns", (json_int_t)res->elapsed_ns,
		      "cpu_ns", (json_int_t)res->cpu_ns, "threads_seen", (json_int_t)res->nthreads,
		      "threads_looked", (json_int_t)res->n_looked, "threads_changed_rounding",
		      (json_int_t)res->n_changed, "threads_nondefault_rounding",
		      (json_int_t)res->n_nondefault, "threads_ftz", (json_int_t)res->n_ftz,
		      "threads_daz", (json_int_t)res->n_daz, "threads_skipped",
		      (json_int_t)res->n_skipped, "threads_already_traced", (json_int_t)res->n_traced,
		      "threads_gave_up", (json_int_t)res->n_gave_up, "threads_over_limit",
		      (json_int_t)res->threads_over, "pause", "looks", (json_int_t)res->npauses,
		      "median_ns", (json_int_t)res->pause_median_ns, "p99_ns",
		      (json_int_t)res->pause_p99_ns, "max_ns", (json_int_t)res->pause_max_ns,
		      "threads", threads);
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "threads_toward_zero", json_integer((json_int_t)res->n_toward_zero));
	json_object_set_new(o, "budget_spent", json_boolean(res->budget_spent));
	json_object_set_new(o, "tracer_priority", json_string(res->tracer_rt ? "SCHED_FIFO 1"
									       : "normal"));
	json_object_set_new(o, "held", json_pack("{s:I,s:I,s:I}", "median_ns",
						 (json_int_t)res->held_median_ns, "p99_ns",
						 (json_int_t)res->held_p99_ns, "max_ns",
						 (json_int_t)res->held_max_ns));
	*out = o;
	return 0;
}

static size_t kernel_threads(const struct cjd_fpstate_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < res->nthreads; i++)
		n += res->threads[i].kthread;
	return n;
}

static const char *threads_word(size_t n)
{
	return n == 1 ? "thread" : "threads";
}

int cjd_fpstate_describe(const struct cjd_fpstate_result *res, char *buf, size_t len)
{
	bool arm = res->arch && !strncmp(res->arch, "aarch64", 7);
	const char *reg = arm ? "FPCR" : "SSE";
	double secs = (double)res->elapsed_ns / 1e9;
	size_t pos = 0;

	if (!buf && len)
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	if (!res->nthreads) {
		cjd_ev_appendf(buf, len, &pos, "No threads to look at%s.",
		    res->pids_skipped_self ? " (only cjd itself, which it does not trace)" : "");
		return (int)pos;
	}
	if (!res->n_looked) {
		cjd_ev_appendf(buf, len, &pos, "Could not look at any of %zu %s", res->nthreads,
		    threads_word(res->nthreads));
		if (res->n_traced)
			cjd_ev_appendf(buf, len, &pos,
				       ": %zu already traced by another process (a debugger?)",
				       res->n_traced);
		else if (res->n_denied)
			cjd_ev_appendf(buf, len, &pos,
				       ": permission denied (needs CAP_SYS_PTRACE)");
		else if (res->n_gave_up)
			cjd_ev_appendf(buf, len, &pos, ": %s not stop within the pause cap",
			    res->n_gave_up == 1 ? "it did" : "they did");
		else if (kernel_threads(res) == res->nthreads)
			cjd_ev_appendf(buf, len, &pos,
				       ": kernel threads have no user floating-point state");
		cjd_ev_appendf(buf, len, &pos, ".");
		if (res->budget_spent)
			cjd_ev_appendf(buf, len, &pos, " Stopped early: the time budget ran out.");
		return (int)pos;
	}
	if (res->n_changed && res->n_toward_zero)
		cjd_ev_appendf(buf, len, &pos,
		    "%zu of %zu %s changed the %s rounding mode during %.1f s, %zu of them through "
		    "round-toward-zero too (RandomX cycles through all four modes; almost no benign "
		    "program changes the mode, and interval arithmetic only rounds up and down).",
		    res->n_changed, res->n_looked, threads_word(res->n_looked), reg, secs,
		    res->n_toward_zero);
	else if (res->n_changed)
		cjd_ev_appendf(buf, len, &pos,
		    "%zu of %zu %s changed the %s rounding mode during %.1f s, among up, down and "
		    "nearest only: interval arithmetic does this; RandomX also rounds toward zero, "
		    "which more looks would likely show (almost no other program changes the "
		    "mode).",
		    res->n_changed, res->n_looked, threads_word(res->n_looked), reg, secs);
	else if (res->n_nondefault)
		cjd_ev_appendf(buf, len, &pos,
		    "%zu of %zu %s ran with a %s rounding mode other than round-to-nearest (rare "
		    "outside RandomX-style hashing and interval arithmetic); none changed it in %u "
		    "looks over %.1f s.",
		    res->n_nondefault, res->n_looked, threads_word(res->n_looked), reg, res->rounds,
		    secs);
	else
		cjd_ev_appendf(buf, len, &pos,
		    "None of %zu %s changed the %s rounding mode in %u looks over %.1f s (RandomX "
		    "would).",
		    res->n_looked, threads_word(res->n_looked), reg, res->rounds, secs);
	if (res->n_ftz || res->n_daz) {
		size_t n = res->n_ftz > res->n_daz ? res->n_ftz : res->n_daz;
		cjd_ev_appendf(buf, len, &pos,
			       " %zu of %zu set %s (miners commonly do; so does code built with "
			       "-ffast-math).",
			       n, res->n_looked,
			       res->n_ftz && res->n_daz ? "flush-to-zero and denormals-are-zero"
			       : res->n_ftz		? "flush-to-zero"
							: "denormals-are-zero");
	} else {
		cjd_ev_appendf(buf, len, &pos, " None set flush-to-zero or denormals-are-zero.");
	}
	if (res->budget_spent)
		cjd_ev_appendf(buf, len, &pos, " Stopped early: the time budget ran out.");
	if (res->n_skipped || res->threads_over) {
		cjd_ev_appendf(buf, len, &pos, " Not looked at: %zu %s",
			       res->n_skipped + res->threads_over,
			       threads_word(res->n_skipped + res->threads_over));
		if (res->n_traced)
			cjd_ev_appendf(buf, len, &pos, " (%zu already traced by another process)",
				       res->n_traced);
		else if (res->threads_over)
			cjd_ev_appendf(buf, len, &pos, " (%zu over the thread limit)",
				       res->threads_over);
		cjd_ev_appendf(buf, len, &pos, ".");
	}
	return (int)pos;
}
