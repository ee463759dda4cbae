/* edge_config.c - api-edge's environment variables: the table (defaults, ranges, --help) and its loading into edge_app_config_t */
#include "edge_config.h"

#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "edge_health.h"

const cb_config_var_t edge_config_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_HTTP_HOST", CB_CFG_HOST, "127.0.0.1", 0, 0, NULL,
     "IPv4 address the HTTP server listens on (0.0.0.0: every interface, as in containers)"},
    {"COINBUS_HTTP_PORT", CB_CFG_PORT, "8000", 0, 0, NULL, "HTTP and WebSocket port"},
    {"COINBUS_HTTP_MAX_BODY", CB_CFG_INT, "65536", 1024, 16777216, NULL,
     "largest request body in bytes (larger: 413)"},
    {"COINBUS_HTTP_MAX_HEADERS", CB_CFG_INT, "16384", 1024, 1048576, NULL,
     "largest request header block in bytes (larger: 431)"},
    {"COINBUS_HTTP_REQUEST_TIMEOUT_MS", CB_CFG_INT, "10000", 100, 600000, NULL,
     "a request not fully received by then is cut (slow clients)"},
    {"COINBUS_HTTP_KEEPALIVE_TIMEOUT_MS", CB_CFG_INT, "10000", 100, 600000, NULL,
     "idle keep-alive connections are closed after this"},
    {"COINBUS_EDGE_RATE_LIMIT", CB_CFG_INT, "100", 0, 1000000000, NULL,
     "requests per client per window, shared by every replica through Redis (0: no limit)"},
    {"COINBUS_EDGE_RATE_WINDOW_MS", CB_CFG_INT, "60000", 1000, 86400000, NULL, "the rate limit's sliding window"},
    {"COINBUS_EDGE_RATE_LEASE", CB_CFG_INT, "8", 1, 10000, NULL,
     "most of a client's budget one replica leases at a time (larger: fewer Redis round trips, "
     "more calls refused early across replicas)"},
    {"COINBUS_EDGE_REPLICAS", CB_CFG_INT, "1", 1, 1000, NULL,
     "api-edge replicas expected (sizes leases, and the per-replica limit while Redis is down)"},
    {"COINBUS_EDGE_TRUSTED_PROXIES", CB_CFG_STR, NULL, 0, 0, NULL,
     "addresses or CIDRs whose X-Forwarded-For is believed, comma-separated (unset: none)"},
    {"COINBUS_EDGE_CORS_ORIGINS", CB_CFG_STR, "*", 0, 0, NULL,
     "origins allowed to read answers: *, a comma-separated list, or none"},
    {"COINBUS_EDGE_RPC_TIMEOUT_MS", CB_CFG_INT, "3000", 50, 60000, NULL,
     "how long a request waits for a bus service (then 504)"},
    {"COINBUS_EDGE_PRICE_FRESH_MS", CB_CFG_INT, "5000", 0, 3600000, NULL,
     "a cached tick at most this old answers /api/market/price; older asks market-feed (0: always ask)"},
    {"COINBUS_EDGE_HEALTH_SERVICES", CB_CFG_STR, "market,sentiment", 0, 0, NULL,
     "bus services /health requires (market, sentiment, orders, account; comma-separated)"},
    {"COINBUS_EDGE_HEALTH_INTERVAL_MS", CB_CFG_INT, "2000", 100, 60000, NULL,
     "how often those services are pinged"},
    {"COINBUS_EDGE_LISTINGS_REFRESH_MS", CB_CFG_INT, "60000", 1000, 3600000, NULL,
     "how often the venues' symbol listings are read from market.symbols"},
    {"COINBUS_EDGE_WS_MAX_CLIENTS", CB_CFG_INT, "10000", 1, 1000000, NULL, "WebSocket clients at once (more: 503)"},
    {"COINBUS_EDGE_WS_MAX_MSG", CB_CFG_INT, "4096", 64, 1048576, NULL, "largest client WebSocket message (more: close 1009)"},
    {"COINBUS_EDGE_WS_QUEUE_MSGS", CB_CFG_INT, "256", 1, 1000000, NULL, "frames queued per client before it is slow"},
    {"COINBUS_EDGE_WS_QUEUE_BYTES", CB_CFG_INT, "1048576", 1024, 1073741824, NULL,
     "bytes queued per client before it is slow"},
    {"COINBUS_EDGE_WS_SLOW_CLOSE_MS", CB_CFG_INT, "10000", 100, 3600000, NULL,
     "a client slow this long is closed 1008"},
    {"COINBUS_EDGE_WS_IDLE_MS", CB_CFG_INT, "120000", 1000, 86400000, NULL,
     "no frame from a client this long: close"},
    {"COINBUS_EDGE_WS_PING_MS", CB_CFG_INT, "30000", 100, 3600000, NULL, "server ping interval"},
    {"COINBUS_EDGE_WS_STALE_MS", CB_CFG_INT, "15000", 100, 3600000, NULL,
     "a subscribed stream silent this long gets a stale notice"},
    {"COINBUS_EDGE_WS_MSGS_PER_SEC", CB_CFG_INT, "50", 1, 1000000, NULL,
     "client messages per second per connection (more: error, then 1008)"},
    {"COINBUS_EDGE_WS_MAX_SUBS", CB_CFG_INT, "100", 1, 100000, NULL, "subscriptions per connection"},
    {"COINBUS_EDGE_WS_AUTH_RECHECK_MS", CB_CFG_INT, "5000", 100, 3600000, NULL,
     "an authenticated WebSocket's API key is looked up again this often (a revoked key's order events stop)"},
    {"COINBUS_EDGE_WS_FLUSH_US", CB_CFG_INT, "2000", 0, 100000, NULL,
     "WebSocket writes to a client at most this often under load, several frames per write; "
     "a frame after a quiet spell goes at once (0: write every loop turn)"},
};
const size_t edge_config_nvars = sizeof edge_config_vars / sizeof edge_config_vars[0];

