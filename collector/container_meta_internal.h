/* Internal to the container metadata unit: the source ops table and the helpers its sources share. */
#ifndef CJD_COLLECTOR_CONTAINER_META_INTERNAL_H
#define CJD_COLLECTOR_CONTAINER_META_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "cjd/collector/container_meta.h"

/* Bounds on what is read: a runtime's record of one container is a few KiB. */
#define CJD_META_MAX_RECORD (4u << 20)  /* config.v2.json, config.json, an API answer */
#define CJD_META_MAX_LIST (64u << 20)   /* containers.json lists every container */
#define CJD_META_MAX_NAMESPACES 64      /* containerd namespaces looked into */

/*
 * One place a runtime records its containers. resolve() fills the names of
 * `out` for container `id` (64 hex, already checked) and returns 0 when it
 * knows the container and says something about it, -ENOENT when it does not,
 * or another negative errno with err naming the file and what is wrong.
 */
struct cjd_meta_source {
	const char *name;
	enum cjd_runtime runtime;
	int (*resolve)(const struct cjd_meta_config *cfg, const char *id, struct cjd_identity *out,
		       struct cjd_error *err);
};

/* The sources, in their default order (container_meta_sources.c, _api.c). */
extern const struct cjd_meta_source cjd_meta_docker_file;
extern const struct cjd_meta_source cjd_meta_docker_api;
extern const struct cjd_meta_source cjd_meta_containerd;
extern const struct cjd_meta_source cjd_meta_storage_userdata;
extern const struct cjd_meta_source cjd_meta_storage_list;

/*
 * Reads a regular file of at most `max` bytes without following a symlink
 * at its last component. *buf is malloc'ed and NUL-terminated. Returns 0,
 * -ENOENT, or another negative errno with err naming the file.
 */
int cjd_meta_read_file(const char *path, size_t max, char **buf, size_t *len,
		       struct cjd_error *err);

/*
 * Parses text (named `what` in errors) as a JSON object. Returns 0 with
 * *root owned by the caller, or -EINVAL with err: "what:line:column: text".
 */
int cjd_meta_parse(const char *what, const char *text, size_t len, json_t **root,
		   struct cjd_error *err);

/*
 * A Docker container as config.v2.json and the Engine API's inspect both
 * describe it ({"ID"|"Id", "Name", "Config": {"Image", "Labels"}}): fills
 * out. Returns 0, -ENOENT (another container's record), or -EINVAL naming
 * `what` when a field has the wrong type.
 */
int cjd_meta_docker_record(const char *what, json_t *root, const char *id,
			   struct cjd_identity *out, struct cjd_error *err);

/*
 * Applies Kubernetes names from a string map (OCI annotations, Docker labels):
 * io.kubernetes.cri.* (containerd), io.kubernetes.{container,pod}.* (CRI-O,
 * dockershim, cri-dockerd), nerdctl/name. Only empty fields are filled.
 * Returns whether anything was found.
 */
bool cjd_meta_kube_names(json_t *map, struct cjd_identity *out);

/* The configured path, the default when NULL, NULL when "" (switched off). */
const char *cjd_meta_path(const char *configured, const char *dflt);

#endif
