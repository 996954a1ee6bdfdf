/* Code sampling's inner units (ring reader, maps, decoder, hot-code analysis), declared for each other and for tests. */
#ifndef CJD_EVIDENCE_CODESAMPLE_INTERNAL_H
#define CJD_EVIDENCE_CODESAMPLE_INTERNAL_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"
#include "cjd/evidence/codesample.h"

/* ---- the perf mmap ring (codesample_ring.c): pure, trusts nothing in the data ---- */

enum cjd_ip_mode { CJD_IP_USER, CJD_IP_KERNEL, CJD_IP_OTHER /* guest, hypervisor */ };

/* One PERF_RECORD_SAMPLE with PERF_SAMPLE_IP | PERF_SAMPLE_TID. */
struct cjd_ip_sample {
	uint64_t ip;
	uint32_t pid, tid;
	uint8_t mode; /* enum cjd_ip_mode */
};

struct cjd_ring_stats {
	uint64_t samples;   /* sample records handed to the callback */
	uint64_t lost;      /* sum of PERF_RECORD_LOST.lost */
	uint64_t corrupt;   /* records that did not parse; the rest of that drain is skipped */
	uint64_t throttled; /* PERF_RECORD_THROTTLE */
	uint64_t other;     /* records of other types, skipped */
};

/* Called for each sample; a non-zero return stops the drain (tail still advances past it). */
typedef int (*cjd_ring_sample_fn)(void *ctx, const struct cjd_ip_sample *s);

/*
 * Reads every record between meta->data_tail and meta->data_head (loaded with
 * acquire) from the data area data[0..size) (size a power of two, as the
 * kernel maps it), reassembling records that wrap around its end, and stores
 * the new data_tail with release so the kernel can reuse the space. A record
 * whose size is below its header, not a multiple of 8, or beyond data_head is
 * corrupt: it is counted and the tail jumps to data_head (there is no way to
 * resynchronise). A head more than size ahead of the tail is corrupt too.
 * Returns 0, or the callback's non-zero return.
 */
int cjd_ring_drain(struct perf_event_mmap_page *meta, const uint8_t *data, uint64_t size,
		   cjd_ring_sample_fn fn, void *ctx, struct cjd_ring_stats *st);

/* ---- /proc/PID/maps (codesample_maps.c) ---- */

struct cjd_map {
	uint64_t start, end; /* [start, end) */
	enum cjd_region_kind kind;
	char *path;          /* as maps prints it (may be ""), owned */
};

/* The executable mappings of one process, ascending. */
struct cjd_maps {
	struct cjd_map *m;
	size_t n;
};

/*
 * Classifies a mapping by its maps path and the process's executable (the
 * target of /proc/PID/exe, may be NULL or ""). See enum cjd_region_kind.
 */
enum cjd_region_kind cjd_maps_classify(const char *path, const char *exe);

/*
 * Parses the text of a maps file into the executable mappings (others are
 * skipped). file names the source in errors. A malformed line (bad range,
 * permissions, offset, device or inode, start >= end, or ranges out of
 * order) gives -EINVAL with err at file:line:column. Returns 0, -EINVAL or
 * -ENOMEM; out is released first and left empty on error.
 */
int cjd_maps_parse(const char *text, size_t len, const char *exe, const char *file,
		   struct cjd_maps *out, struct cjd_error *err);

/* Reads <proc>/<pid>/maps and /exe. Returns 0, -ESRCH when the process is gone, or as parse. */
int cjd_maps_load(const char *proc, pid_t pid, struct cjd_maps *out, struct cjd_error *err);

/* The mapping holding ip, or NULL (binary search). */
const struct cjd_map *cjd_maps_find(const struct cjd_maps *m, uint64_t ip);

void cjd_maps_release(struct cjd_maps *m);

/* ---- the decoder (disasm.c): Capstone, x86-64 and arm64 ---- */

enum cjd_arch { CJD_ARCH_X86_64, CJD_ARCH_ARM64 };

/* The architecture this binary runs on, or -ENOTSUP (the mix is then unavailable). */
int cjd_disasm_host_arch(void);

/* "x86_64" / "arm64". */
const char *cjd_arch_name(enum cjd_arch a);

struct cjd_disasm;

/* Opens a decoder for arch. Returns 0 or -ENOMEM / -ENOTSUP (Capstone lacks the arch). */
int cjd_disasm_new(enum cjd_arch arch, struct cjd_disasm **out);
void cjd_disasm_free(struct cjd_disasm *d);

struct cjd_insn {
	uint64_t addr;
	unsigned len;
	enum cjd_iclass cls;
	bool mem_read, mem_write;
	bool ends_block; /* a control transfer: jump, branch, call, return, syscall */
	bool has_target; /* a direct jump or branch: target is where it may go */
	uint64_t target;
	char text[48];   /* "mnemonic operands", for tests and debugging */
};

