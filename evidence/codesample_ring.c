/* Reads IP samples and LOST records from a perf mmap ring, reassembling records that wrap around its end. */
#include <errno.h>
#include <string.h>

#include "codesample_internal.h"

/* The one record layout we ask for: header, ip (PERF_SAMPLE_IP), pid/tid (PERF_SAMPLE_TID). */
#define SAMPLE_SIZE (sizeof(struct perf_event_header) + 8 + 8)
/* PERF_RECORD_LOST: header, u64 id, u64 lost. */
#define LOST_SIZE (sizeof(struct perf_event_header) + 8 + 8)

static uint8_t mode_of(uint16_t misc)
{
	switch (misc & PERF_RECORD_MISC_CPUMODE_MASK) {
	case PERF_RECORD_MISC_USER:
		return CJD_IP_USER;
	case PERF_RECORD_MISC_KERNEL:
		return CJD_IP_KERNEL;
	default:
		return CJD_IP_OTHER;
	}
}

/* Copies n bytes starting at ring offset off (mod size) into dst. */
static void ring_copy(const uint8_t *data, uint64_t size, uint64_t off, void *dst, size_t n)
{
	size_t at = (size_t)(off & (size - 1));
	size_t first = n < size - at ? n : (size_t)(size - at);

	memcpy(dst, data + at, first);
	memcpy((uint8_t *)dst + first, data, n - first);
}

int cjd_ring_drain(struct perf_event_mmap_page *meta, const uint8_t *data, uint64_t size,
		   cjd_ring_sample_fn fn, void *ctx, struct cjd_ring_stats *st)
{
	/* Acquire pairs with the kernel's release of data_head: the records are visible. */
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	int rc = 0;

	if (size == 0 || (size & (size - 1)) != 0 || head - tail > size) {
		st->corrupt++;
		tail = head;
		goto out;
	}
	while (tail != head && !rc) {
		struct perf_event_header h;
		uint64_t avail = head - tail;
		uint8_t rec[SAMPLE_SIZE];

		if (avail < sizeof(h)) {
			st->corrupt++;
			tail = head;
			break;
		}
		ring_copy(data, size, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size % 8 != 0 || h.size > avail) {
			st->corrupt++;
			tail = head;
			break;
		}
		switch (h.type) {
		case PERF_RECORD_SAMPLE: {
			struct cjd_ip_sample s;
			uint32_t ids[2];

			if (h.size < SAMPLE_SIZE) {
				st->corrupt++;
				break;
			}
			ring_copy(data, size, tail, rec, SAMPLE_SIZE);
			memcpy(&s.ip, rec + sizeof(h), 8);
			memcpy(ids, rec + sizeof(h) + 8, 8);
			s.pid = ids[0];
			s.tid = ids[1];
			s.mode = mode_of(h.misc);
			st->samples++;
			rc = fn(ctx, &s);
			break;
		}
		case PERF_RECORD_LOST: {
			uint64_t lost;

			if (h.size < LOST_SIZE) {
				st->corrupt++;
				break;
			}
			ring_copy(data, size, tail, rec, LOST_SIZE);
			memcpy(&lost, rec + sizeof(h) + 8, 8);
			st->lost += lost;
			break;
		}
		case PERF_RECORD_THROTTLE:
			st->throttled++;
			break;
		default:
			st->other++;
			break;
		}
		tail += h.size;
	}
out:
	/* Release: our reads of the records happen before the kernel may overwrite them. */
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return rc;
}
