/* SIMD equivalence: every compiled feature kernel against the scalar reference bit for bit; tier choice and CJD_SIMD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/detector/features_table.h"
#include "kernels.h"

#define SENTINEL 12345.678f
#define MAXN 1100
#define PAD 8

/* A tier under test: its kernels (NULL when this build has none), and what it needs. */
struct tier {
	const struct cjd_kernels *k;
	enum cjd_simd_tier t; /* CJD_SIMD_SCALAR for scalar-O3, which needs nothing */
	const char *name;
};

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t next_u64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static float unit(void)
{
	return (float)((double)(next_u64() >> 11) / (double)(1ull << 53));
}

/* Counts as the engine stages them: float of a u64, spread over all magnitudes. */
static float random_count(void)
{
	switch (next_u64() % 8) {
	case 0: return 0.0f;
	case 1: return (float)(next_u64() % 16);
	case 2: return (float)(UINT64_MAX - next_u64() % 1024);  /* ~2^64 */
	case 3: return (float)((1ull << 63) - next_u64() % 1024); /* ~2^63 */
	default: return (float)(next_u64() >> (next_u64() % 64));
	}
}

static bool close_enough(float a, float b)
{
	float d = fabsf(a - b);

	return d <= 1e-6f || d <= 1e-5f * fmaxf(fabsf(a), fabsf(b));
}

/* The same bits; any NaN equals any NaN (payloads may follow operand order,
 * which the compiler is free to swap in commutative operations). */
static bool same_bits(float a, float b)
{
	return (isnan(a) && isnan(b)) || !memcmp(&a, &b, sizeof(a));
}

/* IEEE specials and edges, for inputs outside the kernels' contract: the
 * tiers must still agree with the scalar reference. */
static float special(void)
{
	static const float v[] = {NAN, -NAN, INFINITY, -INFINITY, FLT_MAX, -FLT_MAX, FLT_MIN,
				  FLT_TRUE_MIN, -FLT_TRUE_MIN, 0.0f, -0.0f, 1.0f, CJD_RATIO_MAX,
				  1e30f, 3.0f};
	return v[next_u64() % (sizeof(v) / sizeof(v[0]))];
}

static bool skip_unsupported(const struct tier *t)
{
	if (t->k && cjd_simd_cpu_supports(t->t))
		return false;
	/* Says which kind of skip: another architecture's tier, or what this CPU lacks. */
	print_message("skipping %s: %s\n", t->name, cjd_simd_why_not(t->t));
	return true;
}

/* ---- ratio kernel ---- */

static void check_ratio(const struct tier *t, const float *num, const float *den, size_t n,
			float scale, float safe, bool in_contract)
{
	float ref[MAXN + PAD], out[MAXN + PAD];

	for (size_t i = 0; i < n + PAD; i++)
		ref[i] = out[i] = SENTINEL;
	cjd_fx_ratio_scalar(num, den, scale, safe, ref, n);
	t->k->ratio(num, den, scale, safe, out, n);
	for (size_t i = 0; i < n; i++) {
		if (in_contract &&
		    (!isfinite(out[i]) || !close_enough(out[i], ref[i]) || out[i] < 0.0f))
			fail_msg("%s ratio n=%zu lane %zu: num %g den %g -> %g, scalar %g",
				 t->k->name, n, i, (double)num[i], (double)den[i], (double)out[i],
				 (double)ref[i]);
		if (in_contract && den[i] == 0.0f)
			assert_true(out[i] == safe);
		/* Stronger than the tolerance: no FMA, same operation order, so the
		 * tiers agree bit for bit (docs/model-format.md promises it). */
		if (!same_bits(out[i], ref[i]))
			fail_msg("%s ratio n=%zu lane %zu: num %a den %a -> %a differs in bits from "
				 "scalar %a",
				 t->k->name, n, i, (double)num[i], (double)den[i], (double)out[i],
				 (double)ref[i]);
	}
	for (size_t i = n; i < n + PAD; i++)
		if (out[i] != SENTINEL)
			fail_msg("%s ratio n=%zu wrote past the end at %zu", t->k->name, n, i);
}

