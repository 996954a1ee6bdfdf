/* Container identity (Docker, containerd, CRI-O, Kubernetes pod) derived from a cgroup path. */
#ifndef CJD_COMMON_IDENTITY_H
#define CJD_COMMON_IDENTITY_H

#include <stdbool.h>

enum cjd_runtime {
	CJD_RUNTIME_NONE = 0,
	CJD_RUNTIME_DOCKER,
	CJD_RUNTIME_CONTAINERD,
	CJD_RUNTIME_CRIO,
	CJD_RUNTIME_PODMAN,
};

/*
 * What a cgroup path says about the workload in it. Identity is a pure
 * function of the path, so it is never stored in traces: whoever needs it
 * (the collector's log lines, the alert serializer) derives it again.
 */
struct cjd_identity {
	enum cjd_runtime runtime;
	char container_id[65]; /* full hex id, "" when the path names no container */
	char pod_uid[37];      /* Kubernetes pod UID with dashes, "" when none */
	char qos[16];          /* "guaranteed", "burstable", "besteffort" or "" */
	char unit[128];        /* last path component, e.g. "docker-<id>.scope" */
};

/* Fills id from path (any layout; unknown layouts give runtime NONE). Never fails. */
void cjd_identity_parse(const char *path, struct cjd_identity *id);

/* "docker", "containerd", "cri-o", "podman" or "" */
const char *cjd_runtime_name(enum cjd_runtime rt);

#endif
