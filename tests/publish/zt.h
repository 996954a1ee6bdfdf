/* Helpers shared by the ZeroMQ/journal tests and their driver: hand-built alerts, temp dirs, child processes, SUB sockets. */
#ifndef CJD_TESTS_ZT_H
#define CJD_TESTS_ZT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "cjd/common/alert.h"

/* Fills a plausible alert (software mode, 5 features, cost) for cgroup. The id is left empty. */
void zt_alert(struct cjd_alert *a, enum cjd_alert_action action, const char *cgroup);

/* mkdtemp under /tmp named cjd-<tag>-<pid>-XXXXXX; returns a static-lifetime copy. */
char *zt_tmpdir(const char *tag);

/* rm -rf dir (only paths zt_tmpdir made). */
void zt_rmrf(const char *dir);

/*
 * The fixture of a test executable: a temp dir named after tag, a ZeroMQ
 * context when zctx is not NULL, and (as root, with private_mounts) a mount
 * namespace of its own, so that tmpfs mounts made by tests never leak out.
 * Returns 0 or -1 (for cmocka group setup).
 */
int zt_setup(const char *tag, bool private_mounts, char **dir, void **zctx);

/* Undoes zt_setup (either pointer may be NULL). Returns 0. */
int zt_teardown(char **dir, void **zctx);

/* A child process with its stdout (and optionally stderr) on pipes. */
struct zt_child {
	pid_t pid;
	int out;  /* read end of its stdout */
	int err;  /* read end of its stderr, or -1 when inherited */
	char buf[65536];
	size_t len;
};

/* Starts argv[0] (a path) with stdout piped; stderr piped when capture_err. */
int zt_spawn(struct zt_child *c, char *const argv[], bool capture_err);

/* Reads one line of the child's stdout into line (without newline), waiting at most
 * timeout_ms. Returns its length, 0 on EOF, -ETIMEDOUT. */
int zt_read_line(struct zt_child *c, char *line, size_t cap, int timeout_ms);

/* Reads everything remaining on stdout until EOF (at most timeout_ms) into a malloc'ed string. */
char *zt_read_all(struct zt_child *c, int timeout_ms);

/* Reads everything on stderr until EOF into a malloc'ed string ("" if not captured). */
char *zt_read_err(struct zt_child *c, int timeout_ms);

/* Sends sig and waits; returns the wait status. */
int zt_kill_wait(struct zt_child *c, int sig);

/* Waits for exit at most timeout_ms (then SIGKILLs). Returns the wait status, -ETIMEDOUT when killed. */
int zt_wait(struct zt_child *c, int timeout_ms);

void zt_child_close(struct zt_child *c);

/* A SUB socket connected to endpoint, subscribed to topic ("" for all). */
void *zt_sub(void *zctx, const char *endpoint, const char *topic);

/* Receives [topic, body] within timeout_ms into malloc'ed strings. Returns 0 or -ETIMEDOUT/-EPROTO. */
int zt_recv(void *sock, char **topic, char **body, int timeout_ms);

/* Runs tests/publish/validate_schema.py SCHEMA on the JSON text; returns its exit status
 * (0 valid), and puts its output in msg. */
int zt_validate(const char *schema_name, const char *json, char *msg, size_t cap);

/* Path of a file in the source tree (CJD_SOURCE_DIR, or the compiled-in default). */
const char *zt_source(const char *rel, char *buf, size_t cap);

/* The cjd binary (CJD_BIN) and the test driver (next to this test). */
const char *zt_cjd_bin(void);
const char *zt_driver_bin(void);

/* Counts the '\n' in a file; -1 when it cannot be read. */
long zt_count_lines(const char *path);

/* Reads a whole file into a malloc'ed string (NULL on error). */
char *zt_slurp(const char *path, size_t *len);

uint64_t zt_now_ms(void);

/*
 * Starts python3 on the source file `script` (relative to the source tree)
 * with args (NULL-terminated), stdout piped, and waits at most 30 s for it
 * to write a port number into port_file (the receivers of the push output
 * tests do). Returns the port, or -1 (the child is killed then).
 */
int zt_spawn_python(struct zt_child *c, const char *script, char *const args[],
		    const char *port_file);

/* Kills and reaps what zt_spawn_python started and nothing reaped yet (for teardowns). */
void zt_kill_spawned(void);

/*
 * The fixture of the push output tests: exits 77 (a skip, with the reason)
 * without /usr/bin/python3, makes a temp dir named after tag and, with ca,
 * a throwaway CA and certificates in DIR/ca (tests/publish/make_test_ca.sh).
 * Returns 0 or -1 (for cmocka group setup).
 */
int zt_receivers_setup(const char *tag, bool ca, char **dir);

/* Kills the receivers still running, removes the dir and frees *dir. Returns 0. */
int zt_receivers_teardown(char **dir);

/* Every line of a JSON Lines file, parsed, as a jansson array (empty when unreadable). */
json_t *zt_json_lines(const char *path);

/* This process's cgroup v2 path (into path) and the root whose <root><path>/cgroup.procs
 * is readable (/sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup), or NULL. */
const char *zt_own_cgroup(char *path, size_t cap);

#endif
