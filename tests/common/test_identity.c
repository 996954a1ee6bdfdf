/* Unit tests for container identity parsing from cgroup paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cjd/common/identity.h"

#define ID64 "4f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
#define UID "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
#define UID_ "1b2c3d4e_5f60_4718_9a0b_1c2d3e4f5a6b"

static void check(const char *path, enum cjd_runtime rt, const char *cid, const char *pod,
		  const char *qos)
{
	struct cjd_identity id;
	cjd_identity_parse(path, &id);
	if (id.runtime != rt || strcmp(id.container_id, cid) || strcmp(id.pod_uid, pod) ||
	    strcmp(id.qos, qos))
		fail_msg("%s: runtime=%d id=%s pod=%s qos=%s", path, id.runtime, id.container_id,
			 id.pod_uid, id.qos);
}

static void test_paths(void **state)
{
	(void)state;
	check("/system.slice/docker-" ID64 ".scope", CJD_RUNTIME_DOCKER, ID64, "", "");
	check("/docker/" ID64, CJD_RUNTIME_DOCKER, ID64, "", "");
	check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	      ".slice/cri-containerd-" ID64 ".scope",
	      CJD_RUNTIME_CONTAINERD, ID64, UID, "burstable");
	check("/kubepods/besteffort/pod" UID "/" ID64, CJD_RUNTIME_CONTAINERD, ID64, UID, "besteffort");
	check("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID64 ".scope", CJD_RUNTIME_CRIO,
	      ID64, UID, "guaranteed");
	check("/machine.slice/libpod-" ID64 ".scope", CJD_RUNTIME_PODMAN, ID64, "", "");
	check("/user.slice/user-1000.slice/session-2.scope", CJD_RUNTIME_NONE, "", "", "");
	check("/", CJD_RUNTIME_NONE, "", "", "");
	check("", CJD_RUNTIME_NONE, "", "", "");
	/* near misses are not identities */
	check("/system.slice/docker-" "4f1c2a" ".scope", CJD_RUNTIME_NONE, "", "", "");
	check("/system.slice/docker-" "4F1C2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7" ".scope",
	      CJD_RUNTIME_NONE, "", "", "");
	check("/kubepods/burstable/podnot-a-uid/x", CJD_RUNTIME_NONE, "", "", "burstable");
}

static void test_unit(void **state)
{
	(void)state;
	struct cjd_identity id;
	cjd_identity_parse("/system.slice/docker-" ID64 ".scope", &id);
	assert_string_equal(id.unit, "docker-" ID64 ".scope");
	assert_string_equal(cjd_runtime_name(id.runtime), "docker");
}

static void test_image_split(void **state)
{
	(void)state;
	static const struct {
		const char *ref, *name, *tag;
	} cases[] = {
		{"nginx:1.25", "nginx", "1.25"},
		{"nginx", "nginx", ""},
		{"docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25"},
		{"registry:5000/team/web", "registry:5000/team/web", ""}, /* a port is not a tag */
		{"registry:5000/team/web:2.0@sha256:0123", "registry:5000/team/web", "2.0"},
		{"web@sha256:0123", "web", ""},
		{"sha256:" ID64, "sha256:" ID64, ""}, /* an image id stays whole */
		{"", "", ""},
	};
	struct cjd_identity id;
	char ref[700];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&id, 0, sizeof(id));
		cjd_identity_set_image(&id, cases[i].ref);
		if (strcmp(id.image, cases[i].name) || strcmp(id.image_tag, cases[i].tag))
			fail_msg("%s: name '%s' tag '%s'", cases[i].ref, id.image, id.image_tag);
	}
	cjd_identity_set_image(&id, "nginx:1.25");
	assert_string_equal(cjd_identity_image_ref(&id, ref, sizeof(ref)), "nginx:1.25");
	cjd_identity_set_image(&id, NULL);
	assert_string_equal(cjd_identity_image_ref(&id, ref, sizeof(ref)), "");
}

static void test_set_bounded(void **state)
{
	(void)state;
	char f[6];
	assert_false(cjd_identity_set(f, sizeof(f), "abc"));
	assert_string_equal(f, "abc");
	assert_true(cjd_identity_set(f, sizeof(f), "abcdefgh"));
	assert_string_equal(f, "abcde");
	/* "abcd" + a two-byte character: cut before it, never inside */
	assert_true(cjd_identity_set(f, sizeof(f), "abcd\xc3\xa9"));
	assert_string_equal(f, "abcd");
	/* a four-byte character at the edge */
	assert_true(cjd_identity_set(f, sizeof(f), "ab\xf0\x9f\x98\x80"));
	assert_string_equal(f, "ab");
	assert_false(cjd_identity_set(f, sizeof(f), NULL));
	assert_string_equal(f, "");
}

static void test_describe(void **state)
{
	(void)state;
	struct cjd_identity id;
	char buf[600];

	cjd_identity_parse("/user.slice/session-2.scope", &id);
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)), "");
	cjd_identity_parse("/docker/" ID64, &id);
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)), "container 4f1c2a3b4c5d");
	strcpy(id.name, "web-1");
	cjd_identity_set_image(&id, "nginx:1.25");
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)),
			    "container web-1 (image nginx:1.25)");
	strcpy(id.pod_name, "web-1");
	strcpy(id.namespace, "default");
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)),
			    "container web-1 (image nginx:1.25, pod default/web-1)");
	id.image[0] = '\0';
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)),
			    "container web-1 (pod default/web-1)");
	id.pod_name[0] = '\0';
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)),
			    "container web-1 (namespace default)");
	/* a pod's sandbox: no container name */
	memset(&id, 0, sizeof(id));
	strcpy(id.pod_name, "batch-5f6c");
	strcpy(id.namespace, "jobs");
	assert_string_equal(cjd_identity_describe(&id, buf, sizeof(buf)), "pod jobs/batch-5f6c");
	/* bounded: always terminated */
	cjd_identity_parse("/docker/" ID64, &id);
	strcpy(id.name, "a-rather-long-container-name");
	assert_int_equal(strlen(cjd_identity_describe(&id, buf, 12)), 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_paths), cmocka_unit_test(test_unit),
					   cmocka_unit_test(test_image_split),
					   cmocka_unit_test(test_set_bounded),
					   cmocka_unit_test(test_describe)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
