/* The combined verdict: the shipped rule on real inspections, screening alone, missing probes, bad model files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/verdict.h"

static struct cjd_verdict_model *rule;

/* $CJD_VERDICT_TEST_MODELS/verdict-rule.json, the shipped rule. */
static int setup(void **state)
{
	char path[512];
	struct cjd_error err = { 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/verdict-rule.json", getenv("CJD_VERDICT_TEST_MODELS"));
	if (cjd_verdict_model_load(path, &rule, &err)) {
		fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.column, err.text);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cjd_verdict_model_free(rule);
	return 0;
}

/* The features of a real inspection (tests/evidence/data/inspect/NAME.json). */
static void evidence(const char *name, struct cjd_evfeat *f)
{
	char path[512];
	struct cjd_error err = { 0 };
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/inspect/%s.json", getenv("CJD_EVIDENCE_TEST_DATA"), name);
	j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("%s: %s", path, je.text);
	if (cjd_evfeat_from_json(j, f, &err))
		fail_msg("%s: %s", name, err.text);
	json_decref(j);
}

static void verdict(const char *name, double screen, struct cjd_verdict *v)
{
	struct cjd_evfeat f;
	struct cjd_error err = { 0 };

	evidence(name, &f);
	if (cjd_verdict_score(rule, screen, &f, v, &err))
		fail_msg("%s: %s", name, err.text);
}

/* The finding of probe p containing text, or NULL. */
static const json_t *finding(const struct cjd_verdict *v, const char *probe, const char *text)
{
	size_t i;
	json_t *o;

	json_array_foreach(v->findings, i, o) {
		if (!strcmp(json_string_value(json_object_get(o, "probe")), probe) &&
		    strstr(json_string_value(json_object_get(o, "finding")), text))
			return o;
	}
	return NULL;
}

static void test_name(void **state)
{
	(void)state;
	assert_string_equal(cjd_verdict_model_name(rule), "verdict-rule");
	assert_string_equal(cjd_verdict_level_name(CJD_VERDICT_HIGH), "high");
	assert_null(cjd_verdict_level_name((enum cjd_verdict_level)4));
}

/* RandomX: round-toward-zero is mining-specific; the verdict is HIGH and says why. */
static void test_randomx_high(void **state)
{
	struct cjd_verdict v;
	const json_t *f;

	(void)state;
	verdict("randomx-light", 0.9, &v);
	assert_int_equal(v.level, CJD_VERDICT_HIGH);
	assert_true(v.mining_specific);
	assert_true(v.score > 0.99);
	f = finding(&v, "fpstate", "round-toward-zero");
	assert_non_null(f);
	assert_true(json_real_value(json_object_get(f, "weight")) == 5.0);
	/* a rule's finding names its rule; the screening's does not */
	assert_string_equal(json_string_value(json_object_get(f, "rule")), "rounding-toward-zero");
	assert_null(json_object_get(finding(&v, "screening", "0.90"), "rule"));
	assert_non_null(strstr(json_string_value(json_object_get(f, "finding")), "1 thread(s)"));
	assert_non_null(strstr(json_string_value(json_object_get(f, "finding")), "(67 % of the threads"));
	assert_non_null(finding(&v, "codesample", "anonymous executable memory"));
	assert_non_null(finding(&v, "network", "stratum"));
	assert_non_null(finding(&v, "screening", "0.90"));
	assert_null(finding(&v, "fpstate", "None of a miner's signs"));
	cjd_verdict_clear(&v);
	/* even with a low screening score (a throttled miner) the evidence decides */
	verdict("randomx-light", 0.1, &v);
	assert_int_equal(v.level, CJD_VERDICT_HIGH);
	cjd_verdict_clear(&v);
}

/* A rounding-mode sweep through toward-zero without FTZ/DAZ (a numerical test, the held-out
 * roundsweep) is not mining-specific: RandomX's VM runs with FTZ and DAZ set. */
static void test_toward_zero_needs_ftz(void **state)
{
	struct cjd_evfeat f;
	struct cjd_error err = { 0 };
	struct cjd_verdict v;
	const json_t *o;

	(void)state;
	evidence("randomx-light", &f);
	f.v[CJD_EVFEAT_fp_ftz_share] = 0;
	f.v[CJD_EVFEAT_fp_daz_share] = 0;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_false(v.mining_specific);
	assert_int_not_equal(v.level, CJD_VERDICT_HIGH);
	assert_null(finding(&v, "fpstate", "ran in round-toward-zero"));
	o = finding(&v, "fpstate", "no thread had flush-to-zero");
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "rounding-all-modes-ieee");
	cjd_verdict_clear(&v);
	/* FTZ seen but not DAZ: not the VM's state either */
	evidence("randomx-light", &f);
	f.v[CJD_EVFEAT_fp_daz_share] = 0;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_false(v.mining_specific);
	cjd_verdict_clear(&v);
}

