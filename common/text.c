/* Text helpers: number parsing, JSON string escaping, UTF-8 checks, shortest float printing. */
#include <errno.h>
#include <float.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/text.h"

int cjd_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int cjd_size_parse(const char *s, uint64_t *bytes)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mult = 1, v;
	int rc;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'K': case 'k': mult = 1ull << 10; break;
	case 'M': case 'm': mult = 1ull << 20; break;
	case 'G': case 'g': mult = 1ull << 30; break;
	default: break;
	}
	if (mult != 1)
		num[--n] = '\0';
	rc = cjd_parse_u64(num, &v);
	if (rc)
		return rc;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*bytes = v * mult;
	return 0;
}

size_t cjd_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned min;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1; min = 0x80; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2; min = 0x800; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3; min = 0x10000; cp = c & 0x07;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates and beyond-Unicode are not UTF-8 */
		if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return i;
		i += need + 1;
	}
	return len;
}

/*
 * Shortest round-trip printing. Any decimal of at most DIG significant digits
 * (FLT_DIG = 6, DBL_DIG = 15) survives the trip through the binary format, so
 * if the value prints back exactly at DIG digits, %g's trimmed DIG-digit form
 * *is* the shortest one; only values that need more digits try DIG+1 upwards.
 * Starting low and counting up cost 20 snprintf/strtod pairs for a typical
 * score, which dominated alert serialisation.
 */
static int fmt_shortest(char *buf, size_t len, double v, int dig, int max, bool is_float)
{
	for (int prec = dig; prec <= max; prec++) {
		int n = snprintf(buf, len, "%.*g", prec, v);
		if (n < 0 || (size_t)n >= len)
			return -ENOSPC;
		if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			return n;
	}
	return -EDOM; /* unreachable: max digits always round-trip */
}

/* Subnormals hold fewer digits than DIG, so the DIG shortcut above does not
 * hold for them: they search from one digit up (they are rare). */
int cjd_fmt_float(char *buf, size_t len, float v)
{
	if (!isfinite(v))
		return -EDOM;
	return fmt_shortest(buf, len, (double)v, fpclassify(v) == FP_SUBNORMAL ? 1 : FLT_DIG, 9,
			    true);
}

int cjd_fmt_double(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		return -EDOM;
	return fmt_shortest(buf, len, v, fpclassify(v) == FP_SUBNORMAL ? 1 : DBL_DIG, 17, false);
}

uint64_t cjd_xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

double cjd_xorshift64_unit(uint64_t *s)
{
	return (double)(cjd_xorshift64(s) >> 11) / (double)(1ull << 53);
}

int cjd_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double cjd_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cjd_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool cjd_name_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("._+-", c));
}

bool cjd_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!cjd_name_char_ok((unsigned char)s[i]))
			return false;
	return true;
}

bool cjd_glob_any(const char *const *globs, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], s, 0) == 0)
			return true;
	return false;
}
