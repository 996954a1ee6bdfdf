/* Allowlist entries: parses "image:", "container:", "namespace:", "pod:" and cgroup globs, and matches them. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/allowlist.h"

static const struct {
	const char *prefix;
	enum cjd_allow_kind kind;
} prefixes[] = {
	{"cgroup:", CJD_ALLOW_CGROUP},       {"image:", CJD_ALLOW_IMAGE},
	{"container:", CJD_ALLOW_CONTAINER}, {"namespace:", CJD_ALLOW_NAMESPACE},
	{"pod:", CJD_ALLOW_POD},
};
#define N_PREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))

struct entry {
	enum cjd_allow_kind kind;
	char *text; /* as configured */
	const char *glob;
};

struct cjd_allowlist {
	struct entry *v;
	size_t n;
	bool names;
};

/* Edit distance of two short words, capped: enough for "did you mean". */
static unsigned distance(const char *a, size_t na, const char *b, size_t nb)
{
	unsigned row[32];

	if (na >= 31 || nb >= 31)
		return 99;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

int cjd_allowlist_parse_entry(const char *entry, enum cjd_allow_kind *kind, const char **glob,
			      char *why, size_t whylen)
{
	size_t colon;

	if (!entry || !*entry) {
		snprintf(why, whylen, "an allowlist entry is empty");
		return -EINVAL;
	}
	if (strchr("/*?[", entry[0])) {
		*kind = CJD_ALLOW_CGROUP;
		*glob = entry;
		return 0;
	}
	for (size_t i = 0; i < N_PREFIXES; i++) {
		size_t n = strlen(prefixes[i].prefix);
		if (strncmp(entry, prefixes[i].prefix, n) == 0) {
			if (!entry[n]) {
				snprintf(why, whylen, "\"%s\" has no glob after %s", entry,
					 prefixes[i].prefix);
				return -EINVAL;
			}
			*kind = prefixes[i].kind;
			*glob = entry + n;
			return 0;
		}
	}
	colon = strcspn(entry, ":");
	if (entry[colon] == ':') {
		const char *best = NULL;
		unsigned bd = 3;
		for (size_t i = 0; i < N_PREFIXES; i++) {
			unsigned d = distance(entry, colon, prefixes[i].prefix,
					      strlen(prefixes[i].prefix) - 1);
			if (d < bd) {
				bd = d;
				best = prefixes[i].prefix;
			}
		}
		if (best) {
			snprintf(why, whylen, "\"%s\": unknown prefix \"%.*s:\"; did you mean %s?",
				 entry, (int)(colon < 40 ? colon : 40), entry, best);
			return -EINVAL;
		}
	}
	snprintf(why, whylen,
		 "\"%s\" is neither a cgroup glob (starting with / or *) nor one of image:GLOB, "
		 "container:GLOB, namespace:GLOB, pod:GLOB, cgroup:GLOB",
		 entry);
	return -EINVAL;
}

int cjd_allowlist_new(struct cjd_allowlist **out, const char *const *entries, size_t n,
		      char *why, size_t whylen)
{
	struct cjd_allowlist *al = calloc(1, sizeof(*al));
	char one[512];
	int rc = -ENOMEM;

	*out = NULL;
	if (!al || !(al->v = calloc(n ? n : 1, sizeof(*al->v))))
		goto out_fail;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &al->v[i];
		const char *glob;
		if ((rc = cjd_allowlist_parse_entry(entries[i], &e->kind, &glob, one, sizeof(one)))) {
			snprintf(why, whylen, "allowlist entry %zu: %s", i + 1, one);
			goto out_fail;
		}
		if (!(e->text = strdup(entries[i]))) {
			rc = -ENOMEM;
			goto out_fail;
		}
		al->n = i + 1;
		e->glob = e->text + (glob - entries[i]);
		if (e->kind != CJD_ALLOW_CGROUP)
			al->names = true;
	}
	*out = al;
	return 0;
out_fail:
	if (rc == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	cjd_allowlist_free(al);
	return rc;
}

void cjd_allowlist_free(struct cjd_allowlist *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->n; i++)
		free(al->v[i].text);
	free(al->v);
	free(al);
}

bool cjd_allowlist_needs_identity(const struct cjd_allowlist *al)
{
	return al && al->names;
}

static bool glob(const char *g, const char *s)
{
	return s[0] && fnmatch(g, s, 0) == 0;
}

/* The image as "NAME:TAG" and "NAME", also without Docker Hub's implied prefixes. */
static bool image_matches(const char *g, const struct cjd_identity *id)
{
	static const char *const hub[] = {"docker.io/library/", "docker.io/", "index.docker.io/library/",
					  "index.docker.io/"};
	char ref[CJD_IDENTITY_IMAGE_MAX + CJD_IDENTITY_TAG_MAX];
	const char *name = id->image;

	for (size_t h = 0; h <= sizeof(hub) / sizeof(hub[0]); h++) {
		if (h > 0) {
			size_t n = strlen(hub[h - 1]);
			if (strncmp(id->image, hub[h - 1], n) != 0)
				continue;
			name = id->image + n;
		}
		if (glob(g, name))
			return true;
		if (id->image_tag[0]) {
			snprintf(ref, sizeof(ref), "%s:%s", name, id->image_tag);
			if (glob(g, ref))
				return true;
		}
	}
	return false;
}

const char *cjd_allowlist_match(const struct cjd_allowlist *al, const char *cgroup,
				const struct cjd_identity *id)
{
	if (!al)
		return NULL;
	for (size_t i = 0; i < al->n; i++) {
		const struct entry *e = &al->v[i];
		bool hit = false;
		switch (e->kind) {
		case CJD_ALLOW_CGROUP: hit = cgroup && fnmatch(e->glob, cgroup, 0) == 0; break;
		case CJD_ALLOW_IMAGE: hit = id && image_matches(e->glob, id); break;
		case CJD_ALLOW_CONTAINER: hit = id && glob(e->glob, id->name); break;
		case CJD_ALLOW_NAMESPACE: hit = id && glob(e->glob, id->namespace); break;
		case CJD_ALLOW_POD: hit = id && glob(e->glob, id->pod_name); break;
		}
		if (hit)
			return e->text;
	}
	return NULL;
}
