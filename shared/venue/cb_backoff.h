/* cb_backoff.h - reconnect and retry delays: exponential backoff with decorrelated jitter */
#ifndef CB_BACKOFF_H_INCLUDED
#define CB_BACKOFF_H_INCLUDED

#include <stdint.h>

/* Plain value, no heap: embed it. Delays follow "decorrelated jitter"
 * (each one uniform in [min, 3 * the previous], capped at max), so a crowd
 * of clients that lost the same server spreads out while each one's delay
 * still grows towards max. */
typedef struct {
    int min_ms;
    int max_ms;
    int prev_ms; /* 0: reset (the next delay is in [min, 3 * min]) */
    uint64_t rng;
} cb_backoff_t;

/* Bounds (min >= 1, max >= min after clamping) and a seed (0: one drawn
 * from the clock and the struct's address). */
void cb_backoff_init(cb_backoff_t *b, int min_ms, int max_ms, uint64_t seed);

/* The next delay in ms, in [min_ms, max_ms]. */
int cb_backoff_next(cb_backoff_t *b);

/* Starts again from min (after a connection that stayed healthy). */
void cb_backoff_reset(cb_backoff_t *b);

#endif
