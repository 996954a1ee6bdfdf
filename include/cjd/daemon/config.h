/* The agent's configuration: embedded defaults, a strict JSON file, and command-line overrides. */
#ifndef CJD_DAEMON_CONFIG_H
#define CJD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cjd/common/error.h"

#define CJD_CONFIG_DEFAULT_PATH "/etc/cjd/cjd.json"

enum cjd_action_kind {
	CJD_ACTION_ALERT = 0, /* publish only (the default) */
	CJD_ACTION_FREEZE,    /* write 1 to cgroup.freeze (v2) */
	CJD_ACTION_THROTTLE,  /* write cpu.max (v2) or cpu.cfs_quota_us (v1) */
};

/* A list of strings owned by the config. */
struct cjd_strlist {
	char **v;
	size_t n;
	size_t cap; /* room in v (cjd_array_reserve) */
};

/*
 * A push output's settings (outputs.http.*, outputs.syslog.*). The output is
 * off while its target (url, remote) is null. Keys that do not apply to a
 * kind are absent from the table.
 */
struct cjd_output_settings {
	char *target;             /* outputs.http.url / outputs.syslog.remote; NULL: off */
	char *format;             /* http: ecs|falcosidekick|splunk-hec; syslog: rfc5424|cef|leef|json */
	struct cjd_strlist topics;
	uint32_t queue;
	uint64_t timeout_ns;
	uint64_t backoff_min_ns;
	uint64_t backoff_max_ns;
	uint64_t drain_ns;
	char *ca_file;
	char *cert_file;
	char *key_file;
	/* http */
	char *token_file;
	struct cjd_strlist headers;
	char *splunk_index;
	char *splunk_source;
	char *splunk_sourcetype;
	/* syslog */
	char *transport;          /* tcp|tls */
	char *server_name;
};

/*
 * Every setting of the agent. Defaults live in one table (daemon/config.c);
 * `cjd config --defaults` prints them and docs/config.md documents each key.
 * A NaN double means "not set: use the model's own value".
 */
struct cjd_config {
	/* collector */
	uint64_t interval_ns;
	uint64_t rescan_ns;
	struct cjd_strlist include;
	struct cjd_strlist exclude;
	char *events;        /* "auto", "hardware", "software" or a comma list */
	char *cgroup_root;   /* NULL: discover */
	/* detector */
	char *model;         /* NULL: pick hw-default/sw-default by mode */
	uint32_t window;
	double threshold;
	double threshold_low;
	uint32_t fire_windows;
	uint32_t resolve_windows;
	uint64_t ongoing_ns;
	uint64_t refire_holddown_ns; /* 0: a resolved cgroup may fire again at once */
	double price_per_cpu_hour;
	struct cjd_strlist allowlist;
	struct cjd_strlist aggregate;    /* groupings on: "pod", "image", "host" */
	uint32_t aggregate_min_members;
	double aggregate_member_max_cpu;
	char *aggregate_model;           /* NULL: sw-nosyscalls in software mode with the shipped models, else the detector's */
	/* publish */
	struct cjd_strlist endpoints;
	uint32_t hwm;
	uint64_t metrics_ns;
	uint64_t heartbeat_ns;
	char *curve_secret;  /* NULL: no CURVE */
	char *curve_clients;
	/* journal */
	char *journal;       /* NULL or "": no journal */
	uint64_t journal_rotate_bytes;
	uint32_t journal_keep;
	/* actions */
	enum cjd_action_kind action;
	double action_min_score;
	char *throttle_quota; /* cpu.max form "QUOTA PERIOD", e.g. "20000 100000" */
	/* evidence (issue 11: inspection of suspects, the sweep, verdicts) */
	bool evidence_enabled;
	double suspect_threshold;    /* NaN: half the firing threshold */
	uint32_t suspect_windows;
	uint64_t reinspect_ns;
	double evidence_cpu_budget;  /* share of one CPU */
	uint64_t evidence_max_pause_ns;
	uint64_t sweep_ns;           /* 0: no sweep */
	double sweep_min_cpu;        /* CPUs */
	char *sweep_probes;
	char *evidence_probes;
	char *evidence_require;      /* "auto", "none", "any", "verdict", "mining-specific" */
	uint64_t evidence_wait_ns;
	char *verdict_model;         /* NULL: the shipped default */
	/* outputs */
	struct cjd_output_settings out_http;
	struct cjd_output_settings out_syslog;
	/* log */
	char *log_level;
	char *log_format;
	/* metrics (the HTTP server for Prometheus and probes) */
	char *metrics_listen;          /* NULL, "" or "off": no server */
	uint64_t metrics_stale_ns;
	uint32_t metrics_max_cgroups;
	char *metrics_tls_cert;        /* both or neither */
	char *metrics_tls_key;
	char *metrics_basic_auth_file;
};

