/* The runtimes' records on disk: Docker's config.v2.json, OCI bundles' annotations, containers/storage's list. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container_meta_internal.h"

const char *cjd_meta_path(const char *configured, const char *dflt)
{
	if (!configured)
		return dflt;
	return configured[0] ? configured : NULL;
}

int cjd_meta_read_file(const char *path, size_t max, char **buf, size_t *len,
		       struct cjd_error *err)
{
	struct stat st;
	size_t n = 0;
	char *b;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT || rc == -ENOTDIR)
			return -ENOENT;
		if (rc == -ELOOP)
			return cjd_error_set(err, rc, path, 0, 0, "is a symbolic link (not followed)");
		return cjd_error_set(err, rc, path, 0, 0, "cannot open: %s", strerror(-rc));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cjd_error_set(err, -EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return cjd_error_set(err, -EFBIG, path, 0, 0, "larger than %zu bytes (%lld)", max,
				     (long long)st.st_size);
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
	}
	/* the size may change under us: read what is there, never past the buffer */
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			close(fd);
			free(b);
			return cjd_error_set(err, rc, path, 0, 0, "read error: %s", strerror(-rc));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int cjd_meta_parse(const char *what, const char *text, size_t len, json_t **root,
		   struct cjd_error *err)
{
	json_error_t jerr;

	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root)
		return cjd_error_set(err, -EINVAL, what, jerr.line, jerr.column,
				     "malformed JSON: %s", jerr.text);
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return cjd_error_set(err, -EINVAL, what, 0, 0, "not a JSON object");
	}
	return 0;
}

/* A string member, or NULL when absent or not a string. */
static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void fill(char *field, size_t cap, const char *v)
{
	if (!field[0] && v && v[0])
		cjd_identity_set(field, cap, v);
}

/* A pod UID from a label or annotation, only in its canonical form (it is printed as an id). */
static void fill_uid(struct cjd_identity *out, const char *v)
{
	if (out->pod_uid[0] || !v || strlen(v) != 36)
		return;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = v[i];
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return;
	}
	memcpy(out->pod_uid, v, 37);
}

