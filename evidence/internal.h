/* Helpers the evidence probes share, and the syscalls they make, in files of their own so tests can wrap them. */
#ifndef CJD_EVIDENCE_INTERNAL_H
#define CJD_EVIDENCE_INTERNAL_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- procfs.c: reading /proc. `proc` is the procfs root everywhere: NULL means "/proc"
 * (tests point it at fixture trees) ---- */

/* "<proc>/<pid>/<file>", or "<proc>/<pid>/task/<tid>/<file>" when tid > 0, into buf. */
void cjd_ev_proc_path(char *buf, size_t len, const char *proc, pid_t pid, pid_t tid,
		      const char *file);

/* Reads a whole file whose size is unknown until read (as /proc files are) into a malloc'd,
 * NUL-terminated *buf of *len bytes. Returns 0, -ENOMEM or the open/read errno. */
int cjd_ev_slurp(const char *path, char **buf, size_t *len);

/* Parses a positive decimal id (pid or tid) that is the whole string. Returns 0 or -EINVAL. */
int cjd_ev_parse_id(const char *s, pid_t *out);

/*
 * Reads the integer field `key` ("TracerPid", "Tgid") from
 * <proc>/<pid>/status, or <proc>/<pid>/task/<tid>/status when tid > 0.
 * Returns 0, -ESRCH (gone), -ENOENT (no such field) or -errno.
 */
int cjd_ev_status_field(pid_t pid, pid_t tid, const char *proc, const char *key, long *out);

/* The one-letter scheduler state of a thread from .../task/<tid>/stat ('R', 'S', 'D', 't'...),
 * or '?' when it cannot be read. */
char cjd_ev_thread_state(pid_t pid, pid_t tid, const char *proc);

/* The flags field (PF_*) of .../task/<tid>/stat, or 0 when it cannot be read. */
unsigned long cjd_ev_thread_flags(pid_t pid, pid_t tid, const char *proc);

/* A process's or thread's name (comm) into buf ("" when it cannot be read). */
void cjd_ev_comm(pid_t pid, pid_t tid, const char *proc, char *buf, size_t len);

/* A process's age in ms, from its start time (.../stat field 22) and <proc>/uptime; -1 when
 * unknown (gone, unreadable). */
int64_t cjd_ev_process_age_ms(pid_t pid, const char *proc);

/* ---- report.c: what the probes' reports share ---- */

/* Appends to buf at *pos like snprintf, counting in *pos the length needed even when buf is
 * full (so the caller can return it as snprintf does); buf stays terminated when len > 0. */
void cjd_ev_appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A byte count for people: "2.25 GiB", "256 MiB", "12 KiB", "4.5 KiB", "512 B". */
void cjd_ev_fmt_bytes(uint64_t b, char *buf, size_t len);

/* json_object_set_new(o, key, v) that records a failure (v NULL, or the set failed) as
 * -ENOMEM in *rc instead of returning it, so a result is built without a check per member;
 * v is consumed either way. */
void cjd_ev_json_put(json_t *o, const char *key, json_t *v, int *rc);

/* ---- sys_ptrace.c: the syscalls of the fpstate probe (tests wrap these with -Wl,--wrap) ---- */

/* ptrace(2) with int request; returns its value, or -errno. */
long cjd_ev_ptrace(int request, pid_t tid, void *addr, void *data);

/* waitid(P_PID, tid, si, options), retried on EINTR. Returns 0 or -errno. */
int cjd_ev_waitid(pid_t tid, siginfo_t *si, int options);

/*
 * Reads the FP control register of a ptrace-stopped thread: MXCSR on x86-64
 * (PTRACE_GETFPREGS), FPCR on aarch64 (PTRACE_GETREGSET NT_PRFPREG).
 * Returns 0, -EOPNOTSUPP on other architectures, or -errno.
 */
int cjd_ev_read_fpctl(pid_t tid, uint32_t *ctl);

/* The architecture and register cjd_ev_read_fpctl reads ("x86_64 MXCSR"), or NULL when none. */
const char *cjd_ev_fpctl_arch(void);

/* ---- sys_vmread.c: the stratum probe's memory reads (tests wrap this with -Wl,--wrap) ---- */

/* process_vm_readv of len bytes at addr in process pid into buf, retried on EINTR. Returns
 * the bytes read (fewer when the range runs into an unmapped page), or -errno (-ESRCH gone,
 * -EPERM not allowed, -EFAULT unmapped). */
ssize_t cjd_ev_vm_read(pid_t pid, void *buf, uint64_t addr, size_t len);

#endif
