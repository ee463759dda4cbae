/* edge_auth.h - api-edge's API key gate: the Bearer header, the key looked up in Redis by its SHA-256, the route's scope */
#ifndef EDGE_AUTH_H_INCLUDED
#define EDGE_AUTH_H_INCLUDED

/* A private route needs `Authorization: Bearer <key>` naming a key made by
 * `coinbus keys create` (cb_apikey.h) whose scope covers the route's. The
 * key's hash is looked up in Redis, asynchronously on the owner's loop over
 * edge_limit's Redis connection, unless edge_keycache holds the answer: it
 * keeps found keys only while Redis reports every write to them, so a
 * revoked key still fails on the very next request. A key's last use is
 * written back at most once a minute per key, without waiting for the
 * reply.
 * The key text is never logged, stored or kept past the call that reads it.
 * Ownership: borrows httpd and limit, which outlive it. */

#include <stdbool.h>
#include <stddef.h>

#include "cb_apikey.h"
#include "cb_httpd.h"
#include "edge_keycache.h"
#include "edge_limit.h"

typedef enum {
    EDGE_AUTH_OK = 0,
    EDGE_AUTH_MISSING,     /* no Authorization header: 401 + WWW-Authenticate */
    EDGE_AUTH_MALFORMED,   /* not "Bearer <key shape>": 401 */
    EDGE_AUTH_UNKNOWN,     /* no such key (or revoked): 401 */
    EDGE_AUTH_FORBIDDEN,   /* the key's scope is short of the route's: 403 */
    EDGE_AUTH_UNAVAILABLE, /* Redis could not be asked: 503 */
    EDGE_AUTH_COUNT
} edge_auth_outcome_t;

/* "ok", "missing", "malformed", "unknown", "forbidden", "unavailable" (the
 * /metrics label). */
const char *
edge_auth_outcome_name(edge_auth_outcome_t outcome);

/* The HTTP status of an outcome other than OK (401, 403 or 503), and a
 * client-safe detail for the error body. */
int
edge_auth_status(edge_auth_outcome_t outcome);
const char *
edge_auth_detail(edge_auth_outcome_t outcome);

/* The WWW-Authenticate value of a refusal (RFC 6750): for 401s and 403,
 * NULL for OK and UNAVAILABLE. need names the scope in a 403's. */
const char *
edge_auth_challenge(edge_auth_outcome_t outcome, cb_apikey_scope_t need);

/* Reads an Authorization header value (len bytes; value NULL or len 0:
 * absent): "Bearer" (any case), one or more spaces, a well-formed key,
 * optional trailing spaces. OK with *key / *key_len pointing into value,
 * MISSING or MALFORMED. Never reads past len. */
edge_auth_outcome_t
edge_auth_parse(const char *value, size_t len, const char **key, size_t *key_len);

/* The outcome for a key found (found) with scope have on a route needing need. */
edge_auth_outcome_t
edge_auth_decide(bool found, cb_apikey_scope_t have, cb_apikey_scope_t need);

typedef struct {
    edge_auth_outcome_t outcome;
    char key_id[CB_APIKEY_ID_LEN + 1]; /* the verified key's id; "" unless found */
    cb_apikey_scope_t scope;           /* the found key's scope; NONE unless found */
} edge_auth_result_t;

typedef void (*edge_auth_done_fn)(void *ctx, const edge_auth_result_t *result);

typedef struct edge_auth edge_auth_t;

/* limit may be NULL (no Redis: every lookup is UNAVAILABLE). redis_url
 * (COINBUS_REDIS_URL, limit's) is the key cache's; NULL: no cache. NULL on
 * no memory or a bad URL. */
edge_auth_t *
edge_auth_new(cb_httpd_t *httpd, edge_limit_t *limit, const char *redis_url);

/* Forgets pending lookups (their callbacks never run). NULL-safe. */
void
edge_auth_destroy(edge_auth_t **auth_p);

/* Looks up key (key_len bytes, well formed per edge_auth_parse) for a route
 * needing need. Returns 1 when decided now (out filled; done never runs:
 * the key cache's answer, or UNAVAILABLE when Redis is not connected), 0
 * when done(ctx, result) runs later from the loop, exactly once (the
 * answer, or UNAVAILABLE after a timeout). */
int
edge_auth_check(edge_auth_t *auth, const char *key, size_t key_len, cb_apikey_scope_t need,
                edge_auth_result_t *out, edge_auth_done_fn done, void *ctx);

/* edge_auth_check for a key already hashed (hex: cb_apikey_hash's 64
 * digits): for a holder that keeps the hash, never the key (/ws rechecks). */
int
edge_auth_check_hash(edge_auth_t *auth, const char *hex, cb_apikey_scope_t need,
                     edge_auth_result_t *out, edge_auth_done_fn done, void *ctx);

/* Forgets a pending lookup of (done, ctx): its callback never runs. */
void
edge_auth_cancel(edge_auth_t *auth, edge_auth_done_fn done, void *ctx);

/* Lookups sent to Redis so far (tests, /metrics). */
uint64_t
edge_auth_lookups(const edge_auth_t *auth);

/* The key cache's figures (zeros without one; NULL-safe). */
edge_keycache_stats_t
edge_auth_cache_stats(const edge_auth_t *auth);

#endif
