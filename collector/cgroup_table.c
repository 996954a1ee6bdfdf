/* Cgroup handles, refcounted and found or created by inode, so a re-created path is a new cgroup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * A dense array of handles (cheap to walk every tick) plus an open-addressing
 * index from inode to array position (linear probing, backward-shift
 * deletion, so no tombstones pile up under churn).
 */
struct cjd_cgroup_table {
	struct cjd_cgroup **h;
	size_t n, cap;
	uint32_t *idx; /* position + 1; 0 = empty slot */
	size_t nidx;   /* power of two, >= 2 * cap */
};

static size_t slot_of(uint64_t ino, size_t nidx)
{
	/* Inodes of siblings are close together: mix before masking. */
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdull;
	ino ^= ino >> 33;
	return (size_t)ino & (nidx - 1);
}

struct cjd_cgroup_table *cjd_cgroup_table_new(void)
{
	return calloc(1, sizeof(struct cjd_cgroup_table));
}

static void handle_free(struct cjd_cgroup *cg)
{
	free(cg->path);
	free(cg);
}

void cjd_cgroup_table_free(struct cjd_cgroup_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		handle_free(t->h[i]);
	free(t->h);
	free(t->idx);
	free(t);
}

static size_t find_slot(const struct cjd_cgroup_table *t, uint64_t ino)
{
	size_t s = slot_of(ino, t->nidx);

	while (t->idx[s] && t->h[t->idx[s] - 1]->ino != ino)
		s = (s + 1) & (t->nidx - 1);
	return s;
}

static int grow(struct cjd_cgroup_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	size_t nidx = cap * 2;
	struct cjd_cgroup **h = realloc(t->h, cap * sizeof(*h));
	uint32_t *idx;

	if (!h)
		return -ENOMEM;
	t->h = h;
	if (cap > UINT32_MAX / 2 || !(idx = calloc(nidx, sizeof(*idx))))
		return -ENOMEM;
	free(t->idx);
	t->idx = idx;
	t->nidx = nidx;
	t->cap = cap;
	for (size_t i = 0; i < t->n; i++)
		t->idx[find_slot(t, t->h[i]->ino)] = (uint32_t)(i + 1);
	return 0;
}

struct cjd_cgroup *cjd_cgroup_find(struct cjd_cgroup_table *t, uint64_t ino)
{
	if (!t->nidx)
		return NULL;
	size_t s = find_slot(t, ino);
	return t->idx[s] ? t->h[t->idx[s] - 1] : NULL;
}

struct cjd_cgroup *cjd_cgroup_findnew(struct cjd_cgroup_table *t, uint64_t ino, const char *path,
				      bool *created, struct cjd_cgroup **stale, int *rc)
{
	struct cjd_cgroup *cg = cjd_cgroup_find(t, ino);

	*created = false;
	*stale = NULL;
	*rc = 0;
	if (cg) {
		if (strcmp(cg->path, path) != 0) {
			*stale = cg;
			*rc = -EEXIST;
			return NULL;
		}
		cg->refs++;
		return cg;
	}
	if (t->n == t->cap && (*rc = grow(t)) != 0)
		return NULL;
	cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->path = strdup(path))) {
		free(cg);
		*rc = -ENOMEM;
		return NULL;
	}
	cg->ino = ino;
	cg->name = cg->path;
	cg->refs = 1;
	t->h[t->n] = cg;
	t->idx[find_slot(t, ino)] = (uint32_t)(++t->n);
	*created = true;
	return cg;
}

void cjd_cgroup_get(struct cjd_cgroup *cg)
{
	cg->refs++;
}

/* Backward-shift deletion: pull later members of the probe run into the hole. */
static void index_remove(struct cjd_cgroup_table *t, size_t hole)
{
	size_t mask = t->nidx - 1;

	t->idx[hole] = 0;
	for (size_t s = (hole + 1) & mask; t->idx[s]; s = (s + 1) & mask) {
		size_t home = slot_of(t->h[t->idx[s] - 1]->ino, t->nidx);
		/* Moves when its home is not within (hole, s] cyclically. */
		if (((s - home) & mask) >= ((s - hole) & mask)) {
			t->idx[hole] = t->idx[s];
			t->idx[s] = 0;
			hole = s;
		}
	}
}

void cjd_cgroup_put(struct cjd_cgroup_table *t, struct cjd_cgroup *cg)
{
	if (!cg || --cg->refs > 0)
		return;
	size_t s = find_slot(t, cg->ino);
	size_t pos = t->idx[s] - 1;

	index_remove(t, s);
	if (pos != t->n - 1) {
		t->h[pos] = t->h[t->n - 1];
		t->idx[find_slot(t, t->h[pos]->ino)] = (uint32_t)(pos + 1);
	}
	t->n--;
	handle_free(cg);
}

size_t cjd_cgroup_table_count(const struct cjd_cgroup_table *t)
{
	return t->n;
}

struct cjd_cgroup *cjd_cgroup_table_at(const struct cjd_cgroup_table *t, size_t i)
{
	return i < t->n ? t->h[i] : NULL;
}
