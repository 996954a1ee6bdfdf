/* A command's options: its own, and the configuration keys it offers, generated from daemon/config.c's table. */
#ifndef CJD_CLI_OPTIONS_H
#define CJD_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cjd/daemon/agent.h"

/*
 * A command declares what it takes; cjd_cli_parse() builds the getopt table
 * and cjd_cli_help() the option lines of --help from that declaration:
 *   - its own options (struct cjd_cli_opt), handed to its handler;
 *   - -c/--config FILE, when it reads a configuration file;
 *   - one option per configuration key of the sections it names
 *     (cjd_config_flag: `--interval DURATION` sets collector.interval),
 *     collected as overrides for cjd_agent_load_config();
 *   - -h/--help.
 * On the command line, a key's option follows the key's rules: a list with a
 * default (publish.endpoints) is replaced by the first option and grown by
 * the next ones; a list without one grows the file's; an empty value sets
 * any other key to null (--journal "" turns the journal off).
 */

/* One option of the command's own (not a configuration key). */
struct cjd_cli_opt {
	const char *name; /* the long option: "speed" for --speed */
	char short_name;  /* 's' for -s, or 0 */
	const char *arg;  /* the value's name for --help; NULL: the option takes none */
	const char *help; /* for --help (wrapped to the terminal's 88 columns) */
	int id;           /* what the handler receives */
	bool after;       /* listed after the configuration keys, not before */
};

/* A default the command shows instead of the table's (cjd replay publishes
 * and journals only where asked). */
struct cjd_cli_default {
	const char *key;
	const char *text; /* "none", "the model's" */
	bool unset;       /* the default is "not set": cjd_cli_apply_defaults() applies it */
};

struct cjd_cli_spec {
	const char *cmd;     /* "run" */
	const char *usage;   /* --help before the options: the Usage: line and what it does */
	const char *heading; /* the options' heading; NULL: "Options:" */
	const char *tail;    /* --help after the options (signals, exit status); may be NULL */
	const char *config;  /* help of -c/--config FILE; NULL: no configuration file */
	const char *operands; /* what follows the options, at least one ("FILE"); NULL: nothing */
	const struct cjd_cli_opt *own;
	size_t n_own;
	const char *const *sections; /* sections whose keys are offered; NULL-terminated */
	const char *const *skip;     /* keys of those not offered; NULL-terminated, or NULL */
	const struct cjd_cli_default *defaults; /* up to a NULL key, or NULL */
	/* Takes one own option (arg NULL when it has no value). Returns 0, or an
	 * exit code after printing why (cjd_cli_usage_error). */
	int (*handle)(void *ctx, int id, const char *arg);
	void *ctx;
};

#define CJD_CLI_MAX_OVERRIDES 256

/* What the command line said. */
struct cjd_cli_args {
	struct cjd_override ov[CJD_CLI_MAX_OVERRIDES]; /* the keys given, in order */
	size_t n_ov;
	const char *config_path; /* -c FILE, or NULL */
	int first_operand;       /* argv index of the first argument that is not an option */
};

/* cjd_cli_parse() printed --help: the command exits 0. */
#define CJD_CLI_HELP (-1)

/*
 * Parses argv (argv[0] is the command's name) into *args. Returns 0,
 * CJD_CLI_HELP, or an exit code after a one-line error on stderr (an unknown
 * option, a value missing, too many options, an operand missing or one the
 * command does not take, or the handler's own code).
 * Values of configuration keys are checked later, where they are applied.
 */
int cjd_cli_parse(const struct cjd_cli_spec *spec, int argc, char **argv,
		  struct cjd_cli_args *args);

/* Whether an option set `key`. */
bool cjd_cli_given(const struct cjd_cli_args *args, const char *key);

/*
 * The command's configuration: the embedded defaults, the file of -c (which
 * must then exist) and the keys the options gave on top, then the command's
 * own "not set" defaults for keys no option gave (struct cjd_cli_default,
 * cjd_config_unset). Returns 0 (the caller releases cfg), or an exit code
 * after a one-line error naming the file and line or the option.
 */
int cjd_cli_load_config(const struct cjd_cli_spec *spec, const struct cjd_cli_args *args,
			struct cjd_config *cfg);

/* Prints the command's --help: usage, one line per option (generated), tail. */
void cjd_cli_help(const struct cjd_cli_spec *spec, FILE *out);

#endif
