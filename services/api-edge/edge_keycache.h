/* edge_keycache.h - api-edge's API key cache: lookups answered from memory while Redis reports every write to the keys (CLIENT TRACKING, broadcast mode) */
#ifndef EDGE_KEYCACHE_H_INCLUDED
#define EDGE_KEYCACHE_H_INCLUDED

/* A found key's id and scope, by the SHA-256 of its text, kept only while
 * the cache is live: its own Redis connection (to the URL's node) has
 * turned on `CLIENT TRACKING on REDIRECT <itself> BCAST PREFIX
 * coinbus:edge:{apikeys}:hash:` and subscribed to __redis__:invalidate, so
 * Redis tells it of every write to a key's lookup record (revoke, expiry,
 * FLUSHALL), whichever client makes it and whether or not this replica
 * read the key. Redis queues that message before it answers the writer, so
 * a get, which first reads whatever has arrived on the connection, never
 * answers a key revoked before the request came.
 * The whole cache is dropped when the connection goes or is not yet set
 * up (then every lookup goes to Redis, as before), on a FLUSHALL and on
 * invalidations Redis could not name. Each entry also lives at most
 * EDGE_KEYCACHE_TTL_MS, a bound on staleness should the connection hang
 * without closing. Only keys found are kept, never refusals.
 * Off on a Redis Cluster (`CLUSTER INFO` answers): the keys' slot may live
 * on another node than the URL's, whose writes this connection would not
 * hear of.
 * Ownership: the key text is never seen here; hashes and ids are copied.
 * One thread (the loop's). */

#include <stdbool.h>
#include <stdint.h>

#include "cb_apikey.h"
#include "cb_httpd.h"

/* Longest an entry answers before it is looked up again. */
#define EDGE_KEYCACHE_TTL_MS 5000
/* Most entries; a full cache starts again from empty. */
#define EDGE_KEYCACHE_MAX 4096

typedef struct edge_keycache edge_keycache_t;

/* Connects in the background on httpd's loop (reconnecting with backoff
 * after a loss). redis_url as COINBUS_REDIS_URL. NULL on a bad URL or no
 * memory. */
edge_keycache_t *
edge_keycache_new(cb_httpd_t *httpd, const char *redis_url);

/* Closes the connection and frees. NULL-safe, nulls *kc_p. */
void
edge_keycache_destroy(edge_keycache_t **kc_p);

/* After reading what Redis has sent on the connection so far: true with
 * id (CB_APIKEY_ID_LEN + 1 bytes) and *scope filled when hex (64 digits) is
 * cached and live, else false. */
bool
edge_keycache_get(edge_keycache_t *kc, const char *hex, char *id, cb_apikey_scope_t *scope);

/* A ticket for a lookup about to be sent to Redis: 0 while the cache is
 * not live. */
uint64_t
edge_keycache_ticket(const edge_keycache_t *kc);

/* Keeps a found key's lookup answer, when ticket (taken before the lookup
 * was sent) is non-zero and nothing was invalidated or lost since: an
 * answer that may predate a write is never kept. */
void
edge_keycache_put(edge_keycache_t *kc, uint64_t ticket, const char *hex, const char *id,
                  cb_apikey_scope_t scope);

typedef struct {
    bool live;              /* tracking on and subscribed */
    bool off;               /* off for good (a Redis Cluster) */
    uint64_t hits;          /* lookups answered from memory */
    uint64_t invalidations; /* messages from Redis, losses included */
    uint64_t entries;
} edge_keycache_stats_t;

/* For /metrics and tests; zeros for NULL. */
edge_keycache_stats_t
edge_keycache_stats(const edge_keycache_t *kc);

#endif