static void test_ratio(void **state)
{
	const struct tier *t = *state;
	static float num[MAXN], den[MAXN];

	if (skip_unsupported(t))
		skip();
	size_t maxn = 2 * t->k->width + 1;
	for (size_t i = 0; i < CJD_RATIO__COUNT; i++) {
		const struct cjd_ratio_info *ri = cjd_ratio_info((enum cjd_ratio)i);
		/* Every tail length, random data. */
		for (size_t n = 0; n <= maxn + 16; n++) {
			for (size_t k = 0; k < n; k++) {
				num[k] = random_count();
				den[k] = random_count();
			}
			check_ratio(t, num, den, n, ri->scale, ri->safe, true);
			/* The same lengths over NaN, infinities, denormals, signed zeros. */
			for (size_t k = 0; k < n; k++) {
				num[k] = k % 2 ? special() : random_count();
				den[k] = k % 3 ? special() : random_count();
			}
			check_ratio(t, num, den, n, ri->scale, ri->safe, false);
		}
		/* Zeros everywhere, then huge over tiny (clamped), then a long run. */
		memset(num, 0, sizeof(num));
		memset(den, 0, sizeof(den));
		check_ratio(t, num, den, maxn, ri->scale, ri->safe, true);
		for (size_t k = 0; k < MAXN; k++) {
			num[k] = (float)UINT64_MAX;
			den[k] = k % 3 ? 1.0f : 0.0f;
		}
		check_ratio(t, num, den, MAXN, ri->scale, ri->safe, true);
		for (size_t k = 0; k < MAXN; k++) {
			num[k] = random_count();
			den[k] = random_count();
		}
		check_ratio(t, num, den, MAXN, ri->scale, ri->safe, true);
	}
}

/* ---- statistics kernel ---- */

struct stats_case {
	unsigned w;
	size_t n, pitch;
	float *ring, *newest, *oldest;
	unsigned *head;
	float *out[2][CJD_STAT__COUNT];
};

static void case_alloc(struct stats_case *c, unsigned w, size_t n)
{
	c->w = w;
	c->n = n;
	c->pitch = n + 16;
	c->ring = calloc((size_t)w * c->pitch, sizeof(float));
	c->newest = calloc(c->pitch, sizeof(float));
	c->oldest = calloc(c->pitch, sizeof(float));
	c->head = calloc(c->pitch, sizeof(unsigned));
	for (int v = 0; v < 2; v++)
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			c->out[v][k] = malloc((n + PAD) * sizeof(float));
	assert_non_null(c->ring);
}

static void case_free(struct stats_case *c)
{
	free(c->ring);
	free(c->newest);
	free(c->oldest);
	free(c->head);
	for (int v = 0; v < 2; v++)
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			free(c->out[v][k]);
}

/* Kinds of data below SPECIAL_KIND are inside the kernels' contract. */
#define SPECIAL_KIND 5

/* Fills lane i's ring; kind selects the data. Each lane gets a random head,
 * as real lanes do, and newest/oldest follow from it. */
