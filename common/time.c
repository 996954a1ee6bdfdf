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

const char *cjd_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0 || !buf[0])
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	return buf;
}
