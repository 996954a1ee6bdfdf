/* `cjd replay --identities FILE`: the container names a trace cannot hold, for allowlists and image groups. */
#ifndef CJD_CLI_REPLAY_IDENTITIES_H
#define CJD_CLI_REPLAY_IDENTITIES_H

#include <stdbool.h>

#include "cjd/common/error.h"
#include "cjd/common/identity.h"

/*
 * A trace holds cgroup paths, never the names a container runtime gives
 * (docs/trace-format.md). A recording of containers may keep them beside it
 * (models/workloads/ctr_lib.sh writes NAME.identities.json):
 *
 *   { "/docker/<id>": {"name": "web-1", "image": "nginx:1.25",
 *                      "pod": "web-7d9f", "namespace": "shop"}, ... }
 *
 * every field optional, nothing else allowed. The replay then knows them as
 * the live agent would have (image allowlist entries, image groups).
 */
struct replay_identities;

/* Loads FILE. Returns 0, or -errno with err naming the file, line and column. */
int replay_identities_load(struct replay_identities **out, const char *path,
			   struct cjd_error *err);
void replay_identities_free(struct replay_identities *ri); /* accepts NULL */

/* The detector's identify callback: ctx is the replay_identities. */
bool replay_identities_identify(void *ctx, const char *host, const char *cgroup,
				struct cjd_identity *id);

#endif
