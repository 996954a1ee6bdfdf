/* The memory probe: anonymous resident memory and huge pages, from memory.stat and smaps_rollup. */
#ifndef CJD_EVIDENCE_MEMORY_H
#define CJD_EVIDENCE_MEMORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cjd/common/error.h"

/*
 * RandomX keeps a 256 MiB cache (light mode) or a 2 GiB dataset plus the
 * cache (fast mode) resident, often on huge pages; CryptoNight a 2 MiB
 * scratchpad per thread. This probe reports how much anonymous memory the
 * target holds and how much of it sits on transparent or hugetlb huge pages.
 * It is weak evidence on its own (databases and JVMs hold gigabytes too);
 * its use is to rule RandomX out (too little memory) or to back other
 * evidence up. Nothing is stopped; reading smaps_rollup walks the page
 * tables of each process under its mmap lock.
 */

/* The fields of /proc/PID/smaps_rollup the probe uses, in bytes. */
struct cjd_memory_rollup {
	uint64_t rss;
	uint64_t anon;           /* Anonymous */
	uint64_t anon_huge;      /* AnonHugePages: transparent huge pages */
	uint64_t shmem_huge;     /* ShmemPmdMapped */
	uint64_t hugetlb;        /* Shared_Hugetlb + Private_Hugetlb (not part of Rss) */
	uint64_t swap;
};

/* A cgroup's memory.stat, in bytes, hierarchical (v1: the total_* lines). */
struct cjd_memory_stat {
	int version;      /* 2 (anon, anon_thp, ...) or 1 (rss, rss_huge, ...) */
	uint64_t anon;    /* v2 anon, v1 total_rss */
	uint64_t anon_thp;/* v2 anon_thp, v1 total_rss_huge */
	uint64_t file;    /* v2 file, v1 total_cache */
	uint64_t file_mapped; /* v2 file_mapped, v1 total_mapped_file */
	uint64_t shmem;   /* v2 shmem, v1 total_shmem */
};

/*
 * Parses a memory.stat file, v2 or v1 (told apart by their keys; v1 prefers
 * the hierarchical total_* lines). Unknown keys are ignored. Returns 0,
 * -EINVAL with err naming the file, line and what is wrong (a line that is
 * not "<key> <decimal>", a value that overflows, neither "anon" nor "rss"
 * present), or -errno when it cannot be read.
 */
int cjd_memory_parse_stat(const char *path, struct cjd_memory_stat *out, struct cjd_error *err);

/*
 * Parses /proc/PID/smaps_rollup: a header line (address range, "[rollup]")
 * then "<Key>: <n> kB" lines. Unknown keys are ignored. Returns 0, -EINVAL
 * with file and line, or -errno (-ESRCH when the process is gone).
 */
int cjd_memory_parse_rollup(const char *path, struct cjd_memory_rollup *out,
			    struct cjd_error *err);

/* Zero means the default for every field. */
struct cjd_memory_opts {
	const char *cgroup;    /* the target's cgroup directory, NULL for a process target */
	unsigned max_procs;    /* processes read, at most; default 4096 */
	const char *proc;      /* procfs root; NULL: "/proc" (tests) */
	const char *mountinfo; /* NULL: /proc/self/mountinfo (tests) */
};

struct cjd_memory_proc {
	pid_t pid;
	char comm[16];
	struct cjd_memory_rollup m;
	int rc;          /* 0, or why it could not be read (-ESRCH gone, -EACCES, ...) */
};

/* The probe's result; heap parts freed by cjd_memory_result_free(). */
struct cjd_memory_result {
	struct cjd_memory_rollup total; /* over the processes read */
	struct cjd_memory_proc *procs;  /* one per process (read or not), as given */
	size_t nprocs, nread;
	size_t procs_over;              /* beyond max_procs, not read */
	bool have_stat;                 /* a memory.stat covering exactly the target was read */
	struct cjd_memory_stat stat;
	char stat_path[4200];           /* where from, when have_stat */
	char stat_why[4608];            /* why not, when !have_stat */
	char parse_error[320];          /* the first smaps_rollup that did not parse, file:line */
	uint64_t elapsed_ns;
};

/*
 * Reads smaps_rollup of every process in pids[0..npids), and memory.stat of
 * the cgroup that holds exactly these processes when there is one: the
 * target's own directory when it has memory.stat (cgroup v2 with the memory
 * controller, or a v1 memory cgroup given directly), else the v2 or the v1
 * memory cgroup the processes share, provided it holds no other process.
 * Returns 0 (processes that vanish or are unreadable are noted in res),
 * -EACCES when processes exist but none could be read and no memory.stat
 * was found (res filled, err says why), or -ENOMEM. res must be freed with
 * cjd_memory_result_free() in every case.
 */
int cjd_memory_run(const pid_t *pids, size_t npids, const struct cjd_memory_opts *opts,
		   struct cjd_memory_result *res, struct cjd_error *err);

/* Frees the heap parts of res and zeroes it. NULL is allowed. */
void cjd_memory_result_free(struct cjd_memory_result *res);

/* res as a new JSON object (*out, the caller's). Returns 0 or -ENOMEM. */
int cjd_memory_to_json(const struct cjd_memory_result *res, json_t **out);

/* A sentence or two for a responder. Returns the length needed (as snprintf) or -EINVAL. */
int cjd_memory_describe(const struct cjd_memory_result *res, char *buf, size_t len);

/* Always true where procfs is (the reads need PTRACE_MODE_READ on each process). */
bool cjd_memory_available(char *why, size_t len);

/*
 * The mount point of the cgroup v1 hierarchy carrying `controller`
 * ("memory"), or with controller NULL the first cgroup2 mount, from a
 * mountinfo file (NULL: /proc/self/mountinfo). Returns 0, -ENOENT when there
 * is none, or -errno.
 */
int cjd_memory_cgroup_mount(const char *mountinfo, const char *controller, char *out,
			    size_t len);

#endif
