/* The stratum probe's marker list and search, and which mappings of /proc/PID/maps it reads. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cjd/evidence/stratum.h"
#include "stratum_internal.h"

/*
 * The markers are searched for by anchor: one memmem pass per anchor over a
 * chunk, then the variants that share the anchor are compared where it
 * occurs. Six passes instead of one per variant (nineteen) keep the cost of
 * a 64 MiB scan down. `space` allows one optional space after the anchor:
 * jansson's json_dumps writes "method": "job" by default and
 * "method":"job" with JSON_COMPACT, and hand-built messages (XMRig, the
 * corpus miner) use the compact form.
 */
static const char *const names[CJD_STRATUM_NMARKERS] = {
	"mining.subscribe", "mining.authorize", "mining.notify", "mining.submit",
	"mining.set_difficulty", "job_id", "blob", "seed_hash", "method:job", "method:submit",
	"method:login", "method:keepalived", "stratum+tcp://", "stratum+ssl://", "stratum2+tcp://",
};

struct variant {
	const char *rest; /* after the anchor (and the optional space) */
	unsigned marker;
	unsigned hex;     /* hex digits that must follow rest, at least */
};

static const struct group {
	const char *anchor;
	bool space;
	struct variant v[5];
	size_t nv;
} groups[] = {
	{ "mining.", false,
	  { { "subscribe", 0 }, { "authorize", 1 }, { "notify", 2 }, { "submit", 3 },
	    { "set_difficulty", 4 } }, 5 },
	{ "\"job_id\"", false, { { "", 5 } }, 1 },
	/* a CryptoNote hashing blob is 76 bytes or more, sent in hex; a JSON "blob" of
	 * anything else (base64, a name, a SHA-256 object id) is not a job */
	{ "\"blob\":", true, { { "\"", 6, 128 } }, 1 },
	{ "\"seed_hash\"", false, { { "", 7 } }, 1 },
	{ "\"method\":", true,
	  { { "\"job\"", 8 }, { "\"submit\"", 9 }, { "\"login\"", 10 }, { "\"keepalived\"", 11 } },
	  4 },
	{ "stratum", false, { { "+tcp://", 12 }, { "+ssl://", 13 }, { "2+tcp://", 14 } }, 3 },
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/*
 * Markers no other protocol uses: the stratum v1 methods, the CryptoNote job's
 * hex blob and RandomX seed, XMRig's keep-alive, pool URLs. The others
 * (job_id, and the methods job, submit and login) are ordinary JSON-RPC words
 * that a batch worker talking to its coordinator may hold as well.
 */
#define SPECIFIC                                                                       \
	((0x1fu << 0) | (1u << 6) | (1u << 7) | (1u << 11) | (1u << 12) | (1u << 13) | \
	 (1u << 14))

uint32_t cjd_stratum_specific(uint32_t markers)
{
	return markers & SPECIFIC;
}

bool cjd_stratum_conversation(uint32_t markers)
{
	return __builtin_popcount(markers) >= 2 && cjd_stratum_specific(markers);
}

const char *cjd_stratum_marker_name(unsigned i)
{
	return i < CJD_STRATUM_NMARKERS ? names[i] : NULL;
}

int cjd_stratum_marker_find(const char *name)
{
	for (unsigned i = 0; i < CJD_STRATUM_NMARKERS; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -ENOENT;
}

size_t cjd_stratum_overlap(void)
{
	size_t longest = 0;

	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t k = 0; k < groups[g].nv; k++) {
			size_t n = strlen(groups[g].anchor) + groups[g].space +
				   strlen(groups[g].v[k].rest) + groups[g].v[k].hex;
			longest = n > longest ? n : longest;
		}
	return longest - 1;
}

static uint32_t group_mask(const struct group *g)
{
	uint32_t m = 0;

	for (size_t k = 0; k < g->nv; k++)
		m |= 1u << g->v[k].marker;
	return m;
}

/* Whether p[0..n) are all hex digits (the caller made sure they are there). */
static bool hex_run(const char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

uint32_t cjd_stratum_search(const void *buf, size_t len, uint32_t found)
{
	const char *end = (const char *)buf + len;

	for (size_t gi = 0; gi < NGROUPS; gi++) {
		const struct group *g = &groups[gi];
		const uint32_t all = group_mask(g);
		const size_t alen = strlen(g->anchor);
		const char *p = buf, *hit;

		while ((found & all) != all && (size_t)(end - p) >= alen &&
		       (hit = memmem(p, (size_t)(end - p), g->anchor, alen))) {
			const char *q = hit + alen;

			if (g->space && q < end && *q == ' ')
				q++;
			for (size_t k = 0; k < g->nv; k++) {
				size_t rlen = strlen(g->v[k].rest);
				if ((size_t)(end - q) >= rlen + g->v[k].hex &&
				    !memcmp(q, g->v[k].rest, rlen) && hex_run(q + rlen, g->v[k].hex))
					found |= 1u << g->v[k].marker;
			}
			p = hit + 1;
		}
	}
	return found;
}

/* Whether a mapping's name (as maps prints it) is anonymous memory of the process's own. */
static bool anonymous_name(const char *path, size_t n)
{
	static const char *const whole[] = { "[heap]", "[stack]" };
	/* [stack:TID] (kernels before 4.5), [anon:NAME] (prctl PR_SET_VMA_ANON_NAME) */
	static const char *const prefix[] = { "[stack:", "[anon:" };

	if (!n)
		return true;
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (n == strlen(whole[i]) && !memcmp(path, whole[i], n))
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (n > strlen(prefix[i]) && !memcmp(path, prefix[i], strlen(prefix[i])))
			return true;
	return false; /* files, [vvar], [vdso], [vsyscall], [anon_shmem:...] */
}

int cjd_stratum_maps_line(const char *line, size_t len, struct cjd_stratum_region *r,
			  const char **what)
{
	char head[256], perms[5];
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	size_t n = len < sizeof(head) - 1 ? len : sizeof(head) - 1;
	int pos = -1;

	memcpy(head, line, n);
	head[n] = '\0';
	if (sscanf(head, "%llx-%llx %4s %llx %x:%x %llu%n", &start, &end, perms, &off, &maj, &min,
		   &ino, &pos) != 7 ||
	    pos < 0 || (head[pos] && head[pos] != ' ')) {
		*what = "expected 'start-end perms offset major:minor inode [path]'";
		return -EINVAL;
	}
	if (strlen(perms) != 4 || !strchr("r-", perms[0]) || !strchr("w-", perms[1]) ||
	    !strchr("x-", perms[2]) || !strchr("ps", perms[3])) {
		*what = "expected permissions like 'rw-p'";
		return -EINVAL;
	}
	if (start >= end) {
		*what = "the range is empty or reversed";
		return -EINVAL;
	}
	while ((size_t)pos < len && line[pos] == ' ')
		pos++;
	r->start = start;
	r->end = end;
	/* Private and writable: data the process received or built. Read-only and shared
	 * mappings, and file-backed data (.data, .bss of a library), hold no messages. */
	r->scan = !strcmp(perms, "rw-p") && ino == 0 &&
		  anonymous_name(line + pos, len - (size_t)pos);
	return 0;
}
