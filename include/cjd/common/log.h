/* Process-wide logging to stderr (text or JSON lines) and progress lines for long work. */
#ifndef CJD_COMMON_LOG_H
#define CJD_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum cjd_log_level {
	CJD_LOG_ERROR = 0,
	CJD_LOG_WARN,
	CJD_LOG_INFO,
	CJD_LOG_DEBUG,
};

enum cjd_log_format {
	CJD_LOG_TEXT = 0,
	CJD_LOG_JSON,
};

/*
 * Sets the level and format, and checks whether stderr is the journal (see
 * cjd_log_stderr_is_journal): then every line starts with its syslog priority
 * as sd-daemon.h's prefixes, <3> error, <4> warning, <6> info, <7> debug. The
 * log configuration is the one piece of process-wide state besides the SIMD
 * tier and signal flags: main() sets it once, before any thread starts, so
 * reads need no lock.
 */
void cjd_log_setup(enum cjd_log_level level, enum cjd_log_format format);

/* True when $JOURNAL_STREAM ("<st_dev>:<st_ino>", set by systemd) names the
 * file stderr is open on now: systemd connected stderr to journald. */
bool cjd_log_stderr_is_journal(void);

/* The current level and format (what main() set from the global options). */
void cjd_log_get(enum cjd_log_level *level, enum cjd_log_format *format);

/* "error|warn|info|debug" / "text|json" */
const char *cjd_log_level_name(enum cjd_log_level level);
const char *cjd_log_format_name(enum cjd_log_format format);

/* Parses "error|warn|info|debug" / "text|json". Return 0 or -EINVAL. */
int cjd_log_level_parse(const char *s, enum cjd_log_level *out);
int cjd_log_format_parse(const char *s, enum cjd_log_format *out);

bool cjd_log_enabled(enum cjd_log_level level);

/* Writes one line; never fails visibly (a log line that cannot be written is lost,
 * the only thing in cjd allowed to be). Thread-safe: one write() per line. */
void cjd_log(enum cjd_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cjd_err(...) cjd_log(CJD_LOG_ERROR, __VA_ARGS__)
#define cjd_warn(...) cjd_log(CJD_LOG_WARN, __VA_ARGS__)
#define cjd_info(...) cjd_log(CJD_LOG_INFO, __VA_ARGS__)
#define cjd_debug(...)                                                                             \
	do {                                                                                       \
		if (cjd_log_enabled(CJD_LOG_DEBUG))                                                \
			cjd_log(CJD_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/*
 * Progress for long work, on stderr. On a terminal the line is redrawn in
 * place at most 10 times a second; otherwise a full line is printed at most
 * every 5 s. cjd_progress_done() ends the line.
 */
struct cjd_progress {
	bool tty;
	bool active;
	uint64_t last_ns;
};

void cjd_progress_init(struct cjd_progress *p);
void cjd_progress_update(struct cjd_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cjd_progress_done(struct cjd_progress *p);

#endif
