/* common/json_load.c: files read whole or refused with the reason, JSON errors at their line and column. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cjd/common/json_load.h"

static char dir[64];

static const char *write_file(const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_read_file(void **state)
{
	(void)state;
	struct cjd_error err;
	char path[128], *text = (char *)"x";
	size_t len = 7;

	write_file("ok.json", "{\"a\": 1}\n", path, sizeof(path));
	assert_int_equal(cjd_json_read_file(path, 64, "model", &text, &len, &err), 0);
	assert_int_equal(len, 9);
	assert_string_equal(text, "{\"a\": 1}\n");
	free(text);
	/* one byte over the limit */
	assert_int_equal(cjd_json_read_file(path, 8, "model", &text, &len, &err), -EFBIG);
	assert_null(text);
	assert_string_equal(err.file, path);
	assert_string_equal(err.text, "model is larger than 8 bytes");
	assert_int_equal(cjd_json_read_file(dir, 64, "model", &text, &len, &err), -EINVAL);
	assert_string_equal(err.text, "not a regular file");
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	assert_int_equal(cjd_json_read_file(path, 64, "verdict model", &text, &len, &err), -ENOENT);
	assert_string_equal(err.text, "cannot open verdict model: No such file or directory");
}

static void test_parse(void **state)
{
	(void)state;
	struct cjd_error err;
	json_t *root;
	const char *dup = "{\"a\": 1,\n \"a\": 2}";
	const char *bad = "{\n\n  \"a\": nope}";

	assert_int_equal(cjd_json_parse("m.json", "[1]", 3, &root, &err), 0);
	assert_true(json_is_array(root));
	json_decref(root);
	assert_int_equal(cjd_json_parse("m.json", dup, strlen(dup), &root, &err), -EINVAL);
	assert_null(root);
	assert_string_equal(err.file, "m.json");
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.text, "duplicate object key"));
	assert_int_equal(cjd_json_parse("m.json", bad, strlen(bad), &root, &err), -EINVAL);
	assert_int_equal(err.line, 3);
	assert_true(err.column > 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cjd-json-load-%d-XXXXXX", (int)getpid());
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/ok.json", dir);
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
