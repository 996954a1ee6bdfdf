/* The trace header line: defaults, strict parsing (jansson) and deterministic formatting. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/json_dump.h"
#include "cjd/common/json_writer.h"
#include "cjd/common/text.h"
#include "cjd/common/time.h"
#include "trace_internal.h"

void cjd_trace_header_init(struct cjd_trace_header *h, const char *source)
{
	memset(h, 0, sizeof(*h));
	h->version = CJD_TRACE_VERSION;
	cjd_hostname(h->host, sizeof(h->host));
	snprintf(h->source, sizeof(h->source), "%s", source ? source : "perf");
	h->interval_ns = CJD_NSEC_PER_SEC;
	h->cpus = 1;
	cjd_rfc3339_sec(cjd_now_real_ns(), h->created, sizeof(h->created));
}

void cjd_trace_header_release(struct cjd_trace_header *h)
{
	free(h->meta);
	h->meta = NULL;
}

int cjd_trace_header_copy(struct cjd_trace_header *dst, const struct cjd_trace_header *src)
{
	*dst = *src;
	dst->meta = NULL;
	if (src->meta && !(dst->meta = strdup(src->meta)))
		return -ENOMEM;
	return 0;
}

void cjd_trace_header_set_events(struct cjd_trace_header *h, cjd_event_mask mask)
{
	h->n_events = 0;
	for (int i = 0; i < CJD_EV__COUNT; i++)
		if (mask & CJD_EVMASK(i))
			h->events[h->n_events++] = (enum cjd_event)i;
}

cjd_event_mask cjd_trace_header_mask(const struct cjd_trace_header *h)
{
	cjd_event_mask m = 0;

	for (int i = 0; i < h->n_events; i++)
		m |= CJD_EVMASK(h->events[i]);
	return m;
}

int cjd_trace_header_set_meta(struct cjd_trace_header *h, const char *json_object)
{
	json_error_t jerr;
	json_t *o = json_loads(json_object, JSON_REJECT_DUPLICATES, &jerr);
	char *text;

	if (!o)
		return -EINVAL;
	if (!json_is_object(o)) {
		json_decref(o);
		return -EINVAL;
	}
	text = cjd_json_dumps(o);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	free(h->meta);
	h->meta = text;
	return 0;
}

static const char *const header_keys[] = {"format", "version", "host",   "source", "interval_ns",
					  "cpus",   "events",  "created", "meta"};

/* The RFC 3339 shape, loosely: date, 'T', time, zone. Good enough to catch garbage. */
static int rfc3339_ok(const char *s)
{
	int y, mo, d, hh, mm, ss;
	char t;

	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &t, &hh, &mm, &ss) != 7)
		return 0;
	return (t == 'T' || t == 't') && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && hh < 24 &&
	       mm < 60 && ss <= 60 && (strchr(s, 'Z') || strchr(s, 'z') || strchr(s + 19, '+') ||
				       strchr(s + 19, '-'));
}

