/* Clocks, durations and RFC 3339 timestamps. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cjd/common/text.h"
#include "cjd/common/time.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * CJD_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t cjd_now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t cjd_now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static const struct {
	const char *suffix;
	uint64_t ns;
} units[] = {
	{"ns", 1},
	{"us", 1000},
	{"ms", 1000000},
	{"s", CJD_NSEC_PER_SEC},
	{"m", 60 * CJD_NSEC_PER_SEC},
	{"h", 3600 * CJD_NSEC_PER_SEC},
};

int cjd_duration_parse(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac_num = 0, frac_den = 1;
	const char *p = s;
	uint64_t mult = 0;

	if (!*p || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_den < 1000000000000ull) { /* beyond 1e-12 nobody cares */
				frac_num = frac_num * 10 + (uint64_t)(*p - '0');
				frac_den *= 10;
			}
		}
	}
	if (!*p) {
		mult = CJD_NSEC_PER_SEC;
	} else {
		for (size_t i = 0; i < CJD_ARRAY_SIZE(units); i++)
			if (strcmp(p, units[i].suffix) == 0)
				mult = units[i].ns;
		if (!mult)
			return -EINVAL;
	}
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	uint64_t v = whole * mult;
	/* frac_num < frac_den <= 1e12 and mult <= 3.6e12: do it in long double to dodge overflow */
	v += (uint64_t)((long double)frac_num * (long double)mult / (long double)frac_den + 0.5L);
	*ns = v;
	return 0;
}

const char *cjd_duration_format(uint64_t ns, char *buf, size_t len)
{
	if (ns == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t i = CJD_ARRAY_SIZE(units); i-- > 0;) {
		if (ns && ns % units[i].ns == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}

static const char *rfc3339(uint64_t real_ns, bool with_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(real_ns / CJD_NSEC_PER_SEC);
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ns)
		snprintf(buf, len, "%s.%09lluZ", base, (unsigned long long)(real_ns % CJD_NSEC_PER_SEC));
	else
		snprintf(buf, len, "%sZ", base);
	return buf;
}

const char *cjd_rfc3339_ns(uint64_t real_ns, char *buf, size_t len)
{
	return rfc3339(real_ns, true, buf, len);
}

const char *cjd_rfc3339_sec(uint64_t real_ns, char *buf, size_t len)
{
	return rfc3339(real_ns, false, buf, len);
}

/* n decimal digits at *p, advancing it; -1 if they are not all there. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cjd_rfc3339_parse(const char *s, uint64_t *real_ns)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
	uint64_t frac = 0;

	y = digits(&p, 4);
	if (y < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -EINVAL;
	if (*p) {
		/* RFC 3339 allows 't' and, in its note, a space for the 'T' */
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -EINVAL;
		p++;
		if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' || (mi = digits(&p, 2)) < 0 ||
		    mi > 59 || *p++ != ':' || (sec = digits(&p, 2)) < 0 || sec > 60)
			return -EINVAL;
		if (*p == '.') {
			uint64_t scale = 100000000;
			if (*++p < '0' || *p > '9')
				return -EINVAL;
			/* ns resolution: digits beyond the ninth are dropped */
			for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
				frac += scale ? (uint64_t)(*p - '0') * scale : 0;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if ((oh = digits(&p, 2)) < 0 || oh > 23 || *p++ != ':' ||
			    (om = digits(&p, 2)) < 0 || om > 59)
				return -EINVAL;
			off = sign * (oh * 60 + om) * 60;
		} else {
			return -EINVAL; /* a time needs its offset: local time is ambiguous */
		}
		if (*p)
			return -EINVAL;
	}
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = sec};
	int64_t t = (int64_t)timegm(&tm) - off; /* a leap second (:60) reads as the next one */
	if (t < 0 || (uint64_t)t > UINT64_MAX / CJD_NSEC_PER_SEC - 1)
		return -ERANGE;
	*real_ns = (uint64_t)t * CJD_NSEC_PER_SEC + frac;
	return 0;
}

const char *cjd_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0 || !buf[0])
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	return buf;
}
