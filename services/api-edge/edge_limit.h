/* edge_limit.h - api-edge's per-client request limit (cb_inbound's leases), with Redis asked asynchronously from the loop */
#ifndef EDGE_LIMIT_H_INCLUDED
#define EDGE_LIMIT_H_INCLUDED

/* The same algorithm and Redis keys as cb_inbound (shared/lua/inbound.lua:
 * a replica leases slices of a client's budget of N calls per sliding
 * window W, so replicas sharing one Redis admit N in total, not N each), but
 * the Redis connection is hiredis's async one with its fd on the owner's
 * loop: a decision needing a lease waits for the reply without blocking the
 * loop; decisions the current lease covers are answered at once.
 * When Redis cannot be reached the local fallback of cb_inbound decides
 * (N / expected_replicas per client; logged once per outage).
 * Ownership: client strings are copied. */

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/async.h>

#include "cb_httpd.h"
#include "cb_inbound.h"

typedef struct edge_limit edge_limit_t;

/* cb_inbound_decision_t: allowed, limit, remaining, reset_ms, retry_after_ms, degraded. */
typedef void (*edge_limit_done_fn)(void *ctx, const cb_inbound_decision_t *decision);

/* redis_url as COINBUS_REDIS_URL. The Redis connection (and its
 * reconnects, lease returns and timeouts) lives on httpd's loop through
 * cb_httpd watches and timers. Connects in the background; NULL only on a
 * bad config or no memory. */
edge_limit_t *
edge_limit_new(cb_httpd_t *httpd, const char *redis_url, cb_inbound_config_t config);

/* Returns unused leased slots (best effort, bounded wait), then frees. NULL-safe. */
void
edge_limit_destroy(edge_limit_t **limit_p);

/* Decides one call by client (IP or API key id, <= 128 bytes). Returns 1
 * when decided now (out filled, done never runs), 0 when the decision waits
 * for Redis (done(ctx, decision) runs later from the loop, exactly once, or with a fallback decision after a 250 ms Redis timeout). */
int
edge_limit_check(edge_limit_t *limit, const char *client, cb_inbound_decision_t *out,
                 edge_limit_done_fn done, void *ctx);

/* Forgets a waiting decision (its callback never runs), e.g. when the
 * request's client has gone. */
void
edge_limit_cancel(edge_limit_t *limit, edge_limit_done_fn done, void *ctx);

/* Whether Redis answered the last command (for /health "redis"). */
bool
edge_limit_redis_up(const edge_limit_t *limit);

/* Sends a command (argv as redisAsyncCommandArgv) on the limiter's Redis
 * connections while they take commands (connected or connecting, not
 * failing or closing): edge_auth's lookups. On a Redis Cluster it follows
 * MOVED and ASK (edge_cluster_send), and a slot whose node is known and
 * connected is still served while the URL's node is down. fn (may be
 * NULL) runs exactly once, with a NULL reply when a connection goes. 0, or
 * CB_E_UNAVAILABLE / CB_E_NOMEM, and fn never runs. */
int
edge_limit_send(edge_limit_t *limit, redisCallbackFn *fn, void *privdata, int argc,
                const char **argv, const size_t *lens);

/* Decisions refused so far, Redis round trips, and decisions that waited
 * for Redis (returned 0 above: with leases that fit the demand, none in a
 * steady state), for /metrics. */
uint64_t
edge_limit_rejections(const edge_limit_t *limit);
uint64_t
edge_limit_redis_calls(const edge_limit_t *limit);
uint64_t
edge_limit_waits(const edge_limit_t *limit);

/* The client id of a request: the API key's id when key_id is non-empty
 * ("key:<id>"), else the peer address, or the X-Forwarded-For entry nearest
 * to us that is not one of the trusted proxies when the peer itself is a
 * trusted proxy ("ip:<addr>"). trusted: comma-separated IPv4/IPv6 addresses
 * or CIDRs (COINBUS_EDGE_TRUSTED_PROXIES). Writes at most size bytes. */
void
edge_limit_client_id(const char *peer, const char *xff, size_t xff_len, const char *trusted,
                     const char *key_id, char *out, size_t size);

#endif
