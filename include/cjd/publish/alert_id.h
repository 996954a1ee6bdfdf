/* Event ids: time-ordered UUIDv7 strings, unique across hosts and restarts. */
#ifndef CJD_PUBLISH_ALERT_ID_H
#define CJD_PUBLISH_ALERT_ID_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Event ids: UUIDv7 (RFC 9562) strings, 36 characters. The first 48 bits are
 * the Unix time in ms and the next 12 a counter, so ids sort (as strings) in
 * the order they were made, even within one millisecond and when the clock
 * steps back; the last 62 bits are random per generator, so two agents (or
 * two runs) never collide. One generator per publisher; not thread-safe.
 */
struct cjd_event_idgen {
	uint64_t last_ms;
	uint32_t seq;
	uint64_t node; /* 62 random bits */
};

#define CJD_EVENT_ID_LEN 36

/* Seeds the generator (getrandom, with a time/pid fallback). Never fails. */
void cjd_event_idgen_init(struct cjd_event_idgen *g);

/* Writes the next id for wall-clock time now_real_ns into out[CJD_EVENT_ID_LEN + 1]. */
void cjd_event_id_next(struct cjd_event_idgen *g, uint64_t now_real_ns, char *out);

/* True when s has the shape of an event id (36 chars, lowercase hex, dashes). */
bool cjd_event_id_valid(const char *s);

#endif