/* CryptoNight: AES with 64-bit multiplies in a tiny loop is mining-specific. */
static void test_cryptonight_high(void **state)
{
	struct cjd_verdict v;

	(void)state;
	verdict("cryptonight", 0.9, &v);
	assert_true(v.mining_specific);
	assert_int_equal(v.level, CJD_VERDICT_HIGH);
	assert_non_null(finding(&v, "codesample", "CryptoNight"));
	cjd_verdict_clear(&v);
}

/* A sha256d stratum client: the connection supports, but nothing is mining-specific. */
static void test_sha256d_medium(void **state)
{
	struct cjd_verdict v;

	(void)state;
	verdict("sha256d-stratum", 0.9, &v);
	assert_false(v.mining_specific);
	assert_int_equal(v.level, CJD_VERDICT_MEDIUM);
	assert_non_null(finding(&v, "network", "stratum"));
	cjd_verdict_clear(&v);
}

/* The same client with its pool's messages found in its memory (the stratum probe): that is
 * mining-specific; one marker alone (a "blob" key, say) is not. */
static void test_sha256d_stratum_messages(void **state)
{
	struct cjd_evfeat f;
	struct cjd_verdict v;
	struct cjd_error err = { 0 };
	const json_t *o;

	(void)state;
	evidence("sha256d-stratum", &f);
	f.v[CJD_EVFEAT_st_markers] = 4;
	f.v[CJD_EVFEAT_st_processes] = 1;
	f.present |= UINT64_C(1) << CJD_EVFEAT_st_markers | UINT64_C(1) << CJD_EVFEAT_st_processes;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_true(v.mining_specific);
	assert_int_equal(v.level, CJD_VERDICT_HIGH);
	assert_non_null(o = finding(&v, "stratum", "4 distinct mining-pool protocol markers"));
	assert_non_null(strstr(json_string_value(json_object_get(o, "finding")),
			       "1 of them holding a pool conversation"));
	cjd_verdict_clear(&v);
	f.v[CJD_EVFEAT_st_markers] = 1;
	f.v[CJD_EVFEAT_st_processes] = 0;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_false(v.mining_specific);
	assert_null(finding(&v, "stratum", "mining-pool"));
	cjd_verdict_clear(&v);
	/* a batch worker's JSON-RPC words (job_id, login, job, submit) and no word of a pool's:
	 * not mining-specific, and its stratum-shaped connection counts against it */
	f.v[CJD_EVFEAT_st_markers] = 4;
	f.v[CJD_EVFEAT_st_processes] = 0;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_false(v.mining_specific);
	assert_null(finding(&v, "stratum", "distinct mining-pool"));
	assert_non_null(finding(&v, "network", "no process of the cgroup holds a mining-pool"));
	cjd_verdict_clear(&v);
}

/* Flat, CPU-bound benign programs that screening flags: the evidence keeps them down. */
static void test_benign_low(void **state)
{
	static const char *const names[] = { "sha256sum", "numeric-fastmath", "interval" };
	struct cjd_verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		verdict(names[i], 0.95, &v);
		if (v.level > CJD_VERDICT_LOW || v.mining_specific)
			fail_msg("%s: level %s, score %.3f", names[i], cjd_verdict_level_name(v.level),
				 v.score);
		assert_non_null(finding(&v, "fpstate", "None of a miner's signs"));
		cjd_verdict_clear(&v);
	}
	verdict("interval", 0.95, &v);
	assert_non_null(finding(&v, "fpstate", "only among nearest, up and down"));
	cjd_verdict_clear(&v);
	verdict("numeric-fastmath", 0.95, &v);
	assert_non_null(finding(&v, "fpstate", "-ffast-math"));
	cjd_verdict_clear(&v);
	verdict("node", 0.95, &v);
	assert_false(v.mining_specific);
	assert_true(v.level < CJD_VERDICT_HIGH);
	cjd_verdict_clear(&v);
}

/* More screening score never lowers the verdict. */
static void test_monotone(void **state)
{
	struct cjd_verdict a, b;

	(void)state;
	verdict("sha256d-stratum", 0.3, &a);
	verdict("sha256d-stratum", 0.7, &b);
	assert_true(b.score > a.score);
	cjd_verdict_clear(&a);
	cjd_verdict_clear(&b);
}

