/* feed_lease.h - which replica publishes each (venue, symbol) stream: Redis leases with a TTL */
#ifndef FEED_LEASE_H_INCLUDED
#define FEED_LEASE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_redis.h"

/* Streams per replica set (every replica adds the same ones). */
#define FEED_LEASE_MAX 256
#define FEED_LEASE_TTL_DEFAULT_MS 5000
#define FEED_LEASE_TTL_MIN_MS 100
#define FEED_LEASE_TTL_MAX_MS 3600000

/* How leases work (Redis keys of the market-feed service):
 *  - coinbus:market:lease:<venue>:<symbol> holds the owner's replica id, set
 *    with SET NX PX ttl, renewed by lease_renew.lua (owner compared, then
 *    PEXPIRE), deleted by lease_release.lua (compare-and-delete);
 *  - coinbus:market:replicas is a sorted set of replica ids scored by their
 *    expiry on Redis's clock (lease_replicas.lua): the replicas alive.
 * Fair share: a replica holds at most ceil(streams / replicas alive); one that
 * holds more gives the extra leases back (the last ones in stream order), so
 * a replica that joins gets its share within two ticks. Ownership is only
 * ever taken from a free key, so a key has at most one owner in Redis.
 * Local view: a lease expires by this replica's monotonic clock TTL after
 * its SET or renewal was sent (so before Redis expires it); a tick that comes
 * later than that while Redis answers drops it.
 * Redis outage: live data on the bus matters more than a unique publisher, so
 * a replica that cannot reach Redis keeps every stream it owns, however long
 * the outage lasts (it cannot know whether another replica took one; a
 * duplicate is visible by epoch and seq, silence is not), logs the outage
 * once, and takes nothing new. When Redis answers again, the renewal settles
 * each kept stream: still ours or vanished (a restart) keeps it (the key is
 * set again), held by another replica loses it, so two replicas that both
 * published a stream through the outage are down to one at the first round
 * after it. */
typedef struct feed_lease feed_lease_t;

/* What a tick changed, as indexes of feed_lease_add's streams. */
typedef struct {
    size_t gained[FEED_LEASE_MAX];
    size_t n_gained;
    size_t lost[FEED_LEASE_MAX];
    size_t n_lost;
} feed_lease_changes_t;

/* Parses COINBUS_FEED_LEASE_MS (NULL or "" gives FEED_LEASE_TTL_DEFAULT_MS):
 * a whole number of milliseconds in [FEED_LEASE_TTL_MIN_MS,
 * FEED_LEASE_TTL_MAX_MS]. 0 or CB_E_CONFIG with a one-line reason in err
 * (err_size bytes, may be NULL). */
int
feed_lease_ttl_parse(const char *text, int64_t *ttl_ms, char *err, size_t err_size);

/* A lease holder with a fresh random replica id (16 hex digits), owning no
 * stream yet. Borrows redis, which must outlive it and should have a command
 * timeout well under ttl_ms / 3 (cb_redis_set_timeouts). NULL with *err =
 * CB_E_CONFIG (ttl out of range), CB_E_NOT_FOUND (scripts missing from the
 * build), CB_E_NOMEM or -errno (no randomness). */
feed_lease_t *
feed_lease_new(cb_redis_t *redis, int64_t ttl_ms, int *err);

/* Frees the holder without touching Redis (its leases then expire by TTL:
 * call feed_lease_release_all first on a clean shutdown). NULL-safe,
 * idempotent, nulls *l_p. */
void
feed_lease_destroy(feed_lease_t **l_p);

/* This process's replica id (valid while l lives). */
const char *
feed_lease_id(const feed_lease_t *l);

/* The lease TTL and the tick period the caller should keep (ttl / 3), in ms. */
int64_t
feed_lease_ttl_ms(const feed_lease_t *l);
int64_t
feed_lease_tick_ms(const feed_lease_t *l);

/* Adds a stream to compete for: venue a lower-case name, symbol BASE-QUOTE.
 * Returns its index (>= 0, in order of adding) or CB_E_BAD_REQUEST (bad
 * name, or added twice), CB_E_TOO_BIG (more than FEED_LEASE_MAX). */
int
feed_lease_add(feed_lease_t *l, const char *venue, const char *symbol);

/* The streams added, their names (valid while l lives), and whether this
 * replica owns each one now (as of the last tick). */
size_t
feed_lease_count(const feed_lease_t *l);
const char *
feed_lease_venue(const feed_lease_t *l, size_t i);
const char *
feed_lease_symbol(const feed_lease_t *l, size_t i);
bool
feed_lease_owned(const feed_lease_t *l, size_t i);
size_t
feed_lease_owned_count(const feed_lease_t *l);

/* One round, every ~ttl/3: drops leases already expired locally (a late
 * tick), beats the heartbeat, renews the leases owned (one another replica holds is
 * lost), gives back those over the fair share, and takes free keys up to it.
 * *ch lists the streams gained and lost (start / stop publishing them).
 * After Redis lost our heartbeat while we were beating (a restart or flush),
 * the replica takes no new stream for one TTL, so that the owners from before
 * re-take theirs first (the renewal sets a vanished key again).
 * Returns 0, or the Redis error (CB_E_UNAVAILABLE, CB_E_TIMEOUT, ...; logged
 * once per outage) when a command failed: the round stops there, every stream
 * owned is kept until Redis answers again, and *ch is valid either way (apply
 * it in both cases). */
int
feed_lease_tick(feed_lease_t *l, feed_lease_changes_t *ch);

/* Clean shutdown: gives back every lease owned (compare-and-delete) and
 * removes the heartbeat, so another replica can take over at its next tick.
 * Every stream is reported lost and is no longer owned, even when Redis is
 * down (the leases then expire by TTL). Returns 0 or the first Redis error. */
int
feed_lease_release_all(feed_lease_t *l, feed_lease_changes_t *ch);

#endif
