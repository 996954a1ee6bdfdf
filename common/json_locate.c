/* A position index over JSON text: path -> line:column of each value and key. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/common/json_locate.h"

struct entry {
	char *path;
	int line, col;       /* where the value starts */
	int key_line, key_col; /* where its key starts, for object members */
};

struct cjd_json_locations {
	struct entry *e;
	size_t n, cap;
};

struct scan {
	const char *p, *end;
	int line, col;
	struct cjd_json_locations *loc;
	int depth;
};

static void adv(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xC0) != 0x80) {
		s->col++; /* count characters, not UTF-8 continuation bytes, as jansson does */
	}
	s->p++;
}

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		adv(s);
}

static int add(struct scan *s, const char *path, int line, int col, int kl, int kc)
{
	struct cjd_json_locations *l = s->loc;

	if (cjd_array_reserve(l->e, l->cap, l->n + 1))
		return -ENOMEM;
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	l->e[l->n++] = (struct entry){p, line, col, kl, kc};
	return 0;
}

/* Reads a string token's raw text into buf (escapes kept simple: \" and \\ decoded). */
static int string_tok(struct scan *s, char *buf, size_t len)
{
	size_t n = 0;

	if (s->p >= s->end || *s->p != '"')
		return -EINVAL;
	adv(s);
	while (s->p < s->end && *s->p != '"') {
		char c = *s->p;
		if (c == '\\') {
			adv(s);
			if (s->p >= s->end)
				return -EINVAL;
			c = *s->p;
		}
		if (n + 1 < len)
			buf[n++] = c;
		adv(s);
	}
	if (s->p >= s->end)
		return -EINVAL;
	adv(s);
	buf[n] = '\0';
	return 0;
}

void cjd_json_path_append(char *path, size_t len, const char *key)
{
	size_t n = strlen(path);

	if (n && n + 1 < len)
		path[n++] = '.';
	/* a key holding '.' or '[' must not read as two path steps */
	for (; *key && n + 2 < len; key++) {
		if (*key == '.' || *key == '[' || *key == '\\')
			path[n++] = '\\';
		path[n++] = *key;
	}
	if (n < len)
		path[n] = '\0';
}

static int value(struct scan *s, char *path, size_t plen, int kl, int kc);

/* After a member or an element: ',' (another follows: 0), the closing bracket (the
 * container ends: 1), or anything else (-EINVAL). */
static int next_or_close(struct scan *s, char close)
{
	ws(s);
	if (s->p < s->end && *s->p == ',') {
		adv(s);
		return 0;
	}
	if (s->p < s->end && *s->p == close) {
		adv(s);
		return 1;
	}
	return -EINVAL;
}

static int object(struct scan *s, char *path, size_t plen)
{
	adv(s); /* { */
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		adv(s);
		return 0;
	}
	for (;;) {
		char key[256];
		ws(s);
		int kl = s->line, kc = s->col;
		if (string_tok(s, key, sizeof(key)))
			return -EINVAL;
		ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -EINVAL;
		adv(s);
		size_t n = strlen(path);
		cjd_json_path_append(path, plen, key);
		int rc = value(s, path, plen, kl, kc);
		path[n] = '\0';
		if (rc || (rc = next_or_close(s, '}')))
			return rc < 0 ? rc : 0;
	}
}

static int array(struct scan *s, char *path, size_t plen)
{
	adv(s); /* [ */
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		adv(s);
		return 0;
	}
	for (size_t i = 0;; i++) {
		size_t n = strlen(path);
		snprintf(path + n, plen - n, "[%zu]", i);
		int rc = value(s, path, plen, 0, 0);
		path[n] = '\0';
		if (rc || (rc = next_or_close(s, ']')))
			return rc < 0 ? rc : 0;
	}
}

static int value(struct scan *s, char *path, size_t plen, int kl, int kc)
{
	char tmp[8];
	int rc;

	ws(s);
	if (s->p >= s->end || ++s->depth > 64)
		return -EINVAL;
	if ((rc = add(s, path, s->line, s->col, kl, kc)))
		return rc;
	switch (*s->p) {
	case '{': rc = object(s, path, plen); break;
	case '[': rc = array(s, path, plen); break;
	case '"': rc = string_tok(s, tmp, sizeof(tmp)); break;
	default:
		/* number, true, false, null: runs to the next delimiter */
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
			adv(s);
		rc = 0;
	}
	s->depth--;
	return rc;
}

struct cjd_json_locations *cjd_json_locate(const char *text, size_t len)
{
	struct cjd_json_locations *loc = calloc(1, sizeof(*loc));
	struct scan s = {.p = text, .end = text + len, .line = 1, .col = 1, .loc = loc};
	char path[1024] = "";

	if (!loc)
		return NULL;
	if (value(&s, path, sizeof(path), 0, 0)) {
		cjd_json_locations_free(loc);
		return NULL;
	}
	return loc;
}

void cjd_json_locations_free(struct cjd_json_locations *loc)
{
	if (!loc)
		return;
	for (size_t i = 0; i < loc->n; i++)
		free(loc->e[i].path);
	free(loc->e);
	free(loc);
}

int cjd_json_where(const struct cjd_json_locations *loc, const char *path, int key_pos, int *line,
		   int *column)
{
	if (!loc)
		return -ENOENT;
	for (size_t i = 0; i < loc->n; i++) {
		if (strcmp(loc->e[i].path, path) != 0)
			continue;
		if (key_pos && loc->e[i].key_line) {
			*line = loc->e[i].key_line;
			*column = loc->e[i].key_col;
		} else {
			*line = loc->e[i].line;
			*column = loc->e[i].col;
		}
		return 0;
	}
	return -ENOENT;
}
