/* The training set store: a growable row-major matrix plus group and run bookkeeping. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/strmap.h"
#include "cjd/trainer/dataset.h"

#define MAX_FEATURES 4096
#define MAX_ROWS     (UINT32_MAX - 1u)

struct group {
	char *name;
	bool miner;
	size_t rows;
};

struct run {
	char *name;
	uint32_t group;
	uint32_t *rows; /* in time order */
	size_t n, cap;
	uint64_t last_order;
};

struct cjd_dataset {
	size_t d;
	char **names;
	float *x; /* n × d, row-major */
	uint8_t *miner;
	uint32_t *group, *run;
	uint64_t *order;
	size_t n, cap;
	struct cjd_strmap *group_map, *run_map; /* name -> index */
	struct group *groups;
	size_t n_groups, cap_groups;
	struct run *runs;
	size_t n_runs, cap_runs;
};

int cjd_dataset_new(struct cjd_dataset **out, size_t n_features, const char *const *names,
		    struct cjd_error *err)
{
	struct cjd_dataset *ds;
	struct cjd_strmap *seen = NULL;
	int rc = -ENOMEM;

	if (n_features == 0 || n_features > MAX_FEATURES)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "a dataset needs 1 to %d features, not %zu", MAX_FEATURES,
				     n_features);
	ds = calloc(1, sizeof(*ds));
	if (!ds)
		goto out_nomem;
	ds->d = n_features;
	ds->names = calloc(n_features, sizeof(*ds->names));
	ds->group_map = cjd_strmap_new();
	ds->run_map = cjd_strmap_new();
	seen = cjd_strmap_new();
	if (!ds->names || !ds->group_map || !ds->run_map || !seen)
		goto out_nomem;
	for (size_t j = 0; j < n_features; j++) {
		uint64_t *v;
		if (!names[j] || !names[j][0]) {
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0, "feature %zu has no name", j);
			goto out_free;
		}
		int r = cjd_strmap_upsert(seen, names[j], &v);
		if (r < 0)
			goto out_nomem;
		if (r == 0) {
			rc = cjd_error_set(err, -EINVAL, NULL, 0, 0,
					   "feature \"%s\" is named twice (%zu and %zu)", names[j],
					   (size_t)*v, j);
			goto out_free;
		}
		*v = j;
		ds->names[j] = strdup(names[j]);
		if (!ds->names[j])
			goto out_nomem;
	}
	cjd_strmap_free(seen);
	*out = ds;
	return 0;
out_nomem:
	rc = cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
out_free:
	cjd_strmap_free(seen);
	cjd_dataset_free(ds);
	return rc;
}

void cjd_dataset_free(struct cjd_dataset *ds)
{
	if (!ds)
		return;
	for (size_t j = 0; ds->names && j < ds->d; j++)
		free(ds->names[j]);
	free(ds->names);
	free(ds->x);
	free(ds->miner);
	free(ds->group);
	free(ds->run);
	free(ds->order);
	cjd_strmap_free(ds->group_map);
	cjd_strmap_free(ds->run_map);
	for (size_t g = 0; g < ds->n_groups; g++)
		free(ds->groups[g].name);
	free(ds->groups);
	for (size_t r = 0; r < ds->n_runs; r++) {
		free(ds->runs[r].name);
		free(ds->runs[r].rows);
	}
	free(ds->runs);
	free(ds);
}

/*
 * Grows one of the parallel row arrays *p (elements of size sz) to exactly
 * need elements; reserve_rows keeps the one capacity they share.
 */
static int grow(void *p, size_t need, size_t sz)
{
	size_t cap = 0; /* exact size: the shared capacity already doubles */

	return cjd_array_grow(p, &cap, need, sz, false);
}

