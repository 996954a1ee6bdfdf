/* The cjd command line: one entry point per subcommand, and the helpers they share. */
#ifndef CJD_CLI_H
#define CJD_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Exit codes of every subcommand. */
enum {
	CJD_EXIT_OK = 0,
	CJD_EXIT_FAIL = 1,  /* runtime failure */
	CJD_EXIT_USAGE = 2, /* usage or configuration error */
};

/*
 * Every subcommand is `int cmd_<name>(int argc, char **argv)`: argv[0] is the
 * subcommand's name, the return value is the process exit code. Only main()
 * exits. Each handles -h/--help itself and prints its own usage.
 */
#define CJD_COMMANDS(X)                                                                           \
	X(run, "run the agent: collect, detect and publish alerts")                               \
	X(record, "record per-cgroup counters to a trace file")                                   \
	X(events, "list the events this host can count, and why others cannot")                   \
	X(inspect, "gather evidence on a suspect cgroup or process (probes)")                      \
	X(replay, "run traces through the detector and print alerts")                             \
	X(trace, "validate, summarise or re-emit trace files")                                    \
	X(simrecord, "record a program under a simulated PMU (valgrind)")                         \
	X(train, "train a model from labelled traces")                                            \
	X(eval, "evaluate a model on labelled traces")                                            \
	X(bench, "measure feature extraction and classification speed")                           \
	X(sub, "subscribe to alerts and print or forward them")                                   \
	X(relay, "fan alerts from many hosts into one endpoint")                                  \
	X(keygen, "write a CURVE keypair for securing alerts")                                    \
	X(collect, "split mode: collect samples and stream them to detectors")                    \
	X(detect, "split mode: detect on samples streamed from collectors")                       \
	X(config, "print or check the configuration")

#define CJD_DECLARE_CMD(name, summary) int cmd_##name(int argc, char **argv);
CJD_COMMANDS(CJD_DECLARE_CMD)
#undef CJD_DECLARE_CMD

/* Prints "cjd <cmd>: <message> (see 'cjd <cmd> --help')" as one line on stderr;
 * returns CJD_EXIT_USAGE. */
int cjd_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For getopt_long's '?' (main turns getopt's own messages off): names the
 * offending or incomplete option. Returns CJD_EXIT_USAGE. */
int cjd_cli_bad_option(const char *cmd, char *const *argv, const char *optstring);

/* Prints "cjd <cmd>: <message>" on stderr; returns CJD_EXIT_FAIL. */
int cjd_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct cjd_error;

/* Prints "cjd <cmd>: <file:line:col: message>" (cjd_error_format) on stderr; returns
 * CJD_EXIT_FAIL. */
int cjd_cli_error(const char *cmd, const struct cjd_error *err);

/*
 * The one place where a library's negative errno becomes an exit code: 0 for
 * 0, CJD_EXIT_USAGE for -EINVAL (a usage or configuration problem, see
 * cjd_errno_config), CJD_EXIT_FAIL for any other errno (runtime).
 */
int cjd_cli_exit_code(int rc);

/* For a library call that failed (rc < 0): prints "cjd <cmd>: <err>" and
 * returns cjd_cli_exit_code(rc). rc 0 prints nothing and returns 0. */
int cjd_cli_report(const char *cmd, int rc, const struct cjd_error *err);

/* Parses a --interval style duration option, printing a usage error on failure.
 * Returns 0, or CJD_EXIT_USAGE. */
int cjd_cli_duration(const char *cmd, const char *opt, const char *val, uint64_t min_ns,
		     uint64_t *out);

/*
 * Where default models are searched (after $CJD_MODEL_DIR, which
 * cjd_model_default_path() tries first), found from where this binary is
 * (/proc/self/exe), so that no path of the checkout is compiled in:
 *   1. models/ next to the binary: a build tree, where CMake links the
 *      checkout's models/ beside build/cjd;
 *   2. ../share/cjd/models from the binary's directory: an install, even one
 *      moved or made with `cmake --install --prefix`;
 *   3. CJD_MODEL_DIR, the install directory configured at build time.
 * The first two only when they exist. Fills d and returns d->v (d->n entries),
 * valid as long as d. Thread-safe.
 */
struct cjd_cli_model_dirs {
	char buf[2][4096]; /* PATH_MAX */
	const char *v[3];
	size_t n;
};
const char *const *cjd_cli_model_dirs(struct cjd_cli_model_dirs *d);

#endif
