/* Event ids: time-ordered UUIDv7 strings, unique across hosts and restarts. */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cjd/common/time.h"
#include "cjd/publish/alert_id.h"

void cjd_event_idgen_init(struct cjd_event_idgen *g)
{
	uint64_t r = 0;

	memset(g, 0, sizeof(*g));
	/* GRND_NONBLOCK: an agent started early at boot must not hang on entropy */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* splitmix64 over time and pid: weaker, still distinct per process */
		r = cjd_now_real_ns() ^ ((uint64_t)getpid() << 32) ^ cjd_now_mono_ns();
		r += 0x9e3779b97f4a7c15ull;
		r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ull;
		r = (r ^ (r >> 27)) * 0x94d049bb133111ebull;
		r ^= r >> 31;
	}
	g->node = r & ((1ull << 62) - 1);
}

void cjd_event_id_next(struct cjd_event_idgen *g, uint64_t now_real_ns, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t ms = now_real_ns / 1000000u;
	unsigned char b[16];
	size_t o = 0;

	/*
	 * RFC 9562 method 1: a 12-bit counter in rand_a. A clock that steps back
	 * keeps the last millisecond, and a full counter borrows the next one, so
	 * every id is greater than the one before.
	 */
	if (ms > g->last_ms) {
		g->last_ms = ms;
		g->seq = 0;
	} else if (++g->seq > 0xfff) {
		g->last_ms++;
		g->seq = 0;
	}
	ms = g->last_ms & 0xffffffffffffull;
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | ((g->seq >> 8) & 0x0f));
	b[7] = (unsigned char)(g->seq & 0xff);
	b[8] = (unsigned char)(0x80 | ((g->node >> 56) & 0x3f));
	for (int i = 9; i < 16; i++)
		b[i] = (unsigned char)(g->node >> (8 * (15 - i)));
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

bool cjd_event_id_valid(const char *s)
{
	for (int i = 0; i < CJD_EVENT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[CJD_EVENT_ID_LEN] == '\0';
}