static int reserve_rows(struct cjd_dataset *ds)
{
	if (ds->n < ds->cap)
		return 0;
	size_t cap = ds->cap ? ds->cap * 2 : 1024;
	if (cap > MAX_ROWS)
		cap = MAX_ROWS;
	/* Each array grows on its own; a failure leaves the others merely larger. */
	if (ds->d && cap > SIZE_MAX / ds->d)
		return -ENOMEM;
	if (grow(&ds->x, cap * ds->d, sizeof(float)) || grow(&ds->miner, cap, sizeof(uint8_t)) ||
	    grow(&ds->group, cap, sizeof(uint32_t)) || grow(&ds->run, cap, sizeof(uint32_t)) ||
	    grow(&ds->order, cap, sizeof(uint64_t)))
		return -ENOMEM;
	ds->cap = cap;
	return 0;
}

/* Copies name into *copy and maps it to index. Returns 0 or -ENOMEM (nothing kept). */
static int intern(struct cjd_strmap *map, const char *name, size_t index, char **copy)
{
	uint64_t *v;

	*copy = strdup(name);
	if (!*copy || cjd_strmap_upsert(map, name, &v) < 0) {
		free(*copy);
		return -ENOMEM;
	}
	*v = index;
	return 0;
}

static int add_group(struct cjd_dataset *ds, const char *name, bool miner, uint32_t *g)
{
	char *copy;

	if (cjd_array_reserve(ds->groups, ds->cap_groups, ds->n_groups + 1))
		return -ENOMEM;
	if (intern(ds->group_map, name, ds->n_groups, &copy))
		return -ENOMEM;
	ds->groups[ds->n_groups] = (struct group){.name = copy, .miner = miner};
	*g = (uint32_t)ds->n_groups++;
	return 0;
}

static int add_run(struct cjd_dataset *ds, const char *name, uint32_t group, uint32_t *r)
{
	char *copy;

	if (cjd_array_reserve(ds->runs, ds->cap_runs, ds->n_runs + 1))
		return -ENOMEM;
	if (intern(ds->run_map, name, ds->n_runs, &copy))
		return -ENOMEM;
	ds->runs[ds->n_runs] = (struct run){.name = copy, .group = group};
	*r = (uint32_t)ds->n_runs++;
	return 0;
}

/* Undo the newest group or run of a failed append. */
static void drop_last_group(struct cjd_dataset *ds)
{
	struct group *gr = &ds->groups[--ds->n_groups];

	cjd_strmap_remove(ds->group_map, gr->name);
	free(gr->name);
}

static void drop_last_run(struct cjd_dataset *ds)
{
	struct run *ru = &ds->runs[--ds->n_runs];

	cjd_strmap_remove(ds->run_map, ru->name);
	free(ru->name);
	free(ru->rows);
}

int cjd_dataset_append(struct cjd_dataset *ds, const char *group, const char *run, uint64_t order,
		       bool miner, const float *x, struct cjd_error *err)
{
	uint64_t *gv, *rv;
	uint32_t g, r;
	bool new_group = false, new_run = false;

	if (!group || !group[0] || !run || !run[0])
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "a row needs a group and a run name");
	for (size_t j = 0; j < ds->d; j++)
		if (!isfinite(x[j]))
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "%s, run %s, window %llu: feature %s is %g (features "
					     "must be finite)",
					     group, run, (unsigned long long)order, ds->names[j],
					     (double)x[j]);
	if (ds->n >= MAX_ROWS)
		return cjd_error_set(err, -EOVERFLOW, NULL, 0, 0, "more than %u rows",
				     (unsigned)MAX_ROWS);
	gv = cjd_strmap_get(ds->group_map, group);
	if (gv && ds->groups[*gv].miner != miner)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "group %s is %s, but run %s window %llu says %s", group,
				     ds->groups[*gv].miner ? "miner" : "benign", run,
				     (unsigned long long)order, miner ? "miner" : "benign");
	rv = cjd_strmap_get(ds->run_map, run);
	if (rv) {
		struct run *ru = &ds->runs[*rv];
		if (!gv || ru->group != *gv)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "run %s belongs to group %s, not %s", run,
					     ds->groups[ru->group].name, group);
		if (ru->n && order <= ru->last_order)
			return cjd_error_set(err, -EINVAL, NULL, 0, 0,
					     "run %s: window %llu comes after window %llu (windows "
					     "of a run must be in increasing order)",
					     run, (unsigned long long)order,
					     (unsigned long long)ru->last_order);
	}
	if (reserve_rows(ds))
		goto out_nomem;
	if (gv) {
		g = (uint32_t)*gv;
	} else {
		if (add_group(ds, group, miner, &g))
			goto out_nomem;
		new_group = true;
	}
	if (rv) {
		r = (uint32_t)*rv;
	} else {
		if (add_run(ds, run, g, &r))
			goto out_drop;
		new_run = true;
	}
	struct run *ru = &ds->runs[r];
	if (cjd_array_reserve(ru->rows, ru->cap, ru->n + 1))
		goto out_drop;
	memcpy(ds->x + ds->n * ds->d, x, ds->d * sizeof(float));
	ds->miner[ds->n] = miner;
	ds->group[ds->n] = g;
	ds->run[ds->n] = r;
	ds->order[ds->n] = order;
	ru->rows[ru->n++] = (uint32_t)ds->n;
	ru->last_order = order;
	ds->groups[g].rows++;
	ds->n++;
	return 0;
