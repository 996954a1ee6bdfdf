/* The stratum probe's inner units (the marker search, the maps filter), declared for each other and for tests. */
#ifndef CJD_EVIDENCE_STRATUM_INTERNAL_H
#define CJD_EVIDENCE_STRATUM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest byte string any marker matches, minus one: consecutive reads of a region
 * overlap by this much so that a marker across a chunk boundary is found. */
size_t cjd_stratum_overlap(void);

/* Returns found with the bits of the markers that occur in buf[0..len) added. Markers
 * already in found are not looked for again. */
uint32_t cjd_stratum_search(const void *buf, size_t len, uint32_t found);

/* One mapping of /proc/PID/maps, as far as the probe cares. */
struct cjd_stratum_region {
	uint64_t start, end;
	bool scan; /* private, writable and anonymous: heap, stack, nameless rw-p */
};

/*
 * Parses one line of /proc/PID/maps (without its newline) into *r. Returns
 * 0, or -EINVAL with *what saying what is wrong.
 */
int cjd_stratum_maps_line(const char *line, size_t len, struct cjd_stratum_region *r,
			  const char **what);

#endif