/* Fills cfg with the embedded defaults. Returns 0 or -ENOMEM. */
int cjd_config_defaults(struct cjd_config *cfg);

/* Frees what cfg owns (not cfg itself). */
void cjd_config_release(struct cjd_config *cfg);

/*
 * Loads a JSON file over the current values of cfg (call cjd_config_defaults
 * first). Strict: unknown keys, wrong types and out-of-range values are
 * errors with file:line:column. On error cfg is left unchanged.
 * Returns 0, -ENOENT (no such file: err filled, caller decides), or -EINVAL.
 */
int cjd_config_load(struct cjd_config *cfg, const char *path, struct cjd_error *err);

/* Same from a string (name is used in errors). When the text has several
 * problems, err gets the first in file order. */
int cjd_config_load_string(struct cjd_config *cfg, const char *name, const char *text,
			   struct cjd_error *err);

/* One problem found by cjd_config_check(). */
typedef void (*cjd_config_report_cb)(const struct cjd_error *err, void *ctx);

/*
 * Validates a configuration (over the embedded defaults) and reports EVERY
 * problem through cb, in file order, each with file:line:column; unknown
 * keys, sections and choice values carry "; did you mean 'interval'?" when
 * a known name is close. Only a JSON syntax error stops the check early
 * (nothing after it can be read). text NULL reads the file `name` (an
 * unreadable file is one problem). Beyond 100 problems the rest are counted
 * in one last report. Returns the number of problems (0: valid) or -ENOMEM.
 */
int cjd_config_check(const char *name, const char *text, cjd_config_report_cb cb, void *ctx);

/*
 * Sets one key from its text form, with the file's validation: used for
 * command-line overrides ("collector.interval", "200ms"). For lists the value
 * is appended unless `replace` is true. Returns 0 or -EINVAL/-ENOENT.
 */
int cjd_config_set(struct cjd_config *cfg, const char *key, const char *value, bool replace,
		   struct cjd_error *err);

/*
 * Sets one key to "not set", past the rules a whole configuration obeys:
 * for a command whose default differs from the agent's (cjd replay
 * publishes and journals only where asked, and windows as the model says).
 * A string becomes NULL, a list empty, a number 0 (a double NaN: the
 * model's), an action `alert`. Returns 0, or -ENOENT for an unknown key.
 */
int cjd_config_unset(struct cjd_config *cfg, const char *key);

/* Writes cfg as a JSON document that cjd_config_load() accepts. */
int cjd_config_write(const struct cjd_config *cfg, FILE *out);

/*
 * A key as a command-line option: `cjd run --interval 200ms` sets
 * collector.interval. Every key has one; each command offers those of the
 * sections it uses, and cli/options.c generates its getopt table and its
 * --help lines from these, so a new key is one row of the table.
 */
struct cjd_config_flag {
	const char *key;   /* "collector.interval" */
	const char *name;  /* the long option: "interval" for --interval */
	char short_name;   /* 'i' for -i, or 0 */
	const char *arg;   /* what the value is, for --help: "DURATION" */
	const char *help;  /* what it does, one phrase (without the key or default) */
	const char *unset; /* what null, or an empty list, means ("the model's"); or NULL */
	const char *def;   /* the default as text (list items '\n'-separated); NULL: null */
	bool list;         /* a list: each option adds one item */
};

/* Fills *out with the i-th key (table order); false past the last one. */
bool cjd_config_flag(size_t i, struct cjd_config_flag *out);

/* Writes the Markdown reference of every key (docs/config.md is generated from it). */
void cjd_config_write_docs(FILE *out);

/* Whether every key under `prefix` ("outputs.") has the same value in a and b. */
bool cjd_config_same(const struct cjd_config *a, const struct cjd_config *b, const char *prefix);

/* Deep copy, for atomic reload. Returns 0 or -ENOMEM. */
int cjd_config_copy(struct cjd_config *dst, const struct cjd_config *src);

#endif
