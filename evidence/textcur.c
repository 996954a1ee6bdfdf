/* Number and separator readers over one line of /proc text, for the maps and /proc/net parsers. */
#include <errno.h>

#include "textcur_internal.h"

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' :
	       ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

int cjd_cur_hex(struct cjd_cur *c, unsigned max_digits, uint64_t *out)
{
	const char *s = c->p;
	uint64_t v = 0;
	unsigned k = 0;
	int d;

	bool variable = !max_digits;

	if (variable)
		max_digits = 16;
	while (c->p < c->end && k < max_digits && (d = hexval(*c->p)) >= 0) {
		if (v >> 60) {
			c->p = s;
			return -ERANGE; /* over 64 bits */
		}
		v = v << 4 | (uint64_t)d;
		c->p++;
		k++;
	}
	/* A variable-width number must end within 64 bits; a fixed-width field may be followed by
	 * more digits (the words of an IPv6 address). */
	if (c->p == s || (variable && c->p < c->end && hexval(*c->p) >= 0)) {
		c->p = s;
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cjd_cur_dec(struct cjd_cur *c, uint64_t *out)
{
	const char *s = c->p;
	uint64_t v = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10) {
			c->p = s;
			return -ERANGE;
		}
		v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	if (c->p == s)
		return -EINVAL;
	*out = v;
	return 0;
}

bool cjd_cur_eat(struct cjd_cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

int cjd_cur_spaces(struct cjd_cur *c)
{
	int n = 0;

	while (c->p < c->end && *c->p == ' ') {
		c->p++;
		n++;
	}
	return n;
}

int cjd_cur_col(const struct cjd_cur *c)
{
	return (int)(c->p - c->line) + 1;
}
