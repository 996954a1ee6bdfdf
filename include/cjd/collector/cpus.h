/* The online CPUs, from /sys/devices/system/cpu/online, so that hotplugged CPUs are counted right. */
#ifndef CJD_COLLECTOR_CPUS_H
#define CJD_COLLECTOR_CPUS_H

#include "cjd/common/error.h"

#define CJD_MAX_CPUS 4096

/*
 * Parses a kernel CPU list ("0-3,8,10-11\n") into ascending ids. Returns the
 * count, or -EINVAL (bad syntax, descending range, id >= CJD_MAX_CPUS) or
 * -E2BIG (more than max ids). Pure.
 */
int cjd_cpus_parse(const char *text, int *cpus, int max);

/*
 * Reads /sys/devices/system/cpu/online (path NULL) or path. Returns the count
 * or a negative errno, with err filled (the file, and what is wrong). cpus
 * must hold CJD_MAX_CPUS. Thread-safe.
 */
int cjd_cpus_online(const char *path, int *cpus, struct cjd_error *err);

#endif
