/* A cursor over one line of a /proc text file, for strict parsers whose errors name the column. */
#ifndef CJD_EVIDENCE_TEXTCUR_INTERNAL_H
#define CJD_EVIDENCE_TEXTCUR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cjd_cur {
	const char *line, *p, *end; /* the line, the position, the line's end (no '\n') */
};

/* Reads hex digits into *out: at most max_digits of them (a fixed-width field,
 * which more digits may follow), or with max_digits 0 a whole number of up to
 * 16 digits. On failure (no digit, over 64 bits) returns -EINVAL/-ERANGE and
 * leaves the cursor at the number's start, so errors point at it. */
int cjd_cur_hex(struct cjd_cur *c, unsigned max_digits, uint64_t *out);

/* Reads decimal digits into *out; -EINVAL / -ERANGE as cjd_cur_hex. */
int cjd_cur_dec(struct cjd_cur *c, uint64_t *out);

/* Consumes ch when it is next. */
bool cjd_cur_eat(struct cjd_cur *c, char ch);

/* Skips spaces; returns how many. */
int cjd_cur_spaces(struct cjd_cur *c);

/* The 1-based column of the cursor. */
int cjd_cur_col(const struct cjd_cur *c);

#endif
