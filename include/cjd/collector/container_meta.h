/* Container names, images and pods from the runtimes' own records (Docker, containerd/CRI, CRI-O, Podman), cached per container. */
#ifndef CJD_COLLECTOR_CONTAINER_META_H
#define CJD_COLLECTOR_CONTAINER_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/identity.h"

/*
 * Where the runtimes keep their records. Zero-initialise; every NULL field
 * means the standard path (below), "" switches that source off. Copied by
 * cjd_meta_cache_new().
 */
struct cjd_meta_config {
	const char *docker_root;      /* /var/lib/docker: containers/ID/config.v2.json */
	const char *docker_socket;    /* /var/run/docker.sock: GET /containers/ID/json */
	const char *containerd_tasks; /* /run/containerd/io.containerd.runtime.v2.task: NS/ID/config.json */
	const char *storage_run;      /* /run/containers/storage: overlay-containers/ID/userdata/config.json */
	const char *storage_root;     /* /var/lib/containers/storage: overlay-containers/containers.json */
	int api_timeout_ms;           /* the Engine API's whole exchange; 0: 1000 */
};

#define CJD_META_DOCKER_ROOT "/var/lib/docker"
#define CJD_META_DOCKER_SOCKET "/var/run/docker.sock"
#define CJD_META_CONTAINERD_TASKS "/run/containerd/io.containerd.runtime.v2.task"
#define CJD_META_STORAGE_RUN "/run/containers/storage"
#define CJD_META_STORAGE_ROOT "/var/lib/containers/storage"

/*
 * Fills the names of id (container.name, image and tag, pod name, namespace;
 * also the pod UID when the path did not hold it) for id->container_id, which
 * must be 64 lowercase hex digits (anything else is -EINVAL: the id becomes
 * part of paths). Sources are tried in order, the runtime the path suggests
 * first, until one knows the container:
 *   Docker      containers/ID/config.v2.json (primary: no daemon round trip,
 *               works while dockerd hangs), then the Engine API over its
 *               socket (when the data root is elsewhere or unreadable)
 *   containerd  the OCI bundle's config.json annotations set by the CRI
 *               plugin (io.kubernetes.cri.*) or nerdctl
 *   CRI-O/Podman  userdata/config.json annotations, then containers.json
 * Docker labels set by dockershim/cri-dockerd (io.kubernetes.*) give the pod.
 * On success id->resolved is true and id->runtime names the runtime whose
 * record was found. Files are read without following symlinks and with
 * bounded sizes; names are cut to the identity's field sizes.
 * Returns 0, -ENOENT (no runtime knows the id), or the first failure (a
 * malformed file: -EINVAL with err naming file:line:column; -EACCES, -EFBIG,
 * -ETIMEDOUT, -EPROTO for the Engine API). When a source failed but a later
 * one succeeded, 0 is returned and err still describes the failure.
 * Thread-safe (no shared state). May block up to api_timeout_ms.
 */
int cjd_meta_resolve(const struct cjd_meta_config *cfg, struct cjd_identity *id,
		     struct cjd_error *err);

/*
 * A cache of resolved names per container id, for one thread (the agent's
 * loop). Resolving happens when a cgroup is discovered (cjd_meta_cache_lookup
 * with resolve, once per new container id); the sample, metrics and alert
 * paths then read the cache without any I/O.
 */
struct cjd_meta_cache;

/* cfg NULL: the standard paths. Returns 0 or -ENOMEM. */
int cjd_meta_cache_new(struct cjd_meta_cache **out, const struct cjd_meta_config *cfg);
void cjd_meta_cache_free(struct cjd_meta_cache *c); /* accepts NULL */

/*
 * Fills *id for a cgroup path: the ids from the path (cjd_identity_parse),
 * and the names cached for its container. With `resolve`, a container id not
 * seen before is resolved now (cjd_meta_resolve; a failure is logged once per
 * container and retried at most every 30 s on later resolving lookups).
 * Returns true when names are known. A cgroup without a container id never
 * costs any I/O.
 */
bool cjd_meta_cache_lookup(struct cjd_meta_cache *c, const char *cgroup, bool resolve,
			   struct cjd_identity *id);

/* Drops what is cached for the container of cgroup (it is gone). */
void cjd_meta_cache_forget(struct cjd_meta_cache *c, const char *cgroup);

/* Containers cached (resolved or not), for tests and stats. */
size_t cjd_meta_cache_size(const struct cjd_meta_cache *c);

#endif