/*
 * Decodes the one instruction at code[0..len), which lives at addr, and
 * classifies it (the mapping is documented in docs/evidence.md). Returns 0,
 * or -EILSEQ when the bytes are not a valid instruction (or are cut short).
 */
int cjd_disasm_one(struct cjd_disasm *d, const uint8_t *code, size_t len, uint64_t addr,
		   struct cjd_insn *out);

/* ---- hot code (codesample_hot.c) ---- */

/* A distinct user IP of one process and its sample count. */
struct cjd_hot_ip {
	uint64_t ip;
	uint64_t n;
};

/* A run of nearby hot IPs of one process, read and decoded as one piece of code. */
struct cjd_window {
	uint64_t start, end; /* [start, end): first IP to last IP + tail slack */
	uint64_t lo;         /* lowest address that may be read: the mapping's start (0: none) */
	uint64_t samples;
	size_t first, count; /* the IPs, as indexes into the process's sorted IP array */
};

#define CJD_WINDOW_GAP 64     /* IPs closer than this share a window */
#define CJD_WINDOW_SLACK 64   /* bytes read past the last IP, to finish its basic block */
#define CJD_WINDOW_MAX 4096   /* longest window; a longer run is split */
#define CJD_WINDOW_BACK 128   /* bytes read before the first IP, where its block may start */

/*
 * Groups ips[0..n) (ascending, one process) into windows of IPs less than
 * CJD_WINDOW_GAP apart, never across the end of a mapping of maps (NULL: no
 * such limit) and never longer than CJD_WINDOW_MAX plus slack. Returns the
 * number of windows written to out (room for n), at most n.
 */
size_t cjd_hot_windows(const struct cjd_hot_ip *ips, size_t n, const struct cjd_maps *maps,
		       struct cjd_window *out);

/* The sample-weighted mix accumulated over windows. */
struct cjd_mix_acc {
	double w[CJD_ICLASS__COUNT];
	double mem_read, mem_write;
	uint64_t decoded_samples;
	unsigned instructions;
};

/*
 * Decodes one window's code (code[0..len) read from address base, len may be
 * short of the window when the read was partial) and adds its weight.
 * Basic blocks are straight-line code between leaders: the targets of the
 * direct jumps decoded from the first sampled IP on (a loop's backward jump
 * names its head, which may lie before the first sampled IP, in the bytes
 * between base and it) and the instructions after control transfers. Every
 * sampled IP's count goes to the block that holds it, and a block's samples
 * are spread evenly over its instructions. ips[0..n) ascending, all >= base.
 * A sampled IP or leader that the linear decode stepped over restarts
 * decoding there (both are real instruction starts); samples on bytes that
 * do not decode, or beyond len, are left out (not in decoded_samples).
 */
void cjd_hot_mix_window(struct cjd_disasm *d, const uint8_t *code, size_t len, uint64_t base,
			const struct cjd_hot_ip *ips, size_t n, struct cjd_mix_acc *acc);

/* A 64-byte code line of one process and its samples. */
struct cjd_hot_line {
	uint32_t pid;
	uint64_t line; /* ip >> 6 */
	uint64_t n;
};

/*
 * The fewest lines that hold at least `share` of total samples (lines is
 * sorted in place by count, descending). 0 when total is 0.
 */
uint64_t cjd_hot_lines_cover(struct cjd_hot_line *lines, size_t n, uint64_t total, double share);

/* ---- one run's state, shared by the sampler (codesample.c) and the analysis (codesample_analyse.c) ---- */

/* A process seen in the samples, with its executable mappings. */
struct cs_pid {
	pid_t pid;
	bool loaded;
	int maps_rc; /* cjd_maps_load's result: 0, -ESRCH (gone), ... */
	struct cjd_maps maps;
};

struct ring;

struct cs_run {
	struct cjd_codesample_opts o; /* defaults filled in */
	struct cjd_codesample_result *res;
	struct ring *rings;
	unsigned nrings;
	struct cjd_ip_sample *s; /* every sample kept, up to o.max_samples */
	size_t ns, scap;
	struct cs_pid *pids;
	size_t npids, pcap;
	size_t last_pid; /* index of the last pid looked up: samples come in runs */
};

/* The ring callback: counts the sample, keeps it (or counts it dropped), notes a new pid. */
int cjd_cs_collect(void *ctx, const struct cjd_ip_sample *s);

/* Loads the maps of every pid not loaded yet (errors are kept per pid). */
void cjd_cs_load_new_maps(struct cs_run *r);

/* Resolves, reads and decodes the kept samples into r->res. Returns 0 or -ENOMEM. */
int cjd_cs_analyse(struct cs_run *r, struct cjd_error *err);

/* Frees the samples and the pid cache. */
void cjd_cs_run_release(struct cs_run *r);

#endif
