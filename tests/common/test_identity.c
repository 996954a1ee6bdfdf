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

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_paths), cmocka_unit_test(test_unit)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
