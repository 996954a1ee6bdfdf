/* Unit tests for the event registry and label rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cjd/common/event.h"
#include "cjd/common/sample.h"

static void test_registry_complete(void **state)
{
	(void)state;
	static const char *const names[] = {"cycles", "instructions", "branches", "branch-misses",
		"cache-references", "cache-misses", "L1-dcache-load-misses", "LLC-load-misses",
		"task-clock", "context-switches", "cpu-migrations", "page-faults", "syscalls"};
	assert_int_equal(CJD_EV__COUNT, 13);
	for (int i = 0; i < CJD_EV__COUNT; i++) {
		const struct cjd_event_info *e = cjd_event_info((enum cjd_event)i);
		assert_non_null(e);
		assert_string_equal(e->name, names[i]);
		assert_int_equal(cjd_event_lookup(names[i]), i);
		assert_non_null(e->unit);
		assert_non_null(e->encoding);
		if (i < CJD_EV_TASK_CLOCK)
			assert_int_equal(e->kind, CJD_EVK_HARDWARE);
	}
	assert_int_equal(cjd_event_info(CJD_EV_TASK_CLOCK)->kind, CJD_EVK_SOFTWARE);
	assert_string_equal(cjd_event_info(CJD_EV_TASK_CLOCK)->unit, "ns");
	assert_int_equal(cjd_event_info(CJD_EV_SYSCALLS)->kind, CJD_EVK_TRACEPOINT);
	assert_null(cjd_event_info(CJD_EV__COUNT));
	assert_int_equal(cjd_event_lookup("Cycles"), -ENOENT);
	assert_int_equal(CJD_EVMASK_HARDWARE | CJD_EVMASK_SOFTWARE, CJD_EVMASK_ALL);
	assert_int_equal(CJD_EVMASK_HARDWARE & CJD_EVMASK_SOFTWARE, 0);
}

static void test_mask_roundtrip(void **state)
{
	(void)state;
	char buf[256], bad[64];
	cjd_event_mask m;

	cjd_event_mask_format(CJD_EVMASK_SOFTWARE, buf, sizeof(buf));
	assert_string_equal(buf, "task-clock,context-switches,cpu-migrations,page-faults,syscalls");
	assert_int_equal(cjd_event_mask_parse(buf, &m, bad, sizeof(bad)), 0);
	assert_int_equal(m, CJD_EVMASK_SOFTWARE);
	assert_int_equal(cjd_event_mask_parse("cycles,bogus", &m, bad, sizeof(bad)), -ENOENT);
	assert_string_equal(bad, "bogus");
	/* a short buffer still reports the needed length */
	assert_int_equal(cjd_event_mask_format(CJD_EVMASK_SOFTWARE, buf, 4), strlen(
		"task-clock,context-switches,cpu-migrations,page-faults,syscalls"));
}

static void test_labels(void **state)
{
	(void)state;
	assert_int_equal(cjd_label_check("benign"), 0);
	assert_int_equal(cjd_label_check("miner"), 0);
	assert_int_equal(cjd_label_check("miner/randomx"), 0);
	assert_int_equal(cjd_label_check("benign/gzip-9"), 0);
	assert_int_equal(cjd_label_check("benign/"), -EINVAL);
	assert_int_equal(cjd_label_check("miners"), -EINVAL);
	assert_int_equal(cjd_label_check("evil/x"), -EINVAL);
	assert_int_equal(cjd_label_check("miner/a b"), -EINVAL);
	assert_true(cjd_label_is_miner("miner/sha256d"));
	assert_false(cjd_label_is_miner("minerx"));
	assert_false(cjd_label_is_miner("benign/miner"));
	assert_false(cjd_label_is_miner(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_complete),
		cmocka_unit_test(test_mask_roundtrip),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
