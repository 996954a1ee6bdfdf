/* Fuzz target: the evidence probes' binary parsers (a perf mmap ring's records, sock_diag replies). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codesample_internal.h"
#include "network_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const struct cjd_ip_sample *s)
{
	(void)s;
	++*(uint64_t *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t pick = data[0];
	data++;
	size--;
	if (pick & 1) {
		/* A 256-byte ring holding the input from a tail the second byte picks; the head is
		 * what the input says, so it may lie about how much there is. */
		struct perf_event_mmap_page meta = {0};
		uint8_t ring[256];
		struct cjd_ring_stats st = {0};
		uint64_t n = 0;
		memset(ring, 0, sizeof(ring));
		meta.data_tail = data[0];
		for (size_t i = 1; i < size && i <= sizeof(ring); i++)
			ring[(meta.data_tail + i - 1) % sizeof(ring)] = data[i];
		meta.data_head = meta.data_tail + (pick >> 1) * 8;
		cjd_ring_drain(&meta, ring, sizeof(ring), count, &n, &st);
		if (meta.data_tail != meta.data_head || n != st.samples)
			abort(); /* a drain always ends at the head */
	} else {
		/* Aligned copy: the kernel's buffer is. */
		uint64_t *buf = malloc(size + 8);
		struct cjd_net_list l = {0};
		bool done = false;
		memcpy(buf, data, size);
		cjd_diag_parse(buf, size, IPPROTO_TCP, &l, &done);
		cjd_net_list_release(&l);
		free(buf);
	}
	return 0;
}