static void case_fill(struct stats_case *c, int kind)
{
	for (size_t i = 0; i < c->n; i++) {
		float base = unit() * 1e9f, lane_kind = (float)(next_u64() % 5);
		for (unsigned s = 0; s < c->w; s++) {
			float v;
			switch (kind) {
			case 0: /* random ratios over many magnitudes */
				v = unit() * powf(10.0f, (float)(next_u64() % 20) - 5.0f);
				break;
			case 1: /* zeros (idle cgroups) */
				v = 0.0f;
				break;
			case 2: /* the clamp value everywhere: largest squares */
				v = CJD_RATIO_MAX;
				break;
			case 3: /* nearly flat around a large mean, as hashing loops are */
				v = base * (1.0f + 1e-4f * (unit() - 0.5f));
				break;
			case SPECIAL_KIND: /* outside the contract: NaN, infinities, denormals, -0 */
				v = next_u64() % 3 ? special() : unit();
				break;
			default: /* per lane: constant, zero, huge, alternating, random */
				v = lane_kind == 0   ? 42.0f
				    : lane_kind == 1 ? 0.0f
				    : lane_kind == 2 ? CJD_RATIO_MAX * unit()
				    : lane_kind == 3 ? (float)(s & 1)
						     : unit();
			}
			c->ring[(size_t)s * c->pitch + i] = v;
		}
		unsigned head = (unsigned)(next_u64() % c->w);
		c->head[i] = head;
		c->oldest[i] = c->ring[(size_t)head * c->pitch + i];
		c->newest[i] = c->ring[(size_t)((head + c->w - 1) % c->w) * c->pitch + i];
	}
}

static void check_stats(const struct tier *t, struct stats_case *c, int kind)
{
	for (int v = 0; v < 2; v++)
		for (int k = 0; k < CJD_STAT__COUNT; k++)
			for (size_t i = 0; i < c->n + PAD; i++)
				c->out[v][k][i] = SENTINEL;
	cjd_fx_stats_scalar(c->ring, c->pitch, c->w, c->newest, c->oldest, c->out[0], c->n);
	t->k->stats(c->ring, c->pitch, c->w, c->newest, c->oldest, c->out[1], c->n);
	for (int k = 0; k < CJD_STAT__COUNT; k++) {
		for (size_t i = 0; i < c->n; i++) {
			float a = c->out[1][k][i], b = c->out[0][k][i];
			if (kind < SPECIAL_KIND && (!isfinite(a) || !close_enough(a, b)))
				fail_msg("%s stats w=%u n=%zu lane %zu %s: %g, scalar %g", t->k->name,
					 c->w, c->n, i, cjd_stat_info((enum cjd_stat)k)->suffix,
					 (double)a, (double)b);
			if (!same_bits(a, b))
				fail_msg("%s stats kind %d w=%u n=%zu lane %zu %s: %a differs in bits "
					 "from scalar %a",
					 t->k->name, kind, c->w, c->n, i,
					 cjd_stat_info((enum cjd_stat)k)->suffix, (double)a, (double)b);
		}
		for (size_t i = c->n; i < c->n + PAD; i++)
			if (c->out[1][k][i] != SENTINEL)
				fail_msg("%s stats n=%zu wrote past the end", t->k->name, c->n);
	}
}

static void test_stats(void **state)
{
	const struct tier *t = *state;
	static const unsigned ws[] = {2, 3, 8, 32, 64};

	if (skip_unsupported(t))
		skip();
	size_t maxn = 2 * t->k->width + 1;
	for (size_t wi = 0; wi < sizeof(ws) / sizeof(ws[0]); wi++) {
		for (int kind = 0; kind <= SPECIAL_KIND; kind++) {
			for (size_t n = 0; n <= maxn; n++) {
				struct stats_case c;
				case_alloc(&c, ws[wi], n);
				case_fill(&c, kind);
				check_stats(t, &c, kind);
				case_free(&c);
			}
			struct stats_case c;
			case_alloc(&c, ws[wi], 1000);
			case_fill(&c, kind);
			check_stats(t, &c, kind);
			case_free(&c);
		}
	}
}

/* ---- the reference itself, against the definitions in double precision ---- */

