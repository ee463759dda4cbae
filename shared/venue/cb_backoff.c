/* cb_backoff.c - reconnect and retry delays: exponential backoff with decorrelated jitter */
#include "cb_backoff.h"

#include <stdint.h>

#include "cb_time.h"

void
cb_backoff_init(cb_backoff_t *b, int min_ms, int max_ms, uint64_t seed)
{
    b->min_ms = min_ms >= 1 ? min_ms : 1;
    b->max_ms = max_ms >= b->min_ms ? max_ms : b->min_ms;
    b->prev_ms = 0;
    b->rng = seed != 0 ? seed : (uint64_t) cb_time_mono_ns() ^ (uint64_t) (uintptr_t) b;
    if (b->rng == 0) {
        b->rng = 0x9e3779b97f4a7c15ULL;
    }
}

/* xorshift64*: plenty for jitter, and reproducible from a seed in tests. */
static uint64_t
s_rand(cb_backoff_t *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return b->rng * 2685821657736338717ULL;
}

int
cb_backoff_next(cb_backoff_t *b)
{
    int64_t lo = b->min_ms;
    int64_t hi = (b->prev_ms > 0 ? (int64_t) b->prev_ms : lo) * 3;
    if (hi > b->max_ms) {
        hi = b->max_ms;
    }
    if (hi < lo) {
        hi = lo;
    }
    b->prev_ms = (int) (lo + (int64_t) (s_rand(b) % (uint64_t) (hi - lo + 1)));
    return b->prev_ms;
}

void
cb_backoff_reset(cb_backoff_t *b)
{
    b->prev_ms = 0;
}
