/* `cjd replay --identities FILE`: the container names a trace cannot hold, for allowlists and image groups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "replay_identities.h"

struct replay_identities {
	json_t *root; /* checked: an object of objects of strings */
};

static const char *const fields[] = {"name", "image", "pod", "namespace"};

/* Every entry an object whose members are known string fields. */
static int check(json_t *root, const char *path, struct cjd_error *err)
{
	const char *cg, *k;
	json_t *e, *v;

	if (!json_is_object(root))
		return cjd_error_set(err, -EINVAL, path, 1, 1,
				     "an identities file is one JSON object: cgroup path -> names");
	json_object_foreach(root, cg, e) {
		if (cg[0] != '/' || !json_is_object(e))
			return cjd_error_set(err, -EINVAL, path, 0, 0,
					     "entry \"%s\": the key must be a cgroup path (\"/...\") "
					     "and the value an object",
					     cg);
		json_object_foreach(e, k, v) {
			bool known = false;
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
				known |= !strcmp(k, fields[i]);
			if (!known || !json_is_string(v))
				return cjd_error_set(err, -EINVAL, path, 0, 0,
						     "entry \"%s\": \"%s\" is not one of name, image, "
						     "pod, namespace with a string value",
						     cg, k);
		}
	}
	return 0;
}

int replay_identities_load(struct replay_identities **out, const char *path,
			   struct cjd_error *err)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!root)
		return cjd_error_set(err, -EINVAL, path, jerr.line, jerr.column, "%s", jerr.text);
	if ((rc = check(root, path, err))) {
		json_decref(root);
		return rc;
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		json_decref(root);
		return cjd_error_set(err, -ENOMEM, path, 0, 0, "out of memory");
	}
	(*out)->root = root;
	return 0;
}

void replay_identities_free(struct replay_identities *ri)
{
	if (!ri)
		return;
	json_decref(ri->root);
	free(ri);
}

bool replay_identities_identify(void *ctx, const char *host, const char *cgroup,
				struct cjd_identity *id)
{
	struct replay_identities *ri = ctx;
	json_t *e = json_object_get(ri->root, cgroup);

	(void)host; /* a trace is one host's */
	cjd_identity_parse(cgroup, id);
	if (!e)
		return false;
	cjd_identity_set(id->name, sizeof(id->name), json_string_value(json_object_get(e, "name")));
	cjd_identity_set_image(id, json_string_value(json_object_get(e, "image")));
	cjd_identity_set(id->pod_name, sizeof(id->pod_name),
			 json_string_value(json_object_get(e, "pod")));
	cjd_identity_set(id->namespace, sizeof(id->namespace),
			 json_string_value(json_object_get(e, "namespace")));
	id->resolved = true;
	return true;
}
