/* edge_routes.h - api-edge's route table: every path it answers, its method, the rate limit and the API key scope it needs */
#ifndef EDGE_ROUTES_H_INCLUDED
#define EDGE_ROUTES_H_INCLUDED

/* The one list of routes: the dispatcher, the 405 Allow header, /metrics'
 * route labels and the OpenAPI test all read it. */

#include <stdbool.h>
#include <stddef.h>

#include "cb_apikey.h"

typedef enum {
    EDGE_R_PRICE = 0,
    EDGE_R_OHLC,
    EDGE_R_BOOK,
    EDGE_R_TRADES,
    EDGE_R_COMPARE,
    EDGE_R_BEST,
    EDGE_R_SYMBOLS,
    EDGE_R_VENUES,
    EDGE_R_ANALYZE,
    EDGE_R_ACC_BALANCES,
    EDGE_R_ACC_TRADE_BALANCE,
    EDGE_R_ACC_ORDERS,
    EDGE_R_ACC_TRADES,
    EDGE_R_ACC_WS_TOKEN,
    EDGE_R_ACC_CHECK,
    EDGE_R_HEALTH,
    EDGE_R_METRICS,
    EDGE_R_OPENAPI,
    EDGE_R_DOCS,
    EDGE_R_DASHBOARD,
    EDGE_R_STATIC,
    EDGE_R_WS,
    EDGE_R_COUNT
} edge_route_id_t;

typedef struct {
    edge_route_id_t id;
    const char *method;  /* "GET" or "POST" (GET routes also answer HEAD) */
    const char *path;    /* exact path, or the prefix when prefix is set ("/static/") */
    bool prefix;
    bool limited;        /* counted by the per-client rate limit */
    bool in_openapi;     /* described by /openapi.json */
    cb_apikey_scope_t scope; /* NONE: public; READ / TRADE: an API key of that scope (trade includes read) */
} edge_route_t;

/* The route whose path matches len bytes of path, or NULL. */
const edge_route_t *
edge_routes_find(const char *path, size_t len);

/* True when method (len bytes) is what route r takes (HEAD for GET). */
bool
edge_routes_method_ok(const edge_route_t *r, const char *method, size_t len);

/* The Allow header value of a route ("GET, HEAD, OPTIONS"). */
const char *
edge_routes_allow(const edge_route_t *r);

/* The route with id (0 .. EDGE_R_COUNT-1). */
const edge_route_t *
edge_routes_get(edge_route_id_t id);

/* Calls fn for every route in table order. */
void
edge_routes_each(void (*fn)(void *ctx, const edge_route_t *route), void *ctx);

#endif
