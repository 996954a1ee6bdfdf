/* Renders received messages for SIEMs: ECS with dotted keys, CEF, RFC 5424 syslog. */
#ifndef CJD_PUBLISH_ALERT_FORMAT_H
#define CJD_PUBLISH_ALERT_FORMAT_H

#include <jansson.h>

enum cjd_sub_format {
	CJD_FMT_JSON = 0, /* the message body exactly as published */
	CJD_FMT_ECS,      /* the same document with dotted keys ("event.action"), flat */
	CJD_FMT_CEF,      /* ArcSight Common Event Format, one line */
	CJD_FMT_SYSLOG,   /* an RFC 5424 line: <PRI>1 TIMESTAMP HOST cjd - TOPIC [SD] MSG */
};

/* "json|ecs|cef|syslog". Returns 0 or -EINVAL. */
int cjd_sub_format_parse(const char *s, enum cjd_sub_format *out);

/* The SD-ID of cjd's structured data element (RFC 5424 section 6.3.2; 32473
 * is the example enterprise number of RFC 5612, as cjd has none of its own). */
#define CJD_SYSLOG_SD_ID "cjd@32473"

/*
 * Renders one message (topic + parsed body) in `fmt` (not CJD_FMT_JSON, which
 * needs no rendering). *out is malloc'ed, NUL-terminated and holds exactly one
 * line, without the newline: hostile strings are escaped the way each format
 * requires (CEF: \\ \| in the header, \\ \= \n \r in extensions; syslog:
 * \" \\ \] in SD values, and control characters as \n \r \t \xHH everywhere).
 * Returns 0, -EINVAL (fmt) or -ENOMEM.
 */
int cjd_format_message(enum cjd_sub_format fmt, const char *topic, json_t *doc, char **out);

/*
 * For syslog(3), which writes its own header: "[SD] MSG" and the syslog
 * severity (LOG_WARNING for firing/ongoing/frozen/throttled, LOG_NOTICE for
 * resolved/gone, LOG_INFO otherwise). *out malloc'ed.
 */
int cjd_format_syslog_body(const char *topic, json_t *doc, char **out, int *severity);

#endif
