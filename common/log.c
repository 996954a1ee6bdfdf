/* Logging to stderr, one write(2) per line so threads and processes never interleave. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjd/common/json_writer.h"
#include "cjd/common/log.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"

/* Set once by main() before threads start; see cjd_log_setup(). */
static enum cjd_log_level log_level = CJD_LOG_INFO;
static enum cjd_log_format log_format = CJD_LOG_TEXT;
/* stderr is a journald stream: lines start with sd-daemon.h's "<N>" priority prefix. */
static bool log_journal;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities as sd-daemon.h's SD_ERR, SD_WARNING, SD_INFO, SD_DEBUG */
static const char *const journal_prefix[] = {"<3>", "<4>", "<6>", "<7>"};

bool cjd_log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	/* systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected; a
	 * child that inherited the variable but whose stderr was redirected elsewhere
	 * (a pipe, a file) must not get the prefixes, hence the comparison */
	if (!env || sscanf(env, "%llu:%llu%n", &dev, &ino, &end) != 2 || env[end] != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void cjd_log_setup(enum cjd_log_level level, enum cjd_log_format format)
{
	log_level = level;
	log_format = format;
	log_journal = cjd_log_stderr_is_journal();
}

void cjd_log_get(enum cjd_log_level *level, enum cjd_log_format *format)
{
	*level = log_level;
	*format = log_format;
}

const char *cjd_log_level_name(enum cjd_log_level level)
{
	return (unsigned)level < CJD_ARRAY_SIZE(level_names) ? level_names[level] : "info";
}

const char *cjd_log_format_name(enum cjd_log_format format)
{
	return format == CJD_LOG_JSON ? "json" : "text";
}

int cjd_log_level_parse(const char *s, enum cjd_log_level *out)
{
	for (size_t i = 0; i < CJD_ARRAY_SIZE(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum cjd_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int cjd_log_format_parse(const char *s, enum cjd_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = CJD_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = CJD_LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

bool cjd_log_enabled(enum cjd_log_level level)
{
	return level <= log_level;
}

static void write_all(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* The JSON line (ECS names) into w's buffer, after the journald prefix when there is one. */
static int json_line(struct cjd_jw *w, enum cjd_log_level level, const char *msg)
{
	char ts[64];

	cjd_jw_init(w, 0);
	if (log_journal)
		cjd_buf_add(&w->buf, journal_prefix[level], 3);
	cjd_rfc3339_ns(cjd_now_real_ns(), ts, sizeof(ts));
	cjd_jw_obj(w, NULL);
	cjd_jw_str(w, "@timestamp", ts);
	cjd_jw_str(w, "log.level", level_names[level]);
	cjd_jw_str(w, "message", msg);
	cjd_jw_end(w, '}');
	cjd_buf_putc(&w->buf, '\n');
	return cjd_jw_error(w);
}

void cjd_log(enum cjd_log_level level, const char *fmt, ...)
{
	char msg[2048];
	char line[2200];
	va_list ap;
	size_t n, pre = 0;

	if (!cjd_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* journald strips the prefix and files the line under that priority, so
	 * `journalctl -p warning` shows the FIRING lines and errors */
	if (log_journal) {
		memcpy(line, journal_prefix[level], 3);
		pre = 3;
	}
	if (log_format == CJD_LOG_JSON) {
		struct cjd_jw w;
		if (json_line(&w, level, msg) == 0) {
			write_all(w.buf.data, w.buf.len);
			cjd_jw_release(&w);
			return;
		}
		cjd_jw_release(&w);
		int k = snprintf(line + pre, sizeof(line) - pre,
				 "{\"log.level\":\"%s\",\"message\":\"(out of memory)\"}\n",
				 level_names[level]);
		n = pre + (size_t)k;
	} else {
		/* Plain text: errors and warnings say so; info is the normal voice. */
		const char *tag = level == CJD_LOG_ERROR  ? "error: "
				  : level == CJD_LOG_WARN ? "warning: "
				  : level == CJD_LOG_DEBUG ? "debug: "
							   : "";
		int w = snprintf(line + pre, sizeof(line) - pre, "cjd: %s%s\n", tag, msg);
		n = w < 0 ? pre + 1 : pre + ((size_t)w >= sizeof(line) - pre ? sizeof(line) - pre - 1 : (size_t)w);
		line[n - 1] = '\n';
	}
	write_all(line, n);
}

void cjd_progress_init(struct cjd_progress *p)
{
	p->tty = isatty(STDERR_FILENO) == 1;
	p->active = false;
	p->last_ns = 0;
}

void cjd_progress_update(struct cjd_progress *p, const char *fmt, ...)
{
	uint64_t now = cjd_now_mono_ns();
	uint64_t every = p->tty ? CJD_NSEC_PER_SEC / 10 : 5 * CJD_NSEC_PER_SEC;
	char msg[512];
	va_list ap;

	if (p->last_ns && now - p->last_ns < every)
		return;
	p->last_ns = now;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->tty) {
		char line[600];
		int n = snprintf(line, sizeof(line), "\r\033[K%s", msg);
		write_all(line, n < 0 ? 0 : (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n);
		p->active = true;
	} else {
		cjd_info("%s", msg);
	}
}

void cjd_progress_done(struct cjd_progress *p)
{
	if (p->tty && p->active)
		write_all("\n", 1);
	p->active = false;
}
