/* Renders received messages for SIEMs: ECS with dotted keys, CEF, LEEF, RFC 5424 syslog. */
#ifndef CJD_PUBLISH_ALERT_FORMAT_H
#define CJD_PUBLISH_ALERT_FORMAT_H

#include <jansson.h>

enum cjd_sub_format {
	CJD_FMT_JSON = 0, /* the message body exactly as published */
	CJD_FMT_ECS,      /* the same document with dotted keys ("event.action"), flat */
	CJD_FMT_CEF,      /* ArcSight Common Event Format, one line */
	CJD_FMT_SYSLOG,   /* an RFC 5424 line: <PRI>1 TIMESTAMP HOST cjd - TOPIC [SD] MSG */
	CJD_FMT_TEXT,     /* for a person: TIMESTAMP HOST SUMMARY id ID (the container by name) */
	CJD_FMT_LEEF,     /* IBM QRadar LEEF 2.0, tab-delimited attributes, one line */
	CJD_FMT_FALCOSIDEKICK, /* the HTTP output's Falco event (output_body.h), one line */
	CJD_FMT_SPLUNK_HEC,    /* the HTTP output's Splunk HEC event, one line */
};

/* "json|ecs|cef|syslog|text|leef|falcosidekick|splunk-hec". Returns 0 or -EINVAL. */
int cjd_sub_format_parse(const char *s, enum cjd_sub_format *out);

/* The SD-ID of cjd's structured data element (RFC 5424 section 6.3.2; 32473
 * is the example enterprise number of RFC 5612, as cjd has none of its own). */
#define CJD_SYSLOG_SD_ID "cjd@32473"

/*
 * Renders one message (topic + parsed body) in `fmt` (not CJD_FMT_JSON, which
 * needs no rendering). *out is malloc'ed, NUL-terminated and holds exactly one
 * line, without the newline: hostile strings are escaped the way each format
 * requires (CEF: \\ \| in the header, \\ \= \n \r in extensions; syslog:
 * \" \\ \] in SD values; LEEF: \\ \| in the header, and in values every
 * control character, the tab delimiter included, as \t \n \r \xHH with a
 * real backslash as \\, so a value can never hold the delimiter; control
 * characters as \n \r \t \xHH everywhere, text lines included).
 * Returns 0, -EINVAL (fmt) or -ENOMEM.
 */
int cjd_format_message(enum cjd_sub_format fmt, const char *topic, json_t *doc, char **out);

/*
 * For syslog(3), which writes its own header: "[SD] MSG" and the syslog
 * severity (LOG_WARNING for firing/ongoing/frozen/throttled, LOG_NOTICE for
 * resolved/gone, LOG_INFO otherwise). *out malloc'ed.
 */
int cjd_format_syslog_body(const char *topic, json_t *doc, char **out, int *severity);

/*
 * The one-line human summary of a message ("Cryptocurrency miner detected:
 * container web-1 (image nginx:1.25) cgroup /docker/... score 0.94
 * cpu_seconds 3.5"), hostile bytes escaped as in text lines: the CEF msg,
 * the syslog MSG, the Falco `output`. *out malloc'ed. Returns 0 or -ENOMEM.
 */
int cjd_format_summary(const char *topic, json_t *doc, char **out);

/*
 * An RFC 5424 message whose MSG is `msg` (a CEF, LEEF or JSON line) with no
 * structured data: "<PRI>1 TIMESTAMP HOST cjd - TOPIC - MSG", the header
 * exactly as CJD_FMT_SYSLOG writes it. *out malloc'ed. Returns 0 or -ENOMEM.
 */
int cjd_format_syslog_wrap(const char *topic, json_t *doc, const char *msg, char **out);

#endif
