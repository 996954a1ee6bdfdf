/* Unit tests for allowlist entries: parsing with clear errors, and matching cgroups, images, names, namespaces, pods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cjd/common/allowlist.h"

#define ID64 "4f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

static void test_parse(void **state)
{
	(void)state;
	enum cjd_allow_kind k;
	const char *g;
	char why[400];

	assert_int_equal(cjd_allowlist_parse_entry("/system.slice/*", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_CGROUP);
	assert_string_equal(g, "/system.slice/*");
	assert_int_equal(cjd_allowlist_parse_entry("*batch*", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_CGROUP);
	assert_int_equal(cjd_allowlist_parse_entry("cgroup:/x", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_CGROUP);
	assert_string_equal(g, "/x");
	assert_int_equal(cjd_allowlist_parse_entry("image:nginx:*", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_IMAGE);
	assert_string_equal(g, "nginx:*");
	assert_int_equal(cjd_allowlist_parse_entry("container:web-*", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_CONTAINER);
	assert_int_equal(cjd_allowlist_parse_entry("namespace:kube-system", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_NAMESPACE);
	assert_int_equal(cjd_allowlist_parse_entry("pod:nightly-*", &k, &g, why, sizeof(why)), 0);
	assert_int_equal(k, CJD_ALLOW_POD);

	/* what is wrong, said plainly */
	assert_int_equal(cjd_allowlist_parse_entry("imgae:nginx", &k, &g, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "\"imgae:nginx\": unknown prefix \"imgae:\"; did you mean image:?");
	assert_int_equal(cjd_allowlist_parse_entry("namespaces:x", &k, &g, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "did you mean namespace:?"));
	assert_int_equal(cjd_allowlist_parse_entry("image:", &k, &g, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "\"image:\" has no glob after image:");
	assert_int_equal(cjd_allowlist_parse_entry("nginx", &k, &g, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "neither a cgroup glob (starting with / or *) nor one of image:GLOB"));
	assert_int_equal(cjd_allowlist_parse_entry("docker-*.scope", &k, &g, why, sizeof(why)), -EINVAL);
	assert_int_equal(cjd_allowlist_parse_entry("", &k, &g, why, sizeof(why)), -EINVAL);
}

static void test_match(void **state)
{
	(void)state;
	static const char *const entries[] = {"/system.slice/backup.service", "image:nginx:1.*",
					      "image:registry.example/ci/*", "container:render-*",
					      "namespace:kube-system", "pod:nightly-*"};
	struct cjd_allowlist *al;
	struct cjd_identity id;
	char why[400];

	assert_int_equal(cjd_allowlist_new(&al, entries, 6, why, sizeof(why)), 0);
	assert_true(cjd_allowlist_needs_identity(al));
	assert_string_equal(cjd_allowlist_match(al, "/system.slice/backup.service", NULL),
			    "/system.slice/backup.service");
	assert_null(cjd_allowlist_match(al, "/system.slice/cron.service", NULL));

	cjd_identity_parse("/docker/" ID64, &id);
	/* names unknown: only cgroup globs can match (an unknown container alerts) */
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, &id));
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, NULL));

	/* Docker Hub images match in their short form too */
	cjd_identity_set_image(&id, "docker.io/library/nginx:1.25");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "image:nginx:1.*");
	cjd_identity_set_image(&id, "nginx:1.25");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "image:nginx:1.*");
	cjd_identity_set_image(&id, "nginx:2.0");
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, &id));
	cjd_identity_set_image(&id, "evil.example/nginx:1.25"); /* another registry's nginx is not it */
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, &id));
	cjd_identity_set_image(&id, "registry.example/ci/builder:7");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "image:registry.example/ci/*");
	cjd_identity_set_image(&id, "xmrig:latest");
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, &id));

	strcpy(id.name, "render-3");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "container:render-*");
	strcpy(id.name, "web-1");
	assert_null(cjd_allowlist_match(al, "/docker/" ID64, &id));
	strcpy(id.namespace, "kube-system");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "namespace:kube-system");
	strcpy(id.namespace, "default");
	strcpy(id.pod_name, "nightly-build-1");
	assert_string_equal(cjd_allowlist_match(al, "/docker/" ID64, &id), "pod:nightly-*");
	cjd_allowlist_free(al);

	/* a bad entry names its position */
	static const char *const bad[] = {"/ok", "contianer:x"};
	assert_int_equal(cjd_allowlist_new(&al, bad, 2, why, sizeof(why)), -EINVAL);
	assert_null(al);
	assert_string_equal(why, "allowlist entry 2: \"contianer:x\": unknown prefix \"contianer:\"; "
				 "did you mean container:?");
	/* cgroup globs only: no identity needed; empty: matches nothing */
	assert_int_equal(cjd_allowlist_new(&al, entries, 1, why, sizeof(why)), 0);
	assert_false(cjd_allowlist_needs_identity(al));
	cjd_allowlist_free(al);
	assert_int_equal(cjd_allowlist_new(&al, NULL, 0, why, sizeof(why)), 0);
	assert_null(cjd_allowlist_match(al, "/x", NULL));
	cjd_allowlist_free(al);
	cjd_allowlist_free(NULL);
	assert_null(cjd_allowlist_match(NULL, "/x", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse), cmocka_unit_test(test_match)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
