/* What the probes' reports share: sentences appended to a bounded buffer, byte counts in words, JSON members. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void cjd_ev_appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

void cjd_ev_fmt_bytes(uint64_t b, char *buf, size_t len)
{
	const double kib = 1024.0, mib = kib * 1024.0, gib = mib * 1024.0;

	if ((double)b >= gib)
		snprintf(buf, len, "%.2f GiB", (double)b / gib);
	else if ((double)b >= mib)
		snprintf(buf, len, "%.0f MiB", (double)b / mib);
	else if ((double)b >= kib)
		/* "4.5 KiB" of hot code says more than "5 KiB"; whole KiB stay whole */
		snprintf(buf, len, b % 1024 && (double)b < 10 * kib ? "%.1f KiB" : "%.0f KiB",
			 (double)b / kib);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)b);
}

void cjd_ev_json_put(json_t *o, const char *key, json_t *v, int *rc)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*rc = -ENOMEM;
}