/* No inspection: the screening score alone, never HIGH, and the finding says so. */
static void test_no_evidence(void **state)
{
	struct cjd_error err = { 0 };
	struct cjd_verdict v;

	(void)state;
	assert_int_equal(cjd_verdict_score(rule, 0.97, NULL, &v, &err), 0);
	assert_true(v.score == 0.97);
	assert_int_equal(v.level, CJD_VERDICT_MEDIUM);
	assert_false(v.mining_specific);
	assert_int_equal(json_array_size(v.findings), 1);
	assert_non_null(finding(&v, "screening", "No evidence was gathered"));
	cjd_verdict_clear(&v);
	assert_int_equal(cjd_verdict_score(rule, 0.1, NULL, &v, &err), 0);
	assert_int_equal(v.level, CJD_VERDICT_NONE);
	cjd_verdict_clear(&v);
	assert_int_equal(cjd_verdict_score(rule, 1.5, NULL, &v, &err), -EINVAL);
	assert_non_null(strstr(err.text, "not in 0..1"));
	assert_null(v.findings);
	cjd_verdict_clear(NULL);
}

/* Probes that measured nothing are named as missing evidence, and no rule fires on them. */
static void test_missing_probes(void **state)
{
	struct cjd_evfeat f = { 0 };
	struct cjd_error err = { 0 };
	struct cjd_verdict v;

	(void)state;
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_int_equal(json_array_size(v.findings), 6); /* 5 probes + screening */
	assert_non_null(finding(&v, "fpstate", "measured nothing"));
	assert_non_null(finding(&v, "memory", "measured nothing"));
	assert_null(json_object_get(finding(&v, "memory", "measured nothing"), "rule"));
	assert_false(v.mining_specific);
	/* bias -3 + 3 * 0.9: nothing else counts */
	assert_true(v.score > 0.42 && v.score < 0.43);
	cjd_verdict_clear(&v);

	evidence("randomx-light", &f);
	f.present &= ~(UINT64_C(1) << CJD_EVFEAT_fp_toward_zero_threads);
	assert_int_equal(cjd_verdict_score(rule, 0.9, &f, &v, &err), 0);
	assert_null(finding(&v, "fpstate", "round-toward-zero"));
	assert_false(v.mining_specific);
	assert_int_equal(v.level, CJD_VERDICT_MEDIUM);
	cjd_verdict_clear(&v);
}

/* A learned model: terms with means, scales and a value for absent features. */
static void test_terms(void **state)
{
	static const char model[] =
		"{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"lr\",\"bias\":0,\"screen_weight\":0,\n"
		" \"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		" \"terms\":[{\"feature\":\"mix_aes\",\"weight\":2,\"mean\":0.5,\"scale\":0.25,\"absent\":-1}],\n"
		" \"rules\":[{\"id\":\"aes\",\"when\":[{\"feature\":\"mix_aes\",\"op\":\">\",\"value\":0.9}],\n"
		"   \"weight\":0,\"mining_specific\":true,\"finding\":\"AES {mix_aes%} ({mix_aes})\"}]}";
	struct cjd_verdict_model *m;
	struct cjd_error err = { 0 };
	struct cjd_evfeat f = { 0 };
	struct cjd_verdict v;

	(void)state;
	assert_int_equal(cjd_verdict_model_load_string("lr.json", model, sizeof(model) - 1, &m, &err), 0);
	f.v[CJD_EVFEAT_mix_aes] = 1.0;
	f.present = UINT64_C(1) << CJD_EVFEAT_mix_aes;
	assert_int_equal(cjd_verdict_score(m, 0.5, &f, &v, &err), 0);
	/* z = 2 * (1 - 0.5) / 0.25 = 4 */
	assert_true(v.score > 0.982 && v.score < 0.983);
	assert_int_equal(v.level, CJD_VERDICT_HIGH);
	assert_non_null(finding(&v, "codesample", "AES 100 % (1)"));
	assert_true(json_real_value(json_object_get(finding(&v, "codesample", "AES"), "weight")) == 4.0);
	cjd_verdict_clear(&v);
	f.present = 0;
	assert_int_equal(cjd_verdict_score(m, 0.5, &f, &v, &err), 0);
	assert_true(v.score > 0.268 && v.score < 0.269); /* z = -1 */
	cjd_verdict_clear(&v);
	cjd_verdict_model_free(m);
	cjd_verdict_model_free(NULL);
}