out_drop:
	if (new_run)
		drop_last_run(ds);
	if (new_group)
		drop_last_group(ds);
out_nomem:
	return cjd_error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
}

size_t cjd_dataset_rows(const struct cjd_dataset *ds)
{
	return ds->n;
}

size_t cjd_dataset_features(const struct cjd_dataset *ds)
{
	return ds->d;
}

const char *cjd_dataset_feature_name(const struct cjd_dataset *ds, size_t j)
{
	return j < ds->d ? ds->names[j] : NULL;
}

const char *const *cjd_dataset_feature_names(const struct cjd_dataset *ds)
{
	return (const char *const *)ds->names;
}

const float *cjd_dataset_matrix(const struct cjd_dataset *ds)
{
	return ds->x;
}

const float *cjd_dataset_row(const struct cjd_dataset *ds, size_t i)
{
	return ds->x + i * ds->d;
}

bool cjd_dataset_miner(const struct cjd_dataset *ds, size_t i)
{
	return ds->miner[i];
}

uint32_t cjd_dataset_group(const struct cjd_dataset *ds, size_t i)
{
	return ds->group[i];
}

uint32_t cjd_dataset_run(const struct cjd_dataset *ds, size_t i)
{
	return ds->run[i];
}

uint64_t cjd_dataset_order(const struct cjd_dataset *ds, size_t i)
{
	return ds->order[i];
}

size_t cjd_dataset_groups(const struct cjd_dataset *ds)
{
	return ds->n_groups;
}

const char *cjd_dataset_group_name(const struct cjd_dataset *ds, uint32_t g)
{
	return ds->groups[g].name;
}

bool cjd_dataset_group_miner(const struct cjd_dataset *ds, uint32_t g)
{
	return ds->groups[g].miner;
}

size_t cjd_dataset_group_rows(const struct cjd_dataset *ds, uint32_t g)
{
	return ds->groups[g].rows;
}

int cjd_dataset_group_find(const struct cjd_dataset *ds, const char *name, uint32_t *g)
{
	uint64_t *v = cjd_strmap_get(ds->group_map, name);

	if (!v)
		return -ENOENT;
	*g = (uint32_t)*v;
	return 0;
}

size_t cjd_dataset_runs(const struct cjd_dataset *ds)
{
	return ds->n_runs;
}

const char *cjd_dataset_run_name(const struct cjd_dataset *ds, uint32_t r)
{
	return ds->runs[r].name;
}

uint32_t cjd_dataset_run_group(const struct cjd_dataset *ds, uint32_t r)
{
	return ds->runs[r].group;
}

const uint32_t *cjd_dataset_run_rows(const struct cjd_dataset *ds, uint32_t r, size_t *n)
{
	*n = ds->runs[r].n;
	return ds->runs[r].rows;
}