static void test_scalar_matches_definitions(void **state)
{
	(void)state;
	struct stats_case c;
	const unsigned w = 8;

	case_alloc(&c, w, 64);
	case_fill(&c, 0);
	cjd_fx_stats_scalar(c.ring, c.pitch, w, c.newest, c.oldest, c.out[0], c.n);
	for (size_t i = 0; i < c.n; i++) {
		unsigned head = c.head[i]; /* slot of the oldest sample: time order starts there */
		double x[64], m = 0, ss = 0, lag = 0, mn = INFINITY, mx = -INFINITY;
		for (unsigned s = 0; s < w; s++) {
			x[s] = c.ring[(size_t)((head + s) % w) * c.pitch + i];
			m += x[s];
			mn = fmin(mn, x[s]);
			mx = fmax(mx, x[s]);
		}
		m /= w;
		for (unsigned s = 0; s < w; s++)
			ss += (x[s] - m) * (x[s] - m);
		for (unsigned s = 0; s + 1 < w; s++)
			lag += (x[s] - m) * (x[s + 1] - m);
		double sd = sqrt(ss / w), ac = ss > 0 ? lag / ss : 0;
		double tol_sd = 1e-4 * sd + 1e-6 * m;
		assert_true(fabs(c.out[0][CJD_STAT_MEAN][i] - m) <= 1e-5 * m + 1e-30);
		assert_true(fabs(c.out[0][CJD_STAT_STD][i] - sd) <= tol_sd + 1e-30);
		assert_true(c.out[0][CJD_STAT_MIN][i] == (float)mn);
		assert_true(c.out[0][CJD_STAT_MAX][i] == (float)mx);
		if (m > 0 && sd / m > 1e-3) /* well away from the flat cut-off */
			assert_true(fabs(c.out[0][CJD_STAT_AC1][i] - ac) <= 1e-3);
	}
	case_free(&c);
}

static void test_flat_and_zero_windows(void **state)
{
	(void)state;
	struct stats_case c;

	case_alloc(&c, 8, 3);
	for (unsigned s = 0; s < 8; s++) {
		c.ring[(size_t)s * c.pitch + 0] = 0.0f;       /* idle */
		c.ring[(size_t)s * c.pitch + 1] = 1234.5f;    /* perfectly flat */
		c.ring[(size_t)s * c.pitch + 2] = (float)(s % 2); /* alternating: ac1 = -1 */
	}
	for (size_t i = 0; i < 3; i++) {
		c.oldest[i] = c.ring[i];
		c.newest[i] = c.ring[7 * c.pitch + i];
	}
	cjd_fx_stats_scalar(c.ring, c.pitch, 8, c.newest, c.oldest, c.out[0], 3);
	for (int k = 0; k < CJD_STAT__COUNT; k++)
		assert_true(c.out[0][k][0] == 0.0f);
	assert_true(c.out[0][CJD_STAT_MEAN][1] == 1234.5f);
	assert_true(c.out[0][CJD_STAT_CV][1] == 0.0f);
	assert_true(c.out[0][CJD_STAT_AC1][1] == 0.0f);
	assert_true(fabsf(c.out[0][CJD_STAT_AC1][2] - (-7.0f / 8.0f)) < 1e-6f);
	case_free(&c);
}

/*
 * Features are the same bits on every architecture, not only on every tier of
 * one, so a model trained on x86-64 sees the same windows on arm64: IEEE
 * division and square root, no FMA contraction, no x87 excess precision.
 * The scalar reference over fixed inputs (integer xorshift, no libm) hashes to
 * GOLDEN on x86-64, and the arm64 run (scripts/test --arm64) checks the same
 * value. A deliberate change to the kernels' arithmetic or to the feature
 * table changes the hash: then update it here and say so in the commit.
 */
#define GOLDEN 0x82b538c81274f11dull

