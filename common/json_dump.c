/* Compact JSON text of a jansson value with every real printed as its shortest round-trip text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_dump.h"
#include "cjd/common/text.h"

#define MAX_DEPTH 1000

struct out {
	FILE *f;
	int err;
};

/* One string, escaped; a NUL inside a jansson string is written as \u0000. */
static void put_string(struct out *o, const char *s, size_t n)
{
	size_t start = 0;

	fputc('"', o->f);
	while (start <= n) {
		size_t seg = strnlen(s + start, n - start);
		char *buf = malloc(seg * 6 + 3);
		size_t pos = 0;

		if (!buf || cjd_json_escape(buf, seg * 6 + 3, &pos, s + start) < 0) {
			free(buf);
			o->err = -ENOMEM;
			return;
		}
		/* strip the escaper's quotes: the segments share one pair */
		fwrite(buf + 1, 1, pos - 2, o->f);
		free(buf);
		start += seg + 1;
		if (start <= n)
			fputs("\\u0000", o->f);
	}
	fputc('"', o->f);
}

static void put_real(struct out *o, double d)
{
	char b[40];
	int n = cjd_fmt_double(b, sizeof(b), d);

	if (n < 0) {
		o->err = n; /* jansson never holds a non-finite real */
		return;
	}
	fwrite(b, 1, (size_t)n, o->f);
	if (!strpbrk(b, ".e"))
		fputs(".0", o->f);
}

static void put_value(struct out *o, const json_t *v, int depth)
{
	if (o->err)
		return;
	if (depth > MAX_DEPTH) {
		o->err = -ELOOP;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		bool first = true;
		fputc('{', o->f);
		json_object_foreach ((json_t *)v, k, m) {
			if (!first)
				fputc(',', o->f);
			first = false;
			put_string(o, k, strlen(k));
			fputc(':', o->f);
			put_value(o, m, depth + 1);
		}
		fputc('}', o->f);
		break;
	}
	case JSON_ARRAY:
		fputc('[', o->f);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				fputc(',', o->f);
			put_value(o, json_array_get(v, i), depth + 1);
		}
		fputc(']', o->f);
		break;
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		fprintf(o->f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(o, json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", o->f);
		break;
	case JSON_FALSE:
		fputs("false", o->f);
		break;
	case JSON_NULL:
		fputs("null", o->f);
		break;
	}
}

char *cjd_json_dumps(const json_t *v)
{
	struct out o = {0};
	char *text = NULL;
	size_t len = 0;

	if (!v)
		return NULL;
	o.f = open_memstream(&text, &len);
	if (!o.f)
		return NULL;
	put_value(&o, v, 0);
	if (fclose(o.f) != 0 && !o.err)
		o.err = -ENOMEM;
	if (o.err) {
		free(text);
		return NULL;
	}
	return text;
}
