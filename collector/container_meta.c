/* What runs in a cgroup, by name: asks the container runtimes' records once per container and caches the answer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjd/common/log.h"
#include "cjd/common/strmap.h"
#include "container_meta_internal.h"

#define RETRY_NS (30ull * 1000000000ull)
#define MAX_CACHED 65536

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

/* Names copied from a source's answer; the ids from the path stay. */
static void take_names(struct cjd_identity *id, const struct cjd_identity *src)
{
	id->runtime = src->runtime;
	memcpy(id->name, src->name, sizeof(id->name));
	memcpy(id->image, src->image, sizeof(id->image));
	memcpy(id->image_tag, src->image_tag, sizeof(id->image_tag));
	memcpy(id->pod_name, src->pod_name, sizeof(id->pod_name));
	memcpy(id->namespace, src->namespace, sizeof(id->namespace));
	if (!id->pod_uid[0])
		memcpy(id->pod_uid, src->pod_uid, sizeof(id->pod_uid));
	id->resolved = true;
}

int cjd_meta_resolve(const struct cjd_meta_config *cfg_in, struct cjd_identity *id,
		     struct cjd_error *err)
{
	static const struct cjd_meta_source *const order[] = {
		&cjd_meta_docker_file, &cjd_meta_containerd, &cjd_meta_storage_userdata,
		&cjd_meta_storage_list, &cjd_meta_docker_api};
	static const struct cjd_meta_config none;
	const struct cjd_meta_config *cfg = cfg_in ? cfg_in : &none;
	const struct cjd_meta_source *first[5], *rest[5];
	size_t nf = 0, nr = 0;
	int first_rc = 0;

	cjd_error_clear(err);
	id->resolved = false;
	if (!valid_id(id->container_id))
		return cjd_error_set(err, -EINVAL, "", 0, 0, "not a container id: \"%.70s\"",
				     id->container_id);
	/* the runtime the path suggests first (Docker's API right after its files) */
	for (size_t i = 0; i < 5; i++) {
		bool mine = order[i]->runtime == id->runtime ||
			    (id->runtime == CJD_RUNTIME_PODMAN && order[i]->runtime == CJD_RUNTIME_CRIO);
		if (mine)
			first[nf++] = order[i];
		else
			rest[nr++] = order[i];
	}
	for (size_t i = 0; i < nf + nr; i++) {
		const struct cjd_meta_source *s = i < nf ? first[i] : rest[i - nf];
		struct cjd_identity scratch = {.runtime = id->runtime};
		struct cjd_error e;
		cjd_error_clear(&e);
		memcpy(scratch.pod_uid, id->pod_uid, sizeof(scratch.pod_uid));
		int rc = s->resolve(cfg, id->container_id, &scratch, &e);
		if (rc == 0) {
			take_names(id, &scratch);
			return 0;
		}
		if (rc != -ENOENT && !first_rc) {
			first_rc = rc;
			if (err)
				*err = e;
		}
	}
	return first_rc ? first_rc : -ENOENT;
}

/* ---- the cache ---- */

struct entry {
	struct cjd_identity id; /* names only matter; ids are re-parsed from each path */
	bool ok;
	uint64_t retry_ns;      /* when a failed resolve may be tried again */
};

