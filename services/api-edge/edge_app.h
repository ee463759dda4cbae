/* edge_app.h - api-edge assembled: the HTTP server, bus cache, RPC client, rate limit, WebSocket hub and health pings on one loop */
#ifndef EDGE_APP_H_INCLUDED
#define EDGE_APP_H_INCLUDED

/* Everything runs in one thread and one cb_httpd loop: client sockets, the
 * ZeroMQ sockets of the cache and the RPC client (fd watches, plus a
 * zero-delay re-check after sends for ZeroMQ's edge-triggered fd), Redis
 * (inside edge_limit) and timers (health pings, symbol listings, RPC
 * deadlines). Ownership: the config's strings are borrowed for the app's
 * life. */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_httpd.h"
#include "cb_inbound.h"
#include "edge_rpc.h"
#include "edge_ws.h"

typedef struct {
    cb_httpd_config_t http;            /* host, port, body/header limits, timeouts */
    const char *sub_endpoint;          /* the bus XPUB */
    const char *rpc_endpoints[EDGE_SVC_COUNT];
    const char *redis_url;
    bool limit_on;                     /* false: no rate limit (benchmarks) */
    cb_inbound_config_t limit;
    const char *trusted_proxies;
    const char *cors_origins;
    edge_ws_config_t ws;
    int rpc_timeout_ms;
    int64_t price_fresh_ms;            /* a cached tick older than this goes to the RPC */
    bool health_watch[EDGE_SVC_COUNT]; /* pinged */
    bool health_required[EDGE_SVC_COUNT];
    int health_interval_ms;
    int listings_refresh_ms;
    size_t max_text_chars;
} edge_app_config_t;

typedef struct edge_app edge_app_t;

/* Builds and starts every part (listening when it returns). NULL on
 * failure (logged). */
edge_app_t *
edge_app_new(const edge_app_config_t *config);

/* Stops in reverse order: WebSocket clients closed 1001, pending requests
 * answered 503, leases returned to Redis. NULL-safe; nulls *app_p. */
void
edge_app_destroy(edge_app_t **app_p);

/* Runs the loop until *stop becomes non-zero. */
void
edge_app_run(edge_app_t *app, volatile sig_atomic_t *stop);

/* The HTTP port (the configured one, or the one picked for port 0). */
int
edge_app_port(const edge_app_t *app);

#endif
