/* Code sampling: where a cgroup's CPU time goes (cpu-clock IP samples), what code that is, and its instruction mix. */
#ifndef CJD_EVIDENCE_CODESAMPLE_H
#define CJD_EVIDENCE_CODESAMPLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * The probe samples the instruction pointer of the target's threads with the
 * software event cpu-clock (an hrtimer: no PMU needed), resolves each user IP
 * against /proc/PID/maps (file on disk, or anonymous executable memory such as
 * JIT code), reads the hottest code with process_vm_readv and decodes it with
 * Capstone, and reports the sample-weighted instruction-class mix. See
 * docs/evidence.md ("Code sampling") for every definition.
 *
 * Threading: functions keep no global state; one run per result at a time.
 * Errors: 0 or a negative errno with err filled, never exit.
 */

/* Instruction classes of the hot code; one class per instruction. */
enum cjd_iclass {
	CJD_ICLASS_AES,      /* AES rounds: AES-NI, VAES, arm64 aese/aesd/aesmc/aesimc */
	CJD_ICLASS_CLMUL,    /* carry-less multiply: (v)pclmulqdq, arm64 pmull */
	CJD_ICLASS_MUL64,    /* 64-bit integer multiply: mul/imul/mulx r64, arm64 mul/umulh/... on x regs */
	CJD_ICLASS_INT_SIMD, /* integer vector arithmetic/logic/shuffles (p*, vp*, arm64 NEON integer) */
	CJD_ICLASS_ALU,      /* scalar integer xor/rotate/shift/add/logic/compare, narrower multiplies */
	CJD_ICLASS_FP,       /* floating point: x87, SSE/AVX ps/pd/ss/sd, MXCSR, arm64 f*, NEON float */
	CJD_ICLASS_LOAD,     /* pure data movement from memory (mov r,[m], pop, ldr...) */
	CJD_ICLASS_STORE,    /* pure data movement to memory (mov [m],r, push, str...) */
	CJD_ICLASS_BRANCH,   /* jumps and conditional branches */
	CJD_ICLASS_CALL,     /* calls and returns */
	CJD_ICLASS_SYSCALL,  /* syscall, sysenter, int, arm64 svc */
	CJD_ICLASS_OTHER,    /* register moves, nops, everything else */
	CJD_ICLASS__COUNT
};

/* The class's short name ("aes", "int_simd", ...), as in the JSON; "?" when out of range. */
const char *cjd_iclass_name(enum cjd_iclass c);

/* What kind of memory a user IP was in. */
enum cjd_region_kind {
	CJD_REGION_MAIN,     /* the process's main executable (/proc/PID/exe), a file on disk */
	CJD_REGION_LIB,      /* another regular file on disk (shared library, plugin) */
	CJD_REGION_ANON,     /* anonymous executable memory: no path, [anon:...], [heap], [stack] */
	CJD_REGION_MEMFD,    /* a memfd ("/memfd:NAME (deleted)") */
	CJD_REGION_DELETED,  /* a file deleted after it was mapped ("... (deleted)"), or shm */
	CJD_REGION_VDSO,     /* kernel-provided [vdso]/[vsyscall] */
	CJD_REGION_UNKNOWN,  /* in no mapping (maps changed) or the process was gone */
	CJD_REGION__COUNT
};

/* "main", "lib", "anon", "memfd", "deleted", "vdso", "unknown". */
const char *cjd_region_kind_name(enum cjd_region_kind k);

/* True for the kinds that are "not a regular file on disk": anon, memfd, deleted. */
bool cjd_region_kind_off_disk(enum cjd_region_kind k);

#define CJD_CODESAMPLE_DEFAULT_DURATION_NS 1000000000ull /* 1 s */
#define CJD_CODESAMPLE_DEFAULT_PERIOD_NS 1000000ull      /* 1 ms of CPU time: 1 kHz per busy CPU */
#define CJD_CODESAMPLE_DEFAULT_RING_PAGES 8              /* 32 KiB data per ring (~1300 samples) */
#define CJD_CODESAMPLE_DEFAULT_CODE_BYTES 65536          /* bytes of hot code read in all */
#define CJD_CODESAMPLE_DEFAULT_MAX_SAMPLES 262144
#define CJD_CODESAMPLE_TOP 8

/* Options; zero-initialise and set what you need: every 0 means the default. */
struct cjd_codesample_opts {
	uint64_t duration_ns;   /* sampling window, default 1 s; at most 60 s */
	uint64_t period_ns;     /* cpu-clock sample period, default 1 ms; at least 100 us */
	unsigned ring_pages;    /* data pages per ring, a power of two, default 8 */
	size_t max_code_bytes;  /* bound on the code read with process_vm_readv, default 64 KiB */
	size_t max_samples;     /* samples kept; more are counted as dropped, default 262144 */
	bool no_code;           /* do not read or decode code (regions and shares only) */
	const char *cpus_path;  /* the online-CPU list to read (tests); NULL = /sys/.../online */
	const char *proc;       /* procfs root; NULL: "/proc" (tests point it at fixtures) */
};

