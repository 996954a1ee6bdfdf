/* CURVE key file tests: keygen output and modes, strict reading, the clients directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cjd/publish/curve_keys.h"
#include "cjd/publish/curve_zap.h"
#include "zt.h"

static char *dir;

static const char *file_with(const char *name, const char *text, mode_t mode)
{
	static char path[4][400];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 400, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static void test_keygen_and_read(void **state)
{
	(void)state;
	char base[300], path[320];
	struct cjd_curve_keypair kp, rd;
	struct cjd_error err;
	struct stat st;

	snprintf(base, sizeof(base), "%s/server", dir);
	assert_int_equal(cjd_curve_keygen(base, false, &kp, &err), 0);
	snprintf(path, sizeof(path), "%s.key", base);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cjd_curve_read(path, true, false, &rd, &err), 0);
	assert_string_equal(rd.public_z85, kp.public_z85);
	assert_string_equal(rd.secret_z85, kp.secret_z85);
	snprintf(path, sizeof(path), "%s.pub", base);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(cjd_curve_read(path, false, true, &rd, &err), 0);
	assert_string_equal(rd.public_z85, kp.public_z85);
	assert_string_equal(rd.secret_z85, "");
	/* the .pub is not a secret key file */
	assert_int_equal(cjd_curve_read(path, true, false, &rd, &err), -EINVAL);
	assert_non_null(strstr(err.text, "no secret-key"));

	/* never overwritten by accident; --force replaces and restores the mode */
	assert_int_equal(cjd_curve_keygen(base, false, NULL, &err), -EEXIST);
	assert_non_null(strstr(err.file, "server.key"));
	snprintf(path, sizeof(path), "%s.key", base);
	chmod(path, 0644);
	assert_int_equal(cjd_curve_keygen(base, true, &rd, &err), 0);
	assert_string_not_equal(rd.public_z85, kp.public_z85);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

struct bad_case {
	const char *text;
	bool secret;
	int line;
	const char *words;
};

static void test_malformed_files(void **state)
{
	(void)state;
	char pub[41], sec[41], good_pair[200], mismatch[200], other_pub[41], other_sec[41];
	zmq_curve_keypair(pub, sec);
	zmq_curve_keypair(other_pub, other_sec);
	snprintf(good_pair, sizeof(good_pair), "public-key = %s\nsecret-key = %s\n", pub, sec);
	snprintf(mismatch, sizeof(mismatch), "public-key = %s\nsecret-key = %s\n", other_pub, sec);
	char dup[200], secret_in_pub[200], short_key[100], bad_char[100];
	snprintf(dup, sizeof(dup), "# comment\n\npublic-key = %s\npublic-key = %s\n", pub, pub);
	snprintf(secret_in_pub, sizeof(secret_in_pub), "secret-key = %s\n", sec);
	snprintf(short_key, sizeof(short_key), "public-key = %.39s\n", pub);
	snprintf(bad_char, sizeof(bad_char), "public-key = %.10s\"%.29s\n", pub, pub + 11);

	const struct bad_case cases[] = {
		{"hello world\n", false, 1, "expected 'public-key"},
		{"colour = blue\n", false, 1, "unknown name 'colour'"},
		{dup, false, 4, "given twice"},
		{short_key, false, 1, "must be 40 Z85 characters, not 39"},
		{bad_char, false, 1, "is not a Z85 character"},
		{"# only a comment\n", false, 0, "no public-key line"},
		{secret_in_pub, false, 1, "does not belong here"},
		{mismatch, true, 0, "does not belong to secret-key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cjd_curve_keypair kp;
		struct cjd_error err;
		const char *p = file_with("bad.key", cases[i].text, 0600);
		/* case 7 reads as a clients-dir file; the others as the role they claim */
		bool refuse = i == 6;
		int rc = cjd_curve_read(p, cases[i].secret, refuse, &kp, &err);
		if (rc != -EINVAL || err.line != cases[i].line || !strstr(err.text, cases[i].words))
			fail_msg("case %zu: rc %d line %d text '%s'", i, rc, err.line, err.text);
		assert_string_equal(err.file, p);
	}
	/* a secret key that others can read is refused, like ssh does */
	struct cjd_curve_keypair kp;
	struct cjd_error err;
	const char *p = file_with("open.key", good_pair, 0644);
	assert_int_equal(cjd_curve_read(p, true, false, &kp, &err), -EPERM);
	assert_non_null(strstr(err.text, "chmod 600"));
	p = file_with("ok.key", good_pair, 0600);
	assert_int_equal(cjd_curve_read(p, true, false, &kp, &err), 0);
	assert_string_equal(kp.public_z85, pub);
	/* a secret-key line alone is enough: the public key is derived */
	char only_secret[100];
	snprintf(only_secret, sizeof(only_secret), "secret-key = %s\n", sec);
	p = file_with("derive.key", only_secret, 0600);
	assert_int_equal(cjd_curve_read(p, true, false, &kp, &err), 0);
	assert_string_equal(kp.public_z85, pub);
	assert_int_equal(cjd_curve_read("/nonexistent/x.key", true, false, &kp, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/x.key");
}

static void test_clients_dir(void **state)
{
	(void)state;
	char clients[400], base[420];
	struct cjd_zap *zap = NULL;
	struct cjd_error err;
	void *zctx = zmq_ctx_new();

	snprintf(clients, sizeof(clients), "%s/clients", dir);
	mkdir(clients, 0755);
	/* empty: allowed, refuses everyone */
	assert_int_equal(cjd_zap_start(&zap, zctx, clients, &err), 0);
	assert_int_equal(cjd_zap_client_count(zap), 0);
	zmq_ctx_shutdown(zctx);
	cjd_zap_stop(zap);
	zmq_ctx_term(zctx);

	snprintf(base, sizeof(base), "%s/alice", clients);
	assert_int_equal(cjd_curve_keygen(base, false, NULL, &err), 0);
	/* alice.key (a secret) sits in the clients dir by mistake: refused, with its name */
	zctx = zmq_ctx_new();
	assert_int_equal(cjd_zap_start(&zap, zctx, clients, &err), -EINVAL);
	assert_non_null(strstr(err.file, "alice.key"));
	assert_int_equal(err.line, 4);
	snprintf(base, sizeof(base), "%s/alice.key", clients);
	unlink(base);
	/* a hidden file is ignored, a subdirectory too */
	file_with("clients/.README", "not a key\n", 0644);
	snprintf(base, sizeof(base), "%s/sub", clients);
	mkdir(base, 0755);
	assert_int_equal(cjd_zap_start(&zap, zctx, clients, &err), 0);
	assert_int_equal(cjd_zap_client_count(zap), 1);
	zmq_ctx_shutdown(zctx);
	cjd_zap_stop(zap);
	zmq_ctx_term(zctx);

	zctx = zmq_ctx_new();
	assert_int_equal(cjd_zap_start(&zap, zctx, "/nonexistent-dir", &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent-dir");
	zmq_ctx_term(zctx);
}

static int setup(void **state)
{
	(void)state;
	return zt_setup("curve", false, &dir, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return zt_teardown(&dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_and_read),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_clients_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
