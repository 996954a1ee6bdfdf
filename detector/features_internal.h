/* The feature table, defined once: per-sample ratios, window statistics, and the named feature vector. */
#ifndef CJD_DETECTOR_FEATURES_INTERNAL_H
#define CJD_DETECTOR_FEATURES_INTERNAL_H

#include "cjd/common/event.h"

/*
 * Two levels, both fixed at compile time so models can name features:
 *
 * 1. Ratios: one value per sample of a cgroup, num/den * scale. They are
 *    what a counter tells about *how* a cgroup computes, independent of how
 *    much: a hashing loop has a characteristic IPC and miss profile. Each is
 *    kept in a ring of the last W samples per cgroup (SoA, cgroup = lane).
 * 2. Statistics over a window of W ratios. Hashing loops are nearly flat, so
 *    dispersion (std, cv), range (min, max) and lag-1 autocorrelation
 *    separate them from bursty benign work.
 *
 * Feature i is ratio i / CJD_STAT__COUNT, statistic i % CJD_STAT__COUNT, and
 * is named "<ratio>.<stat>" ("ipc.mean", "cpu_util.ac1").
 *
 * Operands of a ratio are the sample's counts (enum cjd_event) or the
 * interval length CJD_OP_DT (ns). All are integers >= 0, so "den > 0" means
 * den >= 1 and a ratio can never divide by a fraction.
 */

/* Operand index: an enum cjd_event, or the interval length. */
#define CJD_OP_DT CJD_EV__COUNT
#define CJD_OP__COUNT (CJD_EV__COUNT + 1)

/* The largest value a ratio takes; larger quotients are clamped. Keeps every
 * square in the window statistics (<= 1e30 * W) finite in float. */
#define CJD_RATIO_MAX 1e15f

/* A window whose coefficient of variation is below this is "flat": its lag-1
 * autocorrelation is 0 (undefined in exact arithmetic, rounding noise in float). */
#define CJD_FLAT_CV 1e-5f

enum cjd_feature_set {
	CJD_SET_HW = 0, /* needs the PMU */
	CJD_SET_SW,     /* software events, available everywhere */
	CJD_SET__COUNT,
};

/*
 * X(id, name, set, num, den, scale, safe, formula)
 *   num, den  operands (enum cjd_event or CJD_OP_DT)
 *   scale     multiplies num/den (per kilo-instruction: 1000; per CPU-second
 *             with task-clock in ns: 1e9)
 *   safe      the value when den == 0 (an idle or absent cgroup)
 * The events a ratio needs are those of its operands (CJD_OP_DT is free).
 */
#define CJD_RATIOS(X)                                                                              \
	X(IPC, "ipc", CJD_SET_HW, CJD_EV_INSTRUCTIONS, CJD_EV_CYCLES, 1.0f, 0.0f,                  \
	  "instructions / cycles")                                                                 \
	X(BR_PKI, "br_pki", CJD_SET_HW, CJD_EV_BRANCHES, CJD_EV_INSTRUCTIONS, 1000.0f, 0.0f,        \
	  "branches per 1000 instructions")                                                        \
	X(BR_MISS, "br_miss", CJD_SET_HW, CJD_EV_BRANCH_MISSES, CJD_EV_BRANCHES, 1.0f, 0.0f,        \
	  "branch-misses / branches")                                                              \
	X(L1D_MPKI, "l1d_mpki", CJD_SET_HW, CJD_EV_L1D_LOAD_MISSES, CJD_EV_INSTRUCTIONS, 1000.0f,   \
	  0.0f, "L1-dcache-load-misses per 1000 instructions")                                     \
	X(LLC_MPKI, "llc_mpki", CJD_SET_HW, CJD_EV_LLC_LOAD_MISSES, CJD_EV_INSTRUCTIONS, 1000.0f,   \
	  0.0f, "LLC-load-misses per 1000 instructions")                                           \
	X(INSN_RATE, "insn_per_cpu_s", CJD_SET_HW, CJD_EV_INSTRUCTIONS, CJD_EV_TASK_CLOCK, 1e9f,    \
	  0.0f, "instructions per CPU-second (task-clock)")                                        \
	X(CPU_UTIL, "cpu_util", CJD_SET_SW, CJD_EV_TASK_CLOCK, CJD_OP_DT, 1.0f, 0.0f,               \
	  "task-clock / interval: CPUs kept busy")                                                 \
	X(CTXSW_RATE, "ctxsw_per_cpu_s", CJD_SET_SW, CJD_EV_CONTEXT_SWITCHES, CJD_EV_TASK_CLOCK,    \
	  1e9f, 0.0f, "context switches per CPU-second")                                           \
	X(MIGR_RATE, "migr_per_cpu_s", CJD_SET_SW, CJD_EV_CPU_MIGRATIONS, CJD_EV_TASK_CLOCK, 1e9f,  \
	  0.0f, "CPU migrations per CPU-second")                                                   \
	X(PGFLT_RATE, "pgflt_per_cpu_s", CJD_SET_SW, CJD_EV_PAGE_FAULTS, CJD_EV_TASK_CLOCK, 1e9f,   \
	  0.0f, "page faults per CPU-second")                                                      \
	X(SYSCALL_RATE, "syscall_per_cpu_s", CJD_SET_SW, CJD_EV_SYSCALLS, CJD_EV_TASK_CLOCK, 1e9f,  \
	  0.0f, "syscalls per CPU-second")

