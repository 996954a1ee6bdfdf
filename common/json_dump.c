/* Compact JSON text of a jansson value with every real printed as its shortest round-trip text. */
#include <errno.h>
#include <string.h>

#include "cjd/common/buf.h"
#include "cjd/common/json_dump.h"
#include "cjd/common/json_writer.h"

#define MAX_DEPTH 1000

struct out {
	struct cjd_buf b;
	int err;
};

static void put_real(struct out *o, double d)
{
	size_t at = o->b.len;

	if (cjd_json_put_double(&o->b, d) == -EDOM) {
		o->err = -EDOM; /* jansson never holds a non-finite real */
		return;
	}
	/* text that looks like an integer gets ".0", so it reads back as a real */
	if (!o->b.err && !strpbrk(o->b.data + at, ".e"))
		cjd_buf_add(&o->b, ".0", 2);
}

static void put_value(struct out *o, const json_t *v, int depth)
{
	if (o->err || o->b.err)
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
		cjd_buf_putc(&o->b, '{');
		json_object_foreach ((json_t *)v, k, m) {
			if (!first)
				cjd_buf_putc(&o->b, ',');
			first = false;
			cjd_json_put_str(&o->b, k);
			cjd_buf_putc(&o->b, ':');
			put_value(o, m, depth + 1);
		}
		cjd_buf_putc(&o->b, '}');
		break;
	}
	case JSON_ARRAY:
		cjd_buf_putc(&o->b, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				cjd_buf_putc(&o->b, ',');
			put_value(o, json_array_get(v, i), depth + 1);
		}
		cjd_buf_putc(&o->b, ']');
		break;
	case JSON_STRING:
		/* a NUL inside a jansson string comes out as \u0000 */
		cjd_json_put_strn(&o->b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		cjd_buf_printf(&o->b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(o, json_real_value(v));
		break;
	case JSON_TRUE:
		cjd_buf_puts(&o->b, "true");
		break;
	case JSON_FALSE:
		cjd_buf_puts(&o->b, "false");
		break;
	case JSON_NULL:
		cjd_buf_puts(&o->b, "null");
		break;
	}
}

char *cjd_json_dumps(const json_t *v)
{
	struct out o = {CJD_BUF_INIT, 0};
	char *text;

	if (!v)
		return NULL;
	put_value(&o, v, 0);
	if (o.err) {
		cjd_buf_release(&o.b);
		return NULL;
	}
	return cjd_buf_steal(&o.b, &text, NULL) ? NULL : text;
}
