/* Parses container runtime, container id and pod UID out of cgroup paths; holds and describes runtime names. */
#include <stdio.h>
#include <string.h>

#include "cjd/common/identity.h"
#include "cjd/common/text.h"

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

bool cjd_identity_set(char *field, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	bool cut = false;

	if (cap == 0)
		return n > 0;
	if (n > cap - 1) {
		n = cap - 1;
		/* back off over continuation bytes so a character is never split */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	if (n)
		memcpy(field, src, n);
	field[n] = '\0';
	return cut;
}

static bool image_id(const char *ref)
{
	return strncmp(ref, "sha256:", 7) == 0 && strlen(ref) == 71 && is_hex(ref + 7, 64);
}

void cjd_identity_set_image(struct cjd_identity *id, const char *ref)
{
	char buf[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX];
	char *at, *slash, *colon;

	id->image[0] = id->image_tag[0] = '\0';
	if (!ref || !*ref)
		return;
	if (image_id(ref)) {
		cjd_identity_set(id->image, sizeof(id->image), ref);
		return;
	}
	cjd_identity_set(buf, sizeof(buf), ref);
	if ((at = strchr(buf, '@')))
		*at = '\0';
	slash = strrchr(buf, '/');
	colon = strrchr(buf, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		cjd_identity_set(id->image_tag, sizeof(id->image_tag), colon + 1);
	}
	cjd_identity_set(id->image, sizeof(id->image), buf);
}

const char *cjd_identity_image_ref(const struct cjd_identity *id, char *buf, size_t len)
{
	if (id->image_tag[0] && id->image[0])
		snprintf(buf, len, "%s:%s", id->image, id->image_tag);
	else
		snprintf(buf, len, "%s", id->image);
	return buf;
}

const char *cjd_identity_describe(const struct cjd_identity *id, char *buf, size_t len)
{
	char image[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX];
	size_t o = 0;
	int n = 0;

#define PUT(...)                                                               \
	do {                                                                   \
		if (o < len) {                                                 \
			int k_ = snprintf(buf + o, len - o, __VA_ARGS__);      \
			o += k_ > 0 ? (size_t)k_ : 0;                          \
		}                                                              \
	} while (0)
	if (len)
		buf[0] = '\0';
	if (!id->container_id[0] && !id->name[0] && !id->pod_name[0])
		return buf;
	if (id->name[0])
		PUT("container %s", id->name);
	else if (id->container_id[0])
		PUT("container %.12s", id->container_id);
	else
		PUT("pod %s%s%s", id->namespace, id->namespace[0] ? "/" : "", id->pod_name);
	cjd_identity_image_ref(id, image, sizeof(image));
	if (image[0]) {
		PUT("%simage %s", n++ ? ", " : " (", image);
	}
	if (id->pod_name[0] && (id->name[0] || id->container_id[0])) {
		PUT("%spod %s%s%s", n++ ? ", " : " (", id->namespace, id->namespace[0] ? "/" : "",
		    id->pod_name);
	} else if (id->namespace[0] && !id->pod_name[0]) {
		PUT("%snamespace %s", n++ ? ", " : " (", id->namespace);
	}
	if (n)
		PUT(")");
#undef PUT
	return buf;
}
