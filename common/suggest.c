/* "Did you mean ...?": edit distance between short names, and the closest known name. */
#include <stdbool.h>
#include <string.h>

#include "cjd/common/suggest.h"

#define MAX_LEN 64
#define FAR 1000u

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;
	return m < c ? m : c;
}

unsigned cjd_edit_distance(const char *a, const char *b)
{
	/* three rows of the DP table, rotating: row i lives in rows[i % 3] */
	unsigned rows[3][MAX_LEN + 1];
	size_t n = strlen(a), m = strlen(b);

	if (n >= MAX_LEN || m >= MAX_LEN)
		return FAR;
	for (size_t j = 0; j <= m; j++)
		rows[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		unsigned *c = rows[i % 3], *p = rows[(i + 2) % 3], *pp = rows[(i + 1) % 3];
		c[0] = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = fold(a[i - 1]) != fold(b[j - 1]);
			c[j] = min3(p[j] + 1, c[j - 1] + 1, p[j - 1] + cost);
			/* two neighbours swapped ("intreval") */
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) && pp[j - 2] + 1 < c[j])
				c[j] = pp[j - 2] + 1;
		}
	}
	return rows[n % 3][m];
}

/* How many edits still look like a typo of a name this long. */
static unsigned budget(size_t len)
{
	return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

static bool prefix_of(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n < 3 || n >= strlen(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (fold(a[i]) != fold(b[i]))
			return false;
	return true;
}

const char *cjd_suggest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	unsigned best_d = FAR;

	for (size_t i = 0; i < n; i++) {
		unsigned d = cjd_edit_distance(s, cands[i]);
		size_t len = strlen(cands[i]) > strlen(s) ? strlen(cands[i]) : strlen(s);
		if (d > budget(len) && !prefix_of(s, cands[i]) && !prefix_of(cands[i], s))
			continue;
		if (d < best_d) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}