static int
s_int(const char *name, long *out)
{
    return cb_config_int(edge_config_vars, edge_config_nvars, name, out);
}

static int
s_str(const char *name, const char **out)
{
    return cb_config_str(edge_config_vars, edge_config_nvars, name, out);
}

/* The edge_rpc order of services, by name, from the bus's endpoints. */
static void
s_endpoints(const cb_bus_config_t *bus, edge_app_config_t *out)
{
    for (size_t s = 0; s < EDGE_SVC_COUNT; s++) {
        cb_rpc_service_t svc;
        out->rpc_endpoints[s] =
            cb_rpc_service_from_name(edge_svc_name((edge_svc_t) s), &svc) == 0 ? bus->frontend[svc] : NULL;
    }
}

int
edge_config_load(edge_app_config_t *out, cb_bus_config_t *bus)
{
    long port, body, headers, req_ms, ka_ms, limit, window, lease, replicas, rpc_ms, fresh_ms, hint_ms, list_ms;
    long ws_clients, ws_msg, ws_qm, ws_qb, ws_slow, ws_idle, ws_ping, ws_stale, ws_rate, ws_subs, ws_recheck, ws_flush;
    const char *host, *services, *cors, *trusted;
    memset(out, 0, sizeof *out);
    if (cb_bus_config_load(edge_config_vars, edge_config_nvars, bus) != 0 ||
        s_str("COINBUS_HTTP_HOST", &host) != 0 || s_int("COINBUS_HTTP_PORT", &port) != 0 ||
        s_int("COINBUS_HTTP_MAX_BODY", &body) != 0 || s_int("COINBUS_HTTP_MAX_HEADERS", &headers) != 0 ||
        s_int("COINBUS_HTTP_REQUEST_TIMEOUT_MS", &req_ms) != 0 ||
        s_int("COINBUS_HTTP_KEEPALIVE_TIMEOUT_MS", &ka_ms) != 0 ||
        s_int("COINBUS_EDGE_RATE_LIMIT", &limit) != 0 || s_int("COINBUS_EDGE_RATE_WINDOW_MS", &window) != 0 ||
        s_int("COINBUS_EDGE_RATE_LEASE", &lease) != 0 ||
        s_int("COINBUS_EDGE_REPLICAS", &replicas) != 0 || s_str("COINBUS_EDGE_TRUSTED_PROXIES", &trusted) != 0 ||
        s_str("COINBUS_EDGE_CORS_ORIGINS", &cors) != 0 || s_int("COINBUS_EDGE_RPC_TIMEOUT_MS", &rpc_ms) != 0 ||
        s_int("COINBUS_EDGE_PRICE_FRESH_MS", &fresh_ms) != 0 ||
        s_str("COINBUS_EDGE_HEALTH_SERVICES", &services) != 0 ||
        s_int("COINBUS_EDGE_HEALTH_INTERVAL_MS", &hint_ms) != 0 ||
        s_int("COINBUS_EDGE_LISTINGS_REFRESH_MS", &list_ms) != 0 ||
        s_int("COINBUS_EDGE_WS_MAX_CLIENTS", &ws_clients) != 0 || s_int("COINBUS_EDGE_WS_MAX_MSG", &ws_msg) != 0 ||
        s_int("COINBUS_EDGE_WS_QUEUE_MSGS", &ws_qm) != 0 || s_int("COINBUS_EDGE_WS_QUEUE_BYTES", &ws_qb) != 0 ||
        s_int("COINBUS_EDGE_WS_SLOW_CLOSE_MS", &ws_slow) != 0 || s_int("COINBUS_EDGE_WS_IDLE_MS", &ws_idle) != 0 ||
        s_int("COINBUS_EDGE_WS_PING_MS", &ws_ping) != 0 || s_int("COINBUS_EDGE_WS_STALE_MS", &ws_stale) != 0 ||
        s_int("COINBUS_EDGE_WS_MSGS_PER_SEC", &ws_rate) != 0 || s_int("COINBUS_EDGE_WS_MAX_SUBS", &ws_subs) != 0 ||
        s_int("COINBUS_EDGE_WS_AUTH_RECHECK_MS", &ws_recheck) != 0 ||
        s_int("COINBUS_EDGE_WS_FLUSH_US", &ws_flush) != 0 ||
        s_str("COINBUS_REDIS_URL", &out->redis_url) != 0) {
        return CB_E_CONFIG;
    }
    if (edge_health_parse_services(services, out->health_required) != 0) {
        cb_log_error("config_invalid", "variable=COINBUS_EDGE_HEALTH_SERVICES value=\"%s\" "
                                       "expected=\"market, sentiment, orders, account, comma-separated\"",
                     services);
        return CB_E_CONFIG;
    }
    memcpy(out->health_watch, out->health_required, sizeof out->health_watch);
    out->http = cb_httpd_config_default();
    out->http.host = host;
    out->http.port = (int) port;
    out->http.max_body = (size_t) body;
    out->http.max_header_bytes = (size_t) headers;
    out->http.request_timeout_ms = (int) req_ms;
    out->http.keepalive_timeout_ms = (int) ka_ms;
    out->sub_endpoint = bus->sub;
    s_endpoints(bus, out);
    out->limit_on = limit > 0;
    out->limit = cb_inbound_defaults();
    out->limit.limit = limit;
    out->limit.window_ms = window;
    out->limit.lease_size = (int) lease;
    out->limit.expected_replicas = (int) replicas;
    out->trusted_proxies = trusted != NULL ? trusted : "";
    out->cors_origins = strcmp(cors, "none") == 0 ? "" : cors;
    out->rpc_timeout_ms = (int) rpc_ms;
    out->price_fresh_ms = fresh_ms;
    out->health_interval_ms = (int) hint_ms;
    out->listings_refresh_ms = (int) list_ms;
    out->max_text_chars = 5000;
    out->ws = edge_ws_config_default();
    out->ws.max_clients = (size_t) ws_clients;
    out->ws.max_msg_bytes = (size_t) ws_msg;
    out->ws.queue_msgs = (size_t) ws_qm;
    out->ws.queue_bytes = (size_t) ws_qb;
    out->ws.slow_close_ms = ws_slow;
    out->ws.idle_timeout_ms = ws_idle;
    out->ws.ping_interval_ms = ws_ping;
    out->ws.stale_ms = ws_stale;
    out->ws.max_in_per_sec = (uint32_t) ws_rate;
    out->ws.max_subscriptions = (size_t) ws_subs;
    out->ws.auth_recheck_ms = ws_recheck;
    out->ws.flush_us = ws_flush > 0 ? ws_flush : -1;
    return 0;
}
