/* Parses container runtime, container id and pod UID out of cgroup paths. */
#include <string.h>

#include "cjd/common/identity.h"

const char *cjd_runtime_name(enum cjd_runtime rt)
{
	switch (rt) {
	case CJD_RUNTIME_DOCKER: return "docker";
	case CJD_RUNTIME_CONTAINERD: return "containerd";
	case CJD_RUNTIME_CRIO: return "cri-o";
	case CJD_RUNTIME_PODMAN: return "podman";
	default: return "";
	}
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A 64-hex container id at s, ending at a separator or the end of the component. */
static bool take_id(const char *s, size_t len, struct cjd_identity *id)
{
	if (len != 64 || !is_hex(s, 64))
		return false;
	memcpy(id->container_id, s, 64);
	id->container_id[64] = '\0';
	return true;
}

/*
 * Component forms we know (systemd and cgroupfs drivers):
 *   docker-<id>.scope  /docker/<id>  cri-containerd-<id>.scope  crio-<id>.scope
 *   libpod-<id>.scope  /libpod-<id>  and bare /<id> under kubepods
 */
static void parse_component(const char *c, size_t n, bool under_kube, struct cjd_identity *id)
{
	static const struct {
		const char *prefix;
		enum cjd_runtime rt;
	} forms[] = {
		{"docker-", CJD_RUNTIME_DOCKER},
		{"cri-containerd-", CJD_RUNTIME_CONTAINERD},
		{"crio-", CJD_RUNTIME_CRIO},
		{"libpod-", CJD_RUNTIME_PODMAN},
	};
	size_t stem = n;

	if (n > 6 && memcmp(c + n - 6, ".scope", 6) == 0)
		stem = n - 6;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t p = strlen(forms[i].prefix);
		if (stem > p && memcmp(c, forms[i].prefix, p) == 0 && take_id(c + p, stem - p, id)) {
			id->runtime = forms[i].rt;
			return;
		}
	}
	if (take_id(c, stem, id) && id->runtime == CJD_RUNTIME_NONE)
		id->runtime = under_kube ? CJD_RUNTIME_CONTAINERD : CJD_RUNTIME_DOCKER;
}

/* "pod<uid>" or "kubepods-burstable-pod<uid_with_underscores>.slice" */
static void parse_pod(const char *c, size_t n, struct cjd_identity *id)
{
	const char *p = NULL;

	for (size_t i = 0; i + 3 < n; i++)
		if (memcmp(c + i, "pod", 3) == 0 && (i == 0 || c[i - 1] == '-'))
			p = c + i + 3;
	if (!p)
		return;
	size_t len = (size_t)(c + n - p);
	if (len > 6 && memcmp(p + len - 6, ".slice", 6) == 0)
		len -= 6;
	if (len != 36)
		return;
	for (size_t i = 0; i < 36; i++) {
		char ch = p[i] == '_' ? '-' : p[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !is_hex(&ch, 1))
			return;
		id->pod_uid[i] = ch;
	}
	id->pod_uid[36] = '\0';
}

void cjd_identity_parse(const char *path, struct cjd_identity *id)
{
	bool kube = strstr(path, "kubepods") != NULL;
	const char *c = path;

	memset(id, 0, sizeof(*id));
	if (kube) {
		static const char *const qos[] = {"burstable", "besteffort", "guaranteed"};
		for (size_t i = 0; i < 3; i++)
			if (strstr(path, qos[i]))
				strcpy(id->qos, qos[i]);
		if (!id->qos[0])
			strcpy(id->qos, "guaranteed"); /* guaranteed pods sit directly under kubepods */
	}
	while (*c) {
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if (n == 0)
			break;
		if (kube)
			parse_pod(c, n, id);
		parse_component(c, n, kube, id);
		if (!c[n]) {
			size_t u = n < sizeof(id->unit) - 1 ? n : sizeof(id->unit) - 1;
			memcpy(id->unit, c, u);
			id->unit[u] = '\0';
		}
		c += n;
	}
}
