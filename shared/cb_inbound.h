/* cb_inbound.h - api-edge's per-client limit (N calls per sliding window), exact across replicas */
#ifndef CB_INBOUND_H_INCLUDED
#define CB_INBOUND_H_INCLUDED

/* Algorithm: a sliding window (not GCRA), because the promise to clients is
 * "at most N calls in any window of W" and GCRA with burst N lets up to 2N-1
 * through in some windows. The window lives in Redis as a sorted set of
 * leases (shared/lua/inbound.lua): a replica leases a small slice of a
 * client's remaining budget and spends it in-process, so most decisions need
 * no Redis round trip. A leased slot counts from the moment it is granted
 * until a full window after its lease ends (or after the lease is returned),
 * which is why no window ever holds more than N calls across all replicas.
 *
 * Lease sizes adapt per client: the first is lease_size (at most a quarter
 * of a replica's share, limit / (4 x expected_replicas)); a lease spent
 * before its end doubles the next, up to 1024 x lease_size within the same
 * quarter share, so a busy client waits for one Redis round trip per
 * thousands of calls, not per eight; a lease that ends with slots unused
 * halves the next, back down to lease_size.
 *
 * Under-admission bound: slots leased but not used are returned at lease end
 * or when the replica stops; until then they are unavailable to others, so
 * at most replicas x min(1024 x lease_size, limit / (4 x replicas)) calls per
 * window can be refused that a single global counter would have admitted
 * (with the defaults, 25 of 100), and returned-slot calls keep counting up
 * to lease_ms longer than strictly needed. api-edge fetches a busy client's
 * next lease while the current one is being spent (cb_inbound_core_prefetch);
 * that next lease is sized so that the current lease's rest and it together
 * stay within the same bound.
 *
 * When Redis cannot be reached the limiter degrades to a local sliding
 * window of N / expected_replicas per client (logged once per outage), which
 * keeps the global total at or under N as long as the replica count is right. */

#include <stdbool.h>
#include <stdint.h>

#include "cb_redis.h"

typedef struct {
    int64_t limit;         /* N calls ... (default 100) */
    int64_t window_ms;     /* ... per this sliding window (default 60000) */
    int lease_size;        /* most slots one lease takes (default 8) */
    int64_t lease_ms;      /* how long a replica may spend a lease (default 1000) */
    int expected_replicas; /* for sizing leases and the Redis-down fallback (default 1) */
} cb_inbound_config_t;

cb_inbound_config_t
cb_inbound_defaults(void);

typedef struct {
    bool allowed;
    int64_t limit;
    int64_t remaining;      /* calls left in the window as this replica knows it */
    int64_t reset_ms;       /* until the oldest counted call leaves the window */
    int64_t retry_after_ms; /* refused: when to try again */
    bool degraded;          /* decided by the local fallback (Redis unreachable) */
} cb_inbound_decision_t;

typedef struct cb_inbound cb_inbound_t;

/* A limiter on redis (borrowed; must outlive it). One per thread. NULL on a
 * bad config or no memory. */
cb_inbound_t *
cb_inbound_new(cb_redis_t *redis, cb_inbound_config_t config);

/* Returns every unused leased slot to Redis, then frees; NULL-safe. */
void
cb_inbound_destroy(cb_inbound_t **inbound_p);

/* Decides one call by client (an IP or API key id, at most 128 bytes).
 * Never fails: when Redis is down the local fallback decides (degraded). */
void
cb_inbound_check(cb_inbound_t *inbound, const char *client, cb_inbound_decision_t *out);

/* Returns the unused slots of leases that have ended, up to 64 per call in
 * one pipelined round trip; call it now and then (api-edge does it on a
 * timer). */
void
cb_inbound_expire(cb_inbound_t *inbound);

/* Redis round trips so far (a lease, a return, or one pipeline of returns),
 * for the benchmark and the tests' accounting. */
uint64_t
cb_inbound_redis_calls(const cb_inbound_t *inbound);

#endif
