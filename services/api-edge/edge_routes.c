/* edge_routes.c - api-edge's route table: every path it answers, its method, the rate limit and the API key scope it needs */
#include "edge_routes.h"

#include <string.h>

static const edge_route_t s_routes[EDGE_R_COUNT] = {
    {EDGE_R_PRICE, "GET", "/api/market/price", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_OHLC, "GET", "/api/market/ohlc", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_BOOK, "GET", "/api/market/book", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_TRADES, "GET", "/api/market/trades", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_COMPARE, "GET", "/api/market/compare", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_BEST, "GET", "/api/market/best", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_SYMBOLS, "GET", "/api/market/symbols", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_VENUES, "GET", "/api/market/venues", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_ANALYZE, "POST", "/api/sentiment/analyze", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_ACC_BALANCES, "GET", "/api/account/balances", false, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_TRADE_BALANCE, "GET", "/api/account/trade-balance", false, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_ORDERS, "GET", "/api/account/orders", false, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_TRADES, "GET", "/api/account/trades", false, true, true, CB_APIKEY_SCOPE_READ},
    /* A Kraken WebSocket token can place orders (addOrder) through the
     * venue's private WebSocket: it needs a trade key. */
    {EDGE_R_ACC_WS_TOKEN, "GET", "/api/account/ws-token", false, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ACC_CHECK, "GET", "/api/account/check", false, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_HEALTH, "GET", "/health", false, false, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_METRICS, "GET", "/metrics", false, false, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_OPENAPI, "GET", "/openapi.json", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_DOCS, "GET", "/docs", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_DASHBOARD, "GET", "/", false, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_STATIC, "GET", "/static/", true, true, false, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_WS, "GET", "/ws", false, true, true, CB_APIKEY_SCOPE_NONE},
};

const edge_route_t *
edge_routes_find(const char *path, size_t len)
{
    for (size_t i = 0; i < EDGE_R_COUNT; i++) {
        const edge_route_t *r = &s_routes[i];
        size_t n = strlen(r->path);
        if (r->prefix ? len > n && memcmp(path, r->path, n) == 0
                      : len == n && memcmp(path, r->path, n) == 0) {
            return r;
        }
    }
    return NULL;
}

bool
edge_routes_method_ok(const edge_route_t *r, const char *method, size_t len)
{
    size_t n = strlen(r->method);
    if (len == n && memcmp(method, r->method, n) == 0) {
        return true;
    }
    return strcmp(r->method, "GET") == 0 && len == 4 && memcmp(method, "HEAD", 4) == 0;
}

const char *
edge_routes_allow(const edge_route_t *r)
{
    return strcmp(r->method, "GET") == 0 ? "GET, HEAD, OPTIONS" : "POST, OPTIONS";
}

const edge_route_t *
edge_routes_get(edge_route_id_t id)
{
    return (unsigned) id < EDGE_R_COUNT ? &s_routes[id] : NULL;
}

void
edge_routes_each(void (*fn)(void *ctx, const edge_route_t *route), void *ctx)
{
    for (size_t i = 0; i < EDGE_R_COUNT; i++) {
        fn(ctx, &s_routes[i]);
    }
}
