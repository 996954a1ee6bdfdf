/* cjd bench: the benchmarks run and say what they measured, each SIMD tier ran or says why not (never their timings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/bench/emulation.h"
#include "cjd/detector/simd.h"
#include "kernels.h"
#include "run_cjd.h"

/*
 * A bench table's rows: one per tier (features: plus plain -O3). A tier this
 * process can run ran; one this build lacks was skipped with the reason
 * cjd_simd_why_not gives; any other may go either way (under valgrind this
 * test sees fewer CPU features than the cjd it spawns), but a skip says why.
 */
static void check_rows(json_t *rows, bool features)
{
	size_t extra = features ? 1 : 0;

	assert_int_equal(json_array_size(rows), CJD_SIMD__COUNT + extra);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
		enum cjd_simd_tier t = i <= extra ? CJD_SIMD_SCALAR : (enum cjd_simd_tier)(i - extra);
		bool ran = json_is_true(json_object_get(r, "ran"));
		const char *skipped = json_string_value(json_object_get(r, "skipped"));
		if (!ran && cjd_simd_cpu_supports(t))
			fail_msg("row %zu (%s) skipped on a CPU that supports it: %s", i,
				 json_string_value(json_object_get(r, "name")), skipped);
		if (!cjd_kernels(t))
			assert_string_equal(skipped, cjd_simd_why_not(t));
		if (!ran)
			assert_true(skipped && *skipped);
	}
}

/* The benchmarks run and say what they measured (no timing is checked here:
 * speed is the benchmark's business, not a unit test's). */
static void test_bench_smoke(void **state)
{
	(void)state;
	int code;
	json_error_t je;
	char why[160];
	const char *env = getenv("CJD_EMULATOR");
	char *saved = env ? strdup(env) : NULL;

	/* Without CJD_EMULATOR, the label follows /proc/cpuinfo as this process sees it. */
	unsetenv("CJD_EMULATOR");
	bool emulated = cjd_bench_emulated(why, sizeof(why));
	char *out = run_cjd("bench features --cgroups 40 --reps 1 --window 8 --set sw --json", &code);
	assert_int_equal(code, 0);
	json_t *j = json_loads(out, 0, &je);
	assert_non_null(j);
	if (emulated)
		assert_string_equal(json_string_value(json_object_get(j, "emulated")), why);
	else
		assert_true(json_is_null(json_object_get(j, "emulated")));
	json_t *run = json_array_get(json_object_get(j, "runs"), 0);
	check_rows(json_object_get(run, "rows"), true);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(run, "rows"), 0),
						 "ran")));
	assert_true(json_number_value(json_object_get(run, "bandwidth_gbs")) > 0);
	json_decref(j);
	free(out);

	setenv("CJD_EMULATOR", "test-emulator", 1);
	out = run_cjd("bench gbdt --cgroups 40 --reps 1 --trees 3 --depth 4 --set sw --json", &code);
	assert_int_equal(code, 0);
	j = json_loads(out, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "emulated")),
			    "CJD_EMULATOR=test-emulator");
	run = json_array_get(json_object_get(j, "runs"), 0);
	assert_true(json_is_true(json_object_get(run, "synthetic_model")));
	assert_int_equal(json_integer_value(json_object_get(run, "features")), 30);
	check_rows(json_object_get(run, "rows"), false);
	json_decref(j);
	free(out);
	out = run_cjd("bench gbdt --cgroups 40 --reps 1 --trees 3 --depth 4 --set sw 2>/dev/null",
		      &code);
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "EMULATED (CJD_EMULATOR=test-emulator): these times measure "
				    "the emulator"));
	free(out);
	if (saved)
		setenv("CJD_EMULATOR", saved, 1);
	else
		unsetenv("CJD_EMULATOR");
	free(saved);

	out = run_cjd("bench tick --cgroups 40 --reps 1 --trees 3 --depth 2 --set hw --json", &code);
	assert_int_equal(code, 0);
	j = json_loads(out, 0, &je);
	assert_non_null(j);
	run = json_array_get(json_object_get(j, "runs"), 0);
	assert_true(json_is_true(json_object_get(run, "synthetic_model")));
	assert_int_equal(json_integer_value(json_object_get(run, "features")), 36);
	check_rows(json_object_get(run, "rows"), false);
	json_decref(j);
	free(out);

	out = run_cjd("bench nothing 2>&1", &code);
	assert_int_equal(code, 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_smoke),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
