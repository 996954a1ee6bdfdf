/* Evidence records of a .cjdt trace: recognised, parsed strictly and rendered as one line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/trace_evidence.h"

#define EVIDENCE_PREFIX "{\"type\":\"evidence\""

bool cjd_trace_is_evidence(const char *line, size_t len)
{
	return len >= sizeof(EVIDENCE_PREFIX) - 1 &&
	       !memcmp(line, EVIDENCE_PREFIX, sizeof(EVIDENCE_PREFIX) - 1);
}

static int bad(struct cjd_error *err, const char *what)
{
	return cjd_error_set(err, -EINVAL, NULL, 0, 0, "evidence record: %s", what);
}

int cjd_trace_parse_evidence(const char *line, size_t len, struct cjd_trace_evidence *ev,
			     json_t **holder, struct cjd_error *err)
{
	json_error_t je;
	json_t *o, *t, *cg, *insp;
	const char *key;
	json_t *v;

	*holder = NULL;
	memset(ev, 0, sizeof(*ev));
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return cjd_error_set(err, -EINVAL, NULL, 0, je.column > 0 ? je.column : 0,
				     "evidence record: %s", je.text);
	json_object_foreach(o, key, v) {
		if (strcmp(key, "type") && strcmp(key, "t_ns") && strcmp(key, "cgroup") &&
		    strcmp(key, "inspection")) {
			cjd_error_set(err, -EINVAL, NULL, 0, 0, "evidence record: unknown key \"%.64s\"", key);
			goto out_bad;
		}
	}
	t = json_object_get(o, "t_ns");
	cg = json_object_get(o, "cgroup");
	insp = json_object_get(o, "inspection");
	if (!json_is_integer(t) || json_integer_value(t) < 0) {
		bad(err, "\"t_ns\" must be an integer >= 0");
		goto out_bad;
	}
	if (!json_is_string(cg) || json_string_value(cg)[0] != '/') {
		bad(err, "\"cgroup\" must be a string starting with '/'");
		goto out_bad;
	}
	if (!json_is_object(insp)) {
		bad(err, "\"inspection\" must be an object (cjd inspect --json)");
		goto out_bad;
	}
	ev->t_ns = (uint64_t)json_integer_value(t);
	ev->cgroup = json_string_value(cg);
	ev->inspection = insp;
	*holder = o;
	return 0;
out_bad:
	json_decref(o);
	return -EINVAL;
}

int cjd_trace_format_evidence(const struct cjd_trace_evidence *ev, char **out, size_t *n)
{
	json_t *o;
	char *s;
	size_t len;

	*out = NULL;
	if (!ev->cgroup || ev->cgroup[0] != '/' || !json_is_object(ev->inspection))
		return -EINVAL;
	/* jansson keeps insertion order with JSON_PRESERVE_ORDER: "type" first */
	o = json_pack("{s:s, s:I, s:s, s:O}", "type", "evidence", "t_ns", (json_int_t)ev->t_ns,
		      "cgroup", ev->cgroup, "inspection", ev->inspection);
	if (!o)
		return -ENOMEM;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	char *grown = realloc(s, len + 2);
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	*out = grown;
	(*out)[len] = '\n';
	(*out)[len + 1] = '\0';
	*n = len + 1;
	return 0;
}
