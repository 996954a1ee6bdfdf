/* Rows of the feature table in features_internal.h, and the public names of the feature vector. */
#include <errno.h>
#include <string.h>

#include "cjd/detector/features_table.h"
#include "features_internal.h"

#define RATIO_ROW(id, name, set, num, den, scale, safe, formula)                                    \
	[CJD_RATIO_##id] = {name,                                                                  \
			    set,                                                                   \
			    num,                                                                   \
			    den,                                                                   \
			    scale,                                                                 \
			    safe,                                                                  \
			    ((num) < CJD_EV__COUNT ? CJD_EVMASK(num) : 0) |                        \
				    ((den) < CJD_EV__COUNT ? CJD_EVMASK(den) : 0),                 \
			    formula},
static const struct cjd_ratio_info ratios[CJD_RATIO__COUNT] = {CJD_RATIOS(RATIO_ROW)};
#undef RATIO_ROW

#define STAT_ROW(id, suffix, safe, formula) [CJD_STAT_##id] = {suffix, safe, formula},
static const struct cjd_stat_info stats[CJD_STAT__COUNT] = {CJD_STATS(STAT_ROW)};
#undef STAT_ROW

#define NAME_ROW(id, name, ...) CJD_STAT_NAMES(name),
static const char *const names[] = {CJD_RATIOS(NAME_ROW)};
#undef NAME_ROW

_Static_assert(sizeof(names) / sizeof(names[0]) == CJD_FEATURE__COUNT,
	       "CJD_STAT_NAMES must list every statistic of CJD_STATS, in order");
_Static_assert(CJD_FEATURE__COUNT <= CJD_FEATURES_MAX, "raise CJD_FEATURES_MAX");

const struct cjd_ratio_info *cjd_ratio_info(enum cjd_ratio r)
{
	return (unsigned)r < CJD_RATIO__COUNT ? &ratios[r] : NULL;
}

const struct cjd_stat_info *cjd_stat_info(enum cjd_stat s)
{
	return (unsigned)s < CJD_STAT__COUNT ? &stats[s] : NULL;
}

cjd_event_mask cjd_feature_set_events(enum cjd_feature_set set)
{
	cjd_event_mask m = 0;

	for (int r = 0; r < CJD_RATIO__COUNT; r++)
		if (ratios[r].set == set)
			m |= ratios[r].events;
	return m;
}

size_t cjd_feature_count(void)
{
	return CJD_FEATURE__COUNT;
}

const char *cjd_feature_name(size_t i)
{
	return i < CJD_FEATURE__COUNT ? names[i] : NULL;
}

int cjd_feature_lookup(const char *name)
{
	for (size_t i = 0; i < CJD_FEATURE__COUNT; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -ENOENT;
}

int cjd_feature_describe(size_t i, struct cjd_feature_desc *d)
{
	if (i >= CJD_FEATURE__COUNT)
		return -ENOENT;
	const struct cjd_ratio_info *r = &ratios[i / CJD_STAT__COUNT];
	const struct cjd_stat_info *s = &stats[i % CJD_STAT__COUNT];
	d->name = names[i];
	d->ratio = r->name;
	d->ratio_formula = r->formula;
	d->stat = s->suffix;
	d->stat_formula = s->formula;
	d->set = r->set == CJD_SET_HW ? "hw" : "sw";
	d->events = r->events;
	d->safe = s->safe;
	d->nonnegative = i % CJD_STAT__COUNT != CJD_STAT_AC1;
	return 0;
}

cjd_event_mask cjd_feature_events(size_t i)
{
	return i < CJD_FEATURE__COUNT ? ratios[i / CJD_STAT__COUNT].events : 0;
}
