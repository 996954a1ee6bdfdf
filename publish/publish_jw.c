/* The JSON pieces the serializers share: header, host, workload, time, and the closing utf8_replaced. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/time.h"
#include "cjd/publish/alert_json.h"
#include "publish_internal.h"

int cjd_jw_finish(struct cjd_jw *w, char **out, size_t *out_len)
{
	int rc;

	/* written last, so that it covers every string before it */
	if (w->utf8_replaced)
		cjd_jw_bool(w, "utf8_replaced", true);
	cjd_jw_end(w, '}');
	cjd_jw_end(w, '}');
	rc = cjd_jw_take(w, out, out_len);
	cjd_jw_release(w);
	return rc;
}

void cjd_jw_time(struct cjd_jw *w, const char *key, uint64_t real_ns)
{
	char ts[48];
	cjd_jw_str(w, key, cjd_rfc3339_ns(real_ns, ts, sizeof(ts)));
}

void cjd_jw_header(struct cjd_jw *w, uint64_t real_ns, const char *schema, const char *kind,
		   const char *dataset)
{
	/* room for a whole typical message at once (alerts are 1-2 KiB) */
	cjd_buf_reserve(&w->buf, 2048);
	cjd_jw_obj(w, NULL);
	cjd_jw_time(w, "@timestamp", real_ns ? real_ns : cjd_now_real_ns());
	cjd_jw_str(w, "schema", schema);
	cjd_jw_obj(w, "ecs");
	cjd_jw_str(w, "version", CJD_ECS_VERSION);
	cjd_jw_end(w, '}');
	cjd_jw_obj(w, "agent");
	cjd_jw_str(w, "type", "cjd");
	cjd_jw_str(w, "version", CJD_VERSION);
	cjd_jw_end(w, '}');
	cjd_jw_obj(w, "event");
	cjd_jw_str(w, "kind", kind);
	cjd_jw_str(w, "module", "cjd");
	cjd_jw_str(w, "dataset", dataset);
}

void cjd_jw_host(struct cjd_jw *w, const char *remote, const char *name, const char *id)
{
	cjd_jw_obj(w, "host");
	if (remote) {
		cjd_jw_str(w, "name", remote);
	} else {
		cjd_jw_str(w, "name", name ? name : "localhost");
		if (id && *id)
			cjd_jw_str(w, "id", id);
	}
	cjd_jw_end(w, '}');
}

void cjd_jw_workload(struct cjd_jw *w, const char *cgroup, const struct cjd_identity *given)
{
	struct cjd_identity parsed;
	const struct cjd_identity *id = given;

	if (!id) {
		cjd_identity_parse(cgroup ? cgroup : "", &parsed);
		id = &parsed;
	}
	cjd_jw_obj(w, "cgroup");
	cjd_jw_str(w, "path", cgroup ? cgroup : "");
	cjd_jw_end(w, '}');
	if (id->container_id[0]) {
		cjd_jw_obj(w, "container");
		cjd_jw_str(w, "id", id->container_id);
		if (id->runtime != CJD_RUNTIME_NONE)
			cjd_jw_str(w, "runtime", cjd_runtime_name(id->runtime));
		if (id->name[0])
			cjd_jw_str(w, "name", id->name);
		if (id->image[0]) {
			cjd_jw_obj(w, "image");
			cjd_jw_str(w, "name", id->image);
			if (id->image_tag[0]) {
				/* ECS declares container.image.tag as an array */
				const char *tag = id->image_tag;
				cjd_jw_strs(w, "tag", &tag, 1);
			}
			cjd_jw_end(w, '}');
		}
		cjd_jw_end(w, '}');
	}
	if (id->pod_uid[0] || id->pod_name[0] || id->namespace[0]) {
		cjd_jw_obj(w, "orchestrator");
		cjd_jw_str(w, "type", "kubernetes");
		if (id->namespace[0])
			cjd_jw_str(w, "namespace", id->namespace);
		if (id->pod_uid[0] || id->pod_name[0]) {
			cjd_jw_obj(w, "resource");
			cjd_jw_str(w, "type", "pod");
			if (id->pod_uid[0])
				cjd_jw_str(w, "id", id->pod_uid);
			if (id->pod_name[0])
				cjd_jw_str(w, "name", id->pod_name);
			cjd_jw_end(w, '}');
		}
		cjd_jw_end(w, '}');
	}
}
