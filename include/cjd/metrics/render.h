/* Renders a metrics snapshot as OpenMetrics 1.0 or Prometheus text 0.0.4: every metric cjd exposes is defined here. */
#ifndef CJD_METRICS_RENDER_H
#define CJD_METRICS_RENDER_H

#include <stddef.h>

#include "cjd/metrics/om_text.h"
#include "cjd/metrics/registry.h"

/*
 * Writes the whole exposition of snapshot s in format f into a malloc'ed,
 * NUL-terminated text (caller frees) of *len bytes. Pure: reads only s, so
 * any thread holding a reference may call it. Returns 0 or -ENOMEM.
 */
int cjd_metrics_render(const struct cjd_metrics_snapshot *s, enum cjd_om_format f, char **out,
		       size_t *len);

#endif
