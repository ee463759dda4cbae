/* edge_keycache.h - api-edge's API key cache: found keys answered from memory while Redis reports
 * every write to them */
#ifndef EDGE_KEYCACHE_H_INCLUDED
#define EDGE_KEYCACHE_H_INCLUDED

/* A found key's id and scope, by the SHA-256 of its text. The cache's own
 * Redis connection (to the URL's node) turns on `CLIENT TRACKING on
 * REDIRECT <itself> BCAST PREFIX coinbus:edge:{apikeys}:hash:` and
 * subscribes to __redis__:invalidate, so Redis reports every write to a
 * key's lookup record (revoke, scope change, FLUSHALL), whichever client
 * makes it and whether or not this replica read the key. An entry is
 * dropped when its key is reported written; every entry when the
 * connection goes or Redis names no key (FLUSHALL).
 * The fence: every EDGE_KEYCACHE_FENCE_EVERY_MS the connection sends a
 * SUBSCRIBE to a channel of its own; Redis's confirmation comes after the
 * reports of every write it ran before it read that SUBSCRIBE. A get
 * answers from memory only when the last confirmed fence was sent less
 * than EDGE_KEYCACHE_FENCE_MAX_MS ago, so a write that Redis ran more
 * than CB_APIKEY_SETTLE_MS before a request is always seen (whatever the
 * network's delays: `coinbus keys revoke` waits that long), and a hung or
 * unreachable Redis stops the cache within that bound (the lookups then
 * time out: 503, never a pass). A get also reads first whatever Redis has
 * sent, so on one host a write is seen by the next request in practice.
 * Not seen: SWAPDB / a db switched under api-edge (Redis reports nothing).
 * Only found keys are kept, never refusals.
 * Off on a Redis Cluster (`CLUSTER INFO` answers: the keys' slot may be on
 * another node, whose writes this connection would not hear of) and when
 * Redis refuses CLUSTER INFO, CLIENT TRACKING or SUBSCRIBE to the user
 * (ACL: +cluster|info +client|id +client|tracking +subscribe
 * &__redis__:invalidate &coinbus:edge:keycache:fence); then every key is
 * looked up.
 * Ownership: the key text is never seen here; hashes and ids are copied.
 * One thread (the loop's). */

#include <stdbool.h>
#include <stdint.h>

#include "cb_apikey.h"
#include "cb_httpd.h"

/* How often a fence is sent, and how old the last confirmed one may be
 * (sent, not answered) for a get to answer from memory: under
 * CB_APIKEY_SETTLE_MS, with 100 ms to spare for clocks and scheduling. */
#define EDGE_KEYCACHE_FENCE_EVERY_MS 100
#define EDGE_KEYCACHE_FENCE_MAX_MS (CB_APIKEY_SETTLE_MS - 100)
/* Most entries; a full cache starts again from empty. */
#define EDGE_KEYCACHE_MAX 4096

typedef struct edge_keycache edge_keycache_t;

/* Connects in the background on httpd's loop (reconnecting with backoff
 * after a loss). redis_url as COINBUS_REDIS_URL. NULL on a bad URL or no
 * memory. */
edge_keycache_t *edge_keycache_new(cb_httpd_t *httpd, const char *redis_url);

/* Closes the connection and frees. NULL-safe, nulls *kc_p. */
void edge_keycache_destroy(edge_keycache_t **kc_p);

/* After reading what Redis has sent on the connection so far: true with
 * id (CB_APIKEY_ID_LEN + 1 bytes) and *scope filled when hex (64 digits)
 * is held and the fence is fresh, else false (look it up). Never called
 * from this module's own callbacks. */
bool edge_keycache_get(edge_keycache_t *kc, const char *hex, char *id, cb_apikey_scope_t *scope);

/* A ticket for a lookup about to be sent to Redis: 0 while the cache is
 * not live. */
uint64_t edge_keycache_ticket(const edge_keycache_t *kc);

/* Keeps a found key's lookup answer when ticket (taken before the lookup
 * was sent) is non-zero and no report or loss came since: an answer that
 * may predate a write is never kept. */
void edge_keycache_set(edge_keycache_t *kc, uint64_t ticket, const char *hex, const char *id,
                       cb_apikey_scope_t scope);

typedef struct {
    bool live;              /* tracking on, subscribed, fence fresh */
    bool off;               /* off for good (a cluster, or refused) */
    uint64_t hits;          /* lookups answered from memory */
    uint64_t invalidations; /* reports from Redis, and losses */
    uint64_t entries;
} edge_keycache_stats_t;

/* For /metrics and tests; zeros for NULL. */
edge_keycache_stats_t edge_keycache_stats(const edge_keycache_t *kc);

#endif
