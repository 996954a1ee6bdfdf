/* Parsers of the memory probe: memory.stat (cgroup v1 and v2), smaps_rollup, and v1 mounts in mountinfo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/evidence/memory.h"
#include "cjd/common/text.h"

/* The memory.stat keys we use; v1 has a per-cgroup and a hierarchical (total_) form. */
enum { K_ANON, K_ANON_THP, K_FILE, K_FILE_MAPPED, K_SHMEM, NK };
static const char *const v2_keys[NK] = {"anon", "anon_thp", "file", "file_mapped", "shmem"};
static const char *const v1_keys[NK] = {"rss", "rss_huge", "cache", "mapped_file", "shmem"};

struct stat_seen {
	uint64_t v2[NK], v1[NK], v1_total[NK];
	bool has_v2[NK], has_v1[NK], has_v1_total[NK];
};

static void stat_note(struct stat_seen *s, const char *key, uint64_t v)
{
	for (int k = 0; k < NK; k++) {
		if (!strcmp(key, v2_keys[k])) {
			s->v2[k] = v;
			s->has_v2[k] = true;
		}
		if (!strcmp(key, v1_keys[k])) {
			s->v1[k] = v;
			s->has_v1[k] = true;
		}
		if (!strncmp(key, "total_", 6) && !strcmp(key + 6, v1_keys[k])) {
			s->v1_total[k] = v;
			s->has_v1_total[k] = true;
		}
	}
}

static bool key_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

int cjd_memory_parse_stat(const char *path, struct cjd_memory_stat *out, struct cjd_error *err)
{
	struct stat_seen s;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = 0;
	FILE *fp;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	fp = fopen(path, "re");
	if (!fp)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot read: %s", strerror(errno));
	while ((n = getline(&line, &cap, fp)) > 0) {
		char *sp, *val;
		uint64_t v;

		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		sp = strchr(line, ' ');
		if (!sp) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, 0,
					   "expected '<key> <value>', got '%.60s'", line);
			goto out;
		}
		*sp = '\0';
		val = sp + 1;
		if (!key_ok(line)) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, 1,
					   "'%.60s' is not a memory.stat key", line);
			goto out;
		}
		rc = cjd_parse_u64(val, &v);
		if (rc) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, (int)(val - line) + 1,
					   "%s: '%.40s' is not a byte count%s", line, val,
					   rc == -ERANGE ? " (too large)" : "");
			goto out;
		}
		stat_note(&s, line, v);
	}
	if (ferror(fp)) {
		rc = cjd_error_set(err, -EIO, path, 0, 0, "read error");
		goto out;
	}
	if (s.has_v2[K_ANON]) {
		out->version = 2;
		out->anon = s.v2[K_ANON];
		out->anon_thp = s.v2[K_ANON_THP];
		out->file = s.v2[K_FILE];
		out->file_mapped = s.v2[K_FILE_MAPPED];
		out->shmem = s.v2[K_SHMEM];
	} else if (s.has_v1_total[K_ANON] || s.has_v1[K_ANON]) {
		/* total_* include the descendants, as v2's figures do */
		const uint64_t *v = s.has_v1_total[K_ANON] ? s.v1_total : s.v1;
		out->version = 1;
		out->anon = v[K_ANON];
		out->anon_thp = v[K_ANON_THP];
		out->file = v[K_FILE];
		out->file_mapped = v[K_FILE_MAPPED];
		out->shmem = v[K_SHMEM];
	} else {
		rc = cjd_error_set(err, -EINVAL, path, 0, 0,
				   "neither 'anon' (cgroup v2) nor 'rss' (cgroup v1): not a "
				   "memory.stat file");
	}
out:
	free(line);
	fclose(fp);
	return rc;
}

