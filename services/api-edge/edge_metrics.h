/* edge_metrics.h - api-edge's counters and their Prometheus text exposition (/metrics) */
#ifndef EDGE_METRICS_H_INCLUDED
#define EDGE_METRICS_H_INCLUDED

/* Requests are counted by route and status with a latency histogram per
 * route; the other figures (WebSocket clients, rate-limit rejections, bus
 * messages, RPC latency) belong to their modules and are read at render
 * time through edge_metrics_ext_t. One thread (the loop's). */

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "edge_auth.h"
#include "edge_rpc.h"
#include "edge_routes.h"

/* Latency bucket bounds in ms (Prometheus `le`), +Inf implied. */
#define EDGE_METRICS_BUCKETS 12
/* Statuses counted one by one; any other lands in "other". */
#define EDGE_METRICS_STATUSES 16

typedef struct {
    /* [route][status slot]; route EDGE_R_COUNT is "unknown" (404 paths). */
    uint64_t requests[EDGE_R_COUNT + 1][EDGE_METRICS_STATUSES + 1];
    uint64_t le[EDGE_R_COUNT + 1][EDGE_METRICS_BUCKETS + 1];
    uint64_t latency_ns_sum[EDGE_R_COUNT + 1];
    uint64_t observed[EDGE_R_COUNT + 1];
    uint64_t auth[EDGE_AUTH_COUNT]; /* private routes' key checks, by outcome */
} edge_metrics_t;

/* Figures owned by other modules, sampled when /metrics is asked. */
typedef struct {
    uint64_t ws_clients;
    uint64_t ws_messages_out;
    uint64_t ws_slow_closed;
    uint64_t ws_auth[EDGE_AUTH_COUNT];
    uint64_t ws_order_events;
    edge_keycache_stats_t key_cache;
    uint64_t limit_rejections;
    uint64_t limit_redis_calls;
    uint64_t limit_waits;
    int redis_up;
    uint64_t bus_received;
    uint64_t bus_malformed;
    uint64_t bus_gaps;
    uint64_t rpc_pending;
    edge_rpc_stats_t rpc[EDGE_SVC_COUNT];
    uint64_t http_pending;
} edge_metrics_ext_t;

void
edge_metrics_init(edge_metrics_t *m);

/* Counts one answered request. route NULL: an unknown path. */
void
edge_metrics_observe(edge_metrics_t *m, const edge_route_t *route, int status, int64_t latency_ns);

/* Counts one API key check of a private route. */
void
edge_metrics_auth(edge_metrics_t *m, edge_auth_outcome_t outcome);

/* Appends the Prometheus text format (version 0.0.4) of m and ext to out.
 * 0 or CB_E_NOMEM. */
int
edge_metrics_render(const edge_metrics_t *m, const edge_metrics_ext_t *ext, cb_buf_t *out);

#endif