#define CJD_RATIO_ENUM(id, ...) CJD_RATIO_##id,
enum cjd_ratio { CJD_RATIOS(CJD_RATIO_ENUM) CJD_RATIO__COUNT };
#undef CJD_RATIO_ENUM

/*
 * X(id, suffix, safe, formula), over the window x[0..W) of one ratio, with
 * m the mean. Every statistic of nonnegative ratios is nonnegative except
 * ac1, which lies in [-1, 1].
 */
#define CJD_STATS(X)                                                                               \
	X(MEAN, "mean", 0.0f, "m = sum(x) / W")                                                    \
	X(STD, "std", 0.0f, "sqrt(sum((x - m)^2) / W) (population)")                               \
	X(CV, "cv", 0.0f, "std / m; 0 when m == 0")                                                \
	X(MIN, "min", 0.0f, "min(x)")                                                              \
	X(MAX, "max", 0.0f, "max(x)")                                                              \
	X(AC1, "ac1", 0.0f,                                                                        \
	  "sum((x[t] - m)(x[t+1] - m)) / sum((x - m)^2), in time order; 0 when cv < 1e-5 (flat)")

/* The suffixes again, as a list for string-literal concatenation (names are
 * built at compile time, so the table needs no initialisation). Keep in
 * the order of CJD_STATS; a static assertion in features_table.c checks the count. */
#define CJD_STAT_NAMES(r)                                                                          \
	r ".mean", r ".std", r ".cv", r ".min", r ".max", r ".ac1"

#define CJD_STAT_ENUM(id, ...) CJD_STAT_##id,
enum cjd_stat { CJD_STATS(CJD_STAT_ENUM) CJD_STAT__COUNT };
#undef CJD_STAT_ENUM

#define CJD_FEATURE__COUNT (CJD_RATIO__COUNT * CJD_STAT__COUNT)

/* Feature index of (ratio, stat). */
#define CJD_FEATURE(ratio, stat) ((ratio) * CJD_STAT__COUNT + (stat))

/* One ratio, as the kernels and the documentation need it. */
struct cjd_ratio_info {
	const char *name;
	enum cjd_feature_set set;
	int num, den; /* operands */
	float scale;
	float safe;
	cjd_event_mask events;
	const char *formula;
};

struct cjd_stat_info {
	const char *suffix;
	float safe;
	const char *formula;
};

/* Rows of the tables; NULL when out of range. */
const struct cjd_ratio_info *cjd_ratio_info(enum cjd_ratio r);
const struct cjd_stat_info *cjd_stat_info(enum cjd_stat s);

/* The events every ratio of a set needs. */
cjd_event_mask cjd_feature_set_events(enum cjd_feature_set set);

#endif