/* Each bad file gets the file, the line and column and what is wrong. */
static void test_bad_models(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"format\":\"cjd-model\"}", "m.json:1:11: format: is \"cjd-model\", expected \"cjd-verdict\"" },
		{ "{\"format\":\"cjd-verdict\",\"version\":2}", "m.json:1:35: version: \"version\" must be 1" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"nmae\":\"x\"}", "m.json:1:37: nmae: unknown key \"nmae\"" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1}",
		  "m.json:1:1: \"levels\" {\"low\", \"medium\", \"high\"} is missing" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.6,\"medium\":0.5,\"high\":0.8}}",
		  "m.json:2:10: levels: low <= medium <= high is not true (0.6, 0.5, 0.8)" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		  "\"terms\":[{\"feature\":\"mix_aess\",\"weight\":1}]}",
		  "m.json:3:21: terms[0].feature: unknown evidence feature \"mix_aess\"" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		  "\"terms\":[{\"feature\":\"mix_aes\",\"weight\":1,\"scale\":0}]}",
		  "m.json:3:50: terms[0].scale: 0 is out of range" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		  "\"rules\":[{\"id\":\"r\",\"weight\":1,\"finding\":\"f\",\"when\":[{\"feature\":\"mix_aes\",\"op\":\"=>\",\"value\":1}]}]}",
		  "m.json:3:79: rules[0].when[0].op: unknown operator \"=>\"" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		  "\"rules\":[{\"id\":\"r\",\"weight\":1,\"finding\":\"{mix_fp}\",\"when\":[{\"feature\":\"mix_aes\",\"op\":\">\",\"value\":1}]}]}",
		  "m.json:3:41: rules[0].finding: placeholder {mix_fp} is not a feature of the rule's conditions" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":0,\"screen_weight\":1,\n"
		  "\"levels\":{\"low\":0.2,\"medium\":0.5,\"high\":0.8},\n"
		  "\"rules\":[{\"id\":\"r\",\"weight\":1,\"finding\":\"f\",\"when\":[]}]}",
		  "m.json:3:52: rules[0].when: \"when\" is an array of 1 to 8 conditions" },
		{ "{\"format\":\"cjd-verdict\",\"version\":1,\"name\":\"x\",\"bias\":\"0\"}",
		  "m.json:1:55: bias: expected a number" },
		{ "{\"format\":\"cjd-verdict\",", "m.json:1:24: string or '}' expected near end of file" },
	};
	struct cjd_verdict_model *m = NULL;
	struct cjd_error err;
	char buf[600];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(cjd_verdict_model_load_string("m.json", bad[i].text, strlen(bad[i].text), &m, &err),
				 -EINVAL);
		assert_null(m);
		cjd_error_format(&err, buf, sizeof(buf));
		if (strncmp(buf, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, buf, bad[i].msg);
	}
	assert_int_equal(cjd_verdict_model_load("/nonexistent/v.json", &m, &err), -ENOENT);
	assert_non_null(strstr(err.text, "cannot open verdict model"));
}

/* The default model is found as the screening models are. */
static void test_default_path(void **state)
{
	const char *dirs[] = { "/nonexistent-a", getenv("CJD_VERDICT_TEST_MODELS") };
	struct cjd_error err = { 0 };
	char path[512];

	(void)state;
	unsetenv("CJD_MODEL_DIR");
	assert_int_equal(cjd_verdict_default_path(dirs, 2, path, sizeof(path), &err), 0);
	assert_non_null(strstr(path, "/verdict-rule.json"));
	assert_int_equal(cjd_verdict_default_path(dirs, 1, path, sizeof(path), &err), -ENOENT);
	assert_string_equal(err.text, "no verdict model found: looked for verdict-rule.json in "
				      "/nonexistent-a (give one with --model, or set CJD_MODEL_DIR)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),           cmocka_unit_test(test_randomx_high),
		cmocka_unit_test(test_cryptonight_high), cmocka_unit_test(test_sha256d_medium),
		cmocka_unit_test(test_sha256d_stratum_messages),
		cmocka_unit_test(test_benign_low),     cmocka_unit_test(test_monotone),
		cmocka_unit_test(test_no_evidence),    cmocka_unit_test(test_missing_probes),
		cmocka_unit_test(test_terms),          cmocka_unit_test(test_bad_models),
		cmocka_unit_test(test_default_path),   cmocka_unit_test(test_toward_zero_needs_ftz),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
