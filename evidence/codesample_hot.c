/* Hot code: sampled IPs grouped into windows, decoded into basic blocks, and weighed into an instruction mix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
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
		w->lo = map ? map->start : 0;
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
	if (cjd_array_reserve(b->ins, b->cap, b->n + 1))
		return -ENOMEM;
	b->ins[b->n++] = *in;
	return 0;
}

/* A place decoding must stop at: a sampled IP (n > 0 samples) or a block leader (n == 0). */
struct point {
	uint64_t addr;
	uint64_t n;
	bool leader;
};

static int cmp_point(const void *pa, const void *pb)
{
	const struct point *a = pa, *b = pb;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

#define MAX_LEADERS 256

/* Direct-jump targets in [base, end), decoded from the first sampled IP on. */
static size_t find_leaders(struct cjd_disasm *d, const uint8_t *code, uint64_t base, uint64_t end,
			   const struct cjd_hot_ip *ips, size_t n, uint64_t *out)
{
	size_t k = 0, j = 0;
	uint64_t a = ips[0].ip;

	while (a < end && k < MAX_LEADERS) {
		struct cjd_insn in;

		if (j < n && ips[j].ip < a) {
			a = ips[j].ip; /* stepped over a sampled IP, a real instruction start: resync */
			continue;
		}
		while (j < n && ips[j].ip == a)
			j++;
		if (cjd_disasm_one(d, code + (a - base), (size_t)(end - a), a, &in) != 0) {
			if (j == n)
				break;
			a = ips[j].ip;
			continue;
		}
		if (in.has_target && in.target >= base && in.target < end)
			out[k++] = in.target;
		a += in.len;
	}
	return k;
}

void cjd_hot_mix_window(struct cjd_disasm *d, const uint8_t *code, size_t len, uint64_t base,
			const struct cjd_hot_ip *ips, size_t n, struct cjd_mix_acc *acc)
{
	uint64_t end = base + len, leaders[MAX_LEADERS];
	struct block b = {0};
	struct point *pt;
	size_t np = 0, nl, j = 0;
	uint64_t a;

	if (!n || ips[0].ip >= end)
		return;
	nl = find_leaders(d, code, base, end, ips, n, leaders);
	pt = malloc((n + nl) * sizeof(*pt));
	if (!pt)
		return;
	for (size_t i = 0; i < n; i++)
		pt[np++] = (struct point){ips[i].ip, ips[i].n, false};
	for (size_t i = 0; i < nl; i++)
		pt[np++] = (struct point){leaders[i], 0, true};
	qsort(pt, np, sizeof(*pt), cmp_point);

	a = pt[0].addr;
	while (a < end) {
		struct cjd_insn in;

		if (j < np && pt[j].addr < a) {
			/* The linear decode stepped over a real instruction start: resync there. */
			block_close(&b, acc);
			a = pt[j].addr;
			continue;
		}
		if (j < np && pt[j].addr == a && pt[j].leader)
			block_close(&b, acc); /* a jump lands here: a new block */
		if (cjd_disasm_one(d, code + (a - base), (size_t)(end - a), a, &in) != 0) {
			/* Not code (or cut short): drop this block, go on at the next point. */
			block_close(&b, acc);
			while (j < np && pt[j].addr <= a)
				j++;
			if (j == np)
				break;
			a = pt[j].addr;
			continue;
		}
		while (j < np && pt[j].addr == a)
			b.samples += pt[j++].n;
		if (block_add(&b, &in) != 0)
			break; /* out of memory: what is decoded so far still counts */
		acc->instructions++;
		a += in.len;
		if (in.ends_block) {
			block_close(&b, acc);
			if (j == np)
				break; /* past the last point's block */
		}
	}
	block_close(&b, acc);
	free(b.ins);
	free(pt);
}

static int cmp_line_desc(const void *pa, const void *pb)
{
	const struct cjd_hot_line *a = pa, *b = pb;

	return a->n < b->n ? 1 : a->n > b->n ? -1 : 0;
}

uint64_t cjd_hot_lines_cover(struct cjd_hot_line *lines, size_t n, uint64_t total, double share)
{
	uint64_t sum = 0, k = 0;

	if (!total || !n)
		return 0;
	qsort(lines, n, sizeof(*lines), cmp_line_desc);
	while (k < n && (double)sum < share * (double)total)
		sum += lines[k++].n;
	return k;
}
