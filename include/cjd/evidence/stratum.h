/* The stratum probe: mining-pool protocol markers (stratum JSON-RPC, pool URLs) in the target processes' writable anonymous memory. */
#ifndef CJD_EVIDENCE_STRATUM_H
#define CJD_EVIDENCE_STRATUM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * A pool miner holds the pool's messages in its memory: the stratum jobs it
 * receives and the shares it submits, in plaintext even when the connection
 * is TLS (after decryption). This probe reads each process's private,
 * writable, anonymous mappings (heap, stacks, anonymous rw-p regions) with
 * process_vm_readv and looks for a fixed list of protocol markers:
 * Bitcoin-family stratum v1 methods, the CryptoNote (XMRig) stratum's keys
 * and methods, and stratum pool URLs. Only which markers were found is
 * kept, never the bytes around them: those are the workload's data.
 * Nothing is stopped; each read copies at most one chunk of the target's
 * memory into a buffer that is cleared after the scan.
 */

/* The markers, in report order; a marker's bit in a mask is 1u << its index. */
#define CJD_STRATUM_NMARKERS 15

/* The marker's name ("mining.submit", "method:job", "stratum+tcp://"), or NULL out of range. */
const char *cjd_stratum_marker_name(unsigned i);

/* The markers of a mask that are specific to mining pools (the stratum v1 methods, the
 * CryptoNote job's hex blob and seed, XMRig's keep-alive, pool URLs), not ordinary JSON-RPC
 * words (job_id, the methods job, submit and login). */
uint32_t cjd_stratum_specific(uint32_t markers);

/* Whether a process holding markers (a mask) holds a pool conversation: two or more
 * distinct markers, one of them specific to mining pools. */
bool cjd_stratum_conversation(uint32_t markers);

/* The index of the marker called name, or -ENOENT. */
int cjd_stratum_marker_find(const char *name);

/* Zero means the default for every field. */
struct cjd_stratum_opts {
	uint64_t max_region_bytes; /* regions larger are not read whole (RandomX's cache, JVM
				    * heaps); default 64 MiB */
	uint64_t max_proc_bytes;   /* bytes of the smaller regions read per process, at most;
				    * default 64 MiB */
	uint64_t large_prefix_bytes; /* of each larger region, the first bytes read when the
				      * smaller ones held no pool conversation; default 8 MiB */
	uint64_t large_budget_bytes; /* those prefixes' bytes per process, at most; 16 MiB */
	unsigned max_procs;        /* processes scanned, at most; default 16 */
	size_t chunk_bytes;        /* bytes per read; default 1 MiB (tests make it small) */
	const char *proc;          /* procfs root; NULL: "/proc" (tests) */
};

struct cjd_stratum_proc {
	pid_t pid;
	char comm[16];
	uint32_t markers;          /* bit i: marker i was found */
	uint64_t bytes_read;       /* chunk overlaps counted once per read */
	unsigned regions_scanned;  /* read to their end */
	unsigned regions_skipped_large; /* over max_region_bytes, not read at all */
	unsigned regions_large_read;    /* over max_region_bytes, their first bytes read */
	unsigned regions_unreadable; /* EFAULT, EIO: unmapped or unreadable meanwhile */
	uint64_t bytes_skipped_large; /* of the regions over max_region_bytes, left unread */
	uint64_t bytes_over_budget;  /* of scannable regions, left unread by max_proc_bytes */
	int rc; /* 0; -ESRCH gone (before or during the scan); -EPERM/-EACCES not allowed;
		 * -EINVAL its maps did not parse */
};

/* The probe's result; heap parts freed by cjd_stratum_result_free(). */
struct cjd_stratum_result {
	struct cjd_stratum_proc *procs; /* one per process looked at, as given */
	size_t nprocs;
	size_t procs_over;       /* beyond max_procs, not scanned */
	size_t procs_scanned;    /* whose memory could be read (some of it at least) */
	size_t procs_gone, procs_denied;
	uint32_t markers;        /* every marker found, over all processes */
	size_t procs_with_markers;   /* processes holding at least one marker */
	size_t procs_with_2_markers; /* processes holding two or more distinct markers */
	size_t procs_with_conversation; /* ... one of them specific (cjd_stratum_conversation) */
	uint64_t bytes_read, bytes_skipped_large, bytes_over_budget;
	unsigned regions_scanned, regions_skipped_large, regions_large_read, regions_unreadable;
	uint64_t max_region_bytes, max_proc_bytes, large_prefix_bytes; /* the bounds in force */
	char parse_error[320];   /* the first maps file that did not parse, file:line */
	uint64_t elapsed_ns;
};

/*
 * Scans the memory of the processes pids[0..npids) (the first max_procs).
 * Processes that exit before or during the scan, and regions that cannot
 * be read, are counted in res, never an error. Returns 0; -EPERM or
 * -EACCES when processes exist but none could be read (err says why:
 * reading another user's process needs CAP_SYS_PTRACE); -EINVAL for bad
 * opts; -ENOMEM. res must be freed with cjd_stratum_result_free() in every
 * case.
 */
int cjd_stratum_run(const pid_t *pids, size_t npids, const struct cjd_stratum_opts *opts,
		    struct cjd_stratum_result *res, struct cjd_error *err);

/* Frees the heap parts of res and zeroes it. NULL is allowed. */
void cjd_stratum_result_free(struct cjd_stratum_result *res);

/* res as a new JSON object (*out, the caller's): "markers" (names), "processes_with_markers",
 * "processes_with_2_markers", bytes_read, regions_scanned, regions_skipped_large, ...,
 * "procs" (one row per process). Returns 0 or -ENOMEM. */
int cjd_stratum_to_json(const struct cjd_stratum_result *res, json_t **out);

/* A sentence or two for a responder. Returns the length needed (as snprintf) or -EINVAL. */
int cjd_stratum_describe(const struct cjd_stratum_result *res, char *buf, size_t len);

/* True where process_vm_readv works; why says what is missing (CAP_SYS_PTRACE: only this
 * user's processes are read) or is "". */
bool cjd_stratum_available(char *why, size_t len);

#endif