int cjd_memory_parse_rollup(const char *path, struct cjd_memory_rollup *out,
			    struct cjd_error *err)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{"Rss", offsetof(struct cjd_memory_rollup, rss)},
		{"Anonymous", offsetof(struct cjd_memory_rollup, anon)},
		{"AnonHugePages", offsetof(struct cjd_memory_rollup, anon_huge)},
		{"ShmemPmdMapped", offsetof(struct cjd_memory_rollup, shmem_huge)},
		{"Shared_Hugetlb", offsetof(struct cjd_memory_rollup, hugetlb)},
		{"Private_Hugetlb", offsetof(struct cjd_memory_rollup, hugetlb)},
		{"Swap", offsetof(struct cjd_memory_rollup, swap)},
	};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = 0;
	FILE *fp;

	memset(out, 0, sizeof(*out));
	fp = fopen(path, "re");
	if (!fp)
		return cjd_error_set(err, errno == ENOENT ? -ESRCH : -errno, path, 0, 0,
				     "cannot read: %s", strerror(errno));
	while ((n = getline(&line, &cap, fp)) > 0) {
		char *colon, *p, *end;
		unsigned long long kb;

		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (lineno == 1) {
			/* "00400000-7ffc0000 ---p 00000000 00:00 0   [rollup]" */
			if (!strstr(line, "[rollup]")) {
				rc = cjd_error_set(err, -EINVAL, path, 1, 0,
						   "expected the '[rollup]' header line, got "
						   "'%.60s'",
						   line);
				goto out;
			}
			continue;
		}
		colon = strchr(line, ':');
		if (!colon || colon == line) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, 0,
					   "expected '<Key>: <n> kB', got '%.60s'", line);
			goto out;
		}
		*colon = '\0';
		for (p = colon + 1; *p == ' ' || *p == '\t'; p++)
			;
		errno = 0;
		kb = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : (end = p, 0);
		if (end == p || strcmp(end, " kB") != 0) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, (int)(p - line) + 1,
					   "%s: expected '<n> kB', got '%.40s'", line, p);
			goto out;
		}
		if (errno == ERANGE || kb > UINT64_MAX / 1024) {
			rc = cjd_error_set(err, -EINVAL, path, lineno, (int)(p - line) + 1,
					   "%s: %.40s is too large", line, p);
			goto out;
		}
		for (size_t f = 0; f < CJD_ARRAY_SIZE(fields); f++)
			if (!strcmp(line, fields[f].key))
				*(uint64_t *)((char *)out + fields[f].off) += kb * 1024;
	}
	if (ferror(fp))
		rc = cjd_error_set(err, errno == ESRCH ? -ESRCH : -EIO, path, 0, 0, "read error: %s",
				   strerror(errno));
out:
	free(line);
	fclose(fp);
	return rc;
}

/* mountinfo escapes blanks in paths as \040 and so on */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int cjd_memory_cgroup_mount(const char *mountinfo, const char *controller, char *out, size_t len)
{
	FILE *fp = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;

	if (!fp)
		return -errno;
	while (rc == -ENOENT && getline(&line, &cap, fp) > 0) {
		char *save = NULL, *f[5], *sep = strstr(line, " - "), *fstype, *opts;
		int i = 0;

		if (!sep)
			continue;
		*sep = '\0';
		for (char *tok = strtok_r(line, " ", &save); tok && i < 5;
		     tok = strtok_r(NULL, " ", &save))
			f[i++] = tok;
		if (i < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " \n", &save);
		if (!fstype)
			continue;
		if (!controller) {
			if (strcmp(fstype, "cgroup2") != 0)
				continue;
			unescape(f[4]);
			rc = (size_t)snprintf(out, len, "%s", f[4]) < len ? 0 : -ENAMETOOLONG;
			break;
		}
		if (strcmp(fstype, "cgroup") != 0 || !strtok_r(NULL, " \n", &save))
			continue;
		opts = strtok_r(NULL, " \n", &save);
		if (!opts)
			continue;
		save = NULL;
		for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
			if (!strcmp(o, controller)) {
				unescape(f[4]);
				rc = (size_t)snprintf(out, len, "%s", f[4]) < len ? 0 : -ENAMETOOLONG;
				break;
			}
	}
	free(line);
	fclose(fp);
	return rc;
}
