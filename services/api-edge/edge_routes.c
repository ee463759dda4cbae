/* edge_routes.c - api-edge's route table: every path it answers, its methods, the rate limit and the API key scope it needs */
#include "edge_routes.h"

#include <string.h>

static const edge_route_t s_routes[EDGE_R_COUNT] = {
    {EDGE_R_PRICE, "GET", "/api/market/price", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_OHLC, "GET", "/api/market/ohlc", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_BOOK, "GET", "/api/market/book", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_TRADES, "GET", "/api/market/trades", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_COMPARE, "GET", "/api/market/compare", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_BEST, "GET", "/api/market/best", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_SYMBOLS, "GET", "/api/market/symbols", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_VENUES, "GET", "/api/market/venues", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_ANALYZE, "POST", "/api/sentiment/analyze", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_ACC_BALANCES, "GET", "/api/account/balances", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_TRADE_BALANCE, "GET", "/api/account/trade-balance", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_ORDERS, "GET", "/api/account/orders", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ACC_TRADES, "GET", "/api/account/trades", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    /* A Kraken WebSocket token can place orders (addOrder) through the
     * venue's private WebSocket: it needs a trade key. */
    {EDGE_R_ACC_WS_TOKEN, "GET", "/api/account/ws-token", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ACC_CHECK, "GET", "/api/account/check", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    /* Orders: reading them takes a read key (as /api/account/orders does);
     * placing, changing and cancelling take a trade key. */
    {EDGE_R_ORD_PLACE, "POST", "/api/orders", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ORD_LIST, "GET", "/api/orders", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ORD_CANCEL_ALL, "DELETE", "/api/orders", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ORD_CANCEL_AFTER, "POST", "/api/orders/cancel-after", EDGE_MATCH_EXACT, true, true,
     CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ORD_GET, "GET", "/api/orders/{id}", EDGE_MATCH_PARAM, true, true, CB_APIKEY_SCOPE_READ},
    {EDGE_R_ORD_CANCEL, "DELETE", "/api/orders/{id}", EDGE_MATCH_PARAM, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_ORD_AMEND, "PATCH", "/api/orders/{id}", EDGE_MATCH_PARAM, true, true, CB_APIKEY_SCOPE_TRADE},
    {EDGE_R_HEALTH, "GET", "/health", EDGE_MATCH_EXACT, false, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_METRICS, "GET", "/metrics", EDGE_MATCH_EXACT, false, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_OPENAPI, "GET", "/openapi.json", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_DOCS, "GET", "/docs", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_DASHBOARD, "GET", "/", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_STATIC, "GET", "/static/", EDGE_MATCH_PREFIX, true, false, CB_APIKEY_SCOPE_NONE},
    {EDGE_R_WS, "GET", "/ws", EDGE_MATCH_EXACT, true, true, CB_APIKEY_SCOPE_NONE},
};

/* len bytes of path match r's pattern. */
static bool
s_matches(const edge_route_t *r, const char *path, size_t len)
{
    size_t n = strlen(r->path);
    switch (r->match) {
    case EDGE_MATCH_PREFIX:
        return len > n && memcmp(path, r->path, n) == 0;
    case EDGE_MATCH_PARAM: {
        n = (size_t) (strchr(r->path, '{') - r->path);
        return len > n && memcmp(path, r->path, n) == 0 && memchr(path + n, '/', len - n) == NULL;
    }
    default:
        return len == n && memcmp(path, r->path, n) == 0;
    }
}

const edge_route_t *
edge_routes_find(const char *path, size_t len)
{
    for (size_t i = 0; i < EDGE_R_COUNT; i++) {
        if (s_matches(&s_routes[i], path, len)) {
            return &s_routes[i];
        }
    }
    return NULL;
}

const edge_route_t *
edge_routes_match(const char *method, size_t mlen, const char *path, size_t len, bool *method_ok)
{
    const edge_route_t *first = edge_routes_find(path, len);
    *method_ok = false;
    for (size_t i = 0; first != NULL && i < EDGE_R_COUNT; i++) {
        const edge_route_t *r = &s_routes[i];
        if (strcmp(r->path, first->path) == 0 && edge_routes_method_ok(r, method, mlen)) {
            *method_ok = true;
            return r;
        }
    }
    return first;
}

const char *
edge_routes_param(const edge_route_t *r, const char *path, size_t len, size_t *plen)
{
    *plen = 0;
    if (r == NULL || r->match != EDGE_MATCH_PARAM) {
        return NULL;
    }
    size_t n = (size_t) (strchr(r->path, '{') - r->path);
    if (len < n) {
        return NULL;
    }
    *plen = len - n;
    return path + n;
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
edge_routes_allow(const edge_route_t *r, char out[EDGE_ALLOW_MAX])
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < EDGE_R_COUNT; i++) {
        const edge_route_t *o = &s_routes[i];
        /* The table's longest pattern needs 34 bytes: the check only keeps
         * a longer one in bounds. */
        if (strcmp(o->path, r->path) == 0 && used + 16 < EDGE_ALLOW_MAX) {
            bool get = strcmp(o->method, "GET") == 0;
            used += (size_t) snprintf(out + used, EDGE_ALLOW_MAX - used, "%s%s", o->method, get ? ", HEAD, " : ", ");
        }
    }
    snprintf(out + used, EDGE_ALLOW_MAX - used, "OPTIONS");
    return out;
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
