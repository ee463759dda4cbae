/* edge_http.h - api-edge's request pipeline: CORS, per-client limit, routing, deferred RPC answers, metrics */
#ifndef EDGE_HTTP_H_INCLUDED
#define EDGE_HTTP_H_INCLUDED

/* Every request goes: OPTIONS preflight -> a private route's API key
 * (Authorization: Bearer, looked up without blocking) -> rate limit (per
 * verified key, else per address) (every path but
 * /health and /metrics, unknown ones included; the request waits without
 * blocking the loop when the limiter asks Redis) -> 404 / 405 -> the route: answered at
 * once (cache, static files, health, metrics, 400s) or after one bus RPC
 * (deferred with cb_httpd_defer). Every answer carries the CORS and
 * X-RateLimit-* headers and is counted in the metrics.
 * Ownership: the parts are borrowed; they outlive the pipeline. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_httpd.h"
#include "edge_api.h"
#include "edge_auth.h"
#include "edge_cache.h"
#include "edge_health.h"
#include "edge_limit.h"
#include "edge_metrics.h"
#include "edge_rpc.h"
#include "edge_ws.h"

typedef struct edge_call edge_call_t;

typedef struct {
    /* Set by the owner before the first request. */
    cb_httpd_t *httpd;
    edge_rpc_t *rpc;
    edge_cache_t *cache;
    edge_limit_t *limit;   /* NULL: no rate limit */
    edge_limit_t *redis;   /* the Redis connection (also when limit is NULL): /health, /metrics */
    edge_auth_t *auth;     /* NULL: private routes answer 503 */
    edge_ws_t *ws;         /* NULL: /ws is refused */
    edge_health_t *health;
    edge_api_t api;
    const char *trusted_proxies; /* COINBUS_EDGE_TRUSTED_PROXIES */
    const char *cors_origins;    /* "*" or a comma-separated list; "" for none */
    int rpc_timeout_ms;
    /* Called after RPCs were sent: the owner lets edge_rpc process at the
     * end of this loop turn (ZeroMQ's edge-triggered fd). */
    void (*kick)(void *ctx);
    void *kick_ctx;
    /* The pipeline's own state. */
    edge_metrics_t metrics;
    edge_call_t *pending; /* deferred requests (limiter or RPC) */
    cb_buf_t scratch;
} edge_http_t;

/* The cb_httpd_handler_fn (ctx is the edge_http_t). */
void
edge_http_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* The cb_httpd_upgrade_fn: /ws upgrades pass the rate limit first, then go
 * to edge_ws_upgrade. */
int
edge_http_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* Answers GET /metrics into res: the pipeline's counters with the figures
 * of the rate limit, WebSocket hub, bus cache and RPC client. */
void
edge_http_metrics(edge_http_t *http, cb_httpd_res_t *res);

/* cb_httpd_config_t.error_body: the error shape for the server's own 413/431. */
void
edge_http_error_body(void *ctx, int status, const char *detail, cb_buf_t *out);

/* Answers every request still waiting for the limiter with 503 and frees
 * the pipeline's state (call before edge_limit_destroy and after
 * edge_rpc_destroy, which answers those waiting for an RPC). */
void
edge_http_fini(edge_http_t *http);

#endif
