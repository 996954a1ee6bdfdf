/* Pure parts of the fpstate probe: decoding MXCSR and FPCR, and the aggregates over threads. */
#include <stdlib.h>
#include <string.h>

#include "cjd/evidence/fpstate.h"

void cjd_fpstate_decode_mxcsr(uint32_t mxcsr, struct cjd_fp_ctl *out)
{
	/* RC (bits 13-14): 00 nearest, 01 down, 10 up, 11 toward zero - the enum's order */
	out->round = (enum cjd_fp_round)((mxcsr >> 13) & 3u);
	out->ftz = (mxcsr >> 15) & 1u;
	out->daz = (mxcsr >> 6) & 1u;
}

void cjd_fpstate_decode_fpcr(uint32_t fpcr, struct cjd_fp_ctl *out)
{
	/* RMode (bits 22-23): 00 nearest, 01 toward +inf, 10 toward -inf, 11 toward zero */
	static const enum cjd_fp_round rmode[4] = {CJD_FP_ROUND_NEAREST, CJD_FP_ROUND_UP,
						   CJD_FP_ROUND_DOWN, CJD_FP_ROUND_ZERO};

	out->round = rmode[(fpcr >> 22) & 3u];
	/* FZ flushes denormal results and operands alike; there is no separate DAZ bit */
	out->ftz = (fpcr >> 24) & 1u;
	out->daz = false;
}

const char *cjd_fp_round_name(enum cjd_fp_round r)
{
	static const char *const names[] = {"nearest", "down", "up", "toward-zero"};

	return (unsigned)r < 4 ? names[r] : "?";
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void cjd_fpstate_summarize(struct cjd_fpstate_result *res)
{
	size_t npause = 0, k = 0;
	uint32_t *all;

	res->n_looked = res->n_changed = res->n_nondefault = res->n_ftz = res->n_daz = 0;
	res->n_toward_zero = 0;
	res->n_skipped = res->n_traced = res->n_denied = res->n_gave_up = 0;
	res->pause_median_ns = res->pause_p99_ns = res->pause_max_ns = 0;
	res->held_median_ns = res->held_p99_ns = res->held_max_ns = 0;
	res->npauses = 0;
	for (size_t i = 0; i < res->nthreads; i++) {
		const struct cjd_fpstate_thread *t = &res->threads[i];

		npause += t->npause;
		res->n_gave_up += t->gave_up > 0;
		if (!t->looks) {
			res->n_skipped++;
			res->n_traced += t->traced_by > 0;
			res->n_denied += t->denied;
			continue;
		}
		res->n_looked++;
		res->n_changed += __builtin_popcount(t->modes_seen) >= 2;
		res->n_nondefault += (t->modes_seen & ~(1u << CJD_FP_ROUND_NEAREST)) != 0;
		res->n_toward_zero += (t->modes_seen & (1u << CJD_FP_ROUND_ZERO)) != 0;
		res->n_ftz += t->ftz_looks > 0;
		res->n_daz += t->daz_looks > 0;
	}
	if (!npause || !(all = malloc(npause * sizeof(*all))))
		return; /* without memory for the sort the pause figures stay 0, never wrong */
	res->npauses = npause;
	for (int which = 0; which < 2; which++) {
		k = 0;
		for (size_t i = 0; i < res->nthreads; i++) {
			const struct cjd_fpstate_thread *t = &res->threads[i];
			memcpy(all + k, which ? t->held_ns : t->pause_ns, t->npause * sizeof(*all));
			k += t->npause;
		}
		qsort(all, npause, sizeof(*all), cmp_u32);
		*(which ? &res->held_median_ns : &res->pause_median_ns) =
			npause % 2 ? all[npause / 2]
				   : ((uint64_t)all[npause / 2 - 1] + all[npause / 2]) / 2;
		/* nearest rank: the smallest value with at least 99 % of the looks at or below */
		*(which ? &res->held_p99_ns : &res->pause_p99_ns) = all[(npause * 99 + 99) / 100 - 1];
		*(which ? &res->held_max_ns : &res->pause_max_ns) = all[npause - 1];
	}
	free(all);
}
