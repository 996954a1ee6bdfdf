/* Coarser samples from finer ones: consecutive samples of a cgroup summed into longer intervals. */
#ifndef CJD_COMMON_RESAMPLE_H
#define CJD_COMMON_RESAMPLE_H

#include <stdint.h>

#include "cjd/common/error.h"
#include "cjd/common/sample.h"

/*
 * A trace recorded at 100 ms holds what a 1 s recording of the same run
 * would have held: counts are deltas, so the sum of ten consecutive samples
 * is the 1 s sample (up to where the tick boundaries fall). Features such as
 * a window's coefficient of variation depend on the interval, so a model
 * meant to work at any interval is trained on several; resampling derives
 * them from one recording instead of recording each workload four times.
 *
 * Per (host, cgroup), samples are summed in time order until the sum covers
 * the target interval (within half of the last sample's own interval, so
 * 5 x 99.9 ms makes one 500 ms sample). The output sample ends where its
 * last input ended and covers from where its first began; its counts are
 * the sums (saturating at 2^64-1), its running fractions the dt-weighted
 * means. A partial sum is closed early, and emitted only when it covers at
 * least half the target (else its samples are counted as discarded, never
 * silently), when:
 *   - the next sample starts after a gap (more than half its interval after
 *     the previous one ended: the detector's own gap rule), or
 *   - the label changes (an output sample never mixes two labels), or
 *   - the input ends (cjd_resampler_finish).
 * Not thread-safe.
 */
struct cjd_resampler;

/*
 * Called for each output sample; strings are valid during the call only.
 * A non-zero return stops the push/finish that called it, which returns it.
 */
typedef int (*cjd_resample_cb)(const struct cjd_sample *s, void *ctx);

/* interval_ns: the target, > 0. Returns 0, -EINVAL or -ENOMEM. */
int cjd_resampler_new(struct cjd_resampler **out, uint64_t interval_ns, cjd_resample_cb cb,
		      void *ctx);

/* Accepts NULL. Partial sums still held are dropped (call finish first). */
void cjd_resampler_free(struct cjd_resampler *r);

/*
 * Adds one sample. Returns 0, the callback's value, -EINVAL with err (no
 * cgroup, dt_ns 0, not after the previous sample of its cgroup, or events
 * that differ from the cgroup's earlier samples), or -ENOMEM.
 */
int cjd_resampler_push(struct cjd_resampler *r, const struct cjd_sample *s,
		       struct cjd_error *err);

/* Closes every partial sum (emitting those of at least half the target) and
 * forgets every cgroup, so the next input starts afresh. */
int cjd_resampler_finish(struct cjd_resampler *r);

/* Input samples that ended in a partial sum too short to emit, so far. */
uint64_t cjd_resampler_discarded(const struct cjd_resampler *r);

#endif