static int hdr_err(struct cjd_error *err, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int hdr_err(struct cjd_error *err, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cjd_error_vset(err, -EINVAL, NULL, 1, col, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int get_u64(json_t *root, const char *key, uint64_t min, uint64_t *out, struct cjd_error *err)
{
	json_t *v = json_object_get(root, key);

	if (!v)
		return hdr_err(err, 0, "header: missing \"%s\"", key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min)
		return hdr_err(err, 0, "header: \"%s\" must be an integer >= %llu", key,
			       (unsigned long long)min);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_str(json_t *root, const char *key, char *dst, size_t dstlen, struct cjd_error *err)
{
	json_t *v = json_object_get(root, key);

	if (!v)
		return hdr_err(err, 0, "header: missing \"%s\"", key);
	if (!json_is_string(v))
		return hdr_err(err, 0, "header: \"%s\" must be a string", key);
	if (json_string_length(v) >= dstlen || strlen(json_string_value(v)) != json_string_length(v))
		return hdr_err(err, 0, "header: \"%s\" is longer than %zu bytes or holds a NUL", key,
			       dstlen - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int parse_events(json_t *arr, struct cjd_trace_header *h, struct cjd_error *err)
{
	size_t i;
	json_t *v;
	cjd_event_mask seen = 0;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return hdr_err(err, 0, "header: \"events\" must be a non-empty array of event names");
	if (json_array_size(arr) > CJD_EV__COUNT)
		return hdr_err(err, 0, "header: \"events\" lists %zu events, at most %d exist",
			       json_array_size(arr), CJD_EV__COUNT);
	h->n_events = 0;
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v))
			return hdr_err(err, 0, "header: events[%zu] is not a string", i);
		int ev = cjd_event_lookup(json_string_value(v));
		if (ev < 0) {
			char known[512];
			cjd_event_mask_format(CJD_EVMASK_ALL, known, sizeof(known));
			return hdr_err(err, 0, "header: unknown event \"%.64s\" (known: %s)",
				       json_string_value(v), known);
		}
		if (seen & CJD_EVMASK(ev))
			return hdr_err(err, 0, "header: event \"%s\" is listed twice",
				       json_string_value(v));
		seen |= CJD_EVMASK(ev);
		h->events[h->n_events++] = (enum cjd_event)ev;
	}
	return 0;
}

int cjd_trace_parse_header(const char *line, size_t len, struct cjd_trace_header *h,
			   struct cjd_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	uint64_t u;
	int rc = -EINVAL;

	memset(h, 0, sizeof(*h));
	size_t bad = cjd_utf8_check(line, len);
	if (bad != len)
		return hdr_err(err, (int)bad + 1, "byte 0x%02x is not valid UTF-8",
			       (unsigned char)line[bad]);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hdr_err(err, jerr.column > 0 ? jerr.column : 0,
			       "not a trace header: %s", jerr.text);
	if (!json_is_object(root)) {
		hdr_err(err, 1, "not a trace header: the first line must be a JSON object");
		goto out_root;
	}
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), "cjd-trace") != 0) {
		hdr_err(err, 0, "missing header: line 1 lacks \"format\":\"cjd-trace\"");
		goto out_root;
	}
	json_object_foreach (root, key, v) {
		size_t k;
		for (k = 0; k < CJD_ARRAY_SIZE(header_keys); k++)
			if (strcmp(key, header_keys[k]) == 0)
				break;
		if (k == CJD_ARRAY_SIZE(header_keys)) {
			hdr_err(err, 0, "header: unknown key \"%.64s\"", key);
			goto out_root;
		}
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v)) {
		hdr_err(err, 0, "header: \"version\" must be an integer");
		goto out_root;
	}
	if (json_integer_value(v) != CJD_TRACE_VERSION) {
		hdr_err(err, 0, "unsupported trace version %lld (this cjd reads version %d)",
			(long long)json_integer_value(v), CJD_TRACE_VERSION);
		goto out_root;
	}
	h->version = CJD_TRACE_VERSION;
	if (get_str(root, "host", h->host, sizeof(h->host), err) ||
	    get_str(root, "source", h->source, sizeof(h->source), err) ||
	    get_str(root, "created", h->created, sizeof(h->created), err))
		goto out_root;
	if (!h->source[0]) {
		hdr_err(err, 0, "header: \"source\" is empty");
		goto out_root;
	}
	if (!rfc3339_ok(h->created)) {
		hdr_err(err, 0, "header: \"created\" is not an RFC 3339 time: \"%s\"", h->created);
		goto out_root;
	}
	if (get_u64(root, "interval_ns", 1, &h->interval_ns, err))
		goto out_root;
	if (get_u64(root, "cpus", 1, &u, err))
		goto out_root;
	if (u > 65536) {
		hdr_err(err, 0, "header: \"cpus\" is %llu, more than 65536", (unsigned long long)u);
		goto out_root;
	}
	h->cpus = (uint32_t)u;
	v = json_object_get(root, "events");
	if (!v) {
		hdr_err(err, 0, "header: missing \"events\"");
		goto out_root;
	}
	if (parse_events(v, h, err))
		goto out_root;
	v = json_object_get(root, "meta");
	if (v) {
		if (!json_is_object(v)) {
			hdr_err(err, 0, "header: \"meta\" must be an object");
			goto out_root;
		}
		h->meta = cjd_json_dumps(v);
		if (!h->meta) {
			rc = -ENOMEM;
			cjd_error_set(err, rc, NULL, 1, 0, "out of memory");
			goto out_root;
		}
	}
	rc = 0;
out_root:
	json_decref(root);
	return rc;
}

int cjd_trace_format_header(const struct cjd_trace_header *h, struct cjd_buf *b)
{
	cjd_buf_printf(b, "{\"format\":\"cjd-trace\",\"version\":%d,\"host\":", h->version);
	cjd_json_put_str(b, h->host);
	cjd_buf_puts(b, ",\"source\":");
	cjd_json_put_str(b, h->source);
	cjd_buf_printf(b, ",\"interval_ns\":%llu,\"cpus\":%u,\"events\":[",
		       (unsigned long long)h->interval_ns, h->cpus);
	for (int i = 0; i < h->n_events; i++) {
		if (i)
			cjd_buf_putc(b, ',');
		cjd_json_put_str(b, cjd_event_info(h->events[i])->name);
	}
	cjd_buf_puts(b, "],\"created\":");
	cjd_json_put_str(b, h->created);
	cjd_buf_puts(b, ",\"meta\":");
	cjd_buf_puts(b, h->meta ? h->meta : "{}");
	return cjd_buf_puts(b, "}\n");
}
