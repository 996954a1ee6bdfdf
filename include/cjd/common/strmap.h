/* An open-addressing hash map from strings to uint64_t, for per-cgroup state. */
#ifndef CJD_COMMON_STRMAP_H
#define CJD_COMMON_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cjd_strmap;

/* Returns NULL on ENOMEM. Not thread-safe; callers lock if they share one. */
struct cjd_strmap *cjd_strmap_new(void);

/* Accepts NULL. Frees the copied keys. */
void cjd_strmap_free(struct cjd_strmap *m);

/*
 * Finds key or inserts it with value 0 (the key is copied). *val points at
 * the value until the next insert or remove. Returns 1 when inserted, 0 when
 * found, -ENOMEM.
 */
int cjd_strmap_upsert(struct cjd_strmap *m, const char *key, uint64_t **val);

/* The value slot for key, or NULL. */
uint64_t *cjd_strmap_get(const struct cjd_strmap *m, const char *key);

/* Removes key. Returns 0 or -ENOENT. */
int cjd_strmap_remove(struct cjd_strmap *m, const char *key);

size_t cjd_strmap_count(const struct cjd_strmap *m);

/*
 * Iterates: start with *it = 0; returns true with key/value filled while
 * entries remain. Removing the current entry during iteration is allowed.
 */
bool cjd_strmap_next(const struct cjd_strmap *m, size_t *it, const char **key, uint64_t **val);

#endif