struct cjd_meta_cache {
	struct cjd_meta_config cfg;
	char *paths[5];
	struct cjd_strmap *by_id; /* container id -> struct entry * */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cjd_meta_cache_new(struct cjd_meta_cache **out, const struct cjd_meta_config *cfg)
{
	struct cjd_meta_cache *c = calloc(1, sizeof(*c));
	const char **fields[5];

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (cfg)
		c->cfg = *cfg;
	fields[0] = &c->cfg.docker_root;
	fields[1] = &c->cfg.docker_socket;
	fields[2] = &c->cfg.containerd_tasks;
	fields[3] = &c->cfg.storage_run;
	fields[4] = &c->cfg.storage_root;
	for (size_t i = 0; i < 5; i++) {
		if (*fields[i] && !(c->paths[i] = strdup(*fields[i])))
			goto out_fail;
		*fields[i] = c->paths[i];
	}
	if (!(c->by_id = cjd_strmap_new()))
		goto out_fail;
	*out = c;
	return 0;
out_fail:
	cjd_meta_cache_free(c);
	return -ENOMEM;
}

static struct entry *entry_of(uint64_t *v)
{
	return (struct entry *)(uintptr_t)*v;
}

void cjd_meta_cache_free(struct cjd_meta_cache *c)
{
	const char *key;
	uint64_t *v;

	if (!c)
		return;
	for (size_t it = 0; c->by_id && cjd_strmap_next(c->by_id, &it, &key, &v);)
		free(entry_of(v));
	cjd_strmap_free(c->by_id);
	for (size_t i = 0; i < 5; i++)
		free(c->paths[i]);
	free(c);
}

static void resolve_into(struct cjd_meta_cache *c, struct entry *e, bool first)
{
	struct cjd_error err;
	char msg[700];
	int rc = cjd_meta_resolve(&c->cfg, &e->id, &err);

	e->ok = rc == 0;
	e->retry_ns = mono_ns() + RETRY_NS;
	if (rc == 0 && err.text[0] && first)
		cjd_warn("container %.12s: %s (names taken from another source)", e->id.container_id,
			 cjd_error_format(&err, msg, sizeof(msg)));
	else if (rc == -ENOENT && first)
		cjd_debug("container %.12s: no runtime record found; alerts carry its id only",
			  e->id.container_id);
	else if (rc && first)
		cjd_warn("container %.12s: cannot read its names: %s", e->id.container_id,
			 cjd_error_format(&err, msg, sizeof(msg)));
	else if (rc == 0)
		cjd_debug("container %.12s is %s (%s)", e->id.container_id, e->id.name,
			  cjd_runtime_name(e->id.runtime));
}

/* Copies what the entry knows into id (whose ids came from the path). */
static void copy_names(struct cjd_identity *id, const struct entry *e)
{
	if (e->ok)
		take_names(id, &e->id);
}

bool cjd_meta_cache_lookup(struct cjd_meta_cache *c, const char *cgroup, bool resolve,
			   struct cjd_identity *id)
{
	uint64_t *v;
	struct entry *e;

	cjd_identity_parse(cgroup ? cgroup : "", id);
	if (!c || !id->container_id[0])
		return false;
	if ((v = cjd_strmap_get(c->by_id, id->container_id))) {
		e = entry_of(v);
		if (!e->ok && resolve && mono_ns() >= e->retry_ns)
			resolve_into(c, e, false);
		copy_names(id, e);
		return id->resolved;
	}
	if (!resolve)
		return false;
	if (!(e = calloc(1, sizeof(*e))))
		return false;
	e->id = *id;
	resolve_into(c, e, true);
	copy_names(id, e);
	if (cjd_strmap_count(c->by_id) >= MAX_CACHED || cjd_strmap_upsert(c->by_id, id->container_id, &v) < 0) {
		free(e);
		return id->resolved;
	}
	*v = (uint64_t)(uintptr_t)e;
	return id->resolved;
}

void cjd_meta_cache_forget(struct cjd_meta_cache *c, const char *cgroup)
{
	struct cjd_identity id;
	uint64_t *v;

	if (!c)
		return;
	cjd_identity_parse(cgroup ? cgroup : "", &id);
	if (!id.container_id[0] || !(v = cjd_strmap_get(c->by_id, id.container_id)))
		return;
	free(entry_of(v));
	cjd_strmap_remove(c->by_id, id.container_id);
}

size_t cjd_meta_cache_size(const struct cjd_meta_cache *c)
{
	return c ? cjd_strmap_count(c->by_id) : 0;
}
