/* Container identity (Docker, containerd, CRI-O, Podman, Kubernetes pod): ids from a cgroup path, names from the runtime. */
#ifndef CJD_COMMON_IDENTITY_H
#define CJD_COMMON_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

enum cjd_runtime {
	CJD_RUNTIME_NONE = 0,
	CJD_RUNTIME_DOCKER,
	CJD_RUNTIME_CONTAINERD,
	CJD_RUNTIME_CRIO,
	CJD_RUNTIME_PODMAN,
};

/* Sizes of the names a runtime reports, NUL included. Longer values are cut at a
 * UTF-8 character boundary. Kubernetes names fit (pods 253, namespaces 63). */
#define CJD_IDENTITY_NAME_MAX 256
#define CJD_IDENTITY_IMAGE_MAX 512
#define CJD_IDENTITY_TAG_MAX 129 /* a Docker tag is at most 128 characters */

/*
 * What is known about the workload in a cgroup. The ids come from the path
 * alone (cjd_identity_parse, a pure function, so identity is never stored in
 * traces). The names come from the container runtime's own records, read once
 * per container by collector/container_meta.c; they are chosen by whoever
 * starts the container, so every printer escapes them (docs/security.md).
 */
struct cjd_identity {
	enum cjd_runtime runtime;
	char container_id[65]; /* full hex id, "" when the path names no container */
	char pod_uid[37];      /* Kubernetes pod UID with dashes, "" when none */
	char qos[16];          /* "guaranteed", "burstable", "besteffort" or "" */
	char unit[128];        /* last path component, e.g. "docker-<id>.scope" */
	/* from the runtime; "" when unknown */
	bool resolved;                           /* the runtime's record was found */
	char name[CJD_IDENTITY_NAME_MAX];        /* container.name ("web-1") */
	char image[CJD_IDENTITY_IMAGE_MAX];      /* container.image.name ("docker.io/library/nginx") */
	char image_tag[CJD_IDENTITY_TAG_MAX];    /* container.image.tag ("1.25") */
	char pod_name[CJD_IDENTITY_NAME_MAX];    /* orchestrator.resource.name */
	char namespace[CJD_IDENTITY_NAME_MAX];   /* orchestrator.namespace */
};

/* Fills id from path (any layout; unknown layouts give runtime NONE). Never fails. */
void cjd_identity_parse(const char *path, struct cjd_identity *id);

/* "docker", "containerd", "cri-o", "podman" or "" */
const char *cjd_runtime_name(enum cjd_runtime rt);

/*
 * Copies src into a field of `cap` bytes: cut at a UTF-8 character boundary
 * when too long, and at an embedded NUL. Bytes are otherwise kept as they are
 * (printers escape). src NULL gives "". Returns true when src was cut.
 */
bool cjd_identity_set(char *field, size_t cap, const char *src);

/*
 * Splits an image reference into id->image and id->image_tag: a digest
 * ("@sha256:...") is dropped, the tag is what follows the last ':' after the
 * last '/' ("registry:5000/web:1.2" -> "registry:5000/web", "1.2"). An image
 * id ("sha256:<hex>", as Docker records a container started by image id) is
 * kept whole as the name, without a tag.
 */
void cjd_identity_set_image(struct cjd_identity *id, const char *ref);

/* "NAME:TAG", or "NAME" without a tag, or "" (raw bytes; the caller escapes). */
const char *cjd_identity_image_ref(const struct cjd_identity *id, char *buf, size_t len);

/*
 * The one-line description a responder reads, raw (the caller escapes it
 * for its format): "container web-1 (image nginx:1.25, pod default/web-1)";
 * "container 4f1c2a3b4c5d" (12 hex) when only the id is known; "" when the
 * cgroup holds no container. Always NUL-terminates.
 */
const char *cjd_identity_describe(const struct cjd_identity *id, char *buf, size_t len);

#endif
