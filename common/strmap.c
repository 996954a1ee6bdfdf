/* Open-addressing string map (linear probing, tombstones, FNV-1a). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/strmap.h"

#define TOMBSTONE ((char *)1)

struct slot {
	char *key; /* NULL empty, TOMBSTONE deleted */
	uint64_t hash;
	uint64_t val;
};

struct cjd_strmap {
	struct slot *slots;
	size_t cap;  /* power of two */
	size_t used; /* live + tombstones */
	size_t live;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

struct cjd_strmap *cjd_strmap_new(void)
{
	struct cjd_strmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void cjd_strmap_free(struct cjd_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
}

static struct slot *find(const struct cjd_strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (s->key != TOMBSTONE && s->hash == h && strcmp(s->key, key) == 0)
			return s;
	}
}

static int grow(struct cjd_strmap *m)
{
	size_t ncap = m->live * 4 >= m->cap ? m->cap * 2 : m->cap; /* else just drop tombstones */
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		if (!s->key || s->key == TOMBSTONE)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	m->used = m->live;
	return 0;
}

int cjd_strmap_upsert(struct cjd_strmap *m, const char *key, uint64_t **val)
{
	uint64_t h = fnv1a(key);
	struct slot *s = find(m, key, h);

	if (s) {
		*val = &s->val;
		return 0;
	}
	if ((m->used + 1) * 4 > m->cap * 3) {
		int rc = grow(m);
		if (rc)
			return rc;
	}
	char *k = strdup(key);
	if (!k)
		return -ENOMEM;
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
		i = (i + 1) & mask;
	if (!m->slots[i].key)
		m->used++;
	m->slots[i] = (struct slot){.key = k, .hash = h, .val = 0};
	m->live++;
	*val = &m->slots[i].val;
	return 1;
}

uint64_t *cjd_strmap_get(const struct cjd_strmap *m, const char *key)
{
	struct slot *s = find(m, key, fnv1a(key));

	return s ? &s->val : NULL;
}

int cjd_strmap_remove(struct cjd_strmap *m, const char *key)
{
	struct slot *s = find(m, key, fnv1a(key));

	if (!s)
		return -ENOENT;
	free(s->key);
	s->key = TOMBSTONE;
	m->live--;
	return 0;
}

size_t cjd_strmap_count(const struct cjd_strmap *m)
{
	return m->live;
}

bool cjd_strmap_next(const struct cjd_strmap *m, size_t *it, const char **key, uint64_t **val)
{
	for (; *it < m->cap; (*it)++) {
		struct slot *s = &m->slots[*it];
		if (s->key && s->key != TOMBSTONE) {
			*key = s->key;
			*val = &s->val;
			(*it)++;
			return true;
		}
	}
	return false;
}
