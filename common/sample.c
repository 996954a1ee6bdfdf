/* Helpers on the canonical sample: clearing and label rules. */
#include <errno.h>
#include <string.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"

void cjd_sample_clear(struct cjd_sample *s)
{
	memset(s, 0, sizeof(*s));
}

static int label_tail_ok(const char *p)
{
	size_t n = 0;

	for (; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '+' || c == '-' || c == '/'))
			return 0;
	}
	return n >= 1 && n <= 64;
}

int cjd_label_check(const char *label)
{
	static const char *const classes[] = {"benign", "miner"};

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(classes[i]);
		if (strncmp(label, classes[i], n) != 0)
			continue;
		if (label[n] == '\0')
			return 0;
		if (label[n] == '/' && label_tail_ok(label + n + 1))
			return 0;
	}
	return -EINVAL;
}

bool cjd_label_is_miner(const char *label)
{
	return label && strncmp(label, "miner", 5) == 0 && (label[5] == '\0' || label[5] == '/');
}

int cjd_sample_check_basic(const struct cjd_sample *s, struct cjd_error *err)
{
	if (!s->cgroup)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "sample without a cgroup");
	if (s->dt_ns == 0)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "sample of cgroup \"%s\" has dt_ns 0",
				     s->cgroup);
	return 0;
}