static void test_same_bits_on_every_architecture(void **state)
{
	(void)state;
	enum { N = 37, W = 8 };
	static float num[N], den[N], ring[W * N], out[CJD_STAT__COUNT][N];
	float *o[CJD_STAT__COUNT];
	uint64_t x = 0x9E3779B97F4A7C15ull, h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (int k = 0; k < CJD_STAT__COUNT; k++)
		o[k] = out[k];
	for (int r = 0; r < CJD_RATIO__COUNT; r++) {
		const struct cjd_ratio_info *ri = cjd_ratio_info((enum cjd_ratio)r);
		for (unsigned s = 0; s < W; s++) {
			for (size_t i = 0; i < N; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				num[i] = (float)(x >> (x % 61));
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				den[i] = (i % 5) ? (float)(x >> (x % 64)) : 0.0f;
			}
			cjd_fx_ratio_scalar(num, den, ri->scale, ri->safe, ring + s * N, N);
		}
		cjd_fx_stats_scalar(ring, N, W, ring + 3 * N, ring + 4 * N, o, N);
		const unsigned char *b = (const unsigned char *)out;
		for (size_t i = 0; i < sizeof(out); i++)
			h = (h ^ b[i]) * 0x100000001b3ull;
		b = (const unsigned char *)ring;
		for (size_t i = 0; i < sizeof(ring); i++)
			h = (h ^ b[i]) * 0x100000001b3ull;
	}
	if (h != GOLDEN)
		fail_msg("scalar features hash to %#llx on %s, not %#llx as on x86-64. If the "
			 "kernels' arithmetic or the feature table changed on purpose, set GOLDEN "
			 "to the x86-64 value; if only this architecture differs, its floating "
			 "point does (fused multiply-add? excess precision?)",
			 (unsigned long long)h, cjd_simd_build_arch(), (unsigned long long)GOLDEN);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(cjd_feature_count(), CJD_FEATURE__COUNT);
	assert_string_equal(cjd_feature_name(CJD_FEATURE(CJD_RATIO_IPC, CJD_STAT_MEAN)), "ipc.mean");
	assert_string_equal(cjd_feature_name(CJD_FEATURE(CJD_RATIO_CPU_UTIL, CJD_STAT_AC1)),
			    "cpu_util.ac1");
	assert_int_equal(cjd_feature_lookup("syscall_per_cpu_s.cv"),
			 CJD_FEATURE(CJD_RATIO_SYSCALL_RATE, CJD_STAT_CV));
	assert_int_equal(cjd_feature_lookup("ipc.median"), -2 /* -ENOENT */);
	assert_int_equal(cjd_feature_events((size_t)cjd_feature_lookup("ipc.cv")),
			 CJD_EVMASK(CJD_EV_CYCLES) | CJD_EVMASK(CJD_EV_INSTRUCTIONS));
	assert_int_equal(cjd_feature_events((size_t)cjd_feature_lookup("cpu_util.mean")),
			 CJD_EVMASK(CJD_EV_TASK_CLOCK));
	assert_true((cjd_feature_set_events(CJD_SET_SW) & ~CJD_EVMASK_SOFTWARE) == 0);
	for (size_t i = 0; i < cjd_feature_count(); i++)
		assert_int_equal(cjd_feature_lookup(cjd_feature_name(i)), (int)i);
}

/* docs/model-format.md lists every ratio and statistic of the table. */
static void test_docs_list_features(void **state)
{
	(void)state;
	const char *data = getenv("CJD_DETECTOR_DATA");
	char path[1024], *doc;
	long len;

	snprintf(path, sizeof(path), "%s/../../../docs/model-format.md",
		 data ? data : "tests/detector/data");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (int r = 0; r < CJD_RATIO__COUNT; r++) {
		char row[128];
		const struct cjd_ratio_info *ri = cjd_ratio_info((enum cjd_ratio)r);
		snprintf(row, sizeof(row), "| `%s` | %s | %s |", ri->name,
			 ri->set == CJD_SET_HW ? "hw" : "sw", ri->formula);
		if (!strstr(doc, row))
			fail_msg("docs/model-format.md lacks the row %s", row);
	}
	for (int s = 0; s < CJD_STAT__COUNT; s++) {
		char row[64];
		snprintf(row, sizeof(row), "| `%s` |", cjd_stat_info((enum cjd_stat)s)->suffix);
		if (!strstr(doc, row))
			fail_msg("docs/model-format.md lacks the statistic %s", row);
	}
	free(doc);
}

