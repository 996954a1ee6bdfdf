/* Allowlist entries: cgroup globs, and image, container, namespace and pod name globs. */
#ifndef CJD_COMMON_ALLOWLIST_H
#define CJD_COMMON_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "cjd/common/identity.h"

/*
 * One entry of detector.allowlist (docs/config.md, "Allowlist"):
 *   /GLOB, *GLOB    a cgroup path glob (fnmatch, '*' crosses '/'), as before
 *   cgroup:GLOB     the same, spelled out
 *   image:GLOB      the image reference "NAME:TAG" or the bare NAME; a Docker Hub
 *                   image also matches in its short form ("nginx:1.25" for
 *                   "docker.io/library/nginx:1.25")
 *   container:GLOB  the container name
 *   namespace:GLOB  the Kubernetes namespace
 *   pod:GLOB        the pod name
 * Name entries match only where the runtime's record was found: an unknown
 * container is never allowlisted by name (it alerts, which is the safe side).
 */
enum cjd_allow_kind {
	CJD_ALLOW_CGROUP = 0,
	CJD_ALLOW_IMAGE,
	CJD_ALLOW_CONTAINER,
	CJD_ALLOW_NAMESPACE,
	CJD_ALLOW_POD,
};

/*
 * Checks one entry. Returns 0 and its kind and glob (a pointer into entry),
 * or -EINVAL with `why` saying what is wrong ("unknown prefix \"imgae:\"; did
 * you mean image:?", "empty glob", "a cgroup glob starts with / or *").
 */
int cjd_allowlist_parse_entry(const char *entry, enum cjd_allow_kind *kind, const char **glob,
			      char *why, size_t whylen);

struct cjd_allowlist;

/*
 * Builds an allowlist from entries (copied). Returns 0, -EINVAL with `why`
 * naming the bad entry (its index and text), or -ENOMEM. n == 0 gives an
 * empty list that matches nothing. Free with cjd_allowlist_free (NULL ok).
 */
int cjd_allowlist_new(struct cjd_allowlist **out, const char *const *entries, size_t n,
		      char *why, size_t whylen);
void cjd_allowlist_free(struct cjd_allowlist *al);

/* Whether some entry needs more than the cgroup path (an identity with names). */
bool cjd_allowlist_needs_identity(const struct cjd_allowlist *al);

/*
 * The first entry matching the cgroup, as written in the configuration, or
 * NULL. `id` may be NULL (names unknown: only cgroup globs can match).
 * Thread-safe (read-only).
 */
const char *cjd_allowlist_match(const struct cjd_allowlist *al, const char *cgroup,
				const struct cjd_identity *id);

#endif
