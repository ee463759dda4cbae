/* edge_metrics.c - api-edge's counters and their Prometheus text exposition (/metrics) */
#include "edge_metrics.h"

#include <stdio.h>
#include <string.h>

static const int s_statuses[EDGE_METRICS_STATUSES] = {200, 204, 304, 400, 401, 403, 404, 405,
                                                      409, 413, 429, 431, 500, 502, 503, 504};
static const double s_bounds_ms[EDGE_METRICS_BUCKETS] = {0.25, 0.5, 1, 2.5, 5, 10,
                                                         25, 50, 100, 250, 1000, 5000};
/* edge_rpc_stats_t.latency_le_ms's bounds. */
static const int s_rpc_bounds_ms[8] = {1, 2, 5, 10, 25, 100, 500, 2500};

void
edge_metrics_init(edge_metrics_t *m)
{
    memset(m, 0, sizeof *m);
}

void
edge_metrics_observe(edge_metrics_t *m, const edge_route_t *route, int status, int64_t latency_ns)
{
    size_t r = route != NULL ? (size_t) route->id : EDGE_R_COUNT;
    size_t s = EDGE_METRICS_STATUSES;
    for (size_t i = 0; i < EDGE_METRICS_STATUSES; i++) {
        if (s_statuses[i] == status) {
            s = i;
            break;
        }
    }
    m->requests[r][s]++;
    if (latency_ns < 0) {
        latency_ns = 0;
    }
    double ms = (double) latency_ns / 1e6;
    size_t b = 0;
    while (b < EDGE_METRICS_BUCKETS && ms > s_bounds_ms[b]) {
        b++;
    }
    m->le[r][b]++;
    m->latency_ns_sum[r] += (uint64_t) latency_ns;
    m->observed[r]++;
}

static const char *
s_label(size_t r)
{
    const edge_route_t *route = edge_routes_get((edge_route_id_t) r);
    return route != NULL ? route->path : "unknown";
}

