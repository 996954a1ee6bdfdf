/* A growable text buffer for JSON and gnuplot scripts; errors are sticky, checked at the end. */
#ifndef CJD_TRAINER_STRBUF_INTERNAL_H
#define CJD_TRAINER_STRBUF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Appends never fail visibly: the first ENOMEM sets `oom` and later appends
 * do nothing, so a writer appends freely and checks cjd_sb_error() once.
 */
struct cjd_sb {
	char *buf;
	size_t len, cap;
	bool oom;
	bool bad_number; /* a non-finite number was appended */
};

void cjd_sb_init(struct cjd_sb *sb);
void cjd_sb_release(struct cjd_sb *sb);
/* 0, -ENOMEM, or -EDOM (a non-finite number was refused). */
int cjd_sb_error(const struct cjd_sb *sb);

void cjd_sb_add(struct cjd_sb *sb, const char *s);
void cjd_sb_addf(struct cjd_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quoted, escaped). */
void cjd_sb_json_string(struct cjd_sb *sb, const char *s);
/* Shortest round-trip numbers (cjd_fmt_float / cjd_fmt_double). */
void cjd_sb_float(struct cjd_sb *sb, float v);
void cjd_sb_double(struct cjd_sb *sb, double v);

/* Hands the buffer (NUL-terminated) to the caller and resets sb. */
char *cjd_sb_take(struct cjd_sb *sb, size_t *len);

#endif