static void test_dispatch_env(void **state)
{
	(void)state;
	enum cjd_simd_tier t;
	struct cjd_error err;

	assert_int_equal(cjd_simd_tier_parse("avx2", &t), 0);
	assert_int_equal(t, CJD_SIMD_AVX2);
	assert_int_equal(cjd_simd_tier_parse("neon", &t), 0);
	assert_int_equal(t, CJD_SIMD_NEON);
	assert_int_equal(cjd_simd_tier_parse("sse5", &t), -EINVAL);
	/* An explicit tier the CPU lacks is refused with a reason; scalar always works. */
	assert_int_equal(cjd_simd_resolve(CJD_SIMD_SCALAR, &t, &err), 0);
	for (int i = 0; i < CJD_SIMD__COUNT; i++) {
		enum cjd_simd_tier ti = (enum cjd_simd_tier)i;
		int rc = cjd_simd_resolve(ti, &t, &err);
		if (cjd_simd_cpu_supports(ti)) {
			assert_int_equal(rc, 0);
			assert_int_equal(t, ti);
			assert_string_equal(cjd_simd_why_not(ti), "");
			assert_non_null(cjd_kernels(ti));
			continue;
		}
		assert_int_equal(rc, -ENOTSUP);
		assert_true(cjd_simd_why_not(ti)[0]);
		assert_non_null(strstr(err.text, "this CPU cannot run"));
		assert_non_null(strstr(err.text, cjd_simd_why_not(ti)));
	}
	/* This build has exactly the tiers of its architecture. */
	bool x86 = !strcmp(cjd_simd_build_arch(), "x86-64") || !strcmp(cjd_simd_build_arch(), "x86");
	bool arm64 = !strcmp(cjd_simd_build_arch(), "arm64");
	assert_int_equal(cjd_kernels(CJD_SIMD_AVX2) != NULL, x86);
	assert_int_equal(cjd_kernels(CJD_SIMD_NEON) != NULL, arm64);
	if (arm64) /* NEON is in every AArch64 CPU */
		assert_true(cjd_simd_cpu_supports(CJD_SIMD_NEON));
	if (!x86)
		assert_non_null(strstr(cjd_simd_why_not(CJD_SIMD_AVX512), "an x86 tier"));
	if (!arm64)
		assert_non_null(strstr(cjd_simd_why_not(CJD_SIMD_NEON), "an arm64 tier"));
	for (int i = 0; i < CJD_SIMD__COUNT; i++) {
		const struct cjd_kernels *k = cjd_kernels((enum cjd_simd_tier)i);
		if (k)
			assert_int_equal(k->width, cjd_simd_tier_width((enum cjd_simd_tier)i));
	}
	assert_null(cjd_kernels(CJD_SIMD__COUNT));
}

/*
 * CJD_SIMD as a process sees it: cjd_simd_tier() decides once per process,
 * so each value is tried in a forked child that has not decided yet (this
 * test runs first, before anything in the parent asks for the tier).
 */