static int
s_requests(const edge_metrics_t *m, cb_buf_t *out)
{
    int rc = cb_buf_append_str(out, "# HELP coinbus_edge_http_requests_total HTTP requests answered, "
                                    "by route and status.\n"
                                    "# TYPE coinbus_edge_http_requests_total counter\n");
    for (size_t r = 0; rc == 0 && r <= EDGE_R_COUNT; r++) {
        for (size_t s = 0; rc == 0 && s <= EDGE_METRICS_STATUSES; s++) {
            if (m->requests[r][s] == 0) {
                continue;
            }
            char status[8] = "other";
            if (s < EDGE_METRICS_STATUSES) {
                snprintf(status, sizeof status, "%d", s_statuses[s]);
            }
            rc = cb_buf_appendf(out, "coinbus_edge_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                                s_label(r), status, (unsigned long long) m->requests[r][s]);
        }
    }
    rc = rc != 0 ? rc
                 : cb_buf_append_str(out, "# HELP coinbus_edge_http_request_duration_seconds Time from "
                                          "request to answer, by route.\n"
                                          "# TYPE coinbus_edge_http_request_duration_seconds histogram\n");
    for (size_t r = 0; rc == 0 && r <= EDGE_R_COUNT; r++) {
        if (m->observed[r] == 0) {
            continue;
        }
        uint64_t cum = 0;
        for (size_t b = 0; rc == 0 && b < EDGE_METRICS_BUCKETS; b++) {
            cum += m->le[r][b];
            rc = cb_buf_appendf(out, "coinbus_edge_http_request_duration_seconds_bucket{route=\"%s\","
                                     "le=\"%g\"} %llu\n",
                                s_label(r), s_bounds_ms[b] / 1000.0, (unsigned long long) cum);
        }
        rc = rc != 0 ? rc
                     : cb_buf_appendf(out, "coinbus_edge_http_request_duration_seconds_bucket{route=\"%s\","
                                           "le=\"+Inf\"} %llu\n"
                                           "coinbus_edge_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n"
                                           "coinbus_edge_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                                      s_label(r), (unsigned long long) m->observed[r], s_label(r),
                                      (double) m->latency_ns_sum[r] / 1e9, s_label(r),
                                      (unsigned long long) m->observed[r]);
    }
    return rc;
}

static int
s_rpc(const edge_metrics_ext_t *ext, cb_buf_t *out)
{
    int rc = cb_buf_append_str(out, "# HELP coinbus_edge_rpc_duration_seconds Bus RPC round trips, by service.\n"
                                    "# TYPE coinbus_edge_rpc_duration_seconds histogram\n");
    for (size_t s = 0; rc == 0 && s < EDGE_SVC_COUNT; s++) {
        const edge_rpc_stats_t *st = &ext->rpc[s];
        const char *name = edge_svc_name((edge_svc_t) s);
        for (size_t b = 0; rc == 0 && b < 8; b++) {
            rc = cb_buf_appendf(out, "coinbus_edge_rpc_duration_seconds_bucket{service=\"%s\",le=\"%g\"} %llu\n",
                                name, s_rpc_bounds_ms[b] / 1000.0, (unsigned long long) st->latency_le_ms[b]);
        }
        rc = rc != 0 ? rc
                     : cb_buf_appendf(out, "coinbus_edge_rpc_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} %llu\n"
                                           "coinbus_edge_rpc_duration_seconds_sum{service=\"%s\"} %.9f\n"
                                           "coinbus_edge_rpc_duration_seconds_count{service=\"%s\"} %llu\n"
                                           "coinbus_edge_rpc_calls_total{service=\"%s\"} %llu\n"
                                           "coinbus_edge_rpc_timeouts_total{service=\"%s\"} %llu\n",
                                      name, (unsigned long long) st->replies, name,
                                      (double) st->latency_ns_sum / 1e9, name,
                                      (unsigned long long) st->replies, name,
                                      (unsigned long long) st->calls, name,
                                      (unsigned long long) st->timeouts);
    }
    return rc;
}

void
edge_metrics_auth(edge_metrics_t *m, edge_auth_outcome_t outcome)
{
    if ((unsigned) outcome < EDGE_AUTH_COUNT) {
        m->auth[outcome]++;
    }
}

static int
s_auth(const edge_metrics_t *m, cb_buf_t *out)
{
    int rc = cb_buf_append_str(out, "# HELP coinbus_edge_auth_total API key checks of private routes, by outcome.\n"
                                    "# TYPE coinbus_edge_auth_total counter\n");
    for (size_t o = 0; rc == 0 && o < EDGE_AUTH_COUNT; o++) {
        rc = cb_buf_appendf(out, "coinbus_edge_auth_total{outcome=\"%s\"} %llu\n",
                            edge_auth_outcome_name((edge_auth_outcome_t) o), (unsigned long long) m->auth[o]);
    }
    return rc;
}

/* The API key cache (edge_keycache.h). */
static int
s_key_cache(const edge_metrics_ext_t *ext, cb_buf_t *out)
{
    const edge_keycache_stats_t *kc = &ext->key_cache;
    return cb_buf_appendf(out,
                          "# HELP coinbus_edge_key_cache_live Whether API key checks may be answered from memory "
                          "(Redis reports writes to the keys, fence fresh).\n"
                          "# TYPE coinbus_edge_key_cache_live gauge\n"
                          "coinbus_edge_key_cache_live %d\n"
                          "# HELP coinbus_edge_key_cache_hits_total API key checks answered from memory.\n"
                          "# TYPE coinbus_edge_key_cache_hits_total counter\n"
                          "coinbus_edge_key_cache_hits_total %llu\n"
                          "# HELP coinbus_edge_key_cache_invalidations_total Reports of key writes from Redis, and "
                          "connection losses.\n"
                          "# TYPE coinbus_edge_key_cache_invalidations_total counter\n"
                          "coinbus_edge_key_cache_invalidations_total %llu\n"
                          "# HELP coinbus_edge_key_cache_entries API keys held in memory now.\n"
                          "# TYPE coinbus_edge_key_cache_entries gauge\n"
                          "coinbus_edge_key_cache_entries %llu\n",
                          kc->live ? 1 : 0, (unsigned long long) kc->hits,
                          (unsigned long long) kc->invalidations, (unsigned long long) kc->entries);
}

/* The WebSocket orders channel: key lookups by outcome, events relayed. */
static int
s_ws_orders(const edge_metrics_ext_t *ext, cb_buf_t *out)
{
    int rc = cb_buf_append_str(out, "# HELP coinbus_edge_ws_auth_total WebSocket API key lookups (auth, header, "
                                    "rechecks), by outcome.\n"
                                    "# TYPE coinbus_edge_ws_auth_total counter\n");
    for (size_t o = 0; rc == 0 && o < EDGE_AUTH_COUNT; o++) {
        rc = cb_buf_appendf(out, "coinbus_edge_ws_auth_total{outcome=\"%s\"} %llu\n",
                            edge_auth_outcome_name((edge_auth_outcome_t) o), (unsigned long long) ext->ws_auth[o]);
    }
    return rc != 0 ? rc
                   : cb_buf_appendf(out,
                                    "# HELP coinbus_edge_ws_order_events_total Order events queued to WebSocket "
                                    "clients.\n"
                                    "# TYPE coinbus_edge_ws_order_events_total counter\n"
                                    "coinbus_edge_ws_order_events_total %llu\n",
                                    (unsigned long long) ext->ws_order_events);
}

int
edge_metrics_render(const edge_metrics_t *m, const edge_metrics_ext_t *ext, cb_buf_t *out)
{
    int rc = s_requests(m, out);
    rc = rc != 0 ? rc : s_rpc(ext, out);
    rc = rc != 0 ? rc : s_auth(m, out);
    rc = rc != 0 ? rc : s_key_cache(ext, out);
    rc = rc != 0 ? rc : s_ws_orders(ext, out);
    return rc != 0
               ? rc
               : cb_buf_appendf(
                     out,
                     "# HELP coinbus_edge_rate_limited_total Requests refused by the rate limit (429).\n"
                     "# TYPE coinbus_edge_rate_limited_total counter\n"
                     "coinbus_edge_rate_limited_total %llu\n"
                     "# HELP coinbus_edge_limit_redis_calls_total Rate-limit round trips to Redis.\n"
                     "# TYPE coinbus_edge_limit_redis_calls_total counter\n"
                     "coinbus_edge_limit_redis_calls_total %llu\n"
                     "# HELP coinbus_edge_limit_waits_total Requests that waited for a rate-limit lease from Redis.\n"
                     "# TYPE coinbus_edge_limit_waits_total counter\n"
                     "coinbus_edge_limit_waits_total %llu\n"
                     "# HELP coinbus_edge_redis_up Whether Redis answered the last command.\n"
                     "# TYPE coinbus_edge_redis_up gauge\n"
                     "coinbus_edge_redis_up %d\n"
                     "# HELP coinbus_edge_ws_clients WebSocket clients connected now.\n"
                     "# TYPE coinbus_edge_ws_clients gauge\n"
                     "coinbus_edge_ws_clients %llu\n"
                     "# HELP coinbus_edge_ws_messages_total WebSocket messages queued to clients.\n"
                     "# TYPE coinbus_edge_ws_messages_total counter\n"
                     "coinbus_edge_ws_messages_total %llu\n"
                     "# HELP coinbus_edge_ws_slow_closed_total WebSocket clients closed for lagging.\n"
                     "# TYPE coinbus_edge_ws_slow_closed_total counter\n"
                     "coinbus_edge_ws_slow_closed_total %llu\n"
                     "# HELP coinbus_edge_bus_messages_total Bus messages received, by outcome.\n"
                     "# TYPE coinbus_edge_bus_messages_total counter\n"
                     "coinbus_edge_bus_messages_total{outcome=\"ok\"} %llu\n"
                     "coinbus_edge_bus_messages_total{outcome=\"malformed\"} %llu\n"
                     "# HELP coinbus_edge_bus_gaps_total Sequence gaps seen on the bus.\n"
                     "# TYPE coinbus_edge_bus_gaps_total counter\n"
                     "coinbus_edge_bus_gaps_total %llu\n"
                     "# HELP coinbus_edge_rpc_pending Bus RPC calls waiting for a reply.\n"
                     "# TYPE coinbus_edge_rpc_pending gauge\n"
                     "coinbus_edge_rpc_pending %llu\n"
                     "# HELP coinbus_edge_http_pending HTTP requests waiting for an answer.\n"
                     "# TYPE coinbus_edge_http_pending gauge\n"
                     "coinbus_edge_http_pending %llu\n",
                     (unsigned long long) ext->limit_rejections, (unsigned long long) ext->limit_redis_calls,
                     (unsigned long long) ext->limit_waits,
                     ext->redis_up, (unsigned long long) ext->ws_clients,
                     (unsigned long long) ext->ws_messages_out, (unsigned long long) ext->ws_slow_closed,
                     (unsigned long long) ext->bus_received, (unsigned long long) ext->bus_malformed,
                     (unsigned long long) ext->bus_gaps, (unsigned long long) ext->rpc_pending,
                     (unsigned long long) ext->http_pending);
}