/* One row of the top regions: samples in a file or in one kind of off-disk memory. */
struct cjd_codesample_region {
	enum cjd_region_kind kind;
	char path[256];    /* the file, or "[anon]", "[memfd:NAME]"... */
	uint64_t samples;
	unsigned npids;    /* processes whose samples fell here */
};

struct cjd_codesample_result {
	uint64_t window_ns;       /* how long the events were enabled */
	uint64_t period_ns;
	bool per_thread;          /* events per thread (pid list) rather than per cgroup and CPU */
	unsigned nrings;          /* CPUs (cgroup mode) or threads (pid mode) sampled */
	bool kernel_excluded;     /* kernel samples were not allowed (exclude_kernel fallback) */

	uint64_t samples;         /* samples read (user + kernel + other) */
	uint64_t user_samples;
	uint64_t kernel_samples;
	uint64_t lost;            /* samples the kernel dropped (PERF_RECORD_LOST) */
	uint64_t dropped;         /* samples over max_samples, not analysed */
	uint64_t corrupt;         /* ring records that did not parse (skipped, counted) */
	uint64_t throttled;       /* PERF_RECORD_THROTTLE records */
	unsigned npids, ntids;    /* distinct processes and threads seen in samples */

	/* Where user samples fell. */
	uint64_t region_samples[CJD_REGION__COUNT];
	double off_disk_share;    /* user samples in anon/memfd/deleted memory / user samples */
	struct cjd_codesample_region top[CJD_CODESAMPLE_TOP];
	unsigned ntop;
	unsigned maps_failed;     /* processes whose /proc/PID/maps could not be read or parsed */
	char maps_note[200];      /* the first such error, "file:line:column: text" */

	/* Concentration: the fewest 64-byte code lines holding 90 % of user samples. */
	uint64_t hot90_lines;
	uint64_t hot90_bytes;     /* hot90_lines * 64 */
	uint64_t distinct_ips;

	/* The instruction mix of the hot code (see docs/evidence.md). */
	bool mix_available;
	char mix_why[160];        /* why not, when !mix_available; else notes (partial reads) */
	const char *arch;         /* "x86_64" or "arm64" */
	double mix[CJD_ICLASS__COUNT]; /* shares of decoded sample weight, summing to 1 */
	double mem_read_share;    /* weight of instructions that read memory (any class) */
	double mem_write_share;
	uint64_t decoded_samples; /* user samples whose code was read and decoded */
	uint64_t code_bytes_read;
	unsigned windows_read;
	unsigned read_errors;     /* windows process_vm_readv could not read */
	unsigned instructions_decoded;
};

/* Frees the heap parts of res (none today; kept so callers need not change). Accepts NULL. */
void cjd_codesample_result_free(struct cjd_codesample_result *res);

/*
 * Samples every thread of the cgroup at cgroup_dir (a cgroup v2 directory, or
 * the v1 perf_event one) on every online CPU for opts->duration_ns, then
 * resolves and decodes. res is overwritten. Needs CAP_PERFMON (or
 * CAP_SYS_ADMIN) for cgroup events and CAP_SYS_PTRACE to read other users'
 * code; without the latter the mix is unavailable with the reason, the rest
 * is reported. Returns 0, -EINVAL (bad option), -ENOENT (no such cgroup),
 * -EACCES/-EPERM (not allowed to sample), -EMFILE, -ENOMEM.
 */
int cjd_codesample_run(const char *cgroup_dir, const struct cjd_codesample_opts *opts,
		       struct cjd_codesample_result *res, struct cjd_error *err);

/*
 * The same for a list of threads (cjd inspect --pid): one event per thread,
 * on any CPU. Threads created during the window are not sampled; threads
 * that exit are fine. tids come from /proc/PID/task (the caller lists them).
 * Returns as cjd_codesample_run, -ESRCH when no thread could be opened.
 */
int cjd_codesample_run_tids(const pid_t *tids, size_t ntids, const struct cjd_codesample_opts *opts,
			    struct cjd_codesample_result *res, struct cjd_error *err);

/* The result as a JSON object (*out is a new reference). Returns 0 or -ENOMEM. */
int cjd_codesample_to_json(const struct cjd_codesample_result *res, json_t **out);

/*
 * One or two sentences a responder can act on ("87 % of the CPU time is in
 * anonymous executable memory (JIT code) ..."). Returns the length it needed
 * (as snprintf), buf always terminated when len > 0.
 */
int cjd_codesample_describe(const struct cjd_codesample_result *res, char *buf, size_t len);

/*
 * Whether this process can run the probe here, on a whole cgroup
 * (cjd_codesample_run: CPU-wide events need CAP_PERFMON or CAP_SYS_ADMIN, or
 * kernel.perf_event_paranoid <= 0) or on threads (per_thread,
 * cjd_codesample_run_tids: CAP_PERFMON, or perf_event_paranoid <= 2 for
 * processes this one may ptrace). Returns false with the reason in why. When
 * true, why may still say what is limited: without CAP_SYS_PTRACE only
 * same-user processes' code can be read; at perf_event_paranoid 2 without
 * CAP_PERFMON kernel samples are left out.
 */
bool cjd_codesample_available(bool per_thread, char *why, size_t len);

#endif
