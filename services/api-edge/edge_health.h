/* edge_health.h - api-edge's dependencies as /health reports them: bus services pinged in the background, Redis, venue circuits */
#ifndef EDGE_HEALTH_H_INCLUDED
#define EDGE_HEALTH_H_INCLUDED

/* The owner calls edge_health_ping every interval (its timer); each ping is
 * the built-in RPC `ping` every service answers. A service is up while its
 * latest ping was answered; it is "unknown" (and treated as up) until the
 * first answer or timeout. Ownership: rpc is borrowed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "edge_cache.h"
#include "edge_rpc.h"

typedef struct edge_health edge_health_t;

/* watched[svc]: pinged and shown; required[svc]: down makes /health 503.
 * NULL on no memory. */
edge_health_t *
edge_health_new(edge_rpc_t *rpc, const bool watched[EDGE_SVC_COUNT],
                const bool required[EDGE_SVC_COUNT], int timeout_ms);

/* Cancels pending pings and frees; NULL-safe; nulls *health_p. */
void
edge_health_destroy(edge_health_t **health_p);

/* Sends a ping to every watched service that has none pending. Returns the
 * number sent (the owner then lets edge_rpc process). */
size_t
edge_health_ping(edge_health_t *health);

/* False only when the latest ping of svc went unanswered (fail fast with 503
 * instead of waiting for a timeout). */
bool
edge_health_service_up(const edge_health_t *health, edge_svc_t svc);

/* Replaces out with the /health JSON and returns its status: 200 when every
 * required service, Redis and the bus are up, else 503. cache may be NULL. */
int
edge_health_render(const edge_health_t *health, bool redis_up, const edge_cache_t *cache,
                   cb_buf_t *out);

/* The names of a comma-separated service list ("market,sentiment") as flags.
 * 0 or CB_E_CONFIG (an unknown name). */
int
edge_health_parse_services(const char *text, bool out[EDGE_SVC_COUNT]);

#endif
