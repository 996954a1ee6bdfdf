/* Hot code: sampled IPs grouped into windows, decoded into basic blocks, and weighed into an instruction mix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codesample_internal.h"

size_t cjd_hot_windows(const struct cjd_hot_ip *ips, size_t n, const struct cjd_maps *maps,
		       struct cjd_window *out)
{
	size_t nw = 0;

	for (size_t i = 0; i < n;) {
		const struct cjd_map *map = maps ? cjd_maps_find(maps, ips[i].ip) : NULL;
		uint64_t limit = map ? map->end : UINT64_MAX;
		struct cjd_window *w = &out[nw++];
		size_t j = i + 1;

		w->start = ips[i].ip;
		w->samples = ips[i].n;
		while (j < n && ips[j].ip - ips[j - 1].ip < CJD_WINDOW_GAP && ips[j].ip < limit &&
		       ips[j].ip - w->start < CJD_WINDOW_MAX) {
			w->samples += ips[j].n;
			j++;
		}
		w->first = i;
		w->count = j - i;
		/* Room to finish the last sampled instruction's basic block, inside its mapping. */
		w->end = ips[j - 1].ip + CJD_WINDOW_SLACK;
		if (w->end > limit || w->end < ips[j - 1].ip)
			w->end = limit;
		i = j;
	}
	return nw;
}

/* The basic block being built: its instructions' classes and its samples. */
struct block {
	struct cjd_insn *ins;
	size_t n, cap;
	uint64_t samples;
};

static void block_close(struct block *b, struct cjd_mix_acc *acc)
{
	if (b->samples && b->n) {
		double each = (double)b->samples / (double)b->n;
		for (size_t i = 0; i < b->n; i++) {
			acc->w[b->ins[i].cls] += each;
			if (b->ins[i].mem_read)
				acc->mem_read += each;
			if (b->ins[i].mem_write)
				acc->mem_write += each;
		}
		acc->decoded_samples += b->samples;
	}
	b->n = 0;
	b->samples = 0;
}

static int block_add(struct block *b, const struct cjd_insn *in)
{
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct cjd_insn *ni = realloc(b->ins, ncap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		b->ins = ni;
		b->cap = ncap;
	}
	b->ins[b->n++] = *in;
	return 0;
}

void cjd_hot_mix_window(struct cjd_disasm *d, const uint8_t *code, size_t len, uint64_t base,
			const struct cjd_hot_ip *ips, size_t n, struct cjd_mix_acc *acc)
{
	struct block b = {0};
	uint64_t end = base + len;
	uint64_t a = n ? ips[0].ip : end;
	size_t j = 0;

	while (a < end) {
		struct cjd_insn in;

		if (j < n && ips[j].ip < a) {
			/* The linear decode stepped over a real instruction start: resync there. */
			block_close(&b, acc);
			a = ips[j].ip;
			continue;
		}
		if (cjd_disasm_one(d, code + (a - base), (size_t)(end - a), a, &in) != 0) {
			/* Not code (or cut short): drop this block, go on at the next sampled IP. */
			block_close(&b, acc);
			if (j < n && ips[j].ip == a)
				j++;
			if (j == n)
				break;
			a = ips[j].ip;
			continue;
		}
		/* Every sampled IP inside this instruction's first byte counts for its block. */
		while (j < n && ips[j].ip == a)
			b.samples += ips[j++].n;
		if (block_add(&b, &in) != 0)
			break; /* out of memory: what is decoded so far still counts */
		acc->instructions++;
		a += in.len;
		if (in.ends_block) {
			block_close(&b, acc);
			if (j == n)
				break; /* past the last sample's block */
		}
	}
	block_close(&b, acc);
	free(b.ins);
}

static int cmp_line_desc(const void *pa, const void *pb)
{
	const struct cjd_hot_line *a = pa, *b = pb;

	return a->n < b->n ? 1 : a->n > b->n ? -1 : 0;
}

uint64_t cjd_hot_lines_cover(struct cjd_hot_line *lines, size_t n, uint64_t total, double share)
{
	uint64_t sum = 0, k = 0;

	if (!total)
		return 0;
	qsort(lines, n, sizeof(*lines), cmp_line_desc);
	while (k < n && (double)sum < share * (double)total)
		sum += lines[k++].n;
	return k;
}