bool cjd_meta_kube_names(json_t *map, struct cjd_identity *out)
{
	static const char *const names[] = {"io.kubernetes.cri.container-name",
					    "io.kubernetes.container.name", "nerdctl/name"};
	static const char *const images[] = {"io.kubernetes.cri.image-name",
					     "io.kubernetes.cri-o.ImageName"};
	static const char *const pods[] = {"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"};
	static const char *const nss[] = {"io.kubernetes.cri.sandbox-namespace",
					  "io.kubernetes.pod.namespace"};
	static const char *const uids[] = {"io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"};
	bool any = false;

	if (!json_is_object(map))
		return false;
	for (size_t i = 0; i < 3; i++) {
		const char *v = jstr(map, names[i]);
		/* dockershim names a pod's sandbox container "POD": not a container of the spec */
		if (v && v[0] && strcmp(v, "POD") != 0 && !out->name[0]) {
			cjd_identity_set(out->name, sizeof(out->name), v);
			any = true;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *v = jstr(map, images[i]);
		if (v && v[0] && !out->image[0]) {
			cjd_identity_set_image(out, v);
			any = true;
		}
		if ((v = jstr(map, pods[i])) && v[0] && !out->pod_name[0]) {
			fill(out->pod_name, sizeof(out->pod_name), v);
			any = true;
		}
		if ((v = jstr(map, nss[i])) && v[0] && !out->namespace[0]) {
			fill(out->namespace, sizeof(out->namespace), v);
			any = true;
		}
		fill_uid(out, jstr(map, uids[i]));
	}
	return any;
}

int cjd_meta_docker_record(const char *what, json_t *root, const char *id,
			   struct cjd_identity *out, struct cjd_error *err)
{
	json_t *cfg = json_object_get(root, "Config");
	json_t *name = json_object_get(root, "Name");
	const char *rid = jstr(root, "ID") ? jstr(root, "ID") : jstr(root, "Id");

	if (rid && strcmp(rid, id) != 0)
		return cjd_error_set(err, -ENOENT, what, 0, 0, "describes container %.64s", rid);
	if (cfg && !json_is_object(cfg))
		return cjd_error_set(err, -EINVAL, what, 0, 0, "\"Config\" is not an object");
	if (name && !json_is_string(name))
		return cjd_error_set(err, -EINVAL, what, 0, 0, "\"Name\" is not a string");
	json_t *labels = json_object_get(cfg, "Labels");
	if (labels && !json_is_object(labels) && !json_is_null(labels))
		return cjd_error_set(err, -EINVAL, what, 0, 0, "\"Config.Labels\" is not an object");
	/* Kubernetes' names first: dockershim's Docker name is k8s_<container>_<pod>_... */
	cjd_meta_kube_names(labels, out);
	const char *n = json_string_value(name);
	if (n && n[0] == '/')
		n++; /* Docker keeps names as "/web-1" */
	fill(out->name, sizeof(out->name), n);
	if (!out->image[0])
		cjd_identity_set_image(out, jstr(cfg, "Image"));
	if (!out->image[0])
		cjd_identity_set_image(out, jstr(root, "Image"));
	out->runtime = CJD_RUNTIME_DOCKER;
	return out->name[0] || out->image[0] ? 0 : -ENOENT;
}

/* Reads and parses the JSON object at path. -ENOENT when the file is not there. */
static int load(const char *path, size_t max, json_t **root, struct cjd_error *err)
{
	char *text;
	size_t len;
	int rc = cjd_meta_read_file(path, max, &text, &len, err);

	if (rc)
		return rc;
	rc = cjd_meta_parse(path, text, len, root, err);
	free(text);
	return rc;
}

/* ---- Docker: <root>/containers/<id>/config.v2.json ---- */

static int docker_file(const struct cjd_meta_config *cfg, const char *id, struct cjd_identity *out,
		       struct cjd_error *err)
{
	const char *root = cjd_meta_path(cfg->docker_root, CJD_META_DOCKER_ROOT);
	char path[4200];
	json_t *doc;
	int rc;

	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	if ((rc = load(path, CJD_META_MAX_RECORD, &doc, err)))
		return rc;
	rc = cjd_meta_docker_record(path, doc, id, out, err);
	json_decref(doc);
	return rc;
}

const struct cjd_meta_source cjd_meta_docker_file = {"docker config.v2.json", CJD_RUNTIME_DOCKER,
						     docker_file};

/* ---- OCI runtime configs: their annotations ---- */

static int oci_config(const char *path, struct cjd_identity *out, enum cjd_runtime rt,
		      struct cjd_error *err)
{
	json_t *doc;
	int rc = load(path, CJD_META_MAX_RECORD, &doc, err);

	if (rc)
		return rc;
	json_t *ann = json_object_get(doc, "annotations");
	if (ann && !json_is_object(ann))
		rc = cjd_error_set(err, -EINVAL, path, 0, 0, "\"annotations\" is not an object");
	else
		rc = cjd_meta_kube_names(ann, out) ? 0 : -ENOENT;
	if (!rc)
		out->runtime = rt;
	json_decref(doc);
	return rc;
}

/* containerd: <tasks>/<namespace>/<id>/config.json, the namespace unknown (k8s.io, default, ...). */
static int containerd(const struct cjd_meta_config *cfg, const char *id, struct cjd_identity *out,
		      struct cjd_error *err)
{
	const char *tasks = cjd_meta_path(cfg->containerd_tasks, CJD_META_CONTAINERD_TASKS);
	struct dirent *de;
	DIR *d;
	int rc = -ENOENT, seen = 0;

	if (!tasks || !(d = opendir(tasks)))
		return -ENOENT;
	while ((de = readdir(d)) && seen < CJD_META_MAX_NAMESPACES) {
		char path[4400];
		if (de->d_name[0] == '.')
			continue;
		seen++;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", tasks, de->d_name, id);
		rc = oci_config(path, out, CJD_RUNTIME_CONTAINERD, err);
		if (rc != -ENOENT)
			break;
	}
	closedir(d);
	return rc;
}

const struct cjd_meta_source cjd_meta_containerd = {"containerd bundle config.json",
						    CJD_RUNTIME_CONTAINERD, containerd};

/* CRI-O and Podman: <run>/overlay-containers/<id>/userdata/config.json. */
static int storage_userdata(const struct cjd_meta_config *cfg, const char *id,
			    struct cjd_identity *out, struct cjd_error *err)
{
	const char *run = cjd_meta_path(cfg->storage_run, CJD_META_STORAGE_RUN);
	char path[4200];

	if (!run)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/overlay-containers/%s/userdata/config.json", run, id);
	/* CRI-O sets io.kubernetes.*; the runtime is corrected below when Podman's list knows it */
	return oci_config(path, out, CJD_RUNTIME_CRIO, err);
}

const struct cjd_meta_source cjd_meta_storage_userdata = {"containers/storage userdata config.json",
							  CJD_RUNTIME_CRIO, storage_userdata};

/*
 * containers/storage's list, <root>/overlay-containers/containers.json:
 * [{"id", "names": [...], "metadata": "<JSON text>"}]. The metadata is
 * Podman's {"name", "image-name"} or CRI-O's {"metadata-name", "image-name",
 * "pod-name", "namespace", ...}.
 */
static int storage_list(const struct cjd_meta_config *cfg, const char *id,
			struct cjd_identity *out, struct cjd_error *err)
{
	const char *root = cjd_meta_path(cfg->storage_root, CJD_META_STORAGE_ROOT);
	char path[4200], *text;
	json_error_t jerr;
	json_t *list, *c, *meta = NULL;
	size_t len, i;
	int rc;

	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", root);
	if ((rc = cjd_meta_read_file(path, CJD_META_MAX_LIST, &text, &len, err)))
		return rc;
	list = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!list)
		return cjd_error_set(err, -EINVAL, path, jerr.line, jerr.column, "malformed JSON: %s",
				     jerr.text);
	if (!json_is_array(list)) {
		json_decref(list);
		return cjd_error_set(err, -EINVAL, path, 0, 0, "not a JSON array");
	}
	rc = -ENOENT;
	json_array_foreach (list, i, c) {
		const char *cid = jstr(c, "id");
		if (!cid || strcmp(cid, id) != 0)
			continue;
		const char *mtext = jstr(c, "metadata");
		if (mtext && !(meta = json_loads(mtext, 0, &jerr))) {
			rc = cjd_error_set(err, -EINVAL, path, 0, 0,
					   "container %.12s: its \"metadata\" is malformed JSON "
					   "(column %d: %s)",
					   id, jerr.column, jerr.text);
			break;
		}
		bool crio = jstr(meta, "pod-name") != NULL;
		fill(out->name, sizeof(out->name), jstr(meta, "metadata-name"));
		fill(out->name, sizeof(out->name), jstr(meta, "name"));
		fill(out->name, sizeof(out->name), json_string_value(json_array_get(json_object_get(c, "names"), 0)));
		if (!out->image[0])
			cjd_identity_set_image(out, jstr(meta, "image-name"));
		fill(out->pod_name, sizeof(out->pod_name), jstr(meta, "pod-name"));
		fill(out->namespace, sizeof(out->namespace), jstr(meta, "namespace"));
		out->runtime = crio ? CJD_RUNTIME_CRIO : CJD_RUNTIME_PODMAN;
		rc = out->name[0] || out->image[0] ? 0 : -ENOENT;
		break;
	}
	json_decref(meta);
	json_decref(list);
	return rc;
}

const struct cjd_meta_source cjd_meta_storage_list = {"containers/storage containers.json",
						      CJD_RUNTIME_PODMAN, storage_list};
