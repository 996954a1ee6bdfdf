/* Fuzz target: a container runtime's record (Docker config.v2.json or inspect answer, OCI config annotations) to names. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container_meta_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cjd_identity *id)
{
	/* whatever the record holds, the names stay within their fields */
	if (strlen(id->name) >= sizeof(id->name) || strlen(id->image) >= sizeof(id->image) ||
	    strlen(id->image_tag) >= sizeof(id->image_tag) ||
	    strlen(id->pod_name) >= sizeof(id->pod_name) ||
	    strlen(id->namespace) >= sizeof(id->namespace) || strlen(id->pod_uid) >= sizeof(id->pod_uid))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char id64[] = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
	struct cjd_identity id;
	struct cjd_error err;
	json_t *root;

	if (cjd_meta_parse("fuzz.json", (const char *)data, size, &root, &err) != 0)
		return 0;
	memset(&id, 0, sizeof(id));
	cjd_meta_docker_record("fuzz.json", root, id64, &id, &err);
	check(&id);
	memset(&id, 0, sizeof(id));
	cjd_meta_kube_names(json_object_get(root, "annotations"), &id);
	check(&id);
	json_decref(root);
	return 0;
}
