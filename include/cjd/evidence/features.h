/* The evidence feature vector: one fixed, named list of figures computed from an inspection's JSON. */
#ifndef CJD_EVIDENCE_FEATURES_H
#define CJD_EVIDENCE_FEATURES_H

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <stdint.h>

#include "cjd/common/error.h"

/*
 * The features, in vector order. X(name, "what it measures"). Each belongs to one probe (its
 * name's prefix: fp_ fpstate, code_ and mix_ codesample, net_ network, mem_ memory,
 * st_ stratum). A probe
 * that did not run (not selected, unavailable, failed, or saw nothing to measure) leaves its
 * features ABSENT (present bit 0, value 0), never a measured zero. Shares are 0..1.
 * docs/evidence.md ("The evidence features") says how each is computed.
 * Adding a feature is one X line here and its computation in evidence/features.c; models
 * name features, so a new one never shifts an old model.
 */
#define CJD_EVFEAT_LIST(X)                                                                        \
	X(fp_threads, "threads whose FP control register was read")                               \
	X(fp_changed_rounding_share, "share of threads seen in more than one rounding mode")      \
	X(fp_nondefault_rounding_share, "share of threads seen in a rounding mode other than "   \
					"round-to-nearest")                                       \
	X(fp_toward_zero_threads, "threads seen in round-toward-zero mode (RandomX; interval "   \
				  "arithmetic never)")                                            \
	X(fp_ftz_share, "share of threads with flush-to-zero set")                                \
	X(fp_daz_share, "share of threads with denormals-are-zero set")                           \
	X(fp_traced_share, "share of threads already traced by another process")                  \
	X(code_samples, "user-mode cpu-clock samples taken")                                      \
	X(code_offdisk_share, "share of user samples in code not backed by a file on disk "       \
			      "(anonymous, memfd, deleted)")                                      \
	X(code_anon_share, "share of user samples in anonymous executable memory")                \
	X(code_hot90_log10_bytes, "log10 of the bytes of code that hold 90 % of the samples")    \
	X(code_kernel_share, "share of samples taken in the kernel")                              \
	X(mix_aes, "share of the hot code's weight in AES rounds")                                \
	X(mix_clmul, "share in carry-less multiplies")                                            \
	X(mix_mul64, "share in 64-bit integer multiplies")                                        \
	X(mix_int_simd, "share in integer SIMD")                                                  \
	X(mix_alu, "share in scalar xor/rotate/shift/add/logic")                                  \
	X(mix_fp, "share in floating point")                                                      \
	X(mix_loadstore, "share in loads and stores")                                             \
	X(mix_branch, "share in jumps and conditional branches")                                  \
	X(mix_call, "share in calls and returns")                                                 \
	X(mix_syscall, "share in system-call instructions")                                       \
	X(net_outbound, "established outbound TCP connections")                                   \
	X(net_small_regular, "outbound TCP connections open 5 s or more with small, regular "     \
			     "exchanges (stratum's shape)")                                       \
	X(net_pool_port, "outbound TCP connections to a port mining pools commonly use")          \
	X(net_listening, "listening TCP sockets")                                                 \
	X(net_log10_bytes_per_s, "log10(1 + bytes per second) over every TCP socket")            \
	X(mem_anon_log2_mib, "log2(1 + MiB of anonymous and hugetlb memory)")                     \
	X(mem_huge_share, "share of that memory on transparent or hugetlb huge pages")              \
	X(st_markers, "distinct mining-pool protocol markers found in the processes' writable "  \
		      "memory")                                                                   \
	X(st_processes, "processes holding two or more distinct such markers")

enum cjd_evfeat_id {
#define CJD_EVFEAT_ENUM(name, what) CJD_EVFEAT_##name,
	CJD_EVFEAT_LIST(CJD_EVFEAT_ENUM)
#undef CJD_EVFEAT_ENUM
	CJD_EVFEAT__COUNT
};

_Static_assert(CJD_EVFEAT__COUNT <= 64, "present is a 64-bit mask");

struct cjd_evfeat {
	double v[CJD_EVFEAT__COUNT];
	uint64_t present; /* bit i: feature i was measured (its probe ran) */
};

/*
 * Computes the features from one inspection: the object cjd_inspect_to_json() makes
 * ({"fpstate": {...}, "codesample": {...}, ...}). Probes missing, not "ok", or with nothing
 * measured leave their features absent. A member of a probe that ran but has the wrong type
 * is an error (-EINVAL, err naming the member); *out is then all absent. Pure: no I/O, thread
 * safe. Returns 0 or -EINVAL.
 */
int cjd_evfeat_from_json(const json_t *inspection, struct cjd_evfeat *out, struct cjd_error *err);

/* The feature's name ("fp_toward_zero_threads"), or NULL when i >= CJD_EVFEAT__COUNT.
 * Inline so that the verdict (detector/) names features without linking the probes. */
static inline const char *cjd_evfeat_name(unsigned i)
{
	static const char *const names[] = {
#define CJD_EVFEAT_NAME(name, what) #name,
		CJD_EVFEAT_LIST(CJD_EVFEAT_NAME)
#undef CJD_EVFEAT_NAME
	};
	return i < CJD_EVFEAT__COUNT ? names[i] : NULL;
}

/* What it measures, one line, or NULL out of range. */
static inline const char *cjd_evfeat_what(unsigned i)
{
	static const char *const what[] = {
#define CJD_EVFEAT_WHAT(name, w) w,
		CJD_EVFEAT_LIST(CJD_EVFEAT_WHAT)
#undef CJD_EVFEAT_WHAT
	};
	return i < CJD_EVFEAT__COUNT ? what[i] : NULL;
}

/* The index of the feature called name, or -ENOENT. */
static inline int cjd_evfeat_find(const char *name)
{
	for (unsigned i = 0; i < CJD_EVFEAT__COUNT; i++)
		if (strcmp(cjd_evfeat_name(i), name) == 0)
			return (int)i;
	return -ENOENT;
}

/* The probe that measures feature i ("fpstate", "codesample", "network", "memory", "stratum",
 * from the name's prefix), or NULL out of range. */
static inline const char *cjd_evfeat_probe(unsigned i)
{
	const char *n = cjd_evfeat_name(i);

	if (!n)
		return NULL;
	if (!strncmp(n, "fp_", 3))
		return "fpstate";
	if (!strncmp(n, "code_", 5) || !strncmp(n, "mix_", 4))
		return "codesample";
	if (!strncmp(n, "st_", 3))
		return "stratum";
	return !strncmp(n, "net_", 4) ? "network" : "memory";
}

/* The features as a JSON object {"name": value, ...} of the present ones only (*out, the
 * caller's). Returns 0 or -ENOMEM. */
int cjd_evfeat_to_json(const struct cjd_evfeat *f, json_t **out);

#endif