static void env_child(const char *value, int *rc, enum cjd_simd_tier *t, char *text, size_t len)
{
	int fd[2];
	pid_t pid;
	struct {
		int rc;
		enum cjd_simd_tier t;
		char text[CJD_ERROR_TEXT];
	} r;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cjd_error err = {0};
		memset(&r, 0, sizeof(r));
		if (value)
			setenv("CJD_SIMD", value, 1);
		else
			unsetenv("CJD_SIMD");
		r.rc = cjd_simd_tier(&r.t, &err);
		snprintf(r.text, sizeof(r.text), "%s", r.rc ? err.text : "");
		_exit(write(fd[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	close(fd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	*rc = r.rc;
	*t = r.t;
	snprintf(text, len, "%s", r.text);
}

static void test_env_forcing(void **state)
{
	(void)state;
	char text[CJD_ERROR_TEXT], want[CJD_ERROR_TEXT];
	enum cjd_simd_tier t, widest = CJD_SIMD_SCALAR;
	int rc;

	for (int i = 0; i < CJD_SIMD__COUNT; i++) {
		enum cjd_simd_tier ti = (enum cjd_simd_tier)i;
		const char *name = cjd_simd_tier_name(ti);
		env_child(name, &rc, &t, text, sizeof(text));
		if (cjd_simd_cpu_supports(ti)) {
			if (rc)
				fail_msg("CJD_SIMD=%s refused on a CPU that supports it: %s", name, text);
			assert_int_equal(t, ti);
			widest = ti;
			continue;
		}
		/* the clear error: which variable, which tier, and why not */
		snprintf(want, sizeof(want), "CJD_SIMD=%s: this CPU cannot run the %s tier (%s)", name,
			 name, cjd_simd_why_not(ti));
		assert_int_equal(rc, -ENOTSUP);
		assert_string_equal(text, want);
	}
	/* unset, empty and "auto": the widest tier this CPU supports */
	const char *autos[] = {NULL, "", "auto"};
	for (size_t i = 0; i < sizeof(autos) / sizeof(autos[0]); i++) {
		env_child(autos[i], &rc, &t, text, sizeof(text));
		assert_int_equal(rc, 0);
		assert_int_equal(t, widest);
	}
	env_child("AVX2", &rc, &t, text, sizeof(text));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(text, "CJD_SIMD=AVX2: not a tier (use scalar, sse42, avx2, avx512, neon "
				  "or auto)");
}

/* Every tier of every architecture, so each gets its own named test (run or skipped). */
static struct tier tiers[] = {
	{&cjd_kernels_scalar_o3, CJD_SIMD_SCALAR, "scalar-O3"},
	{NULL, CJD_SIMD_SSE42, "sse42"},
	{NULL, CJD_SIMD_AVX2, "avx2"},
	{NULL, CJD_SIMD_AVX512, "avx512"},
	{NULL, CJD_SIMD_NEON, "neon"},
};

/* One named cmocka test per tier and kernel, so a skip or failure says which. */
#define PER_TIER(name, idx)                                                                        \
	static void test_ratio_##name(void **state)                                                \
	{                                                                                          \
		*state = &tiers[idx];                                                              \
		test_ratio(state);                                                                 \
	}                                                                                          \
	static void test_stats_##name(void **state)                                                \
	{                                                                                          \
		*state = &tiers[idx];                                                              \
		test_stats(state);                                                                 \
	}
PER_TIER(scalar_o3, 0)
PER_TIER(sse42, 1)
PER_TIER(avx2, 2)
PER_TIER(avx512, 3)
PER_TIER(neon, 4)

int main(void)
{
	for (size_t i = 1; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		tiers[i].k = cjd_kernels(tiers[i].t);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_forcing), /* first: see env_child */
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_same_bits_on_every_architecture),
		cmocka_unit_test(test_dispatch_env),
		cmocka_unit_test(test_docs_list_features),
		cmocka_unit_test(test_scalar_matches_definitions),
		cmocka_unit_test(test_flat_and_zero_windows),
		cmocka_unit_test(test_ratio_scalar_o3),
		cmocka_unit_test(test_stats_scalar_o3),
		cmocka_unit_test(test_ratio_sse42),
		cmocka_unit_test(test_stats_sse42),
		cmocka_unit_test(test_ratio_avx2),
		cmocka_unit_test(test_stats_avx2),
		cmocka_unit_test(test_ratio_avx512),
		cmocka_unit_test(test_stats_avx512),
		cmocka_unit_test(test_ratio_neon),
		cmocka_unit_test(test_stats_neon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
